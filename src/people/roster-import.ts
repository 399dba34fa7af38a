import { z } from 'zod';
import type { Store } from '../db/store';
import { normaliseCohortName, type CourseLinks } from '../programme';
import { readCsv } from './csv';
import { isKnownSchedule, ukDate } from '../curriculum';
import { isRealDate, listOf, oneOf, optionalCanvasId, optionalEmail, optionalText, requiredText, urn } from './fields';
import type { RosterHistory } from './history';
import { finishImport, flagRepeats, parseRows, Problems, type ImportOptions, type ImportReport } from './import';
import { buildRosterIndex, ROLES, STATUSES, type RosterEntry, type RosterIds, type RosterIndex } from './roster';
import type { Schools } from './schools';

export const ROSTER_COLUMNS = ['canvas_user_id', 'sis_user_id', 'email', 'name', 'role', 'school_urn', 'cohort', 'group', 'mentor_email', 'status'] as const;
/** Columns a roster file may add: absent, or blank, keeps what is stored. */
export const ROSTER_OPTIONAL_COLUMNS = ['schedule', 'dfe_participant_id', 'transfer_date'] as const;

const ID_COLUMN: Record<keyof RosterIds, string> = { canvasUserId: 'canvas_user_id', sisUserId: 'sis_user_id', email: 'email' };

const RosterRow = z
  .object({
    canvas_user_id: optionalCanvasId,
    sis_user_id: optionalText,
    email: optionalEmail,
    name: requiredText,
    role: oneOf(ROLES),
    school_urn: urn,
    cohort: requiredText.transform(normaliseCohortName),
    group: optionalText,
    mentor_email: optionalEmail,
    status: oneOf(STATUSES),
    schedule: optionalText
      .optional()
      .refine((id) => !id || isKnownSchedule(id), { error: 'names no schedule in config/milestones.json' }),
    dfe_participant_id: optionalText
      .optional()
      .refine((id) => !id || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id), { error: "must be DfE's participant id (a UUID)" }),
    transfer_date: optionalText
      .optional()
      .refine((date) => !date || isRealDate(date), { error: 'must be a real date written YYYY-MM-DD' }),
  })
  .refine((row) => row.canvas_user_id || row.sis_user_id || row.email, { error: 'needs at least one of canvas_user_id, sis_user_id, email' })
  .refine((row) => row.role === 'ect' || !row.mentor_email, { error: 'only ECT rows name a mentor', path: ['mentor_email'] })
  .transform((row) => ({
    canvasUserId: row.canvas_user_id,
    sisUserId: row.sis_user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    schoolUrn: row.school_urn,
    cohort: row.cohort,
    group: row.group,
    mentorEmail: row.mentor_email,
    status: row.status,
    schedule: row.schedule ?? null,
    dfeParticipantId: row.dfe_participant_id?.toLowerCase() ?? null,
    transferDate: row.transfer_date ?? null,
  }));

type RosterRow = z.output<typeof RosterRow>;
type PersonFields = Omit<RosterEntry, '_id' | 'updatedAt'>;

/** A row that passed its own checks, with the stored person it updates, if any. */
interface Person {
  line: number;
  row: RosterRow;
  existing?: RosterEntry;
  fields: PersonFields;
}

interface Context {
  /** YYYY-MM-DD in England. */
  today: string;
  index: RosterIndex;
  schoolUrns: Set<string>;
  cohorts: Set<string>;
}

const optional = <K extends string>(field: K, value: string | null) => (value === null ? {} : ({ [field]: value } as Record<K, string>));

/**
 * A blank id or group keeps what is stored: the file may know a person by one id only, and
 * the sync fills ids and groups from Canvas. Everything else is the file's to say.
 */
function merge(row: RosterRow, existing: RosterEntry | undefined): PersonFields {
  // A transfer's date is history (see RosterHistory), not a roster field.
  return {
    name: row.name,
    role: row.role,
    schoolUrn: row.schoolUrn,
    cohort: row.cohort,
    mentorEmail: row.mentorEmail,
    status: row.status,
    canvasUserId: row.canvasUserId ?? existing?.canvasUserId ?? null,
    sisUserId: row.sisUserId ?? existing?.sisUserId ?? null,
    email: row.email ?? existing?.email ?? null,
    group: row.group ?? existing?.group ?? null,
    // Set only when known, so rosters stored before these columns existed read as unchanged.
    ...optional('schedule', row.schedule ?? existing?.schedule ?? null),
    ...optional('dfeParticipantId', row.dfeParticipantId ?? existing?.dfeParticipantId ?? null),
  };
}

function resolve({ line, row }: { line: number; row: RosterRow }, context: Context, problems: Problems): Person {
  if (!context.schoolUrns.has(row.schoolUrn)) problems.add(line, `school_urn: no school has URN ${row.schoolUrn} (import it with \`ecf-progress schools import\` first)`);
  if (!context.cohorts.has(row.cohort)) problems.add(line, `cohort: no linked course has the cohort "${row.cohort}"`);
  const matches = context.index.matchEach(row);
  const people = new Set(matches.map((m) => m.entry._id));
  if (people.size > 1) problems.add(line, `${listOf(matches.map((m) => ID_COLUMN[m.id]), 'and')} point at different people in the roster`);
  const existing = people.size === 1 ? matches[0].entry : undefined;
  if (row.transferDate && row.transferDate > context.today) problems.add(line, `transfer_date: is after today; import the move on or after ${row.transferDate}`);
  return { line, row, existing, fields: merge(row, existing) };
}

const idKeys = (person: Person) => [
  ...(person.row.canvasUserId ? [`canvas:${person.row.canvasUserId}`] : []),
  ...(person.row.sisUserId ? [`sis:${person.row.sisUserId}`] : []),
  ...(person.row.email ? [`email:${person.row.email}`] : []),
  ...(person.existing ? [`person:${person.existing._id}`] : []),
];

/** A mentor is named by email: a good mentor row of this file, or a stored mentor the file does not change. */
function flagUnknownMentors(people: Person[], stored: RosterEntry[], problems: Problems): void {
  const good = people.filter((p) => !problems.has(p.line));
  const replaced = new Set(good.flatMap((p) => (p.existing ? [p.existing._id] : [])));
  const mentors = new Set(
    [...stored.filter((entry) => !replaced.has(entry._id)), ...good.map((p) => p.fields)]
      .filter((person) => person.role === 'mentor' && person.email)
      .map((person) => person.email),
  );
  for (const p of good) {
    if (p.fields.mentorEmail && !mentors.has(p.fields.mentorEmail)) problems.add(p.line, 'mentor_email: names no mentor in this file or in the roster');
  }
}

/**
 * A mentor's new email in this file carries over to the stored ECTs that named the old one
 * and that the file does not mention, so a change of email never orphans their ECTs.
 */
function followMentorEmailChanges(good: Person[], stored: RosterEntry[]): Omit<RosterEntry, 'updatedAt'>[] {
  const renamed = new Map<string, string>();
  for (const p of good) {
    const before = p.existing;
    if (before?.role === 'mentor' && before.email && p.fields.role === 'mentor' && p.fields.email && p.fields.email !== before.email) renamed.set(before.email, p.fields.email);
  }
  if (renamed.size === 0) return [];
  const inFile = new Set(good.flatMap((p) => (p.existing ? [p.existing._id] : [])));
  return stored
    .filter((entry) => !inFile.has(entry._id) && entry.mentorEmail && renamed.has(entry.mentorEmail))
    .map(({ updatedAt: _updatedAt, ...entry }) => ({ ...entry, mentorEmail: renamed.get(entry.mentorEmail!)! }));
}

/**
 * The key of a new person. It can already be taken by someone stored under an id they have
 * since changed; a suffix keeps both keys stable.
 */
function newKey(fields: PersonFields, taken: Set<string>): string {
  const preferred = fields.canvasUserId ? `canvas:${fields.canvasUserId}` : fields.sisUserId ? `sis:${fields.sisUserId}` : `email:${fields.email}`;
  let key = preferred;
  for (let n = 2; taken.has(key); n += 1) key = `${preferred}~${n}`;
  taken.add(key);
  return key;
}

export interface RosterImportReport extends ImportReport {
  cohorts: string[];
}

/** The roster, in `ecf_roster`, and its CSV import (which checks schools and linked cohorts). */
export class Roster {
  constructor(
    private readonly store: Store,
    private readonly schools: Pick<Schools, 'urns'>,
    private readonly links: Pick<CourseLinks, 'cohortsWithLinks'>,
    private readonly history: Pick<RosterHistory, 'recordImport'>,
  ) {}

  get collection() {
    return this.store.collection<RosterEntry>('roster');
  }

  /** The whole roster in one read: 10,000 people is a few seconds on FerretDB, and no filter would be indexed. */
  async load(): Promise<RosterEntry[]> {
    return this.collection.find({}).toArray();
  }

  private async loadContext(): Promise<{ stored: RosterEntry[]; context: Context }> {
    const [stored, schoolUrns, cohorts] = await Promise.all([this.load(), this.schools.urns(), this.links.cohortsWithLinks()]);
    return { stored, context: { today: ukDate(new Date()), index: buildRosterIndex(stored), schoolUrns, cohorts } };
  }

  /** Adds and updates participants from CSV text; people absent from the file are left as they are. */
  async import(text: string, options: ImportOptions = {}): Promise<RosterImportReport> {
    const csvRows = readCsv(text, ROSTER_COLUMNS, ROSTER_OPTIONAL_COLUMNS);
    const problems = new Problems();
    const parsed = parseRows(csvRows, RosterRow, problems);
    const { stored, context } = await this.loadContext();
    const people = parsed.map((p) => resolve(p, context, problems));
    flagRepeats(people, (p) => p.line, idKeys, problems, 'same person');
    flagUnknownMentors(people, stored, problems);
    const taken = new Set(stored.map((entry) => entry._id));
    const good = people.filter((p) => !problems.has(p.line));
    const docs = [...good.map((p) => ({ _id: p.existing?._id ?? newKey(p.fields, taken), ...p.fields })), ...followMentorEmailChanges(good, stored)];
    const report = await finishImport(this.collection, docs, stored, csvRows.length, problems, options);
    // Written after the roster: a crash in between loses a history line, never a change (the next import of the file writes none).
    if (report.written) await this.history.recordImport(good.map((p) => ({ id: p.existing?._id, before: p.existing, after: p.fields, transferDate: p.row.transferDate })), new Date());
    const before = new Map(stored.map((entry) => [entry._id, entry.cohort]));
    const cohorts = new Set(docs.flatMap((doc) => [doc.cohort, before.get(doc._id)]).filter((c): c is string => c !== undefined));
    return { ...report, cohorts: [...cohorts].sort() };
  }
}
