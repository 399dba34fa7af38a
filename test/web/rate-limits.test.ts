import request from 'supertest';
import type { DevPlatform } from '../../dev-platform';
import { launchTool } from '../../dev-platform/launcher';
import { startServiceWithPlatform } from '../lti/support';
import type { TestService } from '../support/service';

/** The default limits, as a school behind one address meets them. */
let t: TestService;
let platform: DevPlatform;

let close: () => Promise<void>;

beforeAll(async () => {
  ({ t, platform, close } = await startServiceWithPlatform());
});
afterAll(() => close());

const launchOnce = () => launchTool({ toolUrl: t.url, platform, user: 'ect', crossSite: true });

describe('rate limits per client address', () => {
  let sessionPage = '';

  it('never refuses a school: a hundred teachers launching in a minute, then fifty at the same second', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 100; i += 1) statuses.push((await launchOnce()).status);
    const together = await Promise.all(Array.from({ length: 50 }, () => launchOnce()));
    statuses.push(...together.map((r) => r.status));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    sessionPage = new URL(together[0].finalUrl).pathname;
  });

  it('refuses a flood of LTI logins from one address with 429, a Retry-After and a plain page', async () => {
    let refused: request.Response | undefined;
    for (let i = 0; i < 2500 && !refused; i += 1) {
      const res = await request(t.url).get('/lti/login').query({ iss: 'https://nobody.example', login_hint: 'x', target_link_uri: `${t.url}/lti/launch` });
      if (res.status === 429) refused = res;
    }
    expect(refused).toBeDefined();
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused!.text).toContain('Wait a minute');
  });

  it('refuses a flood of any unauthenticated request, but a person with a session goes on working', async () => {
    let refusedAfter = 0;
    for (let i = 0; i < 2500; i += 1) {
      if ((await request(t.url).get('/')).status === 429) {
        refusedAfter = i;
        break;
      }
    }
    expect(refusedAfter).toBeGreaterThan(0);
    await request(t.url).get(sessionPage).expect(200);
    await request(t.url).get(`${sessionPage}progress`).expect(200);
  });

  it('counts refused session lookups, which is what guessing ids looks like', async () => {
    let refused = false;
    for (let i = 0; i < 2500 && !refused; i += 1) {
      refused = (await request(t.url).get(`/s/${'A'.repeat(31)}${i % 10}/`)).status === 429;
    }
    expect(refused).toBe(true);
  });
});
