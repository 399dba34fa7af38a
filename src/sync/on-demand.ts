import { courseKeyId, type PlatformKey } from '../domain';
import type { Logger } from '../log/logger';
import { LEASE_HELD, type SyncService } from './service';

/** What this instance knows of a sync of one course that a person asked for. */
export type OnDemandActivity =
  | { kind: 'running'; startedAt: Date; done: number; total: number | null }
  | { kind: 'synced'; at: Date; students: number }
  /** Another instance (or this one's scheduled sync) held the course's lease. */
  | { kind: 'busy'; at: Date }
  | { kind: 'failed'; at: Date; reason: string };

/** How long a finished sync is still told ("Synced just now"); after that the course's stored state says it all. */
const KEEP_FINISHED_MS = 15 * 60_000;
/**
 * How long "already running" is told: this instance cannot see when the other holder ends
 * (its run may have started before ours was refused, so the stored state cannot tell either).
 */
const KEEP_BUSY_MS = 2 * 60_000;


/**
 * Syncs of single courses started by a person ("Sync now" on the admin page): the same leased
 * run as the schedule's, started in the background so the request answers at once, with its
 * progress kept in this process's memory for the page to show. In memory on purpose: progress
 * changes many times a second and is worth nothing after the run, and a store write per step
 * would cost more than the sync itself on FerretDB. Another instance's page does not see it;
 * it sees the course's stored state when the run ends.
 */
export class OnDemandSyncs {
  private readonly activity = new Map<string, OnDemandActivity>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly sync: Pick<SyncService, 'run'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Starts a full sync of one linked course, unless this instance is already running one for
   * it; returns at once. Full, because a person presses "Sync now" when something looks wrong,
   * and a full run also catches what Canvas's counts cannot show.
   * @returns false when a sync this instance started is still running.
   */
  start(platform: PlatformKey, courseId: string): boolean {
    const key = courseKeyId(platform, courseId);
    if (this.running.has(key)) return false;
    this.activity.set(key, { kind: 'running', startedAt: new Date(this.now()), done: 0, total: null });
    const run = this.sync
      .run({
        trigger: 'admin',
        full: true,
        courseId,
        platform,
        onProgress: ({ done, total }) => {
          const current = this.activity.get(key);
          if (current?.kind === 'running') this.activity.set(key, { ...current, done, total });
        },
      })
      .then((result) => {
        const course = result.courses.find((c) => c.course === key);
        const at = new Date(this.now());
        if (!course) this.activity.set(key, { kind: 'failed', at, reason: 'the course is no longer linked' });
        else if (course.status === 'synced') this.activity.set(key, { kind: 'synced', at, students: course.students ?? 0 });
        else if (course.status === 'skipped' && course.reason === LEASE_HELD) this.activity.set(key, { kind: 'busy', at });
        else this.activity.set(key, { kind: 'failed', at, reason: course.reason ?? 'unknown reason' });
        this.logger.info({ event: 'sync.on_demand_finished', runId: result._id, course: courseId, status: course?.status ?? 'unlinked' }, 'sync asked for by an admin finished');
      })
      .catch((error: unknown) => {
        this.activity.set(key, { kind: 'failed', at: new Date(this.now()), reason: 'unexpected error (see the service log)' });
        this.logger.error({ err: error, event: 'sync.on_demand_failed', course: courseId }, 'sync asked for by an admin failed');
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
    return true;
  }

  /** What this instance knows of a sync of the course asked for lately; null when nothing. */
  activityOf(platform: PlatformKey, courseId: string): OnDemandActivity | null {
    const key = courseKeyId(platform, courseId);
    const found = this.activity.get(key) ?? null;
    if (found && found.kind !== 'running' && this.now() - found.at.getTime() > (found.kind === 'busy' ? KEEP_BUSY_MS : KEEP_FINISHED_MS)) {
      this.activity.delete(key);
      return null;
    }
    return found;
  }

  /** Resolves when every sync under way has ended: for shutdown, and for tests. */
  async settled(): Promise<void> {
    await Promise.all(this.running.values());
  }
}
