import request from 'supertest';
import { SignJWT, generateKeyPair } from 'jose';
import { startTestService, testConfig, type TestService } from '../support/service';

let t: TestService;
beforeAll(async () => {
  const base = await testConfig();
  t = await startTestService({ config: await testConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://ecf.example.org', PORT: String(base.port) }) });
});
afterAll(async () => t.close());

describe('production mode', () => {
  it('refuses to register the development platform', async () => {
    await expect(
      t.runtime.registry.add({ issuer: 'https://ecf.example.org/dev-platform', clientId: '1', authUrl: 'https://ecf.example.org/dev-platform/authorize', tokenUrl: 'https://ecf.example.org/dev-platform/token', jwksUrl: 'https://ecf.example.org/dev-platform/jwks', deploymentIds: ['1'] }),
    ).rejects.toThrow(/development platform/);
  });

  it('refuses plain-http platform URLs', async () => {
    await expect(t.runtime.registry.add({ issuer: 'http://canvas.example.org', clientId: '1', authUrl: 'http://a', tokenUrl: 'http://b', jwksUrl: 'http://c', deploymentIds: [] })).rejects.toThrow(/https/);
  });

  it('does not mount the development platform and refuses a launch claiming its issuer', async () => {
    await request(t.service.url).get('/dev-platform/').expect(404);
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({
      nonce: 'n',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
      'https://purl.imsglobal.org/spec/lti/claim/roles': ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': '1',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer('https://ecf.example.org/dev-platform')
      .setAudience('1')
      .setSubject('u')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    const res = await request(t.service.url).post('/lti/launch').type('form').send({ id_token: idToken, state: 's' });
    expect(res.status).toBe(401);
    expect(t.logs.text()).toContain('ISSUER_REFUSED');
  });
});
