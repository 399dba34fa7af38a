import { mongo } from 'mongoose';
import { isDuplicateKey } from '../db/collections';
import type { Collection, Store } from '../db/store';
import { registerId, type RegisterEntry, type RegisterVersion, type TrainingEvent } from './model';

/**
 * A register version as stored: the entries packed as JSON in one Binary, which FerretDB
 * decodes about ten times faster than the same data as many small fields, with the two
 * counts beside them so a summary need not unpack what it does not show.
 */
interface StoredRegister {
  _id: string;
  eventId: string;
  cohort: string;
  group: string;
  version: number;
  entries: mongo.Binary;
  present: number;
  expected: number;
  takenBy: { ownerId: string; name: string };
  takenAt: Date;
}

/** Versions are probed one `_id` at a time; a register edited more often than this is not a register. */
const MAX_VERSIONS = 1000;

const pack = (entries: readonly RegisterEntry[]) => new mongo.Binary(Buffer.from(JSON.stringify(entries), 'utf8'));
const unpack = (doc: StoredRegister): RegisterVersion => ({
  _id: doc._id,
  eventId: doc.eventId,
  cohort: doc.cohort,
  group: doc.group,
  version: doc.version,
  entries: JSON.parse(Buffer.from(doc.entries.buffer).toString('utf8')) as RegisterEntry[],
  takenBy: { ownerId: doc.takenBy.ownerId, name: doc.takenBy.name },
  takenAt: new Date(doc.takenAt),
});

/** The part of `attendance_registers` a group's registers live in. */
export const groupOwner = (cohort: string, group: string) => JSON.stringify([cohort, group]);

/**
 * Registers: every save inserts a new version `${eventId}#${n}` and nothing is ever changed,
 * so two facilitators saving at once cannot lose each other's work: exactly one insert of
 * version n wins (FerretDB's duplicate key on `_id` is atomic), and the other is told. They
 * live in the partitioned collection `attendance_registers`, in the part of the group
 * (`Store.ownedBy` with `[cohort, group]`), and are read by `_id` only: an event's versions by
 * probing 1, 2, … until one is missing (a register is saved a handful of times at most).
 */
export class Registers {
  constructor(private readonly store: Store) {}

  private part(event: Pick<TrainingEvent, 'cohort' | 'group'>): Collection<StoredRegister> {
    return this.store.ownedBy<StoredRegister>('attendance_registers', groupOwner(event.cohort, event.group));
  }

  /** Every version of the event's register, oldest first. */
  async versions(event: Pick<TrainingEvent, '_id' | 'cohort' | 'group'>): Promise<RegisterVersion[]> {
    const part = this.part(event);
    const found: RegisterVersion[] = [];
    for (let n = 1; n <= MAX_VERSIONS; n += 1) {
      const doc = await part.findOne({ _id: registerId(event._id, n) });
      if (!doc) break;
      found.push(unpack(doc));
    }
    return found;
  }

  /** Whether the event has a register at all: one read. */
  async taken(event: Pick<TrainingEvent, '_id' | 'cohort' | 'group'>): Promise<boolean> {
    return (await this.part(event).findOne({ _id: registerId(event._id, 1) }, { projection: { _id: 1 } })) !== null;
  }

  /** @returns false when that version exists already (someone else saved it first). */
  async insert(version: RegisterVersion): Promise<boolean> {
    const present = version.entries.filter((e) => e.present).length;
    const doc: StoredRegister = { ...version, entries: pack(version.entries), present, expected: version.entries.length };
    try {
      await this.part(version).insertOne(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Takes back a version whose event was cancelled while it was being saved. */
  async remove(version: Pick<RegisterVersion, '_id' | 'cohort' | 'group'>): Promise<void> {
    await this.part(version).deleteOne({ _id: version._id });
  }
}
