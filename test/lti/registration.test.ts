import request from 'supertest';
import { launchTool } from '../../dev-platform/launcher';
import { startTestService, type TestService } from '../support/service';
import { startIndependentPlatform } from './support';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => t.close());

describe('LTI Dynamic Registration', () => {
  it('registers a platform with the deployment it returns, after which its launches work', async () => {
    const { platform, close } = await startIndependentPlatform(t.url);
    try {
      const url = await platform.startDynamicRegistration();
      expect(url.startsWith(`${t.url}/lti/register?`)).toBe(true);
      const page = await request(t.url).get(url.slice(t.url.length)).expect(200);
      expect(page.text).toContain('ECF Progress is registered');
      const registered = (await t.runtime.registry.list()).find((p) => p.issuer === platform.issuer)!;
      expect(registered.deploymentIds).toHaveLength(1);
      expect(registered.tokenUrl).toBe(`${platform.issuer}/token`);
      const registration = platform.registrations().find((r) => r.clientId === registered.clientId)!;
      expect(registration).toBeDefined();

      const launch = await launchTool({ toolUrl: t.url, platform, user: 'facilitator', initiation: { clientId: registered.clientId }, crossSite: true });
      expect(launch.status).toBe(200);
      expect(launch.body).toContain('Facilitator');
    } finally {
      await close();
    }
  });

  it('never lets a registration re-point a platform that is already registered', async () => {
    const { platform, close } = await startIndependentPlatform(t.url);
    try {
      // The platform will hand out this client id next; someone registered it first, by hand.
      const nextClientId = String(BigInt(platform.clientId) + 1n);
      const original = await t.runtime.registry.add({ issuer: platform.issuer, clientId: nextClientId, authUrl: 'https://canvas.example.org/auth', tokenUrl: 'https://canvas.example.org/token', jwksUrl: 'https://canvas.example.org/jwks', deploymentIds: ['1:original'] });
      const url = await platform.startDynamicRegistration();
      const res = await request(t.url).get(url.slice(t.url.length));
      expect(platform.registrations().some((r) => r.clientId === nextClientId)).toBe(true);
      expect(res.status).toBe(400);
      expect(res.text).toContain('already registered');
      expect(await t.runtime.registry.find(platform.issuer, nextClientId)).toEqual(original);
    } finally {
      await close();
    }
  });

  it('explains itself when opened without Canvas', async () => {
    const res = await request(t.url).get('/lti/register').expect(400);
    expect(res.text).toContain('Developer Keys');
  });

  it('answers a login initiation by GET as well as POST', async () => {
    const { platform, close } = await startIndependentPlatform(t.url);
    try {
      await t.runtime.registry.add(platform.registrationForTool);
      const fields = await platform.loginInitiation('ect');
      const res = await request(t.url).get('/lti/login').query(fields).expect(302);
      const auth = new URL(res.headers.location);
      expect(auth.origin + auth.pathname).toBe(`${platform.issuer}/authorize`);
      expect(auth.searchParams.get('redirect_uri')).toBe(`${t.url}/lti/launch`);
      expect(auth.searchParams.get('lti_message_hint')).toBe(fields.lti_message_hint);
      expect(auth.searchParams.get('prompt')).toBe('none');
    } finally {
      await close();
    }
  });
});
