import crypto from 'node:crypto';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { ukDate } from '../curriculum';
import { personKeysOf, type PlatformKey } from '../domain';
import { AuthorizationError, ValidationError } from '../errors';
import {
  MEETING_ID,
  MeetingInputError,
  validateMeeting,
  validateReflection,
  type MeetingDraft,
  type MeetingFields,
  type MeetingRecord,
  type MeetingReflection,
  type MeetingWithReflection,
  type NewMeeting,
} from './model';

/** An ECT's meetings in figures, for the home page and a mentor's list of ECTs. */
export interface MeetingSummary {
  count: number;
  /** The latest meeting's date (YYYY-MM-DD). */
  last: string | null;
  /** Meetings per ECT programme module. */
  byModule: Map<number, number>;
}

/** A fresh meeting id: `meeting:` and 16 random URL-safe characters. */
export function newMeetingId(): string {
  return `meeting:${crypto.randomBytes(12).toString('base64url')}`;
}

/** Newest meeting first; on one day, the one recorded last first. */
const newestFirst = (a: MeetingRecord, b: MeetingRecord) => b.date.localeCompare(a.date) || b.createdAt.getTime() - a.createdAt.getTime() || a._id.localeCompare(b._id);

/**
 * Mentor meeting records and the ECT's reflections on them. Every read is scoped by the ECT's
 * owner id, so a meeting id alone never finds anything. Each document has one writer: a
 * meeting, the mentor who recorded it; a reflection (its own collection, same `_id`), the ECT.
 * Who may call what is the caller's to check (ParticipantAccess); this class checks only that
 * a write comes from that one writer.
 */
export class Meetings {
  constructor(
    readonly store: Store,
    private readonly options: { now?: () => Date } = {},
  ) {}

  private get meetings() {
    return this.store.collection<MeetingRecord>('meetings');
  }

  private get reflections() {
    return this.store.collection<MeetingReflection>('meeting_reflections');
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private validate(draft: MeetingDraft): MeetingFields {
    const checked = validateMeeting(draft, ukDate(this.now()));
    if (!checked.ok) throw new MeetingInputError(checked.errors);
    return checked.fields;
  }

  /**
   * Records a meeting for the ECT. A form sent twice (a double click, a reload) carries the same
   * id, so it saves once: the second send updates the first with what it carries.
   * @throws MeetingInputError naming each field that cannot be saved.
   */
  async record(input: NewMeeting): Promise<MeetingRecord> {
    const fields = this.validate(input);
    const now = this.now();
    const meeting: MeetingRecord = {
      _id: input.id && MEETING_ID.test(input.id) ? input.id : newMeetingId(),
      ectOwnerId: input.ectOwnerId,
      ectKey: input.ectKey,
      ectName: input.ectName,
      mentorOwnerId: input.mentorOwnerId,
      mentorName: input.mentorName,
      cohort: input.cohort,
      ...fields,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.meetings.insertOne(meeting);
      return meeting;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const saved = await this.update(meeting._id, input.ectOwnerId, input.mentorOwnerId, input).catch((refused: unknown) => {
        if (refused instanceof AuthorizationError) return null;
        throw refused;
      });
      if (!saved) throw new ValidationError('This form has already been used for another meeting. Open “Record a meeting” again.');
      return saved;
    }
  }

  /**
   * Changes a meeting's date, module, session, focus, notes and action steps.
   * @returns null when the ECT has no meeting with this id.
   * @throws AuthorizationError when another mentor recorded it; MeetingInputError for what cannot be saved.
   */
  async update(id: string, ectOwnerId: string, mentorOwnerId: string, input: MeetingDraft): Promise<MeetingRecord | null> {
    const found = await this.findMeeting(ectOwnerId, id);
    if (!found) return null;
    if (found.mentorOwnerId !== mentorOwnerId) throw new AuthorizationError('Only the mentor who recorded this meeting can change it.');
    const fields = this.validate(input);
    const changes = { ...fields, updatedAt: this.now() };
    await this.meetings.updateOne({ _id: id, ectOwnerId, mentorOwnerId }, { $set: changes });
    return { ...found, ...changes };
  }

  /**
   * The ECT's reflection on one of their meetings; saving again replaces it.
   * @returns null when the ECT has no meeting with this id.
   * @throws MeetingInputError when the text is empty or too long.
   */
  async reflect(ectOwnerId: string, meetingId: string, text: string): Promise<MeetingReflection | null> {
    return this.writeReflection(ectOwnerId, meetingId, text, true);
  }

  private async writeReflection(ectOwnerId: string, meetingId: string, text: string, firstTry: boolean): Promise<MeetingReflection | null> {
    if (!(await this.findMeeting(ectOwnerId, meetingId))) return null;
    const checked = validateReflection(text);
    if (!checked.ok) throw new MeetingInputError(checked.errors);
    const now = this.now();
    const existing = await this.reflections.findOne({ _id: meetingId, ectOwnerId });
    if (existing) {
      await this.reflections.updateOne({ _id: meetingId, ectOwnerId }, { $set: { text: checked.text, updatedAt: now } });
      return { ...existing, text: checked.text, updatedAt: now };
    }
    const reflection: MeetingReflection = { _id: meetingId, ectOwnerId, text: checked.text, createdAt: now, updatedAt: now };
    try {
      await this.reflections.insertOne(reflection);
      return reflection;
    } catch (error) {
      // The same ECT saved from another tab a moment before: theirs is the one writer, so update it.
      if (!isDuplicateKey(error) || !firstTry) throw error;
      return this.writeReflection(ectOwnerId, meetingId, text, false);
    }
  }

  /** The ECT's meetings, newest first, each with its reflection. */
  async listFor(ectOwnerId: string): Promise<MeetingWithReflection[]> {
    const [meetings, reflections] = await Promise.all([this.meetings.find({ ectOwnerId }).toArray(), this.reflections.find({ ectOwnerId }).toArray()]);
    const byMeeting = new Map(reflections.map((r) => [r._id, r]));
    return meetings.sort(newestFirst).map((m) => ({ ...m, reflection: byMeeting.get(m._id) ?? null }));
  }

  /** One of the ECT's meetings with its reflection; null when the id is not one of this ECT's meetings. */
  async get(ectOwnerId: string, id: string): Promise<MeetingWithReflection | null> {
    const meeting = await this.findMeeting(ectOwnerId, id);
    if (!meeting) return null;
    return { ...meeting, reflection: await this.reflections.findOne({ _id: id, ectOwnerId }) };
  }

  /** Every meeting record and reflection of a removed platform's ECTs. */
  async deleteForPlatform(platform: PlatformKey): Promise<number> {
    const filter = { ectOwnerId: { $regex: personKeysOf(platform) } };
    return (await this.meetings.deleteMany(filter)).deletedCount + (await this.reflections.deleteMany(filter)).deletedCount;
  }

  async summaryFor(ectOwnerId: string): Promise<MeetingSummary> {
    const found = await this.meetings.find({ ectOwnerId }, { projection: { _id: 1, date: 1, module: 1 } }).toArray();
    const byModule = new Map<number, number>();
    let last: string | null = null;
    for (const m of found) {
      byModule.set(m.module, (byModule.get(m.module) ?? 0) + 1);
      if (last === null || m.date > last) last = m.date;
    }
    return { count: found.length, last, byModule: new Map([...byModule].sort(([a], [b]) => a - b)) };
  }

  private async findMeeting(ectOwnerId: string, id: string): Promise<MeetingRecord | null> {
    if (typeof id !== 'string' || !MEETING_ID.test(id)) return null;
    return this.meetings.findOne({ _id: id, ectOwnerId });
  }
}
