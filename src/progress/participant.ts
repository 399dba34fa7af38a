import { courseKeyId } from '../domain';
import { getCourseLink } from '../programme/links';
import type { ProgrammeProgress } from './cohort-model';
import { readParticipant } from './read-model';

/**
 * A participant's own figures in the course they launched from, from the read model: the course
 * link, the cohort's pointer and the participant's document, each read by `_id`. Null until
 * that course has been linked and synced with them in it.
 */
export async function participantProgress(platform: { issuer: string; clientId: string }, canvasCourseId: string, canvasUserId: string): Promise<ProgrammeProgress | null> {
  const link = await getCourseLink(platform, canvasCourseId);
  if (!link) return null;
  const progress = (await readParticipant(link.cohort, `canvas:${canvasUserId}`))?.progress;
  return progress?.courseKey === courseKeyId(platform, canvasCourseId) ? progress : null;
}
