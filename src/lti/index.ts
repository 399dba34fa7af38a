import type { NextFunction, Request, Response } from 'express';
import { LaunchError } from '../errors';
import { createLaunchHandlers, type LaunchDeps } from './launch';
import { TOKEN_MAX_AGE_S } from './launch-guard';
import { lti, routeRejectionsToNext, type RefusalCallback } from './provider';

export { lti };
export { PlatformRegistry } from './platforms';
export { ltijsInWorker } from './ltijs-worker';
export { launchGuard } from './launch-guard';
export { PURGE_INTERVAL_MS, purgeExpiredLtiRecords, sweepExpiredLtiRecords, type PurgeDeps } from './purge';
export { IssuedLogins } from './login-states';
export { Identities } from './identities';
export { LaunchRecords } from './launch';
export { canvasDeveloperKeyJson, toolUrls } from './canvas-config';
export { registerWithLink, registrationFrameAncestors } from './dynamic-registration';
export { RegistrationLinks, RegistrationLinkError, LINK_REFUSALS } from './registration-links';
export type { ProgrammeResolver } from './launch';

/** ltijs's refusals become our LaunchError, keeping its stable code for the logs only. */
function refuseWith(status: number, message: string, fallbackCode: string): RefusalCallback {
  return (req: Request, res: Response, next?: NextFunction) => {
    const code = (res.locals.err as { details?: { message?: string } } | undefined)?.details?.message ?? fallbackCode;
    (next ?? (req.next as NextFunction))(new LaunchError(String(code), message, status));
  };
}

/**
 * Sets up ltijs in "ltiaas" mode: it validates the launch and hands over the token without a
 * redirect or a session cookie of its own; our launch handler then opens a tool session.
 * Call `connectDatabase` first: ltijs reuses the connection it opened (see `openRuntime`).
 */
export async function setupLti(deps: LaunchDeps & { ltiKey: string; dbUri: string }): Promise<void> {
  lti.setup(
    deps.ltiKey,
    { url: deps.dbUri },
    {
      appRoute: '/launch',
      loginRoute: '/login',
      keysetRoute: '/keys',
      dynRegRoute: '/register',
      cookies: { secure: true, sameSite: 'None' },
      ltiaas: true,
      tokenMaxAge: TOKEN_MAX_AGE_S,
      cors: false,
    },
  );
  const handlers = createLaunchHandlers(deps);
  lti.onConnect(handlers.onConnect);
  lti.onDeepLinking(handlers.onDeepLinking);
  lti.onInvalidToken(refuseWith(401, 'This launch could not be verified. Reopen the tool from Canvas.', 'INVALID_TOKEN'));
  lti.onSessionTimeout(refuseWith(401, 'Your session has ended. Reopen the tool from Canvas.', 'SESSION_TIMEOUT'));
  lti.onUnregisteredPlatform(refuseWith(400, 'This Canvas is not registered with the tool. Ask your Canvas administrator to install it.', 'UNREGISTERED_PLATFORM'));
  lti.onInactivePlatform(refuseWith(401, 'This Canvas registration is not active yet. Ask your Canvas administrator.', 'PLATFORM_NOT_ACTIVATED'));
  const ownSigintHandlers = new Set(process.listeners('SIGINT'));
  await lti.deploy({ serverless: true, silent: true });
  // ltijs adds a SIGINT handler that exits the process as soon as its own connection closes,
  // before our shutdown has stopped the embedded database (which then outlives us).
  for (const handler of process.listeners('SIGINT')) if (!ownSigintHandlers.has(handler)) process.off('SIGINT', handler);
  routeRejectionsToNext(lti.app);
}
export { ScoreDelivery, SCORE_SCOPE } from './scores';
