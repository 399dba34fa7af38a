/**
 * `npm run bench:sync`: the sync against the Canvas simulator at its default latency, cost
 * and throttle, at 1,000 and 10,000 participants in 4 courses of 3/8, 1/8, 3/8 and 1/8 of
 * them, all in one run (bench/README.md says what each row measures):
 *  - ours as a user runs it: the compiled CLI, `sync --full` on an empty database, again with
 *    the students known, and `sync` after 5% changed, each timed from process start to exit;
 *  - the same three through SyncService in process, for the CPU and store breakdown;
 *  - the by-ids GraphQL floor, and the per-student REST client at 4, 8 and 12 in flight.
 * Writes bench/results/sync.json and the tables in bench/README.md; exits 1 if a target fails.
 *
 *   npm run bench:sync                       # everything (several minutes on 2 CPUs)
 *   npm run bench:sync -- --sizes 1000       # a partial run, written to results/sync-partial.json
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import type { EmbeddedServer } from '../src/db/embedded';
import { checkStore } from './check';
import { forkJob } from './children';
import { buildCli, prepareCliDatabase, removeCliInstall, runCliSync, type CliDatabase } from './cli-run';
import { COURSES, ITEMS_PER_MODULE, MODULES_DESCRIPTION, PLATFORM, SIMULATOR_DESCRIPTION, connectBenchDatabase, freshDbName, prepareCohort, startCohort, unevenCourseSizes, type PreparedCohort } from './cohort';
import { openBenchEnvironment } from './environment';
import { cpuMsOf } from './measure';
import { bestRest, isOurs, resultsSection, seconds, updateReadme, type BenchResults, type CpuFigures, type RunKind, type RunResult } from './report';
import type { BaselineJob, BaselineMeasurement, RunJob, RunMeasurement } from './run-protocol';
import type { SimProcess } from './sim-process';
import type { SimStarted } from './sim-protocol';
import { evaluateTargets } from './sync-targets';

const INCREMENTAL_FRACTION = 0.05;
/** Fastest first as measured, so the others can stop once they are slower (`stopAfterMs`). */
const REST_CONCURRENCIES = [12, 8, 4];
const USER_AGENT = 'ecf-progress-bench/0.1 (bench/sync.ts)';
/** A run process still going after this is killed and its run counted as failed. */
const WORKER_TIMEOUT_MS = 6 * 60_000;

const LABELS: Record<Exclude<RunKind, 'rest'>, string> = {
  'cli-first': 'Ours, CLI: `sync --full`, first sync (empty database)',
  'cli-full': 'Ours, CLI: `sync --full`, students known',
  'cli-incremental': 'Ours, CLI: `sync`, incremental, 5% changed',
  'inprocess-first': 'Ours, in process: full, first sync',
  'inprocess-full': 'Ours, in process: full, students known',
  'inprocess-incremental': 'Ours, in process: incremental, 5% changed',
  floor: 'Floor: GraphQL by user ids, 10 in flight',
};
const restLabel = (concurrency: number) => `Per-student REST, ${concurrency} in flight`;

const say = (line: string) => process.stdout.write(`${line}\n`);
const benchStarted = performance.now();
const elapsed = () => seconds(performance.now() - benchStarted);
const int = (n: number) => n.toLocaleString('en-GB');

interface Bench {
  server: EmbeddedServer;
  sim: SimProcess;
  seed: number;
  runs: RunResult[];
}

type OthersCpu = { simulator: number | null; store: number | null };

const othersCpu = (bench: Bench): OthersCpu => ({ simulator: cpuMsOf(bench.sim.pid), store: cpuMsOf(bench.server.pid) });

function cpuBetween(start: OthersCpu, end: OthersCpu, runMs: number | null): CpuFigures {
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round(b - a));
  return { runMs, simulatorMs: delta(start.simulator, end.simulator), storeMs: delta(start.store, end.store) };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

function announce(label: string, size: number): void {
  say(`\n▶ ${label}, ${int(size)} participants (bench elapsed ${elapsed()})`);
}

/** A fresh simulator (an empty throttle bucket) from the seeded cohort, with the uneven course sizes. */
function startSimulator(bench: Bench, size: number): Promise<SimStarted> {
  return startCohort(bench.sim, bench.seed, size, unevenCourseSizes(size));
}

/**
 * Runs a job in a fresh process (bench/run-worker.ts or bench/baseline-worker.ts) and reads
 * the simulator's and the store's CPU time while its clock runs.
 */
async function runWorker<T>(bench: Bench, file: string, job: RunJob | BaselineJob, execArgv: string[] = []): Promise<{ result: T; cpu: (runMs: number) => CpuFigures }> {
  const clock: { start: OthersCpu; end?: OthersCpu } = { start: othersCpu(bench) };
  const onClock = (at: 'start' | 'end') => {
    if (at === 'start') clock.start = othersCpu(bench);
    else clock.end = othersCpu(bench);
  };
  const result = await forkJob<T>(file, job, { execArgv, timeoutMs: WORKER_TIMEOUT_MS, onClock });
  return { result, cpu: (runMs) => cpuBetween(clock.start, clock.end ?? othersCpu(bench), runMs) };
}

/**
 * Adds the simulator's counts to a run and, for ours, the store's correctness (this process's
 * mongoose must be on the run's database), then prints and keeps it.
 */
async function record(bench: Bench, run: Pick<RunResult, 'kind' | 'label' | 'size' | 'changed' | 'wallMs' | 'errors' | 'cli' | 'inProcess' | 'baseline'>): Promise<RunResult> {
  const stats = await bench.sim.stats();
  const concurrency = run.kind === 'rest' ? `-c${run.baseline?.concurrency}` : '';
  const result: RunResult = {
    ...run,
    id: `${run.kind}${concurrency}-${run.size}`,
    wallMs: Math.round(run.wallMs),
    apiCalls: stats.requests,
    callsPerParticipant: stats.requests / run.size,
    byEndpoint: stats.calls,
    throttled: stats.throttled,
    simulator: { maxConcurrent: stats.maxConcurrent, minRemaining: Number.isFinite(stats.minRemaining) ? Math.round(stats.minRemaining) : null },
    correctness: null,
  };
  if (isOurs(run.kind)) {
    try {
      result.correctness = await checkStore(PLATFORM, await bench.sim.expected());
      for (const example of result.correctness.examples) say(`    ${example}`);
    } catch (error) {
      result.errors.push(`correctness check failed: ${errorText(error)}`);
    }
  }
  const mismatches = result.correctness ? `, ${int(result.correctness.mismatches)} mismatches of ${int(result.correctness.checked)}` : '';
  const mark = result.errors.length === 0 && (result.correctness?.mismatches ?? 0) === 0 ? '✔' : '✘';
  say(`  ${mark} [${run.label}] ${seconds(result.wallMs)}; the simulator answered ${int(result.apiCalls)} requests (${result.callsPerParticipant.toFixed(4)} per participant): ${JSON.stringify(result.byEndpoint)}; ${result.throttled} throttled${mismatches}`);
  for (const error of result.errors) say(`  ✘ [${run.label}] ${error}`);
  bench.runs.push(result);
  return result;
}

/** The simulator's changeStudents(course, 5%) on every course; returns how many students changed. */
async function changeEveryCourse(bench: Bench, started: SimStarted): Promise<number> {
  let changed = 0;
  for (const course of started.courses) changed += (await bench.sim.changeStudents(course.id, INCREMENTAL_FRACTION, `bench-${course.id}`)).length;
  say(`  changed ${int(changed)} students with the simulator's changeStudents(course, ${INCREMENTAL_FRACTION}) on each course`);
  return changed;
}

async function measureCli(bench: Bench, kind: Extract<RunKind, `cli-${string}`>, size: number, database: CliDatabase, args: string[], changed?: number): Promise<void> {
  const label = LABELS[kind];
  announce(label, size);
  await bench.sim.resetStats();
  const before = othersCpu(bench);
  const outcome = await runCliSync(database, args, label, say);
  const cpu = cpuBetween(before, othersCpu(bench), null);
  const cli = { command: `ecf-progress ${args.join(' ')}`, exitCode: outcome.exitCode, signal: outcome.signal, reported: outcome.reported, cpu };
  await record(bench, { kind, label, size, changed, wallMs: outcome.wallMs, errors: outcome.errors, cli });
}

/** The compiled CLI on one database: first sync, again with the students known, then incremental after 5% changed. */
async function cliRuns(bench: Bench, size: number): Promise<void> {
  const started = await startSimulator(bench, size);
  const dbName = freshDbName(`cli_${size}`);
  say(`\npreparing ${dbName} through the tool's runtime: the Canvas connection and ${COURSES} course links`);
  const database = await prepareCliDatabase(bench.server.uri, dbName, started);
  try {
    await connectBenchDatabase(bench.server.uri, dbName);
    await measureCli(bench, 'cli-first', size, database, ['sync', '--full']);
    await measureCli(bench, 'cli-full', size, database, ['sync', '--full']);
    const changed = await changeEveryCourse(bench, started);
    await measureCli(bench, 'cli-incremental', size, database, ['sync'], changed);
  } finally {
    await mongoose.connection.db?.dropDatabase();
    database.remove();
  }
}

async function measureInProcess(bench: Bench, kind: Extract<RunKind, `inprocess-${string}`>, size: number, prepared: PreparedCohort, changed?: number): Promise<void> {
  const label = LABELS[kind];
  announce(label, size);
  await bench.sim.resetStats();
  const job: RunJob = { label, full: kind !== 'inprocess-incremental', expectedStudents: changed ?? size, uri: bench.server.uri, dbName: prepared.dbName, canvas: { url: prepared.started.url, token: prepared.started.token }, userAgent: USER_AGENT };
  try {
    const { result, cpu } = await runWorker<RunMeasurement>(bench, 'run-worker.ts', job, ['--expose-gc']);
    await record(bench, { kind, label, size, changed, wallMs: result.wallMs, errors: result.errors, inProcess: { ...result.figures, cpu: cpu(result.cpuMs) } });
  } catch (error) {
    await record(bench, { kind, label, size, changed, wallMs: 0, errors: [errorText(error)] });
  }
}

/** SyncService in process on one database, the same three runs as the CLI's. */
async function inProcessRuns(bench: Bench, size: number): Promise<void> {
  const prepared = await prepareCohort(bench.server.uri, bench.sim, bench.seed, `inprocess_${size}`, size, unevenCourseSizes(size));
  try {
    await measureInProcess(bench, 'inprocess-first', size, prepared);
    await measureInProcess(bench, 'inprocess-full', size, prepared);
    const changed = await changeEveryCourse(bench, prepared.started);
    await measureInProcess(bench, 'inprocess-incremental', size, prepared, changed);
  } finally {
    await mongoose.connection.db?.dropDatabase();
  }
}

async function measureBaseline(bench: Bench, job: BaselineJob, size: number): Promise<void> {
  announce(job.label, size);
  await bench.sim.resetStats();
  const kind = job.kind;
  try {
    const { result, cpu } = await runWorker<BaselineMeasurement>(bench, 'baseline-worker.ts', job);
    const baseline = { concurrency: result.concurrency, students: result.students, clientRequests: result.requests, retries: result.retries, maxInFlight: result.maxInFlight, cpu: cpu(result.cpuMs), stopped: result.stopped };
    await record(bench, { kind, label: job.label, size, wallMs: result.wallMs, errors: result.errors, baseline });
  } catch (error) {
    const baseline = { concurrency: job.concurrency, students: 0, clientRequests: 0, retries: 0, maxInFlight: 0, cpu: { runMs: null, simulatorMs: null, storeMs: null }, stopped: false };
    await record(bench, { kind, label: job.label, size, wallMs: 0, errors: [errorText(error)], baseline });
  }
}

/**
 * The floor, then the per-student REST client at each concurrency, each on a fresh simulator.
 * A REST run that has taken as long as the fastest one before it cannot win and is stopped
 * there, which keeps the whole bench short.
 */
async function baselineRuns(bench: Bench, size: number): Promise<void> {
  const floorStarted = await startSimulator(bench, size);
  const courses = (await bench.sim.students()).map((c) => ({ courseId: c.courseId, userIds: c.students.map((s) => s.userId) }));
  const canvas = (started: SimStarted) => ({ url: started.url, token: started.token });
  await measureBaseline(bench, { kind: 'floor', label: LABELS.floor, concurrency: 10, canvas: canvas(floorStarted), userAgent: USER_AGENT, courses, expectedStudents: size }, size);
  for (const concurrency of REST_CONCURRENCIES) {
    const started = await startSimulator(bench, size);
    const unknownStudents = started.courses.map((c) => ({ courseId: c.id, userIds: [] }));
    const stopAfterMs = bestRest(bench.runs, size)?.wallMs;
    await measureBaseline(bench, { kind: 'rest', label: restLabel(concurrency), concurrency, canvas: canvas(started), userAgent: USER_AGENT, courses: unknownStudents, expectedStudents: size, stopAfterMs }, size);
  }
}

async function runSize(bench: Bench, size: number): Promise<void> {
  say(`\n════ ${int(size)} participants: courses of ${unevenCourseSizes(size).map(int).join(' / ')} ════`);
  await cliRuns(bench, size);
  await inProcessRuns(bench, size);
  await baselineRuns(bench, size);
}

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim()));
  for (const size of sizes) unevenCourseSizes(size);
  if (sizes.some((n) => n <= 0)) throw new Error('--sizes must be positive');
  return [...new Set(sizes)].sort((a, b) => a - b);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000' }, seed: { type: 'string', default: '2025' } } });
  const sizes = parseSizes(values.sizes);
  const complete = sizes.length === 2 && sizes.includes(1000) && sizes.includes(10000);
  const seed = Number(values.seed);
  const cpus = os.cpus();
  say(`bench:sync — ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), Node ${process.version}, sizes ${sizes.join(', ')}, seed ${seed}`);

  say('building and installing the CLI as the production image does (tsc -p tsconfig.build.json; bin/, dist/, config/, no src/)…');
  const buildStarted = performance.now();
  await buildCli();
  const buildMs = Math.round(performance.now() - buildStarted);
  say(`built in ${seconds(buildMs)}`);

  const { server, sim, cleanup } = await openBenchEnvironment(say);
  const bench: Bench = { server, sim, seed, runs: [] };
  try {
    for (const size of sizes) await runSize(bench, size);
  } finally {
    await cleanup();
    removeCliInstall();
  }

  const targets = evaluateTargets(bench.runs);
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    complete,
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', totalMemoryGiB: Math.round(os.totalmem() / 1024 ** 3), node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}`, storeEngine: server.engine },
    settings: {
      seed,
      courses: COURSES,
      courseSizes: Object.fromEntries(sizes.map((size) => [String(size), unevenCourseSizes(size)])),
      modules: MODULES_DESCRIPTION,
      itemsPerModule: ITEMS_PER_MODULE,
      sizes,
      simulator: SIMULATOR_DESCRIPTION,
      client: 'the CLI and SyncService build CanvasClient as production does (adaptive limiter, retries); each run in a fresh Node process',
      incrementalFraction: INCREMENTAL_FRACTION,
      restConcurrencies: REST_CONCURRENCIES,
    },
    buildMs,
    runs: bench.runs,
    targets,
    pass: targets.every((t) => t.status !== 'FAIL'),
    totalWallMs: Math.round(performance.now() - benchStarted),
  };
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, complete ? 'sync.json' : 'sync-partial.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (complete) updateReadme(path.join(__dirname, 'README.md'), results);

  say(`\n${resultsSection(results)}\n`);
  for (const t of targets) say(`${t.status.padEnd(7)} ${t.name}: ${t.value} (limit ${t.limit})`);
  say(`\nresults: ${path.relative(process.cwd(), file)}${complete ? '; table: bench/README.md' : ' (partial run: README not updated)'}; bench took ${elapsed()}`);
  return results.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:sync failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
