/** Messages between `npm run bench:reports` (bench/reports.ts) and the service process it measures (bench/reports-worker.ts). */
import type { PlatformRegistrationForTool } from '../dev-platform';
import type { MemoryFigures } from './measure';
import type { ExportsJob, ExportsResult } from './reports-exports';

/** The header that names a measured request; the service process files its server time under it. */
export const CASE_HEADER = 'x-bench-case';

/** What the service process needs to run the tool on the bench's database. */
export interface ServiceJob {
  port: number;
  mongodbUri: string;
  dataDir: string;
  appSecret: string;
  /** The development platform to register, as `platform add` would. */
  platform: PlatformRegistrationForTool;
  /** The platform's Canvas connection (the simulator), as `connection add` would; the cohort page never calls Canvas. */
  canvas: { url: string; token: string };
}

/** One request as the service saw it: from Node's `request` event to the response's `finish`. */
export interface ServerTiming {
  /** The `x-bench-case` header, or null for requests the bench did not name (the launch). */
  tag: string | null;
  /** The path without the session part (`/s/<id>`). */
  path: string;
  ms: number;
  status: number;
  bytes: number;
}

/** From `process.memoryUsage()`: `external` counts memory outside the JS heap that JS objects hold (Buffers among it). */
export interface ProcessMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface ServiceMemory {
  /** After a forced GC, once the service listened and before the first request. */
  baseline: ProcessMemory;
  /** Sampled every 50 ms from the baseline to the report (the launches and every request). */
  sampled: MemoryFigures;
  /** After a forced GC at the report: what the service keeps between requests (the grid and boards in memory among it). */
  settled: ProcessMemory;
}

export type ServiceCommand = { cmd: 'report' } | { cmd: 'exports'; job: ExportsJob } | { cmd: 'stop' };

export type ServiceReply =
  | { type: 'ready'; url: string; startMs: number }
  | { type: 'report'; timings: ServerTiming[]; memory: ServiceMemory }
  | { type: 'exports'; ok: true; result: ExportsResult }
  | { type: 'exports'; ok: false; error: string }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };
