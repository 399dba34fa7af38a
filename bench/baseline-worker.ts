/**
 * Runs one baseline of `npm run bench:sync` in a fresh process, like our runs: the by-ids
 * GraphQL floor (bench/floor.ts) or the per-student REST client (bench/rest-baseline.ts).
 * Timed from just before its first request to its last answer, so neither process start nor
 * module loading counts: the floor is the API's, not a program's. A run given `stopAfterMs`
 * stops there (the process exits with its requests in flight). Gets a BaselineJob over IPC,
 * answers a BaselineMeasurement.
 */
import { runFloor } from './floor';
import { seconds } from './report';
import { runRestBaseline } from './rest-baseline';
import { clock, serveOneJob, type BaselineJob, type BaselineMeasurement } from './run-protocol';

const TICK_EVERY_MS = 5_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const int = (n: number) => n.toLocaleString('en-GB');

const stopAt = (ms: number) => new Promise<'stopped'>((resolve) => setTimeout(() => resolve('stopped'), ms));

async function measure(job: BaselineJob): Promise<BaselineMeasurement> {
  let students = 0;
  const counted = (n: number) => {
    students = n;
  };
  const options = { baseUrl: job.canvas.url, token: job.canvas.token, userAgent: job.userAgent };
  await clock('start');
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const ticker = setInterval(() => say(`  [${job.label}] ${seconds(performance.now() - started)}: ${int(students)}/${int(job.expectedStudents)} students`), TICK_EVERY_MS);
  const cpuMs = () => {
    const cpu = process.cpuUsage(cpuAtStart);
    return Math.round((cpu.user + cpu.system) / 1000);
  };
  try {
    const run =
      job.kind === 'floor'
        ? runFloor({ ...options, courses: job.courses, onPage: counted })
        : runRestBaseline({ ...options, courseIds: job.courses.map((c) => c.courseId), concurrency: job.concurrency, onStudent: () => counted(students + 1) }).then((r) => ({ ...r, concurrency: job.concurrency }));
    const outcome = job.stopAfterMs === undefined ? await run : await Promise.race([run, stopAt(job.stopAfterMs)]);
    const wallMs = performance.now() - started;
    await clock('end');
    if (outcome === 'stopped') {
      say(`  [${job.label}] stopped at ${seconds(wallMs)} with ${int(students)}/${int(job.expectedStudents)} students: slower than the fastest so far`);
      return { wallMs: Math.round(wallMs), students, requests: 0, throttled: 0, retries: 0, maxInFlight: 0, concurrency: job.concurrency, cpuMs: cpuMs(), stopped: true, errors: [] };
    }
    const errors = outcome.students === job.expectedStudents ? [] : [`fetched ${outcome.students} students of ${job.expectedStudents}`];
    say(`  [${job.label}] finished in ${seconds(wallMs)}: ${int(outcome.students)} students, ${int(outcome.requests)} requests, ${int(outcome.throttled)} throttled and retried, at most ${outcome.maxInFlight} in flight`);
    return { wallMs: Math.round(wallMs), students: outcome.students, requests: outcome.requests, throttled: outcome.throttled, retries: outcome.retries, maxInFlight: outcome.maxInFlight, concurrency: outcome.concurrency, cpuMs: cpuMs(), stopped: false, errors };
  } finally {
    clearInterval(ticker);
  }
}

serveOneJob(measure);
