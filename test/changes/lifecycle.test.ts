import request from 'supertest';
import type { ChangeRequestView } from '../../src/changes';
import { COHORT, startWorld, type World } from '../participants/world';
import { URN, ask, decide, exportOf, gridRow, openAdmin, openSchool, requestIds, rosterEntry, storedRequests, type SchoolPage } from './support';

let w: World;
let school: SchoolPage;
let admin: SchoolPage;
const answered: ChangeRequestView[] = [];

beforeAll(async () => {
  w = await startWorld(41);
  w.t.runtime.changes.onAnswered((view) => void answered.push(view));
  // A listener that fails must not reach the admin: the decision is stored and the page carries on.
  w.t.runtime.changes.onAnswered(() => {
    throw new Error('listener down');
  });
  school = await openSchool(w);
  admin = await openAdmin(w);
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const keyOf = (id: string) => `canvas:${id}`;
const ectKey = () => keyOf(w.platform.users.ect.canvasUserId);
const mentorKey = () => keyOf(w.platform.users.mentor.canvasUserId);
const otherMentorKey = () => keyOf(w.otherMentor.id);
const otherEctKey = () => keyOf(w.otherEct.id);

/** Sends a form and returns the id of the one new request it stored. */
async function askAndFind(fields: Record<string, string>): Promise<string> {
  const before = new Set((await storedRequests(w)).map((r) => r._id));
  const sent = await ask(w, school, fields).expect(303);
  expect(sent.headers.location).toMatch(/school\/changes\?sent=/);
  const added = (await storedRequests(w)).filter((r) => !before.has(r._id));
  expect(added).toHaveLength(1);
  return added[0]._id;
}

const schoolPage = async () => (await request(w.t.url).get(`${school.base}school/changes`).expect(200)).text;
const review = async (query = '') => (await request(w.t.url).get(`${admin.base}admin/changes${query}`).expect(200)).text;

/** The listed item of one request on a page, as text (tags dropped). */
function itemOf(html: string, id: string): string {
  const start = html.indexOf(`data-request="${id}"`);
  expect(start).toBeGreaterThan(-1);
  const next = html.indexOf('data-request=', start + 1);
  return html
    .slice(start, next > 0 ? next : html.indexOf('</ul>', start))
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('a change of mentor, asked by a school and approved by an admin', () => {
  it('is listed for both, changes the roster, the grid and the export, and keeps the pairing history with dates', async () => {
    const { ect, mentor } = w.platform.users;
    const id = await askAndFind({ kind: 'mentor-change', participant: ectKey(), mentor: otherMentorKey(), effectiveDate: '2027-01-04', note: 'Ben moves to part time.' });
    expect(itemOf(await schoolPage(), id)).toContain('Waiting');

    // The admin finds it with the filters that match it, and not with those that do not.
    for (const query of ['', '?state=open', '?kind=mentor-change', `?school=${URN}`, `?cohort=${encodeURIComponent(COHORT)}`]) expect(requestIds(await review(query))).toContain(id);
    for (const query of ['?state=approved', '?kind=withdrawal', '?school=999999', '?cohort=Elsewhere']) expect(requestIds(await review(query))).not.toContain(id);
    const listed = itemOf(await review(), id);
    expect(listed).toContain(`mentor ${mentor.name} (${mentor.email})`);
    expect(listed).toContain(`New mentor Other Mentor (${w.otherMentor.email}) from Monday 4 January 2027`);
    expect(listed).toContain('Ben moves to part time.');

    const approved = await decide(w, admin, id, 'approve').expect(303);
    expect(approved.headers.location).toMatch(/admin\/changes\?decided=approved$/);

    expect(await rosterEntry(w, { canvasUserId: ect.canvasUserId })).toMatchObject({ mentorEmail: w.otherMentor.email, schoolUrn: URN });
    const row = await gridRow(w, ectKey());
    expect(row?.mentorKey).toBe(otherMentorKey());
    expect((await gridRow(w, otherMentorKey()))?.name).toBe('Other Mentor');
    const exported = (await exportOf(w)).find((r) => r.participant_name === ect.name);
    expect(exported?.mentor_name).toBe('Other Mentor');

    const page = await schoolPage();
    expect(itemOf(page, id)).toContain('Approved');
    const history = page.slice(page.indexOf('Mentor history')).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(history).toContain(`${mentor.name} (${mentor.email}), before the first recorded change`);
    expect(history).toContain(`Other Mentor (${w.otherMentor.email}), from Monday 4 January 2027`);
    expect(answered.find((a) => a.id === id)).toMatchObject({ state: 'approved', applied: true, urn: URN });
  });

  it('adds a mentor new to the programme and keeps every pairing in date order', async () => {
    const { ect } = w.platform.users;
    const id = await askAndFind({ kind: 'mentor-change', participant: ectKey(), mentor: 'new', mentorName: 'Nia Newmentor', mentorEmail: 'Nia.Newmentor@Example.org', effectiveDate: '2027-03-01' });
    await decide(w, admin, id, 'approve', 'Welcome Nia.').expect(303);
    expect(await rosterEntry(w, { canvasUserId: ect.canvasUserId })).toMatchObject({ mentorEmail: 'nia.newmentor@example.org' });
    expect(await rosterEntry(w, { email: 'nia.newmentor@example.org' })).toMatchObject({ role: 'mentor', schoolUrn: URN, cohort: COHORT, status: 'active', name: 'Nia Newmentor' });
    const row = await gridRow(w, ectKey());
    const newMentor = (await w.t.runtime.stores.readModel.readCurrentGrid(COHORT))?.rows.find((r) => r.email === 'nia.newmentor@example.org');
    expect(newMentor?.rostered).toBe(true);
    expect(row?.mentorKey).toBe(newMentor?.key);
    const pairings = await w.t.runtime.stores.store.collection<{ rosterId: string; from: string | null; mentorEmail: string }>('pairings').find({}).toArray();
    const ofEct = pairings.filter((p) => p.mentorEmail && p.rosterId === pairings[0].rosterId).sort((a, b) => (a.from ?? '').localeCompare(b.from ?? ''));
    expect(ofEct.map((p) => [p.from, p.mentorEmail])).toEqual([
      [null, w.platform.users.mentor.email],
      ['2027-01-04', w.otherMentor.email],
      ['2027-03-01', 'nia.newmentor@example.org'],
    ]);
    const listed = itemOf(await review('?state=approved&kind=mentor-change'), id);
    expect(listed).toContain('Mentor history');
    expect(listed).toContain('Nia Newmentor (nia.newmentor@example.org), from Monday 1 March 2027');
    expect(listed).toContain('Welcome Nia.');
  });
});

describe('the other kinds of change', () => {
  it('changes an email address in the roster, the grid and the export', async () => {
    const id = await askAndFind({ kind: 'email-change', participant: otherEctKey(), email: 'Other.Ect.New@Example.org' });
    await decide(w, admin, id, 'approve').expect(303);
    expect(await rosterEntry(w, { canvasUserId: w.otherEct.id })).toMatchObject({ email: 'other.ect.new@example.org' });
    expect((await gridRow(w, otherEctKey()))?.email).toBe('other.ect.new@example.org');
    expect((await exportOf(w)).find((r) => r.participant_name === 'Other Ect')?.email).toBe('other.ect.new@example.org');
  });

  it('withdraws someone: status withdrawn everywhere, kept with its date, and the rating says not rated', async () => {
    const { mentor } = w.platform.users;
    const before = await w.t.runtime.cohortGrid.standingOf(COHORT, mentorKey());
    expect(before?.row.status).toBe('active');
    expect(before?.rating.rag).not.toBeNull();
    const id = await askAndFind({ kind: 'withdrawal', participant: mentorKey(), effectiveDate: '2026-12-31', reason: 'Leaving the school' });
    await decide(w, admin, id, 'approve').expect(303);
    expect(await rosterEntry(w, { canvasUserId: mentor.canvasUserId })).toMatchObject({ status: 'withdrawn', statusFrom: '2026-12-31' });
    const after = await w.t.runtime.cohortGrid.standingOf(COHORT, mentorKey());
    expect(after?.row.status).toBe('withdrawn');
    expect(after?.rating.rag).toBeNull();
    expect((await exportOf(w)).find((r) => r.participant_name === mentor.name)?.status).toBe('withdrawn');
    const grid = await request(w.t.url).get(`${admin.base}cohort?status=withdrawn`).expect(200);
    expect(grid.text).toContain(mentor.name);
  });

  it('adds a new participant to the roster, the grid and the export', async () => {
    const id = await askAndFind({ kind: 'new-participant', name: 'Noor Newcomer', email: 'noor.newcomer@example.org', role: 'ect', cohort: COHORT, mentorEmail: w.otherMentor.email, startDate: '2027-01-04' });
    expect(itemOf(await review('?kind=new-participant'), id)).toContain('Add Noor Newcomer (noor.newcomer@example.org) as an ECT');
    await decide(w, admin, id, 'approve').expect(303);
    expect(await rosterEntry(w, { email: 'noor.newcomer@example.org' })).toMatchObject({ name: 'Noor Newcomer', role: 'ect', schoolUrn: URN, cohort: COHORT, status: 'active', mentorEmail: w.otherMentor.email });
    const row = (await w.t.runtime.stores.readModel.readCurrentGrid(COHORT))?.rows.find((r) => r.email === 'noor.newcomer@example.org');
    expect(row).toMatchObject({ rostered: true, schoolUrn: URN, mentorKey: otherMentorKey() });
    expect((await exportOf(w)).map((r) => r.participant_name)).toContain('Noor Newcomer');
  });
});

describe('a rejected request', () => {
  it('needs a reason, shows the school that reason, and changes nothing', async () => {
    const id = await askAndFind({ kind: 'deferral', participant: otherMentorKey(), effectiveDate: '2027-02-01', reason: 'Long-term illness' });
    const missing = await decide(w, admin, id, 'reject', '   ').expect(400);
    expect(missing.text).toContain('Give the school a reason for not approving the request.');
    expect(await w.t.runtime.stores.store.collection('change_decisions').findOne({ _id: id as never })).toBeNull();

    await decide(w, admin, id, 'reject', 'Please send the signed form from the headteacher.').expect(303);
    const item = itemOf(await schoolPage(), id);
    expect(item).toContain('Not approved');
    expect(item).toContain('Please send the signed form from the headteacher.');
    expect(await rosterEntry(w, { canvasUserId: w.otherMentor.id })).toMatchObject({ status: 'active' });
    expect((await gridRow(w, otherMentorKey()))?.status).toBe('active');
    expect(answered.find((a) => a.id === id)).toMatchObject({ state: 'rejected', applied: false, decision: { reason: 'Please send the signed form from the headteacher.' } });
    // Decided once: a second answer is refused and says who decided.
    const again = await decide(w, admin, id, 'approve').expect(409);
    expect(again.text).toContain(`already not approved by ${w.platform.users.admin.name}`);
  });
});

describe('an approval cut short after its decision was stored', () => {
  it('is offered to the admin to apply again, and applying it changes the roster once', async () => {
    const id = await askAndFind({ kind: 'deferral', participant: otherEctKey(), effectiveDate: '2027-04-19', reason: 'Maternity leave' });
    // The state a crash between storing the decision and changing the roster leaves behind.
    await w.t.runtime.stores.store.collection('change_decisions').insertOne({ _id: id as never, state: 'approved', reason: '', decidedBy: 'Dana Admin', decidedAt: new Date() });
    const listed = itemOf(await review('?state=approved&kind=deferral'), id);
    expect(listed).toContain('Approved, but the roster has not been changed yet.');
    expect(await rosterEntry(w, { canvasUserId: w.otherEct.id })).toMatchObject({ status: 'active' });
    for (let i = 0; i < 2; i += 1) {
      const applied = await request(w.t.url).post(`${admin.base}admin/changes/${encodeURIComponent(id)}/apply`).type('form').send({ _csrf: admin.csrf }).expect(303);
      expect(applied.headers.location).toMatch(/decided=approved$/);
    }
    expect(await rosterEntry(w, { canvasUserId: w.otherEct.id })).toMatchObject({ status: 'deferred', statusFrom: '2027-04-19' });
    expect((await gridRow(w, otherEctKey()))?.status).toBe('deferred');
    expect(await w.t.runtime.stores.store.collection('change_effects').countDocuments({ _id: id as never })).toBe(1);
    expect(itemOf(await review('?state=approved&kind=deferral'), id)).not.toContain('has not been changed yet');
  });
});

describe('the school’s forms', () => {
  it('come back with what was typed and each problem beside its field', async () => {
    const before = (await storedRequests(w)).length;
    const sent = await ask(w, school, { kind: 'email-change', participant: otherEctKey(), email: 'not-an-email', note: 'typed note' }).expect(400);
    expect(sent.text).toContain('There is a problem');
    expect(sent.text).toContain('Enter the new email address as an email address');
    expect(sent.text).toContain('value="not-an-email"');
    expect(sent.text).toContain('typed note');
    expect(sent.text).toMatch(new RegExp(`<option value="${otherEctKey()}" selected>`));
    const dates = await ask(w, school, { kind: 'withdrawal', participant: otherEctKey(), effectiveDate: '2027-02-30', reason: '' }).expect(400);
    expect(dates.text).toContain('Enter the date the withdrawal takes effect as a real date');
    expect(dates.text).toContain('Enter the reason for the withdrawal.');
    expect((await storedRequests(w)).length).toBe(before);
  });

  it('store a form sent twice once', async () => {
    const fields = { kind: 'email-change', participant: otherEctKey(), email: 'twice@example.org', formId: 'double-submit-form-0001' };
    await ask(w, school, fields).expect(303);
    await ask(w, school, fields).expect(303);
    expect((await storedRequests(w)).filter((r) => r._id === `${URN}:double-submit-form-0001`)).toHaveLength(1);
  });

  it('list the school’s requests newest first', async () => {
    const stored = await storedRequests(w);
    const listed = requestIds(await schoolPage());
    expect(new Set(listed)).toEqual(new Set(stored.map((r) => r._id)));
    const askedAt = new Map((await w.t.runtime.stores.store.collection<{ _id: string; askedAt: Date }>('change_requests').find({}).toArray()).map((r) => [r._id, r.askedAt.getTime()]));
    const times = listed.map((id) => askedAt.get(id)!);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
