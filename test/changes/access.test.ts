import request from 'supertest';
import { startIndependentPlatform } from '../lti/support';
import { startWorld, type World } from '../participants/world';
import { csrfFrom } from '../support/forms';
import { FAR_ECT, OTHER_URN, URN, addOtherSchool, ask, decide, openAdmin, openSchool, requestIds, storedRequests, type SchoolPage } from './support';

let w: World;
let school: SchoolPage;
let admin: SchoolPage;

beforeAll(async () => {
  w = await startWorld(43);
  await addOtherSchool(w);
  school = await openSchool(w);
  admin = await openAdmin(w);
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const ectKey = () => `canvas:${w.platform.users.ect.canvasUserId}`;
const otherEctKey = () => `canvas:${w.otherEct.id}`;
const decisions = () => w.t.runtime.stores.store.collection<{ _id: string; state: string }>('change_decisions');

/** A stored open request of the world's school, for the tests that try to decide it. */
async function openRequest(email: string): Promise<string> {
  const formId = `access-${email.replace(/[^a-z]/g, '')}-0000000`;
  await ask(w, school, { kind: 'email-change', participant: otherEctKey(), email, formId }).expect(303);
  return `${URN}:${formId}`;
}

describe('a school names only its own people and sees only its own requests', () => {
  it('refuses another school’s participant, storing nothing', async () => {
    const farKey = (await w.t.runtime.stores.readModel.readCurrentGrid('Participant pages'))!.rows.find((r) => r.email === FAR_ECT.email)!.key;
    const other = await openSchool(w, OTHER_URN, null);
    for (const [page, participant] of [
      [other, ectKey()],
      [school, farKey],
    ] as const) {
      const before = (await storedRequests(w, URN)).length + (await storedRequests(w, OTHER_URN)).length;
      for (const fields of <Record<string, string>[]>[
        { kind: 'withdrawal', participant, effectiveDate: '2027-01-04', reason: 'x' },
        { kind: 'email-change', participant, email: 'stolen@example.org' },
        { kind: 'mentor-change', participant, mentor: 'new', mentorName: 'Eve', mentorEmail: 'eve@example.org', effectiveDate: '2027-01-04' },
      ]) {
        const sent = await ask(w, page, fields).expect(400);
        expect(sent.text).toMatch(/Choose (one of your school’s early career teachers|someone from your school)/);
      }
      expect((await storedRequests(w, URN)).length + (await storedRequests(w, OTHER_URN)).length).toBe(before);
    }
    // The other school's own ECT is offered to it, and never to this school.
    const otherForm = await request(w.t.url).get(`${other.base}school/changes/new?kind=withdrawal`).expect(200);
    expect(otherForm.text).toContain(FAR_ECT.name);
    expect(otherForm.text).not.toContain(w.platform.users.ect.name);
    const ownForm = await request(w.t.url).get(`${school.base}school/changes/new?kind=withdrawal`).expect(200);
    expect(ownForm.text).not.toContain(FAR_ECT.name);
  });

  it('does not show one school’s requests to another', async () => {
    const id = await openRequest('only.ours@example.org');
    const ours = await request(w.t.url).get(`${school.base}school/changes`).expect(200);
    expect(requestIds(ours.text)).toContain(id);
    const other = await openSchool(w, OTHER_URN, null);
    const theirs = await request(w.t.url).get(`${other.base}school/changes`).expect(200);
    expect(requestIds(theirs.text)).toEqual([]);
    expect(theirs.text).not.toContain('only.ours@example.org');
  });
});

describe('the admin review', () => {
  it('is refused to participants, facilitators and schools, and they cannot decide', async () => {
    const id = await openRequest('refused@example.org');
    for (const user of ['ect', 'mentor', 'facilitator'] as const) {
      const launched = await w.launch(user);
      const base = w.baseOf(launched);
      await request(w.t.url).get(`${base}admin/changes`).expect(403);
      await request(w.t.url).post(`${base}admin/changes/${encodeURIComponent(id)}/decision`).type('form').send({ _csrf: csrfFrom(launched.body), action: 'approve' }).expect(403);
      // Nor the school's pages.
      await request(w.t.url).get(`${base}school/changes`).expect(403);
    }
    await request(w.t.url).get(`${school.base}admin/changes`).expect(403);
    await request(w.t.url).post(`${school.base}admin/changes/${encodeURIComponent(id)}/decision`).type('form').send({ _csrf: school.csrf, action: 'approve' }).expect(403);
    await request(w.t.url).get(`${admin.base}school/changes`).expect(403);
    expect(await decisions().findOne({ _id: id })).toBeNull();
  });

  it('shows an admin of another platform none of this platform’s requests, and lets them decide none', async () => {
    const id = await openRequest('other.platform@example.org');
    const other = await startIndependentPlatform(w.t.url);
    try {
      await w.t.runtime.registry.add(other.platform.registrationForTool);
      const stranger = await openAdmin(w, other.platform);
      const page = await request(w.t.url).get(`${stranger.base}admin/changes`).expect(200);
      expect(requestIds(page.text)).toEqual([]);
      await decide(w, stranger, id, 'approve').expect(404);
      const home = await request(w.t.url).get(stranger.base).expect(200);
      expect(home.text).toContain('Change requests (0 open)');
    } finally {
      await other.close();
    }
    expect(await decisions().findOne({ _id: id })).toBeNull();
    // This platform's admin sees it, counted as open on the home page.
    const home = await request(w.t.url).get(admin.base).expect(200);
    const open = (await storedRequests(w)).length - (await decisions().countDocuments({}));
    expect(home.text).toContain(`Change requests (${open} open)`);
  });

  it('decides a request exactly once under two approvals, or an approval and a rejection, at the same moment', async () => {
    const second = await openAdmin(w);
    for (const [first, other] of [
      ['approve', 'approve'],
      ['approve', 'reject'],
    ] as const) {
      const id = await openRequest(`race.${first}.${other}@example.org`);
      const answers = await Promise.all([decide(w, admin, id, first, 'ok'), decide(w, second, id, other, 'no')]);
      expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
      const loser = answers.find((a) => a.status === 409)!;
      expect(loser.text).toMatch(/This request was already (approved|not approved) by/);
      const stored = await decisions().find({ _id: id }).toArray();
      expect(stored).toHaveLength(1);
      // The roster follows the one decision that stands.
      const roster = await w.t.runtime.stores.store.collection<{ canvasUserId: string; email: string }>('roster').findOne({ canvasUserId: w.otherEct.id });
      const asked = `race.${first}.${other}@example.org`;
      expect(roster?.email === asked).toBe(stored[0].state === 'approved');
    }
  });
});

describe('the review’s pages', () => {
  it('pages the requests newest first, twenty at a time, keeping the filters', async () => {
    for (let i = 0; i < 22; i += 1) await openRequest(`paged.${String.fromCharCode(97 + i)}@example.org`);
    const open = new Set((await storedRequests(w)).map((r) => r._id));
    for (const d of await decisions().find({}).toArray()) open.delete(d._id);
    const first = await request(w.t.url).get(`${admin.base}admin/changes?state=open`).expect(200);
    const firstIds = requestIds(first.text);
    expect(firstIds).toHaveLength(20);
    const next = /href="([^"]+)">Older requests/.exec(first.text)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next).toContain('state=open');
    expect(next).toContain('page=2');
    const secondIds = requestIds((await request(w.t.url).get(next!).expect(200)).text);
    expect(new Set([...firstIds, ...secondIds])).toEqual(open);
    expect(firstIds.filter((id) => secondIds.includes(id))).toEqual([]);
    const askedAt = new Map((await w.t.runtime.stores.store.collection<{ _id: string; askedAt: Date }>('change_requests').find({}).toArray()).map((r) => [r._id, r.askedAt.getTime()]));
    const times = [...firstIds, ...secondIds].map((id) => askedAt.get(id)!);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});

describe('hostile input', () => {
  it('answers malformed school forms with 4xx and stores nothing', async () => {
    const before = (await storedRequests(w)).length;
    const post = () => request(w.t.url).post(`${school.base}school/changes`);
    const base = { _csrf: school.csrf, formId: 'hostile-form-000000001', kind: 'email-change', participant: otherEctKey(), email: 'h@example.org' };
    // Repeated fields (arrays), operator objects, wrong types, an oversized field and body.
    await post().type('form').send(`_csrf=${school.csrf}&formId=hostile-form-000000002&kind=email-change&kind=withdrawal&participant=${encodeURIComponent(otherEctKey())}&email=a@example.org`).expect(400);
    await post().send({ ...base, participant: { $ne: null } }).expect(400);
    await post().send({ ...base, email: ['a@example.org', 'b@example.org'] }).expect(400);
    await post().send({ ...base, kind: 42 }).expect(400);
    await post().send({ ...base, note: 'x'.repeat(6000) }).expect(400);
    await post().send({ ...base, note: 'x'.repeat(70_000) }).expect(413);
    await post().type('form').send(`_csrf=${school.csrf}&formId=hostile-form-000000003&kind=email-change&participant[$ne]=x&email=a@example.org`).expect(400);
    await post().send({ ...base, formId: '../../etc' }).expect(404);
    await post().send({ ...base, kind: 'drop-table' }).expect(404);
    const long = await post().send({ ...base, note: 'y'.repeat(1500) }).expect(400);
    expect(long.text).toContain('The note must be 1000 characters or fewer.');
    await post().send({ ...base, _csrf: 'forged' }).expect(403);
    await request(w.t.url).get(`${school.base}school/changes/new?kind=nonsense`).expect(404);
    expect((await storedRequests(w)).length).toBe(before);
  });

  it('answers malformed review filters and decisions with 4xx and decides nothing', async () => {
    const id = await openRequest('hostile.decision@example.org');
    for (const query of ['?state[$ne]=x', '?state=maybe', '?page=abc', '?school=../../', '?kind=drop', '?state=open&state=approved', '?unknown=1']) {
      await request(w.t.url).get(`${admin.base}admin/changes${query}`).expect(400);
    }
    const url = `${admin.base}admin/changes/${encodeURIComponent(id)}/decision`;
    await request(w.t.url).post(url).type('form').send(`_csrf=${admin.csrf}&action=approve&action=reject`).expect(400);
    await request(w.t.url).post(url).send({ _csrf: admin.csrf, action: { $ne: 'x' } }).expect(400);
    await request(w.t.url).post(url).send({ _csrf: admin.csrf, action: 'approve', reason: { $gt: '' } }).expect(400);
    await request(w.t.url).post(url).send({ _csrf: admin.csrf, action: 'approve', reason: 'r'.repeat(600) }).expect(400);
    await request(w.t.url).post(`${admin.base}admin/changes/${encodeURIComponent(`${id}x`)}/decision`).send({ _csrf: admin.csrf, action: 'approve' }).expect(404);
    await request(w.t.url).post(`${admin.base}admin/changes/${'z'.repeat(300)}/decision`).send({ _csrf: admin.csrf, action: 'approve' }).expect(404);
    await request(w.t.url).post(url).send({ action: 'approve' }).expect(403);
    expect(await decisions().findOne({ _id: id })).toBeNull();
  });
});
