import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import request from 'supertest';
import { launchTool } from '../../dev-platform/launcher';
import { moduleOf } from '../../src/curriculum';
import { personKeyId } from '../../src/domain';
import { COHORT, startWorld, type World } from '../participants/world';
import { csrfFrom } from '../support/forms';

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let w: World;
let browser: Browser;
/** Every page a person can reach, by name: URLs inside real sessions opened by launches. */
const pages: [string, string][] = [];

beforeAll(async () => {
  w = await startWorld(31);
  browser = await launchChromium();
  const ect = await w.launch('ect');
  const ectBase = w.baseOf(ect);
  const csrf = csrfFrom(ect.body);
  // A submitted start and a draft end, so the audit page shows its form, its statuses and the comparison.
  const ratings = Object.fromEntries(moduleOf('ect', 1)!.auditStatements.map((_, i) => [`rating_${i}`, String((i % 4) + 1)]));
  await request(w.t.url).post(`${ectBase}modules/1/audit/start`).type('form').send({ _csrf: csrf, version: '1', action: 'submit', ...ratings }).expect(303);
  const mentor = await w.launch('mentor');
  const mentorBase = w.baseOf(mentor);
  const ectKey = encodeURIComponent(`canvas:${w.platform.users.ect.canvasUserId}`);
  const meeting = await w.t.runtime.stores.meetings.record({
    ectOwnerId: personKeyId(w.platform, w.platform.users.ect.canvasUserId),
    ectKey: `canvas:${w.platform.users.ect.canvasUserId}`,
    ectName: w.platform.users.ect.name,
    mentorOwnerId: personKeyId(w.platform, w.platform.users.mentor.canvasUserId),
    mentorName: w.platform.users.mentor.name,
    cohort: COHORT,
    module: 1,
    session: 1,
    date: '2026-11-30',
    focus: 'Expectations and belonging',
    notes: 'Talked through the audit.',
    actions: [{ step: 'Use the script three times', owner: 'ect', due: '2026-12-07' }],
  });
  const facilitator = await w.launch('facilitator');
  const admin = await w.launch('admin');
  // A school's change requests: an approved mentor change (so a mentor history shows), a rejected deferral and a waiting one.
  const schoolLink = await w.t.runtime.schoolLinks.create({ urn: '131245', email: 'tutor@example.org' });
  const schoolBase = String((await request(w.t.url).get(new URL(schoolLink.url).pathname + new URL(schoolLink.url).search).expect(303)).headers.location).replace(/school$/, '');
  const schoolCsrf = csrfFrom((await request(w.t.url).get(`${schoolBase}school/changes`).expect(200)).text);
  const askChange = (formId: string, fields: Record<string, string>) => request(w.t.url).post(`${schoolBase}school/changes`).type('form').send({ _csrf: schoolCsrf, formId, ...fields }).expect(303);
  const decideChange = (formId: string, action: string, reason: string) =>
    request(w.t.url).post(`${w.baseOf(admin)}admin/changes/${encodeURIComponent(`131245:${formId}`)}/decision`).type('form').send({ _csrf: csrfFrom(admin.body), action, reason }).expect(303);
  await askChange('axe-mentor-change-0001', { kind: 'mentor-change', participant: `canvas:${w.otherEct.id}`, mentor: 'new', mentorName: 'Nia Newmentor', mentorEmail: 'nia.newmentor@example.org', effectiveDate: '2027-01-04' });
  await askChange('axe-deferral-00000001', { kind: 'deferral', participant: `canvas:${w.otherMentor.id}`, effectiveDate: '2027-01-04', reason: 'Illness' });
  await askChange('axe-new-person-000001', { kind: 'new-participant', name: 'Noor Newcomer', email: 'noor.newcomer@example.org', role: 'ect', cohort: COHORT, startDate: '2027-01-04', note: 'Joins in January.' });
  await decideChange('axe-mentor-change-0001', 'approve', '');
  await decideChange('axe-deferral-00000001', 'reject', 'Please send the signed form.');
  // Provider notices on the school dashboard and the admin's notices page: one current, one withdrawn.
  await w.t.runtime.notices.publish({ title: 'Spring term dates', body: 'Training days for the spring term are now in the calendar.', link: 'https://example.org/dates', kind: 'newsletter' });
  await w.t.runtime.notices.withdraw((await w.t.runtime.notices.publish({ title: 'Sent by mistake', body: 'Withdrawn.', kind: 'policy' }))._id);
  // Notification settings: reached from the school dashboard, and from the signed link in every email.
  const settingsLink = new URL(await w.t.runtime.notifications.links.url({ urn: '131245', email: 'tutor@example.org' }));
  const picker = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: 'facilitator', messageType: 'LtiDeepLinkingRequest', crossSite: true });
  // A training event of the facilitator's group with a register taken twice, so the page shows its change log.
  const trainingEvent = await w.t.runtime.stores.attendance.createEvent({ cohort: COHORT, group: 'Group A', date: '2026-12-07', start_time: '09:30', end_time: '12:00', type: 'face-to-face', module: '1', title: 'Module 1 training day', location: 'Leeds' });
  const amira = { key: `canvas:${w.platform.users.ect.canvasUserId}`, name: w.platform.users.ect.name, role: 'ect' as const };
  const takenBy = { ownerId: personKeyId(w.platform, w.platform.users.facilitator.canvasUserId), name: w.platform.users.facilitator.name };
  await w.t.runtime.stores.attendance.saveRegister({ eventId: trainingEvent._id, basedOn: 0, entries: [{ ...amira, present: false, reason: 'illness' }], takenBy });
  await w.t.runtime.stores.attendance.saveRegister({ eventId: trainingEvent._id, basedOn: 1, entries: [{ ...amira, present: true }], takenBy });
  pages.push(
    ['ECT home', ectBase],
    ['ECT progress', `${ectBase}progress`],
    ['ECT audit', `${ectBase}modules/1/audit`],
    ['ECT record', `${ectBase}people/${ectKey}`],
    ['ECT meetings', `${ectBase}people/${ectKey}/meetings`],
    ['mentor home', mentorBase],
    ['mentor progress', `${mentorBase}progress`],
    ['mentor own audit', `${mentorBase}modules/2/audit`],
    ['session plans', `${mentorBase}modules/1/session-plans`],
    ['ECT record as mentor', `${mentorBase}people/${ectKey}`],
    ['ECT audit as mentor', `${mentorBase}people/${ectKey}/modules/1/audit`],
    ['new meeting', `${mentorBase}people/${ectKey}/meetings/new?module=1&session=1`],
    ['meeting as mentor', `${mentorBase}people/${ectKey}/meetings/${encodeURIComponent(meeting._id)}`],
    ['meeting as ECT', `${ectBase}people/${ectKey}/meetings/${encodeURIComponent(meeting._id)}`],
    ['facilitator home (cohort grid)', w.baseOf(facilitator)],
    ['cohort grid as admin, filtered', `${w.baseOf(admin)}cohort?role=ect&sort=overall&dir=desc`],
    ['cohort grid with nobody matching', `${w.baseOf(admin)}cohort?q=nobody-at-all`],
    ['DfE milestones as admin', `${w.baseOf(admin)}milestones?sort=state`],
    ['ECT record as facilitator', `${w.baseOf(facilitator)}people/${ectKey}`],
    ['facilitator audit page', `${w.baseOf(facilitator)}modules/1/audit`],
    ['admin home', w.baseOf(admin)],
    ['admin people and imports', `${w.baseOf(admin)}admin/people`],
    ['admin group facilitators', `${w.baseOf(admin)}admin/groups`],
    ['school dashboard', `${schoolBase}school`],
    ['school home', schoolBase],
    ['admin notices', `${w.baseOf(admin)}admin/notices`],
    ['school change requests', `${schoolBase}school/changes`],
    ['school change form (mentor)', `${schoolBase}school/changes/new?kind=mentor-change`],
    ['school change form (new participant)', `${schoolBase}school/changes/new?kind=new-participant`],
    ['admin change requests', `${w.baseOf(admin)}admin/changes`],
    ['admin email deliveries', `${w.baseOf(admin)}admin/deliveries`],
    ['school notification settings', `${schoolBase}school/notifications`],
    ['notification settings from an email link', settingsLink.pathname + settingsLink.search],
    ['notification settings link refused', '/notifications/settings?token=not-a-token'],
    ['school link refused', '/school/open?token=not-a-token'],
    ['group training events', `${w.baseOf(facilitator)}groups/Group%20A/events`],
    ['register', `${w.baseOf(facilitator)}events/${trainingEvent._id}/register?saved=2`],
    ['link picker', new URL(picker.finalUrl).pathname],
    ['about', '/'],
    ['not found', `${ectBase}people/nobody`],
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

async function open(path: string, width: number): Promise<Page> {
  // axe is added through DevTools, past the tool's script-src 'self'.
  const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
  const response = await page.goto(w.t.url + path, { waitUntil: 'load' });
  expect([path, response?.status()]).toEqual([path, path.endsWith('/people/nobody') ? 404 : path.startsWith('/school/open') ? 403 : path.endsWith('token=not-a-token') ? 400 : 200]);
  return page;
}

type Violation = { id: string; nodes: { target: string[] }[] };

async function violations(page: Page): Promise<Violation[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate<{ violations: Violation[] }>(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG)} } })`);
  return result.violations;
}

describe('every page, checked with axe-core (WCAG 2.2 AA) and at 320 px', () => {
  it('has pages to check, and a check that finds what it should', async () => {
    expect(pages.length).toBeGreaterThan(15);
    const page = await open(pages[0][1], 1280);
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text"><img src="/static/none.png">')`);
    expect((await violations(page)).map((v) => v.id).sort()).toEqual(['image-alt', 'label']);
    await page.close();
  });

  it.each([320, 1280])('finds no accessibility violation at %i px', async (width) => {
    const found: string[] = [];
    for (const [name, path] of pages) {
      const page = await open(path, width);
      await page.evaluate(axe.source);
      for (const v of await violations(page)) found.push(`${name}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      await page.close();
    }
    expect(found).toEqual([]);
    // About 3 s a page on a busy 2-core machine, for every page listed above.
  }, 300_000);

  it('never scrolls sideways on a 320 px screen', async () => {
    const overflowing: string[] = [];
    for (const [name, path] of pages) {
      const page = await open(path, 320);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      if (overflow > 0) overflowing.push(`${name}: ${overflow}px`);
      await page.close();
    }
    expect(overflowing).toEqual([]);
  }, 300_000);

  it('can be used from the keyboard: the audit form’s controls are reached with Tab, in order', async () => {
    const page = await open(pages.find(([name]) => name === 'ECT audit')![1], 1280);
    const reached: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate<string>("(document.activeElement && (document.activeElement.name || document.activeElement.tagName)) || ''"));
    }
    const first = reached.indexOf('rating_0');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(reached.indexOf('reflection_0')).toBeGreaterThan(first);
    expect(reached.indexOf('rating_1')).toBeGreaterThan(reached.indexOf('reflection_0'));
    await page.close();
  });
});
