import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { ProgressExports } from '../../exports';
import { AuthorizationError, NotFoundError, ValidationError } from '../../errors';
import type { PlatformKey } from '../../domain';
import { NOTICE_KINDS, NOTICE_LIMITS, REFUSAL_MESSAGES, SchoolLinkError, eventsCsv, eventsIcs, openLinkSession, type Notices, type SchoolDashboard, type SchoolLink, type SchoolLinks, type TrustView } from '../../schools';
import type { SessionStore } from '../../sessions/store';
import { SCHOOL, STAFF, pageOn, schoolOf, viewerOf, type Handler } from '../page-kit';
import { presentPerson } from '../presenters';
import { presentNotice, presentSchoolDashboard, presentTrustDashboard } from '../school-presenters';
import { sessionOf } from '../session-auth';
import { sendExport } from '../exports';
import { allowMethods } from '../edge';

declare module 'express-serve-static-core' {
  interface Locals {
    /** The live link a link session was opened by (checked again on this request). */
    schoolLink?: SchoolLink;
  }
}

/** What the school pages read. */
export interface SchoolPageDeps {
  dashboard: Pick<SchoolDashboard, 'view' | 'trustView'>;
  notices: Pick<Notices, 'latest' | 'all' | 'publish' | 'withdraw'>;
  links: Pick<SchoolLinks, 'verify' | 'liveLink'>;
  exports: Pick<ProgressExports, 'prepare' | 'fileName'>;
  /** The Canvas base URL of a platform, or of every platform (a link session's school may be on any). */
  canvasUrls(platform: PlatformKey | null): Promise<string[]>;
  /** A school's change requests, for the count of open ones beside "Tell us about a change". */
  changes: { forSchool(urn: string): Promise<{ state: string }[]> };
}

const NOTICES_SHOWN = 10;

/** A link session sees every platform's rows of its school; a Canvas launch only its own platform's. */
function scopeOf(res: Response): { platform: PlatformKey | null } {
  const session = sessionOf(res);
  return { platform: session.schoolLinkId ? null : { issuer: session.issuer, clientId: session.clientId } };
}

function refusalPage(res: Response, error: SchoolLinkError): void {
  res.status(error.status).setHeader('Cache-Control', 'no-store');
  res.render('pages/school-link-refused', { title: error.reason === 'expired' ? 'This link has expired' : 'This link cannot be opened', message: REFUSAL_MESSAGES[error.reason] });
}

/**
 * `GET /school/open?token=…` (mounted at `/school`): a signed link opens a school session and redirects into it, so
 * the token leaves the address bar at once (and request logs keep paths only, never queries).
 */
export function schoolOpenRoute(deps: { links: Pick<SchoolLinks, 'verify'>; sessions: Pick<SessionStore, 'create'> }): Router {
  const router = Router({ caseSensitive: true });
  router.all('/open', allowMethods('GET'), (async (req, res, next) => {
    try {
      // The query parser is flat: `token[$ne]=` is another name, and a repeated token an array; both open nothing.
      const token = typeof req.query.token === 'string' ? req.query.token : undefined;
      const session = await openLinkSession({ links: deps.links, sessions: deps.sessions }, token);
      req.log.info({ event: 'school.link_opened', linkId: session.schoolLinkId, reqId: req.id }, 'school link opened');
      // A trust's link opens a session with no school of its own: it lands on its trust's page.
      res.redirect(303, `/s/${session._id}/${session.schoolUrn ? 'school' : 'trust'}`);
    } catch (error) {
      if (!(error instanceof SchoolLinkError)) return next(error);
      req.log.warn({ event: 'school.link_refused', reason: error.reason, reqId: req.id }, 'school link refused');
      refusalPage(res, error);
    }
  }) as RequestHandler);
  return router;
}

/**
 * Every request of a link session checks its link again, so revoking or expiry ends a session
 * already open; the live link is kept for the request (a trust session's trust is read from it).
 */
function linkStillOpen(deps: SchoolPageDeps, sessions: Pick<SessionStore, 'end'>): RequestHandler {
  return (req, res, next) => {
    const session = res.locals.session;
    if (!session?.schoolLinkId) return next();
    deps.links.liveLink(session.schoolLinkId).then(async (link) => {
      if (link) {
        res.locals.schoolLink = link;
        return next();
      }
      await sessions.end(session._id);
      refusalPage(res, new SchoolLinkError('revoked'));
    }, next);
  };
}

/** The trust of a session opened by a trust's link; anyone else (a school's session included) is refused. */
function trustOf(res: Response): { trust: string; base: string } {
  const session = sessionOf(res);
  const trust = res.locals.schoolLink?.trust;
  if (session.role !== 'school' || session.schoolUrn || !trust) throw new AuthorizationError('This page is for a trust’s contacts, opened from the link your provider sent the trust.');
  return { trust, base: `/s/${session._id}/` };
}

const isTrustSession = (res: Response) => Boolean(res.locals.schoolLink?.trust && !sessionOf(res).schoolUrn);

function renderTrust(res: Response, view: TrustView, notices: Awaited<ReturnType<Notices['latest']>>): void {
  const model = presentTrustDashboard(view, notices);
  res.render('pages/trust', { title: `${view.trust}: ECTs and mentors across the trust`, person: presentPerson(sessionOf(res)), trustView: true, ...model });
}

/** A trust's page: every school of the trust, each as its own dashboard shows it. */
function renderTrustDashboard(deps: SchoolPageDeps): Handler {
  return async (_req, res) => {
    const { trust } = trustOf(res);
    const [view, notices] = await Promise.all([deps.dashboard.trustView(trust), deps.notices.latest(NOTICES_SHOWN)]);
    renderTrust(res, view, notices);
  };
}

/** One school of the trust on its own; a school of another trust (or none) is not there for this session. */
function renderTrustSchool(deps: SchoolPageDeps): Handler {
  return async (req, res) => {
    const { trust } = trustOf(res);
    const urn = String(req.params.urn);
    const view = await deps.dashboard.trustView(trust);
    const school = view.schools.find((s) => s.urn === urn);
    if (!school) throw new NotFoundError('There is no school of your trust here.');
    renderTrust(res, { ...view, schools: [school], summary: { ...school.summary, schools: 1, movedAway: school.movedAway.length }, dataAsOf: school.dataAsOf }, []);
  };
}

/** The home page of a school session: its school's dashboard, or a trust session's trust page. */
export function renderSchoolDashboard(deps: SchoolPageDeps): Handler {
  return async (req, res) => (isTrustSession(res) ? renderTrustDashboard(deps) : renderOwnSchool(deps))(req, res);
}

/** A school's own dashboard; a trust session has no school of its own, so it is refused. */
function renderOwnSchool(deps: SchoolPageDeps): Handler {
  return async (_req, res) => {
    const { urn, base } = schoolOf(res);
    const [view, notices, canvasUrls, changes] = await Promise.all([
      deps.dashboard.view(urn, scopeOf(res)),
      deps.notices.latest(NOTICES_SHOWN),
      deps.canvasUrls(scopeOf(res).platform),
      deps.changes.forSchool(urn),
    ]);
    const model = presentSchoolDashboard(view, { base, notices, canvasUrls, openChanges: changes.filter((c) => c.state === 'open').length });
    res.render('pages/school', { title: `${model.school.name}: ECTs and mentors`, person: presentPerson(sessionOf(res)), ...model });
  };
}

const EXPORT_FORMATS = { csv: 'csv', xlsx: 'xlsx', pdf: 'pdf' } as const;

const NoticeForm = z.object({
  title: z.string().max(NOTICE_LIMITS.title * 2),
  body: z.string().max(NOTICE_LIMITS.body * 2),
  link: z.string().max(NOTICE_LIMITS.link * 2).optional(),
  kind: z.enum(NOTICE_KINDS),
});

/** The notices pages are the programme's: STAFF lets facilitators through the door, this does not. */
function requireAdmin(res: Response): void {
  if (viewerOf(res).kind !== 'admin') throw new AuthorizationError('This page is for programme administrators.');
}

async function renderNotices(deps: SchoolPageDeps, res: Response, form: { values: Record<string, string>; error: string } | null = null) {
  requireAdmin(res);
  const base = presentPerson(sessionOf(res)).base;
  const notices = (await deps.notices.all()).map(presentNotice);
  res.status(form ? 400 : 200).render('pages/notices', {
    title: form ? 'Error: Notices to schools' : 'Notices to schools',
    notices,
    kinds: NOTICE_KINDS.map((kind) => ({ value: kind, label: kind.charAt(0).toUpperCase() + kind.slice(1), selected: (form?.values.kind ?? 'newsletter') === kind })),
    values: form?.values ?? {},
    error: form?.error ?? null,
    limits: NOTICE_LIMITS,
    formUrl: `${base}admin/notices`,
    homeUrl: base,
    withdrawBase: `${base}admin/notices/`,
  });
}

/** The school pages (`/school…`) inside a tool session, and the admin's notices page. */
export function schoolRoutes(deps: SchoolPageDeps, sessions: Pick<SessionStore, 'end'>): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);
  router.use(linkStillOpen(deps, sessions));

  page('get', '/school', SCHOOL, renderOwnSchool(deps));
  page('get', '/trust', SCHOOL, renderTrustDashboard(deps));
  page('get', '/trust/schools/:urn', SCHOOL, renderTrustSchool(deps));

  page('get', '/school/events.csv', SCHOOL, async (_req, res) => {
    const { urn } = schoolOf(res);
    const view = await deps.dashboard.view(urn, scopeOf(res));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="training-events-${urn}.csv"`);
    res.send(eventsCsv([...view.events].sort((a, b) => a.date.localeCompare(b.date) || a.start.localeCompare(b.start))));
  });

  page('get', '/school/events.ics', SCHOOL, async (_req, res) => {
    const { urn } = schoolOf(res);
    const view = await deps.dashboard.view(urn, scopeOf(res));
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="training-events-${urn}.ics"`);
    res.send(eventsIcs(view.events, `ECF training events: ${view.name ?? urn}`));
  });

  page('get', '/school/export.:format', SCHOOL, async (req, res) => {
    const { urn } = schoolOf(res);
    const format = EXPORT_FORMATS[req.params.format as keyof typeof EXPORT_FORMATS];
    if (!format) throw new ValidationError('Choose a CSV, Excel or PDF download.');
    const { platform } = scopeOf(res);
    await sendExport(res, deps.exports, { kind: 'school', urn }, format, platform ? { platform } : {});
  });

  page('get', '/admin/notices', STAFF, (_req, res) => renderNotices(deps, res));

  page('post', '/admin/notices', STAFF, async (req: Request, res: Response) => {
    requireAdmin(res);
    const parsed = NoticeForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError('The form could not be read. Reload the page and try again.');
    try {
      await deps.notices.publish(parsed.data);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { title, body, link = '', kind } = parsed.data;
      return renderNotices(deps, res, { values: { title, body, link, kind }, error: error.message });
    }
    res.redirect(303, `${presentPerson(sessionOf(res)).base}admin/notices`);
  });

  page('post', '/admin/notices/:notice/withdraw', STAFF, async (req, res) => {
    requireAdmin(res);
    await deps.notices.withdraw(String(req.params.notice));
    res.redirect(303, `${presentPerson(sessionOf(res)).base}admin/notices`);
  });

  return router;
}
