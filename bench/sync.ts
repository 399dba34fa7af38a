/**
 * `npm run bench:sync`: the sync against the Canvas simulator at its default latency, cost
 * and throttle, 1,000 and 10,000 participants in 4 courses, against two baselines (the
 * per-student REST client and a naive per-student-per-module client). Writes
 * bench/results/sync.json and the tables in bench/README.md; exits 1 if a target fails.
 *
 *   npm run bench:sync                       # everything (about 5–10 minutes)
 *   npm run bench:sync -- --sizes 1000       # a partial run, written to results/sync-partial.json
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import mongoose from 'mongoose';
import { CanvasClient } from '../src/canvas';
import { startEmbeddedServer, type EmbeddedServer, type EngineChoice } from '../src/db/embedded';
import { createLogger } from '../src/log/logger';
import { courseLinkId, courseLinks, type CourseLink } from '../src/programme/links';
import { newRunId } from '../src/sync/runs';
import { SyncService } from '../src/sync/service';
import { checkStore } from './check';
import { runNaive } from './naive';
import { mib, resultsSection, seconds, updateReadme, type BenchResults, type CourseTiming, type RunKind, type RunResult, type TargetResult } from './report';
import { SimProcess } from './sim-process';
import type { CohortSpec, SimStarted } from './sim-protocol';

const PLATFORM = { issuer: 'https://canvas.instructure.com', clientId: '10000000000001' };
const COHORT_NAME = 'September 2025';
const COURSES = 4;
const MODULES = 9;
const ITEMS_PER_MODULE = 15;
const INCREMENTAL_FRACTION = 0.05;
const USER_AGENT = 'ecf-progress-bench/0.1 (bench/sync.ts)';
const SAMPLE_EVERY_MS = 50;
const TICK_EVERY_MS = 10_000;

const TARGETS = { callsPerParticipantFull: 0.03, callsPerParticipantIncremental: 0.025, speedupOverRest: 10, maxThrottled: 5 };

const LABELS: Record<RunKind, string> = {
  'graphql-full': 'Ours: GraphQL, full',
  'graphql-incremental': 'Ours: incremental, 5% changed',
  'rest-full': 'Per-student REST (`exact`), full',
  'naive-full': 'Naive: per student per module, full',
};

const say = (line: string) => process.stdout.write(`${line}\n`);
const benchStarted = performance.now();
const elapsed = () => `${((performance.now() - benchStarted) / 1000).toFixed(1)} s`;

/** A full collection before each run, so `start` RSS is comparable between runs. */
const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  readonly startRss: number;
  private peakRss: number;
  private peakHeapUsed = 0;
  private samples = 0;

  constructor() {
    this.startRss = process.memoryUsage().rss;
    this.peakRss = this.startRss;
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.samples += 1;
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, usage.heapUsed);
  }

  stop(): RunResult['memory'] {
    clearInterval(this.timer);
    this.sample();
    return { startRss: this.startRss, peakRss: this.peakRss, increase: this.peakRss - this.startRss, peakHeapUsed: this.peakHeapUsed, samples: this.samples };
  }
}

/** Store command counts and durations through the driver's command monitoring. */
class StoreMonitor {
  commands: Record<string, { count: number; ms: number }> = {};

  attach(): void {
    const client = mongoose.connection.getClient();
    client.on('commandSucceeded', (e) => this.add(e.commandName, e.duration));
    client.on('commandFailed', (e) => this.add(e.commandName, e.duration));
  }

  private add(name: string, ms: number): void {
    const entry = (this.commands[name] ??= { count: 0, ms: 0 });
    entry.count += 1;
    entry.ms += ms;
  }

  reset(): void {
    this.commands = {};
  }

  snapshot(): RunResult['store'] {
    const commands = Object.fromEntries(Object.entries(this.commands).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms) }]));
    return { commands, totalMs: Object.values(commands).reduce((n, c) => n + c.ms, 0) };
  }
}

interface Bench {
  server: EmbeddedServer;
  sim: SimProcess;
  store: StoreMonitor;
  seed: number;
  runs: RunResult[];
}

/** A fresh database on the one server, a fresh simulator from the seeded cohort, and the four course links. */
async function prepare(bench: Bench, id: string, size: number): Promise<{ started: SimStarted; links: CourseLink[] }> {
  await mongoose.disconnect();
  mongoose.set('strictQuery', true);
  await mongoose.connect(bench.server.uri, { dbName: `bench_${id.replace(/[^a-z0-9]/gi, '_')}_${Date.now()}`, serverSelectionTimeoutMS: 5000, monitorCommands: true });
  bench.store.reset();
  bench.store.attach();
  const spec: CohortSpec = { seed: bench.seed, courses: COURSES, studentsPerCourse: size / COURSES, modules: MODULES, itemsPerModule: ITEMS_PER_MODULE };
  const started = await bench.sim.start(spec);
  const links = started.courses.map((course, i): CourseLink => ({
    _id: courseLinkId(PLATFORM, course.id),
    ...PLATFORM,
    courseId: course.id,
    programme: i % 2 === 0 ? 'ect' : 'mentor',
    cohort: COHORT_NAME,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  }));
  await courseLinks().insertMany(links);
  return { started, links };
}

async function dropDatabase(): Promise<void> {
  await mongoose.connection.db?.dropDatabase();
}

function newClient(started: SimStarted): CanvasClient {
  // The production defaults (createSyncService): only URL, token and User-Agent are set.
  return new CanvasClient({ baseUrl: started.url, token: started.token, userAgent: USER_AGENT });
}

/** Progress lines while a run goes: elapsed, students fetched, requests so far. */
class Ticker {
  private readonly done = new Map<string, number>();
  readonly fetchDone = new Map<string, number>();
  readonly courseDone = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly expectedStudents: number,
    private readonly requests: () => number,
  ) {
    this.timer = setInterval(() => this.print(), TICK_EVERY_MS);
  }

  sinceStart(): number {
    return performance.now() - this.started;
  }

  progress(courseId: string, done: number): void {
    this.done.set(courseId, done);
    this.fetchDone.set(courseId, this.sinceStart());
  }

  courseFinished(courseId: string, students: number | undefined, status = 'synced'): void {
    this.courseDone.set(courseId, this.sinceStart());
    say(`  [${this.label}] ${seconds(this.sinceStart())}: course ${courseId} ${status} (${students ?? 0} students), ${this.courseDone.size}/${COURSES} courses done`);
  }

  print(): void {
    const fetched = [...this.done.values()].reduce((a, b) => a + b, 0);
    say(`  [${this.label}] ${seconds(this.sinceStart())}: ${fetched.toLocaleString('en-GB')}/${this.expectedStudents.toLocaleString('en-GB')} students fetched, ${this.requests().toLocaleString('en-GB')} requests`);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function measure(
  bench: Bench,
  kind: RunKind,
  size: number,
  expectedStudents: number,
  body: (ticker: Ticker, setClient: (c: CanvasClient) => void) => Promise<{ participants: number; courses: { courseId: string; students: number; fetched: number }[]; errors: string[] }>,
  changed?: number,
): Promise<RunResult> {
  const id = `${kind}-${size}`;
  const label = LABELS[kind];
  say(`\n▶ ${label}, ${size.toLocaleString('en-GB')} participants (bench elapsed ${elapsed()})`);
  await bench.sim.resetStats();
  bench.store.reset();
  let client: CanvasClient | null = null;
  gc();
  const memory = new MemorySampler();
  const ticker = new Ticker(label, changed ?? expectedStudents, () => client?.stats().requests ?? 0);
  let outcome: Awaited<ReturnType<typeof body>>;
  try {
    outcome = await body(ticker, (c) => {
      client = c;
    });
  } catch (error) {
    outcome = { participants: 0, courses: [], errors: [error instanceof Error ? error.message : String(error)] };
  }
  const wallMs = ticker.sinceStart();
  ticker.stop();
  const mem = memory.stop();
  const simStats = await bench.sim.stats();
  const stats = (client as CanvasClient | null)?.stats();
  const apiCalls = stats?.requests ?? 0;
  const courses: CourseTiming[] = outcome.courses.map((c) => {
    const fetchDoneMs = ticker.fetchDone.get(c.courseId) ?? null;
    const doneMs = ticker.courseDone.get(c.courseId) ?? wallMs;
    return { ...c, fetchDoneMs, doneMs, writeMs: fetchDoneMs === null ? null : doneMs - fetchDoneMs };
  });
  const run: RunResult = {
    id,
    kind,
    label,
    size,
    participants: outcome.participants,
    changed,
    wallMs: Math.round(wallMs),
    apiCalls,
    callsPerParticipant: outcome.participants ? apiCalls / outcome.participants : 0,
    byEndpoint: stats?.calls ?? {},
    throttled: stats?.throttled ?? 0,
    retries: stats?.retries ?? 0,
    simulator: { requests: simStats.requests, throttled: simStats.throttled, maxConcurrent: simStats.maxConcurrent },
    client: { requestTimeMs: stats?.requestTimeMs ?? 0, maxInFlight: stats?.maxInFlight ?? 0, finalConcurrency: stats?.concurrency ?? 0 },
    store: bench.store.snapshot(),
    memory: mem,
    courses,
    correctness: null,
    errors: outcome.errors,
  };
  say(`  [${label}] finished in ${seconds(wallMs)}: ${apiCalls.toLocaleString('en-GB')} API calls (${run.callsPerParticipant.toFixed(4)} per participant), ${run.throttled} throttled, ${run.retries} retries; peak RSS ${mib(mem.peakRss)} (+${mib(mem.increase)})`);
  say(`  [${label}] calls: ${JSON.stringify(run.byEndpoint)}; Canvas request time (sum) ${seconds(run.client.requestTimeMs)}, store time (sum) ${seconds(run.store.totalMs)}`);
  for (const c of courses) say(`  [${label}]   course ${c.courseId}: ${c.fetched}/${c.students} fetched, fetch done at ${c.fetchDoneMs === null ? '–' : seconds(c.fetchDoneMs)}, written at ${seconds(c.doneMs)}${c.writeMs === null ? '' : ` (write phase ${seconds(c.writeMs)})`}`);
  if (run.errors.length) say(`  [${label}] ERRORS: ${run.errors.join('; ')}`);

  const checkStarted = performance.now();
  try {
    run.correctness = await checkStore(PLATFORM, await bench.sim.expected());
    say(`  [${label}] correctness: ${run.correctness.mismatches} mismatches of ${run.correctness.checked} students (checked in ${seconds(performance.now() - checkStarted)}, store read ${seconds(run.correctness.readMs)})`);
    for (const example of run.correctness.examples) say(`    ${example}`);
  } catch (error) {
    run.errors.push(`correctness check failed: ${error instanceof Error ? error.message : String(error)}`);
    say(`  [${label}] correctness check failed: ${String(error)}`);
  }
  bench.runs.push(run);
  return run;
}

/** Our sync through SyncService, as the CLI runs it. */
function ourSync(started: SimStarted, request: { full: boolean; exact: boolean }) {
  return async (ticker: Ticker, setClient: (c: CanvasClient) => void) => {
    const service = new SyncService({
      logger: createLogger('silent'),
      listLinks: async () => courseLinks().find({}).toArray(),
      clientFor: async () => {
        const client = newClient(started);
        setClient(client);
        return client;
      },
    });
    const run = await service.run({
      trigger: 'cli',
      full: request.full,
      exact: request.exact,
      onProgress: (p) => ticker.progress(p.courseId, p.done),
      onCourseDone: (c) => ticker.courseFinished(c.courseId, c.students, `${c.status}${c.mode ? ` ${c.mode}` : ''}${c.path ? ` via ${c.path}` : ''}`),
    });
    return {
      participants: run.participants,
      courses: run.courses.map((c) => ({ courseId: c.courseId, students: c.students ?? 0, fetched: c.fetched ?? 0 })),
      errors: run.errors,
    };
  };
}

async function runSize(bench: Bench, size: number, withNaive: boolean, withIncremental: boolean): Promise<void> {
  // Ours, GraphQL, full; then (same database and simulator) 5% changed and an incremental run.
  {
    const { started, links } = await prepare(bench, `graphql-${size}`, size);
    await measure(bench, 'graphql-full', size, size, ourSync(started, { full: true, exact: false }));
    if (withIncremental) {
      let changed = 0;
      for (const link of links) changed += (await bench.sim.changeStudents(link.courseId, INCREMENTAL_FRACTION, `bench-${link.courseId}`)).length;
      say(`  changed ${changed} students (${INCREMENTAL_FRACTION * 100}% of those with work left, per course) with the simulator's changeStudents`);
      await measure(bench, 'graphql-incremental', size, size, ourSync(started, { full: false, exact: false }), changed);
    }
    await dropDatabase();
  }
  // The per-student REST client: our sync with `exact`, full.
  {
    const { started } = await prepare(bench, `rest-${size}`, size);
    await measure(bench, 'rest-full', size, size, ourSync(started, { full: true, exact: true }));
    await dropDatabase();
  }
  if (withNaive) {
    const { started, links } = await prepare(bench, `naive-${size}`, size);
    await measure(bench, 'naive-full', size, size, async (ticker, setClient) => {
      const client = newClient(started);
      setClient(client);
      const results = await runNaive(
        client,
        links,
        newRunId(),
        (courseId, done) => ticker.progress(courseId, done),
        (r) => ticker.courseFinished(r.courseId, r.students),
      );
      return { participants: results.reduce((n, r) => n + r.students, 0), courses: results.map((r) => ({ courseId: r.courseId, students: r.students, fetched: r.students })), errors: [] };
    });
    await dropDatabase();
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-bench-db-'));
  const choice = (process.env.EMBEDDED_DB as EngineChoice | undefined) ?? 'auto';
  const server = await startEmbeddedServer(dir, choice, say);
  say(`store: ${server.engine} at ${server.uri} (files in ${dir})`);
  const sim = await SimProcess.spawn();
  const bench: Bench = { server, sim, store: new StoreMonitor(), seed, runs: [] };
  const cleanup = async () => {
    await mongoose.disconnect().catch(() => undefined);
    await sim.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    say('\ninterrupted: stopping the simulator and the database');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      // The naive client at 1,000 only (10,000 would take about ten times as long again); the incremental run at 10,000.
      await runSize(bench, size, size === 1000 || !complete, size === 10000 || !complete);
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
      modules: `${MODULES} programme modules + Induction`,
      itemsPerModule: ITEMS_PER_MODULE,
      sizes,
      simulator: 'defaults (latency 40 ms + 1 ms per student evaluated; cost 0.03 + 0.004 per student; bucket high-water 600, up-front 50, outflow 10/s), in its own process',
      client: 'CanvasClient defaults (adaptive limiter up to 8 in flight, 5 retries)',
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
