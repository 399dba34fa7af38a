import http from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import type { DevPlatform } from '../../dev-platform';
import { launchTool } from '../../dev-platform/launcher';
import { startIndependentPlatform } from '../lti/support';
import { routeTable, type RouteEntry } from '../support/routes';
import { startTestService, testConfig, type TestService } from '../support/service';

/**
 * Every route of the app × every method × malformed input: nothing may answer 5xx, and nothing
 * may end the process (an unhandled rejection or uncaught exception would, under plain Node).
 */
let t: TestService;
let platform: DevPlatform;
let closePlatform: () => Promise<void>;
let routes: RouteEntry[];
let sessionId: string;
let deepLinkingSessionId: string;
const processFailures: unknown[] = [];
const recordFailure = (error: unknown) => processFailures.push(error);

beforeAll(async () => {
  process.on('unhandledRejection', recordFailure);
  process.on('uncaughtException', recordFailure);
  // The limits have their own tests; here every request must reach its handler.
  t = await startTestService({ config: await testConfig({ RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_LAUNCHES_PER_MINUTE: '1000000', RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000' }) });
  const independent = await startIndependentPlatform(t.url);
  platform = independent.platform;
  closePlatform = independent.close;
  await t.runtime.registry.add(platform.registrationForTool);
  routes = routeTable(t.service.server.listeners('request')[0] as Express);
  const launched = await launchTool({ toolUrl: t.url, platform, user: 'facilitator', crossSite: true });
  sessionId = new URL(launched.finalUrl).pathname.split('/')[2];
  const deepLinking = await launchTool({ toolUrl: t.url, platform, user: 'facilitator', messageType: 'LtiDeepLinkingRequest', crossSite: true });
  deepLinkingSessionId = new URL(deepLinking.finalUrl).pathname.split('/')[2];
});
afterAll(async () => {
  process.off('unhandledRejection', recordFailure);
  process.off('uncaughtException', recordFailure);
  await closePlatform();
  await t.close();
});

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];
const PARALLEL = 8;

/** The paths to try for one route: its parameters filled with good, bad and hostile values. */
function concretePaths(route: RouteEntry): string[] {
  const sessions = [sessionId, deepLinkingSessionId, 'A'.repeat(32), 'not-a-session', 'x'.repeat(3000)];
  const modules = ['3', '10', '-1', 'x', '%2e%2e'];
  let paths = [route.path];
  if (paths[0].includes(':sessionId')) paths = paths.flatMap((p) => sessions.map((s) => p.replace(':sessionId', s)));
  if (paths[0].includes(':module')) paths = paths.flatMap((p) => modules.map((m) => p.replace(':module', m)));
  return paths.filter((p) => !p.endsWith('/sign-out') || (!p.includes(sessionId) && !p.includes(deepLinkingSessionId)));
}

const QUERIES = [
  '',
  '?iss[$regex]=.*&login_hint[$ne]=1',
  '?state=a%20b&id_token=x',
  '?iss=a&iss=b',
  '?%ZZ=%E0%A4%A',
  '?__proto__[polluted]=1&constructor[prototype][polluted]=1',
  `?long=${'x'.repeat(8000)}`,
];

type Body = { type: string; data: string | Buffer };
const BODIES: Body[] = [
  { type: 'application/json', data: JSON.stringify({ state: { $ne: null }, id_token: { $gt: '' }, iss: ['a', 'b'], login_hint: { $where: 'sleep(1000)' } }) },
  { type: 'application/json', data: '{"state":' },
  { type: 'application/json', data: 'null' },
  { type: 'application/json', data: '123' },
  { type: 'application/x-www-form-urlencoded', data: 'state=a b&id_token=x&iss[$regex]=.*' },
  { type: 'application/x-www-form-urlencoded', data: Array.from({ length: 1200 }, (_, i) => `f${i}=1`).join('&') },
  { type: 'application/x-www-form-urlencoded', data: `padding=${'x'.repeat(300 * 1024)}` },
  { type: 'application/x-www-form-urlencoded; charset=utf-7', data: 'state=+AGEAYgBj-' },
  { type: 'text/plain', data: 'state=a b' },
  { type: 'application/xml', data: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
  { type: 'multipart/form-data; boundary=x', data: '--x\r\nContent-Disposition: form-data; name="state"\r\n\r\na b\r\n--x--' },
  { type: 'application/json', data: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
];

/** Raw HTTP, so any method can carry any body (fetch refuses a GET with a body). */
function send(method: string, path: string, body?: Body, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    // Host, port and path apart: a URL would resolve `..` before the tool ever saw it.
    const { hostname, port } = new URL(t.url);
    const req = http.request({ hostname, port, path, method, headers: { ...headers, ...(body ? { 'content-type': body.type, 'content-length': String(Buffer.byteLength(body.data)) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    if (body) req.write(body.data);
    req.end();
  });
}

describe('hostile input on every route', () => {
  it('finds the routes through the app itself', () => {
    const paths = routes.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/lti/login', '/lti/launch', '/lti/keys', '/s/:sessionId/', '/s/:sessionId/progress', '/s/:sessionId/sign-out', '/', '/school/open', '/s/:sessionId/school']));
  });

  it('never answers 5xx to any method with hostile queries and bodies, and the process keeps running', async () => {
    const attempts: { method: string; target: string; body?: Body }[] = [];
    for (const route of routes) {
      for (const path of concretePaths(route)) {
        for (const method of METHODS) {
          for (const query of QUERIES) attempts.push({ method, target: path + query });
          if (method !== 'HEAD') for (const body of BODIES) attempts.push({ method, target: path, body });
        }
      }
    }
    const failures: string[] = [];
    // A few at a time, as several browsers would send them.
    for (let i = 0; i < attempts.length; i += PARALLEL) {
      await Promise.all(
        attempts.slice(i, i + PARALLEL).map(async ({ method, target, body }) => {
          const status = await send(method, target, body);
          if (status >= 500 || status === 0) failures.push(`${method} ${target.slice(0, 80)} ${body?.type ?? ''} → ${status}`);
        }),
      );
    }
    expect(attempts.length).toBeGreaterThan(5000);
    expect(failures).toEqual([]);
    expect(processFailures).toEqual([]);
    await request(t.url).get('/healthz').expect(200);
    expect(t.logs.text()).not.toContain('"event":"request.failed"');
  }, 600_000);

  it('answers hostile school link tokens with a 4xx page, never a 5xx or a session', async () => {
    const { token } = await t.runtime.schoolLinks.create({ urn: '131245' });
    const sessions = () => t.runtime.stores.store.collection('sessions').countDocuments({});
    const before = await sessions();
    const queries = ['?token=', '?token=a.b.c', `?token=${token.slice(0, -2)}`, `?token=${token}x`, `?token=${token.replace(/\./g, '%2E%2E')}`, '?token=%00', `?token=${'x'.repeat(9000)}`, '?token[$ne]=', '?token[$gt]=&token=a', `?token=${token}&token=${token}`, `?token=${encodeURIComponent(JSON.stringify({ $ne: null }))}`];
    for (const query of queries) {
      const status = await send('GET', `/school/open${query}`);
      expect({ query: query.slice(0, 40), refused: status >= 400 && status < 500 }).toEqual({ query: query.slice(0, 40), refused: true });
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const body of BODIES) {
        const status = await send(method, `/school/open?token=${token}`, body);
        expect({ method, body: body.type, refused: status >= 400 && status < 500 }).toEqual({ method, body: body.type, refused: true });
      }
    }
    expect(await sessions()).toBe(before);
    expect(processFailures).toEqual([]);
  });

  it('answers hostile notification settings tokens and forms with a 4xx page, and saves nothing', async () => {
    const url = await t.runtime.notifications.links.url({ urn: '131245', email: 'tutor@example.org' });
    const token = new URL(url).searchParams.get('token') as string;
    const csrf = t.runtime.notifications.links.csrfFor(token);
    const saved = () => t.runtime.stores.store.collection('notification_prefs').countDocuments({});
    const before = await saved();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ urn: '131245', email: 'x@example.org', aud: 'ecf-progress:notification-settings', exp: 9999999999 })).toString('base64url')}.`;
    const queries = ['', '?token=', '?token=a.b.c', `?token=${unsigned}`, `?token=${token.slice(0, -2)}`, `?token=${token}x`, '?token=%00', `?token=${'x'.repeat(9000)}`, '?token[$ne]=', `?token=${token}&token=${token}`, `?token=${encodeURIComponent(JSON.stringify({ $ne: null }))}`];
    for (const query of queries) {
      const status = await send('GET', `/notifications/settings${query}`);
      expect({ query: query.slice(0, 40), refused: status >= 400 && status < 500 }).toEqual({ query: query.slice(0, 40), refused: true });
    }
    const form = (data: string): Body => ({ type: 'application/x-www-form-urlencoded', data });
    const forms: Body[] = [
      form(`token=${token}&_csrf=wrong&change-answered=instant&newly-red=off&schedule-changed=off&event-coming-week=off`),
      form(`token=${token}&_csrf=${csrf}&change-answered=always&newly-red=off&schedule-changed=off&event-coming-week=off`),
      form(`token=${token}&_csrf=${csrf}&change-answered[$ne]=x`),
      form(`token=${token}&_csrf[$ne]=1`),
      form(`token[$ne]=1&_csrf=${csrf}`),
      form(`token=${token}&token=${token}&_csrf=${csrf}`),
      { type: 'application/json', data: JSON.stringify({ token, _csrf: csrf, 'change-answered': 'off' }) },
      ...BODIES,
    ];
    for (const body of forms) {
      const status = await send('POST', '/notifications/settings', body);
      expect({ body: body.data.slice(0, 60), refused: status >= 400 && status < 500 }).toEqual({ body: body.data.slice(0, 60), refused: true });
    }
    expect(await saved()).toBe(before);
    expect(processFailures).toEqual([]);
  });

  it('never answers 5xx to odd spellings of paths', async () => {
    const spellings = ['/LTI/login', '/lti//login', '/lti/./login', '/lti/%2e%2e/s', '/lti/login%2F', '/lti\\login', '/%2e%2e/%2e%2e/etc/passwd', `/s/${sessionId}/../../lti/keys`, '/static/../src/main.ts', '/static/%2e%2e/package.json', `/s/${'%41'.repeat(32)}/`];
    for (const path of spellings) {
      for (const method of ['GET', 'POST']) {
        const status = await send(method, path);
        expect({ method, path, refused: status >= 400 && status < 500 }).toEqual({ method, path, refused: true });
      }
    }
    expect(processFailures).toEqual([]);
  });

  it('never answers 5xx to hostile headers', async () => {
    const headerSets: Record<string, string>[] = [
      { 'x-request-id': '"><script>alert(1)</script>' },
      { 'x-forwarded-for': '1.2.3.4, <script>' },
      { forwarded: 'for=1.2.3.4;proto=https' },
      { cookie: 'state a b=c; =; ;;; state%00=1' },
      { accept: 'application/json' },
      { 'content-encoding': 'gzip' },
      { origin: 'https://evil.example' },
    ];
    for (const headers of headerSets) {
      for (const path of ['/', '/lti/login', '/lti/launch', `/s/${sessionId}/`]) {
        const status = await send('POST', path, { type: 'application/x-www-form-urlencoded', data: 'state=a b' }, headers);
        expect(status).toBeLessThan(500);
      }
    }
    expect(processFailures).toEqual([]);
  });
});
