/**
 * Messages between the bench (bench/sync.ts) and the processes it starts for one job:
 * bench/run-worker.ts (our sync through SyncService), bench/baseline-worker.ts (the floor
 * and the per-student REST client) and bench/cli-setup-worker.ts (the CLI's database).
 */
import type { FloorCourse } from './floor';
import type { InProcessFigures } from './report';
import type { SimStarted } from './sim-protocol';

export interface RunJob {
  label: string;
  full: boolean;
  /** Students the run should fetch (all, or those changed before an incremental run), for progress lines. */
  expectedStudents: number;
  uri: string;
  dbName: string;
  canvas: { url: string; token: string };
  userAgent: string;
}

/** What the run process measured; the bench adds the simulator's counts, the other processes' CPU and the correctness check. */
export interface RunMeasurement {
  wallMs: number;
  participants: number;
  figures: Omit<InProcessFigures, 'cpu'>;
  cpuMs: number;
  errors: string[];
}

export interface BaselineJob {
  kind: 'floor' | 'rest';
  label: string;
  /** REST: requests in flight; the floor always keeps 10. */
  concurrency: number;
  canvas: { url: string; token: string };
  userAgent: string;
  /** The floor knows every student's user id; the REST client lists them itself. */
  courses: FloorCourse[];
  expectedStudents: number;
  /** Stop once the run has taken this long: it can no longer be the fastest. */
  stopAfterMs?: number;
}

export interface BaselineMeasurement {
  wallMs: number;
  students: number;
  requests: number;
  throttled: number;
  retries: number;
  maxInFlight: number;
  concurrency: number;
  cpuMs: number;
  /** Stopped at `stopAfterMs`, with `students` fetched by then. */
  stopped: boolean;
  errors: string[];
}

/** For bench/cli-setup-worker.ts: the CLI's environment and the simulator whose courses it links. */
export interface CliSetupJob {
  env: Record<string, string>;
  started: SimStarted;
}

/** `clock` marks the start and end of the timed run, so the bench can read the other processes' CPU time then. */
export type WorkerReply<T> = { type: 'clock'; at: 'start' | 'end' } | { type: 'result'; ok: true; result: T } | { type: 'result'; ok: false; error: string };

/** Tells the bench the clock starts or stops; resolves once the message is out. */
export function clock(at: 'start' | 'end'): Promise<void> {
  return new Promise((resolve) => process.send?.({ type: 'clock', at } satisfies WorkerReply<never>, () => resolve()) ?? resolve());
}

/** The worker side: takes one job over IPC, answers with its result and exits; exits too if the bench goes away. */
export function serveOneJob<J, T>(measure: (job: J) => Promise<T>): void {
  process.once('message', (job: J) => {
    measure(job).then(
      (result) => process.send?.({ type: 'result', ok: true, result } satisfies WorkerReply<T>, () => process.exit(0)),
      (error: unknown) => process.send?.({ type: 'result', ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply<T>, () => process.exit(1)),
    );
  });
  process.on('disconnect', () => process.exit(1));
}
