/**
 * Runs one measured sync for `npm run bench:sync` in a fresh process, so its memory figures
 * are its own (a heap grown by an earlier run would otherwise hide this run's growth).
 * Started by bench/sync.ts with `--expose-gc`; gets a RunJob over IPC, answers a RunReply.
 */
import mongoose from 'mongoose';
import { CanvasClient } from '../src/canvas';
import { createLogger } from '../src/log/logger';
import type { CourseLink } from '../src/programme/links';
import { benchStores } from './stores';
import { newRunId } from '../src/sync/runs';
import { SyncService } from '../src/sync/service';
import { runNaive } from './naive';
import { MemorySampler, StoreMonitor } from './measure';
import { mib, seconds, type CourseTiming } from './report';
import type { RunJob, RunMeasurement, RunReply } from './run-protocol';

const TICK_EVERY_MS = 10_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const int = (n: number) => n.toLocaleString('en-GB');

/** Progress lines while the run goes, and when each course's fetching and writing ended. */
class Ticker {
  private readonly done = new Map<string, number>();
  readonly fetchDone = new Map<string, number>();
  readonly courseDone = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(
    private readonly job: RunJob,
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

  courseFinished(courseId: string, students: number | undefined, status: string): void {
    this.courseDone.set(courseId, this.sinceStart());
    say(`  [${this.job.label}] ${seconds(this.sinceStart())}: course ${courseId} ${status} (${int(students ?? 0)} students), ${this.courseDone.size} courses done`);
  }

  private print(): void {
    const fetched = [...this.done.values()].reduce((a, b) => a + b, 0);
    say(`  [${this.job.label}] ${seconds(this.sinceStart())}: ${int(fetched)}/${int(this.job.expectedStudents)} students fetched, ${int(this.requests())} requests`);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Outcome {
  participants: number;
  courses: { courseId: string; students: number; fetched: number }[];
  errors: string[];
}

/** Our sync through SyncService, as the CLI runs it. */
async function ourSync(job: RunJob, ticker: Ticker, newClient: () => CanvasClient): Promise<Outcome> {
  const stores = benchStores();
  const service = new SyncService({
    logger: createLogger('silent'),
    stores,
    listLinks: async () => stores.store.collection<CourseLink>('course_links').find({}).toArray(),
    clientFor: async () => newClient(),
  });
  const run = await service.run({
    trigger: 'cli',
    full: job.kind !== 'graphql-incremental',
    exact: job.kind === 'rest-full',
    onProgress: (p) => ticker.progress(p.courseId, p.done),
    onCourseDone: (c) => ticker.courseFinished(c.courseId, c.students, `${c.status}${c.mode ? ` ${c.mode}` : ''}${c.path ? ` via ${c.path}` : ''}`),
  });
  return {
    participants: run.participants,
    courses: run.courses.map((c) => ({ courseId: c.courseId, students: c.students ?? 0, fetched: c.fetched ?? 0 })),
    errors: run.errors,
  };
}

async function naive(ticker: Ticker, client: CanvasClient): Promise<Outcome> {
  const links = await benchStores().store.collection<CourseLink>('course_links').find({}).toArray();
  const results = await runNaive(
    client,
    links,
    newRunId(),
    (courseId, done) => ticker.progress(courseId, done),
    (r) => ticker.courseFinished(r.courseId, r.students, 'written'),
  );
  return { participants: results.reduce((n, r) => n + r.students, 0), courses: results.map((r) => ({ courseId: r.courseId, students: r.students, fetched: r.students })), errors: [] };
}

async function measure(job: RunJob): Promise<RunMeasurement> {
  mongoose.set('strictQuery', true);
  await mongoose.connect(job.uri, { dbName: job.dbName, serverSelectionTimeoutMS: 5000, monitorCommands: true });
  const store = new StoreMonitor();
  await benchStores().store.collection<CourseLink>('course_links').countDocuments({}); // warm the connection before the clock starts
  store.reset();
  let client: CanvasClient | null = null;
  // As production builds it (createSyncService): URL, token and User-Agent; everything else default.
  const newClient = () => (client = new CanvasClient({ baseUrl: job.canvas.url, token: job.canvas.token, userAgent: job.userAgent }));

  global.gc?.();
  await clock('start');
  const cpuAtStart = process.cpuUsage();
  const memory = new MemorySampler();
  const ticker = new Ticker(job, () => client?.stats().requests ?? 0);
  let outcome: Outcome;
  try {
    outcome = job.kind === 'naive-full' ? await naive(ticker, newClient()) : await ourSync(job, ticker, newClient);
  } catch (error) {
    outcome = { participants: 0, courses: [], errors: [error instanceof Error ? error.message : String(error)] };
  }
  const wallMs = ticker.sinceStart();
  const cpu = process.cpuUsage(cpuAtStart);
  await clock('end');
  ticker.stop();
  const mem = memory.stop();
  const stats = (client as CanvasClient | null)?.stats();
  const apiCalls = stats?.requests ?? 0;
  const courses: CourseTiming[] = outcome.courses.map((c) => {
    const fetchDoneMs = ticker.fetchDone.get(c.courseId) ?? null;
    const doneMs = ticker.courseDone.get(c.courseId) ?? wallMs;
    return { ...c, fetchDoneMs: fetchDoneMs === null ? null : Math.round(fetchDoneMs), doneMs: Math.round(doneMs), writeMs: fetchDoneMs === null ? null : Math.round(doneMs - fetchDoneMs) };
  });
  const result: RunMeasurement = {
    participants: outcome.participants,
    wallMs: Math.round(wallMs),
    apiCalls,
    callsPerParticipant: outcome.participants ? apiCalls / outcome.participants : 0,
    byEndpoint: stats?.calls ?? {},
    throttled: stats?.throttled ?? 0,
    retries: stats?.retries ?? 0,
    client: { requestTimeMs: stats?.requestTimeMs ?? 0, maxInFlight: stats?.maxInFlight ?? 0, finalConcurrency: stats?.concurrency ?? 0 },
    store: store.snapshot(),
    memory: mem,
    syncCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    courses,
    errors: outcome.errors,
  };
  const label = job.label;
  say(`  [${label}] finished in ${seconds(wallMs)}: ${int(apiCalls)} API calls (${result.callsPerParticipant.toFixed(4)} per participant), ${result.throttled} throttled, ${result.retries} retries; peak RSS ${mib(mem.peakRss)} (+${mib(mem.increase)} over ${mib(mem.startRss)} at the start)`);
  say(`  [${label}] calls: ${JSON.stringify(result.byEndpoint)}; Canvas request time (sum) ${seconds(result.client.requestTimeMs)}, at most ${result.client.maxInFlight} in flight; store time (sum) ${seconds(result.store.totalMs)}; CPU of this process ${seconds(result.syncCpuMs)}`);
  for (const c of courses) say(`  [${label}]   course ${c.courseId}: ${int(c.fetched)}/${int(c.students)} fetched, last page at ${c.fetchDoneMs === null ? '–' : seconds(c.fetchDoneMs)}, written at ${seconds(c.doneMs)}${c.writeMs === null ? '' : ` (write phase ${seconds(c.writeMs)})`}`);
  if (result.errors.length) say(`  [${label}] ERRORS: ${result.errors.join('; ')}`);
  await mongoose.disconnect();
  return result;
}

/** Tells the bench the clock starts or stops; resolves once the message is out. */
function clock(at: 'start' | 'end'): Promise<void> {
  return new Promise((resolve) => process.send?.({ type: 'clock', at } satisfies RunReply, () => resolve()) ?? resolve());
}

process.once('message', (job: RunJob) => {
  measure(job).then(
    (result) => process.send?.({ type: 'result', ok: true, result } satisfies RunReply, () => process.exit(0)),
    (error: unknown) => process.send?.({ type: 'result', ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies RunReply, () => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(1));
