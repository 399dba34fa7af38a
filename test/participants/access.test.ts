import request from 'supertest';
import { moduleOf } from '../../src/curriculum';
import { startIndependentPlatform } from '../lti/support';
import { csrfFrom } from '../support/forms';
import { GROUP_A, startWorld, type World } from './world';
import type { DevPlatform } from '../../dev-platform';

let w: World;
let other: { platform: DevPlatform; close(): Promise<void> };
beforeAll(async () => {
  w = await startWorld(29);
  other = await startIndependentPlatform(w.t.url);
  await w.t.runtime.registry.add(other.platform.registrationForTool);
});
afterAll(async () => {
  await other.close();
  await w.close();
});

const MODULE = 1;
const ectKey = () => encodeURIComponent(`canvas:${w.platform.users.ect.canvasUserId}`);
const otherEctKey = () => encodeURIComponent(`canvas:${w.otherEct.id}`);
const fullRatings = () => Object.fromEntries(moduleOf('ect', MODULE)!.auditStatements.map((_, i) => [`rating_${i}`, '3']));

/** What the ECT has stored: the audit page as they see it. */
async function ectAuditPage(): Promise<string> {
  const launched = await w.launch('ect');
  return (await request(w.t.url).get(`${w.baseOf(launched)}modules/${MODULE}/audit`).expect(200)).text;
}

async function sessionOf(user: 'ect' | 'mentor' | 'facilitator' | 'admin', custom?: Record<string, string>, on?: DevPlatform) {
  const launched = await w.launch(user, custom, on);
  expect(launched.status).toBe(200);
  return { base: w.baseOf(launched), csrf: csrfFrom(launched.body) };
}

/** Every person route, read and write, for one target key. */
function personRoutes(key: string, csrf: string) {
  return [
    { method: 'get', path: `people/${key}` },
    { method: 'get', path: `people/${key}/modules/${MODULE}/audit` },
    { method: 'post', path: `people/${key}/modules/${MODULE}/audit/comments`, body: { _csrf: csrf, comment: 'Should never be stored' } },
  ] as const;
}

async function commentsOnEctAudit(): Promise<number> {
  return (await ectAuditPage()).split('class="comment"').length - 1;
}

describe('who may read and write a participant’s records', () => {
  beforeAll(async () => {
    const { base, csrf } = await sessionOf('ect');
    await request(w.t.url).post(`${base}modules/${MODULE}/audit/start`).type('form').send({ _csrf: csrf, version: '1', action: 'submit', ...fullRatings() }).expect(303);
  });

  it('lets the ECT, their mentor and a facilitator of the course read the ECT’s record', async () => {
    for (const user of ['ect', 'mentor', 'facilitator', 'admin'] as const) {
      const { base } = await sessionOf(user);
      const record = await request(w.t.url).get(`${base}people/${ectKey()}`);
      expect([user, record.status]).toEqual([user, 200]);
      expect(record.text).toContain('Start submitted');
    }
  });

  it('gives the wrong ECT, the wrong mentor, the wrong course and the wrong platform a 404, and changes nothing', async () => {
    const before = await commentsOnEctAudit();
    const wrong = {
      'another ECT': await sessionOf('ect'),
      'a facilitator from an unlinked course': await sessionOf('facilitator', { canvas_course_id: '424242' }),
      'the same ECT id on another platform': await sessionOf('ect', undefined, other.platform),
      'a mentor on another platform': await sessionOf('mentor', undefined, other.platform),
    };
    // "another ECT": the platform's ECT asking for a classmate's record.
    for (const [who, { base, csrf }] of Object.entries(wrong)) {
      const target = who === 'another ECT' ? otherEctKey() : ectKey();
      for (const route of personRoutes(target, csrf)) {
        const res = route.method === 'get' ? await request(w.t.url).get(base + route.path) : await request(w.t.url).post(base + route.path).type('form').send(route.body);
        expect([who, route.path, res.status]).toEqual([who, route.path, 404]);
        expect(res.text).not.toContain('Should never be stored');
      }
    }
    // The mentor is not the other ECT's mentor.
    const mentor = await sessionOf('mentor');
    for (const route of personRoutes(otherEctKey(), mentor.csrf)) {
      const res = route.method === 'get' ? await request(w.t.url).get(mentor.base + route.path) : await request(w.t.url).post(mentor.base + route.path).type('form').send(route.body);
      expect(['mentor', route.path, res.status]).toEqual(['mentor', route.path, 404]);
    }
    expect(await commentsOnEctAudit()).toBe(before);
  });

  it('shows a facilitator the participants of their groups only; an admin everyone in the cohort', async () => {
    const facilitator = await sessionOf('facilitator');
    await request(w.t.url).get(`${facilitator.base}people/${ectKey()}`).expect(200);
    for (const route of personRoutes(otherEctKey(), facilitator.csrf)) {
      const res = route.method === 'get' ? await request(w.t.url).get(facilitator.base + route.path) : await request(w.t.url).post(facilitator.base + route.path).type('form').send(route.body);
      expect(['group B', route.path, res.status]).toEqual(['group B', route.path, 404]);
    }
    const admin = await sessionOf('admin');
    await request(w.t.url).get(`${admin.base}people/${otherEctKey()}`).expect(200);
    // Taken off group A, the facilitator sees nobody, at once (the same session).
    await w.assignFacilitator([]);
    try {
      await request(w.t.url).get(`${facilitator.base}people/${ectKey()}`).expect(404);
    } finally {
      await w.assignFacilitator([GROUP_A]);
    }
    await request(w.t.url).get(`${facilitator.base}people/${ectKey()}`).expect(200);
  });

  it('keeps a mentor out once the roster pairs the ECT with someone else', async () => {
    await w.importRoster({ swap: true });
    try {
      const { base } = await sessionOf('mentor');
      await request(w.t.url).get(`${base}people/${ectKey()}`).expect(404);
    } finally {
      await w.importRoster();
    }
  });

  it('lets nobody but the ECT write their audit, and nobody comment but their mentor or staff', async () => {
    const before = await ectAuditPage();
    // Audit writes have no person in the path: they always write the writer's own audit.
    const facilitator = await sessionOf('facilitator');
    for (const path of [`modules/${MODULE}/audit/start`, `modules/${MODULE}/audit/end`, `modules/${MODULE}/audit/start/draft`]) {
      const res = await request(w.t.url).post(facilitator.base + path).type('form').send({ _csrf: facilitator.csrf, version: '1', action: 'submit', ...fullRatings() });
      expect([path, res.status]).toEqual([path, 403]);
    }
    const mentor = await sessionOf('mentor');
    await request(w.t.url).post(`${mentor.base}modules/${MODULE}/audit/start`).type('form').send({ _csrf: mentor.csrf, version: '1', action: 'submit', ...fullRatings() }).expect(303);
    const mentorsOwn = await request(w.t.url).get(`${mentor.base}modules/${MODULE}/audit`).expect(200);
    expect(mentorsOwn.text).toContain(moduleOf('mentor', MODULE)!.auditStatements[0].replace(/'/g, '&#x27;'));
    expect(mentorsOwn.text).toMatch(/Start of module:<\/strong> <span class="status status--done">Submitted/);
    // The ECT cannot comment on their own audit.
    const ect = await sessionOf('ect');
    await request(w.t.url).post(`${ect.base}people/${ectKey()}/modules/${MODULE}/audit/comments`).type('form').send({ _csrf: ect.csrf, comment: 'Should never be stored' }).expect(403);
    const after = await ectAuditPage();
    expect(after.replace(/name="_csrf" value="[^"]+"/g, '').replace(/\/s\/[^/]+\//g, '')).toBe(before.replace(/name="_csrf" value="[^"]+"/g, '').replace(/\/s\/[^/]+\//g, ''));
  });

  it('keeps each platform’s audits apart: the same Canvas user id elsewhere starts from nothing', async () => {
    const elsewhere = await sessionOf('ect', undefined, other.platform);
    const page = await request(w.t.url).get(`${elsewhere.base}modules/${MODULE}/audit`).expect(200);
    expect(page.text).toMatch(/Start of module:<\/strong> <span class="status">Not started/);
  });

  it('refuses every write without the session’s CSRF token, or with another session’s', async () => {
    const ect = await sessionOf('ect');
    const mentor = await sessionOf('mentor');
    const attempts = [
      { base: ect.base, path: `modules/${MODULE}/audit/end`, body: { version: '1', action: 'save', ...fullRatings() } },
      { base: mentor.base, path: `people/${ectKey()}/modules/${MODULE}/audit/comments`, body: { comment: 'Should never be stored' } },
    ];
    for (const { base, path, body } of attempts) {
      await request(w.t.url).post(base + path).type('form').send(body).expect(403);
      await request(w.t.url).post(base + path).type('form').send({ ...body, _csrf: base === ect.base ? mentor.csrf : ect.csrf }).expect(403);
    }
    expect(await ectAuditPage()).not.toContain('Should never be stored');
  });
});
