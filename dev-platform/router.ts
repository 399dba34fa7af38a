import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { JWK } from 'jose';
import { SCORE_MEDIA_TYPE, type AgsReply, type AgsService } from './ags';
import { ASSETS } from './assets';
import { DeepLinkError, type DeepLinkingService } from './deep-linking';
import { DEMO_USERS, demoStudentOf, type DemoUser } from './demo-data';
import type { DynamicRegistrationService } from './dynamic-registration';
import type { Gradebook } from './gradebook';
import { autoSubmitPage, demoPage, deepLinkResultPage, errorPage, storageFramePage } from './html';
import { AuthRequestRejected, type LaunchService, type LoginInitiationOptions } from './launches';
import type { RegistrationStore } from './registrations';
import type { TokenService } from './token';
import type { PlatformUrls } from './urls';

export interface RouterDeps {
  urls: PlatformUrls;
  toolUrl: string;
  publicJwk: JWK;
  registrations: RegistrationStore;
  launches: LaunchService;
  dynamicRegistration: DynamicRegistrationService;
  tokens: TokenService;
  deepLinking: DeepLinkingService;
  gradebook: Gradebook;
  ags: AgsService;
}

/** Only single string values: Canvas ignores repeated or nested parameters. */
function stringParams(...sources: unknown[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const source of sources) {
    if (!source || typeof source !== 'object') continue;
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'string') params[name] = value;
    }
  }
  return params;
}

function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

function asyncRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}

function sendJson(res: Response, reply: AgsReply): void {
  res.set('Cache-Control', 'no-store').status(reply.status);
  if (reply.type) res.type(reply.type);
  res.json(reply.body);
}

/** Which launch each demo button performs: an instructor places links, a student opens an assignment, as in Canvas. */
function demoLaunch(body: Record<string, string>, gradebook: Gradebook): { user: DemoUser; options: LoginInitiationOptions } | undefined {
  const choice = body.as;
  if (choice === 'deep-link') return { user: DEMO_USERS.facilitator, options: { messageType: 'LtiDeepLinkingRequest', placement: 'link_selection' } };
  if (choice === 'deep-link-assignment') return { user: DEMO_USERS.facilitator, options: { messageType: 'LtiDeepLinkingRequest', placement: 'assignment_selection' } };
  if (choice === 'assignment') {
    const lineItem = gradebook.lineItem(body.line_item ?? '');
    const student = lineItem && demoStudentOf(lineItem.courseId);
    return student && { user: student, options: { lineItemId: lineItem.id } };
  }
  const user = Object.values(DEMO_USERS).find((candidate) => candidate.key === choice);
  return user && { user, options: { placement: 'course_navigation' } };
}

/** Malformed JSON gets a JSON 400, as Canvas's API answers, not express's HTML page. */
const jsonParseError: ErrorRequestHandler = (error: { type?: string }, _req, res, next) => {
  if (error.type !== 'entity.parse.failed') return next(error);
  sendJson(res, { status: 400, body: { errors: { type: 'bad_request', message: 'The request body is not valid JSON' } } });
};

export function createRouter(deps: RouterDeps): express.Router {
  const { urls, registrations, launches } = deps;
  const router = express.Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '200kb' });

  /**
   * Pages may post to, and frame, the tools this platform knows, and nothing else. The issuer's
   * origin is named besides 'self' because the demo page may be opened under another loopback
   * host (http://localhost vs http://127.0.0.1) to make the tool's frame truly cross-site.
   */
  function sendHtml(res: Response, status: number, html: string): void {
    const issuerOrigin = new URL(urls.issuer).origin;
    const origins = new Set([issuerOrigin, new URL(deps.toolUrl).origin]);
    for (const registration of registrations.list()) {
      for (const uri of [registration.initiateLoginUri, ...registration.redirectUris]) origins.add(new URL(uri).origin);
    }
    const platformAndTools = [...origins].join(' ');
    res
      .status(status)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': [
          `default-src 'self' ${issuerOrigin}`,
          `img-src 'self' ${issuerOrigin} https: data:`,
          `frame-src 'self' ${platformAndTools}`,
          `form-action 'self' ${platformAndTools}`,
          `frame-ancestors 'self' ${issuerOrigin} http://localhost:* http://127.0.0.1:*`,
          "base-uri 'none'",
          "object-src 'none'",
        ].join('; '),
      })
      .send(html);
  }

  router.get('/jwks', (_req, res) => {
    res.json({ keys: [deps.publicJwk] });
  });

  router.all(
    '/authorize',
    urlencoded,
    asyncRoute(async (req, res) => {
      try {
        const form = await launches.respondToAuth(stringParams(req.query, req.body));
        sendHtml(res, 200, autoSubmitPage(urls, form));
      } catch (error) {
        if (!(error instanceof AuthRequestRejected)) throw error;
        sendHtml(res, error.status, errorPage(urls, 'Launch refused', error.message));
      }
    }),
  );

  router.post(
    '/token',
    urlencoded,
    asyncRoute(async (req, res) => {
      sendJson(res, await deps.tokens.grant(stringParams(req.body)));
    }),
  );

  router.get(
    '/.well-known/openid-configuration',
    asyncRoute(async (req, res) => {
      sendJson(res, await deps.dynamicRegistration.openidConfiguration(bearerToken(req) ?? stringParams(req.query).registration_token));
    }),
  );

  router.post(
    '/registrations',
    express.json({ limit: '200kb' }),
    asyncRoute(async (req, res) => {
      sendJson(res, await deps.dynamicRegistration.register(bearerToken(req), req.body));
    }),
  );

  router.post(
    '/deep-link-return',
    urlencoded,
    asyncRoute(async (req, res) => {
      const jwt = stringParams(req.body).JWT;
      if (!jwt) return sendHtml(res, 400, errorPage(urls, 'Nothing placed', 'The tool posted no JWT.'));
      try {
        sendHtml(res, 200, deepLinkResultPage(urls, await deps.deepLinking.verifyResponse(jwt), deps.gradebook.lineItems()));
      } catch (error) {
        if (!(error instanceof DeepLinkError)) throw error;
        sendHtml(res, 400, errorPage(urls, 'Nothing placed', `The deep-linking response was refused: ${error.message}`));
      }
    }),
  );

  router.get('/', (_req, res) => {
    sendHtml(res, 200, demoPage(urls, deps.toolUrl, registrations.list(), { lineItems: deps.gradebook.lineItems(), scores: deps.gradebook.latest() }));
  });

  router.post(
    '/launch',
    urlencoded,
    asyncRoute(async (req, res) => {
      const body = stringParams(req.body);
      const launch = demoLaunch(body, deps.gradebook);
      const registration = registrations.get(body.client_id ?? '');
      if (!launch || !registration) return sendHtml(res, 400, errorPage(urls, 'Unknown launch', 'Choose one of the launch buttons.'));
      const fields = await launches.loginInitiation(launch.user, { ...launch.options, clientId: registration.clientId });
      // Unticking the box replaces the platform page, as a tool set to open in a new window does.
      const target = body.in_frame === 'yes' ? undefined : '_top';
      sendHtml(res, 200, autoSubmitPage(urls, { action: registration.initiateLoginUri, fields, target }));
    }),
  );

  router.post(
    '/start-registration',
    urlencoded,
    asyncRoute(async (req, res) => {
      const link = stringParams(req.body).registration_link?.trim() ?? '';
      const registerUrl = `${deps.toolUrl}/lti/register/`;
      if (!link.startsWith(registerUrl)) {
        return sendHtml(res, 400, errorPage(urls, 'No registration link', `Paste the link \`ecf-progress platform registration-link\` printed; it starts with ${registerUrl}`));
      }
      res.redirect(303, await deps.dynamicRegistration.startUrl(link));
    }),
  );

  // LTI Assignment and Grade Services, at Canvas's paths (CANVAS.md §3.2).
  router.get(
    '/api/lti/courses/:courseId/line_items',
    asyncRoute(async (req, res) => {
      sendJson(res, await deps.ags.listLineItems(bearerToken(req), req.params.courseId, stringParams(req.query)));
    }),
  );

  router.get(
    '/api/lti/courses/:courseId/line_items/:id',
    asyncRoute(async (req, res) => {
      sendJson(res, await deps.ags.showLineItem(bearerToken(req), req.params.courseId, req.params.id));
    }),
  );

  router.post(
    '/api/lti/courses/:courseId/line_items/:id/scores',
    express.json({ type: [SCORE_MEDIA_TYPE, 'application/json'], limit: '100kb' }),
    jsonParseError,
    asyncRoute(async (req, res) => {
      sendJson(res, await deps.ags.postScore(bearerToken(req), req.params.courseId, req.params.id, req.body));
    }),
  );

  router.get('/post-message-forwarding', (_req, res) => {
    sendHtml(res, 200, storageFramePage(urls));
  });

  router.get('/assets/:name', (req, res) => {
    const asset = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!asset) {
      res.sendStatus(404);
      return;
    }
    res.set({ 'Content-Type': asset.type, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' }).send(asset.body);
  });

  return router;
}
