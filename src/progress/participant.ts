import { courseLinkId } from '../programme/links';
import { readState, readStudent, type CourseSyncState, type StudentRecord } from '../sync';

/**
 * A participant's own synced row in the course they launched from: one pointer and one
 * bucket read by `_id`. Null until that course has been linked and synced with them in it.
 */
export async function participantProgress(platform: { issuer: string; clientId: string }, canvasCourseId: string, canvasUserId: string): Promise<{ state: CourseSyncState; student: StudentRecord } | null> {
  const state = await readState(courseLinkId(platform, canvasCourseId));
  const student = state ? await readStudent(state, canvasUserId) : null;
  return state && student ? { state, student } : null;
}
