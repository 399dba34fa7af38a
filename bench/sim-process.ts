import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SimulatorStats } from '../canvas-sim';
import type { CohortSpec, CourseTruth, ExpectedCourse, SimRequest, SimResponse, SimStarted, SimStudent } from './sim-protocol';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Command = SimRequest extends infer R ? (R extends SimRequest ? Omit<R, 'id'> : never) : never;

/** The Canvas simulator running in a child process (bench/sim-worker.ts), with its controls. */
export class SimProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: SimResponse) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new Error(`simulator: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`the simulator process exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  static async spawn(): Promise<SimProcess> {
    // graphql-js skips its development-only checks in production mode, as a real GraphQL server runs.
    const child = fork(path.join(__dirname, 'sim-worker.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return new SimProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private call<T>(command: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...command, id } as SimRequest);
    });
  }

  start(spec: CohortSpec): Promise<SimStarted> {
    return this.call({ cmd: 'start', spec });
  }

  stats(): Promise<SimulatorStats> {
    return this.call({ cmd: 'stats' });
  }

  resetStats(): Promise<void> {
    return this.call({ cmd: 'resetStats' });
  }

  changeStudents(courseId: string, fraction: number, seed: number | string): Promise<string[]> {
    return this.call({ cmd: 'changeStudents', courseId, fraction, seed });
  }

  expected(): Promise<ExpectedCourse[]> {
    return this.call({ cmd: 'expected' });
  }

  /** Module percentages and overall per active student of each course (canvas-sim/expected.ts). */
  truth(): Promise<CourseTruth[]> {
    return this.call({ cmd: 'truth' });
  }

  /** Each course's active students, to write a roster from. */
  students(): Promise<{ courseId: string; students: SimStudent[] }[]> {
    return this.call({ cmd: 'students' });
  }

  rss(): Promise<number> {
    return this.call({ cmd: 'memory' });
  }

  stop(): Promise<void> {
    return this.call({ cmd: 'stop' });
  }

  /** Stops the simulator and ends the child process. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.stop().catch(() => undefined);
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
