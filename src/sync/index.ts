import { CanvasClient } from '../canvas';
import { canvasUserAgent, type Connections } from '../canvas/connections';
import type { Config } from '../config/env';
import type { Logger } from '../log/logger';
import type { CourseLinks } from '../programme/links';
import { SyncService, type SyncDeps, type SyncStores } from './service';

export { SyncService, type SyncDeps, type SyncProgress, type SyncRequest, type SyncStores } from './service';
export { RunRecords, type SyncRun, type CourseRunResult } from './runs';
export { syncStatusOf, type PlatformRun } from './status';
export { SyncStore, bucketOf, type CourseSyncState, type StudentRecord } from './store';
export { Lease, Leases } from './lease';
export { OnDemandSyncs, type OnDemandActivity } from './on-demand';

/** The sync as the service and the CLI run it: linked courses, each platform's stored Canvas connection. */
export function createSyncService(
  deps: { config: Config; logger: Logger; stores: SyncStores & { links: Pick<CourseLinks, 'list' | 'get'>; connections: Pick<Connections, 'get'> } },
  hooks: Pick<SyncDeps, 'afterCommit'> = {},
): SyncService {
  const { config, logger, stores } = deps;
  return new SyncService({
    ...hooks,
    logger,
    stores,
    listLinks: () => stores.links.list(),
    leaseSlotMs: config.syncLeaseSlotMs,
    clientFor: async (platform) => {
      const connection = await stores.connections.get(platform);
      return connection ? new CanvasClient({ ...connection, userAgent: canvasUserAgent(config) }) : null;
    },
  });
}
