import { personKeyId, type PlatformKey, type Programme } from '../domain';
import type { GroupFacilitators } from '../people';
import type { CourseLinks } from '../programme';
import type { ParticipantProgress } from '../progress/cohort-model';
import type { ReadModel } from '../progress/read-model';
import type { ToolSession } from '../sessions/store';

/** Who is looking, worked out from the launch alone: never from a parameter of the request. */
export interface Viewer {
  session: ToolSession;
  platform: PlatformKey;
  /** The cohort of the course they launched from; null when that course is not linked. */
  cohort: string | null;
  kind: 'ect' | 'mentor' | 'facilitator' | 'admin' | 'school' | 'unknown';
  /** Their own records' key: null without a Canvas user id. */
  ownerId: string | null;
  /** Their own entry in the cohort's read model; null until the roster or a sync knows them. */
  self: ParticipantProgress | null;
  /** A facilitator's groups in the cohort (`groups import`); null for everyone else. */
  groups: string[] | null;
  /** A school session's URN; null for everyone else. */
  school: string | null;
}

/** Someone whose records a viewer may read, with the key their records are kept under. */
export interface Readable {
  participant: ParticipantProgress;
  ownerId: string;
  /** The viewer is this person's mentor (may comment and record meetings). */
  asMentor: boolean;
  /** The viewer is this person. */
  asSelf: boolean;
}

const samePlatformCourse = (platform: PlatformKey, courseKey: string) => {
  const [issuer, clientId] = JSON.parse(courseKey) as string[];
  return issuer === platform.issuer && clientId === platform.clientId;
};

/**
 * The access rules of every participant page, in one place:
 * - an ECT reads their own records;
 * - a mentor reads their own and their ECTs' (the roster's mentor email, as the read model pairs them);
 * - a facilitator reads the participants of their groups (`groups import`) in the cohort of the
 *   course they launched from; an admin reads everyone in that cohort.
 * Whoever is read must be in that cohort on the viewer's own platform: a Canvas user id means
 * nothing on another platform.
 */
export class ParticipantAccess {
  constructor(
    private readonly links: Pick<CourseLinks, 'get'>,
    private readonly readModel: Pick<ReadModel, 'readParticipant'>,
    private readonly groups: Pick<GroupFacilitators, 'groupsOf'>,
  ) {}

  async viewerOf(session: ToolSession): Promise<Viewer> {
    const platform = { issuer: session.issuer, clientId: session.clientId };
    const link = session.canvasCourseId ? await this.links.get(platform, session.canvasCourseId) : null;
    const cohort = link?.cohort ?? null;
    const ownerId = session.canvasUserId ? personKeyId(platform, session.canvasUserId) : null;
    const self = cohort && session.canvasUserId && session.role === 'participant' ? await this.ownEntry(cohort, platform, session.canvasUserId) : null;
    const kind: Viewer['kind'] = session.role !== 'participant' ? session.role : (session.programme ?? 'unknown');
    const groups = kind === 'facilitator' && cohort ? await this.groups.groupsOf(session.emailDigest ?? null, cohort) : null;
    const school = kind === 'school' ? (session.schoolUrn ?? null) : null;
    return { session, platform, cohort, kind, ownerId, self, groups, school };
  }

  private async ownEntry(cohort: string, platform: PlatformKey, canvasUserId: string): Promise<ParticipantProgress | null> {
    const entry = await this.readModel.readParticipant(cohort, `canvas:${canvasUserId}`);
    return entry && this.onPlatform(entry, platform) ? entry : null;
  }

  private onPlatform(entry: ParticipantProgress, platform: PlatformKey): boolean {
    return entry.canvasUserId !== null && (!entry.progress || samePlatformCourse(platform, entry.progress.courseKey));
  }

  /** The participant with this read-model key, when the viewer may read them; null (a 404 to the person) otherwise. */
  async readable(viewer: Viewer, key: string): Promise<Readable | null> {
    // A school sees its people on its own dashboard only, never their records (reflections, meetings).
    if (!viewer.cohort || viewer.kind === 'school') return null;
    const asSelf = viewer.self?.key === key;
    const asMentor = viewer.kind === 'mentor' && (viewer.self?.menteeKeys.includes(key) ?? false);
    const staff = viewer.kind === 'facilitator' || viewer.kind === 'admin';
    if (!asSelf && !asMentor && !staff) return null;
    const participant = asSelf ? viewer.self : await this.readModel.readParticipant(viewer.cohort, key);
    if (!participant?.canvasUserId || !this.onPlatform(participant, viewer.platform)) return null;
    if (viewer.groups && !(participant.group && viewer.groups.includes(participant.group))) return null;
    return { participant, ownerId: personKeyId(viewer.platform, participant.canvasUserId), asMentor, asSelf };
  }

  /** A mentor's ECTs as the read model has them, in name order. */
  async menteesOf(viewer: Viewer): Promise<Readable[]> {
    if (viewer.kind !== 'mentor' || !viewer.self) return [];
    const found = await Promise.all(viewer.self.menteeKeys.map((key) => this.readable(viewer, key)));
    return found.filter((r): r is Readable => r !== null);
  }
}

/** The programme whose curriculum a person's pages use. */
export function programmeOf(viewer: Viewer, participant?: ParticipantProgress): Programme {
  if (participant) return participant.role;
  return viewer.kind === 'mentor' ? 'mentor' : 'ect';
}
