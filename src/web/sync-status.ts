import { formatMoment } from './format';
import type { CourseSyncState, PlatformRun } from '../sync';

export interface CourseSyncPresentation {
  courseId: string;
  programme: string;
  cohort: string;
  students: number;
  lastSync: string;
  age: string;
  fresh: boolean;
  error: string | null;
}

function ageText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

/** A course is fresh when its last good sync is within two sync intervals (or a day when the schedule is off). */
export function presentCourseSync(state: CourseSyncState, intervalMs: number, now = Date.now()): CourseSyncPresentation {
  const freshWithin = intervalMs > 0 ? 2 * intervalMs : 24 * 3600 * 1000;
  const age = state.syncedAt ? now - state.syncedAt.getTime() : null;
  return {
    courseId: state.courseId,
    programme: state.programme === 'ect' ? 'ECT' : 'Mentor',
    cohort: state.cohort,
    students: state.studentCount,
    lastSync: state.syncedAt ? formatMoment(state.syncedAt) : 'never',
    age: age === null ? 'never synced' : ageText(age),
    fresh: age !== null && age <= freshWithin,
    error: state.lastError,
  };
}

export function presentRun(run: PlatformRun) {
  const seconds = run.finishedAt ? ((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1) : null;
  return {
    id: run.id,
    started: formatMoment(run.startedAt),
    trigger: run.trigger,
    duration: seconds ? `${seconds} s` : 'running',
    courses: run.courses.length,
    participants: run.participants,
    requests: run.requests,
    throttled: run.throttled,
    errors: run.errors.length,
  };
}
