import request from 'supertest';
import { startTestService, type TestService } from '../support/service';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => t.close());

describe('the running service', () => {
  it('answers health and readiness', async () => {
    await request(t.url).get('/healthz').expect(200, { status: 'ok' });
    await request(t.url).get('/readyz').expect(200, { status: 'ready' });
  });

  it('serves the Canvas developer key JSON built from PUBLIC_URL', async () => {
    const res = await request(t.url).get('/lti/canvas.json').expect(200);
    expect(res.body.oidc_initiation_url).toBe(`${t.url}/lti/login`);
    expect(res.body.target_link_uri).toBe(`${t.url}/lti/launch`);
    expect(res.body.public_jwk_url).toBe(`${t.url}/lti/keys`);
    expect(res.body.redirect_uris).toEqual([`${t.url}/lti/launch`]);
    const ext = res.body.extensions[0];
    expect(ext.privacy_level).toBe('public');
    expect(ext.settings.placements.map((p: { placement: string; message_type: string }) => `${p.placement}:${p.message_type}`)).toEqual([
      'course_navigation:LtiResourceLinkRequest',
      'link_selection:LtiDeepLinkingRequest',
      'assignment_selection:LtiDeepLinkingRequest',
    ]);
    expect(res.body.scopes).toEqual([
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
    ]);
  });

  it('serves a JWKS without private parts', async () => {
    const res = await request(t.url).get('/lti/keys').expect(200);
    expect(Array.isArray(res.body.keys)).toBe(true);
    for (const key of res.body.keys) expect(key.d).toBeUndefined();
  });

  it('sends security headers that let only registered platforms frame the tool', async () => {
    const res = await request(t.url).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('does not reflect a foreign origin with credentials', async () => {
    const res = await request(t.url).get('/lti/keys').set('Origin', 'https://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers an unknown session with a 401 page and no detail', async () => {
    const res = await request(t.url).get('/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/').expect(401);
    expect(res.text).toContain('Reopen the tool from your Canvas course');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('gives an unknown page a 404 with a request id', async () => {
    const res = await request(t.url).get('/nope').set('X-Request-Id', 'test-request-0001').expect(404);
    expect(res.text).toContain('test-request-0001');
  });
});
