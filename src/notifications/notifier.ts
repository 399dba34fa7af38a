import type { Attendance, TrainingEvent } from '../attendance';
import type { CohortGrid, GridEntry } from '../cohort';
import { ukDate } from '../curriculum';
import type { Store } from '../db/store';
import type { Outbox } from '../delivery';
import type { Logger } from '../log/logger';
import type { Schools } from '../people';
import type { SchoolContacts } from '../schools';
import {
  changeAnsweredMessage,
  comingWeekMessage,
  digestEmail,
  instantEmail,
  newlyRedMessage,
  scheduleChangedMessage,
  schoolInWords,
  type AnsweredRequest,
  type EventFacts,
  type ScheduleChange,
} from './messages';
import {
  addDays,
  digestMessageId,
  digestWeekFor,
  dueDigestWeeks,
  instantMessageId,
  normaliseEmail,
  occasionIds,
  recordId,
  shortHash,
  type DeliveryMode,
  type NotificationRecord,
  type Occasion,
} from './model';
import { NotificationPreferences } from './preferences';
import { NotificationRecords } from './records';
import { SettingsLinks } from './settings-link';

export interface NotificationDeps {
  store: Store;
  /** The tool's public address, for the settings link in every message. */
  publicUrl: string;
  /** Signs the settings links (Secrets.settingsLinkKey). */
  settingsLinkKey: Uint8Array;
  /** Who a school's contacts are. */
  contacts: Pick<SchoolContacts, 'contactsOf'>;
  /** Sends each message once, by its id. */
  outbox: Pick<Outbox, 'enqueue'>;
  schools: Pick<Schools, 'collection'>;
  grid: Pick<CohortGrid, 'ratedCohort'>;
  attendance: Pick<Attendance, 'eventsOf'>;
  /** Every cohort the checks look at. */
  cohorts: () => Promise<Iterable<string>>;
  logger?: Logger;
  /** How long a group's schedule must stay unchanged before it is compared (default 5 s). */
  scheduleSettleMs?: number;
}

/** What telling one occasion to a school's contacts came to. */
export interface Told {
  recorded: number;
  instant: number;
  digest: number;
  off: number;
  /** Already recorded (by this instance before, or another one). */
  already: number;
}

const noneTold = (): Told => ({ recorded: 0, instant: 0, digest: 0, off: 0, already: 0 });
const addTold = (a: Told, b: Told): Told => ({ recorded: a.recorded + b.recorded, instant: a.instant + b.instant, digest: a.digest + b.digest, off: a.off + b.off, already: a.already + b.already });

/** A check that lost the race to record what it saw tries again against the winner's version, this many times. */
const CHECK_ATTEMPTS = 3;
const SCHOOL_NAMES_MS = 5 * 60_000;
const SCHEDULE_SETTLE_MS = 5000;

const factsOf = (e: TrainingEvent): EventFacts => ({ id: e._id, date: e.date, start: e.start, end: e.end, type: e.type, title: e.title, location: e.location });
const sameFacts = (a: EventFacts, b: EventFacts) => a.date === b.date && a.start === b.start && a.end === b.end && a.type === b.type && a.title === b.title && a.location === b.location;

/**
 * What changed between the schedule last seen and now. Date, start and type make an event (its
 * id follows from them), so moving one is a cancel and an add: one of each, of the same type,
 * reads as a move.
 */
export function scheduleChanges(before: readonly EventFacts[], now: readonly EventFacts[]): ScheduleChange[] {
  const earlier = new Map(before.map((e) => [e.id, e]));
  const later = new Map(now.map((e) => [e.id, e]));
  const added = now.filter((e) => !earlier.has(e.id));
  const removed = before.filter((e) => !later.has(e.id));
  const changes: ScheduleChange[] = [];
  for (const gone of removed) {
    const index = added.findIndex((e) => e.type === gone.type);
    if (index >= 0) changes.push({ change: 'moved', from: gone, to: added.splice(index, 1)[0] });
    else changes.push({ change: 'cancelled', event: gone });
  }
  for (const event of added) changes.push({ change: 'added', event });
  for (const event of now) {
    const was = earlier.get(event.id);
    if (was && !sameFacts(was, event)) changes.push({ change: 'updated', event });
  }
  const dateOf = (c: ScheduleChange) => (c.change === 'moved' ? c.to.date : c.event.date);
  return changes.sort((a, b) => dateOf(a).localeCompare(dateOf(b)));
}

/** The schools with participants in a group, and those participants' names (withdrawn people left out). */
function schoolsOfGroup(entries: readonly GridEntry[], group: string): Map<string, string[]> {
  const schools = new Map<string, string[]>();
  for (const { row } of entries) {
    if (row.group !== group || !row.schoolUrn || row.status === 'withdrawn') continue;
    const names = schools.get(row.schoolUrn) ?? [];
    names.push(row.name ?? 'a participant without a name on record');
    schools.set(row.schoolUrn, names);
  }
  for (const names of schools.values()) names.sort((a, b) => a.localeCompare(b));
  return schools;
}

/**
 * Notifications for school contacts: each occasion (a change request answered, a participant
 * newly red, a group's schedule changed, an event in the coming week) is recorded once per
 * recipient under a deterministic id, then sent at once through the outbox, kept for the Monday
 * digest, or recorded as not sent, as the recipient chose. Every check is safe to run in several
 * instances at once: what one records, the other meets as a duplicate key.
 */
export class Notifications {
  readonly preferences: NotificationPreferences;
  readonly links: SettingsLinks;
  readonly records: NotificationRecords;
  private readonly pending = new Set<Promise<void>>();
  private readonly groupChecks = new Map<string, Promise<void>>();
  private readonly waitingGroups = new Map<string, { cohort: string; group: string; timer: NodeJS.Timeout }>();
  private readonly settleMs: number;
  private readonly schoolNames = new Map<string, { at: number; name: string | null }>();

  constructor(private readonly deps: NotificationDeps) {
    this.preferences = new NotificationPreferences(deps.store);
    this.links = new SettingsLinks(deps.settingsLinkKey, deps.publicUrl);
    this.records = new NotificationRecords(deps.store);
    this.settleMs = deps.scheduleSettleMs ?? SCHEDULE_SETTLE_MS;
  }

  // --- Telling a school ---

  /** Records the occasion for each of the school's contacts and sends, keeps or skips it by their choice. */
  async tell(occasion: Occasion, now = new Date()): Promise<Told> {
    const contacts = await this.deps.contacts.contactsOf(occasion.schoolUrn);
    let told = noneTold();
    for (const email of new Set(contacts.map((c) => normaliseEmail(c.email)))) told = addTold(told, await this.tellOne(occasion, email, now));
    return told;
  }

  private async tellOne(occasion: Occasion, email: string, now: Date): Promise<Told> {
    const mode: DeliveryMode = (await this.preferences.of(occasion.schoolUrn, email)).choices[occasion.kind];
    const record: NotificationRecord = {
      _id: recordId(occasion.occasionId, email),
      kind: occasion.kind,
      schoolUrn: occasion.schoolUrn,
      email,
      mode,
      headline: occasion.headline,
      body: occasion.body,
      digestWeek: mode === 'digest' ? digestWeekFor(now) : null,
      recordedAt: now,
    };
    const told = noneTold();
    if (await this.records.record(record)) {
      told.recorded = 1;
      told[mode] = 1;
      if (mode === 'instant') await this.sendInstant(record, now);
      return told;
    }
    told.already = 1;
    // Recorded before: by another instance that may not have reached the outbox yet. The outbox
    // keeps one message per id, so handing it over again is safe and closes that gap.
    const stored = await this.records.get(record._id);
    if (stored?.mode === 'instant') await this.sendInstant(stored, now);
    return told;
  }

  private async sendInstant(record: NotificationRecord, now: Date): Promise<void> {
    const school = schoolInWords(record.schoolUrn, await this.schoolName(record.schoolUrn));
    const email = instantEmail(record, school, await this.links.url({ urn: record.schoolUrn, email: record.email }, now));
    await this.deps.outbox.enqueue({ id: instantMessageId(record), kind: 'notification', schoolUrn: record.schoolUrn, to: record.email, ...email });
  }

  /** By `_id`, kept a few minutes: a check tells many contacts of one school. */
  private async schoolName(urn: string): Promise<string | null> {
    const kept = this.schoolNames.get(urn);
    if (kept && Date.now() - kept.at < SCHOOL_NAMES_MS) return kept.name;
    const name = (await this.deps.schools.collection.findOne({ _id: urn }))?.name ?? null;
    this.schoolNames.set(urn, { at: Date.now(), name });
    return name;
  }

  /** A school's name with its URN, as the messages and the settings page name it. */
  async schoolInWords(urn: string): Promise<string> {
    return schoolInWords(urn, await this.schoolName(urn));
  }

  // --- The occasions ---

  /** A change request was approved or rejected: its school's contacts hear of it, with the reason. */
  async changeAnswered(request: AnsweredRequest, now = new Date()): Promise<Told> {
    if (!request.decision) return noneTold();
    const message = changeAnsweredMessage(request);
    return this.tell({ kind: 'change-answered', schoolUrn: request.urn, occasionId: occasionIds.changeAnswered(request.id), ...message }, now);
  }

  /**
   * Compares each cohort's red participants with the set recorded last time and tells the
   * schools of those newly red. The first check of a cohort only records its set: people red
   * before notifications existed are not news.
   */
  async checkNewlyRed(cohorts?: Iterable<string>, now = new Date()): Promise<Told> {
    let told = noneTold();
    for (const cohort of cohorts ?? (await this.deps.cohorts())) told = addTold(told, await this.checkRedOf(cohort, now));
    return told;
  }

  private async checkRedOf(cohort: string, now: Date): Promise<Told> {
    const key = `red:${shortHash(cohort)}`;
    const day = ukDate(now);
    let told = noneTold();
    for (let attempt = 0; attempt < CHECK_ATTEMPTS; attempt += 1) {
      const red = (await this.deps.grid.ratedCohort(cohort, now)).entries.filter((e) => e.rating.rag === 'red');
      const current = red.map((e) => e.row.key).sort();
      const last = await this.records.seen.latest(key);
      if (last) {
        const before = new Set(JSON.parse(last.seen) as string[]);
        if (current.length === before.size && current.every((k) => before.has(k))) return told;
        for (const entry of red.filter((e) => !before.has(e.row.key) && e.row.schoolUrn)) {
          const reasons = entry.rating.reasons.filter((r) => r.level !== 'green').map((r) => r.text);
          const message = newlyRedMessage(entry.row, reasons, day);
          told = addTold(told, await this.tell({ kind: 'newly-red', schoolUrn: entry.row.schoolUrn as string, occasionId: occasionIds.newlyRed(entry.row.key, day), ...message }, now));
        }
      }
      if (await this.records.seen.append(key, last?.version ?? 0, { seen: JSON.stringify(current), at: now })) return told;
    }
    return told;
  }

  /**
   * A group's events were written: compares its coming events with those last seen and tells
   * the schools of its participants what was added, moved, changed or cancelled. Past events
   * are left out, so an event simply passing is not a change.
   */
  async checkSchedule(cohort: string, group: string, now = new Date()): Promise<Told> {
    if (!(await this.records.marked(this.baselineId(cohort)))) {
      await this.baselineSchedules(cohort, now);
      return noneTold();
    }
    const key = `schedule:${shortHash(cohort, group)}`;
    const today = ukDate(now);
    let told = noneTold();
    for (let attempt = 0; attempt < CHECK_ATTEMPTS; attempt += 1) {
      const events = (await this.deps.attendance.eventsOf(cohort, group)).filter((e) => e.date >= today).map(factsOf);
      const last = await this.records.seen.latest(key);
      const before = last ? (JSON.parse(last.seen) as EventFacts[]).filter((e) => e.date >= today) : [];
      const changes = scheduleChanges(before, events);
      if (changes.length === 0) return told;
      const version = (last?.version ?? 0) + 1;
      const schools = schoolsOfGroup((await this.deps.grid.ratedCohort(cohort, now)).entries, group);
      for (const [urn, names] of schools) {
        const message = scheduleChangedMessage(group, changes, names);
        told = addTold(told, await this.tell({ kind: 'schedule-changed', schoolUrn: urn, occasionId: occasionIds.scheduleChanged(cohort, group, version), ...message }, now));
      }
      if (await this.records.seen.append(key, last?.version ?? 0, { seen: JSON.stringify(events), at: now })) return told;
    }
    return told;
  }

  private baselineId(cohort: string) {
    return `schedule-baseline:${shortHash(cohort)}`;
  }

  /** Records every group's coming events as seen, without telling anyone: the first look at a cohort. */
  private async baselineSchedules(cohort: string, now: Date): Promise<void> {
    const today = ukDate(now);
    const byGroup = new Map<string, EventFacts[]>();
    for (const event of await this.deps.attendance.eventsOf(cohort)) {
      if (event.date < today) continue;
      byGroup.set(event.group, [...(byGroup.get(event.group) ?? []), factsOf(event)]);
    }
    for (const [group, events] of byGroup) {
      const key = `schedule:${shortHash(cohort, group)}`;
      if (!(await this.records.seen.latest(key))) await this.records.seen.append(key, 0, { seen: JSON.stringify(events), at: now });
    }
    await this.records.mark(this.baselineId(cohort), now);
  }

  /** Every group with events, in every cohort (what an event listener might have missed). */
  async checkSchedules(now = new Date()): Promise<Told> {
    let told = noneTold();
    for (const cohort of await this.deps.cohorts()) {
      const groups = new Set((await this.deps.attendance.eventsOf(cohort)).map((e) => e.group));
      if (!(await this.records.marked(this.baselineId(cohort)))) {
        await this.baselineSchedules(cohort, now);
        continue;
      }
      for (const group of groups) told = addTold(told, await this.checkSchedule(cohort, group, now));
    }
    return told;
  }

  /** Each event in the next 7 days (UK dates, today included), told once to the schools of its group. */
  async checkComingWeek(now = new Date()): Promise<Told> {
    const today = ukDate(now);
    const end = addDays(today, 7);
    let told = noneTold();
    for (const cohort of await this.deps.cohorts()) {
      const events = (await this.deps.attendance.eventsOf(cohort)).filter((e) => e.date >= today && e.date < end);
      if (events.length === 0) continue;
      const { entries } = await this.deps.grid.ratedCohort(cohort, now);
      for (const event of events) {
        for (const [urn, names] of schoolsOfGroup(entries, event.group)) {
          const message = comingWeekMessage(event.group, factsOf(event), names);
          told = addTold(told, await this.tell({ kind: 'event-coming-week', schoolUrn: urn, occasionId: occasionIds.comingWeek(event._id), ...message }, now));
        }
      }
    }
    return told;
  }

  // --- The digest ---

  /**
   * Sends each contact's digest of every week now due (this Monday's, from the digest hour, and
   * the week before, in case no instance ran then): one message per school, contact and week.
   * A kind turned off since it was collected is left out.
   */
  async sendDigests(now = new Date()): Promise<{ weeks: string[]; messages: number }> {
    const { current, previous } = dueDigestWeeks(now);
    const weeks: string[] = [];
    let messages = 0;
    for (const week of [previous, current]) {
      const marker = `digest-run:${week}`;
      if (await this.records.marked(marker)) continue;
      messages += await this.digestOf(week, now);
      await this.records.mark(marker, now);
      weeks.push(week);
    }
    return { weeks, messages };
  }

  private async digestOf(week: string, now: Date): Promise<number> {
    const byContact = new Map<string, NotificationRecord[]>();
    for (const item of await this.records.forDigest(week)) {
      const key = JSON.stringify([item.schoolUrn, item.email]);
      byContact.set(key, [...(byContact.get(key) ?? []), item]);
    }
    let messages = 0;
    for (const items of byContact.values()) {
      const { schoolUrn, email } = items[0];
      const { choices } = await this.preferences.of(schoolUrn, email);
      const kept = items.filter((i) => choices[i.kind] !== 'off');
      if (kept.length === 0) continue;
      const school = await this.schoolInWords(schoolUrn);
      const message = digestEmail(kept, school, week, await this.links.url({ urn: schoolUrn, email }, now));
      await this.deps.outbox.enqueue({ id: digestMessageId(schoolUrn, email, week), kind: 'digest', schoolUrn, to: email, ...message });
      messages += 1;
    }
    return messages;
  }

  // --- Running ---

  /**
   * What the `notifications` job runs (hourly): the daily checks once a UK day (schedules, newly
   * red, the coming week), then any digest due. A day's checks are marked done only when all ran,
   * so a failed run is tried again at the next hour.
   */
  async runDue(now = new Date()): Promise<{ daily: boolean; digests: string[] }> {
    const marker = `daily:${ukDate(now)}`;
    let daily = false;
    if (!(await this.records.marked(marker))) {
      await this.checkSchedules(now);
      await this.checkNewlyRed(undefined, now);
      await this.checkComingWeek(now);
      await this.records.mark(marker, now);
      daily = true;
    }
    const { weeks } = await this.sendDigests(now);
    return { daily, digests: weeks };
  }

  // --- Listeners (wired in src/service.ts) ---

  /** For ChangeRequests.onAnswered: told before the answer's page returns; a failure is logged, the answer stands. */
  readonly onChangeAnswered = async (request: AnsweredRequest): Promise<void> => {
    await this.changeAnswered(request).catch((error: unknown) => this.failed('change-answered', error));
  };

  /**
   * For Attendance.followChanges: the group's check runs in the background a few seconds after
   * its last write (so cancelling an event and adding its replacement reads as one move, and an
   * import of many rows as one change), one check at a time per group.
   */
  readonly onScheduleChange = (cohort: string, group: string): void => {
    const key = JSON.stringify([cohort, group]);
    clearTimeout(this.waitingGroups.get(key)?.timer);
    const timer = setTimeout(() => this.startGroupCheck(key), this.settleMs).unref();
    this.waitingGroups.set(key, { cohort, group, timer });
  };

  private startGroupCheck(key: string): void {
    const waiting = this.waitingGroups.get(key);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waitingGroups.delete(key);
    const previous = this.groupChecks.get(key) ?? Promise.resolve();
    const tracked = previous.then(() => this.checkSchedule(waiting.cohort, waiting.group)).then(
      () => undefined,
      (error: unknown) => this.failed('schedule-changed', error),
    );
    this.groupChecks.set(key, tracked);
    this.track(tracked.finally(() => this.groupChecks.get(key) === tracked && this.groupChecks.delete(key)));
  }

  /** Runs the schedule checks still waiting for their group to settle, now, and waits for every background check (tests, closing). */
  async flush(): Promise<void> {
    for (const key of [...this.waitingGroups.keys()]) this.startGroupCheck(key);
    await this.settled();
  }

  /**
   * After a sync committed: its cohorts' new figures may have turned someone red. Awaited by the
   * sync (after its read model is rebuilt), so nothing runs on after the process closes; a
   * failure is logged here and never fails the sync.
   */
  readonly afterSync = async (cohorts: Iterable<string>): Promise<void> => {
    await this.checkNewlyRed([...cohorts]).catch((error: unknown) => this.failed('newly-red', error));
  };

  /**
   * For closing: schedule checks still waiting are dropped (the daily check compares every
   * group's schedule, so nothing is lost) and those running are awaited.
   */
  async stop(): Promise<void> {
    for (const waiting of this.waitingGroups.values()) clearTimeout(waiting.timer);
    this.waitingGroups.clear();
    await this.settled();
  }

  private track(work: Promise<unknown>): void {
    const done = work.then(() => undefined);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Resolves once every background check started so far has ended. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private failed(kind: string, error: unknown): void {
    this.deps.logger?.error({ event: 'notifications.failed', kind, err: error }, `notifications: ${kind} could not be recorded or queued`);
  }
}
