import { Writable } from 'node:stream';
import { JobRunner, JobsStoppedError, UnknownJobError } from '../../src/jobs';
import { createLogger } from '../../src/log/logger';

interface LogLine {
  level: number;
  event?: string;
  job?: string;
  err?: { message?: string };
}

/** A runner whose log lines (debug and up) the test can read. */
function runnerWithLog(): { jobs: JobRunner; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { jobs: new JobRunner(createLogger('debug', sink)), lines };
}

/** A promise the test settles by hand, to hold a run open for exactly as long as it needs. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A job whose runs wait on a gate each, counting how many run and how many at once. */
function slowJob() {
  const counts = { started: 0, active: 0, mostAtOnce: 0 };
  const gates: ReturnType<typeof gate>[] = [];
  const run = async () => {
    counts.started += 1;
    counts.active += 1;
    counts.mostAtOnce = Math.max(counts.mostAtOnce, counts.active);
    const runGate = gate();
    gates.push(runGate);
    await runGate.opened;
    counts.active -= 1;
  };
  return { counts, gates, run };
}

/** Lets every pending promise callback run, without moving (fake) time. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('the job runner', () => {
  it('runs a job once at a time: a perform during a run waits for it, then runs the job again', async () => {
    const { jobs } = runnerWithLog();
    const job = slowJob();
    jobs.register({ name: 'slow', intervalMs: 60_000, run: job.run });

    const first = jobs.perform('slow');
    await settle();
    const second = jobs.perform('slow');
    const third = jobs.perform('slow');
    await settle();
    expect(job.counts.started).toBe(1);

    job.gates[0].open();
    await first;
    await settle();
    expect(job.counts.started).toBe(2);
    job.gates[1].open();
    await Promise.all([second, third]);
    expect(job.counts).toEqual({ started: 2, active: 0, mostAtOnce: 1 });
  });

  it('shares one run among performs made before it starts', async () => {
    const { jobs } = runnerWithLog();
    let runs = 0;
    jobs.register({ name: 'count', intervalMs: 60_000, run: async () => void (runs += 1) });

    await Promise.all([jobs.perform('count'), jobs.perform('count')]);
    expect(runs).toBe(1);
  });

  it('skips a timed run while the previous one is still going, and says so at debug', async () => {
    jest.useFakeTimers();
    const { jobs, lines } = runnerWithLog();
    const job = slowJob();
    jobs.register({ name: 'slow', intervalMs: 1000, jitter: 0, run: job.run });
    jobs.start();

    await jest.advanceTimersByTimeAsync(3500);
    expect(job.counts.started).toBe(1);
    expect(lines.filter((l) => l.event === 'job.skipped')).toEqual([expect.objectContaining({ level: 20, job: 'slow' }), expect.objectContaining({ level: 20, job: 'slow' })]);

    job.gates[0].open();
    await jest.advanceTimersByTimeAsync(1000);
    expect(job.counts).toMatchObject({ started: 2, mostAtOnce: 1 });
    job.gates[1].open();
    await jobs.stop();
  });

  it('logs a failed run with the job’s name, throws nothing out of the timer, and runs again next time', async () => {
    jest.useFakeTimers();
    const { jobs, lines } = runnerWithLog();
    let runs = 0;
    jobs.register({
      name: 'flaky',
      intervalMs: 1000,
      jitter: 0,
      run: async () => {
        runs += 1;
        if (runs === 1) throw new Error('Canvas is down');
      },
    });
    jobs.start();

    await jest.advanceTimersByTimeAsync(1000);
    expect(lines.filter((l) => l.event === 'job.failed')).toEqual([expect.objectContaining({ level: 50, job: 'flaky', err: expect.objectContaining({ message: 'Canvas is down' }) })]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    expect(lines.filter((l) => l.event === 'job.failed')).toHaveLength(1);
    await jobs.stop();
  });

  it('rejects perform with the run’s error, logged once like a timed run', async () => {
    const { jobs, lines } = runnerWithLog();
    jobs.register({ name: 'broken', intervalMs: 60_000, run: async () => Promise.reject(new Error('no database')) });

    await expect(jobs.perform('broken')).rejects.toThrow('no database');
    expect(lines.filter((l) => l.event === 'job.failed').map((l) => l.job)).toEqual(['broken']);
  });

  it('stop waits for the run in progress, then no run starts: not from the timer, not from perform', async () => {
    jest.useFakeTimers();
    const { jobs } = runnerWithLog();
    const job = slowJob();
    jobs.register({ name: 'slow', intervalMs: 1000, jitter: 0, run: job.run });
    jobs.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(job.counts.active).toBe(1);

    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);

    job.gates[0].open();
    await stopping;
    expect(job.counts.active).toBe(0);
    await jest.advanceTimersByTimeAsync(5000);
    expect(job.counts.started).toBe(1);
    await expect(jobs.perform('slow')).rejects.toThrow(JobsStoppedError);
  });

  it('keeps every wait within the interval ± its jitter', async () => {
    jest.useFakeTimers();
    const { jobs } = runnerWithLog();
    const startedAt: number[] = [];
    jobs.register({ name: 'tick', intervalMs: 1000, jitter: 0.1, run: async () => void startedAt.push(Date.now()) });
    const random = jest.spyOn(Math, 'random');
    random.mockReturnValueOnce(0).mockReturnValueOnce(0.999_999);
    const startedTimersAt = Date.now();
    jobs.start();

    await jest.advanceTimersByTimeAsync(200_000);
    await jobs.stop();
    const waits = startedAt.map((at, i) => at - (i === 0 ? startedTimersAt : startedAt[i - 1]));
    expect(waits[0]).toBe(900);
    expect(waits[1]).toBeGreaterThanOrEqual(1099);
    expect(waits.length).toBeGreaterThan(150);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(900);
      expect(wait).toBeLessThanOrEqual(1100);
    }
    expect(new Set(waits).size).toBeGreaterThan(10);
  });

  it('refuses to perform a job it does not know, naming the ones it does', async () => {
    const { jobs } = runnerWithLog();
    jobs.register({ name: 'purge', intervalMs: 60_000, run: async () => undefined });

    await expect(jobs.perform('purg')).rejects.toThrow(UnknownJobError);
    await expect(jobs.perform('purg')).rejects.toThrow('no job named "purg" (the jobs are: purge)');
  });
});
