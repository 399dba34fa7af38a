import express from 'express';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { CLAIM, SCOPE, createDevPlatform, type DevPlatform } from '../../dev-platform';
import { sharedPlatformKeyPair } from './support';

const ISSUER = 'http://127.0.0.1:3999/dev-platform';
const TOOL_URL = 'http://127.0.0.1:3999';
const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

let platform: DevPlatform;
let app: express.Express;

beforeEach(async () => {
  platform = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyPair: await sharedPlatformKeyPair() });
  app = express().use('/dev-platform', platform.router);
});

/** The registration ltijs 5.9.9 posts, plus the Canvas extras a tool would add. */
function registrationRequest(changes: Record<string, unknown> = {}) {
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: `${TOOL_URL}/lti/login`,
    redirect_uris: [`${TOOL_URL}/lti/launch`],
    client_name: 'ECF Progress',
    jwks_uri: `${TOOL_URL}/lti/keys`,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: SCOPE.nrps,
    [TOOL_CONFIGURATION]: {
      domain: '127.0.0.1:3999',
      target_link_uri: `${TOOL_URL}/lti/launch`,
      custom_parameters: { canvas_user_id: '$Canvas.user.id', sis_id: '$Person.sourcedId', unknown: '$Not.a.variable' },
      claims: ['sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [
        { type: 'LtiResourceLinkRequest', placements: ['https://canvas.instructure.com/lti/course_navigation'], label: 'My progress' },
        { type: 'LtiDeepLinkingRequest' },
      ],
    },
    ...changes,
  };
}

const REGISTRATION_LINK = `${TOOL_URL}/lti/register/${'a'.repeat(43)}`;

/** What the tool does with the URL Canvas opens for its registration link: split it into its two query parameters. */
async function start(): Promise<{ openidConfiguration: string; token: string }> {
  const url = new URL(await platform.startDynamicRegistration(REGISTRATION_LINK));
  expect(`${url.origin}${url.pathname}`).toBe(REGISTRATION_LINK);
  expect([...url.searchParams.keys()]).toEqual(['openid_configuration', 'registration_token']);
  const openidConfiguration = url.searchParams.get('openid_configuration') ?? '';
  const token = url.searchParams.get('registration_token') ?? '';
  return { openidConfiguration, token };
}

const path = (url: string) => url.slice(new URL(ISSUER).origin.length);

describe('dynamic registration', () => {
  it('serves a Canvas-flavoured OpenID configuration to the holder of a registration token', async () => {
    const { openidConfiguration, token } = await start();
    expect(openidConfiguration).toContain(`${ISSUER}/.well-known/openid-configuration?registration_token=`);
    expect(decodeJwt(token).exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);

    const response = await request(app).get(path(openidConfiguration)).expect(200);
    expect(response.body).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
      registration_endpoint: `${ISSUER}/registrations`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      id_token_signing_alg_values_supported: ['RS256'],
      authorization_server: '127.0.0.1:3999',
      'https://purl.imsglobal.org/spec/lti-platform-configuration': {
        product_family_code: 'canvas',
        messages_supported: [
          { type: 'LtiResourceLinkRequest', placements: expect.arrayContaining(['https://canvas.instructure.com/lti/course_navigation']) },
          { type: 'LtiDeepLinkingRequest', placements: expect.arrayContaining(['https://canvas.instructure.com/lti/link_selection']) },
        ],
        variables: expect.arrayContaining(['Canvas.user.id', 'Canvas.course.id']),
      },
    });
    expect(response.body.scopes_supported).toContain(SCOPE.nrps);
  });

  it('refuses the OpenID configuration without a registration token', async () => {
    await request(app).get('/dev-platform/.well-known/openid-configuration').expect(401);
    await request(app).get('/dev-platform/.well-known/openid-configuration').query({ registration_token: 'forged' }).expect(401);
  });

  it('registers the tool, answering with a client_id and deployment_id as Canvas does', async () => {
    const { token } = await start();
    const response = await request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(registrationRequest()).expect(200);

    const { client_id: clientId, deployment_id: deploymentId } = response.body as { client_id: string; deployment_id: string };
    expect(clientId).toMatch(/^\d+$/);
    expect(clientId).not.toBe(platform.clientId);
    expect(deploymentId).toMatch(/^\d+:[0-9a-f]{40}$/);
    expect(deploymentId).not.toBe(platform.deploymentId);
    expect(response.body[TOOL_CONFIGURATION]).toMatchObject({ deployment_id: deploymentId, domain: '127.0.0.1:3999' });
    expect(response.body).toMatchObject({ client_name: 'ECF Progress', scope: SCOPE.nrps, redirect_uris: [`${TOOL_URL}/lti/launch`] });

    const stored = platform.registrations().find((registration) => registration.clientId === clientId);
    expect(stored).toMatchObject({ deploymentId, source: 'dynamic-registration', privacyLevel: 'public', jwksUri: `${TOOL_URL}/lti/keys` });
  });

  it('launches the new registration with its client_id, deployment and expanded custom fields', async () => {
    const { token } = await start();
    const registered = await request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(registrationRequest());
    const { client_id: clientId, deployment_id: deploymentId } = registered.body as { client_id: string; deployment_id: string };

    const login = await platform.loginInitiation('ect', { clientId });
    expect(login).toMatchObject({ client_id: clientId, lti_deployment_id: deploymentId });
    const { fields } = await platform.respondToAuth({
      client_id: clientId,
      redirect_uri: login.target_link_uri,
      login_hint: login.login_hint,
      lti_message_hint: login.lti_message_hint,
      nonce: 'n-1',
      state: 's-1',
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
    });
    const claims = decodeJwt(fields.id_token);
    expect(claims).toMatchObject({ aud: clientId, [CLAIM.deploymentId]: deploymentId });
    expect(claims[CLAIM.custom]).toEqual({
      canvas_user_id: platform.users.ect.canvasUserId,
      sis_id: platform.users.ect.sisId,
      unknown: '$Not.a.variable',
      ecf_programme: 'ect',
    });
  });

  it('posts unauthorized_client when another registration answers a launch meant for the first', async () => {
    const { token } = await start();
    const registered = await request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(registrationRequest());
    const otherClientId = (registered.body as { client_id: string }).client_id;

    const login = await platform.loginInitiation('ect');
    const { fields } = await platform.respondToAuth({
      client_id: otherClientId,
      redirect_uri: login.target_link_uri,
      login_hint: login.login_hint,
      lti_message_hint: login.lti_message_hint,
      nonce: 'n-2',
      state: 's-2',
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
    });
    expect(fields).toMatchObject({ error: 'unauthorized_client', state: 's-2' });
    expect(fields).not.toHaveProperty('id_token');
  });

  it('infers a narrower privacy level from the claims the tool asks for', async () => {
    const { token } = await start();
    const body = registrationRequest();
    body[TOOL_CONFIGURATION].claims = ['sub', 'name', 'given_name', 'family_name'];
    const registered = await request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(body).expect(200);
    const clientId = (registered.body as { client_id: string }).client_id;
    expect(platform.registrations().find((registration) => registration.clientId === clientId)?.privacyLevel).toBe('name_only');

    const claims = platform.buildIdTokenClaims({ user: platform.users.ect, nonce: 'n', clientId });
    expect(claims.name).toBe(platform.users.ect.name);
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('picture');
  });

  it('refuses a registration without a bearer token, or with a used one', async () => {
    await request(app).post('/dev-platform/registrations').send(registrationRequest()).expect(401);

    const { token } = await start();
    await request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(registrationRequest()).expect(200);
    await request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(registrationRequest()).expect(401);
    expect(platform.registrations()).toHaveLength(2);
  });

  it('refuses a registration Canvas would not accept, naming the field', async () => {
    const { token } = await start();
    const post = (body: object) => request(app).post('/dev-platform/registrations').set('Authorization', `Bearer ${token}`).send(body);

    const noImplicit = await post(registrationRequest({ grant_types: ['client_credentials'] })).expect(422);
    expect(noImplicit.body.errors).toEqual([{ field: 'grant_types', message: 'Must include client_credentials, implicit' }]);

    const badScope = await post(registrationRequest({ scope: `${SCOPE.nrps} https://example.org/scope/everything` })).expect(422);
    expect(badScope.body.errors[0]).toMatchObject({ field: 'scope', message: expect.stringContaining('https://example.org/scope/everything') });

    const noMessages = registrationRequest();
    delete (noMessages[TOOL_CONFIGURATION] as { messages?: unknown }).messages;
    const missing = await post(noMessages).expect(422);
    expect(missing.body.errors[0].field).toBe(`${TOOL_CONFIGURATION}.messages`);

    // None of the refusals used up the token.
    await post(registrationRequest()).expect(200);
  });
});
