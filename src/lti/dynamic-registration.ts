import { z } from 'zod';
import { ValidationError } from '../errors';
import { dynamicRegistrationRequest } from './canvas-config';
import type { PlatformRegistry, PlatformSummary } from './platforms';

const PlatformConfiguration = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  registration_endpoint: z.string().url(),
});

const RegistrationResponse = z.object({
  client_id: z.string().min(1),
  'https://purl.imsglobal.org/spec/lti-tool-configuration': z.object({ deployment_id: z.string().min(1).optional() }).optional(),
});

const TIMEOUT_MS = 10_000;

async function fetchJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new ValidationError(`The platform did not answer when asked for its ${what}.`);
  }
  if (!response.ok) throw new ValidationError(`The platform refused the ${what} request (HTTP ${response.status}).`);
  try {
    return await response.json();
  } catch {
    throw new ValidationError(`The platform's ${what} was not valid JSON.`);
  }
}

/**
 * LTI Dynamic Registration: read the platform's configuration, send ours with the one-hour
 * registration token, then record the platform and the deployment Canvas returns (ltijs's
 * own handler drops the deployment id and never adds placements). A platform that is
 * already registered is never overwritten: that would let anyone re-point its keys.
 */
export async function registerDynamically(
  registry: PlatformRegistry,
  publicUrl: string,
  params: { openidConfiguration: string; registrationToken?: string },
): Promise<PlatformSummary> {
  const config = PlatformConfiguration.safeParse(await fetchJson(params.openidConfiguration, { headers: { Accept: 'application/json' } }, 'configuration'));
  if (!config.success) throw new ValidationError('The platform configuration is missing required endpoints.');
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (params.registrationToken) headers.Authorization = `Bearer ${params.registrationToken}`;
  const reply = RegistrationResponse.safeParse(
    await fetchJson(config.data.registration_endpoint, { method: 'POST', headers, body: JSON.stringify(dynamicRegistrationRequest(publicUrl)) }, 'registration'),
  );
  if (!reply.success) throw new ValidationError('The platform answered the registration without a client id.');
  const issuer = config.data.issuer;
  const clientId = reply.data.client_id;
  if (await registry.find(issuer, clientId)) throw new ValidationError('This platform and client id are already registered; remove them first to register again.');
  const deploymentId = reply.data['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id;
  return registry.add(
    {
      issuer,
      clientId,
      authUrl: config.data.authorization_endpoint,
      tokenUrl: config.data.token_endpoint,
      jwksUrl: config.data.jwks_uri,
      deploymentIds: deploymentId ? [deploymentId] : [],
    },
    'dynamic-registration',
  );
}
