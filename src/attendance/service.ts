import type { Store } from '../db/store';
import { NotFoundError, ValidationError } from '../errors';
import type { Logger } from '../log/logger';
import type { ImportOptions } from '../people';
import { byDateAndStart, TrainingEvents } from './events';
import { importEvents, type EventsImportReport } from './import';
import {
  AttendanceConflictError,
  EVENT_TYPE_LABELS,
  EventInputError,
  LIMITS,
  RegisterInputError,
  STALE_REGISTER,
  cleanReason,
  describeChanges,
  personName,
  registerId,
  validateDetails,
  validateEvent,
  type EventDraft,
  type EventType,
  type RegisterEntry,
  type RegisterHistoryItem,
  type RegisterTaker,
  type RegisterVersion,
  type TrainingEvent,
} from './model';
import { Registers } from './registers';

/** One participant's attendance in a group: over the events whose register lists them. */
export interface ParticipantAttendance {
  attended: number;
  expected: number;
  last: { eventId: string; date: string; present: boolean; reason: string | null } | null;
  /** Every register that lists them, in event order: what their record shows event by event. */
  marks: { eventId: string; present: boolean; reason: string | null }[];
}

export interface EventSummary {
  id: string;
  date: string;
  start: string;
  end: string | null;
  type: EventType;
  typeLabel: string;
  module: number | null;
  title: string | null;
  registerTaken: boolean;
  present: number;
  expected: number;
}

export interface GroupAttendance {
  cohort: string;
  group: string;
  /** In date, then start order. */
  events: EventSummary[];
  /** By the participant's read-model key. */
  byParticipant: Record<string, ParticipantAttendance>;
}

/** A register as the person saving it took it; `basedOn` is the version their form showed (0: none yet). */
export interface RegisterSave {
  eventId: string;
  basedOn: number;
  entries: { key: string; name: string | null; role: 'ect' | 'mentor'; present: boolean; reason?: string | null }[];
  takenBy: RegisterTaker;
}

export interface AttendanceOptions {
  /**
   * Called (and awaited) after every write, once for each group it touched: an event created,
   * edited, cancelled or imported, a register saved. The cohort grid refreshes its summary
   * through it, so a register's counts show there at once.
   */
  onChange?: (cohort: string, group: string) => Promise<void>;
  /** The cohorts an import may name (those with a linked course); any, without it. */
  cohorts?: () => Promise<Set<string>>;
  logger?: Logger;
  now?: () => Date;
}

const EVENT_GONE = 'There is no such training event; it may have been cancelled.';

/**
 * Training events of a cohort's groups and the registers taken at them. Who may do what is the
 * caller's to check (a facilitator only for their groups, an admin for their cohort's); this
 * class keeps the records consistent without transactions (see TrainingEvents, Registers).
 */
export class Attendance {
  private readonly events: TrainingEvents;
  private readonly registers: Registers;
  private listener: AttendanceOptions['onChange'];

  constructor(
    store: Store,
    private readonly options: AttendanceOptions = {},
  ) {
    this.events = new TrainingEvents(store);
    this.registers = new Registers(store);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /**
   * Sets who hears of every write, replacing `options.onChange`: the cohort grid's group boards
   * are built after the stores, so the composition root connects them here.
   */
  followChanges(listener: (cohort: string, group: string) => Promise<void>): void {
    this.listener = listener;
  }

  private async changed(cohort: string, group: string): Promise<void> {
    const listener = this.listener ?? this.options.onChange;
    if (!listener) return;
    try {
      await listener(cohort, group);
    } catch (error) {
      // The write is done; a summary that failed to refresh must not make it look as if it were not.
      this.options.logger?.warn({ event: 'attendance.on_change_failed', err: error }, 'attendance change not passed on');
    }
  }

  /** One event by id; null when there is none. */
  event(id: string): Promise<TrainingEvent | null> {
    return this.events.get(id);
  }

  /** A cohort's events, or one group's, in date and start order. */
  eventsOf(cohort: string, group?: string): Promise<TrainingEvent[]> {
    return this.events.list(cohort, group);
  }

  /**
   * Creates an event from what was typed.
   * @throws EventInputError naming each field that cannot be saved; AttendanceConflictError when the group has that event already.
   */
  async createEvent(draft: EventDraft): Promise<TrainingEvent> {
    const checked = validateEvent(draft);
    if (!checked.ok) throw new EventInputError(checked.errors);
    const { fields } = checked;
    const created = await this.events.insert(fields, this.now());
    if (!created) {
      throw new AttendanceConflictError(`${fields.group} already has this event: a ${EVENT_TYPE_LABELS[fields.type].toLowerCase()} on ${fields.date} at ${fields.start}.`);
    }
    await this.changed(created.cohort, created.group);
    return created;
  }

  /**
   * Changes an event's end time, module, facilitator, title and location. Its date, start time
   * and type are what make it that event: to change them, cancel it and create another.
   * @throws NotFoundError when there is no such event; EventInputError for what cannot be saved.
   */
  async editEvent(id: string, draft: EventDraft): Promise<TrainingEvent> {
    const event = await this.events.get(id);
    if (!event) throw new NotFoundError(EVENT_GONE);
    const checked = validateDetails(draft, event.start);
    if (!checked.ok) throw new EventInputError(checked.errors);
    const changed = await this.events.replaceDetails(event, checked.details, this.now());
    if (!changed) throw new NotFoundError(EVENT_GONE);
    await this.changed(changed.cohort, changed.group);
    return changed;
  }

  /**
   * Cancels (deletes) an event whose register has not been taken. A register saved at the same
   * moment is seen by one side or the other: this one puts the event back, or the save takes
   * its version back (see saveRegister), so no register is ever left without its event.
   * @throws NotFoundError; AttendanceConflictError once a register is taken.
   */
  async cancelEvent(id: string): Promise<void> {
    const event = await this.events.get(id);
    if (!event) throw new NotFoundError(EVENT_GONE);
    const refused = new AttendanceConflictError('This event’s register has been taken, so it cannot be cancelled: it stays on record with its register.');
    if (await this.registers.taken(event)) throw refused;
    if (!(await this.events.delete(id))) throw new NotFoundError(EVENT_GONE);
    if (await this.registers.taken(event)) {
      await this.events.restore(event);
      throw refused;
    }
    await this.changed(event.cohort, event.group);
  }

  /** Adds and updates events from a CSV file's text (see importEvents). */
  async importEvents(text: string, options: ImportOptions = {}): Promise<EventsImportReport> {
    const cohorts = this.options.cohorts ? await this.options.cohorts() : undefined;
    const report = await importEvents(this.events, text, options, cohorts);
    if (report.written) for (const [cohort, group] of report.groups) await this.changed(cohort, group);
    return report;
  }

  /** The event's latest register; null before one is taken. */
  async register(eventId: string): Promise<RegisterVersion | null> {
    const event = await this.events.get(eventId);
    if (!event) return null;
    return (await this.registers.versions(event)).at(-1) ?? null;
  }

  /** Every version of the event's register, oldest first, each with what changed since the one before. */
  async history(eventId: string): Promise<RegisterHistoryItem[]> {
    const event = await this.events.get(eventId);
    if (!event) return [];
    const versions = await this.registers.versions(event);
    return versions.map((v, i) => ({
      ...v,
      present: v.entries.filter((e) => e.present).length,
      expected: v.entries.length,
      changes: describeChanges(i === 0 ? null : versions[i - 1].entries, v.entries),
    }));
  }

  /**
   * Saves a register as a new version over the one the form was based on.
   * @throws RegisterInputError for entries that cannot be saved (a reason too long);
   * AttendanceConflictError (STALE_REGISTER) when another save landed since; NotFoundError when the event is gone.
   */
  async saveRegister(input: RegisterSave): Promise<RegisterVersion> {
    const entries = checkEntries(input.entries);
    const event = await this.events.get(input.eventId);
    if (!event) throw new NotFoundError(EVENT_GONE);
    const versions = await this.registers.versions(event);
    const latest = versions.at(-1)?.version ?? 0;
    if (!Number.isInteger(input.basedOn) || input.basedOn !== latest) throw new AttendanceConflictError(STALE_REGISTER);
    const version = latest + 1;
    const saved: RegisterVersion = {
      _id: registerId(event._id, version),
      eventId: event._id,
      cohort: event.cohort,
      group: event.group,
      version,
      entries,
      takenBy: { ownerId: input.takenBy.ownerId, name: input.takenBy.name },
      takenAt: this.now(),
    };
    if (!(await this.registers.insert(saved))) throw new AttendanceConflictError(STALE_REGISTER);
    // A cancel that slipped in between the read above and the insert: take this version back.
    if (!(await this.events.get(event._id))) {
      await this.registers.remove(saved);
      throw new AttendanceConflictError('This training event was cancelled while you had its register open.');
    }
    await this.changed(event.cohort, event.group);
    return saved;
  }

  /**
   * Every event of the group with its latest register's counts, and each participant's
   * attendance over the registers that list them: what the cohort grid shows.
   */
  async groupAttendance(cohort: string, group: string): Promise<GroupAttendance> {
    const events = await this.events.list(cohort, group);
    const latest = await Promise.all(events.map(async (event) => (await this.registers.versions(event)).at(-1) ?? null));
    const byParticipant: Record<string, ParticipantAttendance> = {};
    const summaries = events.map((event, i) => {
      const register = latest[i];
      const entries = register?.entries ?? [];
      for (const entry of entries) {
        const seen = (byParticipant[entry.key] ??= { attended: 0, expected: 0, last: null, marks: [] });
        seen.expected += 1;
        if (entry.present) seen.attended += 1;
        seen.marks.push({ eventId: event._id, present: entry.present, reason: entry.reason });
        // Events are in date and start order, so the last one listing them is their latest.
        seen.last = { eventId: event._id, date: event.date, present: entry.present, reason: entry.reason };
      }
      const summary: EventSummary = {
        id: event._id,
        date: event.date,
        start: event.start,
        end: event.end,
        type: event.type,
        typeLabel: EVENT_TYPE_LABELS[event.type],
        module: event.module,
        title: event.title,
        registerTaken: register !== null,
        present: entries.filter((e) => e.present).length,
        expected: entries.length,
      };
      return summary;
    });
    return { cohort, group, events: summaries, byParticipant };
  }
}

/** The entries as they will be stored: reasons tidied and checked, each person once. */
function checkEntries(entries: RegisterSave['entries']): RegisterEntry[] {
  if (!Array.isArray(entries) || entries.length === 0) throw new ValidationError('A register needs at least one person on it.');
  if (entries.length > LIMITS.people) throw new ValidationError(`A register can list at most ${LIMITS.people} people.`);
  const seen = new Set<string>();
  const problems: { key: string; message: string }[] = [];
  const checked = entries.map((entry) => {
    const key = typeof entry.key === 'string' ? entry.key : '';
    if (key === '' || key.length > LIMITS.name || seen.has(key)) throw new ValidationError('The register lists a person twice or without a key. Reload the page and take it again.');
    seen.add(key);
    if (entry.role !== 'ect' && entry.role !== 'mentor') throw new ValidationError('The register lists someone who is neither an ECT nor a mentor.');
    if (typeof entry.present !== 'boolean') throw new ValidationError('Each person on the register is either present or not.');
    const name = typeof entry.name === 'string' ? entry.name.slice(0, LIMITS.name) : null;
    const reason = cleanReason(typeof entry.reason === 'string' ? entry.reason : null);
    if (reason && reason.length > LIMITS.reason) {
      problems.push({ key, message: `The reason for ${personName({ key, name })} must be ${LIMITS.reason} characters or fewer (it has ${reason.length}).` });
    }
    return { key, name, role: entry.role, present: entry.present, reason };
  });
  if (problems.length) throw new RegisterInputError(problems);
  return checked;
}

export { byDateAndStart };
