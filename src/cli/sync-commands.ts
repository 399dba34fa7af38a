import fs from 'node:fs';
import type { Command } from 'commander';
import { writeCsv } from '../files';
import { progressColumns } from '../progress/cohort-report';
import type { Runtime } from '../service';
import type { SyncProgress, CourseRunResult } from '../sync';
import { CliError, note, out } from './output';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

/** A bar per course on a terminal; otherwise a plain line every 10% so logs stay readable. */
async function progressReporter() {
  if (process.stderr.isTTY) {
    const { SingleBar, Presets } = await import('cli-progress');
    let bar: InstanceType<typeof SingleBar> | undefined;
    let course = '';
    return {
      progress: (p: SyncProgress) => {
        if (course !== p.courseId) {
          bar?.stop();
          course = p.courseId;
          bar = new SingleBar({ format: `course ${p.courseId} [{bar}] {value}/{total} students | {rate}/s | ETA {eta}s`, stream: process.stderr }, Presets.shades_classic);
          bar.start(p.total, 0, { rate: 0 });
        }
        bar?.setTotal(p.total);
        bar?.update(p.done);
      },
      stop: () => bar?.stop(),
    };
  }
  const reported = new Map<string, number>();
  return {
    progress: (p: SyncProgress) => {
      const tenth = p.total ? Math.floor((p.done * 10) / p.total) : 0;
      if ((reported.get(p.courseId) ?? -1) < tenth) {
        reported.set(p.courseId, tenth);
        note(`course ${p.courseId}: ${p.done}/${p.total} students fetched`);
      }
    },
    stop: () => undefined,
  };
}

function describeCourse(r: CourseRunResult): string {
  if (r.status === 'synced') {
    const byRest = r.path === 'graphql' && r.readByRest ? ` (${r.readByRest} of them one by one through REST, where GraphQL could not settle them)` : '';
    return `course ${r.courseId}: synced (${r.mode}, ${r.path}), ${r.students} students, ${r.fetched} fetched in detail${byRest}`;
  }
  return `course ${r.courseId}: ${r.status} — ${r.reason}`;
}

export function registerSyncCommands(program: Command, withRuntime: WithRuntime): void {
  program
    .command('sync')
    .description('pull completion data from Canvas for every linked course now')
    .option('--course <id>', 'only this Canvas course')
    .option('--full', 'refetch every student, not only those whose progress changed')
    .option('--exact', 'use one REST request per student instead of GraphQL')
    .action((opts: { course?: string; full?: boolean; exact?: boolean }) =>
      withRuntime(async (runtime) => {
        const reporter = await progressReporter();
        const run = await runtime.syncService.run({
          trigger: 'cli',
          courseId: opts.course,
          full: opts.full,
          exact: opts.exact,
          onProgress: reporter.progress,
          onCourseDone: (r) => {
            reporter.stop();
            note(describeCourse(r));
          },
        });
        reporter.stop();
        if (run.courses.length === 0) throw new CliError(opts.course ? `Course ${opts.course} is not linked. Link it with \`ecf-progress programme link\`.` : 'No courses are linked yet. Link one with `ecf-progress programme link`.');
        const seconds = ((run.finishedAt?.getTime() ?? Date.now()) - run.startedAt.getTime()) / 1000;
        out(`Sync ${run._id}: ${run.courses.filter((c) => c.status === 'synced').length} of ${run.courses.length} courses synced, ${run.participants} participants, ${run.requests} Canvas requests (${run.retries} retries, ${run.throttled} throttled) in ${seconds.toFixed(1)} s.`);
        if (run.errors.length) throw new CliError(`Some courses failed:\n  ${run.errors.join('\n  ')}`);
      }),
    );

  const progress = program
    .command('progress')
    .description('write one row per participant of a cohort from the progress read model')
    // Not a required option: commander would then demand it of `progress rebuild` too.
    .option('--cohort <name>', 'the cohort, e.g. "September 2024" (required)')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to this file instead of standard output')
    .action((opts: { cohort?: string; format: string; out?: string }) => {
      const cohort = opts.cohort;
      if (!cohort) throw new CliError("error: required option '--cohort <name>' not specified", 2);
      return withRuntime(async (runtime) => {
        if (opts.format !== 'csv' && opts.format !== 'json') throw new CliError('--format must be csv or json', 2);
        const rows = await runtime.cohortReport.cohortProgress(cohort);
        if (rows.length === 0) throw new CliError(`No participants found for cohort "${cohort}". Check the name with \`ecf-progress programme list\`.`);
        const text = opts.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : writeCsv(rows, progressColumns());
        if (opts.out) {
          fs.writeFileSync(opts.out, text);
          note(`Wrote ${rows.length} participants to ${opts.out}.`);
        } else process.stdout.write(text);
      });
    });

  progress
    .command('rebuild')
    .description('rebuild the progress read model (what pages and exports read) from the synced data and the roster; safe while the service runs')
    .option('--cohort <name>', 'only this cohort (default: every cohort with a linked course or a roster row)')
    .action((opts: { cohort?: string }) =>
      withRuntime(async (runtime) => {
        const cohorts = opts.cohort ? [opts.cohort] : await runtime.stores.readModel.knownCohorts();
        if (cohorts.length === 0) throw new CliError('No cohorts yet: link a course with `ecf-progress programme link` or import a roster.');
        for (const cohort of cohorts) {
          const started = Date.now();
          const pointer = await runtime.stores.readModel.refreshCohort(cohort, { leaseSlotMs: runtime.config.syncLeaseSlotMs });
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          if (pointer) out(`Cohort "${cohort}": ${pointer.participants} participants in ${pointer.pages} page${pointer.pages === 1 ? '' : 's'}, rebuilt in ${seconds} s.`);
          else out(`Cohort "${cohort}": another rebuild was running; it includes this request.`);
        }
      }),
    );
}
