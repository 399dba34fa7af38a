import { z } from 'zod';
import { canvasUserAgent } from '../canvas/connections';
import { ValidationError } from '../errors';
import type { Logger } from '../log/logger';
import { requestOutbound, UnreachableError, type OutboundRequest } from '../net/safe-fetch';
import { dynamicRegistrationRequest, INSTRUCTURE_ISSUERS } from './canvas-config';
import type { PlatformRegistry, PlatformSummary } from './platforms';
import type { RegistrationLinks } from './registration-links';

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

/** Plain http is for the development platform on this machine, and only outside production. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);
const INSTRUCTURE_HOST = /(^|\.)(instructure|canvaslms)\.com$/;
const INSTRUCTURE_FRAME_ANCESTORS = ['https://*.instructure.com', 'https://*.canvaslms.com'];

export interface RegistrationParams {
  openidConfiguration?: string;
  registrationToken?: string;
}

interface RegistrationDeps {
  registry: PlatformRegistry;
  publicUrl: string;
  log: Logger;
}

type Configuration = z.infer<typeof PlatformConfiguration>;

/** One conversation with a platform: whether it may be local, and a User-Agent, which Canvas requires (CANVAS.md §4). */
interface Outbound {
  acceptsLocal: boolean;
  userAgent: string;
  log: Logger;
}

/** An https URL, or outside production an http one on this machine; null for anything else. */
function acceptableUrl(value: string, acceptsLocal: boolean): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === 'https:') return url;
  return url.protocol === 'http:' && acceptsLocal && LOCAL_HOSTS.has(url.hostname) ? url : null;
}

function configurationUrl(value: string | undefined, acceptsLocal: boolean): URL {
  if (value === undefined) {
    throw new ValidationError('This registration link is for Canvas: paste it into Admin → Developer Keys → + Developer Key → + LTI Registration. Opened on its own it does nothing, and it stays valid.');
  }
  const url = acceptableUrl(value, acceptsLocal);
  if (!url) throw new ValidationError("The platform's configuration address must be an https URL.");
  return url;
}

/**
 * Who may frame the registration's answer: the platform shows it in an iframe, and it is not
 * registered yet, so the list every other page uses does not name it. Instructure-hosted Canvas
 * serves the configuration from sso.canvaslms.com or the institution's host, and frames from
 * the institution's host.
 */
export function registrationFrameAncestors(openidConfiguration: unknown, acceptsLocal: boolean): string[] {
  const url = typeof openidConfiguration === 'string' ? acceptableUrl(openidConfiguration, acceptsLocal) : null;
  if (!url) return [];
  return INSTRUCTURE_HOST.test(url.hostname) ? [url.origin, ...INSTRUCTURE_FRAME_ANCESTORS] : [url.origin];
}

/**
 * LTI Dynamic Registration §3.5.1: the issuer's domain must match the configuration URL's.
 * Instructure-hosted Canvas shares one issuer across institutions, so there the configuration
 * must come from Instructure's own domains instead.
 */
function checkIssuer(issuer: string, configUrl: URL, acceptsLocal: boolean): void {
  const issuerUrl = acceptableUrl(issuer, acceptsLocal);
  const matches = INSTRUCTURE_ISSUERS.has(issuer) ? INSTRUCTURE_HOST.test(configUrl.hostname) : issuerUrl?.host === configUrl.host;
  if (!issuerUrl || !matches) {
    throw new ValidationError(`The platform's configuration names the issuer ${issuer}, which does not match the host it was read from (${configUrl.host}).`);
  }
}

/** Each address we will store for launches must be one we would accept for the configuration itself. */
function checkEndpoints(config: Configuration, configUrl: URL, acceptsLocal: boolean): URL {
  for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (!acceptableUrl(config[name], acceptsLocal)) throw new ValidationError(`The platform's configuration gives an address that is not https (${name}).`);
  }
  const registration = new URL(config.registration_endpoint);
  if (registration.origin !== configUrl.origin) {
    throw new ValidationError(`The platform's registration address is not on the host its configuration came from (${configUrl.host}).`);
  }
  return registration;
}

async function fetchJson(url: URL, request: OutboundRequest, what: 'configuration' | 'registration', outbound: Outbound): Promise<unknown> {
  let response;
  try {
    response = await requestOutbound(url, request, { allowPrivateAddresses: outbound.acceptsLocal });
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    outbound.log.warn({ event: 'lti.dynamic_registration_unreachable', step: what, host: url.host, detail: error.detail }, 'platform could not be reached');
    throw new ValidationError(what === 'configuration' ? "The platform's configuration could not be fetched." : 'The registration could not be sent to the platform.');
  }
  if (response.status < 200 || response.status > 299) throw new ValidationError(`The platform refused the ${what} request (HTTP ${response.status}).`);
  try {
    return JSON.parse(response.text);
  } catch {
    throw new ValidationError(`The platform's ${what} answer was not valid JSON.`);
  }
}

/** The configuration, checked against the address it came from before anything is sent anywhere. */
async function readConfiguration(configUrl: URL, outbound: Outbound): Promise<{ config: Configuration; registrationUrl: URL }> {
  const headers = { Accept: 'application/json', 'User-Agent': outbound.userAgent };
  const parsed = PlatformConfiguration.safeParse(await fetchJson(configUrl, { method: 'GET', headers }, 'configuration', outbound));
  if (!parsed.success) throw new ValidationError('The platform configuration is missing required endpoints.');
  checkIssuer(parsed.data.issuer, configUrl, outbound.acceptsLocal);
  return { config: parsed.data, registrationUrl: checkEndpoints(parsed.data, configUrl, outbound.acceptsLocal) };
}

/** Sends our half of the registration with the platform's one-hour token; the platform answers with our client id. */
async function sendRegistration(registrationUrl: URL, registrationToken: string | undefined, publicUrl: string, outbound: Outbound) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': outbound.userAgent };
  if (registrationToken) headers.Authorization = `Bearer ${registrationToken}`;
  const body = JSON.stringify(dynamicRegistrationRequest(publicUrl));
  const reply = RegistrationResponse.safeParse(await fetchJson(registrationUrl, { method: 'POST', headers, body }, 'registration', outbound));
  if (!reply.success) throw new ValidationError('The platform answered the registration without a client id.');
  return { clientId: reply.data.client_id, deploymentId: reply.data['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id };
}

/**
 * Reads the platform's configuration, sends ours, then records the platform and the deployment
 * Canvas returns (ltijs's own handler drops the deployment id and never adds placements). A
 * platform that is already registered is never overwritten: that would let anyone re-point its keys.
 */
async function registerDynamically(deps: RegistrationDeps, configUrl: URL, registrationToken: string | undefined): Promise<PlatformSummary> {
  const outbound = { acceptsLocal: deps.registry.acceptsLocalPlatforms, userAgent: canvasUserAgent({ publicUrl: deps.publicUrl }), log: deps.log };
  const { config, registrationUrl } = await readConfiguration(configUrl, outbound);
  const { clientId, deploymentId } = await sendRegistration(registrationUrl, registrationToken, deps.publicUrl, outbound);
  if (await deps.registry.find(config.issuer, clientId)) throw new ValidationError('This platform and client id are already registered; remove them first to register again.');
  return deps.registry.addFromDynamicRegistration({
    issuer: config.issuer,
    clientId,
    authUrl: config.authorization_endpoint,
    tokenUrl: config.token_endpoint,
    jwksUrl: config.jwks_uri,
    deploymentIds: deploymentId ? [deploymentId] : [],
  });
}

/**
 * Dynamic registration through a one-time link an admin created. Nothing is fetched until the
 * link is claimed; a registration that fails before a platform is recorded releases the link
 * so the admin can retry with it, and a successful one spends it for good.
 */
export async function registerWithLink(deps: RegistrationDeps & { links: Pick<RegistrationLinks, 'check' | 'claim'> }, link: string, params: RegistrationParams): Promise<PlatformSummary> {
  await deps.links.check(link);
  const configUrl = configurationUrl(params.openidConfiguration, deps.registry.acceptsLocalPlatforms);
  const claim = await deps.links.claim(link);
  let platform: PlatformSummary;
  try {
    platform = await registerDynamically(deps, configUrl, params.registrationToken);
  } catch (error) {
    await claim.release();
    throw error;
  }
  await claim.spend(platform);
  return platform;
}
