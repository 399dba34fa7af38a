import type { PlatformKey } from '../domain';
import type { Logger } from '../log/logger';
import type { SyncService } from '../sync';

export interface RefreshSettings {
  /** Figures older than this are refreshed when their owner opens the tool; 0: never. */
  maxAgeMs: number;
  /** How long a page may wait for the refresh before it shows what it has. */
  budgetMs: number;
}

/**
 * Refreshes a participant's figures from Canvas when they open the tool and the figures are
 * stale: an incremental sync of their course (leased, so a crowd launching at once starts one
 * run, and cheap: only students Canvas reports as changed are read). It never blocks a page;
 * the page polls for fresher figures for at most the budget.
 */
export class OwnDataRefresh {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly sync: Pick<SyncService, 'run'>,
    private readonly settings: RefreshSettings,
    private readonly logger: Logger,
  ) {}

  get budgetMs(): number {
    return this.settings.budgetMs;
  }

  isStale(dataAsOf: string | null, now = Date.now()): boolean {
    if (this.settings.maxAgeMs === 0) return false;
    return dataAsOf === null || now - Date.parse(dataAsOf) > this.settings.maxAgeMs;
  }

  /** Resolves when every refresh under way has ended: for shutdown, and for tests. */
  async settled(): Promise<void> {
    await Promise.all(this.running.values());
  }

  /** Starts (or joins) a refresh of the course when the figures are stale; true when one is under way. */
  refreshIfStale(platform: PlatformKey, courseId: string | null, dataAsOf: string | null): boolean {
    if (!courseId || !this.isStale(dataAsOf)) return false;
    const key = JSON.stringify([platform.issuer, platform.clientId, courseId]);
    if (!this.running.has(key)) {
      const started = Date.now();
      const run = this.sync
        .run({ trigger: 'launch', courseId, platform })
        .then((result) => {
          const ms = Date.now() - started;
          this.logger.info({ event: 'own_data.refreshed', runId: result._id, ms, withinBudget: ms <= this.settings.budgetMs }, 'figures refreshed on launch');
        })
        .catch((error: unknown) => this.logger.error({ err: error, event: 'own_data.refresh_failed' }, 'refreshing figures on launch failed'))
        .finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
    return true;
  }
}
