/**
 * The child processes a bench started (measured runs, the compiled CLI, the build), so that a
 * failed or interrupted bench leaves none of them behind: each is killed by its own pid when
 * the bench exits, and any that outlives its time limit is killed then.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { WorkerReply } from './run-protocol';

const live = new Set<ChildProcess>();

function killLive(): void {
  for (const child of live) child.kill('SIGKILL');
}

process.on('exit', killLive);

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the bench killed the child for running past its time limit. */
  timedOut: boolean;
}

/**
 * Watches a started child until it exits.
 * @param timeoutMs after this the child is killed and `timedOut` is set.
 * @returns when the child has exited and its output streams have closed.
 */
export function watchChild(child: ChildProcess, timeoutMs: number): Promise<Finished> {
  live.add(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, timedOut });
    });
  });
}

/**
 * Runs one job in a fresh `tsx` process (a bench worker that calls `serveOneJob`).
 * @param onClock told when the worker starts and stops its clock.
 * @throws the worker's error, or why it ended without a result.
 */
export async function forkJob<T>(file: string, job: object, opts: { execArgv?: string[]; timeoutMs: number; onClock?: (at: 'start' | 'end') => void }): Promise<T> {
  const child = fork(path.join(__dirname, file), [], { execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const seen: { reply?: WorkerReply<T> } = {};
  child.on('message', (message: WorkerReply<T>) => {
    if (message.type === 'clock') opts.onClock?.(message.at);
    else seen.reply = message;
  });
  child.send(job);
  const finished = await watchChild(child, opts.timeoutMs);
  const reply = seen.reply;
  if (reply?.type === 'result' && reply.ok) return reply.result;
  if (reply?.type === 'result') throw new Error(reply.error);
  throw new Error(`${file} ended without a result (${finished.timedOut ? 'killed after its time limit' : (finished.signal ?? `exit code ${finished.code}`)})`);
}
