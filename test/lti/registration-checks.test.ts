import request from 'supertest';
import { testConfig, type TestService } from '../support/service';
import { pageText, pathOf, startConnectionCounter, startFakePlatform, startRegistrationService, type ConnectionCounter } from './registration-support';

const REGISTRATIONS_PER_HOUR = 8;

let t: TestService;
let counter: ConnectionCounter;
beforeAll(async () => {
  t = await startRegistrationService(await testConfig({ RATE_LIMIT_REGISTRATIONS_PER_HOUR: String(REGISTRATIONS_PER_HOUR) }));
  counter = await startConnectionCounter();
});
afterAll(async () => {
  await counter.close();
  await t.close();
});

/** A configuration that is complete and consistent, served from `origin`. */
const configurationAt = (origin: string, changes: Record<string, string> = {}) => ({
  issuer: origin,
  authorization_endpoint: `${origin}/authorize`,
  token_endpoint: `${origin}/token`,
  jwks_uri: `${origin}/jwks`,
  registration_endpoint: `${origin}/registrations`,
  ...changes,
});

async function registerFrom(openidConfiguration: string) {
  const { url } = await t.runtime.stores.registrationLinks.create(t.url);
  return request(t.url).get(`${pathOf(url)}?${new URLSearchParams({ openid_configuration: openidConfiguration, registration_token: 'x' })}`);
}

describe('what dynamic registration accepts from a platform configuration', () => {
  it('sends the registration only to the host the configuration came from', async () => {
    const platform = await startFakePlatform((origin) => configurationAt(origin, { registration_endpoint: `http://localhost:${counter.port}/registrations` }));
    try {
      const res = await registerFrom(`${platform.origin}/config`);
      expect(res.status).toBe(400);
      expect(pageText(res.text)).toContain('registration address is not on the host its configuration came from');
      expect(platform.requests).toEqual(['GET /config']);
      expect(counter.connections()).toBe(0);
    } finally {
      await platform.close();
    }
  });

  it("refuses an issuer that is not the configuration's own host (LTI Dynamic Registration §3.5.1)", async () => {
    const elsewhere = await startFakePlatform((origin) => configurationAt(origin, { issuer: 'https://canvas.example.org' }));
    const instructure = await startFakePlatform((origin) => configurationAt(origin, { issuer: 'https://canvas.instructure.com' }));
    try {
      for (const platform of [elsewhere, instructure]) {
        const res = await registerFrom(`${platform.origin}/config`);
        expect(res.status).toBe(400);
        expect(pageText(res.text)).toContain('which does not match the host it was read from');
        expect(platform.requests).toEqual(['GET /config']);
      }
      expect(await t.runtime.registry.list()).toEqual([]);
    } finally {
      await elsewhere.close();
      await instructure.close();
    }
  });

  it('keeps the registration rate limit on registration links', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < REGISTRATIONS_PER_HOUR; i += 1) statuses.push((await request(t.url).get('/lti/register/unknown')).status);
    expect(statuses).toContain(429);
  });
});
