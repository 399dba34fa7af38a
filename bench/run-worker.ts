/**
 * Runs one measured sync in process (SyncService, as the CLI builds it, without the read
 * model's rebuild) for `npm run bench:sync` in a fresh process, so its memory figures are its
 * own (a heap grown by an earlier run would otherwise hide this run's growth). Started by
 * bench/sync.ts with `--expose-gc`; gets a RunJob over IPC, answers a RunMeasurement.
 */
import mongoose from 'mongoose';
import { CanvasClient } from '../src/canvas';
import { createLogger } from '../src/log/logger';
import type { CourseLink } from '../src/programme/links';
import { benchStores } from './stores';
import { SyncService } from '../src/sync/service';
import { MemorySampler, StoreMonitor } from './measure';
import { mib, seconds, type CourseTiming } from './report';
import { clock, serveOneJob, type RunJob, type RunMeasurement } from './run-protocol';

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
    full: job.full,
    onProgress: (p) => ticker.progress(p.courseId, p.done),
    onCourseDone: (c) => ticker.courseFinished(c.courseId, c.students, `${c.status}${c.mode ? ` ${c.mode}` : ''}${c.path ? ` via ${c.path}` : ''}`),
  });
  return {
    participants: run.participants,
    courses: run.courses.map((c) => ({ courseId: c.courseId, students: c.students ?? 0, fetched: c.fetched ?? 0 })),
    errors: run.errors,
  };
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
    outcome = await ourSync(job, ticker, newClient);
  } catch (error) {
    outcome = { participants: 0, courses: [], errors: [error instanceof Error ? error.message : String(error)] };
  }
  const wallMs = ticker.sinceStart();
  const cpu = process.cpuUsage(cpuAtStart);
  await clock('end');
  ticker.stop();
  const mem = memory.stop();
  const stats = (client as CanvasClient | null)?.stats();
  const courses: CourseTiming[] = outcome.courses.map((c) => {
    const fetchDoneMs = ticker.fetchDone.get(c.courseId) ?? null;
    const doneMs = ticker.courseDone.get(c.courseId) ?? wallMs;
    return { ...c, fetchDoneMs: fetchDoneMs === null ? null : Math.round(fetchDoneMs), doneMs: Math.round(doneMs), writeMs: fetchDoneMs === null ? null : Math.round(doneMs - fetchDoneMs) };
  });
  const clientFigures = { requests: stats?.requests ?? 0, retries: stats?.retries ?? 0, requestTimeMs: stats?.requestTimeMs ?? 0, maxInFlight: stats?.maxInFlight ?? 0, finalConcurrency: stats?.concurrency ?? 0 };
  const result: RunMeasurement = {
    wallMs: Math.round(wallMs),
    participants: outcome.participants,
    figures: { client: clientFigures, store: store.snapshot(), memory: mem, courses },
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    errors: outcome.errors,
  };
  const label = job.label;
  say(`  [${label}] finished in ${seconds(wallMs)}: ${int(clientFigures.requests)} Canvas requests, ${stats?.throttled ?? 0} throttled, ${clientFigures.retries} retries; peak RSS ${mib(mem.peakRss)} (+${mib(mem.increase)} over ${mib(mem.startRss)} at the start)`);
  say(`  [${label}] calls: ${JSON.stringify(stats?.calls ?? {})}; Canvas request time (sum) ${seconds(clientFigures.requestTimeMs)}, at most ${clientFigures.maxInFlight} in flight; store time (sum) ${seconds(result.figures.store.totalMs)}; CPU of this process ${seconds(result.cpuMs)}`);
  for (const c of courses) say(`  [${label}]   course ${c.courseId}: ${int(c.fetched)}/${int(c.students)} fetched, last page at ${c.fetchDoneMs === null ? '–' : seconds(c.fetchDoneMs)}, written at ${seconds(c.doneMs)}${c.writeMs === null ? '' : ` (write phase ${seconds(c.writeMs)})`}`);
  if (result.errors.length) say(`  [${label}] ERRORS: ${result.errors.join('; ')}`);
  await mongoose.disconnect();
  return result;
}

serveOneJob(measure);
