import { CanvasClient } from '../canvas';
import { canvasUserAgent, getConnection } from '../canvas/connections';
import type { Config } from '../config/env';
import type { Secrets } from '../config/secrets';
import type { Logger } from '../log/logger';
import { listCourseLinks } from '../programme/links';
import { SyncService, type SyncDeps } from './service';

export { SyncService, type SyncProgress, type SyncRequest } from './service';
export { latestRuns, type SyncRun, type CourseRunResult } from './runs';
export { syncStatusOf, type PlatformRun } from './status';
export { deleteCourseData, listStates, readState, readStudent, readStudents, type CourseSyncState, type StudentRecord } from './store';
export { Lease } from './lease';

/** The sync as the service and the CLI run it: linked courses, each platform's stored Canvas connection. */
export function createSyncService(runtime: { config: Config; secrets: Secrets; logger: Logger }, hooks: Pick<SyncDeps, 'afterCommit'> = {}): SyncService {
  return new SyncService({
    ...hooks,
    logger: runtime.logger,
    listLinks: () => listCourseLinks(),
    leaseSlotMs: runtime.config.syncLeaseSlotMs,
    clientFor: async (platform) => {
      const connection = await getConnection(runtime, platform);
      return connection ? new CanvasClient({ ...connection, userAgent: canvasUserAgent(runtime.config) }) : null;
    },
  });
}
