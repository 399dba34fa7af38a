import { courseKeyId } from '../domain';
import type { CourseLinks } from '../programme/links';
import type { ProgrammeProgress } from './cohort-model';
import type { ReadModel } from './read-model';

/** A participant's own figures, for their page. */
export class OwnProgress {
  constructor(
    private readonly links: Pick<CourseLinks, 'get'>,
    private readonly readModel: Pick<ReadModel, 'readParticipant'>,
  ) {}

  /**
   * A participant's own figures in the course they launched from, from the read model: the course
   * link, the cohort's pointer and the participant's document, each read by `_id`. Null until
   * that course has been linked and synced with them in it.
   */
  async participantProgress(platform: { issuer: string; clientId: string }, canvasCourseId: string, canvasUserId: string): Promise<ProgrammeProgress | null> {
    const link = await this.links.get(platform, canvasCourseId);
    if (!link) return null;
    const progress = (await this.readModel.readParticipant(link.cohort, `canvas:${canvasUserId}`))?.progress;
    return progress?.courseKey === courseKeyId(platform, canvasCourseId) ? progress : null;
  }
}
