import { setTimeout as delay } from 'node:timers/promises';
import { CanvasApi, CanvasError, type CanvasClient } from '../canvas';
import type { Logger } from '../log/logger';
import { platformKeyId, samePlatform, type PlatformKey } from '../domain';
import type { CourseLink, CourseLinks } from '../programme/links';
import { CourseUnlinkedError, syncCourse, type CourseSyncOptions } from './course-sync';
import { LeaseLostError, takeoverBoundMs, type Leases } from './lease';
import { emptyState, type CourseSyncState, type SyncStore } from './store';
import { newRunId, type CourseRunResult, type RunRecords, type SyncRun } from './runs';
import { syncStatusOf, type PlatformRun } from './status';

export interface SyncProgress {
  courseId: string;
  done: number;
  total: number;
}

export interface SyncRequest {
  full?: boolean;
  exact?: boolean;
  courseId?: string;
  /** Only these linked courses (their keys), e.g. those another instance held. */
  courses?: readonly string[];
  /** With `courseId`: only that platform's course of that id. */
  platform?: PlatformKey;
  trigger: SyncRun['trigger'];
  onProgress?: (progress: SyncProgress) => void;
  onCourseDone?: (result: CourseRunResult) => void;
}

/** What the sync reads and writes. */
export interface SyncStores {
  sync: SyncStore;
  runs: RunRecords;
  leases: Leases;
  links: Pick<CourseLinks, 'get'>;
}

export interface SyncDeps {
  logger: Logger;
  stores: SyncStores;
  listLinks: () => Promise<CourseLink[]>;
  /** A Canvas client for the platform, or null when no connection is configured. */
  clientFor: (platform: { issuer: string; clientId: string }) => Promise<CanvasClient | null>;
  now?: () => number;
  leaseSlotMs?: number;
  /**
   * Called once a run has committed new generations, with the cohorts they belong to, so the
   * read model the pages and exports read follows (the composition root wires it; the sync
   * does not depend on what is built from its data).
   */
  afterCommit?: (cohorts: string[]) => Promise<void>;
}

/** Reconcile: a scheduled incremental run becomes full once a day, catching what counts can't show. */
export const RECONCILE_AFTER_MS = 24 * 3600 * 1000;
/** What a course another instance holds is skipped with (OnDemandSyncs tells people so). */
export const LEASE_HELD = 'another instance is syncing this course';
/**
 * How many times a scheduled run goes back to courses another instance held, one takeover bound
 * apart: a holder that died is then replaced within that bound, not at the next interval.
 */
const HELD_RETRIES = 3;
/** Courses share one client per platform, whose limiter caps the requests in flight. */
const COURSES_IN_PARALLEL = 4;

function platformKey(link: CourseLink): string {
  return platformKeyId(link);
}

/** Each platform's client for one run, created when its first course needs it. */
type RunClients = Map<string, { platform: PlatformKey; client: Promise<CanvasClient | null> }>;

async function settledClients(clients: RunClients): Promise<{ platform: PlatformKey; client: CanvasClient | null }[]> {
  return Promise.all([...clients.values()].map(async ({ platform, client }) => ({ platform, client: await client })));
}

function explain(error: unknown): string {
  if (error instanceof CanvasError) return error.message;
  if (error instanceof LeaseLostError) return 'another instance took over this course';
  return 'unexpected error (see the service log)';
}

async function recordFailure(stores: SyncStores, link: CourseLink, reason: string, now: Date): Promise<void> {
  // A course unlinked meanwhile has no pointer to keep, and must not get one back.
  if (!(await stores.links.get(link, link.courseId))) return;
  const state = (await stores.sync.readState(link._id)) ?? emptyState({ _id: link._id, issuer: link.issuer, clientId: link.clientId, courseId: link.courseId, programme: link.programme, cohort: link.cohort });
  await stores.sync.saveState({ ...state, lastAttemptAt: now, lastError: reason });
}

/**
 * Runs syncs over the linked courses: one lease per course, so several app instances can run
 * side by side; a course that fails (401, 404, Canvas down) is recorded and the others go on.
 */
export class SyncService {
  private readonly now: () => number;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: SyncDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run(request: SyncRequest): Promise<SyncRun> {
    const links = (await this.deps.listLinks()).filter((l) => (!request.courseId || l.courseId === request.courseId) && (!request.platform || samePlatform(l, request.platform)) && (!request.courses || request.courses.includes(l._id)));
    const run: SyncRun = {
      _id: newRunId(new Date(this.now())),
      startedAt: new Date(this.now()),
      finishedAt: null,
      trigger: request.trigger,
      options: { full: !!request.full, exact: !!request.exact, course: request.courseId ?? null },
      courses: [],
      participants: 0,
      apiCalls: {},
      requests: 0,
      retries: 0,
      throttled: 0,
      byPlatform: [],
      errors: [],
    };
    await this.deps.stores.runs.recordStart(run);
    const clients: RunClients = new Map();
    const options: CourseSyncOptions = { full: !!request.full, exact: !!request.exact, reconcileAfterMs: request.trigger === 'schedule' ? RECONCILE_AFTER_MS : undefined };
    const queue = [...links];
    const worker = async () => {
      for (let link = queue.shift(); link; link = queue.shift()) {
        const result = await this.runCourse(link, run._id, options, clients, request);
        run.courses.push(result);
        request.onCourseDone?.(result);
      }
    };
    await Promise.all(Array.from({ length: COURSES_IN_PARALLEL }, worker));
    try {
      await this.afterCommit(links, run);
    } finally {
      this.deps.stores.sync.forgetWritten();
    }
    this.finish(run, await settledClients(clients));
    await this.deps.stores.runs.recordEnd(run);
    this.deps.logger.info({ event: 'sync.finished', runId: run._id, courses: run.courses.length, participants: run.participants, requests: run.requests, throttled: run.throttled, errors: run.errors.length }, 'sync finished');
    return run;
  }

  /** A failure here leaves the synced data stored and current; the next run or `progress rebuild` catches up. */
  private async afterCommit(links: CourseLink[], run: SyncRun): Promise<void> {
    const synced = new Set(run.courses.filter((c) => c.status === 'synced').map((c) => c.course));
    const cohorts = [...new Set(links.filter((l) => synced.has(l._id)).map((l) => l.cohort))];
    if (!this.deps.afterCommit || cohorts.length === 0) return;
    try {
      await this.deps.afterCommit(cohorts);
    } catch (error) {
      this.deps.logger.error({ event: 'sync.after_commit_failed', runId: run._id, err: error }, 'updating the read model after the sync failed');
    }
  }

  /** One client per platform per run, shared by its courses, so the limiter and stats see all calls. */
  private client(link: CourseLink, clients: RunClients): Promise<CanvasClient | null> {
    const key = platformKey(link);
    let entry = clients.get(key);
    if (!entry) {
      entry = { platform: { issuer: link.issuer, clientId: link.clientId }, client: this.deps.clientFor(link) };
      clients.set(key, entry);
    }
    return entry.client;
  }

  private async runCourse(link: CourseLink, runId: string, options: CourseSyncOptions, clients: RunClients, request: SyncRequest): Promise<CourseRunResult> {
    const base = { course: link._id, issuer: link.issuer, clientId: link.clientId, courseId: link.courseId };
    const client = await this.client(link, clients);
    if (!client) {
      await recordFailure(this.deps.stores, link, 'no Canvas connection for this platform', new Date(this.now()));
      return { ...base, status: 'failed', reason: 'no Canvas connection for this platform (run `ecf-progress canvas connect`)' };
    }
    const lease = await this.deps.stores.leases.acquire(link._id, { slotMs: this.deps.leaseSlotMs, now: this.now });
    if (!lease) return { ...base, status: 'skipped', reason: LEASE_HELD };
    try {
      const result = await syncCourse(
        { store: this.deps.stores.sync, links: this.deps.stores.links, api: new CanvasApi(client), link, runId, now: this.now, onProgress: (p) => request.onProgress?.({ courseId: link.courseId, ...p }), assertLease: () => lease.assertHeld() },
        options,
      );
      if (result.path === 'graphql' && result.readByRest > 0) {
        this.deps.logger.warn({ event: 'sync.read_by_rest', course: link.courseId, students: result.readByRest }, 'GraphQL could not settle some students; they were read through REST');
      }
      return { ...base, status: 'synced', mode: result.mode, path: result.path, students: result.students, fetched: result.fetched, readByRest: result.readByRest };
    } catch (error) {
      if (error instanceof CourseUnlinkedError) return { ...base, status: 'skipped', reason: 'unlinked during the sync; nothing written' };
      const reason = explain(error);
      this.deps.logger.warn({ event: 'sync.course_failed', course: link.courseId, err: error instanceof CanvasError ? { kind: error.name, message: error.message } : error }, 'course sync failed');
      await recordFailure(this.deps.stores, link, reason, new Date(this.now()));
      return { ...base, status: 'failed', reason };
    } finally {
      await lease.release();
    }
  }

  private finish(run: SyncRun, clients: { platform: PlatformKey; client: CanvasClient | null }[]): void {
    run.finishedAt = new Date(this.now());
    run.participants = run.courses.reduce((sum, c) => sum + (c.students ?? 0), 0);
    run.errors = run.courses.filter((c) => c.status === 'failed').map((c) => `${c.courseId}: ${c.reason}`);
    for (const { platform, client } of clients) {
      if (!client) continue;
      const stats = client.stats();
      for (const [endpoint, calls] of Object.entries(stats.calls)) run.apiCalls[endpoint] = (run.apiCalls[endpoint] ?? 0) + calls;
      run.requests += stats.requests;
      run.retries += stats.retries;
      run.throttled += stats.throttled;
      run.byPlatform.push({ ...platform, requests: stats.requests, retries: stats.retries, throttled: stats.throttled });
    }
  }

  /**
   * The scheduled sync job's run: incremental, full once a day (see RECONCILE_AFTER_MS), then
   * old lease slots are cleared. The job runner keeps runs in this process from overlapping.
   */
  async runScheduled(): Promise<void> {
    let run = await this.run({ trigger: 'schedule' });
    for (let retry = 0; retry < HELD_RETRIES; retry += 1) {
      const held = run.courses.filter((c) => c.status === 'skipped' && c.reason === LEASE_HELD).map((c) => c.course);
      if (held.length === 0) break;
      // A live holder keeps its courses and they are skipped again; a dead one's are free by then.
      if (!(await this.pause(takeoverBoundMs(this.deps.leaseSlotMs)))) break;
      run = await this.run({ trigger: 'schedule', courses: held });
    }
    await this.deps.stores.leases.purgeOld();
  }

  /** Ends the waits between a scheduled run's retries, for shutdown; a run under way finishes. */
  stop(): void {
    this.stopping.abort();
  }

  /** Waits `ms`; false when `stop` came first. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await delay(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch (error) {
      if (this.stopping.signal.aborted) return false;
      throw error;
    }
  }

  /** One platform's courses and its recent runs (see `syncStatusOf`). */
  statusOf(platform: PlatformKey, runLimit: number): Promise<{ courses: CourseSyncState[]; runs: PlatformRun[] }> {
    return syncStatusOf(this.deps.stores, platform, runLimit);
  }
}
