import { ukDate } from '../curriculum';
import { chunks, isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import type { RosterEntry } from './roster';

export const HISTORY_KINDS = ['schedule', 'school'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

/**
 * One change of a participant's milestone schedule or school, in `ecf_roster_history`. The
 * roster holds only what is true now; this keeps what was true before and from when, so a
 * transfer or a move to an extended schedule keeps the participant's history. Insert-only
 * under an id made of what the change is, so importing the same file twice records it once.
 */
export interface HistoryEntry {
  _id: string;
  /** The roster entry's `_id`. */
  personId: string;
  kind: HistoryKind;
  /** The value before and after: a schedule id (null: the cohort's default) or a school URN. */
  from: string | null;
  to: string | null;
  /** YYYY-MM-DD: the day the change took effect (a transfer's `transfer_date`, else the day it was imported). */
  effective: string;
  /**
   * A change of school with a `transfer_date` is a transfer, which the schools are shown; without
   * one it is a correction of the roster (the wrong school before), kept here but shown to no school.
   */
  transfer: boolean;
  recordedAt: Date;
}

/** One imported row, with the entry it replaced. */
export interface ImportedChange {
  id: string | undefined;
  before: RosterEntry | undefined;
  after: Omit<RosterEntry, '_id' | 'updatedAt'>;
  transferDate: string | null;
}

const historyId = (e: Omit<HistoryEntry, '_id' | 'recordedAt' | 'transfer'>) => JSON.stringify([e.personId, e.kind, e.from, e.to, e.effective]);

/** Each participant's changes of schedule and school, oldest first. */
export class RosterHistory {
  constructor(private readonly store: Store) {}

  private get collection() {
    return this.store.collection<HistoryEntry>('roster_history');
  }

  /** Records what an import changed: a schedule or a school that differs from the stored entry's. */
  async recordImport(changes: readonly ImportedChange[], now: Date): Promise<number> {
    const today = ukDate(now);
    const entries: HistoryEntry[] = [];
    for (const { id, before, after, transferDate } of changes) {
      if (!id || !before) continue;
      const add = (kind: HistoryKind, from: string | null, to: string | null, effective: string, transfer = false) => {
        const entry = { personId: id, kind, from, to, effective };
        entries.push({ _id: historyId(entry), ...entry, transfer, recordedAt: now });
      };
      if ((before.schedule ?? null) !== (after.schedule ?? null)) add('schedule', before.schedule ?? null, after.schedule ?? null, today);
      if (before.schoolUrn !== after.schoolUrn) add('school', before.schoolUrn, after.schoolUrn, transferDate ?? today, transferDate !== null);
    }
    await this.insert(entries);
    return entries.length;
  }

  private async insert(entries: HistoryEntry[]): Promise<void> {
    for (const batch of chunks(entries)) {
      try {
        await this.collection.insertMany(batch, { ordered: false });
      } catch (error) {
        // A change recorded before (the same file imported again): the first record stands.
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  /** Every change, grouped by person: one read (FerretDB would decode every document for a filter anyway). */
  async all(): Promise<Map<string, HistoryEntry[]>> {
    const byPerson = new Map<string, HistoryEntry[]>();
    const entries = await this.collection.find({}).toArray();
    entries.sort((a, b) => a.effective.localeCompare(b.effective) || a.recordedAt.getTime() - b.recordedAt.getTime());
    for (const entry of entries) byPerson.set(entry.personId, [...(byPerson.get(entry.personId) ?? []), entry]);
    return byPerson;
  }

  async of(personId: string): Promise<HistoryEntry[]> {
    return (await this.all()).get(personId) ?? [];
  }

  /** A participant's history goes with them (retention). */
  async deletePerson(personId: string): Promise<number> {
    return (await this.collection.deleteMany({ personId })).deletedCount;
  }
}
