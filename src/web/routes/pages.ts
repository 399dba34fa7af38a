import express, { Router, type Request, type Response, type NextFunction } from 'express';
import { NotFoundError, ValidationError } from '../../errors';
import { lti, toolUrls } from '../../lti';
import { placeableViews } from '../../lti/views';
import { loadCurriculum, moduleOf, modulesOf } from '../../curriculum';
import type { SessionStore, ToolSession } from '../../sessions/store';
import type { OwnProgress } from '../../progress/participant';
import type { SyncService } from '../../sync';
import { presentCourseSync, presentRun } from '../sync-status';
import { presentModuleLink, presentPerson, presentProgress } from '../presenters';
import { loadSession, requireAccess, sessionOf, type Access } from '../session-auth';
import { allowFormActionTo } from '../security';

const EVERYONE: Access = { roles: ['participant', 'facilitator', 'admin'] };
const STAFF: Access = { roles: ['facilitator', 'admin'] };

type Handler = (req: Request, res: Response) => Promise<void> | void;

function wrap(handler: Handler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res);
    } catch (error) {
      next(error);
    }
  };
}

function moduleParam(req: Request) {
  const module = moduleOf('ect', Number(req.params.module));
  if (!module) throw new NotFoundError('There is no module with that number.');
  return module;
}

/** What the session pages read. */
export interface PageDeps {
  sessions: SessionStore;
  publicUrl: string;
  syncIntervalMs: number;
  ownProgress: Pick<OwnProgress, 'participantProgress'>;
  sync: Pick<SyncService, 'statusOf'>;
}

async function progressOf(deps: PageDeps, session: ToolSession) {
  if (!session.canvasCourseId || !session.canvasUserId) return null;
  const found = await deps.ownProgress.participantProgress(session, session.canvasCourseId, session.canvasUserId);
  return found ? presentProgress(found, modulesOf(found.programme)) : null;
}

async function adminSyncStatus(deps: PageDeps, session: ToolSession) {
  const { courses, runs } = await deps.sync.statusOf(session, 5);
  return { courses: courses.map((s) => presentCourseSync(s, deps.syncIntervalMs)), runs: runs.map(presentRun) };
}

async function renderHome(deps: PageDeps, res: Response): Promise<void> {
  const session = sessionOf(res);
  const person = presentPerson(session);
  const modules = loadCurriculum().ect.modules.map((m) => presentModuleLink(m, person.base));
  const template = session.role === 'participant' ? 'pages/participant-home' : session.role === 'facilitator' ? 'pages/facilitator-home' : 'pages/admin-home';
  res.render(template, {
    title: `ECF Progress – ${person.roleLabel}`,
    person,
    modules,
    isMentor: session.programme === 'mentor',
    programmeUnknown: session.role === 'participant' && !session.programme,
    sync: session.role === 'admin' ? await adminSyncStatus(deps, session) : null,
  });
}

/** Pages inside a tool session: `/s/:sessionId/…`. Each declares its access rule. */
export function pageRoutes(deps: PageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = (method: 'get' | 'post', path: string, access: Access, handler: Handler) =>
    router[method](path, requireAccess(access), wrap(handler));

  router.use(loadSession(deps.sessions));
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  page('get', '/', EVERYONE, (_req, res) => renderHome(deps, res));

  page('get', '/progress', EVERYONE, async (_req, res) => {
    const session = sessionOf(res);
    if (session.role !== 'participant') return renderHome(deps, res);
    const person = presentPerson(session);
    res.render('pages/progress', { title: 'My progress', person, progress: await progressOf(deps, session) });
  });

  page('get', '/modules/:module/audit', EVERYONE, (req, res) => {
    const person = presentPerson(sessionOf(res));
    const module = moduleParam(req);
    res.render('pages/module-audit', { title: `Module ${module.number} audit`, person, module });
  });

  page('get', '/modules/:module/session-plans', EVERYONE, (req, res) => {
    const person = presentPerson(sessionOf(res));
    const module = moduleParam(req);
    res.render('pages/session-plans', { title: `Module ${module.number} mentor session plans`, person, module });
  });

  page('post', '/sign-out', EVERYONE, async (_req, res) => {
    await deps.sessions.end(sessionOf(res)._id);
    res.render('pages/signed-out', { title: 'Signed out' });
  });

  page('get', '/deep-link', STAFF, (_req, res) => {
    const session = sessionOf(res);
    if (!session.deepLinking) throw new ValidationError('Open this from “Add item” in a Canvas module to place a link.');
    res.render('pages/deep-link', { title: 'Place a link in your course', person: presentPerson(session), choices: placeableViews(), multiple: session.deepLinking.acceptMultiple });
  });

  page('post', '/deep-link', STAFF, async (req, res) => {
    const session = sessionOf(res);
    const settings = session.deepLinking;
    if (!settings) throw new ValidationError('Open this from “Add item” in a Canvas module to place a link.');
    const wanted = new Set([req.body.item ?? []].flat().map(String));
    const chosen = placeableViews().filter((v) => wanted.has(v.id));
    if (chosen.length === 0) throw new ValidationError('Choose at least one item to place.');
    if (!settings.acceptTypes.includes('ltiResourceLink')) throw new ValidationError('This Canvas placement does not accept tool links.');
    const items = (settings.acceptMultiple ? chosen : chosen.slice(0, 1)).map((v) => ({
      type: 'ltiResourceLink',
      title: v.title,
      url: toolUrls(deps.publicUrl).launch,
      custom: v.custom,
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
