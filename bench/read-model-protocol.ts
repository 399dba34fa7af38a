/** Messages between `npm run bench:read-model` (bench/read-model.ts) and the process that runs one measured step (bench/read-model-worker.ts). */
import type { Distribution, MemoryFigures, StoreTargetFigures } from './measure';

interface JobBase {
  uri: string;
  dbName: string;
  cohort: string;
}

/** A full sync as production runs it: GraphQL path, the read model rebuilt by the sync's `afterCommit` hook. */
export interface SyncJob extends JobBase {
  kind: 'sync';
  canvas: { url: string; token: string };
  userAgent: string;
}

/**
 * One `refreshCohort`. `monitored` runs it with the driver's command monitoring, for the
 * breakdown of where the time goes; its time and memory are not counted with the others.
 */
export interface RefreshJob extends JobBase {
  kind: 'refresh';
  run: number;
  monitored: boolean;
}

/** Random page reads (pointer + page) and random participant reads, by a seeded random source. */
export interface ReadsJob extends JobBase {
  kind: 'reads';
  pageReads: number;
  participantReads: number;
  /** Extra reads made afterwards with command monitoring, to split store time from decoding. */
  monitoredReads: number;
  seed: number;
}

export type ReadModelJob = SyncJob | RefreshJob | ReadsJob;

export interface SyncOutcome {
  kind: 'sync';
  /** From the start of `run()` to its end, the hook included (as `openRuntime` wires it). */
  wallMs: number;
  /** The `afterCommit` hook alone: the first build of the cohort's read model. */
  hookMs: number | null;
  hookError: string | null;
  participants: number;
  paths: string[];
  apiCalls: number;
  throttled: number;
  errors: string[];
  memory: MemoryFigures;
}

export interface RefreshOutcome {
  kind: 'refresh';
  run: number;
  monitored: boolean;
  wallMs: number;
  /** CPU time (user + system) of the refreshing process while the clock ran. */
  cpuMs: number;
  memory: MemoryFigures;
  participants: number;
  pages: number;
  /** Documents in the generation the refresh wrote (participants, pages, rollups), counted after the clock stopped. */
  documents: number;
  /** With `monitored` only. */
  store: StoreTargetFigures | null;
  error: string | null;
}

export interface ReadsOutcome {
  kind: 'reads';
  pages: number;
  participants: number;
  /** `readPointer` + `readPage(pointer, n)`: what a cohort page or an export costs per 1,000 participants. */
  pageRead: Distribution;
  /** `readPointer` alone, timed inside each page read. */
  pointerRead: Distribution;
  /** `readPage` alone: one read by `_id` and the decoding of its 1,000 participants. */
  pageOnly: Distribution;
  /** `readParticipant`: pointer plus one document, both by `_id`. */
  participantRead: Distribution;
  /** The JSON of one page as stored (bytes in its Binary), mean over the pages. */
  pageBytes: number;
  /** From the monitored reads: the store's share (driver round trip) of a page read and of a participant read. */
  monitored: { pageFindMs: Distribution; participantFindMs: Distribution; pointerFindMs: Distribution } | null;
}

export type ReadModelOutcome = SyncOutcome | RefreshOutcome | ReadsOutcome;

/** `clock` marks the start and end of the timed step, so the driver can read the store's CPU time then. */
export type ReadModelReply = { type: 'clock'; at: 'start' | 'end' } | { type: 'result'; ok: true; result: ReadModelOutcome } | { type: 'result'; ok: false; error: string };
