import crypto from 'node:crypto';
import type { Store } from '../db/store';

export interface CourseRunResult {
  course: string;
  issuer: string;
  clientId: string;
  courseId: string;
  status: 'synced' | 'skipped' | 'failed';
  mode?: 'full' | 'incremental';
  path?: 'graphql' | 'rest';
  students?: number;
  fetched?: number;
  /** Of those fetched, how many were read one by one through REST (all of them on the REST path). */
  readByRest?: number;
  reason?: string;
}

/** Canvas requests one platform's client made in a run. */
export interface PlatformRequests {
  issuer: string;
  clientId: string;
  requests: number;
  retries: number;
  throttled: number;
}

/** One sync run, written once at the start and once at the end by the one process that ran it. */
export interface SyncRun {
  _id: string;
  startedAt: Date;
  finishedAt: Date | null;
  trigger: 'cli' | 'schedule' | 'demo' | 'test' | 'launch' | 'admin';
  options: { full: boolean; exact: boolean; course: string | null };
  courses: CourseRunResult[];
  participants: number;
  apiCalls: Record<string, number>;
  requests: number;
  retries: number;
  throttled: number;
  /** The request counts split by platform, so each platform's admin sees only its own. */
  byPlatform: PlatformRequests[];
  errors: string[];
}

/** Time-ordered ids, so the latest runs sort last by `_id` alone. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString()}-${crypto.randomBytes(3).toString('hex')}`;
}

/** The sync runs, in `ecf_sync_runs`. */
export class RunRecords {
  constructor(private readonly store: Store) {}

  private get runs() {
    return this.store.collection<SyncRun>('sync_runs');
  }

  async recordStart(run: SyncRun): Promise<void> {
    await this.runs.insertOne(run);
  }

  async recordEnd(run: SyncRun): Promise<void> {
    await this.runs.replaceOne({ _id: run._id }, run);
  }

  async latest(limit: number): Promise<SyncRun[]> {
    return this.runs.find({}).sort({ _id: -1 }).limit(limit).toArray();
  }
}
