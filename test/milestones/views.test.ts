import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import request from 'supertest';
import { launchChromium } from '../support/browser';
import { dayInWords, declarationRows } from '../../src/milestones';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';
import { startIndependentPlatform } from '../lti/support';
import { openLink } from '../schools/support';
import { gridRows, ukDay, unescapeHtml } from '../cohort/support';

/*
 * A milestones file written for this test: the world's cohort on one schedule whose `started`
 * window opened 30 days ago and closes in 10, `retained-1` opens in 20 and `completed` in 70.
 * An ECT's `started` needs a training event attended: no register is taken in this world, so
 * every active rostered ECT is at risk with 10 days left. A mentor's `started` needs any
 * self-study completed, which the sync records today, so a mentor with any completion in the
 * simulator is ready; mentors have no `retained-1` (from 2025, only started and completed).
 * Canvas students who are not on the roster cannot be declared.
 */
const STARTED_CLOSES = ukDay(10);
const RETAINED_OPENS = ukDay(20);
const MILESTONES = {
  engagement: { thresholdPct: 75, counts: ['self-study', 'training-events'] },
  evidence: [
    {
      fromCohortYear: 2025,
      ect: { started: ['training-event-attended'], 'retained-1': ['75-percent-engagement-met'], completed: ['75-percent-engagement-met'] },
      mentor: { started: ['self-study-material-completed'], completed: ['self-study-material-completed'] },
    },
  ],
  cohorts: { [COHORT]: { cohortYear: 2025, schedule: 'test-september' } },
  schedules: {
    'test-september': {
      name: 'Test schedule, September start',
      kind: 'standard',
      cohortYears: {
        '2025': [
          { declarationType: 'started', opens: ukDay(-30), closes: STARTED_CLOSES },
          { declarationType: 'retained-1', opens: RETAINED_OPENS, closes: ukDay(60) },
          { declarationType: 'completed', opens: ukDay(70), closes: null },
        ],
      },
    },
  },
};

let w: World;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-milestones-'));
  process.env.MILESTONES_FILE = path.join(dir, 'milestones.json');
  fs.writeFileSync(process.env.MILESTONES_FILE, JSON.stringify(MILESTONES));
  w = await startWorld(31);
}, 180_000);

afterAll(async () => {
  await w?.close();
  delete process.env.MILESTONES_FILE;
  fs.rmSync(dir, { recursive: true, force: true });
});

const keyOf = (id: string) => `canvas:${id}`;
/** UK midnight's offset on a day, worked out here: +01:00 from the last Sunday of March to the last Sunday of October. */
const ukOffset = (day: string) => (new Date(`${day}T12:00:00Z`).toLocaleString('en-GB', { timeZone: 'Europe/London', timeZoneName: 'short' }).endsWith('BST') ? '+01:00' : '+00:00');
const ectKey = () => keyOf(w.platform.users.ect.canvasUserId);
const mentorKey = () => keyOf(w.platform.users.mentor.canvasUserId);
const rostered = () => [
  { key: ectKey(), role: 'ect', group: 'A', canvasId: w.platform.users.ect.canvasUserId },
  { key: mentorKey(), role: 'mentor', group: 'A', canvasId: w.platform.users.mentor.canvasUserId },
  { key: keyOf(w.otherEct.id), role: 'ect', group: 'B', canvasId: w.otherEct.id },
  { key: keyOf(w.otherMentor.id), role: 'mentor', group: 'B', canvasId: w.otherMentor.id },
];
/** Each Canvas student's group: the roster's for those on it, else their Canvas section's name (the simulator's own data). */
function groupsByKey(): Map<string, string | null> {
  const groups = new Map<string, string | null>();
  for (const course of w.cohort.courses) {
    for (const e of course.enrollments.filter((x) => x.type === 'StudentEnrollment')) groups.set(keyOf(e.userId), course.sections.find((s) => s.id === e.sectionId)?.name ?? null);
  }
  for (const p of rostered()) groups.set(p.key, p.group === 'A' ? GROUP_A : GROUP_B);
  return groups;
}
const keysIn = (group: string) => [...groupsByKey()].filter(([, g]) => g === group).map(([key]) => key).sort();
/** A mentor with any item completed in the simulator holds self-study evidence from today's sync. */
const mentorReady = (canvasId: string) => (w.truth('mentor', canvasId).overall ?? 0) > 0;

async function session(user: 'ect' | 'mentor' | 'facilitator' | 'admin') {
  return w.baseOf(await w.launch(user));
}

async function rowsOf(base: string, query = '') {
  const page = await request(w.t.url).get(`${base}milestones${query}`).expect(200);
  return { html: page.text, rows: new Map([...gridRows(page.text)].map(([k, v]) => [k, unescapeHtml(v)])) };
}

const stateOf = (row: string) => /data-state="([^"]+)"/.exec(row)?.[1];
const countOf = (html: string, state: string) => Number(new RegExp(`data-state-count="${state}"[^>]*><span class="rag__count">(\\d+)</span>`).exec(html)?.[1]);

describe('the DfE milestones page', () => {
  it('shows an admin every participant with the open milestone’s state and reasons, as worked out by hand', async () => {
    const { html, rows } = await rowsOf(await session('admin'));
    expect(html).toContain('<h1');
    expect(html).toContain('DfE milestones');
    expect(rows.size).toBe(24);
    const ects = rostered().filter((p) => p.role === 'ect');
    for (const p of ects) {
      const row = rows.get(p.key)!;
      expect({ key: p.key, state: stateOf(row) }).toEqual({ key: p.key, state: 'at-risk' });
      expect(row).toContain('No training event attended yet');
      expect(row).toContain(`10 days left (closes ${dayInWords(STARTED_CLOSES)})`);
      expect(row).toContain(`${dayInWords(ukDay(-30))} to ${dayInWords(STARTED_CLOSES)}`);
      expect(row).toContain('Test schedule, September start');
    }
    const mentors = rostered().filter((p) => p.role === 'mentor');
    for (const p of mentors) {
      const row = rows.get(p.key)!;
      const ready = mentorReady(p.canvasId);
      expect({ key: p.key, state: stateOf(row) }).toEqual({ key: p.key, state: ready ? 'ready' : 'at-risk' });
      if (ready) {
        expect(row).toContain(`Evidence: self-study completed on ${dayInWords(ukDay())}`);
        expect(row).toContain(`self-study completed, first ${dayInWords(ukDay())}`);
        expect(row).toContain('No DfE participant id in the roster');
      } else expect(row).toContain('no self-study item completed yet');
    }
    const rosteredKeys = new Set(rostered().map((p) => p.key));
    for (const [key, row] of rows) {
      if (rosteredKeys.has(key)) continue;
      expect({ key, state: stateOf(row) }).toEqual({ key, state: 'not-declarable' });
      expect(row).toContain('Not on the roster: add them to declare');
    }
    const readyMentors = mentors.filter((p) => mentorReady(p.canvasId)).length;
    // The simulator's seed gives at least one ready mentor, so both branches above are tried.
    expect(readyMentors).toBeGreaterThan(0);
    expect(countOf(html, 'at-risk')).toBe(2 + (2 - readyMentors));
    expect(countOf(html, 'ready')).toBe(readyMentors);
    expect(countOf(html, 'not-declarable')).toBe(20);
    expect(countOf(html, 'declared')).toBe(0);
    for (const label of ['Ready to declare', 'At risk', 'Already declared', 'Not open yet', 'Window closed', 'Not declared']) expect(html).toContain(label);
  });

  it('agrees with the readiness service, row by row, for the open milestone', async () => {
    const { rows } = await rowsOf(await session('admin'));
    const service = await w.t.runtime.readiness.ofCohort(COHORT);
    expect(service.length).toBe(rows.size);
    for (const p of service) {
      const row = rows.get(p.row.key)!;
      expect({ key: p.row.key, state: stateOf(row) }).toEqual({ key: p.row.key, state: p.open!.state });
      for (const reason of p.open!.reasons) expect(row).toContain(reason);
    }
  });

  it('shows one declaration type for everyone: ECTs’ retained-1 is not open yet, mentors have none', async () => {
    const { rows } = await rowsOf(await session('admin'), '?milestone=retained-1');
    for (const p of rostered()) {
      const row = rows.get(p.key)!;
      if (p.role === 'ect') {
        expect(stateOf(row)).toBe('upcoming');
        expect(row).toContain(`The window opens on ${dayInWords(RETAINED_OPENS)}`);
      } else {
        expect(stateOf(row)).toBe('none');
        expect(row).toContain('No retained-1 declaration in their schedule');
      }
    }
  });

  it('filters by state (what each count links to), role, group and search', async () => {
    const base = await session('admin');
    const atRisk = await rowsOf(base, '?state=at-risk&role=ect');
    expect([...atRisk.rows.keys()].sort()).toEqual(
      rostered()
        .filter((p) => p.role === 'ect')
        .map((p) => p.key)
        .sort(),
    );
    const group = await rowsOf(base, `?group=${encodeURIComponent(GROUP_B)}`);
    expect([...group.rows.keys()].sort()).toEqual(keysIn(GROUP_B));
    expect(group.rows.has(keyOf(w.otherEct.id))).toBe(true);
    const found = await rowsOf(base, '?q=other%20ect');
    expect([...found.rows.keys()]).toEqual([keyOf(w.otherEct.id)]);
    // Most urgent first: at risk, then ready, then those who cannot be declared.
    const byState = [...(await rowsOf(base, '?sort=state')).rows.values()].map(stateOf);
    const order = ['at-risk', 'ready', 'not-declarable'];
    expect(byState).toEqual([...byState].sort((a, b) => order.indexOf(a!) - order.indexOf(b!)));
    expect(byState[0]).toBe('at-risk');
  });
});

describe('where “Already declared” comes from', () => {
  it('says no list was imported, then names the list, when and how many, once one is', async () => {
    const base = await session('admin');
    expect((await rowsOf(base)).html).toContain('No declaration list has been imported');
    const list = ['participant_id,declaration_type,declaration_date,course_identifier,state', '0b7a6c1e-5f0d-4c3a-9e2b-1d2c3b4a5f60,started,2026-11-02,ecf-induction,eligible'].join('\n');
    expect((await w.t.runtime.declarations.import(list, 'provider-list.csv')).written).toBe(true);
    const { html } = await rowsOf(base);
    expect(/data-declaration-list>([^<]*)/.exec(html)?.[1]).toMatch(/^“Already declared” is from the declaration list imported on .+ \(provider-list\.csv, 1 declaration\)\.$/);
  });
});

describe('who sees the milestones page', () => {
  it('shows a facilitator only the rows of their own groups, even when they ask for another', async () => {
    const base = await session('facilitator');
    const { rows } = await rowsOf(base);
    expect([...rows.keys()].sort()).toEqual(keysIn(GROUP_A));
    expect(rows.has(ectKey()) && rows.has(mentorKey())).toBe(true);
    expect(rows.has(keyOf(w.otherEct.id)) || rows.has(keyOf(w.otherMentor.id))).toBe(false);
    const other = await rowsOf(base, '?group=Group%20B');
    expect(other.rows.size).toBe(0);
    expect(other.html).not.toContain('Other Ect');
    expect((await rowsOf(base, '?cohort=Someone%20else')).rows.size).toBe(0);
  });

  it('refuses ECTs, mentors and school sessions as the cohort page does', async () => {
    for (const user of ['ect', 'mentor'] as const) {
      const base = await session(user);
      const page = await request(w.t.url).get(`${base}milestones`).expect(403);
      expect(page.text).not.toContain('Other Ect');
    }
    const { url } = await w.t.runtime.schoolLinks.create({ urn: '131245' });
    const school = await openLink(w, url);
    const cohortStatus = (await request(w.t.url).get(`${school}cohort`)).status;
    const page = await request(w.t.url).get(`${school}milestones`);
    expect(cohortStatus).toBeGreaterThanOrEqual(400);
    expect(page.status).toBe(cohortStatus);
    expect(page.text).not.toContain(w.platform.users.ect.name);
  });

  it('shows an admin of another platform nothing of this cohort, even when they name it', async () => {
    const other = await startIndependentPlatform(w.t.url);
    try {
      await w.t.runtime.registry.add(other.platform.registrationForTool);
      const base = w.baseOf(await w.launch('admin', undefined, other.platform));
      for (const query of ['', `?cohort=${encodeURIComponent(COHORT)}`]) {
        const { html, rows } = await rowsOf(base, query);
        expect(rows.size).toBe(0);
        expect(html).not.toContain(w.platform.users.ect.name);
      }
    } finally {
      await other.close();
    }
  });

  it('answers hostile or malformed query strings with 400, never 5xx', async () => {
    const base = await session('admin');
    const bad = [
      '?state=nope',
      '?milestone=retained-9',
      '?role=teacher',
      '?sort=name;drop',
      '?dir=sideways',
      '?page=0',
      '?page=abc',
      '?page[$gt]=1',
      '?cohort[$ne]=x',
      '?q[]=a&q[]=b',
      '?state=ready&state=at-risk',
      '?unknown=1',
      `?q=${'x'.repeat(201)}`,
    ];
    for (const query of bad) {
      const page = await request(w.t.url).get(`${base}milestones${query}`);
      expect({ query, status: page.status }).toEqual({ query, status: 400 });
      expect(page.text).toContain('Those filters could not be read');
    }
    // A page past the end shows the last page.
    expect((await rowsOf(base, '?page=99')).rows.size).toBe(24);
  });
});

describe('the participant’s record', () => {
  it('shows their schedule and each milestone with its window, state, evidence and reasons', async () => {
    const base = await session('admin');
    const html = unescapeHtml((await request(w.t.url).get(`${base}people/${encodeURIComponent(ectKey())}`).expect(200)).text);
    const section = /<section[^>]*data-milestones>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(section).toContain('DfE milestones');
    expect(section).toContain('Test schedule, September start');
    const declarations = [...section.matchAll(/<tr data-declaration="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1], stateOf(m[2])]);
    expect(declarations).toEqual([
      ['started', 'at-risk'],
      ['retained-1', 'upcoming'],
      ['completed', 'upcoming'],
    ]);
    expect(section).toContain(`10 days left (closes ${dayInWords(STARTED_CLOSES)})`);
    expect(section).toContain(`from ${dayInWords(ukDay(70))}, no closing date`);

    const mentor = w.platform.users.mentor.canvasUserId;
    const mentorHtml = unescapeHtml((await request(w.t.url).get(`${base}people/${encodeURIComponent(mentorKey())}`).expect(200)).text);
    const mentorSection = /<section[^>]*data-milestones>([\s\S]*?)<\/section>/.exec(mentorHtml)?.[1] ?? '';
    expect([...mentorSection.matchAll(/<tr data-declaration="([^"]+)">/g)].map((m) => m[1])).toEqual(['started', 'completed']);
    if (mentorReady(mentor)) expect(mentorSection).toContain(`self-study completed, first ${dayInWords(ukDay())}`);
  });

  it('keeps the record’s own access rule: a facilitator cannot open another group’s record', async () => {
    const base = await session('facilitator');
    await request(w.t.url).get(`${base}people/${encodeURIComponent(keyOf(w.otherEct.id))}`).expect(404);
    const own = await request(w.t.url).get(`${base}people/${encodeURIComponent(ectKey())}`).expect(200);
    expect(own.text).toContain('data-milestones');
  });

  it('is not shown to the participant on their own record: declarations are between the provider and DfE', async () => {
    const base = await session('ect');
    const own = await request(w.t.url).get(`${base}people/${encodeURIComponent(ectKey())}`).expect(200);
    expect(own.text).toContain('My record');
    expect(own.text).not.toContain('data-milestones');
  });
});

describe('once a register is taken', () => {
  it('moves the ECT who attended to ready, dated by the event, alike on the page, their record and in the declaration export', async () => {
    const eventDay = ukDay(-2);
    const event = await w.t.runtime.stores.attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: eventDay, start_time: '16:00', end_time: '17:30', type: 'online-workshop', module: '1', facilitator_email: '', title: 'Module 1 workshop', location: 'Online' });
    const ect = w.platform.users.ect;
    // Saving the register rebuilds the group's board before it returns (the grid and readiness read it).
    await w.t.runtime.stores.attendance.saveRegister({ eventId: event._id, basedOn: 0, entries: [{ key: ectKey(), name: ect.name, role: 'ect', present: true }], takenBy: { ownerId: 'test-facilitator', name: 'Test Facilitator' } });
    const expected = `Evidence: a training event attended on ${dayInWords(eventDay)}`;

    const admin = await session('admin');
    const row = (await rowsOf(admin)).rows.get(ectKey())!;
    expect(stateOf(row)).toBe('ready');
    expect(row).toContain(expected);

    const record = unescapeHtml((await request(w.t.url).get(`${admin}people/${encodeURIComponent(ectKey())}`).expect(200)).text);
    const started = /<tr data-declaration="started">([\s\S]*?)<\/tr>/.exec(record)?.[1] ?? '';
    expect(stateOf(started)).toBe('ready');
    expect(started).toContain(expected);

    const exported = declarationRows(await w.t.runtime.readiness.ofCohort(COHORT), 'started').find((r) => r.email === ect.email.toLowerCase());
    expect(exported).toMatchObject({ declaration_type: 'started', declaration_date: `${eventDay}T00:00:00${ukOffset(eventDay)}`, evidence_held: 'training-event-attended', state: 'ready' });
    // The other group's ECT, on no register, is still at risk.
    expect(stateOf((await rowsOf(admin)).rows.get(keyOf(w.otherEct.id))!)).toBe('at-risk');
  });
});

describe('the page in a browser', () => {
  it('has no axe (WCAG 2.2 AA) violation and never scrolls sideways, at 320 px and 1280 px', async () => {
    const admin = await session('admin');
    const paths = [`${admin}milestones`, `${admin}milestones?state=at-risk&sort=days-left`, `${admin}people/${encodeURIComponent(ectKey())}`, `${await session('facilitator')}milestones`];
    const browser = await launchChromium();
    const found: string[] = [];
    try {
      for (const width of [320, 1280]) {
        for (const where of paths) {
          // axe is added through DevTools, past the tool's script-src 'self'.
          const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
          expect((await page.goto(w.t.url + where, { waitUntil: 'load' }))?.status()).toBe(200);
          await page.evaluate(axe.source);
          const result = await page.evaluate<{ violations: { id: string; nodes: { target: string[] }[] }[] }>(
            `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`,
          );
          for (const v of result.violations) found.push(`${width}px ${where}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
          const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
          if (overflow > 0) found.push(`${width}px ${where}: scrolls sideways by ${overflow}px`);
          await page.close();
        }
      }
    } finally {
      await browser.close();
    }
    expect(found).toEqual([]);
  }, 120_000);
});
