import type { Command } from 'commander';
import { EVENT_COLUMNS } from '../attendance';
import { ValidationError } from '../errors';
import type { ImportOptions } from '../people';
import type { Runtime } from '../service';
import { readImportText } from './import-text';
import { CliError, out } from './output';
import { presentImport } from './people-commands';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;



async function runImport(withRuntime: WithRuntime, file: string, options: ImportOptions): Promise<void> {
  const report = await withRuntime(async (runtime) => {
    const { config, logger } = runtime;
    const text = await readImportText(file, config.importMaxBytes);
    const result = await runtime.stores.attendance.importEvents(text, options).catch((error: unknown) => {
      throw error instanceof ValidationError ? new CliError(`${file}: ${error.message}`) : error;
    });
    await runtime.stores.importRuns.record('events', file, result, { dryRun: options.dryRun });
    // Counts only: the rows hold facilitators' email addresses.
    logger.info({ event: 'events.import', rows: result.rows, bad: result.bad.length, written: result.written, groups: result.groups.length, ...result.counts }, 'import finished');
    return result;
  });
  // The same report, in the same words and with the same exit codes, as `roster import`.
  presentImport(file, 'Events', report, options);
}

/** Columns padded to their widest cell, separated by two spaces. */
function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

async function list(withRuntime: WithRuntime, opts: { cohort: string; group?: string }): Promise<void> {
  const lines = await withRuntime(async (runtime) => {
    const { attendance } = runtime.stores;
    const events = await attendance.eventsOf(opts.cohort.trim().replace(/\s+/g, ' '), opts.group);
    const groups = [...new Set(events.map((e) => e.group))].sort();
    const summaries = new Map((await Promise.all(groups.map((g) => attendance.groupAttendance(events[0].cohort, g)))).flatMap((g) => g.events.map((e) => [e.id, e] as const)));
    const body = events.map((e) => {
      const s = summaries.get(e._id);
      return [
        e.date,
        e.end ? `${e.start}-${e.end}` : e.start,
        e.group,
        s?.typeLabel ?? e.type,
        e.module === null ? '' : String(e.module),
        e.title ?? '',
        s?.registerTaken ? `${s.present} of ${s.expected} present` : 'not taken',
        e._id,
      ];
    });
    return body.length ? table(['Date', 'Time', 'Group', 'Type', 'Module', 'Title', 'Register', 'Id'], body) : null;
  });
  const scope = opts.group ? `group "${opts.group}" of cohort "${opts.cohort}"` : `cohort "${opts.cohort}"`;
  if (!lines) {
    out(`No training events for ${scope}.`);
    return;
  }
  for (const line of lines) out(line);
}

export function registerEventsCommands(program: Command, withRuntime: WithRuntime): void {
  const events = program.command('events').description('training events of the cohorts’ groups, and their registers');
  events
    .command('import <file>')
    .description(`add or update training events from a CSV file (events not in the file are kept)\ncolumns: ${EVENT_COLUMNS.join(',')}`)
    .option('--dry-run', 'check the file and report what would change, without writing')
    .option('--skip-invalid', 'import the good rows even when some are bad (the bad ones are still listed)')
    .action((file: string, opts: ImportOptions) => runImport(withRuntime, file, opts));
  events
    .command('list')
    .description('the training events of a cohort (or one of its groups), in date order, with their registers')
    .requiredOption('--cohort <name>', 'the cohort, e.g. "September 2024"')
    .option('--group <name>', 'only this group')
    .action((opts: { cohort: string; group?: string }) => list(withRuntime, opts));
}
