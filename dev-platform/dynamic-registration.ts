import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LTI_SCOPES, MESSAGE_TYPES, REGISTRATION_TOKEN_LIFETIME_S } from './constants';
import { SUPPORTED_VARIABLES } from './claims';
import type { DemoAccount } from './demo-data';
import { privacyLevelFromClaims, type Registration, type RegistrationStore } from './registrations';
import type { PlatformSecret } from './signing';
import type { PlatformUrls } from './urls';

const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PRIVACY_LEVEL = 'https://canvas.instructure.com/lti/privacy_level';
const CANVAS_PLACEMENT = 'https://canvas.instructure.com/lti/';

const httpUrl = z.url({ protocol: /^https?$/ });
const stringMap = z.record(z.string(), z.string());

const MessageSchema = z.looseObject({
  type: z.enum(MESSAGE_TYPES),
  target_link_uri: httpUrl.optional(),
  label: z.string().optional(),
  placements: z.array(z.string()).optional(),
  custom_parameters: stringMap.optional(),
});

/** The checks Canvas's `Lti::IMS::Registration` model makes before it creates a developer key. */
const RegistrationRequestSchema = z.looseObject({
  application_type: z.literal('web', { error: "Must be 'web'" }),
  grant_types: z.array(z.string()).refine((types) => types.includes('client_credentials') && types.includes('implicit'), {
    error: 'Must include client_credentials, implicit',
  }),
  response_types: z.array(z.string()).refine((types) => types.includes('id_token'), { error: 'Must include id_token' }),
  redirect_uris: z.array(httpUrl, { error: 'Must only contain valid URIs' }).min(1),
  initiate_login_uri: httpUrl,
  client_name: z.string().min(1),
  jwks_uri: httpUrl,
  logo_uri: httpUrl.optional(),
  token_endpoint_auth_method: z.literal('private_key_jwt', { error: "Must be 'private_key_jwt'" }),
  scope: z.string(),
  [TOOL_CONFIGURATION]: z.looseObject({
    domain: z.string().min(1),
    target_link_uri: httpUrl,
    description: z.string().optional(),
    custom_parameters: stringMap.optional(),
    claims: z.array(z.string()).optional(),
    messages: z.array(MessageSchema),
    [PRIVACY_LEVEL]: z.enum(['anonymous', 'name_only', 'email_only', 'public']).optional(),
  }),
});

export interface JsonReply {
  status: number;
  body: unknown;
}

export interface DynamicRegistrationDeps {
  urls: PlatformUrls;
  toolUrl: string;
  account: DemoAccount;
  registrations: RegistrationStore;
  secret: PlatformSecret;
}

const TOKEN_CLAIMS = ['uuid', 'initiated_at', 'user_id', 'root_account_global_id'] as const;

/** Placements this platform advertises, in Canvas's spelling. */
const PLACEMENTS = {
  LtiResourceLinkRequest: ['account_navigation', 'course_navigation', 'user_navigation', 'link_selection', 'assignment_selection'],
  LtiDeepLinkingRequest: ['link_selection', 'assignment_selection', 'editor_button'],
} as const;

/** LTI Dynamic Registration as Canvas runs it (CANVAS.md §2.3). */
export class DynamicRegistrationService {
  private readonly usedTokens = new Set<string>();

  constructor(private readonly deps: DynamicRegistrationDeps) {}

  /**
   * The URL Canvas opens (in an iframe) when an admin pastes the tool's registration link into
   * "+ LTI Registration": the link with the two parameters Canvas appends.
   */
  async startUrl(registrationLink: string): Promise<string> {
    const token = await this.deps.secret.sign(
      { uuid: randomUUID(), initiated_at: new Date().toISOString(), user_id: 2004, root_account_global_id: 10_000_000_000_001 },
      REGISTRATION_TOKEN_LIFETIME_S,
    );
    const openidConfiguration = `${this.deps.urls.openidConfiguration}?${new URLSearchParams({ registration_token: token })}`;
    const url = new URL(registrationLink);
    url.searchParams.set('openid_configuration', openidConfiguration);
    url.searchParams.set('registration_token', token);
    return url.href;
  }

  async openidConfiguration(token: string | undefined): Promise<JsonReply> {
    if (!(await this.readToken(token))) return { status: 401, body: { errorMessage: 'Missing or invalid registration token' } };
    const { urls, account } = this.deps;
    return {
      status: 200,
      body: {
        issuer: urls.issuer,
        authorization_endpoint: urls.authorize,
        registration_endpoint: urls.registrations,
        jwks_uri: urls.jwks,
        token_endpoint: urls.token,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', ...LTI_SCOPES],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: ['sub', 'picture', 'email', 'name', 'given_name', 'family_name', 'locale'],
        subject_types_supported: ['public'],
        // Canvas advertises a bare host here; a tool that uses it as the token `aud` is refused.
        authorization_server: new URL(urls.issuer).host,
        'https://purl.imsglobal.org/spec/lti-platform-configuration': {
          product_family_code: 'canvas',
          version: 'cloud',
          messages_supported: MESSAGE_TYPES.map((type) => ({
            type,
            placements: PLACEMENTS[type].map((placement) => `${CANVAS_PLACEMENT}${placement}`),
          })),
          variables: SUPPORTED_VARIABLES,
          'https://canvas.instructure.com/lti/account_name': account.name,
          'https://canvas.instructure.com/lti/account_lti_guid': account.ltiGuid,
          'https://canvas.instructure.com/lti/account_domain': new URL(urls.issuer).host,
        },
      },
    };
  }

  async register(token: string | undefined, body: unknown): Promise<JsonReply> {
    const payload = await this.readToken(token);
    if (!payload) return { status: 401, body: { errorMessage: 'JWT did not include expected contents' } };
    if (this.usedTokens.has(payload.uuid)) return { status: 401, body: { errorMessage: 'Registration token already used' } };

    const parsed = RegistrationRequestSchema.safeParse(body);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
      return { status: 422, body: { errors } };
    }
    const request = parsed.data;
    const scopes = request.scope.split(/\s+/).filter(Boolean);
    const invalidScopes = scopes.filter((scope) => !LTI_SCOPES.includes(scope));
    if (invalidScopes.length > 0) {
      return { status: 422, body: { errors: [{ field: 'scope', message: `Invalid scopes: ${invalidScopes.join(', ')}` }] } };
    }
    this.usedTokens.add(payload.uuid);

    const toolConfiguration = request[TOOL_CONFIGURATION];
    const { clientId, toolId } = this.deps.registrations.allocateIds();
    // Dynamic registration installs the tool in the root account, so the deployment is the account's.
    const deploymentId = `${toolId}:${this.deps.account.ltiContextId}`;
    const registration: Registration = {
      clientId,
      deploymentId,
      clientName: request.client_name,
      redirectUris: request.redirect_uris,
      initiateLoginUri: request.initiate_login_uri,
      targetLinkUri: toolConfiguration.target_link_uri,
      jwksUri: request.jwks_uri,
      scopes,
      privacyLevel: toolConfiguration[PRIVACY_LEVEL] ?? privacyLevelFromClaims(toolConfiguration.claims ?? []),
      customParameters: toolConfiguration.custom_parameters ?? {},
      messages: toolConfiguration.messages.map((message) => ({
        type: message.type,
        targetLinkUri: message.target_link_uri,
        label: message.label,
        placements: message.placements ?? [],
        customParameters: message.custom_parameters ?? {},
      })),
      source: 'dynamic-registration',
    };
    this.deps.registrations.add(registration);

    return {
      status: 200,
      body: {
        client_id: clientId,
        application_type: request.application_type,
        grant_types: request.grant_types,
        initiate_login_uri: request.initiate_login_uri,
        redirect_uris: request.redirect_uris,
        response_types: request.response_types,
        client_name: request.client_name,
        jwks_uri: request.jwks_uri,
        logo_uri: request.logo_uri,
        token_endpoint_auth_method: request.token_endpoint_auth_method,
        scope: scopes.join(' '),
        [TOOL_CONFIGURATION]: {
          ...toolConfiguration,
          // The IMS spec's place for it; Canvas sends it top-level as well.
          deployment_id: deploymentId,
        },
        deployment_id: deploymentId,
      },
    };
  }

  private async readToken(token: string | undefined): Promise<{ uuid: string } | null> {
    const payload = token ? await this.deps.secret.verify(token) : null;
    if (!payload || !TOKEN_CLAIMS.every((claim) => claim in payload) || typeof payload.uuid !== 'string') return null;
    return { uuid: payload.uuid };
  }
}
