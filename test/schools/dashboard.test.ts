import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { launchTool } from '../../dev-platform/launcher';
import type { DevPlatform } from '../../dev-platform';
import { moduleNumbers, moduleOf } from '../../src/curriculum';
import { personKeyId } from '../../src/domain';
import { gridRows, moduleFigures, ukDay, unescapeHtml, RATING_FILES, useProgrammeFiles } from '../cohort/support';
import { startIndependentPlatform } from '../lti/support';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';
import { expectedProgress } from '../support/expected-progress';
import { csrfFrom } from '../support/forms';
import { SCHOOL_X, SCHOOL_Y, X_NAME, Y_NAME, Y_PEOPLE, observer, openLink, splitIntoTwoSchools } from './support';

let w: World;
let restore: () => void;
let other: { platform: DevPlatform; close(): Promise<void> };
/** School X's events: one coming up, one past with a register; and one of school Y's group. */
const events: Record<'upcoming' | 'past' | 'ofY', string> = { upcoming: '', past: '', ofY: '' };

beforeAll(async () => {
  restore = useProgrammeFiles(RATING_FILES);
  w = await startWorld(37);
  other = await startIndependentPlatform(w.t.url);
  await w.t.runtime.registry.add(other.platform.registrationForTool);
  await splitIntoTwoSchools(w);
  const { attendance, meetings } = w.t.runtime.stores;
  events.upcoming = (await attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(10), start_time: '09:30', end_time: '12:00', type: 'face-to-face', module: '1', title: 'Module 1 training day', location: 'Leeds' }))._id;
  events.past = (await attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(-5), start_time: '16:00', end_time: '17:00', type: 'online-workshop', module: '1', title: '', location: '' }))._id;
  events.ofY = (await attendance.createEvent({ cohort: COHORT, group: GROUP_B, date: ukDay(3), start_time: '10:00', end_time: '11:00', type: 'peer-network', module: '', title: 'Hillside peer network', location: 'York' }))._id;
  const { ect, mentor, facilitator } = w.platform.users;
  const takenBy = { ownerId: personKeyId(w.platform, facilitator.canvasUserId), name: facilitator.name };
  await attendance.saveRegister({
    eventId: events.past,
    basedOn: 0,
    entries: [
      { key: `canvas:${ect.canvasUserId}`, name: ect.name, role: 'ect', present: true },
      { key: `canvas:${mentor.canvasUserId}`, name: mentor.name, role: 'mentor', present: false, reason: 'illness' },
    ],
    takenBy,
  });
  await meetings.record({
    ectOwnerId: personKeyId(w.platform, ect.canvasUserId),
    ectKey: `canvas:${ect.canvasUserId}`,
    ectName: ect.name,
    mentorOwnerId: personKeyId(w.platform, mentor.canvasUserId),
    mentorName: mentor.name,
    cohort: COHORT,
    module: 1,
    session: 1,
    date: ukDay(-2),
    focus: 'Expectations',
    notes: 'A private note the school must never see.',
    actions: [],
  });
  const launched = await w.launch('ect');
  const ratings = Object.fromEntries(moduleOf('ect', 1)!.auditStatements.map((_, i) => [`rating_${i}`, '3']));
  await request(w.t.url).post(`${w.baseOf(launched)}modules/1/audit/start`).type('form').send({ _csrf: csrfFrom(launched.body), version: '1', action: 'submit', ...ratings }).expect(303);
  await w.t.runtime.boards.refreshCohort(COHORT);
}, 180_000);

afterAll(async () => {
  await other?.close();
  await w?.close();
  restore?.();
});

async function linkSession(urn = SCHOOL_X): Promise<string> {
  const { url } = await w.t.runtime.schoolLinks.create({ urn });
  return openLink(w, url);
}

const ectKey = () => `canvas:${w.platform.users.ect.canvasUserId}`;
const mentorKey = () => `canvas:${w.platform.users.mentor.canvasUserId}`;
const cellOf = (row: string, label: string) => unescapeHtml(new RegExp(`data-label="${label}">([\\s\\S]*?)</td>`).exec(row)?.[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() ?? '');

describe('the school dashboard through a signed link', () => {
  it('shows school X its own ECTs and mentors, paired, and never a name of school Y', async () => {
    const base = await linkSession();
    const page = await request(w.t.url).get(`${base}school`).expect(200);
    const html = unescapeHtml(page.text);
    expect(html).toContain(X_NAME);
    expect(html).toContain(`URN ${SCHOOL_X}`);
    const rows = gridRows(page.text);
    expect([...rows.keys()].sort()).toEqual([ectKey(), mentorKey()].sort());
    expect(cellOf(rows.get(ectKey())!, 'Mentor')).toBe(w.platform.users.mentor.name);
    expect(cellOf(rows.get(mentorKey())!, 'ECTs')).toBe(w.platform.users.ect.name);
    for (const name of [...Y_PEOPLE, Y_NAME, 'Hillside peer network', w.otherEct.email]) expect(html).not.toContain(name);
    expect(html).not.toContain('A private note');
    // Where a school goes next: its change requests, its email choices and DfE's register service.
    expect(page.text).toContain(`href="${base}school/changes"`);
    expect(page.text).toContain(`href="${base}school/notifications"`);
    expect(page.text).toContain('href="https://www.register-early-career-teachers.education.gov.uk/"');
    // The home page of a school session is the same dashboard.
    const home = await request(w.t.url).get(base).expect(200);
    expect([...gridRows(home.text).keys()].sort()).toEqual([ectKey(), mentorKey()].sort());
    // School Y's link shows Y's people and none of X's.
    const yBase = await linkSession(SCHOOL_Y);
    const yHtml = unescapeHtml((await request(w.t.url).get(`${yBase}school`).expect(200)).text);
    expect(yHtml).toContain('Other Ect');
    expect(yHtml).not.toContain(w.platform.users.ect.name);
    expect(yHtml).not.toContain(X_NAME);
  });

  it('shows the simulator’s figures per module, and the same rating, attendance, audits and meetings as the cohort grid', async () => {
    const base = await linkSession();
    const rows = gridRows((await request(w.t.url).get(`${base}school`).expect(200)).text);
    const admin = await w.launch('admin');
    const grid = gridRows((await request(w.t.url).get(`${w.baseOf(admin)}cohort`).expect(200)).text);
    for (const role of ['ect', 'mentor'] as const) {
      const user = w.platform.users[role];
      const key = `canvas:${user.canvasUserId}`;
      const truth = expectedProgress(w.sim, user.course.canvasCourseId).figures.get(user.canvasUserId)!;
      const figures = moduleFigures(rows.get(key)!);
      moduleNumbers(role).forEach((number, i) => {
        const expected = truth.modules[i] === null ? null : `${truth.modules[i]}%`;
        if (expected) expect({ role, number, shown: figures.get(number) }).toEqual({ role, number, shown: expected });
        else expect(/%$/.test(figures.get(number) ?? '')).toBe(false);
      });
      expect(cellOf(rows.get(key)!, 'Overall')).toBe(truth.overall === null ? 'No figures yet' : `${truth.overall}%`);
      const rag = /class="rag rag--(\w+)"/.exec(rows.get(key)!)![1];
      expect(rag).toBe(/class="rag rag--(\w+)"/.exec(grid.get(key)!)![1]);
    }
    const ect = rows.get(ectKey())!;
    const mentor = rows.get(mentorKey())!;
    // From the register taken above: the ECT present, the mentor absent; one meeting; the module 1 start audit.
    expect(cellOf(ect, 'Attended')).toBe('1 of 1');
    expect(cellOf(mentor, 'Attended')).toBe('0 of 1');
    expect(cellOf(ect, 'Meetings recorded')).toBe('1');
    expect(cellOf(ect, 'Audits submitted')).toBe('1');
    expect(unescapeHtml(ect)).toContain('Module 2 start-of-module audit not submitted, 40 days after the module opened');
    expect(unescapeHtml(mentor)).toContain(`Missed the last training event on`);
    expect(unescapeHtml(ect)).not.toContain('Module 1 start-of-module audit not submitted');
  });

  it('lists provider notices newest first, without withdrawn ones', async () => {
    const first = await w.t.runtime.notices.publish({ title: 'Autumn newsletter', body: 'Dates for the spring term.', kind: 'newsletter' }, new Date(Date.now() - 60_000));
    await w.t.runtime.notices.publish({ title: 'Mentor time guidance', body: 'How to plan mentor time.', link: 'https://example.org/guidance', kind: 'guidance' });
    const gone = await w.t.runtime.notices.publish({ title: 'Withdrawn notice', body: 'Sent by mistake.', kind: 'policy' });
    await w.t.runtime.notices.withdraw(gone._id);
    const html = unescapeHtml((await request(w.t.url).get(`${await linkSession()}school`).expect(200)).text);
    const newer = html.indexOf('Mentor time guidance');
    expect(newer).toBeGreaterThan(0);
    expect(html.indexOf(first.title)).toBeGreaterThan(newer);
    expect(html).toContain('href="https://example.org/guidance"');
    expect(html).not.toContain('Withdrawn notice');
  });
});

describe('training events as CSV and iCalendar', () => {
  it('gives school X its groups’ events (not Y’s) as CSV, every cell safe for spreadsheets', async () => {
    const base = await linkSession();
    const csv = await request(w.t.url).get(`${base}school/events.csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(csv.text, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.date, r.start, r.group, r.title])).toEqual([
      [ukDay(-5), '16:00', GROUP_A, 'Online workshop: Module 1'],
      [ukDay(10), '09:30', GROUP_A, 'Module 1 training day'],
    ]);
    expect(rows[1].location).toBe('Leeds');
    expect(csv.text).not.toContain('Hillside');
  });

  it('gives the same events as iCalendar in UK time, with stable UIDs; a cancelled event is left out', async () => {
    const base = await linkSession();
    const first = await request(w.t.url).get(`${base}school/events.ics`).expect(200);
    expect(first.headers['content-type']).toMatch(/^text\/calendar/);
    const vevents = (text: string) => [...text.matchAll(/BEGIN:VEVENT([\s\S]*?)END:VEVENT/g)].map((m) => Object.fromEntries(m[1].trim().split(/\r?\n/).map((line) => [line.split(':')[0], line.slice(line.indexOf(':') + 1)])));
    const parsed = vevents(first.text);
    expect(parsed.map((e) => e.UID).sort()).toEqual([`${events.past}@ecf-progress`, `${events.upcoming}@ecf-progress`].sort());
    const training = parsed.find((e) => e.UID.startsWith(events.upcoming))!;
    expect(training['DTSTART;TZID=Europe/London']).toBe(`${ukDay(10).replace(/-/g, '')}T093000`);
    expect(training['DTEND;TZID=Europe/London']).toBe(`${ukDay(10).replace(/-/g, '')}T120000`);
    expect(training.SUMMARY).toBe('Module 1 training day');
    expect(training.LOCATION).toBe('Leeds');
    expect(first.text).not.toContain('Hillside');
    // The TZID the events name is defined in the file, with the UK's summer time rule (RFC 5545 3.6.5).
    const zone = /BEGIN:VTIMEZONE([\s\S]*?)END:VTIMEZONE/.exec(first.text)?.[1] ?? '';
    expect(zone).toContain('TZID:Europe/London');
    expect(zone).toMatch(/BEGIN:DAYLIGHT[\s\S]*TZOFFSETTO:\+0100[\s\S]*RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU/);
    await w.t.runtime.stores.attendance.cancelEvent(events.upcoming);
    const second = vevents((await request(w.t.url).get(`${base}school/events.ics`).expect(200)).text);
    expect(second.map((e) => e.UID)).toEqual([`${events.past}@ecf-progress`]);
    events.upcoming = (await w.t.runtime.stores.attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(10), start_time: '09:30', end_time: '12:00', type: 'face-to-face', module: '1', title: 'Module 1 training day', location: 'Leeds' }))._id;
    const third = vevents((await request(w.t.url).get(`${base}school/events.ics`).expect(200)).text);
    // The same event again has the same id, so a calendar updates it rather than adding a copy.
    expect(third.map((e) => e.UID).sort()).toEqual(parsed.map((e) => e.UID).sort());
  });

  it('downloads the progress export of its own school only, whatever the query says', async () => {
    const base = await linkSession();
    const csv = await request(w.t.url).get(`${base}school/export.csv?urn=${SCHOOL_Y}&school=${SCHOOL_Y}`).expect(200);
    expect(csv.headers['content-disposition']).toContain(SCHOOL_X);
    expect(csv.text).toContain(w.platform.users.ect.name);
    for (const name of Y_PEOPLE) expect(csv.text).not.toContain(name);
    await request(w.t.url).get(`${base}school/export.docx`).expect(400);
  });
});

describe('who may open what', () => {
  it('keeps a school session to its own pages: no cohort grid, admin page, person record or participant page', async () => {
    const base = await linkSession();
    const refused = [
      'cohort',
      'admin/people',
      'admin/groups',
      'admin/notices',
      'progress',
      'modules/1/audit',
      'modules/1/session-plans',
      `people/${encodeURIComponent(ectKey())}`,
      `people/${encodeURIComponent(`canvas:${w.otherEct.id}`)}`,
      `people/${encodeURIComponent(ectKey())}/meetings`,
      `groups/${encodeURIComponent(GROUP_A)}/events`,
      `events/${events.past}/register`,
    ];
    for (const path of refused) {
      const status = (await request(w.t.url).get(`${base}${path}`)).status;
      expect({ path, refused: status === 403 || status === 404 }).toEqual({ path, refused: true });
    }
  });

  it('refuses the school pages to staff and participants', async () => {
    for (const user of ['ect', 'mentor', 'facilitator', 'admin'] as const) {
      const base = w.baseOf(await w.launch(user));
      for (const path of ['school', 'school/events.csv', 'school/events.ics', 'school/export.csv']) {
        expect({ user, path, status: (await request(w.t.url).get(`${base}${path}`)).status }).toEqual({ user, path, status: 403 });
      }
    }
  });
});

describe('school contacts launching from Canvas', () => {
  beforeAll(async () => {
    const report = await w.t.runtime.schoolContacts.import(
      [
        'urn,name,email,canvas_user_id,role',
        `${SCHOOL_X},Hana Head,head@brookfield.example.org,2099,headteacher`,
        `${SCHOOL_Y},Ian Tutor,tutor@hillside.example.org,,induction tutor`,
        `${SCHOOL_X},Amira as contact,${w.platform.users.ect.email},,induction tutor`,
      ].join('\n'),
    );
    expect(report.bad).toEqual([]);
  });

  it('opens the dashboard for an observer who is a contact, by Canvas user id or by email', async () => {
    const byId = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: observer(w, { canvasUserId: '2099', email: 'someone@else.example.org', name: 'Hana Head' }), crossSite: true });
    expect(byId.status).toBe(200);
    expect(new URL(byId.finalUrl).pathname).toMatch(/^\/s\/[^/]+\/$/);
    expect(unescapeHtml(byId.body)).toContain(X_NAME);
    expect([...gridRows(byId.body).keys()].sort()).toEqual([ectKey(), mentorKey()].sort());
    const byEmail = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: observer(w, { canvasUserId: '2098', email: 'TUTOR@hillside.example.org', name: 'Ian Tutor' }), crossSite: true });
    expect(unescapeHtml(byEmail.body)).toContain(Y_NAME);
    // The schools list's contact_emails count as contacts too.
    const listed = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: observer(w, { canvasUserId: '2097', email: 'office@example.org', name: 'Office' }), crossSite: true });
    expect(unescapeHtml(listed.body)).toContain(X_NAME);
  });

  it('refuses an observer who is no contact, and keeps a learner who is a contact a participant', async () => {
    const stranger = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: observer(w, { canvasUserId: '2096', email: 'parent@example.org', name: 'A Parent' }), crossSite: true });
    expect(stranger.status).toBe(403);
    expect(stranger.body).toContain('no view in this tool');
    const ect = await w.launch('ect');
    expect(ect.status).toBe(200);
    expect(ect.body).not.toContain(X_NAME);
    expect((await request(w.t.url).get(`${w.baseOf(ect)}school`)).status).toBe(403);
  });

  it('shows a contact launching from another platform none of this platform’s rows', async () => {
    const launched = await launchTool({ toolUrl: w.t.url, platform: other.platform, user: observer(w, { canvasUserId: '2099', email: 'head@brookfield.example.org', name: 'Hana Head' }), crossSite: true });
    expect(launched.status).toBe(200);
    expect(unescapeHtml(launched.body)).toContain(X_NAME);
    expect(gridRows(launched.body).size).toBe(0);
    expect(unescapeHtml(launched.body)).not.toContain(w.platform.users.ect.name);
    const csv = await request(w.t.url).get(`${w.baseOf(launched)}school/events.csv`).expect(200);
    expect(csv.text).not.toContain('Module 1 training day');
  });
});

describe('provider notices on the admin page', () => {
  it('lets an admin publish and withdraw, with the form’s token; a facilitator cannot', async () => {
    const admin = await w.launch('admin');
    const base = w.baseOf(admin);
    expect(admin.body).toContain(`href="${base}admin/notices"`);
    const page = await request(w.t.url).get(`${base}admin/notices`).expect(200);
    const csrf = csrfFrom(page.text);
    await request(w.t.url).post(`${base}admin/notices`).type('form').send({ title: 'No token', body: 'x', kind: 'policy' }).expect(403);
    const bad = await request(w.t.url).post(`${base}admin/notices`).type('form').send({ _csrf: csrf, title: 'Plain link', body: 'x', link: 'http://example.org', kind: 'policy' }).expect(400);
    expect(bad.text).toContain('https://');
    await request(w.t.url).post(`${base}admin/notices`).type('form').send({ _csrf: csrf, title: 'Spring term dates', body: 'Published from the admin page.', link: '', kind: 'policy' }).expect(303);
    const published = (await w.t.runtime.notices.all()).find((n) => n.title === 'Spring term dates')!;
    expect(published).toMatchObject({ kind: 'policy', link: null, withdrawn: false });
    const school = await linkSession();
    expect((await request(w.t.url).get(`${school}school`)).text).toContain('Spring term dates');
    await request(w.t.url).post(`${base}admin/notices/${published._id}/withdraw`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await request(w.t.url).get(`${school}school`)).text).not.toContain('Spring term dates');
    const facilitator = w.baseOf(await w.launch('facilitator'));
    await request(w.t.url).get(`${facilitator}admin/notices`).expect(403);
  });
});
