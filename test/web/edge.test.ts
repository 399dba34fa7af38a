import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { csrfFrom } from '../support/forms';
import { CLAIM, type DevPlatform } from '../../dev-platform';
import { launchTool, type LaunchTamper } from '../../dev-platform/launcher';
import { runCliProcess, startServiceProcess } from '../support/processes';
import { freePort, freshDatabaseUri, testConfig, type TestService } from '../support/service';
import { startIndependentPlatform, startServiceWithPlatform, storedCounts } from '../lti/support';

let t: TestService;
let platform: DevPlatform;

let close: () => Promise<void>;

beforeAll(async () => {
  ({ t, platform, close } = await startServiceWithPlatform());
});
afterAll(() => close());

const launch = (user: 'ect' | 'mentor' | 'facilitator' | 'admin', tamper?: LaunchTamper) => launchTool({ toolUrl: t.url, platform, user, tamper, crossSite: true });
const sessionPathOf = (finalUrl: string) => new URL(finalUrl).pathname;

describe('finding 1: no request can stop the service', () => {
  it('survives state values that are not cookie names, on every path under /lti/, and answers each without a 5xx', async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      MONGODB_URI: freshDatabaseUri(),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-edge-')),
      APP_SECRET: crypto.randomBytes(32).toString('hex'),
      LOG_LEVEL: 'info',
      SYNC_INTERVAL: 'off',
    };
    const service = await startServiceProcess(env);
    try {
      const base = `http://127.0.0.1:${port}`;
      const attempts = [
        { path: '/lti/anything', form: 'state=a b' },
        { path: '/lti/launch', form: 'state=a b' },
        { path: '/lti/launch', form: 'state=a%3Bb&id_token=x' },
        { path: '/lti/', json: { state: { $ne: null } } },
        { path: '/lti/launch', json: { state: { $ne: null }, id_token: 'x' } },
        { path: '/lti/nope', json: { state: 'a\u0000b' } },
      ];
      for (const attempt of attempts) {
        const res = await fetch(base + attempt.path, {
          method: 'POST',
          headers: { 'content-type': attempt.form ? 'application/x-www-form-urlencoded' : 'application/json' },
          body: attempt.form ?? JSON.stringify(attempt.json),
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(service.alive()).toBe(true);
      expect(service.log()).not.toMatch(/unhandled_rejection|uncaught_exception|argument name is invalid/);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});

describe('finding 2: the launch guard holds on every method', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const tampers: [string, LaunchTamper][] = [
    ['an unregistered deployment', { claims: { [CLAIM.deploymentId]: '999:unknown' } }],
    ['an iat in the future', { claims: { iat: now() + 600 } }],
    ['azp not the audience', { claims: (c) => ({ ...c, aud: [c.aud as string, 'other'], azp: 'other' }) }],
    ['an honest token', {}],
  ];
  const methods = ['PUT', 'PATCH', 'DELETE'];
  it.each(methods.flatMap((method) => tampers.map(([name, tamper]) => [method, name, tamper] as const)))('refuses %s with %s: 405 and no session', async (method, _name, tamper) => {
    const before = await storedCounts();
    const result = await launch('ect', { ...tamper, launchMethod: method });
    expect(result.status).toBe(405);
    expect(result.finalUrl).not.toMatch(/\/s\//);
    expect((await storedCounts()).ecf_sessions).toBe(before.ecf_sessions);
  });

  it('refuses an id_token over 64 KB by PUT as by POST', async () => {
    const result = await launch('ect', { launchMethod: 'PUT', launchFields: (f) => ({ ...f, id_token: 'x'.repeat(70 * 1024) }) });
    expect(result.status).toBe(405);
    expect(result.finalUrl).not.toMatch(/\/s\//);
  });
});

describe('finding 4: query operators never reach the store', () => {
  const login = (query: string) => request(t.url).get(`/lti/login?${query}&login_hint=x&target_link_uri=${encodeURIComponent(`${t.url}/lti/launch`)}`);

  it('answers a registered and an unregistered issuer pattern alike, without a lookup', async () => {
    const matching = await login(`iss[$regex]=${encodeURIComponent('^http')}`);
    const missing = await login(`iss[$regex]=${encodeURIComponent('^nothing-registered')}`);
    expect(matching.status).toBe(400);
    expect(missing.status).toBe(matching.status);
    expect(missing.text.replace(/Reference: \S+/, '')).toBe(matching.text.replace(/Reference: \S+/, ''));
  });

  it('refuses operator objects in a JSON body and repeated parameters', async () => {
    const json = await request(t.url).post('/lti/login').send({ iss: { $regex: '.*' }, login_hint: 'x', target_link_uri: `${t.url}/lti/launch` });
    expect(json.status).toBe(400);
    const repeated = await login(`iss=${encodeURIComponent(platform.issuer)}&iss=${encodeURIComponent(platform.issuer)}`);
    expect(repeated.status).toBe(400);
  });

  it('refuses an operator in a platform lookup even when one is built in code', async () => {
    const { lti } = await import('../../src/lti');
    await expect(lti.getPlatform({ $regex: '.*' } as unknown as string, platform.clientId)).rejects.toThrow(/Cast to string failed/);
  });
});

describe('finding 5: session URLs', () => {
  it('marks every session page no-store', async () => {
    const result = await launch('ect');
    const page = await request(t.url).get(sessionPathOf(result.finalUrl) + 'progress').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('signs out: the session ends for every page at once', async () => {
    const result = await launch('ect');
    const base = sessionPathOf(result.finalUrl);
    expect(result.body).toContain('Sign out');
    await request(t.url).post(`${base}sign-out`).type('form').send('').expect(403);
    await request(t.url).post(`${base}sign-out`).type('form').send({ _csrf: 'x'.repeat(43) }).expect(403);
    await request(t.url).get(base).expect(200);
    const out = await request(t.url).post(`${base}sign-out`).type('form').send({ _csrf: csrfFrom(result.body) }).expect(200);
    expect(out.text).toContain('You have signed out');
    expect(out.text).not.toContain(platform.users.ect.name);
    await request(t.url).get(base).expect(401);
    await request(t.url).get(`${base}progress`).expect(401);
  });

  it('serves no other spelling of a session path, and logs none of them with the id', async () => {
    const result = await launch('ect');
    const id = sessionPathOf(result.finalUrl).split('/')[2];
    for (const spelling of [`/S/${id}/`, `//s/${id}/`, `/s//${id}/`, `/s/${id}/./progress`, `/s/${id}%2Fprogress`, `/%73/${id}/`]) {
      const res = await request(t.url).get(spelling);
      expect([400, 404]).toContain(res.status);
      expect(res.text).not.toContain(platform.users.ect.name);
    }
    expect(t.logs.text()).not.toContain(id);
  });
});

describe('finding 7: the id_token nonce is the one issued with its login', () => {
  it('refuses an unused id_token posted from another browser with that browser’s own state', async () => {
    let unused = '';
    // Browser one: the platform answers, but the id_token never reaches the tool intact.
    await launch('ect', { launchFields: (f) => ((unused = f.id_token), { ...f, state: 'x' }) });
    expect(unused).not.toBe('');
    const before = await storedCounts();
    // Browser two: its own login, its own state cookie, the first browser's token.
    const stolen = await launch('facilitator', { idToken: unused });
    expect(stolen.status).toBe(401);
    expect(stolen.finalUrl).not.toMatch(/\/s\//);
    expect((await storedCounts()).ecf_sessions).toBe(before.ecf_sessions);
    expect(t.logs.text()).toContain('NONCE_NOT_ISSUED');
  });

  it('sends the platform a nonce the tool made, not ltijs’s Math.random one', async () => {
    const fields = await platform.loginInitiation('ect');
    const res = await request(t.url).post('/lti/login').type('form').send(fields).expect(302);
    const nonce = new URL(res.headers.location).searchParams.get('nonce')!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('finding 8: identity from the signed claims', () => {
  it('refuses a token whose sub is one person and whose custom field names another', async () => {
    const first = await launch('ect');
    expect(first.status).toBe(200);
    const other = platform.users.mentor.canvasUserId;
    const swapped = await launch('ect', { claims: (c) => ({ ...c, [CLAIM.custom]: { ...(c[CLAIM.custom] as object), canvas_user_id: other } }) });
    expect(swapped.status).toBe(403);
    expect(swapped.finalUrl).not.toMatch(/\/s\//);
    expect(t.logs.text()).toContain('lti.identity_mismatch');
  });

  it('keeps the recorded Canvas user id when a later launch carries no custom field', async () => {
    await launch('facilitator');
    const bare = await launch('facilitator', { claims: (c) => ({ ...c, [CLAIM.custom]: {} }) });
    expect(bare.status).toBe(200);
    const session = await t.runtime.sessions.find(sessionPathOf(bare.finalUrl).split('/')[2]);
    expect(session?.canvasUserId).toBe(platform.users.facilitator.canvasUserId);
  });
});

describe('finding 9: frame ancestors follow platform changes at once', () => {
  it('frames the first launch after `platform add` from another process', async () => {
    const other = await startIndependentPlatform(t.url);
    try {
      const env = { ...process.env, NODE_ENV: 'test', MONGODB_URI: t.config.mongodbUri, APP_SECRET: t.config.appSecret, PUBLIC_URL: t.url, DATA_DIR: t.config.dataDir, LOG_LEVEL: 'warn' };
      const reg = other.platform.registrationForTool;
      const added = await runCliProcess(['platform', 'add', '--issuer', reg.issuer, '--client-id', reg.clientId, '--auth-url', reg.authUrl, '--token-url', reg.tokenUrl, '--jwks-url', reg.jwksUrl, '--deployment-id', reg.deploymentIds[0]], env);
      expect(added.code).toBe(0);
      const result = await launchTool({ toolUrl: t.url, platform: other.platform, user: 'ect', crossSite: true });
      expect(result.status).toBe(200);
      const page = await request(t.url).get(sessionPathOf(result.finalUrl)).expect(200);
      expect(page.headers['content-security-policy']).toContain(new URL(reg.issuer).origin);
    } finally {
      await other.close();
    }
  });
});

describe('sessions time out when idle', () => {
  it('ends a session after the idle timeout, inside its 8 hours, and keeps an active one', async () => {
    const config = await testConfig({ SESSION_IDLE_TIMEOUT: '30m' });
    const { SessionStore } = await import('../../src/sessions/store');
    const store = new SessionStore(t.runtime.stores.store, config.sessionIdleTimeoutMs);
    const start = new Date();
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    const input = { issuer: 'https://idle.example.org', clientId: '1', deploymentId: '1', sub: 's', canvasUserId: null, name: 'A', canvasCourseId: null, contextId: null, courseTitle: 'C', role: 'participant' as const, programme: null, view: { kind: 'home' as const }, returnUrl: null, deepLinking: null };
    const active = await store.create(input, start);
    const idle = await store.create(input, start);
    for (const minute of [20, 40, 60]) expect(await store.find(active._id, at(minute))).not.toBeNull();
    expect(await store.find(idle._id, at(31))).toBeNull();
    expect(await store.find(active._id, at(8 * 60))).toBeNull();
  });
});
