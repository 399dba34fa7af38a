import type { NextFunction, Request, Response } from 'express';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { LaunchError, PayloadTooLargeError, ValidationError } from '../errors';
import { STATE_PATTERN, type IssuedLogins } from './login-states';
import type { PlatformRegistry } from './platforms';

export const MAX_ID_TOKEN_BYTES = 64 * 1024;
export const TOKEN_MAX_AGE_S = 60;
const CLOCK_SKEW_S = 5;
const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
const MESSAGE_TYPES = new Set(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);

/** Canvas's OIDC error codes (CANVAS.md §1.3), explained to the person who launched. */
const PLATFORM_ERRORS: Record<string, string> = {
  login_required: 'Canvas could not confirm who you are. Sign in to Canvas again and reopen the tool.',
  unauthorized_client: 'This tool is switched off in Canvas. Ask your Canvas administrator to enable it.',
  launch_no_longer_valid: 'This launch has expired or was already used. Reopen the tool from Canvas.',
  invalid_request_object: 'Canvas refused the launch request. Reopen the tool from Canvas.',
};

function refuse(code: string, message = 'This launch could not be verified. Reopen the tool from Canvas.'): never {
  throw new LaunchError(code, message);
}

/** The client id the token is for: `azp` when several audiences are listed, as OIDC requires. */
function audienceClientId(payload: Record<string, unknown>): string {
  const { aud, azp } = payload;
  if (typeof aud === 'string') {
    if (azp !== undefined && azp !== aud) refuse('AZP_DOES_NOT_MATCH');
    return aud;
  }
  if (Array.isArray(aud) && typeof azp === 'string' && aud.includes(azp)) return azp;
  return refuse('AUD_OR_AZP_INVALID');
}

function checkTimes(payload: Record<string, unknown>, nowS: number): void {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') refuse('MISSING_IAT_OR_EXP');
  if (exp <= nowS - CLOCK_SKEW_S) refuse('TOKEN_EXPIRED', 'This launch has expired. Reopen the tool from Canvas.');
  if (iat > nowS + CLOCK_SKEW_S) refuse('IAT_IN_FUTURE', 'This launch is dated in the future: check the server clock.');
  if (nowS - iat > TOKEN_MAX_AGE_S + CLOCK_SKEW_S) refuse('TOKEN_TOO_OLD', 'This launch has expired. Reopen the tool from Canvas.');
}

function checkMessage(payload: Record<string, unknown>): void {
  if (payload[`${CLAIM}version`] !== '1.3.0') refuse('WRONG_LTI_VERSION');
  if (!MESSAGE_TYPES.has(payload[`${CLAIM}message_type`] as string)) refuse('UNSUPPORTED_MESSAGE_TYPE');
  const roles = payload[`${CLAIM}roles`];
  if (!Array.isArray(roles) || roles.length === 0) refuse('MISSING_ROLES', 'Canvas sent no role for you, so the tool cannot tell what to show.');
  if (typeof payload.sub !== 'string' || !payload.sub) refuse('MISSING_SUB');
  if (typeof payload.nonce !== 'string' || !payload.nonce) refuse('MISSING_NONCE');
}

/**
 * Cheap checks of a launch before ltijs verifies it. They only ever refuse, so reading the
 * claims before the signature is checked is safe: anything accepted here still goes through
 * ltijs's signature, state and nonce checks. They close ltijs's gaps (deployment allow-list,
 * algorithm pinning, `iat` in the future, size, the nonce bound to the login that issued it)
 * and stop bad launches before anything is stored.
 */
export function launchGuard(registry: PlatformRegistry, logins: Pick<IssuedLogins, 'check'>) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.error === 'string') {
        refuse(`PLATFORM_ERROR_${body.error}`, PLATFORM_ERRORS[body.error] ?? 'Canvas could not complete the launch. Reopen the tool from Canvas.');
      }
      const idToken = body.id_token;
      if (typeof idToken !== 'string' || !idToken) throw new ValidationError('This address is for launches from Canvas. Open the tool from your Canvas course.');
      if (Buffer.byteLength(idToken) > MAX_ID_TOKEN_BYTES) throw new PayloadTooLargeError('The launch was larger than the tool accepts.');
      let header: { alg?: string };
      let payload: Record<string, unknown>;
      try {
        header = decodeProtectedHeader(idToken);
        payload = decodeJwt(idToken) as Record<string, unknown>;
      } catch {
        return refuse('MALFORMED_ID_TOKEN');
      }
      if (header.alg !== 'RS256') refuse('ALGORITHM_NOT_ALLOWED');
      if (typeof payload.iss !== 'string' || registry.isIssuerRefused(payload.iss)) refuse('ISSUER_REFUSED');
      const clientId = audienceClientId(payload);
      checkTimes(payload, Math.floor(Date.now() / 1000));
      checkMessage(payload);
      if (!(await registry.find(payload.iss, clientId))) refuse('UNREGISTERED_CLIENT');
      const deploymentId = payload[`${CLAIM}deployment_id`];
      if (typeof deploymentId !== 'string' || !(await registry.isDeploymentAllowed(payload.iss, clientId, deploymentId))) {
        refuse('UNKNOWN_DEPLOYMENT', 'This Canvas deployment of the tool is not registered. Ask your Canvas administrator to register it.');
      }
      const state = body.state;
      if (typeof state !== 'string' || !STATE_PATTERN.test(state)) refuse('MALFORMED_STATE');
      await logins.check(state, payload.nonce);
      next();
    } catch (error) {
      next(error);
    }
  };
}
