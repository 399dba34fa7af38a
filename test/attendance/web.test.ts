import request from 'supertest';
import type { DevPlatform } from '../../dev-platform';
import { courseKeyId, personKeyId } from '../../src/domain';
import { startIndependentPlatform } from '../lti/support';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';
import { csrfFrom } from '../support/forms';

let w: World;
let other: { platform: DevPlatform; close(): Promise<void> };
const GROUP_C = 'Group C';

/** Group C: thirty active people (ECTs and their mentors) made for this test, and two who are not active. */
const GROUP_C_PEOPLE = Array.from({ length: 30 }, (_, i) => ({
  id: String(9101 + i),
  name: `Person ${String(i + 1).padStart(2, '0')} Register`,
  role: i < 24 ? 'ect' : 'mentor',
}));
const INACTIVE = [
  { id: '9201', name: 'Dee Ferred', status: 'deferred' },
  { id: '9202', name: 'Will Drawn', status: 'withdrawn' },
];

beforeAll(async () => {
  w = await startWorld(41);
  const { roster, groups, readModel, links } = w.t.runtime.stores;
  const row = (id: string, name: string, role: string, status: string) => [id, '', `p${id}@example.org`, name, role, '131245', COHORT, GROUP_C, '', status].join(',');
  const report = await roster.import(
    [
      'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
      ...GROUP_C_PEOPLE.map((p) => row(p.id, p.name, p.role, 'active')),
      ...INACTIVE.map((p) => row(p.id, p.name, 'ect', p.status)),
    ].join('\n'),
  );
  if (report.bad.length) throw new Error(JSON.stringify(report.bad));
  await readModel.refreshCohort(COHORT);
  // The platform's facilitator runs groups A and C; someone else runs B.
  const email = w.platform.users.facilitator.email;
  const assigned = await groups.import(['cohort,group,facilitator_emails', `${COHORT},${GROUP_A},${email}`, `${COHORT},${GROUP_B},someone.else@example.org`, `${COHORT},${GROUP_C},${email}`].join('\n'));
  if (assigned.bad.length) throw new Error(JSON.stringify(assigned.bad));
  // Another platform whose admin runs a course of another cohort.
  other = await startIndependentPlatform(w.t.url);
  await w.t.runtime.registry.add(other.platform.registrationForTool);
  const key = { issuer: other.platform.issuer, clientId: other.platform.clientId };
  const courseId = other.platform.users.admin.course.canvasCourseId;
  await links.save({ _id: courseKeyId(key, courseId), ...key, courseId, programme: 'ect', cohort: 'Other cohort', moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
}, 120_000);
afterAll(async () => {
  await other?.close();
  await w?.close();
});

interface Session {
  base: string;
  csrf: string;
}

async function sessionOf(user: 'ect' | 'mentor' | 'facilitator' | 'admin', custom?: Record<string, string>, on?: DevPlatform): Promise<Session> {
  const launched = await w.launch(user, custom, on);
  expect(launched.status).toBe(200);
  return { base: w.baseOf(launched), csrf: csrfFrom(launched.body) };
}

const get = (path: string) => request(w.t.url).get(path);
const post = (path: string, form: Record<string, string>) => request(w.t.url).post(path).type('form').send(form);
const groupPath = (s: Session, group: string) => `${s.base}groups/${encodeURIComponent(group)}/events`;
const registerPath = (s: Session, eventId: string) => `${s.base}events/${eventId}/register`;

const attendance = () => w.t.runtime.stores.attendance;

/** Everything stored about events and registers, for "nothing changed". */
async function stored(): Promise<unknown[]> {
  const events = await w.t.runtime.stores.store.collection('training_events').find({}).toArray();
  const parts = w.t.runtime.stores.store.allParts('attendance_registers');
  const registers = (await Promise.all(parts.map((p) => p.find({}).toArray()))).flat();
  return [...events, ...registers].sort((a, b) => String(a._id).localeCompare(String(b._id)));
}

const unescape = (html: string) => html.replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The register form's rows as the page shows them: the hidden key, the name labelling the checkbox, whether it is ticked, the reason. */
function registerRows(html: string): { key: string; name: string; present: boolean; reason: string }[] {
  const rows = [...html.matchAll(/<li class="register__person">([\s\S]*?)<\/li>/g)].map((m) => m[1]);
  return rows.map((row) => ({
    key: unescape(/name="key_\d+" value="([^"]*)"/.exec(row)![1]),
    name: unescape(/<label class="register__present" for="present_\d+"><input[^>]*><span>([^<]*)<\/span><\/label>/.exec(row)![1]),
    present: /<input type="checkbox"[^>]* checked>/.test(row),
    reason: unescape(/name="reason_\d+" value="([^"]*)"/.exec(row)![1]),
  }));
}

/** The form a facilitator sends: everyone as shown, but for the marks given by name. */
function registerForm(s: Session, html: string, marks: Record<string, { present: boolean; reason?: string }> = {}, version?: string): Record<string, string> {
  const form: Record<string, string> = { _csrf: s.csrf, version: version ?? /name="version" value="(\d+)"/.exec(html)![1] };
  registerRows(html).forEach((row, i) => {
    const mark = marks[row.name] ?? { present: row.present, reason: row.reason };
    form[`key_${i}`] = row.key;
    if (mark.present) form[`present_${i}`] = 'yes';
    form[`reason_${i}`] = mark.reason ?? '';
  });
  return form;
}

/** Group A as the simulator and the roster have it: every Canvas student of both courses but the two the roster puts in Group B. */
function groupAFromSimulator(): { key: string; name: string }[] {
  const rosterNames = new Map([
    [w.platform.users.ect.canvasUserId, w.platform.users.ect.name],
    [w.platform.users.mentor.canvasUserId, w.platform.users.mentor.name],
  ]);
  const inB = new Set([w.otherEct.id, w.otherMentor.id]);
  const people = w.cohort.courses.flatMap((course) =>
    course.enrollments
      .filter((e) => e.type === 'StudentEnrollment' && !inB.has(e.userId) && (rosterNames.has(e.userId) || course.sections.find((s) => s.id === e.sectionId)?.name === GROUP_A))
      .map((e) => ({ key: `canvas:${e.userId}`, name: rosterNames.get(e.userId) ?? w.cohort.users.get(e.userId)!.name })),
  );
  return people.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
}

describe('a facilitator’s group events page', () => {
  it('lists upcoming events, soonest first, then past ones, latest first, with their registers', async () => {
    const s = await sessionOf('facilitator');
    const made = [];
    for (const [date, type] of [
      ['2099-03-02', 'peer-network'],
      ['2099-01-05', 'online-workshop'],
      ['2020-05-01', 'face-to-face'],
      ['2021-06-01', 'induction-conference'],
    ]) {
      made.push(await attendance().createEvent({ cohort: COHORT, group: GROUP_A, date, start_time: '10:00', type }));
    }
    const page = await get(groupPath(s, GROUP_A));
    expect(page.status).toBe(200);
    const upcoming = page.text.slice(page.text.indexOf('id="upcoming-heading"'), page.text.indexOf('id="past-heading"'));
    const past = page.text.slice(page.text.indexOf('id="past-heading"'), page.text.indexOf('id="new-heading"'));
    const days = (html: string) => [...html.matchAll(/<td data-label="Date"><span><a href="[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);
    expect(days(upcoming)).toEqual(['Monday 5 January 2099', 'Monday 2 March 2099']);
    expect(days(past)).toEqual(['Tuesday 1 June 2021', 'Friday 1 May 2020']);
    expect(page.text).toContain('Not taken yet');
    expect(page.text).toContain(`href="${registerPath(s, made[0]._id)}"`);
    for (const event of made) await attendance().cancelEvent(event._id);
  });

  it('adds an event from the form and shows it', async () => {
    const s = await sessionOf('facilitator');
    const res = await post(groupPath(s, GROUP_A), { _csrf: s.csrf, date: '2099-12-07', start_time: '09:30', end_time: '12:00', type: 'face-to-face', module: '3', title: 'Module 3 day', location: 'Leeds', facilitator_email: '' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${groupPath(s, GROUP_A)}?done=added`);
    const [event] = (await attendance().eventsOf(COHORT, GROUP_A)).filter((e) => e.date === '2099-12-07');
    expect(event).toMatchObject({ cohort: COHORT, group: GROUP_A, date: '2099-12-07', start: '09:30', end: '12:00', type: 'face-to-face', module: 3, title: 'Module 3 day', location: 'Leeds', facilitatorEmail: null });
    const page = await get(res.headers.location);
    expect(page.text).toContain('Training event added.');
    expect(page.text).toContain('Monday 7 December 2099');
    expect(page.text).toContain('09:30 to 12:00');

    const again = await post(groupPath(s, GROUP_A), { _csrf: s.csrf, date: '2099-12-07', start_time: '09:30', type: 'Face-to-face session', module: '', title: '', location: '', end_time: '', facilitator_email: '' });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`${GROUP_A} already has this event: a face-to-face session on 2099-12-07 at 09:30.`);
    await attendance().cancelEvent(event._id);
  });

  it('shows the form again as typed, with each problem next to its field (400), and stores nothing', async () => {
    const s = await sessionOf('facilitator');
    const before = await stored();
    const res = await post(groupPath(s, GROUP_A), { _csrf: s.csrf, date: '2099-02-30', start_time: '14:00', end_time: '13:00', type: 'webinar', module: '42', title: 'Typed <title>', location: 'Room 2', facilitator_email: 'not-an-email' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<title>Error: Training events: Group A</title>');
    expect(res.text).toMatch(/<p class="field-error" id="date-error">Date must be a real date written YYYY-MM-DD, such as 2026-12-07<\/p>\s*<input type="date" id="date" name="date" value="2099-02-30"/);
    expect(res.text).toContain('id="type-error">Type must be face-to-face');
    expect(res.text).toContain('id="module-error">Module must be a module of the programme (1 to 9), or blank');
    expect(res.text).toContain('id="facilitator_email-error">Facilitator email is not an email address');
    expect(res.text).toContain('value="Typed &lt;title&gt;"');
    expect(res.text).toContain('value="Room 2"');
    expect(await stored()).toEqual(before);
    // The end before the start is reported once the rest is right.
    const ends = await post(groupPath(s, GROUP_A), { _csrf: s.csrf, date: '2099-02-27', start_time: '14:00', end_time: '13:00', type: 'peer-network' });
    expect(ends.status).toBe(400);
    expect(ends.text).toContain('id="end_time-error">End time must be after the start time');
    expect(await stored()).toEqual(before);
  });
});

describe('taking a register', () => {
  let eventId: string;
  beforeAll(async () => {
    eventId = (await attendance().createEvent({ cohort: COHORT, group: GROUP_A, date: '2026-11-30', start_time: '16:00', type: 'online-workshop', module: '1' }))._id;
  });

  it('lists the group’s people, everyone ticked, and saves them in one submit; then keeps each change with words', async () => {
    const s = await sessionOf('facilitator');
    const page = await get(registerPath(s, eventId));
    expect(page.status).toBe(200);
    const truth = groupAFromSimulator();
    expect(truth.length).toBeGreaterThan(10);
    expect(registerRows(page.text)).toEqual(truth.map((p) => ({ ...p, present: true, reason: '' })));
    expect(page.text).not.toContain('Other Ect');
    expect(page.text).toContain('name="version" value="0"');
    expect(page.text).toContain('The register has not been taken yet.');

    const [first, second, third] = truth;
    const saved = await post(registerPath(s, eventId), registerForm(s, page.text, { [first.name]: { present: false, reason: 'illness' }, [second.name]: { present: false } }));
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`${registerPath(s, eventId)}?saved=1`);
    const after = await get(saved.headers.location);
    expect(after.text).toContain(`Register saved: ${truth.length - 2} of ${truth.length} present`);
    expect(registerRows(after.text).filter((r) => !r.present)).toEqual([
      { key: first.key, name: first.name, present: false, reason: 'illness' },
      { key: second.key, name: second.name, present: false, reason: '' },
    ]);
    let history = await attendance().history(eventId);
    expect(history).toHaveLength(1);
    expect(history[0].takenBy).toEqual({ ownerId: personKeyId(w.platform, w.platform.users.facilitator.canvasUserId), name: w.platform.users.facilitator.name });
    expect(history[0].entries.map((e) => e.key)).toEqual(truth.map((p) => p.key));
    expect(history[0].changes).toEqual([`Took the register: ${truth.length - 2} of ${truth.length} present`, `Marked ${first.name} absent (illness)`, `Marked ${second.name} absent`]);

    // Changed later: a new version, the change log says what changed.
    const edited = await post(registerPath(s, eventId), registerForm(s, after.text, { [first.name]: { present: true }, [third.name]: { present: false, reason: 'school trip' } }));
    expect(edited.status).toBe(303);
    expect(edited.headers.location).toBe(`${registerPath(s, eventId)}?saved=2`);
    history = await attendance().history(eventId);
    expect(history.map((v) => v.version)).toEqual([1, 2]);
    expect(history[1].changes).toEqual([`Marked ${first.name} present`, `Marked ${third.name} absent (school trip)`]);
    const log = await get(edited.headers.location);
    expect(log.text).toContain(`Register saved: ${truth.length - 2} of ${truth.length} present`);
    expect(log.text).toContain(`Marked ${third.name.replace(/'/g, '&#x27;')} absent (school trip)`);
    expect(log.text).toMatch(/Version 2<\/strong>: saved by Carys Evans on/);
    expect(log.text).toContain('name="version" value="2"');

    // A form based on version 1, sent after version 2 landed: refused, nothing changed.
    const before = await stored();
    const stale = await post(registerPath(s, eventId), registerForm(s, after.text, { [second.name]: { present: true } }));
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Someone else saved this register while you had it open. Reload to see their changes.');
    expect(await stored()).toEqual(before);
    // The register shows in the summary the grid reads at once.
    const summary = await attendance().groupAttendance(COHORT, GROUP_A);
    expect(summary.events.find((e) => e.id === eventId)).toMatchObject({ registerTaken: true, present: truth.length - 2, expected: truth.length });
    expect(summary.byParticipant[third.key]).toEqual({ attended: 0, expected: 1, last: { eventId, date: '2026-11-30', present: false, reason: 'school trip' }, marks: [{ eventId, present: false, reason: 'school trip' }] });
  });

  it('refuses to cancel an event once its register is taken (409), and changes nothing', async () => {
    const s = await sessionOf('facilitator');
    const before = await stored();
    const res = await post(`${s.base}events/${eventId}/cancel`, { _csrf: s.csrf });
    expect(res.status).toBe(409);
    expect(res.text).toContain('This event’s register has been taken, so it cannot be cancelled');
    expect(await stored()).toEqual(before);
  });

  it('changes an event’s details and cancels one without a register', async () => {
    const s = await sessionOf('facilitator');
    const changed = await post(`${s.base}events/${eventId}`, { _csrf: s.csrf, end_time: '17:30', module: '2', title: 'After school workshop', location: 'Online', facilitator_email: 'carys.evans@example.org' });
    expect(changed.status).toBe(303);
    expect(await attendance().event(eventId)).toMatchObject({ start: '16:00', end: '17:30', module: 2, title: 'After school workshop', location: 'Online', facilitatorEmail: 'carys.evans@example.org' });
    const bad = await post(`${s.base}events/${eventId}`, { _csrf: s.csrf, end_time: '15:00', module: '', title: '', location: '', facilitator_email: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="end_time-error">End time must be after the start time');

    const spare = await attendance().createEvent({ cohort: COHORT, group: GROUP_A, date: '2026-12-01', start_time: '16:00', type: 'peer-network' });
    const page = await get(registerPath(s, spare._id));
    expect(page.text).toContain('Cancel this event');
    const cancelled = await post(`${s.base}events/${spare._id}/cancel`, { _csrf: s.csrf });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.location).toBe(`${groupPath(s, GROUP_A)}?done=cancelled`);
    expect(await attendance().event(spare._id)).toBeNull();
  });
});

describe('a register of thirty', () => {
  it('takes the register for all thirty of Group C in one submit, and the counts are there at once', async () => {
    const s = await sessionOf('facilitator');
    const event = await attendance().createEvent({ cohort: COHORT, group: GROUP_C, date: '2026-12-03', start_time: '09:30', type: 'face-to-face' });
    const page = await get(registerPath(s, event._id));
    expect(page.status).toBe(200);
    const rows = registerRows(page.text);
    expect(rows).toEqual(GROUP_C_PEOPLE.map((p) => ({ key: `canvas:${p.id}`, name: p.name, present: true, reason: '' })));
    expect(page.text).not.toMatch(/Dee Ferred|Will Drawn/);
    const absent = { [GROUP_C_PEOPLE[2].name]: { present: false, reason: 'illness' }, [GROUP_C_PEOPLE[10].name]: { present: false }, [GROUP_C_PEOPLE[29].name]: { present: false, reason: 'course' } };
    const form = registerForm(s, page.text, absent);
    const saved = await post(registerPath(s, event._id), form);
    expect(saved.status).toBe(303);
    expect((await get(saved.headers.location)).text).toContain('Register saved: 27 of 30 present');
    const summary = await attendance().groupAttendance(COHORT, GROUP_C);
    expect(summary.events).toEqual([expect.objectContaining({ id: event._id, registerTaken: true, present: 27, expected: 30 })]);
    expect(Object.keys(summary.byParticipant).sort()).toEqual(GROUP_C_PEOPLE.map((p) => `canvas:${p.id}`).sort());
    expect(summary.byParticipant[`canvas:${GROUP_C_PEOPLE[2].id}`]).toEqual({ attended: 0, expected: 1, last: { eventId: event._id, date: '2026-12-03', present: false, reason: 'illness' }, marks: [{ eventId: event._id, present: false, reason: 'illness' }] });
    expect(summary.byParticipant[`canvas:${GROUP_C_PEOPLE[3].id}`]).toEqual({ attended: 1, expected: 1, last: { eventId: event._id, date: '2026-12-03', present: true, reason: null }, marks: [{ eventId: event._id, present: true, reason: null }] });
    const list = await get(groupPath(s, GROUP_C));
    expect(list.text).toContain('Taken: 27 of 30 present');
    // The facilitator's grid shows the register straight after the submit, person by person.
    const grid = await get(`${s.base}cohort?group=${encodeURIComponent(GROUP_C)}`);
    const attended = new Map([...grid.text.matchAll(/<tr data-key="canvas:(\d+)">[\s\S]*?data-label="Attended">([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]));
    // Everyone of the group is in the grid; the two not active were not on the register.
    expect(attended.size).toBe(32);
    for (const p of INACTIVE) expect(attended.get(p.id)).toBe('None taken');
    for (const p of GROUP_C_PEOPLE) expect([p.name, attended.get(p.id)]).toEqual([p.name, p.name in absent ? '0 of 1' : '1 of 1']);
    expect(grid.text).toContain(`Missed the last training event on 3 December 2026 (illness)`);
    // And so does the record of someone marked absent.
    const record = await get(`${s.base}people/${encodeURIComponent(`canvas:${GROUP_C_PEOPLE[2].id}`)}`);
    expect(record.status).toBe(200);
    expect(record.text).toContain('attended <strong>0 of 1</strong> (0%)');
    expect(record.text).toMatch(/event-marks__mark--absent">Absent<\/span> Thursday 3 December 2026: Face-to-face session, illness/);
  });
});

describe('who may see and change which events', () => {
  let eventA: string;
  let eventB: string;
  beforeAll(async () => {
    eventA = (await attendance().createEvent({ cohort: COHORT, group: GROUP_A, date: '2026-10-05', start_time: '10:00', type: 'peer-network' }))._id;
    eventB = (await attendance().createEvent({ cohort: COHORT, group: GROUP_B, date: '2026-10-06', start_time: '10:00', type: 'peer-network', title: 'Group B secret title' }))._id;
  });

  /** Every route of a group and of one event, as `s` would call it. */
  function routes(s: Session, group: string, eventId: string) {
    return {
      gets: [groupPath(s, group), registerPath(s, eventId)],
      posts: [
        [groupPath(s, group), { _csrf: s.csrf, date: '2026-10-20', start_time: '10:00', type: 'face-to-face' }],
        [registerPath(s, eventId), { _csrf: s.csrf, version: '0', key_0: `canvas:${w.otherEct.id}`, present_0: 'yes', reason_0: '' }],
        [`${s.base}events/${eventId}`, { _csrf: s.csrf, title: 'Changed by someone else' }],
        [`${s.base}events/${eventId}/cancel`, { _csrf: s.csrf }],
      ] as [string, Record<string, string>][],
    };
  }

  it('gives a facilitator of Group A a 404 for Group B’s events, register, new event, changes and cancel, and changes nothing', async () => {
    const s = await sessionOf('facilitator');
    const before = await stored();
    const { gets, posts } = routes(s, GROUP_B, eventB);
    for (const path of gets) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.text).toContain('There is nothing here that you can see.');
      expect(res.text).not.toMatch(/Group B secret title|Other Ect/);
    }
    for (const [path, form] of posts) expect([path, (await post(path, form)).status]).toEqual([path, 404]);
    expect(await stored()).toEqual(before);
    // Group B's event is not reachable through Group A's pages either.
    expect((await get(groupPath(s, GROUP_A))).text).not.toContain(eventB);
    expect((await get(registerPath(s, eventA))).status).toBe(200);
  });

  it('gives an ECT and a mentor a 403 on every route, and changes nothing', async () => {
    for (const user of ['ect', 'mentor'] as const) {
      const s = await sessionOf(user);
      const before = await stored();
      const { gets, posts } = routes(s, GROUP_A, eventA);
      for (const path of gets) expect([user, path, (await get(path)).status]).toEqual([user, path, 403]);
      for (const [path, form] of posts) expect([user, path, (await post(path, form)).status]).toEqual([user, path, 403]);
      expect(await stored()).toEqual(before);
    }
  });

  it('lets an admin of the cohort see every group, but not a group the cohort lacks', async () => {
    const s = await sessionOf('admin');
    const list = await get(groupPath(s, GROUP_B));
    expect(list.status).toBe(200);
    expect(list.text).toContain('Group B secret title');
    const register = await get(registerPath(s, eventB));
    expect(register.status).toBe(200);
    expect(registerRows(register.text).map((r) => r.name).sort()).toEqual(['Other Ect', 'Other Mentor']);
    expect((await get(groupPath(s, 'Group Z'))).status).toBe(404);
  });

  it('gives an admin of another platform, and a facilitator from an unlinked course, a 404 everywhere, changing nothing', async () => {
    const cases = { 'admin on another platform': await sessionOf('admin', undefined, other.platform), 'facilitator of an unlinked course': await sessionOf('facilitator', { canvas_course_id: '424242' }) };
    for (const [who, s] of Object.entries(cases)) {
      const before = await stored();
      for (const [group, eventId] of [
        [GROUP_A, eventA],
        [GROUP_B, eventB],
      ]) {
        const { gets, posts } = routes(s, group, eventId);
        for (const path of gets) expect([who, path, (await get(path)).status]).toEqual([who, path, 404]);
        for (const [path, form] of posts) expect([who, path, (await post(path, form)).status]).toEqual([who, path, 404]);
      }
      expect(await stored()).toEqual(before);
    }
  });

  it('answers 404 for event ids and group names that are not one', async () => {
    const s = await sessionOf('facilitator');
    for (const id of ['ev_nope', 'ev_0000000000000000', encodeURIComponent('{"$ne":null}'), `${eventA}x`]) expect([id, (await get(registerPath(s, id))).status]).toEqual([id, 404]);
    for (const group of ['{"$ne":null}', 'x'.repeat(300), ' ']) expect([group, (await get(groupPath(s, group))).status]).toEqual([group, 404]);
  });

  it('asks for a launch without a session (401), and refuses a form without the CSRF token (403)', async () => {
    expect((await get(`/s/${'x'.repeat(32)}/groups/${encodeURIComponent(GROUP_A)}/events`)).status).toBe(401);
    const s = await sessionOf('facilitator');
    const before = await stored();
    expect((await post(groupPath(s, GROUP_A), { date: '2026-10-21', start_time: '10:00', type: 'face-to-face' })).status).toBe(403);
    expect(await stored()).toEqual(before);
  });
});

describe('hostile input', () => {
  let eventId: string;
  let s: Session;
  let page: string;
  beforeAll(async () => {
    eventId = (await attendance().createEvent({ cohort: COHORT, group: GROUP_A, date: '2026-09-07', start_time: '10:00', type: 'face-to-face' }))._id;
    s = await sessionOf('facilitator');
    page = (await get(registerPath(s, eventId))).text;
  });

  it('answers 400, never 500, and stores nothing', async () => {
    const before = await stored();
    const base = registerForm(s, page);
    const cases: [string, () => request.Test][] = [
      ['an operator object as a key (JSON)', () => request(w.t.url).post(registerPath(s, eventId)).set('x-csrf-token', s.csrf).send({ ...base, key_0: { $ne: null } })],
      ['an array as a mark (JSON)', () => request(w.t.url).post(registerPath(s, eventId)).set('x-csrf-token', s.csrf).send({ ...base, present_0: ['yes', 'yes'] })],
      ['a repeated field (form)', () => request(w.t.url).post(registerPath(s, eventId)).type('form').send(`${new URLSearchParams(base).toString()}&present_0=yes`)],
      ['a mark that is neither yes nor absent', () => post(registerPath(s, eventId), { ...base, present_0: 'no' })],
      ['a version that is not a number', () => post(registerPath(s, eventId), { ...base, version: '1; drop' })],
      ['someone not in the group', () => post(registerPath(s, eventId), { ...base, key_0: `canvas:${w.otherEct.id}` })],
      ['a person twice', () => post(registerPath(s, eventId), { ...base, key_1: base.key_0 })],
      ['nobody on it', () => post(registerPath(s, eventId), { _csrf: s.csrf, version: '0' })],
      ['a reason of 20,000 characters', () => post(registerPath(s, eventId), { ...base, reason_0: 'x'.repeat(20_000) })],
      ['an operator object as a date (JSON)', () => request(w.t.url).post(groupPath(s, GROUP_A)).set('x-csrf-token', s.csrf).send({ date: { $gt: '' }, start_time: '10:00', type: 'face-to-face' })],
      ['an array as a type (JSON)', () => request(w.t.url).post(groupPath(s, GROUP_A)).set('x-csrf-token', s.csrf).send({ date: '2026-10-01', start_time: '10:00', type: ['face-to-face'] })],
      ['a date that is no date', () => post(groupPath(s, GROUP_A), { _csrf: s.csrf, date: '2026-13-45', start_time: '10:00', type: 'face-to-face' })],
      ['a time that is no time', () => post(groupPath(s, GROUP_A), { _csrf: s.csrf, date: '2026-10-01', start_time: '99:99', type: 'face-to-face' })],
      ['an object as an event detail (JSON)', () => request(w.t.url).post(`${s.base}events/${eventId}`).set('x-csrf-token', s.csrf).send({ title: { $set: 'x' } })],
    ];
    for (const [what, send] of cases) {
      const res = await send();
      expect([what, res.status]).toEqual([what, 400]);
    }
    expect(await stored()).toEqual(before);
  });

  it('shows a reason over 200 characters next to its person, with the marks as typed (400), and stores nothing', async () => {
    const before = await stored();
    const rows = registerRows(page);
    const form = registerForm(s, page, { [rows[1].name]: { present: false, reason: 'r'.repeat(201) }, [rows[2].name]: { present: false, reason: 'kept as typed' } });
    const res = await post(registerPath(s, eventId), form);
    expect(res.status).toBe(400);
    expect(res.text).toContain(`id="reason_1-error">The reason for ${rows[1].name.replace(/'/g, '&#x27;')} must be 200 characters or fewer (it has 201).`);
    const shown = registerRows(res.text);
    expect(shown[2]).toEqual({ ...rows[2], present: false, reason: 'kept as typed' });
    expect(shown[1].present).toBe(false);
    expect(await stored()).toEqual(before);
  });
});
