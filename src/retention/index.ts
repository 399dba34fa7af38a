import type { Connections } from '../canvas/connections';
import { courseKeyId, type PlatformKey } from '../domain';
import type { Identities } from '../lti/identities';
import type { PlatformRegistry } from '../lti/platforms';
import type { CourseLinks } from '../programme';
import type { ReadModel } from '../progress/read-model';
import type { SessionStore } from '../sessions/store';
import type { SyncStore } from '../sync';

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


export interface PlatformRemoval {
  courses: string[];
  students: number;
  canvasConnection: boolean;
  sessions: number;
  /** Recorded Canvas user ids of the platform's people (see lti/identities). */
  identities: number;
  /** Audits, comments, audit scores, meeting records and reflections of the platform's people. */
  records: number;
}

export interface RetentionDeps {
  registry: Pick<PlatformRegistry, 'remove'>;
  sessions: Pick<SessionStore, 'deleteForPlatform'>;
  identities: Pick<Identities, 'deleteOf'>;
  connections: Pick<Connections, 'delete'>;
  links: Pick<CourseLinks, 'get' | 'list' | 'delete'>;
  sync: Pick<SyncStore, 'deleteCourseData'>;
  readModel: Pick<ReadModel, 'refreshCohort'>;
  /** What people wrote in the tool, kept under their platform's ids. */
  records: { deleteForPlatform(platform: PlatformKey): Promise<number> }[];
  /** What is worked out from those records (the group boards): dropped with them, rebuilt from what remains. */
  derived?: { deleteForPlatform(platform: PlatformKey): Promise<number> }[];
}

export class Retention {
  constructor(private readonly deps: RetentionDeps) {}

  /** Unlinks a course and deletes its synced progress; its cohort's read model follows. */
  async unlinkCourseAndData(platform: PlatformKey, courseId: string): Promise<UnlinkResult> {
    const { links, sync, readModel } = this.deps;
    const link = await links.get(platform, courseId);
    const unlinked = await links.delete(platform, courseId);
    if (!unlinked || !link) return { unlinked, students: 0 };
    const students = await sync.deleteCourseData(courseKeyId(platform, courseId));
    // The cohort's pages and exports must stop showing what was just deleted.
    await readModel.refreshCohort(link.cohort, { dropReplaced: true });
    return { unlinked, students };
  }

  /** Removes a platform with its deployments, Canvas connection, course links, synced progress and open sessions. */
  async removePlatformAndData(platform: PlatformKey): Promise<PlatformRemoval> {
    const deps = this.deps;
    // The registration goes first: from then on nobody can launch from it while the rest is deleted.
    await deps.registry.remove(platform.issuer, platform.clientId);
    const sessions = await deps.sessions.deleteForPlatform(platform.issuer, platform.clientId);
    const identities = await deps.identities.deleteOf(platform.issuer, platform.clientId);
    const canvasConnection = await deps.connections.delete(platform);
    const courses: string[] = [];
    let students = 0;
    for (const link of await deps.links.list(platform)) {
      students += (await this.unlinkCourseAndData(platform, link.courseId)).students;
      courses.push(link.courseId);
    }
    let records = 0;
    for (const kind of deps.records) records += await kind.deleteForPlatform(platform);
    for (const kind of deps.derived ?? []) await kind.deleteForPlatform(platform);
    return { courses, students, canvasConnection, sessions, identities, records };
  }
}
