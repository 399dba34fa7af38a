import express, { Router } from 'express';
import { canvasDeveloperKeyJson, launchGuard, LINK_REFUSALS, lti, RegistrationLinkError, registerWithLink, registrationFrameAncestors, toolUrls, type IssuedLogins, type PlatformRegistry, type RegistrationLinks } from '../../lti';
import { AppError } from '../../errors';
import { allowMethods, bodyShape, stringParams } from '../edge';
import type { RateLimiters } from '../rate-limits';
import { allowFrameAncestor } from '../security';

export const MAX_BODY = '256kb';

const URL_MAX = 2048;
const ID_MAX = 512;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What Canvas sends to the OIDC login (CANVAS.md §1.2); each one string, or absent. ltijs sends
 * `target_link_uri` back as the redirect URI, so it must be our own launch URL.
 */
const loginParams = (publicUrl: string) => ({
  iss: { max: URL_MAX, required: true, pattern: /^https?:\/\/\S+$/ },
  login_hint: { max: ID_MAX, required: true },
  target_link_uri: { max: URL_MAX, required: true, pattern: new RegExp(`^${escapeRegExp(toolUrls(publicUrl).launch)}(\\?\\S*)?$`) },
  client_id: { max: ID_MAX },
  lti_message_hint: { max: 8192 },
  lti_deployment_id: { max: ID_MAX },
  lti_storage_target: { max: ID_MAX },
});

/** What the platform form-posts to the launch URL; the launch guard checks the token itself. */
const LAUNCH_PARAMS = {
  id_token: { max: 70 * 1024 },
  state: { max: 100 },
  error: { max: ID_MAX },
  error_description: { max: 2048 },
  lti_storage_target: { max: ID_MAX },
};

/**
 * The LTI edge. ltijs sees only the requests it must handle: login (GET and POST), launch
 * (POST) and keys (GET). Every other method is answered 405 and every other path 404 before
 * it; parameters are checked for type and size first, and the launch guard checks the token.
 * Our body parser runs first with the size limit we promise, so ltijs's own parsers skip.
 */
export interface LtiRouteDeps {
  registry: PlatformRegistry;
  logins: IssuedLogins;
  registrationLinks: Pick<RegistrationLinks, 'check' | 'claim'>;
  publicUrl: string;
  limits: RateLimiters;
  onRegistered: () => Promise<void>;
}

export function ltiRoutes(deps: LtiRouteDeps): Router {
  const router = Router({ caseSensitive: true, strict: true });
  // After each route's method check, so a wrong method is a 405 whatever its body.
  const parseBody = [bodyShape, express.urlencoded({ extended: false, limit: MAX_BODY, parameterLimit: 50 }), express.json({ limit: MAX_BODY, strict: true })];

  router.all('/canvas.json', allowMethods('GET'), ...parseBody, (_req, res) => {
    res.json(canvasDeveloperKeyJson(deps.publicUrl));
  });

  /** Refusals name their reason in words for the admin who pasted the link into Canvas. */
  const refuseRegistration = (req: express.Request, res: express.Response, error: AppError) => {
    req.log.warn({ event: 'lti.dynamic_registration_refused', reason: error.id, status: error.status }, error.message);
    const title = error instanceof RegistrationLinkError ? 'This registration link cannot be used' : 'ECF Progress could not be registered';
    res.status(error.status).render('pages/registration-refused', { title, message: error.message, status: error.status, requestId: req.id });
  };

  /** Canvas shows every answer, refusals and rate limits included, in its iframe. */
  const framedByPlatform: express.RequestHandler = (req, res, next) => {
    for (const origin of registrationFrameAncestors(req.query.openid_configuration, deps.registry.acceptsLocalPlatforms)) allowFrameAncestor(res, origin);
    next();
  };

  router.all('/register', allowMethods('GET'), ...parseBody, framedByPlatform, deps.limits.registrations, (req, res) => {
    refuseRegistration(req, res, LINK_REFUSALS.missing());
  });

  router.all('/register/:link', allowMethods('GET'), ...parseBody, framedByPlatform, deps.limits.registrations, async (req, res, next) => {
    const { openid_configuration: openidConfiguration, registration_token: registrationToken } = req.query;
    try {
      const platform = await registerWithLink({ registry: deps.registry, links: deps.registrationLinks, publicUrl: deps.publicUrl, log: req.log }, req.params.link, {
        openidConfiguration: typeof openidConfiguration === 'string' ? openidConfiguration : undefined,
        registrationToken: typeof registrationToken === 'string' ? registrationToken : undefined,
      });
      await deps.onRegistered();
      req.log.info({ event: 'lti.dynamic_registration', issuer: platform.issuer, clientId: platform.clientId }, 'platform registered');
      res.render('pages/registered', { title: 'ECF Progress is registered', platform });
    } catch (error) {
      if (error instanceof AppError) refuseRegistration(req, res, error);
      else next(error);
    }
  });

  router.all('/login', allowMethods('GET', 'POST'), ...parseBody, deps.limits.launches, stringParams(loginParams(deps.publicUrl)), deps.logins.record, lti.app);
  router.all('/launch', allowMethods('POST'), ...parseBody, deps.limits.launches, stringParams(LAUNCH_PARAMS), launchGuard(deps.registry, deps.logins), lti.app);
  router.all('/keys', allowMethods('GET'), ...parseBody, lti.app);
  return router;
}
