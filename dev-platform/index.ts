import type express from 'express';
import type { JWK } from 'jose';
import { AgsService } from './ags';
import type { BuildClaimsInput, IdTokenClaims } from './claims';
import { SCOPE } from './constants';
import { DeepLinkingService, type DeepLinkResult } from './deep-linking';
import { DEMO_ACCOUNT, DEMO_COURSE, DEMO_USERS, type DemoCourse, type DemoUser, type DemoUserKey } from './demo-data';
import { DynamicRegistrationService } from './dynamic-registration';
import { Gradebook, type CreateLineItemInput, type GradebookEntry, type LineItem } from './gradebook';
import { loadPlatformKey, type KeyPairInput } from './keys';
import { LaunchService, type AuthOverrides, type AuthResponse, type LoginInitiationFields, type LoginInitiationOptions } from './launches';
import { RegistrationStore, type Registration } from './registrations';
import { createRouter } from './router';
import { PlatformSecret, signJwt, type SignOptions } from './signing';
import { TokenService } from './token';
import { ToolJwtVerifier } from './tool-jwt';
import { platformUrls, type PlatformUrls } from './urls';

export { CLAIM, ROLE, SCOPE, type MessageType, type PrivacyLevel } from './constants';
export { applyClaimsTamper, type BuildClaimsInput, type ClaimsPatch, type ClaimsTamper, type IdTokenClaims } from './claims';
export type { DeepLinkResult, PlacedItem } from './deep-linking';
export { DeepLinkError } from './deep-linking';
export type { DemoCourse, DemoUser, DemoUserKey } from './demo-data';
export type { CreateLineItemInput, GradebookEntry, LineItem } from './gradebook';
export type { KeyPairInput } from './keys';
export { AuthRequestRejected, type AuthOverrides, type AuthResponse, type LoginInitiationFields, type LoginInitiationOptions } from './launches';
export type { Registration } from './registrations';
export type { SignOptions } from './signing';
export type { PlatformUrls } from './urls';

export interface DevPlatformOptions {
  /** The URL the router is mounted at, e.g. `http://127.0.0.1:3000/dev-platform`. */
  issuer: string;
  /** The tool's PUBLIC_URL, e.g. `http://127.0.0.1:3000`. */
  toolUrl: string;
  clientId?: string;
  deploymentId?: string;
  keyPair?: KeyPairInput;
  /** Where to keep the signing key as a JWK so restarts keep it (demo mode). */
  keyFile?: string;
  /** What `$Canvas.api.baseUrl` and the NRPS URL point at; the issuer's origin by default. */
  canvasApiBaseUrl?: string;
}

/** What the tool must register to trust this platform (the shape of its platform registry input). */
export interface PlatformRegistrationForTool {
  name: string;
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
}

export interface DevPlatform {
  readonly issuer: string;
  readonly toolUrl: string;
  readonly clientId: string;
  readonly deploymentId: string;
  readonly urls: PlatformUrls;
  readonly router: express.Router;
  readonly users: Readonly<Record<DemoUserKey, DemoUser>>;
  /** The ECT course, which facilitators and admins launch from too; the mentor's is `users.mentor.course`. */
  readonly course: DemoCourse;
  readonly kid: string;
  readonly publicJwk: JWK;
  /** SPKI PEM of the signing key: the secret of the HS256 algorithm-confusion attack. */
  readonly publicKeyPem: string;
  readonly registrationForTool: PlatformRegistrationForTool;
  /** The built-in registration first, then any made by dynamic registration. */
  registrations(): Registration[];
  loginInitiation(user: DemoUser | DemoUserKey, options?: LoginInitiationOptions): Promise<LoginInitiationFields>;
  buildIdTokenClaims(input: BuildClaimsInput): IdTokenClaims;
  signIdToken(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** What `/authorize` does; throws `AuthRequestRejected` where Canvas shows its own error page. */
  respondToAuth(params: Record<string, string | undefined>, overrides?: AuthOverrides): Promise<AuthResponse>;
  /** What Canvas opens for a registration link pasted into "+ LTI Registration". */
  startDynamicRegistration(registrationLink: string): Promise<string>;
  /** What `/deep-link-return` does; throws `DeepLinkError` when Canvas would refuse the response. */
  verifyDeepLinkingResponse(jwt: string): Promise<DeepLinkResult>;
  /** An assignment with a gradebook column, as a link placed with a `lineItem` makes one. */
  createLineItem(input: CreateLineItemInput): LineItem;
  lineItems(): LineItem[];
  /** The latest score per line item and user. */
  gradebook(): GradebookEntry[];
  /** Every score accepted, oldest first. */
  scores(): GradebookEntry[];
  /** The next `count` score POSTs answer `status` (503 by default) before any check; replaces earlier calls. */
  failScores(count: number, status?: number): void;
}

function baseUrl(label: string, value: string): string {
  const url = new URL(value);
  if (url.search || url.hash) throw new TypeError(`${label} must not have a query or fragment`);
  return url.href.replace(/\/+$/, '');
}

function resolveUser(user: DemoUser | DemoUserKey): DemoUser {
  return typeof user === 'string' ? DEMO_USERS[user] : user;
}

/** A development and test LTI 1.3 platform that behaves like Canvas towards one tool. */
export async function createDevPlatform(options: DevPlatformOptions): Promise<DevPlatform> {
  const issuer = baseUrl('issuer', options.issuer);
  const toolUrl = baseUrl('toolUrl', options.toolUrl);
  const urls = platformUrls(issuer);
  const key = await loadPlatformKey(options);
  const secret = new PlatformSecret();
  const verifier = new ToolJwtVerifier();

  const builtIn: Registration = {
    clientId: options.clientId ?? '10000000000001',
    // Installed at the root account, as a provider installs it for all its courses.
    deploymentId: options.deploymentId ?? `1:${DEMO_ACCOUNT.ltiContextId}`,
    clientName: 'ECF Progress',
    redirectUris: [`${toolUrl}/lti/launch`],
    initiateLoginUri: `${toolUrl}/lti/login`,
    targetLinkUri: `${toolUrl}/lti/launch`,
    jwksUri: `${toolUrl}/lti/keys`,
    // As the tool's developer key JSON asks (src/lti/canvas-config.ts).
    scopes: [SCOPE.nrps, SCOPE.agsLineItemReadonly, SCOPE.agsScore],
    privacyLevel: 'public',
    customParameters: { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id' },
    messages: [
      { type: 'LtiResourceLinkRequest', label: 'My progress', placements: ['course_navigation'], customParameters: {} },
      { type: 'LtiDeepLinkingRequest', label: 'ECF progress link', placements: ['link_selection'], customParameters: {} },
    ],
    source: 'default',
  };
  const registrations = new RegistrationStore(builtIn);
  const gradebook = new Gradebook({ issuer, defaultClientId: builtIn.clientId, defaultCourse: DEMO_COURSE });
  const sign = (claims: Record<string, unknown>, signOptions?: SignOptions) => signJwt(claims, key, signOptions);
  const launches = new LaunchService({
    issuer,
    claimsContext: {
      issuer,
      canvasApiBaseUrl: options.canvasApiBaseUrl ? baseUrl('canvasApiBaseUrl', options.canvasApiBaseUrl) : new URL(issuer).origin,
      deepLinkReturnUrl: urls.deepLinkReturn,
      account: DEMO_ACCOUNT,
    },
    registrations,
    defaultClientId: builtIn.clientId,
    secret,
    gradebook,
    sign,
  });
  const dynamicRegistration = new DynamicRegistrationService({ urls, toolUrl, account: DEMO_ACCOUNT, registrations, secret });
  const tokens = new TokenService({ tokenUrl: urls.token, registrations, verifier, secret });
  const deepLinking = new DeepLinkingService({ issuer, registrations, verifier, gradebook, course: DEMO_COURSE });
  const ags = new AgsService({ tokenUrl: urls.token, registrations, secret, gradebook });

  return {
    issuer,
    toolUrl,
    clientId: builtIn.clientId,
    deploymentId: builtIn.deploymentId,
    urls,
    router: createRouter({ urls, toolUrl, publicJwk: key.publicJwk, registrations, launches, dynamicRegistration, tokens, deepLinking, gradebook, ags }),
    users: DEMO_USERS,
    course: DEMO_COURSE,
    kid: key.kid,
    publicJwk: key.publicJwk,
    publicKeyPem: key.publicPem,
    registrationForTool: {
      name: 'Development LTI platform',
      issuer,
      clientId: builtIn.clientId,
      deploymentIds: [builtIn.deploymentId],
      authUrl: urls.authorize,
      tokenUrl: urls.token,
      jwksUrl: urls.jwks,
    },
    registrations: () => registrations.list(),
    loginInitiation: (user, initiation) => launches.loginInitiation(resolveUser(user), initiation),
    buildIdTokenClaims: (input) => launches.buildIdTokenClaims(input),
    signIdToken: sign,
    respondToAuth: (params, overrides) => launches.respondToAuth(params, overrides),
    startDynamicRegistration: (registrationLink) => dynamicRegistration.startUrl(registrationLink),
    verifyDeepLinkingResponse: (jwt) => deepLinking.verifyResponse(jwt),
    createLineItem: (input) => gradebook.createLineItem(input),
    lineItems: () => gradebook.lineItems(),
    gradebook: () => gradebook.latest(),
    scores: () => gradebook.all(),
    failScores: (count, status = 503) => gradebook.failScores(count, status),
  };
}
