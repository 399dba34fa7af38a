import type { PlatformKey } from '../domain';
import type { CourseSyncState, SyncStore } from './store';
import type { CourseRunResult, RunRecords, SyncRun } from './runs';

const RUNS_SCANNED = 20;

/** A run as one platform's admin sees it: its own courses and requests only, never another platform's. */
export interface PlatformRun {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  trigger: SyncRun['trigger'];
  courses: CourseRunResult[];
  participants: number;
  requests: number;
  throttled: number;
  errors: string[];
}

const ofPlatform = (platform: PlatformKey) => (x: PlatformKey) => x.issuer === platform.issuer && x.clientId === platform.clientId;

function narrow(run: SyncRun, platform: PlatformKey): PlatformRun {
  const courses = run.courses.filter(ofPlatform(platform));
  const requests = run.byPlatform.find(ofPlatform(platform));
  return {
    id: run._id,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    trigger: run.trigger,
    courses,
    participants: courses.reduce((sum, c) => sum + (c.students ?? 0), 0),
    requests: requests?.requests ?? 0,
    throttled: requests?.throttled ?? 0,
    errors: courses.filter((c) => c.status === 'failed').map((c) => `${c.courseId}: ${c.reason}`),
  };
}

/** One platform's courses and its recent runs; a run counts when it touched one of its courses. */
export async function syncStatusOf(stores: { sync: Pick<SyncStore, 'listStates'>; runs: Pick<RunRecords, 'latest'> }, platform: PlatformKey, runLimit: number): Promise<{ courses: CourseSyncState[]; runs: PlatformRun[] }> {
  const courses = (await stores.sync.listStates())
    .filter(ofPlatform(platform))
    .sort((a, b) => a.cohort.localeCompare(b.cohort) || a.courseId.localeCompare(b.courseId));
  const runs = (await stores.runs.latest(RUNS_SCANNED)).filter((run) => run.courses.some(ofPlatform(platform))).slice(0, runLimit);
  return { courses, runs: runs.map((run) => narrow(run, platform)) };
}
