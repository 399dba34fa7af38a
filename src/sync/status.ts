import { listStates, type CourseSyncState } from './store';
import { latestRuns, type SyncRun } from './runs';

const RUNS_SCANNED = 20;

/** One platform's courses and its recent runs; a run counts when it touched one of its courses. */
export async function syncStatusOf(platform: { issuer: string; clientId: string }, runLimit: number): Promise<{ courses: CourseSyncState[]; runs: SyncRun[] }> {
  const courses = (await listStates())
    .filter((s) => s.issuer === platform.issuer && s.clientId === platform.clientId)
    .sort((a, b) => a.cohort.localeCompare(b.cohort) || a.courseId.localeCompare(b.courseId));
  const ids = new Set(courses.map((c) => c._id));
  const runs = (await latestRuns(RUNS_SCANNED)).filter((run) => run.courses.some((c) => ids.has(c.course))).slice(0, runLimit);
  return { courses, runs };
}
