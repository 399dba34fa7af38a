import crypto from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import mongoose from 'mongoose';
import request from 'supertest';
import { deriveSecrets } from '../../src/config/secrets';
import { startTestService, type TestService } from '../support/service';

/**
 * The threats to a signed school link, each tried through `GET /school/open` as a browser
 * would: every refusal is a clear page with no school data, and creates no session.
 */
let t: TestService;
const URN = '131245';
const OTHER_URN = '222222';

beforeAll(async () => {
  t = await startTestService();
  const report = await t.runtime.stores.schools.import(`urn,name,delivery_partner,contact_emails\n${URN},Brookfield Primary School,Northern Lights,\n${OTHER_URN},Hillside Academy,Northern Lights,`);
  expect(report.bad).toEqual([]);
});
afterAll(async () => {
  await t?.close();
});

const sessionCount = () => mongoose.connection.db!.collection('ecf_sessions').countDocuments({});
const open = (token: string) => request(t.url).get(`/school/open?token=${encodeURIComponent(token)}`);
/** A token signed with the tool's own key, as only the tool (or someone holding APP_SECRET) could. */
const signed = (claims: { sub: string; urn: string }, exp = Math.floor(Date.now() / 1000) + 3600) =>
  new SignJWT({ urn: claims.urn }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(claims.sub).setAudience('ecf-progress:school').setExpirationTime(exp).sign(deriveSecrets(t.config.appSecret!).schoolLinkKey);

async function expectRefused(token: string, status: number, words: string): Promise<void> {
  const before = await sessionCount();
  const response = await open(token);
  expect(response.status).toBe(status);
  expect(response.text).toContain(words);
  expect(response.text).not.toContain('Brookfield');
  expect(response.headers.location).toBeUndefined();
  expect(await sessionCount()).toBe(before);
}

describe('opening a school link', () => {
  it('opens a fresh link into a school session, and never logs the token', async () => {
    const { token, url, link } = await t.runtime.schoolLinks.create({ urn: URN, email: 'Head@Brookfield.example.org' });
    expect(url).toBe(`${t.url}/school/open?token=${token}`);
    const opened = await open(token).expect(303);
    const sessionId = /^\/s\/([A-Za-z0-9_-]{32})\/school$/.exec(opened.headers.location)![1];
    const session = await t.runtime.sessions.find(sessionId);
    expect(session).toMatchObject({ role: 'school', schoolUrn: URN, schoolLinkId: link._id, schoolContactEmail: 'head@brookfield.example.org', canvasCourseId: null, canvasUserId: null });
    const page = await request(t.url).get(opened.headers.location).expect(200);
    expect(page.text).toContain('Brookfield Primary School');
    expect(t.logs.text()).not.toContain(token);
    expect(t.logs.text()).not.toContain(token.split('.')[2]);
    expect(t.logs.text()).not.toContain('head@brookfield');
  });

  it('refuses a token whose signature was tampered with', async () => {
    const { token } = await t.runtime.schoolLinks.create({ urn: URN });
    const [header, payload, signature] = token.split('.');
    const flipped = signature[5] === 'A' ? 'B' : 'A';
    await expectRefused(`${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`, 403, 'This link is not valid. Ask your provider for a new one.');
  });

  it('refuses a token whose URN claim was changed, unsigned or even re-signed', async () => {
    const { token, link } = await t.runtime.schoolLinks.create({ urn: URN });
    const [header, , signature] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...decodeJwt(token), urn: OTHER_URN })).toString('base64url');
    await expectRefused(`${header}.${changed}.${signature}`, 403, 'This link is not valid');
    // Someone holding the key still cannot point a link at another school: its record names the URN.
    await expectRefused(await signed({ sub: link._id, urn: OTHER_URN }), 403, 'This link is not valid');
  });

  it('refuses an expired link with its own words', async () => {
    const { token } = await t.runtime.schoolLinks.create({ urn: URN, days: 30 }, new Date(Date.now() - 31 * 24 * 3600 * 1000));
    await expectRefused(token, 410, 'This link has expired. Ask your provider for a new one.');
  });

  it('refuses a token naming no stored link, or signed with another key', async () => {
    await expectRefused(await signed({ sub: crypto.randomBytes(16).toString('base64url'), urn: URN }), 403, 'This link is not valid');
    const { link } = await t.runtime.schoolLinks.create({ urn: URN });
    const foreign = await new SignJWT({ urn: URN }).setProtectedHeader({ alg: 'HS256' }).setSubject(link._id).setAudience('ecf-progress:school').setExpirationTime('1h').sign(crypto.randomBytes(32));
    await expectRefused(foreign, 403, 'This link is not valid');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: link._id, urn: URN })).toString('base64url')}.`;
    await expectRefused(none, 403, 'This link is not complete');
  });

  it('refuses malformed and hostile requests with a 4xx, never a session', async () => {
    const before = await sessionCount();
    const { token } = await t.runtime.schoolLinks.create({ urn: URN });
    const queries = ['', '?token=', '?token=abc', `?token=${'a'.repeat(5000)}`, '?token[$ne]=x', '?token=a&token=b', `?token=${token}&token=${token}`, '?token=%ZZ', `?token[]=${token}`];
    for (const query of queries) {
      const response = await request(t.url).get(`/school/open${query}`);
      expect({ query, status: response.status, clear: response.text.includes('your provider') }).toEqual({ query, status: 403, clear: true });
    }
    for (const method of ['post', 'put', 'delete', 'patch'] as const) {
      const response = await request(t.url)[method](`/school/open?token=${token}`).send({ token });
      expect({ method, status: response.status }).toEqual({ method, status: 405 });
    }
    expect(await sessionCount()).toBe(before);
  });
});

describe('revoking a link', () => {
  it('refuses the link afterwards and ends a session it already opened, at its next request', async () => {
    const { token, link } = await t.runtime.schoolLinks.create({ urn: URN });
    const opened = await open(token).expect(303);
    const page = opened.headers.location as string;
    await request(t.url).get(page).expect(200);
    expect(await t.runtime.schoolLinks.revoke(link._id)).toBe('revoked');
    expect(await t.runtime.schoolLinks.revoke(link._id)).toBe('already');
    const cut = await request(t.url).get(page);
    expect(cut.status).toBe(410);
    expect(cut.text).toContain('withdrawn by your provider');
    expect(cut.text).not.toContain('Brookfield');
    // The session is gone, so every later request is refused too, whatever the page.
    expect((await request(t.url).get(`${page}/events.csv`)).status).toBe(401);
    await expectRefused(token, 410, 'withdrawn by your provider');
    const listed = await t.runtime.schoolLinks.list(URN);
    expect(listed.find((l) => l._id === link._id)?.state).toBe('revoked');
    await expect(t.runtime.schoolLinks.revoke('no-such-link-id-at-all1')).rejects.toThrow('There is no school link');
  });

  it('ends a session when its link expires while it is open', async () => {
    const { token, link } = await t.runtime.schoolLinks.create({ urn: URN, days: 1 });
    const page = (await open(token).expect(303)).headers.location as string;
    await request(t.url).get(page).expect(200);
    // The link's record says when it ends; moving it into the past stands in for a day passing.
    await mongoose.connection.db!.collection('ecf_school_links').updateOne({ _id: link._id as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await request(t.url).get(page)).status).toBe(410);
    expect((await request(t.url).get(page)).status).toBe(401);
  });
});
