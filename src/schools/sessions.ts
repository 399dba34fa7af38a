import type { SessionStore, ToolSession } from '../sessions/store';
import type { SchoolLinks } from './links';

/**
 * The issuer a link session carries in place of a platform's: no platform has it (issuers are
 * URLs), so a link session never matches a platform's courses, launches or removal.
 */
export const SCHOOL_LINK_ISSUER = 'school-link';

/**
 * Opens a school session from a signed link: no Canvas user, no course, role 'school'. A trust's
 * link opens one with no school (`schoolUrn` null), so no single school's page lets it in; its
 * trust is read from the link's record on each request.
 * @throws SchoolLinkError when the token does not open (see SchoolLinks.verify).
 */
export async function openLinkSession(deps: { links: Pick<SchoolLinks, 'verify'>; sessions: Pick<SessionStore, 'create'> }, token: unknown, now = new Date()): Promise<ToolSession> {
  const link = await deps.links.verify(token, now);
  return deps.sessions.create(
    {
      issuer: SCHOOL_LINK_ISSUER,
      clientId: '',
      deploymentId: '',
      sub: `link:${link._id}`,
      canvasUserId: null,
      name: 'Opened from your provider’s link',
      canvasCourseId: null,
      contextId: null,
      courseTitle: 'ECF Progress',
      role: 'school',
      programme: null,
      view: { kind: 'home' },
      returnUrl: null,
      deepLinking: null,
      schoolUrn: link.urn ?? null,
      schoolLinkId: link._id,
      schoolContactEmail: link.email,
    },
    now,
  );
}
