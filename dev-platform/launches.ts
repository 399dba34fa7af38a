import { randomBytes } from 'node:crypto';
import { MESSAGE_HINT_LIFETIME_S, STORAGE_TARGET, type MessageType } from './constants';
import { applyClaimsTamper, buildClaims, type ClaimsContext, type ClaimsTamper, type IdTokenClaims, type BuildClaimsInput } from './claims';
import type { DemoUser } from './demo-data';
import type { Gradebook, LineItem } from './gradebook';
import { isRegisteredRedirectUri, type Registration, type RegistrationStore } from './registrations';
import type { PlatformSecret, SignOptions } from './signing';

export interface LoginInitiationOptions {
  messageType?: MessageType;
  targetLinkUri?: string;
  custom?: Record<string, string>;
  placement?: string | null;
  /** The registration to launch; the default registration when left out. */
  clientId?: string;
  /**
   * Open the assignment behind this line item (`DevPlatform.createLineItem`): its resource
   * link, title, custom fields and URL, the AGS claim's `lineitem`, and no placement. The
   * registration is the line item's unless `clientId` says otherwise.
   */
  lineItemId?: string;
}

/** Exactly what Canvas form-posts to the tool's OIDC login URL. */
export type LoginInitiationFields = {
  iss: string;
  login_hint: string;
  target_link_uri: string;
  lti_message_hint: string;
  client_id: string;
  lti_deployment_id: string;
  deployment_id: string;
  canvas_region: string;
  canvas_environment: string;
  lti_storage_target: string;
};

export interface AuthOverrides {
  claims?: ClaimsTamper;
  header?: Record<string, unknown>;
  signWith?: SignOptions;
}

/** The form Canvas's authorize page auto-submits to the tool. */
export interface AuthResponse {
  action: string;
  fields: Record<string, string>;
}

/**
 * An auth request Canvas answers with an error page of its own instead of posting back: it
 * never posts to a redirect URI it cannot trust, nor for a hint it did not sign.
 */
export class AuthRequestRejected extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AuthRequestRejected';
  }
}

/** Canvas caches the whole launch at login initiation and hands it out once. */
interface PendingLaunch {
  clientId: string;
  user: DemoUser;
  messageType: MessageType;
  targetLinkUri?: string;
  custom?: Record<string, string>;
  placement?: string | null;
  lineItem?: LineItem;
  iat: number;
  expiresAtMs: number;
}

const REQUIRED_PARAMS = [
  'client_id',
  'login_hint',
  'lti_message_hint',
  'nonce',
  'prompt',
  'redirect_uri',
  'response_mode',
  'response_type',
  'scope',
  // Canvas treats `state` as optional; a tool that omits it has no CSRF defence, so it fails here.
  'state',
] as const;

const EXPECTED_VALUES: ReadonlyArray<[param: string, value: string]> = [
  ['scope', 'openid'],
  ['response_type', 'id_token'],
  ['response_mode', 'form_post'],
  ['prompt', 'none'],
];

export interface LaunchServiceDeps {
  issuer: string;
  claimsContext: ClaimsContext;
  registrations: RegistrationStore;
  defaultClientId: string;
  secret: PlatformSecret;
  gradebook: Gradebook;
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

export class LaunchService {
  private readonly pending = new Map<string, PendingLaunch>();

  constructor(private readonly deps: LaunchServiceDeps) {}

  registrationFor(clientId: string | undefined): Registration {
    const registration = this.deps.registrations.get(clientId ?? this.deps.defaultClientId);
    if (!registration) throw new Error(`no registration has client_id ${clientId}`);
    return registration;
  }

  buildIdTokenClaims(input: BuildClaimsInput): IdTokenClaims {
    return buildClaims(this.deps.claimsContext, this.registrationFor(input.clientId), input);
  }

  async loginInitiation(user: DemoUser, options: LoginInitiationOptions = {}): Promise<LoginInitiationFields> {
    const lineItem = options.lineItemId === undefined ? undefined : this.lineItemFor(options.lineItemId, user);
    const registration = this.registrationFor(options.clientId ?? lineItem?.clientId);
    if (lineItem && lineItem.clientId !== registration.clientId) throw new Error(`line item ${lineItem.id} belongs to client ${lineItem.clientId}`);
    const messageType = options.messageType ?? 'LtiResourceLinkRequest';
    const targetLinkUri = options.targetLinkUri ?? lineItem?.targetLinkUri;
    const nowMs = Date.now();
    this.sweep(nowMs);
    const verifier = randomBytes(64).toString('hex');
    this.pending.set(verifier, {
      clientId: registration.clientId,
      user,
      messageType,
      targetLinkUri,
      custom: options.custom,
      placement: options.placement,
      lineItem,
      iat: Math.floor(nowMs / 1000),
      expiresAtMs: nowMs + MESSAGE_HINT_LIFETIME_S * 1000,
    });
    const { course } = user;
    const hint = await this.deps.secret.sign(
      {
        verifier,
        canvas_domain: new URL(this.deps.issuer).host,
        context_type: 'Course',
        context_id: Number(course.canvasCourseId),
        canvas_locale: 'en',
        include_storage_target: true,
      },
      MESSAGE_HINT_LIFETIME_S,
    );
    const message = registration.messages.find((candidate) => candidate.type === messageType);
    return {
      iss: this.deps.issuer,
      login_hint: user.lti11Id,
      target_link_uri: targetLinkUri ?? message?.targetLinkUri ?? registration.targetLinkUri,
      lti_message_hint: hint,
      client_id: registration.clientId,
      lti_deployment_id: registration.deploymentId,
      deployment_id: registration.deploymentId,
      canvas_region: 'unknown',
      canvas_environment: 'prod',
      lti_storage_target: STORAGE_TARGET,
    };
  }

  /**
   * What Canvas's `/api/lti/authorize` does with the tool's auth request. Checks run in
   * Canvas's order and, as in Canvas, a later failure replaces an earlier one.
   */
  async respondToAuth(params: Record<string, string | undefined>, overrides: AuthOverrides = {}): Promise<AuthResponse> {
    const hint = params.lti_message_hint ? await this.deps.secret.verify(params.lti_message_hint) : null;
    if (!hint || typeof hint.verifier !== 'string') throw new AuthRequestRejected(400, 'Invalid lti_message_hint');
    const registration = params.client_id ? this.deps.registrations.get(params.client_id) : undefined;
    if (!registration) throw new AuthRequestRejected(404, 'The client_id is not a developer key of this platform');
    const redirectUri = params.redirect_uri;
    if (!redirectUri || !isRegisteredRedirectUri(registration, redirectUri)) throw new AuthRequestRejected(400, 'Invalid redirect_uri');

    let error: { error: string; error_description: string } | undefined;
    const missing = REQUIRED_PARAMS.filter((name) => !params[name]);
    if (missing.length > 0) {
      error = { error: 'invalid_request_object', error_description: `The following parameters are missing: ${missing.join(',')}` };
    }
    for (const [name, expected] of EXPECTED_VALUES) {
      if (params[name] && params[name] !== expected) {
        error = { error: 'invalid_request_object', error_description: `The '${name}' must be '${expected}'` };
      }
    }
    const launch = this.pending.get(hint.verifier);
    if (launch && launch.user.lti11Id !== params.login_hint) {
      error = { error: 'login_required', error_description: 'Must have an active user session' };
    }
    if (launch && launch.clientId !== registration.clientId) {
      error = { error: 'unauthorized_client', error_description: 'Client not authorized in requested context' };
    }
    if (!error) {
      this.pending.delete(hint.verifier);
      if (!launch || launch.expiresAtMs <= Date.now()) {
        error = { error: 'launch_no_longer_valid', error_description: 'The launch has either expired or already been consumed' };
      }
    }

    // Rails adds these two to every form it renders, so the tool sees them on every launch.
    const fields: Record<string, string> = { utf8: '✓', authenticity_token: randomBytes(64).toString('base64') };
    if (error || !launch) {
      Object.assign(fields, error);
      if (params.state) fields.state = params.state;
      return { action: redirectUri, fields };
    }

    const claims = buildClaims(this.deps.claimsContext, registration, { ...launch, nonce: params.nonce as string });
    fields.id_token = await this.deps.sign(applyClaimsTamper(claims, overrides.claims), {
      ...overrides.signWith,
      header: { ...overrides.signWith?.header, ...overrides.header },
    });
    if (params.state) fields.state = params.state;
    if (hint.include_storage_target === true) fields.lti_storage_target = STORAGE_TARGET;
    return { action: redirectUri, fields };
  }

  /** Canvas shows an assignment only to people in its course. */
  private lineItemFor(id: string, user: DemoUser): LineItem {
    const lineItem = this.deps.gradebook.lineItem(id);
    if (!lineItem) throw new Error(`no line item has id ${id}`);
    if (lineItem.courseId !== user.course.canvasCourseId) throw new Error(`line item ${id} is in course ${lineItem.courseId}, not ${user.key}'s course`);
    return lineItem;
  }

  private sweep(nowMs: number): void {
    for (const [verifier, launch] of this.pending) {
      if (launch.expiresAtMs <= nowMs) this.pending.delete(verifier);
    }
  }
}
