import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { isDuplicateKey } from '../db/collections';
import type { Collection, Store } from '../db/store';
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

/**
 * What `meeting_records` and `meeting_reflections` hold: ONE document per ECT, `_id` = the ECT's
 * owner id, in the part `Store.ownedBy` picks for that id.
 *
 * Why so: on FerretDB every filter but `_id` equality decodes every document of the collection,
 * and even an `_id` lookup scans the part's rows (../shared/FERRETDB.md). So an ECT's page
 * reads one small document per collection by `_id`, and the records inside it are packed as
 * JSON in one Binary field, which FerretDB decodes about ten times faster than the same data as
 * many small fields. On MongoDB these are plain `_id` reads of small collections.
 */
export interface PackedMeetingsDoc {
  /** The ECT's owner id. */
  _id: string;
  /** UTF-8 JSON: a `MeetingRecord[]` (meeting_records) or the reflections keyed by meeting id (meeting_reflections). */
  packed: mongo.Binary;
  /** How many meetings or reflections `packed` holds: counted without unpacking. */
  count: number;
  /** Raised by one on every write; a write is made only over the revision it read. */
  rev: number;
}

type Kind = 'meeting_records' | 'meeting_reflections';

/** How often a write is tried again after another write to the same document came first. */
const WRITE_ATTEMPTS = 5;

const packJson = (value: unknown) => new mongo.Binary(Buffer.from(JSON.stringify(value), 'utf8'));
const unpackJson = (doc: PackedMeetingsDoc): unknown => JSON.parse(Buffer.from(doc.packed.buffer).toString('utf8'));

/** JSON keeps dates as strings: they come back as Dates. */
const withDates = <T extends { createdAt: Date; updatedAt: Date }>(item: T): T => ({ ...item, createdAt: new Date(item.createdAt), updatedAt: new Date(item.updatedAt) });

/** The meetings a `meeting_records` document holds. */
export function unpackMeetings(doc: PackedMeetingsDoc | null): MeetingRecord[] {
  return doc ? (unpackJson(doc) as MeetingRecord[]).map(withDates) : [];
}

/** The reflections a `meeting_reflections` document holds, by meeting id. */
export function unpackReflections(doc: PackedMeetingsDoc | null): Map<string, MeetingReflection> {
  if (!doc) return new Map();
  return new Map(Object.values(unpackJson(doc) as Record<string, MeetingReflection>).map((r) => [r._id, withDates(r)]));
}

/** The `meeting_records` document (without `_id` and `rev`) holding an ECT's meetings. */
export function packMeetings(meetings: readonly MeetingRecord[]): Omit<PackedMeetingsDoc, '_id' | 'rev'> {
  return { packed: packJson(meetings), count: meetings.length };
}

/** The `meeting_reflections` document (without `_id` and `rev`) holding an ECT's reflections. */
export function packReflections(reflections: Iterable<MeetingReflection>): Omit<PackedMeetingsDoc, '_id' | 'rev'> {
  const byMeeting = Object.fromEntries([...reflections].map((r) => [r._id, r]));
  return { packed: packJson(byMeeting), count: Object.keys(byMeeting).length };
}

/** A fresh meeting id: `meeting:` and 16 random URL-safe characters. */
export function newMeetingId(): string {
  return `meeting:${crypto.randomBytes(12).toString('base64url')}`;
}

const isMeetingId = (id: unknown): id is string => typeof id === 'string' && MEETING_ID.test(id);

/** Newest meeting first; on one day, the one recorded last first. */
const newestFirst = (a: MeetingRecord, b: MeetingRecord) => b.date.localeCompare(a.date) || b.createdAt.getTime() - a.createdAt.getTime() || a._id.localeCompare(b._id);

/** What a change of one document decides: the new content (none: write nothing) and what to return. */
type Edit<T, R> = { value?: T; result: R };

/**
 * Mentor meeting records and the ECT's reflections on them, one document per ECT in each of
 * `meeting_records` and `meeting_reflections` (see PackedMeetingsDoc). Every read is one
 * `findOne({ _id: ectOwnerId })` per collection, so a meeting id alone never finds anything and
 * no read costs more than the ECT's own documents.
 *
 * Each document has one writer, because FerretDB loses concurrent updates of one document:
 * the ECT's meeting records are written only by their mentor (after a roster change, the new
 * one), their reflections only by the ECT. A mentor saving a meeting while the ECT saves a
 * reflection therefore never overwrite each other. Who may call what is the caller's to check
 * (ParticipantAccess); this class checks only that a meeting is changed by the mentor who
 * recorded it.
 */
export class Meetings {
  constructor(
    readonly store: Store,
    private readonly options: { now?: () => Date } = {},
  ) {}

  private part(kind: Kind, ectOwnerId: string): Collection<PackedMeetingsDoc> {
    return this.store.ownedBy<PackedMeetingsDoc>(kind, ectOwnerId);
  }

  private read(kind: Kind, ectOwnerId: string): Promise<PackedMeetingsDoc | null> {
    return this.part(kind, ectOwnerId).findOne({ _id: ectOwnerId });
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
   * Reads one of the ECT's documents, lets `edit` decide its new content, and replaces it whole
   * (upserting the first one). The replace matches only the revision that was read: if another
   * write came in between (on MongoDB always seen; on FerretDB when it finished first), the
   * replace finds no document, its upsert hits the existing `_id`, and the change is made again
   * over what is now stored.
   */
  private async change<T, R>(
    kind: Kind,
    ectOwnerId: string,
    unpack: (doc: PackedMeetingsDoc | null) => T,
    pack: (value: T) => Omit<PackedMeetingsDoc, '_id' | 'rev'>,
    edit: (current: T) => Edit<T, R>,
  ): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      const doc = await this.read(kind, ectOwnerId);
      const { value, result } = edit(unpack(doc));
      if (value === undefined) return result;
      const rev = doc?.rev ?? 0;
      try {
        await this.part(kind, ectOwnerId).replaceOne({ _id: ectOwnerId, rev }, { ...pack(value), rev: rev + 1 }, { upsert: true });
        return result;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /** Changes the ECT's meeting records; only ever called for their mentor. */
  private changeMeetings<R>(ectOwnerId: string, edit: (meetings: MeetingRecord[]) => Edit<MeetingRecord[], R>): Promise<R> {
    return this.change('meeting_records', ectOwnerId, unpackMeetings, packMeetings, edit);
  }

  /** Changes the ECT's reflections; only ever called for the ECT. */
  private changeReflections<R>(ectOwnerId: string, edit: (reflections: Map<string, MeetingReflection>) => Edit<Map<string, MeetingReflection>, R>): Promise<R> {
    return this.change('meeting_reflections', ectOwnerId, unpackReflections, (r) => packReflections(r.values()), edit);
  }

  /**
   * Records a meeting for the ECT. A form sent twice (a double click, a reload) carries the same
   * id, so it saves once: the second send updates the first with what it carries.
   * @throws MeetingInputError naming each field that cannot be saved; ValidationError when the
   * form's id is a meeting of this ECT that another mentor recorded.
   */
  async record(input: NewMeeting): Promise<MeetingRecord> {
    const fields = this.validate(input);
    const now = this.now();
    const id = isMeetingId(input.id) ? input.id : newMeetingId();
    return this.changeMeetings(input.ectOwnerId, (meetings) => {
      const found = meetings.find((m) => m._id === id);
      if (found && found.mentorOwnerId !== input.mentorOwnerId) {
        throw new ValidationError('This form has already been used for another meeting. Open “Record a meeting” again.');
      }
      if (found) {
        const again: MeetingRecord = { ...found, ...fields, updatedAt: now };
        return { value: meetings.map((m) => (m === found ? again : m)), result: again };
      }
      const meeting: MeetingRecord = {
        _id: id,
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
      return { value: [...meetings, meeting], result: meeting };
    });
  }

  /**
   * Changes a meeting's date, module, session, focus, notes and action steps.
   * @returns null when the ECT has no meeting with this id.
   * @throws AuthorizationError when another mentor recorded it; MeetingInputError for what cannot be saved.
   */
  async update(id: string, ectOwnerId: string, mentorOwnerId: string, input: MeetingDraft): Promise<MeetingRecord | null> {
    if (!isMeetingId(id)) return null;
    return this.changeMeetings<MeetingRecord | null>(ectOwnerId, (meetings) => {
      const found = meetings.find((m) => m._id === id);
      if (!found) return { result: null };
      if (found.mentorOwnerId !== mentorOwnerId) throw new AuthorizationError('Only the mentor who recorded this meeting can change it.');
      const changed: MeetingRecord = { ...found, ...this.validate(input), updatedAt: this.now() };
      return { value: meetings.map((m) => (m === found ? changed : m)), result: changed };
    });
  }

  /**
   * The ECT's reflection on one of their meetings; saving again replaces it.
   * @returns null when the ECT has no meeting with this id.
   * @throws MeetingInputError when the text is empty or too long.
   */
  async reflect(ectOwnerId: string, meetingId: string, text: string): Promise<MeetingReflection | null> {
    if (!(await this.findMeeting(ectOwnerId, meetingId))) return null;
    const checked = validateReflection(text);
    if (!checked.ok) throw new MeetingInputError(checked.errors);
    const now = this.now();
    return this.changeReflections(ectOwnerId, (reflections) => {
      const reflection: MeetingReflection = { _id: meetingId, ectOwnerId, text: checked.text, createdAt: reflections.get(meetingId)?.createdAt ?? now, updatedAt: now };
      return { value: new Map(reflections).set(meetingId, reflection), result: reflection };
    });
  }

  /** The ECT's meetings, newest first, each with its reflection. */
  async listFor(ectOwnerId: string): Promise<MeetingWithReflection[]> {
    const [meetings, reflections] = await Promise.all([this.read('meeting_records', ectOwnerId), this.read('meeting_reflections', ectOwnerId)]);
    const byMeeting = unpackReflections(reflections);
    return unpackMeetings(meetings)
      .sort(newestFirst)
      .map((m) => ({ ...m, reflection: byMeeting.get(m._id) ?? null }));
  }

  /** One of the ECT's meetings with its reflection; null when the id is not one of this ECT's meetings. */
  async get(ectOwnerId: string, id: string): Promise<MeetingWithReflection | null> {
    if (!isMeetingId(id)) return null;
    const [meetings, reflections] = await Promise.all([this.read('meeting_records', ectOwnerId), this.read('meeting_reflections', ectOwnerId)]);
    const meeting = unpackMeetings(meetings).find((m) => m._id === id);
    return meeting ? { ...meeting, reflection: unpackReflections(reflections).get(id) ?? null } : null;
  }

  /**
   * Every meeting record and reflection of a removed platform's ECTs (their documents' `_id`s
   * are the ECTs' owner ids, which carry the platform). Runs after the platform's registration
   * is gone, so nobody writes them meanwhile.
   * @returns how many meeting records and reflections the deleted documents held (not how many documents).
   */
  async deleteForPlatform(platform: PlatformKey): Promise<number> {
    const filter = { _id: { $regex: personKeysOf(platform) } };
    let removed = 0;
    for (const kind of ['meeting_records', 'meeting_reflections'] as const) {
      for (const part of this.store.allParts<PackedMeetingsDoc>(kind)) {
        const docs = await part.find(filter, { projection: { count: 1 } }).toArray();
        removed += docs.reduce((sum, doc) => sum + doc.count, 0);
        await part.deleteMany(filter);
      }
    }
    return removed;
  }

  async summaryFor(ectOwnerId: string): Promise<MeetingSummary> {
    const found = unpackMeetings(await this.read('meeting_records', ectOwnerId));
    const byModule = new Map<number, number>();
    let last: string | null = null;
    for (const m of found) {
      byModule.set(m.module, (byModule.get(m.module) ?? 0) + 1);
      if (last === null || m.date > last) last = m.date;
    }
    return { count: found.length, last, byModule: new Map([...byModule].sort(([a], [b]) => a - b)) };
  }

  private async findMeeting(ectOwnerId: string, id: string): Promise<MeetingRecord | null> {
    if (!isMeetingId(id)) return null;
    return unpackMeetings(await this.read('meeting_records', ectOwnerId)).find((m) => m._id === id) ?? null;
  }
}
