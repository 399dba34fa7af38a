import type { Logger } from '../log/logger';

/**
 * Background jobs on in-process timers: each job runs every `intervalMs` ± jitter, one run at a
 * time in this process, and a failed run is logged and tried again at the next interval.
 *
 * No library: agenda keeps its jobs in MongoDB and claims a run with a conditional update on
 * the job's lock, which FerretDB does not apply atomically, so two instances could both win;
 * bree runs each job from its own file in a worker thread, away from this process's database
 * connection and services. Timers in one process need no store, and the one job that must not
 * overlap across instances, the sync, already takes a lease per course.
 */
export interface JobDefinition {
  /** Names the job in the logs and in `perform`. */
  name: string;
  intervalMs: number;
  /** Each wait is `intervalMs` ± this fraction (default 0.1), so instances started together drift apart. */
  jitter?: number;
  run: () => Promise<void>;
}

const DEFAULT_JITTER = 0.1;

type Outcome = { failed: false } | { failed: true; error: unknown };

interface Job {
  definition: JobDefinition;
  timer?: NodeJS.Timeout;
  /** The run going on now. */
  current?: Promise<Outcome>;
  /** The run that `perform` asked for, which starts when the current one ends. */
  requested?: Promise<Outcome>;
}

export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
  constructor(job: string, known: string[]) {
    super(`no job named "${job}" (the jobs are: ${known.join(', ') || 'none'})`);
  }
}

export class JobsStoppedError extends Error {
  override name = 'JobsStoppedError';
  constructor(job: string) {
    super(`job "${job}" was asked to run after the jobs were stopped`);
  }
}

export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly logger: Logger) {}

  register(definition: JobDefinition): void {
    if (this.jobs.has(definition.name)) throw new Error(`job "${definition.name}" is already registered`);
    const job: Job = { definition };
    this.jobs.set(definition.name, job);
    if (this.state === 'started') this.schedule(job);
  }

  /** Starts the timers; the first run of each job is one interval away. A stopped runner stays stopped. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'started';
    for (const job of this.jobs.values()) this.schedule(job);
  }

  /**
   * Runs the job now and resolves when that run ends, or rejects with its error. When a run is
   * going on, it waits for it and then runs once more: a caller that has just changed the store
   * needs a run that started after its call. Callers that arrive before that run starts share it.
   */
  async perform(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) throw new UnknownJobError(name, [...this.jobs.keys()]);
    if (this.state === 'stopped') throw new JobsStoppedError(name);
    job.requested ??= this.runAfterCurrent(job);
    const outcome = await job.requested;
    if (outcome.failed) throw outcome.error;
  }

  /** Clears the timers and waits for the runs in progress, and for any run `perform` asked for before. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    await Promise.all([...this.jobs.values()].map((job) => job.requested ?? job.current));
  }

  private schedule(job: Job): void {
    const { intervalMs, jitter = DEFAULT_JITTER } = job.definition;
    const delayMs = intervalMs * (1 + jitter * (2 * Math.random() - 1));
    // Unref'd: a pending job must not keep a CLI command or a finished test alive.
    job.timer = setTimeout(() => this.tick(job), delayMs).unref();
  }

  private tick(job: Job): void {
    this.schedule(job);
    if (job.current || job.requested) {
      this.logger.debug({ event: 'job.skipped', job: job.definition.name }, `job ${job.definition.name} is still running; this run is skipped`);
      return;
    }
    void this.execute(job);
  }

  private async runAfterCurrent(job: Job): Promise<Outcome> {
    await job.current;
    job.requested = undefined;
    return this.execute(job);
  }

  private execute(job: Job): Promise<Outcome> {
    const run = this.attempt(job.definition).finally(() => {
      job.current = undefined;
    });
    job.current = run;
    return run;
  }

  /** Never rejects: a timer has nobody to throw to, so the error is logged here with the job's name. */
  private async attempt({ name, run }: JobDefinition): Promise<Outcome> {
    try {
      await run();
      return { failed: false };
    } catch (error) {
      this.logger.error({ event: 'job.failed', job: name, err: error }, `job ${name} failed`);
      return { failed: true, error };
    }
  }
}
