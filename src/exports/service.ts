import type { CohortGrid, GridEntry } from '../cohort';
import { onPlatform } from '../cohort';
import { ukDate } from '../curriculum';
import type { PlatformKey } from '../domain';
import { NotFoundError } from '../errors';
import type { Schools } from '../people';
import type { ReadModel } from '../progress/read-model';
import { type ExportCell, type ExportFormat } from './columns';
import { writeCsvExport } from './csv';
import { writePdfExport } from './pdf';
import { cellsOf, exportOrder, latestDataAsOf, namesByKey, type ExportEntry } from './rows';
import { writeXlsxExport } from './xlsx';

export type ExportScope =
  | { kind: 'school'; urn: string }
  /** `groups`: a facilitator's limit, or one group; `school`: one school's rows of the cohort (the cohort page's filter). */
  | { kind: 'cohort'; cohort: string; groups?: readonly string[] | null; school?: string | null };

export interface ExportResult {
  rows: number;
  /** The latest time any row's Canvas figures were synced (ISO 8601 UTC), or null when none were. */
  dataAsOf: string | null;
}

export interface ExportOptions {
  /** Only rows on this platform (a roster-only row, with no course yet, is on every one). */
  platform?: PlatformKey;
  now?: Date;
}

/** An export whose rows are chosen and ordered, ready to write in any format. */
export interface PreparedExport extends ExportResult {
  write(format: ExportFormat, out: NodeJS.WritableStream): Promise<ExportResult>;
}

export interface ExportDeps {
  grid: Pick<CohortGrid, 'ratedCohort'>;
  readModel: Pick<ReadModel, 'readPointer'>;
  schools: Pick<Schools, 'collection'>;
  /** Every cohort a school's participants may be in: linked courses' and the roster's. */
  cohorts: () => Promise<Iterable<string>>;
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'export';

/**
 * Progress exports for schools, groups and cohorts: one row per participant with the columns
 * of EXPORT_COLUMNS, as CSV, XLSX or PDF, streamed. Rows come from the cohort grid's rated
 * entries (`CohortGrid.ratedCohort`), so an export says what the grid says; the grid is kept in
 * memory per generation anyway, so an export holds only references to it, in order, and builds
 * each output row as it is written.
 */
export class ProgressExports {
  constructor(private readonly deps: ExportDeps) {}

  /** Throws NotFoundError for a school, cohort or group that does not exist (what the CLI checks before writing). */
  async check(scope: ExportScope, options: ExportOptions = {}): Promise<void> {
    await this.assertExists(scope);
    if (scope.kind !== 'cohort' || !scope.groups?.length) return;
    const { entries } = await this.deps.grid.ratedCohort(scope.cohort, options.now ?? new Date());
    const known = new Set(entries.map((e) => e.row.group));
    const unknown = scope.groups.filter((g) => !known.has(g));
    if (unknown.length) throw new NotFoundError(`Cohort "${scope.cohort}" has no group "${unknown[0]}".`);
  }

  private async assertExists(scope: ExportScope): Promise<void> {
    if (scope.kind === 'school') {
      const school = await this.deps.schools.collection.findOne({ _id: scope.urn }, { projection: { _id: 1 } });
      if (!school) throw new NotFoundError(`There is no school with URN ${scope.urn} in the schools list.`);
    } else if (!(await this.deps.readModel.readPointer(scope.cohort))) {
      throw new NotFoundError(`There is no cohort "${scope.cohort}" (no linked course or roster row names it).`);
    }
  }

  /** Chooses and orders the rows (throws NotFoundError for an unknown school or cohort) before anything is written. */
  async prepare(scope: ExportScope, options: ExportOptions = {}): Promise<PreparedExport> {
    const now = options.now ?? new Date();
    await this.assertExists(scope);
    const chosen = await this.entriesOf(scope, options.platform ?? null, now);
    chosen.sort(exportOrder);
    const result: ExportResult = { rows: chosen.length, dataAsOf: latestDataAsOf(chosen) };
    const title = this.title(scope);
    return {
      ...result,
      write: async (format, out) => {
        await writeFormat(format, chosen, out, { title, now });
        return result;
      },
    };
  }

  /** Streams the export to `out` (does not end other streams; ends `out`). */
  async write(scope: ExportScope, format: ExportFormat, out: NodeJS.WritableStream, options: ExportOptions = {}): Promise<ExportResult> {
    return (await this.prepare(scope, options)).write(format, out);
  }

  /** A file name like `ecf-progress-school-123456-2026-12-06.csv` (the date in the UK). */
  fileName(scope: ExportScope, format: ExportFormat, now = new Date()): string {
    const what =
      scope.kind === 'school'
        ? `school-${slug(scope.urn)}`
        : [`cohort-${slug(scope.cohort)}`, scope.groups?.length === 1 ? `group-${slug(scope.groups[0])}` : null, scope.school ? `school-${slug(scope.school)}` : null].filter(Boolean).join('-');
    return `ecf-progress-${what}-${ukDate(now)}.${format}`;
  }

  private title(scope: ExportScope): string {
    if (scope.kind === 'school') return `ECF progress: school ${scope.urn}`;
    return `ECF progress: cohort ${scope.cohort}${scope.groups?.length === 1 ? `, group ${scope.groups[0]}` : ''}`;
  }

  private async entriesOf(scope: ExportScope, platform: PlatformKey | null, now: Date): Promise<ExportEntry[]> {
    const cohorts = scope.kind === 'school' ? [...new Set(await this.deps.cohorts())].sort() : [scope.cohort];
    const chosen: ExportEntry[] = [];
    for (const cohort of cohorts) {
      const { entries } = await this.deps.grid.ratedCohort(cohort, now);
      const keep = keeper(scope, platform);
      const names = namesByKey(entries);
      for (const entry of entries) {
        if (!keep(entry)) continue;
        const mentorKey = entry.row.role === 'ect' ? entry.row.mentorKey : null;
        chosen.push({ entry, mentorName: mentorKey ? (names.get(mentorKey) ?? null) : null });
      }
    }
    return chosen;
  }
}

function keeper(scope: ExportScope, platform: PlatformKey | null): (entry: GridEntry) => boolean {
  const groups = scope.kind === 'cohort' && scope.groups ? new Set(scope.groups) : null;
  const school = scope.kind === 'school' ? scope.urn : (scope.school ?? null);
  return (entry) =>
    (school === null || entry.row.schoolUrn === school) &&
    (groups === null || (entry.row.group !== null && groups.has(entry.row.group))) &&
    (platform === null || onPlatform(entry.row, platform));
}

function* cellRows(entries: readonly ExportEntry[], role?: 'ect' | 'mentor'): Generator<ExportCell[]> {
  for (const e of entries) if (!role || e.entry.row.role === role) yield cellsOf(e);
}

function writeFormat(format: ExportFormat, entries: readonly ExportEntry[], out: NodeJS.WritableStream, options: { title: string; now: Date }): Promise<void> {
  switch (format) {
    case 'csv':
      return writeCsvExport(cellRows(entries), out);
    case 'xlsx':
      return writeXlsxExport((role) => cellRows(entries, role), out);
    case 'pdf':
      return writePdfExport(entries, out, options);
  }
}
