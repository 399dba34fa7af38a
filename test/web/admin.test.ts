import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axe from 'axe-core';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import type { DevPlatform } from '../../dev-platform';
import { courseKeyId, emailDigest, type PlatformKey } from '../../src/domain';
import { emptyState } from '../../src/sync/store';
import { presentActivity, presentAdminCourse } from '../../src/web/admin-presenters';
import { startIndependentPlatform } from '../lti/support';
import { launchChromium } from '../support/browser';
import { csrfFrom } from '../support/forms';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';

/**
 * The admin pages against a synced world: the platform's ECT and mentor courses (12 students
 * each in the simulator) linked to one cohort, a roster of two ECTs and two mentors, one school.
 */
let w: World;
let other: { platform: DevPlatform; close(): Promise<void> };
let platform: PlatformKey;
const OTHER_COURSE = '555001';
const OTHER_COHORT = 'Other platform cohort';
const OTHER_NAME = 'Other platform secret course';
const UNSYNCED_COURSE = '900001';
/** Pages in states a plain GET cannot reach (a refused form, a sync under way), kept for the accessibility check at the end. */
const captured: { name: string; base: string; html: string; marker: string }[] = [];

beforeAll(async () => {
  w = await startWorld(37);
  platform = { issuer: w.platform.issuer, clientId: w.platform.clientId };
  other = await startIndependentPlatform(w.t.url);
  await w.t.runtime.registry.add(other.platform.registrationForTool);
  const otherKey = { issuer: other.platform.issuer, clientId: other.platform.clientId };
  const { links, sync } = w.t.runtime.stores;
  await links.save({ _id: courseKeyId(otherKey, OTHER_COURSE), ...otherKey, courseId: OTHER_COURSE, programme: 'ect', cohort: OTHER_COHORT, moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  await sync.saveState({ ...emptyState({ _id: courseKeyId(otherKey, OTHER_COURSE), ...otherKey, courseId: OTHER_COURSE, programme: 'ect', cohort: OTHER_COHORT }), courseName: OTHER_NAME, studentCount: 7, syncedAt: new Date() });
  await w.t.runtime.stores.groups.assign(OTHER_COHORT, 'Their group', ['someone@other.example.org']);
}, 120_000);
afterAll(async () => {
  await other?.close();
  await w?.close();
});

async function sessionOf(user: 'ect' | 'mentor' | 'facilitator' | 'admin', on?: DevPlatform) {
  const launched = await w.launch(user, undefined, on);
  expect(launched.status).toBe(200);
  return { base: w.baseOf(launched), csrf: csrfFrom(launched.body), home: launched.body };
}

const get = (path: string) => request(w.t.url).get(path);
const post = (path: string, body: Record<string, unknown>) => request(w.t.url).post(path).type('form').send(body);
const runCount = async () => (await w.t.runtime.stores.runs.latest(100)).length;
const storedGroups = async () => (await w.t.runtime.stores.groups.load()).map(({ updatedAt: _updatedAt, ...g }) => g).sort((a, b) => a._id.localeCompare(b._id));
const simCourse = (role: 'ect' | 'mentor') => w.sim.data.courses.find((c) => c.id === w.platform.users[role].course.canvasCourseId)!;
const activeStudents = (course: ReturnType<typeof simCourse>) => course.enrollments.filter((e) => e.type === 'StudentEnrollment' && e.state === 'active');
/** The status cell of one course's row on the admin home. */
const statusOf = (html: string, courseId: string) => new RegExp(`data-sync-status="${courseId}"[^>]*>([^<]*(?:<strong>[^<]*</strong>)?)</span>`).exec(html)?.[1] ?? null;
const unescape = (html: string) => html.replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x3D;/g, '=');

describe('what a course’s row says about a sync an admin started', () => {
  const at = new Date('2026-12-06T17:00:00Z');
  it('words each state of the run', () => {
    expect(presentActivity({ kind: 'running', startedAt: at, done: 0, total: null })).toEqual({ syncing: true, text: 'Syncing: starting…' });
    expect(presentActivity({ kind: 'running', startedAt: at, done: 40, total: 120 })).toEqual({ syncing: true, text: 'Syncing: 40 of 120 students' });
    expect(presentActivity({ kind: 'synced', at, students: 120 }, at.getTime() + 20_000)).toEqual({ syncing: false, text: 'Synced just now' });
    expect(presentActivity({ kind: 'synced', at, students: 120 }, at.getTime() + 5 * 60_000)).toEqual({ syncing: false, text: 'Synced 5 min ago' });
    expect(presentActivity({ kind: 'busy', at })).toEqual({ syncing: false, text: 'A sync of this course is already running' });
    expect(presentActivity({ kind: 'failed', at, reason: 'Canvas refused the token (401)' })).toEqual({ syncing: false, text: 'Sync failed: Canvas refused the token (401)' });
    expect(presentActivity(null)).toEqual({ syncing: false, text: null });
  });

  it('lets a later attempt on the stored state speak instead of a finished run of ours', () => {
    const key = { issuer: 'https://canvas.example.org', clientId: '1' };
    const link = { _id: courseKeyId(key, '77'), ...key, courseId: '77', programme: 'ect' as const, cohort: 'C', moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: at };
    const failedLater = { ...emptyState({ _id: link._id, ...key, courseId: '77', programme: 'ect', cohort: 'C' }), courseName: 'Maths ECTs', syncedAt: at, lastAttemptAt: new Date(at.getTime() + 60_000), lastError: 'Canvas is down (503)' };
    const row = presentAdminCourse(link, failedLater, { kind: 'busy', at }, 3_600_000, '/s/x/', at.getTime() + 120_000);
    expect([row.name, row.status, row.activity.text]).toEqual(['Maths ECTs', 'Failed: Canvas is down (503)', null]);
    const ours = presentAdminCourse(link, { ...failedLater, lastAttemptAt: at, lastError: null }, { kind: 'synced', at: new Date(at.getTime() + 1000), students: 3 }, 3_600_000, '/s/x/', at.getTime() + 120_000);
    expect([ours.status, ours.activity.text]).toEqual(['Up to date', 'Synced 1 min ago']);
  });
});

describe('who may use the admin pages', () => {
  it('refuses the ECT, the mentor and a facilitator with 403, and starts no sync', async () => {
    const before = await runCount();
    for (const user of ['ect', 'mentor', 'facilitator'] as const) {
      const { base, csrf } = await sessionOf(user);
      for (const path of ['admin/people', 'admin/groups', 'admin/syncs']) expect([user, path, (await get(base + path)).status]).toEqual([user, path, 403]);
      expect([user, (await post(`${base}admin/courses/1042/sync`, { _csrf: csrf })).status]).toEqual([user, 403]);
      expect([user, (await post(`${base}admin/groups`, { _csrf: csrf, cohort: COHORT, group: GROUP_B, emails: 'intruder@example.org' })).status]).toEqual([user, 403]);
      expect([user, (await post(`${base}admin/groups/remove`, { _csrf: csrf, cohort: COHORT, group: GROUP_A })).status]).toEqual([user, 403]);
    }
    expect(await runCount()).toBe(before);
    expect((await storedGroups()).flatMap((g) => g.facilitatorEmails)).not.toContain('intruder@example.org');
    expect((await storedGroups()).map((g) => g.group)).toContain(GROUP_A);
  });

  it('refuses a POST without the session’s CSRF token, and changes nothing', async () => {
    const { base } = await sessionOf('admin');
    const before = [await runCount(), await storedGroups()];
    expect((await post(`${base}admin/courses/1042/sync`, {})).status).toBe(403);
    expect((await post(`${base}admin/groups`, { cohort: COHORT, group: GROUP_B, emails: 'x@example.org' })).status).toBe(403);
    expect((await post(`${base}admin/groups/remove`, { _csrf: 'not-the-token', cohort: COHORT, group: GROUP_A })).status).toBe(403);
    expect([await runCount(), await storedGroups()]).toEqual(before);
  });
});

describe('the admin home: courses by name with their sync', () => {
  it('shows each linked course of this Canvas by its Canvas name, with programme, cohort, students and status', async () => {
    const { home, base } = await sessionOf('admin');
    const html = unescape(home);
    for (const role of ['ect', 'mentor'] as const) {
      const course = simCourse(role);
      const row = new RegExp(`<tr id="course-${course.id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
      expect(row).toContain(`<strong>${course.name}</strong>`);
      expect(row).toContain(`Canvas course ${course.id}`);
      expect(row).toContain(`<td data-label="Programme">${role === 'ect' ? 'ECT' : 'Mentor'}</td>`);
      expect(row).toContain(`<td data-label="Cohort">${COHORT}</td>`);
      expect(row).toContain(`<td class="num" data-label="Students">${activeStudents(course).length}</td>`);
      expect(statusOf(row, course.id)).toBe('Up to date');
      expect(row).toContain(`action="${base}admin/courses/${course.id}/sync"`);
    }
    expect(simCourse('ect').name).not.toBe(simCourse('mentor').name);
    expect(html).toContain('Recent sync runs');
    expect(html).toContain(`href="${base}admin/people"`);
    expect(html).toContain(`href="${base}admin/groups"`);
    expect(html).toMatch(new RegExp(`<a [^>]*href="${base}cohort">Cohort progress</a>`));
  });

  it('names a course “Course <id>” before its first sync, and never shows another platform’s course', async () => {
    await w.t.runtime.stores.links.save({ _id: courseKeyId(platform, UNSYNCED_COURSE), ...platform, courseId: UNSYNCED_COURSE, programme: 'ect', cohort: COHORT, moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
    try {
      const { home } = await sessionOf('admin');
      const row = new RegExp(`<tr id="course-${UNSYNCED_COURSE}">([\\s\\S]*?)</tr>`).exec(home)?.[1] ?? '';
      expect(row).toContain(`<strong>Course ${UNSYNCED_COURSE}</strong>`);
      expect(statusOf(row, UNSYNCED_COURSE)).toBe('Not synced yet');
      expect(home).not.toContain(OTHER_NAME);
      expect(home).not.toContain(OTHER_COURSE);
      expect(home).not.toContain(OTHER_COHORT);
    } finally {
      await w.t.runtime.stores.links.delete(platform, UNSYNCED_COURSE);
    }
  });

  it('lets the other platform’s admin see their own course, and neither admin reach the other’s', async () => {
    const mine = await sessionOf('admin');
    const theirs = await sessionOf('admin', other.platform);
    expect(unescape(theirs.home)).toContain(OTHER_NAME);
    expect(theirs.home).not.toContain(simCourse('ect').name);
    const before = await runCount();
    expect((await post(`${mine.base}admin/courses/${OTHER_COURSE}/sync`, { _csrf: mine.csrf })).status).toBe(404);
    // The other platform has no link for this platform's course id, even where the ids are the same.
    expect((await post(`${theirs.base}admin/courses/${simCourse('ect').id}/sync`, { _csrf: theirs.csrf })).status).toBe(404);
    expect(await runCount()).toBe(before);
    expect(w.t.runtime.onDemandSyncs.activityOf({ issuer: other.platform.issuer, clientId: other.platform.clientId }, OTHER_COURSE)).toBeNull();
    const people = await get(`${mine.base}admin/people`).expect(200);
    const groups = await get(`${mine.base}admin/groups`).expect(200);
    for (const page of [people.text, groups.text]) {
      expect(page).not.toContain(OTHER_COHORT);
      expect(page).not.toContain('someone@other.example.org');
    }
    expect((await post(`${mine.base}admin/groups`, { _csrf: mine.csrf, cohort: OTHER_COHORT, group: 'Their group', emails: 'taken@example.org' })).status).toBe(404);
    expect((await post(`${mine.base}admin/groups/remove`, { _csrf: mine.csrf, cohort: OTHER_COHORT, group: 'Their group' })).status).toBe(404);
    expect((await storedGroups()).find((g) => g.cohort === OTHER_COHORT)?.facilitatorEmails).toEqual(['someone@other.example.org']);
  });
});

describe('people and imports', () => {
  beforeAll(async () => {
    // A deferred ECT and a withdrawn mentor the simulator's Canvas does not have.
    const report = await w.t.runtime.stores.roster.import(
      [
        'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
        `,,deferred.ect@example.org,Dee Ferred,ect,131245,${COHORT},${GROUP_B},,deferred`,
        `,,withdrawn.mentor@example.org,Will Drawn,mentor,131245,${COHORT},${GROUP_A},,withdrawn`,
      ].join('\n'),
    );
    expect(report.bad).toEqual([]);
    await w.t.runtime.stores.readModel.refreshCohort(COHORT);
    const bad = await w.t.runtime.stores.roster.import(
      ['canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status', ...Array.from({ length: 25 }, (_, i) => `,,person${i}@example.org,Person ${i},teacher,131245,${COHORT},,,active`)].join('\n'),
    );
    await w.t.runtime.stores.importRuns.record('roster', '/home/operator/private/roster-autumn.csv', bad, { at: new Date('2026-12-06T17:34:00Z') });
  });

  it('counts the roster by role and status, the schools, and the Canvas students the roster does not know', async () => {
    const { base } = await sessionOf('admin');
    const html = unescape((await get(`${base}admin/people`).expect(200)).text);
    const row = (role: string) => new RegExp(`<strong>${role}</strong></td>((?:<td[^>]*>\\d+</td>)+)`).exec(html)?.[1].match(/\d+(?=<\/td>)/g)?.map(Number);
    // ECTs: the world's two (active) and the deferred one; mentors: the world's two and the withdrawn one.
    expect(row('ECTs')).toEqual([2, 1, 0, 3]);
    expect(row('Mentors')).toEqual([2, 0, 1, 3]);
    expect(html).toContain('<strong>Schools:</strong> 1 in this cohort’s roster (of 1 imported).');
    // Every active student of both simulated courses, less the four the roster names by Canvas id.
    const unrostered = activeStudents(simCourse('ect')).length + activeStudents(simCourse('mentor')).length - 4;
    expect(html).toContain(`<p>${unrostered} students of this Canvas’s courses are not on the roster`);
    const someone = w.sim.data.users.get(activeStudents(simCourse('ect')).find((e) => e.userId !== w.otherEct.id && e.userId !== w.platform.users.ect.canvasUserId)!.userId)!;
    expect(html).toContain(`<li>${someone.name} <span class="muted">(ECT, `);
  });

  it('shows the last import of each kind: when, the file’s base name, counts, outcome and the first 20 problems', async () => {
    const { base } = await sessionOf('admin');
    const html = unescape((await get(`${base}admin/people`).expect(200)).text);
    const roster = html.slice(html.indexOf('id="import-roster"'), html.indexOf('id="import-schools"'));
    expect(roster).toContain('6 December 2026 at 5:34pm');
    expect(roster).toContain('<code>roster-autumn.csv</code>');
    expect(html).not.toContain('/home/operator');
    expect(roster).toContain('<td class="num" data-label="Rows">25</td>');
    expect(roster).toContain('<strong>Not written: 25 bad rows</strong>');
    const problems = [...roster.matchAll(/<li>Line (\d+): ([^<]*)<\/li>/g)];
    expect(problems.map((p) => Number(p[1]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(problems[0][2]).toBe('role: must be ect or mentor');
    expect(roster).toContain('<p>and 5 more.</p>');
    for (const personal of ['person0@example.org', 'Person 0']) expect(html).not.toContain(personal);
    const schools = html.slice(html.indexOf('id="import-schools"'), html.indexOf('id="import-groups"'));
    expect(schools).toContain('Never imported. Import a file with <code>ecf-progress schools import</code>.');
    expect(html).not.toContain('id="import-events"');
  });
});

describe('group facilitator assignments', () => {
  /** Per group name, the ECTs and mentors the simulator and the roster put in it (roster group first, else the Canvas section). */
  function expectedGroups(): Map<string, { ects: number; mentors: number }> {
    const rosterGroups = new Map([
      [w.platform.users.ect.canvasUserId, GROUP_A],
      [w.platform.users.mentor.canvasUserId, GROUP_A],
      [w.otherEct.id, GROUP_B],
      [w.otherMentor.id, GROUP_B],
    ]);
    const counts = new Map<string, { ects: number; mentors: number }>();
    const add = (group: string, role: 'ect' | 'mentor') => {
      const entry = counts.get(group) ?? { ects: 0, mentors: 0 };
      entry[role === 'ect' ? 'ects' : 'mentors'] += 1;
      counts.set(group, entry);
    };
    for (const role of ['ect', 'mentor'] as const) {
      const course = simCourse(role);
      for (const e of activeStudents(course)) add(rosterGroups.get(e.userId) ?? course.sections.find((s) => s.id === e.sectionId)!.name, role);
    }
    // The deferred ECT (Group B) and the withdrawn mentor (Group A) of the people tests, on the roster only.
    add(GROUP_B, 'ect');
    add(GROUP_A, 'mentor');
    return counts;
  }
  const cardOf = (html: string, group: string) => new RegExp(`<h3 class="card__title">${group}</h3>([\\s\\S]*?)</li>`).exec(html)?.[1] ?? '';

  it('lists every group of the cohort with its facilitators, participants and a link to its events', async () => {
    const { base } = await sessionOf('admin');
    const html = unescape((await get(`${base}admin/groups`).expect(200)).text);
    const expected = expectedGroups();
    expect(expected.size).toBeGreaterThan(1);
    for (const [group, { ects, mentors }] of expected) {
      const card = cardOf(html, group);
      expect([group, card]).toEqual([group, expect.stringContaining(`<strong>Participants:</strong> ${ects + mentors} <span class="muted">(${ects} ECT${ects === 1 ? '' : 's'}, ${mentors} mentor${mentors === 1 ? '' : 's'})</span>`)]);
      expect(card).toContain(`<a href="${base}groups/${encodeURIComponent(group)}/events">Events and registers</a>`);
    }
    expect(cardOf(html, GROUP_A)).toContain(w.platform.users.facilitator.email);
    expect(cardOf(html, GROUP_A)).toContain(`value="${w.platform.users.facilitator.email}"`);
    expect(cardOf(html, GROUP_B)).toContain('someone.else@example.org');
  });

  it('sets a group’s facilitators from comma-separated addresses, lowercased, and the facilitator then runs it', async () => {
    const { base, csrf } = await sessionOf('admin');
    const digest = emailDigest(w.platform.users.facilitator.email);
    expect(await w.t.runtime.stores.groups.groupsOf(digest, COHORT)).toEqual([GROUP_A]);
    const res = await post(`${base}admin/groups`, { _csrf: csrf, cohort: COHORT, group: GROUP_B, emails: ` ${w.platform.users.facilitator.email.toUpperCase()} , Second.Person@Example.org;second.person@example.org ` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${base}admin/groups`);
    const stored = (await storedGroups()).find((g) => g.group === GROUP_B && g.cohort === COHORT);
    expect(stored).toEqual({ _id: JSON.stringify([COHORT, GROUP_B]), cohort: COHORT, group: GROUP_B, facilitatorEmails: [w.platform.users.facilitator.email, 'second.person@example.org'] });
    expect((await w.t.runtime.stores.groups.groupsOf(digest, COHORT)).sort()).toEqual([GROUP_A, GROUP_B]);
    const html = (await get(`${base}admin/groups`).expect(200)).text;
    expect(cardOf(html, GROUP_B)).toContain('second.person@example.org');
  });

  it('refuses a bad address with 400, shows the form as typed with the error next to the field, and stores nothing', async () => {
    const { base, csrf } = await sessionOf('admin');
    const before = await storedGroups();
    const typed = 'good.one@example.org, not-an-address';
    const res = await post(`${base}admin/groups`, { _csrf: csrf, cohort: COHORT, group: GROUP_A, emails: typed });
    expect(res.status).toBe(400);
    const card = cardOf(res.text, GROUP_A);
    const field = /<input type="text" id="([^"]+)" name="emails" value="([^"]*)"[^>]*>/.exec(card)!;
    expect(field[2]).toBe(typed);
    expect(field[0]).toContain(`aria-invalid="true" aria-describedby="${field[1]}-error"`);
    expect(card).toContain(`<p class="field-error" id="${field[1]}-error"><strong>Entry 2 is not an email address.</strong></p>`);
    expect(res.text).toContain(`<a href="#${field[1]}">${GROUP_A}: Entry 2 is not an email address.</a>`);
    captured.push({ name: 'groups with a refused address', base, html: res.text, marker: '<title>Error: Group facilitators</title>' });
    const empty = await post(`${base}admin/groups`, { _csrf: csrf, cohort: COHORT, group: GROUP_A, emails: ' , ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter at least one email address, or remove the assignment.');
    expect(await storedGroups()).toEqual(before);
  });

  it('removes an assignment, and answers 404 for a group the cohort does not have', async () => {
    const { base, csrf } = await sessionOf('admin');
    const unknown = await post(`${base}admin/groups`, { _csrf: csrf, cohort: COHORT, group: 'Group Z', emails: 'z@example.org' });
    expect(unknown.status).toBe(404);
    expect((await storedGroups()).some((g) => g.group === 'Group Z')).toBe(false);
    const res = await post(`${base}admin/groups/remove`, { _csrf: csrf, cohort: COHORT, group: GROUP_B });
    expect(res.status).toBe(303);
    expect((await storedGroups()).some((g) => g.cohort === COHORT && g.group === GROUP_B)).toBe(false);
    // Still a group of the cohort (its participants are in it), now with nobody assigned.
    expect(cardOf((await get(`${base}admin/groups`).expect(200)).text, GROUP_B)).toContain('none assigned');
  });

  it('answers 400, never 500, to operator objects, arrays and very long values, and changes nothing', async () => {
    const { base, csrf } = await sessionOf('admin');
    const before = await storedGroups();
    const json = (path: string, body: unknown) => request(w.t.url).post(base + path).set('x-csrf-token', csrf).set('accept', 'text/html').send(body as object);
    const hostile: [string, request.Test][] = [
      ['operator object', json('admin/groups', { cohort: { $ne: null }, group: GROUP_A, emails: 'x@example.org' })],
      ['operator in emails', json('admin/groups', { cohort: COHORT, group: GROUP_A, emails: { $gt: '' } })],
      ['array', json('admin/groups/remove', { cohort: [COHORT, COHORT], group: GROUP_A })],
      ['repeated form field', request(w.t.url).post(`${base}admin/groups`).type('form').send(`_csrf=${encodeURIComponent(csrf)}&cohort=${encodeURIComponent(COHORT)}&group=${encodeURIComponent(GROUP_A)}&emails=a%40example.org&emails=b%40example.org`)],
      ['long cohort', post(`${base}admin/groups`, { _csrf: csrf, cohort: 'x'.repeat(5000), group: GROUP_A, emails: 'x@example.org' })],
      ['long emails', post(`${base}admin/groups`, { _csrf: csrf, cohort: COHORT, group: GROUP_A, emails: `${'a'.repeat(20_000)}@example.org` })],
      ['missing group', post(`${base}admin/groups/remove`, { _csrf: csrf, cohort: COHORT })],
    ];
    for (const [what, sent] of hostile) expect([what, (await sent).status]).toEqual([what, 400]);
    expect((await json('admin/groups', { _csrf: { $ne: 1 }, cohort: COHORT, group: GROUP_A })).status).toBe(403);
    for (const id of ['%24ne', '1042abc', '9'.repeat(30), '..']) expect([id, (await post(`${base}admin/courses/${id}/sync`, { _csrf: csrf })).status]).toEqual([id, 404]);
    expect(await storedGroups()).toEqual(before);
  });
});

/** Between the tool and the simulator: lets the first `passFirst` matching requests through, then holds the rest until released. */
async function gate(target: string, matches: (url: string) => boolean, passFirst: number) {
  let passed = 0;
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  let sawHeld!: () => void;
  const held = new Promise<void>((resolve) => (sawHeld = resolve));
  const targetUrl = new URL(target);
  const server = http.createServer((req, res) => {
    const forward = () => {
      const upstream = http.request({ host: targetUrl.hostname, port: targetUrl.port, path: req.url, method: req.method, headers: { ...req.headers, host: targetUrl.host } }, (answer) => {
        const headers = { ...answer.headers };
        if (typeof headers.link === 'string') headers.link = headers.link.split(target).join(url);
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (!matches(req.url ?? '')) return forward();
    if (passed < passFirst) {
      passed += 1;
      return forward();
    }
    sawHeld();
    void opened.then(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, held, release, passed: () => passed, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('“Sync now”', () => {
  const ectCourse = () => simCourse('ect').id;

  it('runs the same leased sync in the background, answers at once, and then says “Synced just now”', async () => {
    const { base, csrf } = await sessionOf('admin');
    const before = await w.t.runtime.stores.sync.readState(courseKeyId(platform, ectCourse()));
    const res = await post(`${base}admin/courses/${ectCourse()}/sync`, { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${base}#course-${ectCourse()}`);
    await w.t.runtime.onDemandSyncs.settled();
    const [run] = await w.t.runtime.stores.runs.latest(1);
    expect(run.trigger).toBe('admin');
    expect(run.courses.map((c) => [c.courseId, c.status])).toEqual([[ectCourse(), 'synced']]);
    const after = await w.t.runtime.stores.sync.readState(courseKeyId(platform, ectCourse()));
    expect(after!.syncedAt!.getTime()).toBeGreaterThan(before!.syncedAt!.getTime());
    const home = (await get(base).expect(200)).text;
    expect(statusOf(home, ectCourse())).toBe('Synced just now');
    expect(home).toContain('<td data-label="Trigger">admin</td>');
  });

  it('says “A sync of this course is already running” when another instance holds its lease, and writes nothing', async () => {
    const { base, csrf } = await sessionOf('admin');
    const before = await w.t.runtime.stores.sync.readState(courseKeyId(platform, ectCourse()));
    const lease = await w.t.runtime.stores.leases.acquire(courseKeyId(platform, ectCourse()));
    expect(lease).not.toBeNull();
    try {
      expect((await post(`${base}admin/courses/${ectCourse()}/sync`, { _csrf: csrf })).status).toBe(303);
      await w.t.runtime.onDemandSyncs.settled();
    } finally {
      await lease!.release();
    }
    expect(statusOf((await get(base).expect(200)).text, ectCourse())).toBe('A sync of this course is already running');
    expect(await w.t.runtime.stores.sync.readState(courseKeyId(platform, ectCourse()))).toEqual(before);
  });

  it('shows “Syncing: n of N students” while the course syncs, starts no second run, and reads the name through REST too', async () => {
    const course = ectCourse();
    const key = courseKeyId(platform, course);
    for (let i = 0; i < 8; i += 1) w.sim.addStudent(course, { seed: `admin-${i}` });
    const total = activeStudents(simCourse('ect')).length;
    expect(total).toBe(20);
    // Known to the store at 20, so the run's progress counts towards the real number.
    await w.t.runtime.syncService.run({ trigger: 'test', courseId: course, platform });
    await w.t.runtime.stores.sync.saveState({ ...(await w.t.runtime.stores.sync.readState(key))!, courseName: null });
    w.sim.setGraphql(false);
    const proxy = await gate(w.sim.url, (url) => url.includes('/modules?') && url.includes('student_id='), 16);
    await w.t.runtime.stores.connections.save(platform, { baseUrl: proxy.url, token: w.sim.token });
    try {
      const { base, csrf } = await sessionOf('admin');
      const before = await runCount();
      expect((await post(`${base}admin/courses/${course}/sync`, { _csrf: csrf })).status).toBe(303);
      await proxy.held;
      const home = (await get(base).expect(200)).text;
      const status = statusOf(home, course)!;
      const shown = /^Syncing: (\d+) of (\d+) students$/.exec(status);
      expect(shown).not.toBeNull();
      const [done, of] = [Number(shown![1]), Number(shown![2])];
      expect(of).toBe(total);
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThanOrEqual(proxy.passed());
      expect(done).toBeLessThan(total);
      expect(home).toContain('<script src="/static/admin-sync.js" defer></script>');
      captured.push({ name: 'home while a course syncs', base, html: home, marker: 'data-syncing="true"' });
      expect(home).not.toContain(`action="${base}admin/courses/${course}/sync"`);
      const progress = await get(`${base}admin/syncs`).set('accept', 'application/json').expect(200);
      expect(progress.body.courses).toContainEqual({ courseId: course, syncing: true, text: status });
      // Pressed again while it runs: no second run.
      expect((await post(`${base}admin/courses/${course}/sync`, { _csrf: csrf })).status).toBe(303);
      proxy.release();
      await w.t.runtime.onDemandSyncs.settled();
      expect(await runCount()).toBe(before + 1);
      const after = unescape((await get(base).expect(200)).text);
      expect(statusOf(after, course)).toBe('Synced just now');
      expect(after).toContain(`<strong>${simCourse('ect').name}</strong>`);
      const state = await w.t.runtime.stores.sync.readState(key);
      expect([state!.studentCount, state!.courseName]).toEqual([total, simCourse('ect').name]);
      const [run] = await w.t.runtime.stores.runs.latest(1);
      expect(run.courses.map((c) => [c.status, c.path, c.mode])).toEqual([['synced', 'rest', 'full']]);
    } finally {
      proxy.release();
      w.sim.setGraphql(true);
      await w.t.runtime.stores.connections.save(platform, { baseUrl: w.sim.url, token: w.sim.token });
      await proxy.close();
    }
  });
});

describe('accessibility of the admin pages (WCAG 2.2 AA with axe-core, 320 and 1280 px)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it('finds no violation and no sideways scrolling, also with a refused form and a sync under way', async () => {
    const { base } = await sessionOf('admin');
    const pages = [
      { name: 'home', path: base },
      { name: 'people and imports', path: `${base}admin/people` },
      { name: 'group facilitators', path: `${base}admin/groups` },
      ...captured.map((c) => ({ name: c.name, path: c.base, html: c.html, marker: c.marker })),
    ];
    expect(pages.map((p) => p.name)).toEqual(expect.arrayContaining(['groups with a refused address', 'home while a course syncs']));
    const found: string[] = [];
    for (const width of [320, 1280]) {
      for (const p of pages) {
        // axe goes in through DevTools, past the tool's script-src 'self'.
        const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
        const response = await page.goto(w.t.url + p.path, { waitUntil: 'load' });
        expect([p.name, response?.status()]).toEqual([p.name, 200]);
        // A captured page replaces the document on the tool's own origin, so its styles load as they did.
        if ('html' in p && p.html) {
          await page.setContent(p.html.replace(/<script[^>]*><\/script>/g, ''), { waitUntil: 'load' });
          expect([p.name, (await page.content()).includes(p.marker)]).toEqual([p.name, true]);
        }
        await page.evaluate(axe.source);
        const result = await page.evaluate<{ violations: { id: string; nodes: { target: string[] }[] }[] }>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`);
        for (const v of result.violations) found.push(`${p.name} at ${width}px: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        if (overflow > 0) found.push(`${p.name} at ${width}px: scrolls sideways by ${overflow}px`);
        await page.close();
      }
    }
    expect(found).toEqual([]);
  }, 120_000);
});
