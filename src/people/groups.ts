import { z } from 'zod';
import type { Store } from '../db/store';
import { emailDigest } from '../domain';
import { readCsv } from './csv';
import { emailList, requiredText } from './fields';
import { finishImport, flagRepeats, parseRows, Problems, type ImportOptions, type ImportReport } from './import';

/** The facilitators who run one group of one cohort. */
export interface GroupFacilitation {
  /** `[cohort, group]` as JSON. */
  _id: string;
  cohort: string;
  group: string;
  /** Lowercased. */
  facilitatorEmails: string[];
  updatedAt: Date;
}

export const GROUP_COLUMNS = ['cohort', 'group', 'facilitator_emails'] as const;

const GroupRow = z
  .object({ cohort: requiredText, group: requiredText, facilitator_emails: emailList.refine((emails) => emails.length > 0, { error: 'is required' }) })
  .transform((row) => ({ _id: JSON.stringify([row.cohort, row.group]), cohort: row.cohort, group: row.group, facilitatorEmails: row.facilitator_emails }));

/**
 * Which facilitators run which groups (`ecf_group_facilitators`), from a CSV import: a
 * facilitator sees the participants of their groups only. A few hundred documents at most
 * (one per group), so a facilitator's groups are found by reading them all.
 */
export class GroupFacilitators {
  constructor(private readonly store: Store) {}

  get collection() {
    return this.store.collection<GroupFacilitation>('group_facilitators');
  }

  async load(): Promise<GroupFacilitation[]> {
    return this.collection.find({}).toArray();
  }

  /** The groups of a cohort a facilitator runs, by the digest of their email (`emailDigest`). */
  async groupsOf(digest: string | null, cohort: string): Promise<string[]> {
    if (!digest) return [];
    return (await this.load()).filter((g) => g.cohort === cohort && g.facilitatorEmails.some((email) => emailDigest(email) === digest)).map((g) => g.group);
  }

  /** Adds and updates groups' facilitators from CSV text; groups absent from the file are left as they are. */
  async import(text: string, options: ImportOptions = {}): Promise<ImportReport> {
    const csvRows = readCsv(text, GROUP_COLUMNS);
    const problems = new Problems();
    const parsed = parseRows(csvRows, GroupRow, problems);
    flagRepeats(parsed, (p) => p.line, (p) => [p.row._id], problems, 'same cohort and group');
    const good = parsed.filter((p) => !problems.has(p.line)).map((p) => p.row);
    return finishImport(this.collection, good, await this.load(), csvRows.length, problems, options);
  }
}
