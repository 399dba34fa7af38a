import express, { Router, type Request, type Response } from 'express';
import { AUDIT_PHASES, type AuditService, type ScoreOutbox } from '../../audits';
import { moduleOf, modulesOf } from '../../curriculum';
import { NotFoundError, ValidationError } from '../../errors';
import { lti, toolUrls, type ScoreDelivery } from '../../lti';
import { placeableViews } from '../../lti/views';
import type { Meetings } from '../../meetings';
import { programmeOf, type ParticipantAccess, type Viewer } from '../../participants/access';
import type { ParticipantOverview } from '../../participants/overview';
import type { OwnDataRefresh } from '../../participants/refresh';
import type { OwnProgress } from '../../progress/participant';
import type { SessionStore, ToolSession } from '../../sessions/store';
import type { SyncService } from '../../sync';
import { EVERYONE, PARTICIPANTS, STAFF, pageOn, readableFromPath, sessionLocals, viewerOf } from '../page-kit';
import { presentMeetingList, presentMentee, presentOverview, presentSessionPlans, presentSubject } from '../participant-presenters';
import { presentPerson, presentProgress } from '../presenters';
import { allowFormActionTo } from '../security';
import { loadSession, sessionOf } from '../session-auth';
import { adminRoutes, renderAdminHome, type AdminDeps } from './admin';
import { adminDeliveryRoutes, type DeliveryLogDeps } from './deliveries';
import { auditRoutes } from './audits';
import { cohortRoutes, renderCohort, type CohortPageDeps } from './cohort';
import { milestoneRoutes } from './milestones';
import { presentParticipantMilestones } from '../milestone-presenters';
import type { Readiness } from '../../milestones';
import { presentStanding } from '../cohort-presenters';
import { meetingRoutes } from './meetings';
import { attendanceRoutes, type GroupMembers } from './attendance';
import { renderSchoolDashboard, schoolRoutes, type SchoolPageDeps } from './school';
import { changeRoutes } from './changes';
import { schoolNotificationRoutes, type NotificationPageDeps } from './notifications';
import type { ChangeRequests } from '../../changes';
import type { Attendance } from '../../attendance';

/** What the session pages read. */
export interface PageDeps {
  sessions: SessionStore;
  publicUrl: string;
  syncIntervalMs: number;
  ownProgress: Pick<OwnProgress, 'participantProgress'>;
  sync: Pick<SyncService, 'statusOf'>;
  access: ParticipantAccess;
  /** Signs each session's CSRF token. */
  formKey: Uint8Array;
  meetings: Meetings;
  audits: AuditService;
  scores: Pick<ScoreDelivery, 'deliverSoon'>;
  scoreOutbox: Pick<ScoreOutbox, 'latestFor'>;
  overview: ParticipantOverview;
  refresh: OwnDataRefresh;
  /** The admin pages: courses and their syncs, people and imports, group facilitators. */
  admin: AdminDeps;
  /** Training events and registers. */
  attendance: Attendance;
  /** The people of a roster group, for its registers. */
  groupMembers: GroupMembers;
  /** The cohort grid and its charts. */
  cohort: CohortPageDeps;
  /** DfE milestone readiness: the milestones page and each record's milestones section. */
  readiness: Pick<Readiness, 'inScope' | 'ofParticipant' | 'declarationList'>;
  /** The email delivery log (admin page); absent in tests that do not need it. */
  deliveries?: DeliveryLogDeps;
  /** Tells the cohort grid that a group's activity (an audit, a meeting) changed, so it shows at once. */
  activity: { changed(cohort: string | null, group: string | null): Promise<void> };
  /** The school dashboard, its downloads and provider notices. */
  school: SchoolPageDeps;
  /** Schools' change requests and the admin's review of them. */
  changes: ChangeRequests;
  /** School contacts' notification settings (the school session's page, and the signed link's). */
  notifications: NotificationPageDeps;
}

async function progressOf(deps: PageDeps, session: ToolSession) {
  if (!session.canvasCourseId || !session.canvasUserId) return null;
  const found = await deps.ownProgress.participantProgress(session, session.canvasCourseId, session.canvasUserId);
  return found ? presentProgress(found, modulesOf(found.programme)) : null;
}

async function overviewOfViewer(deps: PageDeps, viewer: Viewer) {
  return deps.overview.overviewOf({ ownerId: viewer.ownerId, participant: viewer.self, programme: programmeOf(viewer), cohort: viewer.cohort });
}

async function renderHome(deps: PageDeps, req: Request, res: Response): Promise<void> {
  const viewer = viewerOf(res);
  // A facilitator lands on their groups' grid, an admin on the page that runs the programme.
  if (viewer.kind === 'facilitator') return renderCohort(deps.cohort)(req, res);
  if (viewer.kind === 'admin') return renderAdminHome(deps, res);
  if (viewer.kind === 'school') return renderSchoolDashboard(deps.school)(req, res);
  const base = presentPerson(viewer.session).base;
  const overview = presentOverview(await overviewOfViewer(deps, viewer), base);
  const mentees = viewer.kind === 'mentor' ? await menteeRows(deps, viewer, base) : [];
  const refreshing = viewer.cohort !== null && deps.refresh.refreshIfStale(viewer.platform, viewer.session.canvasCourseId, overview.dataAsOf);
  res.render('pages/participant-home', {
    refreshing,
    freshnessUrl: `${base}freshness`,
    refreshBudgetMs: deps.refresh.budgetMs,
    title: `ECF Progress – ${presentPerson(viewer.session).roleLabel}`,
    overview,
    isMentor: viewer.kind === 'mentor',
    mentees,
    programmeUnknown: viewer.kind === 'unknown',
    notOnRoster: viewer.cohort !== null && !viewer.self,
    ownRecordUrl: viewer.self ? `${base}people/${encodeURIComponent(viewer.self.key)}` : null,
    standing: viewer.cohort && viewer.self ? presentStanding(await deps.cohort.grid.standingOf(viewer.cohort, viewer.self.key), false) : null,
  });
}

/** A mentor's ECTs with where each one is: one overview per ECT (a mentor has a handful). */
async function menteeRows(deps: PageDeps, viewer: Viewer, base: string) {
  const mentees = await deps.access.menteesOf(viewer);
  return Promise.all(
    mentees.map(async (m) => presentMentee(m, await deps.overview.overviewOf({ ownerId: m.ownerId, participant: m.participant, programme: 'ect', cohort: viewer.cohort }), base)),
  );
}

function renderPicker(res: Response, problem?: string): void {
  const session = sessionOf(res);
  if (!session.deepLinking) throw new ValidationError('Open this from “Add item” in a Canvas module to place a link.');
  const asAssignment = session.placement === 'assignment_selection';
  const choices = placeableViews().filter((v) => !asAssignment || v.custom.ecf_view === 'audit');
  res.status(problem ? 400 : 200).render('pages/deep-link', { title: 'Place a link in your course', choices, multiple: session.deepLinking.acceptMultiple, problem, asAssignment });
}

/** Pages inside a tool session: `/s/:sessionId/…`. Each declares its access rule. */
export function pageRoutes(deps: PageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);

  router.use(loadSession(deps.sessions));
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 400 }));
  router.use(express.json({ limit: '64kb' }));
  router.use(sessionLocals(deps.formKey, deps.access));
  // First: a school link session whose link was revoked or has expired goes no further.
  router.use(schoolRoutes(deps.school, deps.sessions));
  router.use(meetingRoutes(deps));
  router.use(auditRoutes(deps));
  router.use(adminRoutes(deps));
  router.use(adminDeliveryRoutes(deps));
  router.use(cohortRoutes(deps.cohort));
  router.use(milestoneRoutes({ grid: deps.cohort.grid, readiness: deps.readiness }));
  router.use(attendanceRoutes(deps));
  router.use(changeRoutes(deps));
  router.use(schoolNotificationRoutes(deps.notifications));

  page('get', '/', { roles: [...EVERYONE.roles, 'school'] }, (req, res) => renderHome(deps, req, res));

  // The page's script asks this while a launch refresh runs: when the figures it shows were made.
  page('get', '/freshness', PARTICIPANTS, async (_req, res) => {
    res.json({ dataAsOf: viewerOf(res).self?.progress?.dataAsOf ?? null });
  });

  page('get', '/progress', EVERYONE, async (req, res) => {
    const session = sessionOf(res);
    if (session.role !== 'participant') return renderHome(deps, req, res);
    const person = presentPerson(session);
    res.render('pages/progress', { title: 'My progress', person, progress: await progressOf(deps, session) });
  });

  // Session plans are written for the ECT's modules: they are what a mentor and their ECT meet about.
  page('get', '/modules/:module/session-plans', EVERYONE, async (req, res) => {
    const viewer = viewerOf(res);
    const module = moduleOf('ect', Number(req.params.module));
    if (!module) throw new NotFoundError('There is no module with that number.');
    const base = presentPerson(viewer.session).base;
    const mentees = await deps.access.menteesOf(viewer);
    res.render('pages/session-plans', { title: `Module ${module.number} mentor session plans`, ...presentSessionPlans(module, viewer.cohort, mentees, base) });
  });

  page('get', '/people/:person', EVERYONE, async (req, res) => {
    const viewer = viewerOf(res);
    const readable = await readableFromPath(deps.access, req, res);
    const base = presentPerson(viewer.session).base;
    const overview = await deps.overview.overviewOf({ ownerId: readable.ownerId, participant: readable.participant, programme: readable.participant.role, cohort: viewer.cohort });
    const meetings = readable.participant.role === 'ect' ? await deps.meetings.listFor(readable.ownerId) : [];
    res.render('pages/person-record', {
      title: readable.asSelf ? 'My record' : `${readable.participant.name ?? 'Participant'}’s record`,
      subject: presentSubject(readable, base),
      overview: presentOverview(overview, base, readable),
      meetings: presentMeetingList(meetings),
      canRecord: readable.asMentor,
      standing: viewer.cohort ? presentStanding(await deps.cohort.grid.standingOf(viewer.cohort, readable.participant.key), !readable.asSelf) : null,
      // Declarations are the provider's business with DfE: staff see them, the person themselves does not.
      milestones: viewer.cohort && !readable.asSelf ? presentParticipantMilestones(await deps.readiness.ofParticipant(viewer.cohort, readable.participant.key)) : null,
    });
  });

  page('post', '/sign-out', EVERYONE, async (_req, res) => {
    await deps.sessions.end(sessionOf(res)._id);
    res.render('pages/signed-out', { title: 'Signed out' });
  });

  page('get', '/deep-link', STAFF, (_req, res) => renderPicker(res));

  page('post', '/deep-link', STAFF, async (req, res) => {
    const session = sessionOf(res);
    const settings = session.deepLinking;
    if (!settings) throw new ValidationError('Open this from “Add item” in a Canvas module to place a link.');
    const wanted = new Set([req.body.item ?? []].flat().map(String));
    const chosen = placeableViews().filter((v) => wanted.has(v.id));
    if (chosen.length === 0) return renderPicker(res, 'Choose at least one item to place, then press “Place in Canvas”.');
    if (!settings.acceptTypes.includes('ltiResourceLink')) throw new ValidationError('This Canvas placement does not accept tool links.');
    // A gradebook column only where the facilitator is making an assignment, never a placeholder elsewhere.
    const asAssignment = session.placement === 'assignment_selection';
    const items = (settings.acceptMultiple ? chosen : chosen.slice(0, 1)).map((v) => ({
      type: 'ltiResourceLink',
      title: v.title,
      url: toolUrls(deps.publicUrl).launch,
      custom: v.custom,
      ...(asAssignment && v.custom.ecf_view === 'audit' ? { lineItem: { scoreMaximum: AUDIT_PHASES.length, label: v.title, resourceId: v.id } } : {}),
    }));
    const jwt = await lti.DeepLinking.createDeepLinkingMessage(
      {
        iss: session.issuer,
        clientId: session.clientId,
        deploymentId: session.deploymentId,
        platformContext: {
          deepLinkingSettings: {
            deep_link_return_url: settings.returnUrl,
            accept_types: settings.acceptTypes,
            accept_multiple: settings.acceptMultiple,
            data: settings.data,
          },
        },
      },
      items,
      { message: items.length === 1 ? `Placed “${items[0].title}”.` : `Placed ${items.length} links.` },
    );
    allowFormActionTo(res, new URL(settings.returnUrl).origin);
    res.render('pages/deep-link-submit', { title: 'Returning to Canvas', returnUrl: settings.returnUrl, jwt, count: items.length });
  });

  return router;
}
