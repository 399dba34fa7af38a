import { SignJWT, decodeJwt } from 'jose';
import mongoose from 'mongoose';
import request from 'supertest';
import { deriveSecrets } from '../../src/config/secrets';
import { unescapeHtml } from '../cohort/support';
import { startWorld, type World } from '../participants/world';
import { SCHOOL_X, SCHOOL_Y, X_NAME, Y_NAME, Y_PEOPLE, splitIntoTwoSchools } from './support';

/*
 * Three schools: X (the platform's ECT and mentor) and Z (nobody yet) in the Oak trust, Y (the
 * other ECT and mentor) in the Elm trust. An Oak link sees X and Z, never Y.
 */
const OAK = 'Oak Learning Trust';
const ELM = 'Elm Trust';
const SCHOOL_Z = '333333';
const Z_NAME = 'Rowan Infant School';

let w: World;

beforeAll(async () => {
  w = await startWorld(47);
  await splitIntoTwoSchools(w);
  const report = await w.t.runtime.stores.schools.import(
    ['urn,name,delivery_partner,contact_emails,trust', `${SCHOOL_X},${X_NAME},Northern Lights,office@example.org,${OAK}`, `${SCHOOL_Y},${Y_NAME},Northern Lights,head@hillside.example.org,${ELM}`, `${SCHOOL_Z},${Z_NAME},Northern Lights,,${OAK}`].join('\n'),
  );
  expect(report.bad).toEqual([]);
}, 180_000);

afterAll(async () => {
  await w?.close();
});

const sessionCount = () => mongoose.connection.db!.collection('ecf_sessions').countDocuments({});
const openToken = (token: string) => request(w.t.url).get(`/school/open?token=${encodeURIComponent(token)}`);

/** Opens a trust link as a browser would; returns the session's base path. */
async function openTrust(token: string): Promise<string> {
  const opened = await openToken(token).expect(303);
  const location = opened.headers.location as string;
  expect(location).toMatch(/^\/s\/[A-Za-z0-9_-]{32}\/trust$/);
  return location.replace(/trust$/, '');
}

async function expectRefused(token: string, status: number, words: string): Promise<void> {
  const before = await sessionCount();
  const response = await openToken(token);
  expect(response.status).toBe(status);
  expect(response.text).toContain(words);
  expect(response.text).not.toContain(X_NAME);
  expect(response.headers.location).toBeUndefined();
  expect(await sessionCount()).toBe(before);
}

const signedWith = (claims: Record<string, string>, sub: string) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setAudience('ecf-progress:school').setExpirationTime('1h').sign(deriveSecrets(w.t.config.appSecret!).schoolLinkKey);

describe('a trust link', () => {
  it("shows each of the trust's schools, with the sums across them, and nothing of another trust's school", async () => {
    const { token } = await w.t.runtime.schoolLinks.create({ trust: OAK });
    const base = await openTrust(token);
    const html = unescapeHtml((await request(w.t.url).get(`${base}trust`).expect(200)).text);
    expect([...html.matchAll(/<section id="school-(\d{6})"/g)].map((m) => m[1])).toEqual([SCHOOL_X, SCHOOL_Z]);
    const { ect, mentor } = w.platform.users;
    expect(html).toContain(ect.name);
    expect(html).toContain(mentor.name);
    for (const name of [...Y_PEOPLE, Y_NAME, SCHOOL_Y]) expect(html).not.toContain(name);
    // Across Oak: two schools, X's one ECT and one mentor.
    const across = /<section aria-labelledby="trust-summary-heading"[\s\S]*?<\/section>/.exec(html)![0].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    for (const words of ['2 Schools', '1 ECTs', '1 Mentors']) expect(across).toContain(words);
    expect(html).toContain('No ECTs or mentors of this school are on the programme’s roster yet.');
    // Each school has its milestones section, as on its own dashboard.
    expect(html.match(/>DfE milestones</g)).toHaveLength(2);
    // The home page of the session is the trust's page too.
    expect(unescapeHtml((await request(w.t.url).get(base).expect(200)).text)).toContain(`id="school-${SCHOOL_X}"`);
  });

  it("opens one of its schools on its own, and never another trust's", async () => {
    const base = await openTrust((await w.t.runtime.schoolLinks.create({ trust: OAK })).token);
    const own = unescapeHtml((await request(w.t.url).get(`${base}trust/schools/${SCHOOL_X}`).expect(200)).text);
    expect(own).toContain(w.platform.users.ect.name);
    expect(own).not.toContain(Z_NAME);
    const other = await request(w.t.url).get(`${base}trust/schools/${SCHOOL_Y}`);
    expect(other.status).toBe(404);
    for (const name of [...Y_PEOPLE, Y_NAME]) expect(other.text).not.toContain(name);
  });

  it("never opens a single school's pages: dashboard, change requests, downloads, email settings", async () => {
    const base = await openTrust((await w.t.runtime.schoolLinks.create({ trust: OAK })).token);
    for (const page of ['school', 'school/changes', 'school/changes/new?kind=new-participant', 'school/export.csv', 'school/events.csv', 'school/notifications']) {
      const response = await request(w.t.url).get(`${base}${page}`);
      expect({ page, status: response.status }).toEqual({ page, status: 403 });
    }
  });

  it("is not a school session's to open: a school's link gets no trust page", async () => {
    const { url } = await w.t.runtime.schoolLinks.create({ urn: SCHOOL_X });
    const { pathname, search } = new URL(url);
    const base = ((await request(w.t.url).get(pathname + search).expect(303)).headers.location as string).replace(/school$/, '');
    expect((await request(w.t.url).get(`${base}trust`)).status).toBe(403);
    expect((await request(w.t.url).get(`${base}trust/schools/${SCHOOL_X}`)).status).toBe(403);
  });
});

describe('a trust link that must not open', () => {
  it('refuses a tampered signature, a changed trust claim and a trust claim re-signed for another trust', async () => {
    const { token, link } = await w.t.runtime.schoolLinks.create({ trust: OAK });
    const [header, payload, signature] = token.split('.');
    const flipped = signature[5] === 'A' ? 'B' : 'A';
    await expectRefused(`${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`, 403, 'This link is not valid');
    const changed = Buffer.from(JSON.stringify({ ...decodeJwt(token), trust: ELM })).toString('base64url');
    await expectRefused(`${header}.${changed}.${signature}`, 403, 'This link is not valid');
    // Even with the key, a link's record names its trust: it cannot be pointed at another trust or a school.
    await expectRefused(await signedWith({ trust: ELM }, link._id), 403, 'This link is not valid');
    await expectRefused(await signedWith({ urn: SCHOOL_X }, link._id), 403, 'This link is not valid');
    await expectRefused(await signedWith({ trust: OAK, urn: SCHOOL_X }, link._id), 403, 'This link is not valid');
  });

  it('refuses an expired link with 410', async () => {
    const { token } = await w.t.runtime.schoolLinks.create({ trust: OAK, days: 30 }, new Date(Date.now() - 31 * 24 * 3600 * 1000));
    await expectRefused(token, 410, 'This link has expired');
  });

  it('refuses a revoked link, and ends the session it opened at its next request', async () => {
    const { token, link } = await w.t.runtime.schoolLinks.create({ trust: OAK });
    const base = await openTrust(token);
    await request(w.t.url).get(`${base}trust`).expect(200);
    expect(await w.t.runtime.schoolLinks.revoke(link._id)).toBe('revoked');
    const cut = await request(w.t.url).get(`${base}trust`);
    expect(cut.status).toBe(410);
    expect(cut.text).toContain('withdrawn by your provider');
    expect(cut.text).not.toContain(X_NAME);
    expect((await request(w.t.url).get(`${base}trust`)).status).toBe(401);
    await expectRefused(token, 410, 'withdrawn by your provider');
    expect((await w.t.runtime.schoolLinks.listOfTrust(OAK)).find((l) => l._id === link._id)?.state).toBe('revoked');
    expect(await w.t.runtime.schoolLinks.list(SCHOOL_X)).not.toContainEqual(expect.objectContaining({ _id: link._id }));
  });
});

describe('the schools list keeps a trust', () => {
  it('when a later file has no trust column, and clears it when the column is blank', async () => {
    const header = 'urn,name,delivery_partner,contact_emails';
    expect((await w.t.runtime.stores.schools.import(`${header}\n${SCHOOL_Z},${Z_NAME},Northern Lights,`)).bad).toEqual([]);
    expect(await w.t.runtime.stores.schools.collection.findOne({ _id: SCHOOL_Z })).toMatchObject({ trust: OAK });
    expect((await w.t.runtime.stores.schools.import(`${header},trust\n${SCHOOL_Z},${Z_NAME},Northern Lights,,`)).bad).toEqual([]);
    expect(await w.t.runtime.stores.schools.collection.findOne({ _id: SCHOOL_Z })).toMatchObject({ trust: null });
  });
});
