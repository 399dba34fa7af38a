import { deleteConnection } from '../canvas/connections';
import { courseKeyId, type PlatformKey } from '../domain';
import { deleteIdentitiesOf } from '../lti/identities';
import type { PlatformRegistry } from '../lti/platforms';
import { getCourseLink, listCourseLinks, unlinkCourse } from '../programme';
import { refreshCohort } from '../progress/read-model';
import type { SessionStore } from '../sessions/store';
import { deleteCourseData } from '../sync';

/**
 * What the tool keeps about people goes when the reason to keep it goes: an unlinked course's
 * synced progress, and everything a removed platform brought in. Synced data can always be
 * fetched again from Canvas; only the first-seen times of completions are lost with it.
 */

export interface UnlinkResult {
  unlinked: boolean;
  /** Students whose synced progress was deleted. */
  students: number;
}

export async function unlinkCourseAndData(platform: PlatformKey, courseId: string): Promise<UnlinkResult> {
  const link = await getCourseLink(platform, courseId);
  const unlinked = await unlinkCourse(platform, courseId);
  if (!unlinked || !link) return { unlinked, students: 0 };
  const students = await deleteCourseData(courseKeyId(platform, courseId));
  // The cohort's pages and exports must stop showing what was just deleted.
  await refreshCohort(link.cohort);
  return { unlinked, students };
}

export interface PlatformRemoval {
  courses: string[];
  students: number;
  canvasConnection: boolean;
  sessions: number;
  /** Recorded Canvas user ids of the platform's people (see lti/identities). */
  identities: number;
}

/** Removes a platform with its deployments, Canvas connection, course links, synced progress and open sessions. */
export async function removePlatformAndData(deps: { registry: PlatformRegistry; sessions: SessionStore }, platform: PlatformKey): Promise<PlatformRemoval> {
  // The registration goes first: from then on nobody can launch from it while the rest is deleted.
  await deps.registry.remove(platform.issuer, platform.clientId);
  const sessions = await deps.sessions.deleteForPlatform(platform.issuer, platform.clientId);
  const identities = await deleteIdentitiesOf(platform.issuer, platform.clientId);
  const canvasConnection = await deleteConnection(platform);
  const courses: string[] = [];
  let students = 0;
  for (const link of await listCourseLinks(platform)) {
    students += (await unlinkCourseAndData(platform, link.courseId)).students;
    courses.push(link.courseId);
  }
  return { courses, students, canvasConnection, sessions, identities };
}
