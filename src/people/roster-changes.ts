import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import type { ParticipantStatus, RosterEntry } from './roster';

/** What an approved change request writes to one roster entry. */
export interface RosterEdit {
  email?: string;
  mentorEmail?: string | null;
  status?: ParticipantStatus;
  /** The day (YYYY-MM-DD) the status took effect, kept beside it. */
  statusFrom?: string | null;
}

/** A roster entry as a change request may have left it: the day its status took effect, if one was given. */
export type EditedRosterEntry = RosterEntry & { statusFrom?: string | null };

/**
 * Single changes to the roster (`ecf_roster`) made outside an import: an approved change
 * request. Each write is one update by `_id` that sets only the fields it changes.
 *
 * FerretDB loses one of two concurrent writes to a document. Two approvals never write one
 * entry at once in practice (a request is decided once, by an insert-only decision), but a
 * roster import running at the same moment replaces whole entries from the copy it read at its
 * start, so it can put back what an approval wrote in between. That is the same outcome as the
 * next import of a file that still holds the old value, which the admin page warns about
 * ("update your roster file too"), and the approved request keeps what was asked, so the
 * change can be applied again; a lock across imports is not worth its cost here.
 */
export class RosterChanges {
  constructor(private readonly store: Store) {}

  private get collection() {
    return this.store.collection<EditedRosterEntry>('roster');
  }

  async find(id: string): Promise<EditedRosterEntry | null> {
    return this.collection.findOne({ _id: id });
  }

  /** The roster entries of one cohort: one read of the roster (no filter would be indexed on FerretDB). */
  async ofCohort(cohort: string): Promise<EditedRosterEntry[]> {
    return (await this.collection.find({}).toArray()).filter((entry) => entry.cohort === cohort);
  }

  /** Sets the given fields of one entry; false when it is gone. */
  async edit(id: string, edit: RosterEdit, now = new Date()): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: id }, { $set: { ...edit, updatedAt: now } });
    return result.matchedCount === 1;
  }

  /**
   * Adds a participant under a key made as the import makes one (`email:<address>`, with a
   * suffix when that key is taken by someone else). Adding the same person again (a retried
   * approval) finds them and adds nothing.
   */
  async add(entry: Omit<RosterEntry, '_id' | 'updatedAt'>, now = new Date()): Promise<{ id: string; added: boolean }> {
    const email = entry.email ?? '';
    for (let n = 1; n < 20; n += 1) {
      const id = n === 1 ? `email:${email}` : `email:${email}~${n}`;
      const existing = await this.find(id);
      if (existing) {
        if (existing.email === entry.email && existing.cohort === entry.cohort && existing.role === entry.role) return { id, added: false };
        continue;
      }
      try {
        await this.collection.insertOne({ _id: id, ...entry, updatedAt: now });
        return { id, added: true };
      } catch (error) {
        // Someone took the key between the look and the insert: look again.
        if (!isDuplicateKey(error)) throw error;
        n -= 1;
      }
    }
    throw new Error('no free roster key for the new participant');
  }
}
