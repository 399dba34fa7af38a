import { z } from 'zod';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { emailDigest } from '../domain';
import { ValidationError } from '../errors';
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

/** More facilitators than this for one group is a slip of the keyboard, not a group. */
export const MAX_FACILITATORS = 50;
const MAX_NAME = 200;

const groupIdOf = (cohort: string, group: string) => JSON.stringify([cohort, group]);

/**
 * Facilitators' addresses as a person types them (commas or semicolons between), checked as the
 * CSV import checks its `facilitator_emails` column: trimmed, lowercased, each once. The message
 * names the entry's place, never its text, as the import's reasons do.
 */
export function facilitatorEmailsFrom(emails: string | readonly string[]): string[] {
  const entries = (typeof emails === 'string' ? emails.split(/[,;]/) : [...emails]).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new ValidationError('Enter at least one email address, or remove the assignment.');
  const bad = entries.findIndex((entry) => !emailList.safeParse(entry).success || entry.includes(';'));
  if (bad >= 0) throw new ValidationError(entries.length === 1 ? 'That is not an email address.' : `Entry ${bad + 1} is not an email address.`);
  const parsed = emailList.parse(entries.join(';'));
  if (parsed.length > MAX_FACILITATORS) throw new ValidationError(`A group can have at most ${MAX_FACILITATORS} facilitators.`);
  return parsed;
}

function checkedName(value: string, what: string): string {
  const name = value.trim();
  if (!name || name.length > MAX_NAME) throw new ValidationError(`The ${what} must be 1 to ${MAX_NAME} characters.`);
  return name;
}

const GroupRow = z
  .object({ cohort: requiredText, group: requiredText, facilitator_emails: emailList.refine((emails) => emails.length > 0, { error: 'is required' }) })
  .transform((row) => ({ _id: groupIdOf(row.cohort, row.group), cohort: row.cohort, group: row.group, facilitatorEmails: row.facilitator_emails }));

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

  /**
   * Sets who runs one group (the admin page): replaces the group's facilitators with these.
   * One whole-document write by `_id`, so two admins saving at once leave one of their lists,
   * never a mix; two first saves racing can meet a duplicate key, and the second is retried.
   * @throws ValidationError for an empty list, a bad address or too many.
   */
  async assign(cohort: string, group: string, emails: string | readonly string[]): Promise<GroupFacilitation> {
    const doc: GroupFacilitation = {
      _id: groupIdOf(checkedName(cohort, 'cohort'), checkedName(group, 'group')),
      cohort: cohort.trim(),
      group: group.trim(),
      facilitatorEmails: facilitatorEmailsFrom(emails),
      updatedAt: new Date(),
    };
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.collection.replaceOne({ _id: doc._id }, doc, { upsert: true });
        return doc;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt > 0) throw error;
      }
    }
  }

  /** Removes one group's assignment: its facilitators no longer see its participants. @returns whether there was one. */
  async unassign(cohort: string, group: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: groupIdOf(cohort.trim(), group.trim()) })).deletedCount === 1;
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
