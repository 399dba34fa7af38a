/** Messages between the bench (bench/sync.ts) and the process that runs one measured sync (bench/run-worker.ts). */
import type { RunKind, RunResult } from './report';

export interface RunJob {
  kind: RunKind;
  label: string;
  size: number;
  /** Students the run should fetch (all, or those changed before an incremental run), for progress lines. */
  expectedStudents: number;
  uri: string;
  dbName: string;
  canvas: { url: string; token: string };
  userAgent: string;
}

/** What the run process measured; the bench adds simulator stats and the correctness check. */
export type RunMeasurement = Omit<RunResult, 'id' | 'kind' | 'label' | 'size' | 'changed' | 'simulator' | 'correctness' | 'cpu'> & { syncCpuMs: number };

/** `clock` marks the start and end of the timed run, so the bench can read the other processes' CPU time then. */
export type RunReply = { type: 'clock'; at: 'start' | 'end' } | { type: 'result'; ok: true; result: RunMeasurement } | { type: 'result'; ok: false; error: string };
