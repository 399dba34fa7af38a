import mongoose from 'mongoose';
import { generateKeyPair } from 'jose';
import request from 'supertest';
import { csrfFrom } from '../support/forms';
import { CLAIM, type DevPlatform } from '../../dev-platform';
import { launchTool, type LaunchTamper } from '../../dev-platform/launcher';
import type { TestService } from '../support/service';
import { startIndependentPlatform, startServiceWithPlatform, storedCounts } from './support';

let t: TestService;
let platform: DevPlatform;

let close: () => Promise<void>;

beforeAll(async () => {
  ({ t, platform, close } = await startServiceWithPlatform());
});
afterAll(() => close());

const launch = (user: 'ect' | 'mentor' | 'facilitator' | 'admin', tamper?: LaunchTamper, messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest') =>
  launchTool({ toolUrl: t.url, platform, user, tamper, messageType, crossSite: true });

describe('a Canvas-shaped launch from an independent platform', () => {
  it.each([
    ['ect', 'Early career teacher'],
    ['mentor', 'Mentor'],
    ['facilitator', 'Facilitator'],
    ['admin', 'Administrator'],
  ] as const)('lands the %s on their own page with name, course and role', async (user, label) => {
    const result = await launch(user);
    expect(result.status).toBe(200);
    expect(result.finalUrl).toMatch(new RegExp(`^${t.url}/s/[A-Za-z0-9_-]{32}/$`));
    expect(result.body).toContain(label);
    expect(result.body).toContain(platform.users[user].name.split(' ')[0]);
    expect(result.body).toContain(platform.users[user].course.title);
  });

  it('keeps no copy of the id token or context once the session is open: only the session holds the name', async () => {
    const before = await storedCounts();
    const result = await launch('mentor');
    expect(result.status).toBe(200);
    const after = await storedCounts();
    expect(after.ecf_sessions).toBe(before.ecf_sessions + 1);
    expect([after.idtokens, after.contexttokens]).toEqual([0, 0]);
    const email = platform.users.mentor.email;
    for (const name of ['idtokens', 'contexttokens', 'ecf_sessions']) {
      const stored = JSON.stringify(await mongoose.connection.db!.collection(name).find({}).toArray());
      expect(stored).not.toContain(email);
    }
  });

  it('sets its cookies SameSite=None; Secure so they work inside the Canvas iframe', async () => {
    const result = await launch('ect');
    expect(result.status).toBe(200);
    const login = result.steps[0];
    expect(login.url).toBe(`${t.url}/lti/login`);
    const res = await request(t.url).post('/lti/login').type('form').send(await platform.loginInitiation('ect'));
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/SameSite=None/i);
    expect(cookie).toMatch(/Secure/);
  });

  it('keeps navigating without any cookie once launched', async () => {
    const result = await launch('ect');
    const page = await request(result.finalUrl.replace(t.url, t.url)).get('').redirects(0);
    expect(page.status).toBe(200);
    const progress = await request(t.url).get(new URL(result.finalUrl).pathname + 'progress');
    expect(progress.status).toBe(200);
    expect(progress.text).toContain('My progress');
  });

  it('never logs the id_token, the session id or the person', async () => {
    const result = await launch('mentor');
    const session = new URL(result.finalUrl).pathname.split('/')[2];
    const logs = t.logs.text();
    expect(logs).toContain('launch accepted');
    expect(logs).not.toContain(result.idToken!.slice(0, 40));
    expect(logs).not.toContain(session);
    expect(logs).not.toContain(platform.users.mentor.email);
    expect(logs).not.toContain(platform.users.mentor.name);
  });
});

describe('refused launches', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<LaunchTamper> | LaunchTamper, number, RegExp][] = [
    ['a bad signature', async () => ({ signWith: { key: (await generateKeyPair('RS256')).privateKey } }), 401, /could not be verified/],
    ['alg none', () => ({ signWith: { alg: 'none' } }), 401, /could not be verified/],
    ['HS256 signed with the platform public key', () => ({ signWith: { alg: 'HS256' } }), 401, /could not be verified/],
    ['a wrong iss', () => ({ claims: { iss: 'https://evil.example' } }), 401, /./],
    ['a wrong aud', () => ({ claims: { aud: 'someone-else' } }), 401, /./],
    ['a wrong azp', () => ({ claims: (c) => ({ ...c, aud: [c.aud as string, 'other'], azp: 'other' }) }), 401, /could not be verified/],
    ['an unknown deployment', () => ({ claims: { [CLAIM.deploymentId]: '999:unknown' } }), 401, /deployment/],
    ['an expired token', () => ({ claims: { iat: now() - 7200, exp: now() - 3600 } }), 401, /expired/],
    ['an iat in the future', () => ({ claims: { iat: now() + 600 } }), 401, /future/],
    ['a token older than a minute', () => ({ claims: { iat: now() - 300 } }), 401, /expired/],
    ['a state mismatch', () => ({ launchFields: (f) => ({ ...f, state: 'not-the-state' }) }), 401, /could not be verified/],
    ['a missing state cookie', () => ({ cookies: (jar) => jar.delete(/^state/) }), 401, /could not be verified/],
    ['a wrong message type', () => ({ claims: { [CLAIM.messageType]: 'LtiSubmissionReviewRequest' } }), 401, /could not be verified/],
    ['a wrong LTI version', () => ({ claims: { [CLAIM.version]: '1.1.0' } }), 401, /could not be verified/],
    ['missing roles', () => ({ claims: { [CLAIM.roles]: undefined } }), 401, /role/],
    ['an id_token over 64 KB', () => ({ launchFields: (f) => ({ ...f, id_token: 'x'.repeat(70 * 1024) }) }), 413, /too large|larger/],
    ['a body over 256 KB', () => ({ launchFields: (f) => ({ ...f, padding: 'x'.repeat(300 * 1024) }) }), 413, /larger/],
  ];

  it.each(cases)('refuses %s with a clear page, no session, nothing stored, nothing leaked', async (_name, makeTamper, status, message) => {
    const before = await storedCounts();
    const result = await launch('ect', await makeTamper());
    expect(result.status).toBe(status);
    expect(result.body).toMatch(message);
    expect(result.finalUrl).not.toMatch(/\/s\//);
    expect(result.body).not.toMatch(/at .+\.(ts|js):\d+/);
    if (result.idToken) expect(result.body).not.toContain(result.idToken.slice(0, 30));
    expect(await storedCounts()).toEqual(before);
  });

  it('refuses a replayed nonce', async () => {
    const first = await launch('ect');
    expect(first.status).toBe(200);
    const before = await storedCounts();
    const replay = await launch('ect', { idToken: first.idToken });
    expect(replay.status).toBe(401);
    expect(replay.finalUrl).not.toMatch(/\/s\//);
    expect((await storedCounts()).ecf_sessions).toBe(before.ecf_sessions);
  });

  it('refuses a launch to an unregistered platform', async () => {
    const other = await startIndependentPlatform(t.url);
    const result = await launchTool({ toolUrl: t.url, platform: other.platform, user: 'ect' });
    await other.close();
    expect(result.status).toBe(400);
    expect(result.body).toContain('not registered');
  });
});

describe('deep linking', () => {
  it('lets a facilitator place links that launch straight to their view', async () => {
    const result = await launch('facilitator', undefined, 'LtiDeepLinkingRequest');
    expect(result.status).toBe(200);
    expect(result.finalUrl).toMatch(/\/deep-link$/);
    expect(result.body).toContain('Module audit (module 3)');
    const path = new URL(result.finalUrl).pathname;
    const csrf = csrfFrom(result.body);
    const nothing = await request(t.url).post(path).type('form').send({ _csrf: csrf }).expect(400);
    expect(nothing.text).toContain('Choose at least one item to place');
    expect(nothing.text).toContain('name="item"');
    const posted = await request(t.url).post(path).type('form').send(`_csrf=${encodeURIComponent(csrf)}&item=progress&item=audit-3&item=session-plans-2`).expect(200);
    const jwt = /name="JWT" value="([^"]+)"/.exec(posted.text)![1];
    expect(posted.headers['content-security-policy']).toContain(`form-action 'self' ${new URL(platform.issuer).origin}`);
    const placed = await platform.verifyDeepLinkingResponse(jwt);
    expect(placed.items.map((i) => i.title)).toEqual(['My progress', 'Module audit (module 3)', 'Mentor session plans (module 2)']);
    const audit = placed.items[1];
    const launched = await launch('ect', undefined, undefined);
    expect(launched.status).toBe(200);
    const direct = await launchTool({ toolUrl: t.url, platform, user: 'ect', initiation: { custom: audit.custom as Record<string, string> }, crossSite: true });
    expect(direct.finalUrl).toMatch(/\/modules\/3\/audit$/);
    expect(direct.body).toContain('Module 3 audit');
    // Placed from a module (link selection), an audit makes no gradebook column.
    expect(placed.items.every((item) => !('lineItem' in item) || !item.lineItem)).toBe(true);
  });

  it('refuses deep linking to a participant', async () => {
    const result = await launch('ect', undefined, 'LtiDeepLinkingRequest');
    expect(result.status).toBe(403);
  });
});

describe('the wrong person', () => {
  it('keeps a participant out of staff pages', async () => {
    const ect = await launch('ect');
    const path = new URL(ect.finalUrl).pathname;
    const res = await request(t.url).get(`${path}deep-link`);
    expect(res.status).toBe(403);
    const placed = await request(t.url).post(`${path}deep-link`).type('form').send({ item: 'progress', _csrf: csrfFrom(ect.body) });
    expect(placed.status).toBe(403);
  });

  it.each(['ect', 'mentor', 'facilitator'] as const)('shows the sync status of the platform to admins only, not to the %s', async (user) => {
    const page = await launch(user);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Canvas sync');
    expect((await launch('admin')).body).toContain('Canvas sync');
  });

  it('does not open a session from a guessed id', async () => {
    const res = await request(t.url).get('/s/abcdefghijklmnopqrstuvwxyz012345/progress');
    expect(res.status).toBe(401);
  });
});
