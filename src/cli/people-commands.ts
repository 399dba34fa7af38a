import type { Command } from 'commander';
import { ValidationError } from '../errors';
import { readImportFile } from '../files';
import { GROUP_COLUMNS, ROSTER_COLUMNS, SCHOOL_COLUMNS, type ImportOptions, type ImportReport, type ImportRunKind } from '../people';
import type { Runtime } from '../service';
import { CliError, note, out } from './output';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

interface ImportKind {
  kind: ImportRunKind;
  label: string;
  columns: readonly string[];
  /** Imports, and brings the progress read model up to date with what was written. */
  run(text: string, options: ImportOptions, runtime: Runtime): Promise<ImportReport>;
}

const SCHOOLS: ImportKind = { kind: 'schools', label: 'Schools', columns: SCHOOL_COLUMNS, run: (text, options, runtime) => runtime.stores.schools.import(text, options) };
const GROUPS: ImportKind = { kind: 'groups', label: 'Groups', columns: GROUP_COLUMNS, run: (text, options, runtime) => runtime.stores.groups.import(text, options) };
const ROSTER: ImportKind = {
  kind: 'roster',
  label: 'Roster',
  columns: ROSTER_COLUMNS,
  run: async (text, options, runtime) => {
    const report = await runtime.stores.roster.import(text, options);
    if (report.written && report.counts.added + report.counts.updated > 0) {
      note(`Updating the progress of ${report.cohorts.length} cohort${report.cohorts.length === 1 ? '' : 's'}…`);
      await runtime.stores.readModel.refreshCohorts(report.cohorts, { leaseSlotMs: runtime.config.syncLeaseSlotMs });
    }
    return report;
  },
};

const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;

/** A file refused as a whole (too large, not text, wrong columns): nothing read from it, its reason as line 1's. */
function refused(reason: string): ImportReport {
  const at = /^line (\d+): (.*)$/s.exec(reason);
  const bad = at ? { line: Number(at[1]), reasons: [at[2]] } : { line: 1, reasons: [reason] };
  return { rows: 0, bad: [bad], counts: { added: 0, updated: 0, unchanged: 0 }, written: false };
}

/**
 * Keeps the import's outcome for the admin page (`ImportRuns`): counts, line numbers and reasons,
 * never a row's values. Recording is a report of what happened, so failing to record is logged
 * and the import's own result stands. The `events import` command records through this too.
 */
export async function recordImport(runtime: Runtime, kind: ImportRunKind, file: string, report: ImportReport, options: ImportOptions): Promise<void> {
  try {
    await runtime.stores.importRuns.record(kind, file, report, { dryRun: options.dryRun });
  } catch (error) {
    runtime.logger.warn({ event: 'people.import_record_failed', kind, err: error }, 'the import ran but could not be recorded');
  }
}

/** Windows-1252 is said aloud: a person who meant UTF-8 can see their file was read another way. */
async function readText(file: string, maxBytes: number, onRefused: (reason: string) => Promise<void>): Promise<string> {
  try {
    const { text, encoding } = await readImportFile(file, maxBytes);
    if (encoding !== 'UTF-8') note(`${file}: not UTF-8, read as ${encoding}.`);
    return text;
  } catch (error) {
    if (error instanceof ValidationError) {
      await onRefused(error.message);
      throw new CliError(`${file}: ${error.message}`);
    }
    throw new CliError(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`);
  }
}

/**
 * Bad rows go to stderr by line; the counts to stdout. Any bad row makes the exit code
 * non-zero, so a script notices; without --skip-invalid nothing was written at all.
 */
export function presentImport(file: string, label: string, report: ImportReport, options: ImportOptions): void {
  for (const bad of report.bad) note(`${file} line ${bad.line}: ${bad.reasons.join('; ')}`);
  const bad = report.bad.length;
  if (bad && !options.skipInvalid) {
    const advice = report.rows > bad ? `Fix them, or add --skip-invalid to import the other ${report.rows - bad}.` : 'Fix them and import the file again.';
    throw new CliError(`Nothing was imported: ${bad} of ${rows(report.rows)} ${bad === 1 ? 'is' : 'are'} bad. ${advice}`);
  }
  const { added, updated, unchanged } = report.counts;
  const mode = options.dryRun ? ' (dry run, nothing written)' : '';
  const skipped = bad ? ` Skipped ${rows(bad)} listed above.` : '';
  out(`${label}${mode}: ${added} added, ${updated} updated, ${unchanged} unchanged.${skipped}`);
  const good = report.rows - bad;
  if (bad) throw new CliError(`${rows(bad)} skipped; the other ${rows(good)} ${options.dryRun ? 'would be' : good === 1 ? 'was' : 'were'} imported.`);
}

async function runImport(withRuntime: WithRuntime, kind: ImportKind, file: string, options: ImportOptions): Promise<void> {
  const report = await withRuntime(async (runtime) => {
    const { config, logger } = runtime;
    const onRefused = (reason: string) => recordImport(runtime, kind.kind, file, refused(reason), options);
    const text = await readText(file, config.importMaxBytes, onRefused);
    const result = await kind.run(text, options, runtime).catch(async (error: unknown) => {
      if (!(error instanceof ValidationError)) throw error;
      await onRefused(error.message);
      throw new CliError(`${file}: ${error.message}`);
    });
    // Counts only: the rows hold names and email addresses.
    logger.info({ event: 'people.import', kind: kind.label.toLowerCase(), rows: result.rows, bad: result.bad.length, written: result.written, ...result.counts }, 'import finished');
    await recordImport(runtime, kind.kind, file, result, options);
    return result;
  });
  presentImport(file, kind.label, report, options);
}

function addImportCommand(parent: Command, kind: ImportKind, withRuntime: WithRuntime, description: string): void {
  parent
    .command('import <file>')
    .description(`${description}\ncolumns: ${kind.columns.join(',')}`)
    .option('--dry-run', 'check the file and report what would change, without writing')
    .option('--skip-invalid', 'import the good rows even when some are bad (the bad ones are still listed)')
    .action((file: string, opts: ImportOptions) => runImport(withRuntime, kind, file, opts));
}

export function registerPeopleCommands(program: Command, withRuntime: WithRuntime): void {
  const schools = program.command('schools').description('the schools participants belong to, by URN');
  addImportCommand(schools, SCHOOLS, withRuntime, 'add or update schools from a CSV file (schools not in the file are kept)');
  const roster = program.command('roster').description('ECTs and mentors: what Canvas does not know about them');
  addImportCommand(roster, ROSTER, withRuntime, 'add or update participants from a CSV file (people not in the file are kept)');
  const groups = program.command('groups').description('which facilitators run which groups: a facilitator sees only their groups');
  addImportCommand(groups, GROUPS, withRuntime, 'add or update groups’ facilitators from a CSV file (groups not in the file are kept)');
}
