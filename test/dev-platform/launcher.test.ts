import { randomBytes } from 'node:crypto';
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { CLAIM, type DevPlatform } from '../../dev-platform';
import { launchTool } from '../../dev-platform/launcher';
import { startPlatform, type Listening } from './support';

/**
 * A stand-in for the tool with ltijs 5.9.9's launch contract: a `state<state>` cookie at login,
 * a redirect to the platform's auth URL, validation at `/lti/launch`, then a redirect to
 * `/lti/launch?ltik=…` that needs the session cookie.
 */
function mountFakeTool(app: express.Express, current: () => DevPlatform): void {
  const nonces = new Map<string, string>();
  const sessions = new Map<string, { sub: string; name: string; messageType: string }>();
  let keySet: ReturnType<typeof createRemoteJWKSet> | undefined;
  const cookiesOf = (req: express.Request) =>
    Object.fromEntries((req.get('cookie') ?? '').split('; ').filter(Boolean).map((pair) => pair.split('=') as [string, string]));

  app.all('/lti/login', express.urlencoded({ extended: false }), (req, res) => {
    const params = { ...req.query, ...req.body } as Record<string, string>;
    const platform = current();
    if (params.iss !== platform.issuer || params.client_id !== platform.clientId) return res.status(400).send('UNREGISTERED_PLATFORM');
    const state = randomBytes(25).toString('hex');
    const nonce = randomBytes(12).toString('hex');
    nonces.set(state, nonce);
    res.cookie(`state${state}`, params.iss, { ...cookieOptions, maxAge: 60_000, httpOnly: true });
    const query = new URLSearchParams({
      response_type: 'id_token',
      response_mode: 'form_post',
      scope: 'openid',
      client_id: params.client_id,
      redirect_uri: params.target_link_uri.split('?')[0],
      login_hint: params.login_hint,
      nonce,
      prompt: 'none',
      state,
      lti_message_hint: params.lti_message_hint,
    });
    res.redirect(`${platform.urls.authorize}?${query}`);
  });

  app.post('/lti/launch', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Record<string, string>;
    if (body.error) return res.status(401).send(`PLATFORM_ERROR ${body.error}`);
    if (!cookiesOf(req)[`state${body.state}`]) return res.status(401).send('MISSING_VALIDATION_COOKIE');
    res.clearCookie(`state${body.state}`, cookieOptions);
    const platform = current();
    keySet ??= createRemoteJWKSet(new URL(platform.urls.jwks));
    try {
      const { payload } = await jwtVerify(body.id_token, keySet, { algorithms: ['RS256'], issuer: platform.issuer, audience: platform.clientId });
      const expectedNonce = nonces.get(body.state);
      nonces.delete(body.state);
      if (payload.nonce !== expectedNonce) return res.status(401).send('NONCE_INVALID');
      const ltik = randomBytes(16).toString('hex');
      sessions.set(ltik, { sub: String(payload.sub), name: String(payload.name), messageType: String(payload[CLAIM.messageType]) });
      res.cookie('ltiSession', String(payload.sub), cookieOptions);
      return res.redirect(`/lti/launch?ltik=${ltik}`);
    } catch (error) {
      return res.status(401).send(`INVALID_TOKEN ${(error as Error).message}`);
    }
  });

  app.get('/lti/launch', (req, res) => {
    const session = sessions.get(String(req.query.ltik));
    if (!session || cookiesOf(req).ltiSession !== session.sub) return res.status(401).send('SESSION_NOT_FOUND');
    return res.send(`Hello ${session.name} (${session.messageType})`);
  });
}

let cookieOptions: express.CookieOptions = { path: '/' };
let platform: DevPlatform;
let server: Listening;
let toolUrl: string;

beforeAll(async () => {
  ({ platform, server, toolUrl } = await startPlatform(mountFakeTool));
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  cookieOptions = { path: '/' };
});

describe('launchTool', () => {
  it('performs the whole Canvas launch over HTTP and lands on the tool page', async () => {
    const result = await launchTool({ toolUrl, platform, user: 'ect' });
    expect(result.status).toBe(200);
    expect(result.body).toBe('Hello Amira Khan (LtiResourceLinkRequest)');
    expect(result.steps.map(({ method, status }) => `${method} ${status}`)).toEqual(['POST 302', 'GET 200', 'POST 302', 'GET 200']);
    expect(result.steps[0].url).toBe(`${toolUrl}/lti/login`);
    expect(result.steps[1].url.startsWith(platform.urls.authorize)).toBe(true);
    expect(result.steps[2].url).toBe(`${toolUrl}/lti/launch`);
    expect(result.finalUrl).toMatch(/\/lti\/launch\?ltik=[0-9a-f]+$/);
    expect(result.cookies.ltiSession).toBe(platform.users.ect.sub);
    expect(Object.keys(result.cookies).some((name) => name.startsWith('state'))).toBe(false);
    expect(result.launchFields).toMatchObject({ utf8: '✓', lti_storage_target: 'post_message_forwarding' });
  });

  it('launches deep linking for the facilitator', async () => {
    const result = await launchTool({ toolUrl, platform, user: platform.users.facilitator, messageType: 'LtiDeepLinkingRequest' });
    expect(result.body).toBe('Hello Carys Evans (LtiDeepLinkingRequest)');
  });

  it('can drop the state cookie before the launch POST', async () => {
    const result = await launchTool({ toolUrl, platform, user: 'ect', tamper: { cookies: (jar) => jar.delete(/^state/) } });
    expect(result.status).toBe(401);
    expect(result.body).toBe('MISSING_VALIDATION_COOKIE');
    expect(result.steps).toHaveLength(3);
  });

  it('can alter the posted state', async () => {
    const result = await launchTool({ toolUrl, platform, user: 'ect', tamper: { launchFields: (fields) => ({ ...fields, state: 'forged' }) } });
    expect(result.status).toBe(401);
    expect(result.launchFields?.state).toBe('forged');
  });

  it("can replay an earlier launch's id_token", async () => {
    const first = await launchTool({ toolUrl, platform, user: 'ect' });
    expect(first.status).toBe(200);
    const replay = await launchTool({ toolUrl, platform, user: 'ect', tamper: { idToken: first.idToken } });
    expect(replay.idToken).toBe(first.idToken);
    expect(replay.status).toBe(401);
    expect(replay.body).toBe('NONCE_INVALID');
  });

  it('can re-sign the id_token with changed claims or a wrong algorithm', async () => {
    const otherAudience = await launchTool({ toolUrl, platform, user: 'ect', tamper: { claims: { aud: 'someone-else' } } });
    expect(otherAudience.status).toBe(401);
    expect(otherAudience.body).toMatch(/^INVALID_TOKEN .*aud/);

    const unsigned = await launchTool({ toolUrl, platform, user: 'ect', tamper: { signWith: { alg: 'none' } } });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatch(/^INVALID_TOKEN/);
  });

  it("stops at the platform's own error page when the auth request is refused", async () => {
    const result = await launchTool({
      toolUrl,
      platform,
      user: 'ect',
      tamper: { authRequest: (url) => url.searchParams.set('redirect_uri', 'https://evil.example/launch') },
    });
    expect(result.status).toBe(400);
    expect(result.finalUrl.startsWith(platform.urls.authorize)).toBe(true);
    expect(result.body).toContain('Invalid redirect_uri');
    expect(result.idToken).toBeUndefined();
  });

  it("delivers the platform's OIDC error to the tool", async () => {
    const result = await launchTool({ toolUrl, platform, user: 'ect', tamper: { authRequest: (url) => url.searchParams.delete('nonce') } });
    expect(result.status).toBe(401);
    expect(result.body).toBe('PLATFORM_ERROR invalid_request_object');
    expect(result.launchFields).toMatchObject({ error: 'invalid_request_object' });
  });

  it('withholds SameSite=Lax cookies from a cross-site framed launch, as browsers do', async () => {
    cookieOptions = { path: '/', sameSite: 'lax' };
    const lax = await launchTool({ toolUrl, platform, user: 'ect', crossSite: true });
    expect(lax.status).toBe(401);
    expect(lax.body).toBe('MISSING_VALIDATION_COOKIE');

    cookieOptions = { path: '/', sameSite: 'none', secure: true };
    const none = await launchTool({ toolUrl, platform, user: 'ect', crossSite: true });
    expect(none.status).toBe(200);
  });
});
