import { randomUUID } from 'node:crypto';
import express from 'express';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import {
  AuthRequestRejected,
  CLAIM,
  ROLE,
  createDevPlatform,
  type DevPlatform,
  type LoginInitiationFields,
} from '../../dev-platform';
import { readAutoSubmitForm } from '../../dev-platform/html';
import { sharedPlatformKeyPair } from './support';

const ISSUER = 'http://127.0.0.1:3999/dev-platform';
const TOOL_URL = 'http://127.0.0.1:3999';
const LAUNCH_URL = `${TOOL_URL}/lti/launch`;

let platform: DevPlatform;
let app: express.Express;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  platform = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyPair: await sharedPlatformKeyPair() });
  app = express().use('/dev-platform', platform.router);
  const response = await request(app).get('/dev-platform/jwks').expect(200);
  jwks = createLocalJWKSet(response.body as JSONWebKeySet);
});

/** The auth request ltijs sends after a login initiation (its redirect's query string). */
function authRequest(login: LoginInitiationFields, changes: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'id_token',
    response_mode: 'form_post',
    id_token_signed_response_alg: 'RS256',
    scope: 'openid',
    client_id: login.client_id,
    redirect_uri: login.target_link_uri,
    login_hint: login.login_hint,
    nonce: `nonce-${randomUUID()}`,
    prompt: 'none',
    state: `state-${randomUUID()}`,
    lti_message_hint: login.lti_message_hint,
    lti_deployment_id: login.lti_deployment_id,
    ...changes,
  };
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Fakes the clock only: HTTP in these tests still needs real timers. */
function fakeClock(): number {
  const start = Date.now();
  jest.useFakeTimers({
    now: start,
    doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
  });
  return start;
}

async function authorize(params: Record<string, string>) {
  const response = await request(app).get('/dev-platform/authorize').query(params);
  return { response, form: readAutoSubmitForm(response.text) };
}

describe('login initiation', () => {
  it('posts the fields Canvas posts, with the LTI 1.1 id as login_hint', async () => {
    const login = await platform.loginInitiation('ect');
    expect(Object.keys(login).sort()).toEqual(
      [
        'canvas_environment',
        'canvas_region',
        'client_id',
        'deployment_id',
        'iss',
        'login_hint',
        'lti_deployment_id',
        'lti_message_hint',
        'lti_storage_target',
        'target_link_uri',
      ].sort(),
    );
    expect(login).toMatchObject({
      iss: ISSUER,
      login_hint: platform.users.ect.lti11Id,
      target_link_uri: LAUNCH_URL,
      client_id: platform.clientId,
      lti_deployment_id: platform.deploymentId,
      deployment_id: platform.deploymentId,
      lti_storage_target: 'post_message_forwarding',
    });
    expect(platform.deploymentId).toMatch(/^1:[0-9a-f]{40}$/);
    expect(decodeJwt(login.lti_message_hint)).toMatchObject({ context_type: 'Course', context_id: Number(platform.course.canvasCourseId), include_storage_target: true });
    expect(decodeJwt(login.lti_message_hint).exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 300);
  });
});

describe('GET /authorize with a good request', () => {
  it('auto-submits the id_token, state and Canvas extras to the redirect URI', async () => {
    const params = authRequest(await platform.loginInitiation('ect'));
    const { response, form } = await authorize(params);
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toContain(`form-action 'self' ${TOOL_URL}`);
    expect(response.text).toContain(`<form id="auto-submit" method="post" action="${LAUNCH_URL}">`);
    expect(form?.action).toBe(LAUNCH_URL);
    expect(Object.keys(form?.fields ?? {}).sort()).toEqual(['authenticity_token', 'id_token', 'lti_storage_target', 'state', 'utf8']);
    expect(form?.fields).toMatchObject({ state: params.state, utf8: '✓', lti_storage_target: 'post_message_forwarding' });
  });

  it('signs a verifiable id_token with Canvas-shaped claims', async () => {
    const params = authRequest(await platform.loginInitiation('ect'));
    const { form } = await authorize(params);
    const idToken = form?.fields.id_token ?? '';
    expect(decodeProtectedHeader(idToken)).toEqual({ typ: 'JWT', alg: 'RS256', kid: platform.kid });
    const { payload } = await jwtVerify(idToken, jwks, { algorithms: ['RS256'], issuer: ISSUER, audience: platform.clientId });
    const { ect } = platform.users;
    const { course } = platform;

    expect(payload).toMatchObject({
      azp: platform.clientId,
      sub: ect.sub,
      nonce: params.nonce,
      name: ect.name,
      given_name: ect.givenName,
      family_name: ect.familyName,
      email: ect.email,
      locale: 'en',
      [CLAIM.messageType]: 'LtiResourceLinkRequest',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: platform.deploymentId,
      [CLAIM.targetLinkUri]: LAUNCH_URL,
      [CLAIM.resourceLink]: { id: course.contextId, title: 'My progress' },
      [CLAIM.context]: { id: course.contextId, label: course.label, title: course.title },
      [CLAIM.roles]: [ROLE.institutionStudent, ROLE.learner, ROLE.systemUser],
      [CLAIM.custom]: { canvas_user_id: ect.canvasUserId, canvas_course_id: course.canvasCourseId, ecf_programme: 'ect' },
      [CLAIM.launchPresentation]: { document_target: 'iframe', locale: 'en' },
      [CLAIM.toolPlatform]: { product_family_code: 'canvas' },
      [CLAIM.placement]: 'course_navigation',
      [CLAIM.lti11LegacyUserId]: ect.lti11Id,
      [CLAIM.namesRoleService]: {
        context_memberships_url: `http://127.0.0.1:3999/api/lti/courses/${course.canvasCourseId}/names_and_roles`,
        service_versions: ['2.0'],
      },
    });
    expect(payload[CLAIM.deploymentId]).toMatch(/^\d+:[0-9a-f]{40}$/);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(payload).not.toHaveProperty(CLAIM.deepLinkingSettings);
  });

  it('stamps iat at login initiation, not at authorization, as Canvas does', async () => {
    const start = fakeClock();
    try {
      const login = await platform.loginInitiation('ect');
      jest.setSystemTime(start + 20_000);
      const { form } = await authorize(authRequest(login));
      expect(decodeJwt(form?.fields.id_token ?? '').iat).toBe(Math.floor(start / 1000));
    } finally {
      jest.useRealTimers();
    }
  });

  it('accepts the request as a form POST too', async () => {
    const params = authRequest(await platform.loginInitiation('mentor'));
    const response = await request(app).post('/dev-platform/authorize').type('form').send(params).expect(200);
    const idToken = readAutoSubmitForm(response.text)?.fields.id_token ?? '';
    expect(decodeJwt(idToken)[CLAIM.custom]).toMatchObject({ ecf_programme: 'mentor' });
  });

  it("ignores the redirect URI's query string, as Canvas does", async () => {
    const params = authRequest(await platform.loginInitiation('ect'), { redirect_uri: `${LAUNCH_URL}?p=course` });
    const { form } = await authorize(params);
    expect(form?.action).toBe(`${LAUNCH_URL}?p=course`);
    expect(form?.fields.id_token).toBeDefined();
  });

  it('gives each role the LTI roles Canvas sends', async () => {
    const rolesOf = async (user: 'facilitator' | 'admin') => {
      const { form } = await authorize(authRequest(await platform.loginInitiation(user)));
      return decodeJwt(form?.fields.id_token ?? '')[CLAIM.roles];
    };
    expect(await rolesOf('facilitator')).toEqual([ROLE.institutionInstructor, ROLE.instructor, ROLE.systemUser]);
    const adminRoles = (await rolesOf('admin')) as string[];
    expect(adminRoles).toEqual([ROLE.institutionAdministrator, ROLE.systemUser]);
    expect(adminRoles.some((role) => role.includes('/membership#'))).toBe(false);
  });

  it('builds deep-linking requests with the settings and return URL Canvas sends', async () => {
    const params = authRequest(await platform.loginInitiation('facilitator', { messageType: 'LtiDeepLinkingRequest' }));
    const { form } = await authorize(params);
    const payload = decodeJwt(form?.fields.id_token ?? '');
    expect(payload[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(payload[CLAIM.placement]).toBe('link_selection');
    expect(payload).not.toHaveProperty(CLAIM.resourceLink);
    expect(payload[CLAIM.deepLinkingSettings]).toMatchObject({
      deep_link_return_url: `${ISSUER}/deep-link-return`,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: true,
      data: expect.stringMatching(/^dl-/),
    });
  });
});

describe('GET /authorize refusals', () => {
  it('answers with its own 400 page for a redirect URI that is not registered', async () => {
    const login = await platform.loginInitiation('ect');
    for (const redirectUri of ['https://evil.example/lti/launch', `${LAUNCH_URL}/`]) {
      const { response, form } = await authorize(authRequest(login, { redirect_uri: redirectUri }));
      expect(response.status).toBe(400);
      expect(response.text).toContain('Invalid redirect_uri');
      expect(form).toBeUndefined();
    }
  });

  it('posts invalid_request_object back when the nonce is missing', async () => {
    const params = authRequest(await platform.loginInitiation('ect'), { nonce: undefined });
    const { response, form } = await authorize(params);
    expect(response.status).toBe(200);
    expect(form?.action).toBe(LAUNCH_URL);
    expect(form?.fields).toMatchObject({
      error: 'invalid_request_object',
      error_description: 'The following parameters are missing: nonce',
      state: params.state,
    });
    expect(form?.fields).not.toHaveProperty('id_token');
  });

  it.each([
    ['scope', 'openid profile'],
    ['response_type', 'code'],
    ['response_mode', 'query'],
    ['prompt', 'login'],
  ])('posts invalid_request_object back when %s is %p', async (name, value) => {
    const { form } = await authorize(authRequest(await platform.loginInitiation('ect'), { [name]: value }));
    expect(form?.fields.error).toBe('invalid_request_object');
    expect(form?.fields.error_description).toContain(name);
  });

  it('requires state, which Canvas only recommends', async () => {
    const { form } = await authorize(authRequest(await platform.loginInitiation('ect'), { state: undefined }));
    expect(form?.fields).toMatchObject({ error: 'invalid_request_object', error_description: expect.stringContaining('state') });
    expect(form?.fields).not.toHaveProperty('state');
  });

  it("posts login_required when login_hint is not the launching user's", async () => {
    const params = authRequest(await platform.loginInitiation('ect'), { login_hint: platform.users.mentor.lti11Id });
    const { form } = await authorize(params);
    expect(form?.fields).toMatchObject({ error: 'login_required', state: params.state });
  });

  it('posts launch_no_longer_valid when the same launch is authorized twice', async () => {
    const login = await platform.loginInitiation('ect');
    const first = await authorize(authRequest(login));
    expect(first.form?.fields.id_token).toBeDefined();
    const second = await authorize(authRequest(login));
    expect(second.form?.fields).toMatchObject({ error: 'launch_no_longer_valid' });
    expect(second.form?.fields).not.toHaveProperty('id_token');
  });

  it('refuses a launch authorized more than 5 minutes after login initiation', async () => {
    const start = fakeClock();
    try {
      const login = await platform.loginInitiation('ect');
      jest.setSystemTime(start + 301_000);
      const { response, form } = await authorize(authRequest(login));
      expect(response.status).toBe(400);
      expect(response.text).toContain('Invalid lti_message_hint');
      expect(form).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers 404 for an unknown client_id and 400 for a hint it did not sign', async () => {
    const login = await platform.loginInitiation('ect');
    expect((await authorize(authRequest(login, { client_id: '999' }))).response.status).toBe(404);

    const other = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyPair: await sharedPlatformKeyPair() });
    const foreignHint = (await other.loginInitiation('ect')).lti_message_hint;
    const { response } = await authorize(authRequest(login, { lti_message_hint: foreignHint }));
    expect(response.status).toBe(400);
    expect(response.text).toContain('Invalid lti_message_hint');
  });
});

describe('respondToAuth', () => {
  it('returns the form as data and lets a test patch claims and signing', async () => {
    const params = authRequest(await platform.loginInitiation('ect'));
    const { action, fields } = await platform.respondToAuth(params, {
      claims: { sub: undefined, aud: [platform.clientId, 'another-client'], [CLAIM.version]: '1.2.0' },
      header: { kid: 'not-a-key' },
    });
    expect(action).toBe(LAUNCH_URL);
    const payload = decodeJwt(fields.id_token);
    expect(payload).not.toHaveProperty('sub');
    expect(payload.aud).toEqual([platform.clientId, 'another-client']);
    expect(payload[CLAIM.version]).toBe('1.2.0');
    expect(decodeProtectedHeader(fields.id_token).kid).toBe('not-a-key');
  });

  it('signs with the requested algorithm', async () => {
    const params = authRequest(await platform.loginInitiation('ect'));
    const { fields } = await platform.respondToAuth(params, { signWith: { alg: 'none' } });
    expect(decodeProtectedHeader(fields.id_token).alg).toBe('none');
    expect(fields.id_token.endsWith('.')).toBe(true);
  });

  it('throws AuthRequestRejected where Canvas shows its own error page', async () => {
    const params = authRequest(await platform.loginInitiation('ect'), { redirect_uri: 'https://evil.example/' });
    const error: unknown = await platform.respondToAuth(params).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthRequestRejected);
    expect((error as AuthRequestRejected).status).toBe(400);
  });
});
