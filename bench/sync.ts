/**
 * `npm run bench:sync`: the sync against the Canvas simulator at its default latency, cost
 * and throttle, 1,000 and 10,000 participants in 4 courses, against two baselines (the
 * per-student REST client and a naive per-student-per-module client). Writes
 * bench/results/sync.json and the tables in bench/README.md; exits 1 if a target fails.
 *
 *   npm run bench:sync                       # everything (about 5 minutes on 2 CPUs)
 *   npm run bench:sync -- --sizes 1000       # a partial run, written to results/sync-partial.json
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import type { EmbeddedServer } from '../src/db/embedded';
import { checkStore } from './check';
import { COURSES, ITEMS_PER_MODULE, MODULES_DESCRIPTION, PLATFORM, SIMULATOR_DESCRIPTION, prepareCohort, type PreparedCohort } from './cohort';
import { cpuMsOf } from './measure';
import { resultsSection, seconds, updateReadme, type BenchResults, type RunKind, type RunResult, type TargetResult } from './report';
import type { RunJob, RunMeasurement, RunReply } from './run-protocol';
import { openBenchEnvironment } from './environment';
import type { SimProcess } from './sim-process';

const INCREMENTAL_FRACTION = 0.05;
const USER_AGENT = 'ecf-progress-bench/0.1 (bench/sync.ts)';

const TARGETS = { callsPerParticipantFull: 0.03, callsPerParticipantIncremental: 0.025, speedupOverRest: 10, maxThrottled: 5 };

const LABELS: Record<RunKind, string> = {
  'graphql-full': 'Ours: GraphQL, full',
  'graphql-incremental': 'Ours: incremental, 5% changed',
  'rest-full': 'Per-student REST (`exact`), full',
  'naive-full': 'Naive: per student per module, full',
};

const say = (line: string) => process.stdout.write(`${line}\n`);
const benchStarted = performance.now();
const elapsed = () => seconds(performance.now() - benchStarted);

interface Bench {
  server: EmbeddedServer;
  sim: SimProcess;
  seed: number;
  runs: RunResult[];
}

/** A fresh database on the one server, a fresh simulator from the seeded cohort, and the four course links. */
function prepare(bench: Bench, name: string, size: number): Promise<PreparedCohort> {
  return prepareCohort(bench.server.uri, bench.sim, bench.seed, name, size);
}

/** Runs the job in a fresh process (bench/run-worker.ts); reads the simulator's and the store's CPU time while its clock runs. */
function runInProcess(bench: Bench, job: RunJob): Promise<{ measured: Omit<RunMeasurement, 'syncCpuMs'>; cpu: RunResult['cpu'] }> {
  const child = fork(path.join(__dirname, 'run-worker.ts'), [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const others = () => ({ simulator: cpuMsOf(bench.sim.pid), store: cpuMsOf(bench.server.pid) });
  let atStart = others();
  let atEnd = atStart;
  const delta = (end: number | null, start: number | null) => (end === null || start === null ? null : Math.round(end - start));
  return new Promise((resolve, reject) => {
    let reply: RunReply | undefined;
    child.on('message', (message: RunReply) => {
      if (message.type === 'clock') {
        if (message.at === 'start') atStart = others();
        else atEnd = others();
      } else reply = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply?.type === 'result' && reply.ok) {
        const { syncCpuMs, ...measured } = reply.result;
        resolve({ measured, cpu: { syncMs: syncCpuMs, simulatorMs: delta(atEnd.simulator, atStart.simulator), storeMs: delta(atEnd.store, atStart.store) } });
      } else reject(new Error(reply?.type === 'result' && !reply.ok ? reply.error : `the run process exited (${signal ?? code}) without a result`));
    });
    child.send(job);
  });
}

async function measure(bench: Bench, kind: RunKind, size: number, prepared: PreparedCohort, changed?: number): Promise<RunResult> {
  const label = LABELS[kind];
  say(`\n▶ ${label}, ${size.toLocaleString('en-GB')} participants (bench elapsed ${elapsed()})`);
  await bench.sim.resetStats();
  const job: RunJob = { kind, label, size, expectedStudents: changed ?? size, uri: bench.server.uri, dbName: prepared.dbName, canvas: { url: prepared.started.url, token: prepared.started.token }, userAgent: USER_AGENT };
  let measured: Omit<RunMeasurement, 'syncCpuMs'>;
  let cpu: RunResult['cpu'] = { syncMs: 0, simulatorMs: null, storeMs: null };
  try {
    ({ measured, cpu } = await runInProcess(bench, job));
    const share = (ms: number | null) => (ms === null ? '–' : `${seconds(ms)} (${Math.round((100 * ms) / Math.max(1, measured.wallMs))}% of a core)`);
    say(`  [${label}] CPU during the run: sync ${share(cpu.syncMs)}, simulator ${share(cpu.simulatorMs)}, store ${share(cpu.storeMs)}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    say(`  [${label}] FAILED: ${message}`);
    measured = { participants: 0, wallMs: 0, apiCalls: 0, callsPerParticipant: 0, byEndpoint: {}, throttled: 0, retries: 0, client: { requestTimeMs: 0, maxInFlight: 0, finalConcurrency: 0 }, store: { commands: {}, totalMs: 0 }, memory: { startRss: 0, peakRss: 0, increase: 0, peakHeapUsed: 0, samples: 0 }, courses: [], errors: [message] };
  }
  const simStats = await bench.sim.stats();
  const run: RunResult = { id: `${kind}-${size}`, kind, label, size, changed, ...measured, cpu, simulator: { requests: simStats.requests, throttled: simStats.throttled, maxConcurrent: simStats.maxConcurrent, minRemaining: Number.isFinite(simStats.minRemaining) ? Math.round(simStats.minRemaining) : null }, correctness: null };
  const checkStarted = performance.now();
  try {
    run.correctness = await checkStore(PLATFORM, await bench.sim.expected());
    say(`  [${label}] correctness: ${run.correctness.mismatches} mismatches of ${run.correctness.checked.toLocaleString('en-GB')} students (checked in ${seconds(performance.now() - checkStarted)})`);
    for (const example of run.correctness.examples) say(`    ${example}`);
  } catch (error) {
    run.errors.push(`correctness check failed: ${error instanceof Error ? error.message : String(error)}`);
    say(`  [${label}] correctness check failed: ${String(error)}`);
  }
  bench.runs.push(run);
  return run;
}

async function runSize(bench: Bench, size: number, withNaive: boolean, withIncremental: boolean): Promise<void> {
  // Ours, GraphQL, full; then, on the same database and simulator, 5% changed and an incremental run.
  {
    const prepared = await prepare(bench, `graphql-${size}`, size);
    await measure(bench, 'graphql-full', size, prepared);
    if (withIncremental) {
      let changed = 0;
      for (const link of prepared.links) changed += (await bench.sim.changeStudents(link.courseId, INCREMENTAL_FRACTION, `bench-${link.courseId}`)).length;
      say(`  changed ${changed} students with the simulator's changeStudents(course, ${INCREMENTAL_FRACTION}) on each course`);
      await measure(bench, 'graphql-incremental', size, prepared, changed);
    }
    await mongoose.connection.db?.dropDatabase();
  }
  // The per-student REST client: our sync with `exact`, full.
  {
    const prepared = await prepare(bench, `rest-${size}`, size);
    await measure(bench, 'rest-full', size, prepared);
    await mongoose.connection.db?.dropDatabase();
  }
  if (withNaive) {
    const prepared = await prepare(bench, `naive-${size}`, size);
    await measure(bench, 'naive-full', size, prepared);
    await mongoose.connection.db?.dropDatabase();
  }
}

function evaluate(runs: RunResult[]): TargetResult[] {
  const find = (id: string) => runs.find((r) => r.id === id && r.errors.length === 0) ?? runs.find((r) => r.id === id);
  const targets: TargetResult[] = [];
  const full = find('graphql-full-10000');
  const incremental = find('graphql-incremental-10000');
  const rest = find('rest-full-10000');
  const ok = (r: RunResult | undefined) => r !== undefined && r.errors.length === 0;
  targets.push({
    name: 'Full sync of 10,000 (GraphQL): Canvas calls per participant',
    value: full ? full.callsPerParticipant.toFixed(4) : '–',
    limit: `≤ ${TARGETS.callsPerParticipantFull}`,
    status: !full ? 'NOT RUN' : ok(full) && full.callsPerParticipant <= TARGETS.callsPerParticipantFull ? 'PASS' : 'FAIL',
  });
  const speedup = full && rest ? rest.wallMs / full.wallMs : null;
  targets.push({
    name: 'Full sync of 10,000: speed-up over the per-student REST client (same run)',
    value: speedup === null ? '–' : `${speedup.toFixed(1)}× (${seconds(full!.wallMs)} vs ${seconds(rest!.wallMs)})`,
    limit: `≥ ${TARGETS.speedupOverRest}×`,
    status: speedup === null ? 'NOT RUN' : ok(full) && ok(rest) && speedup >= TARGETS.speedupOverRest ? 'PASS' : 'FAIL',
  });
  targets.push({
    name: 'Incremental run of 10,000, 5% changed: Canvas calls per participant',
    value: incremental ? incremental.callsPerParticipant.toFixed(4) : '–',
    limit: `≤ ${TARGETS.callsPerParticipantIncremental}`,
    status: !incremental ? 'NOT RUN' : ok(incremental) && incremental.callsPerParticipant <= TARGETS.callsPerParticipantIncremental ? 'PASS' : 'FAIL',
  });
  const worst = [...runs].sort((a, b) => b.throttled - a.throttled)[0];
  targets.push({
    name: 'Throttled responses in any run',
    value: worst ? `${worst.throttled} (${worst.id})` : '–',
    limit: `≤ ${TARGETS.maxThrottled}`,
    status: !worst ? 'NOT RUN' : worst.throttled <= TARGETS.maxThrottled ? 'PASS' : 'FAIL',
  });
  const mismatches = runs.reduce((n, r) => n + (r.correctness?.mismatches ?? 0), 0);
  const unchecked = runs.filter((r) => !r.correctness).map((r) => r.id);
  targets.push({
    name: 'Stored module counts equal the simulator’s truth (every student, every run)',
    value: `${mismatches} mismatches${unchecked.length ? `; not checked: ${unchecked.join(', ')}` : ''}`,
    limit: '0',
    status: runs.length === 0 ? 'NOT RUN' : mismatches === 0 && unchecked.length === 0 && runs.every((r) => r.errors.length === 0) ? 'PASS' : 'FAIL',
  });
  return targets;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000' }, seed: { type: 'string', default: '2025' } } });
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0 || n % COURSES !== 0)) throw new Error(`--sizes must be positive multiples of ${COURSES}`);
  const complete = sizes.length === 2 && sizes.includes(1000) && sizes.includes(10000);
  const seed = Number(values.seed);

  const cpus = os.cpus();
  say(`bench:sync — ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), Node ${process.version}, sizes ${sizes.join(', ')}, seed ${seed}`);
  const { server, sim, cleanup } = await openBenchEnvironment(say);
  const bench: Bench = { server, sim, seed, runs: [] };

  try {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      // The naive client at 1,000 (and smaller) only: at 10,000 it would take about ten minutes. The incremental run at 10,000.
      await runSize(bench, size, size <= 1000, size === 10000 || !complete);
    }
  } finally {
    await cleanup();
  }

  const targets = evaluate(bench.runs);
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    complete,
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', totalMemoryGiB: Math.round(os.totalmem() / 1024 ** 3), node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}`, storeEngine: server.engine },
    settings: {
      seed,
      courses: COURSES,
      modules: MODULES_DESCRIPTION,
      itemsPerModule: ITEMS_PER_MODULE,
      sizes,
      simulator: SIMULATOR_DESCRIPTION,
      client: 'CanvasClient defaults (adaptive limiter up to 8 in flight, 5 retries); each run in a fresh Node process',
      incrementalFraction: INCREMENTAL_FRACTION,
    },
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
