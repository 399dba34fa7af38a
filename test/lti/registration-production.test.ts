import request from 'supertest';
import { testConfig, type TestService } from '../support/service';
import { pageText, pathOf, startConnectionCounter, startRegistrationService, type ConnectionCounter } from './registration-support';

let t: TestService;
let counter: ConnectionCounter;
beforeAll(async () => {
  const base = await testConfig();
  t = await startRegistrationService(await testConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://ecf.example.org', PORT: String(base.port) }));
  counter = await startConnectionCounter();
});
afterAll(async () => {
  await counter.close();
  await t.close();
});

const UNFETCHED = "The platform's configuration could not be fetched.";

async function register(link: string, openidConfiguration: string) {
  return request(t.service.url).get(`${pathOf(link)}?${new URLSearchParams({ openid_configuration: openidConfiguration, registration_token: 'x' })}`);
}

describe('dynamic registration in production', () => {
  it('refuses a plain-http configuration address without connecting to it', async () => {
    const { url } = await t.runtime.stores.registrationLinks.create(t.config.publicUrl);
    const res = await register(url, `http://127.0.0.1:${counter.port}/config`);
    expect(res.status).toBe(400);
    expect(pageText(res.text)).toContain("The platform's configuration address must be an https URL.");
    expect(counter.connections()).toBe(0);
  });

  it('never connects to this machine or a private network, and says the same as for a name that does not exist', async () => {
    const { url } = await t.runtime.stores.registrationLinks.create(t.config.publicUrl);
    const answers = [];
    // One link throughout: each refusal releases it, so the admin can still use it.
    for (const address of [`https://127.0.0.1:${counter.port}/config`, `https://localhost:${counter.port}/config`, `https://[::ffff:127.0.0.1]:${counter.port}/config`, 'https://10.0.0.1/config', 'https://platform.invalid/config']) {
      const res = await register(url, address);
      answers.push({ status: res.status, said: /<p>([^<]*)<\/p>/.exec(pageText(res.text))?.[1] });
    }
    expect(answers).toEqual(Array(5).fill({ status: 400, said: UNFETCHED }));
    expect(counter.connections()).toBe(0);
    // The reason is for the operator's log only.
    expect(t.logs.text()).toContain('not a public address');
  });
});
