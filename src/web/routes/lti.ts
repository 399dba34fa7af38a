import express, { Router } from 'express';
import { canvasDeveloperKeyJson, launchGuard, lti, registerDynamically, type PlatformRegistry } from '../../lti';
import { ValidationError } from '../../errors';

export const MAX_BODY = '256kb';

/**
 * The LTI edge. Our body parser runs first with the size limit we promise (ltijs's own
 * parsers then see a parsed body and skip), then the launch guard, then ltijs.
 */
export function ltiRoutes(deps: { registry: PlatformRegistry; publicUrl: string; onRegistered: () => Promise<void> }): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: MAX_BODY }), express.json({ limit: MAX_BODY }));

  router.get('/canvas.json', (_req, res) => {
    res.json(canvasDeveloperKeyJson(deps.publicUrl));
  });

  router.get('/register', async (req, res, next) => {
    try {
      const openidConfiguration = req.query.openid_configuration;
      const registrationToken = req.query.registration_token;
      if (typeof openidConfiguration !== 'string') {
        throw new ValidationError('Open this address from Canvas: Admin → Developer Keys → + LTI Registration.');
      }
      const platform = await registerDynamically(deps.registry, deps.publicUrl, {
        openidConfiguration,
        registrationToken: typeof registrationToken === 'string' ? registrationToken : undefined,
      });
      await deps.onRegistered();
      req.log.info({ event: 'lti.dynamic_registration', issuer: platform.issuer, clientId: platform.clientId }, 'platform registered');
      res.render('pages/registered', { title: 'ECF Progress is registered', platform });
    } catch (error) {
      next(error);
    }
  });

  router.post('/launch', launchGuard(deps.registry));
  router.use(lti.app);
  return router;
}
