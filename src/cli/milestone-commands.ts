import path from 'node:path';
import type { Command } from 'commander';
import { cohortMilestones, DECLARATION_TYPES, type DeclarationType } from '../curriculum';
import { declarationRows, DECLARATION_COLUMNS, DECLARATION_EXPORT_FORMATS, writeDeclarations, type DeclarationExportFormat, type DeclarationImportReport } from '../milestones';
import { ValidationError } from '../errors';
import type { Runtime } from '../service';
import { readImportText } from './import-text';
import { writeAtomically } from './export-commands';
import { CliError, note, out } from './output';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

interface ExportOpts {
  cohort?: string;
  milestone?: string;
  readyOnly?: boolean;
  format?: string;
  out?: string;
}

interface ImportOpts {
  dryRun?: boolean;
  skipInvalid?: boolean;
}

const USAGE = 'Usage: ecf-progress declarations --cohort NAME --milestone TYPE [--ready-only] --format csv|json --out FILE';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What was asked for, or a CliError saying what is wrong, before anything is opened. */
function exportRequest(opts: ExportOpts): { cohort: string; milestone: DeclarationType; format: DeclarationExportFormat; file: string } {
  const cohort = opts.cohort?.trim().replace(/\s+/g, ' ');
  if (!cohort) throw new CliError(`--cohort NAME is required. ${USAGE}`);
  const milestone = opts.milestone?.trim().toLowerCase();
  if (!milestone || !(DECLARATION_TYPES as readonly string[]).includes(milestone)) {
    throw new CliError(`--milestone must be one of ${DECLARATION_TYPES.join(', ')}${opts.milestone ? ` (not "${opts.milestone}")` : ''}.`);
  }
  const format = opts.format?.trim().toLowerCase();
  if (!format || !(DECLARATION_EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`--format must be one of ${DECLARATION_EXPORT_FORMATS.join(', ')}${opts.format ? ` (not "${opts.format}")` : ''}.`);
  }
  if (!opts.out?.trim()) throw new CliError('--out FILE is required: where to write the declarations.');
  return { cohort, milestone: milestone as DeclarationType, format: format as DeclarationExportFormat, file: path.resolve(opts.out) };
}

async function runExport(withRuntime: WithRuntime, opts: ExportOpts): Promise<void> {
  const { cohort, milestone, format, file } = exportRequest(opts);
  if (!cohortMilestones(cohort)) throw new CliError(`The cohort "${cohort}" has no milestone schedule in config/milestones.json. Nothing was written.`);
  const written = await withRuntime(async (runtime) => {
    if (!(await runtime.stores.readModel.readPointer(cohort))) throw new CliError(`There is no cohort "${cohort}" (no linked course or roster row names it). Nothing was written.`);
    const rows = declarationRows(await runtime.readiness.ofCohort(cohort), milestone, { readyOnly: opts.readyOnly });
    await writeAtomically(file, (stream) => writeDeclarations(rows, format, stream));
    const withoutId = rows.filter((r) => r.participant_id === '').length;
    const declared = rows.filter((r) => r.state === 'declared').length;
    // Counts only: the rows hold names and email addresses.
    runtime.logger.info({ event: 'declarations.exported', milestone, format, rows: rows.length, withoutId }, 'declarations written');
    return { rows: rows.length, withoutId, declared };
  });
  const counts = [written.declared ? `${written.declared} already declared` : '', written.withoutId ? `${written.withoutId} without a DfE participant id` : ''].filter(Boolean);
  out(`Wrote ${written.rows} ${milestone} ${written.rows === 1 ? 'declaration' : 'declarations'} for cohort "${cohort}" to ${file}${counts.length ? ` (${counts.join(', ')})` : ''}`);
  if (written.withoutId) note(`${plural(written.withoutId, 'participant')} ${written.withoutId === 1 ? 'has' : 'have'} no DfE participant id: add dfe_participant_id to the roster to declare them.`);
}

/** Bad rows by line on stderr, counts on stdout; bad rows fail the command unless --skip-invalid. */
function presentImport(file: string, report: DeclarationImportReport, opts: ImportOpts): void {
  for (const bad of report.bad) note(`${file} line ${bad.line}: ${bad.reasons.join('; ')}`);
  const bad = report.bad.length;
  const mode = opts.dryRun ? ' (dry run, nothing written)' : report.written ? '' : ' (nothing written)';
  out(`Declarations${mode}: ${plural(report.rows, 'row')} read, ${report.standing} standing, ${report.withdrawn} voided or clawed back, ${bad} bad.`);
  if (bad && !opts.skipInvalid) {
    const advice = report.rows > bad ? `Fix them, or add --skip-invalid to import the other ${report.rows - bad}.` : 'Fix them and import the file again.';
    throw new CliError(`Nothing was imported: ${bad} of ${plural(report.rows, 'row')} ${bad === 1 ? 'is' : 'are'} bad. ${advice}`);
  }
}

async function runImport(withRuntime: WithRuntime, file: string, opts: ImportOpts): Promise<void> {
  const report = await withRuntime(async (runtime) => {
    const text = await readImportText(file, runtime.config.importMaxBytes);
    const result = await runtime.declarations.import(text, path.basename(file), { dryRun: opts.dryRun, skipInvalid: opts.skipInvalid }).catch((error: unknown) => {
      if (error instanceof ValidationError) throw new CliError(`${file}: ${error.message}. Nothing was imported.`);
      throw error;
    });
    runtime.logger.info({ event: 'declarations.import', rows: result.rows, bad: result.bad.length, standing: result.standing, withdrawn: result.withdrawn, written: result.written }, 'declaration list imported');
    return result;
  });
  presentImport(file, report, opts);
}

export function registerMilestoneCommands(program: Command, withRuntime: WithRuntime): void {
  const declarations = program
    .command('declarations')
    .description("DfE declarations: write a cohort's declarations whose evidence holds, for the lead-provider API (README \"DfE milestones and declarations\"); `declarations import` reads the provider's own list")
    .option('--cohort <name>', 'the cohort')
    .option('--milestone <type>', DECLARATION_TYPES.join(', '))
    .option('--ready-only', 'leave out declarations already made and windows not yet open')
    .option('--format <format>', DECLARATION_EXPORT_FORMATS.join(', '))
    .option('--out <file>', 'where to write it (written beside it first, then renamed)')
    .action((opts: ExportOpts) => runExport(withRuntime, opts));
  declarations
    .command('import <file>')
    .description(`replace the provider's declaration list (as DfE's API lists it) with a CSV file\ncolumns: ${DECLARATION_COLUMNS.join(',')} (optional: state,id,evidence_held)`)
    .option('--dry-run', 'check the file and report, without writing')
    .option('--skip-invalid', 'import the good rows even when some are bad (the bad ones are still listed)')
    .action((file: string, opts: ImportOpts) => runImport(withRuntime, file, opts));
}
