import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { NotFoundError } from '../errors';
import { EXPORT_FORMATS, ukMomentInWords, type ExportFormat, type ExportScope } from '../exports';
import type { Runtime } from '../service';
import { CliError, out } from './output';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

interface ExportOpts {
  school?: string;
  cohort?: string;
  group?: string;
  format?: string;
  out?: string;
}

const USAGE = 'Choose one scope: --school URN, --cohort NAME, or --cohort NAME --group NAME.';

/** The scope and format asked for, or a CliError that says what is wrong. */
export function exportRequest(opts: ExportOpts): { scope: ExportScope; format: ExportFormat; file: string } {
  const format = opts.format?.trim().toLowerCase();
  if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}${opts.format ? ` (not "${opts.format}")` : ''}.`);
  if (!opts.out?.trim()) throw new CliError('--out FILE is required: where to write the export.');
  const school = opts.school?.trim();
  const cohort = opts.cohort?.trim().replace(/\s+/g, ' ');
  const group = opts.group?.trim();
  if (school && (cohort || group)) throw new CliError(`--school cannot be combined with --cohort or --group. ${USAGE}`);
  if (group && !cohort) throw new CliError(`--group needs the --cohort it belongs to. ${USAGE}`);
  const scope: ExportScope | null = school ? { kind: 'school', urn: school } : cohort ? { kind: 'cohort', cohort, groups: group ? [group] : null } : null;
  if (!scope) throw new CliError(`No scope given. ${USAGE}`);
  return { scope, format: format as ExportFormat, file: path.resolve(opts.out) };
}

/** Writes beside the file and renames on success, so a failure never leaves half an export under its name. */
export async function writeAtomically(file: string, write: (stream: fs.WriteStream) => Promise<unknown>): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  let stream: fs.WriteStream;
  try {
    stream = fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  } catch (error) {
    throw new CliError(`Cannot write beside ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`);
  }
  try {
    await write(stream);
    await fs.promises.rename(temp, file);
  } catch (error) {
    stream.destroy();
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
}

async function runExport(withRuntime: WithRuntime, opts: ExportOpts): Promise<void> {
  const { scope, format, file } = exportRequest(opts);
  const result = await withRuntime(async (runtime) => {
    try {
      await runtime.exports.check(scope);
    } catch (error) {
      if (error instanceof NotFoundError) throw new CliError(`${error.message} Nothing was written.`);
      throw error;
    }
    let written = { rows: 0, dataAsOf: null as string | null };
    await writeAtomically(file, async (stream) => {
      written = await runtime.exports.write(scope, format, stream);
    });
    // Counts only: the rows hold names and email addresses.
    runtime.logger.info({ event: 'export.written', scope: scope.kind, format, rows: written.rows }, 'export written');
    return written;
  });
  const asOf = result.dataAsOf ? `data as of ${ukMomentInWords(result.dataAsOf)}` : 'no Canvas data yet';
  out(`Wrote ${result.rows} ${result.rows === 1 ? 'row' : 'rows'} (${asOf}) to ${file}`);
}

export function registerExportCommands(program: Command, withRuntime: WithRuntime): void {
  program
    .command('export')
    .description('the school-facing progress report of a school, a cohort or one group: one row per participant, as CSV, Excel or PDF (README "Exports")')
    .option('--school <urn>', "a school's participants, in every cohort")
    .option('--cohort <name>', "a cohort's participants")
    .option('--group <name>', 'only this group of the cohort')
    .option('--format <format>', `${EXPORT_FORMATS.join(', ')}`)
    .option('--out <file>', 'where to write it (written beside it first, then renamed)')
    .action((opts: ExportOpts) => runExport(withRuntime, opts));
}
