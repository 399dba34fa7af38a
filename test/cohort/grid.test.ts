import request from 'supertest';
import { moduleNumbers, moduleOf } from '../../src/curriculum';
import { expectedProgress } from '../support/expected-progress';
import { csrfFrom } from '../support/forms';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';
import { launchTool } from '../../dev-platform/launcher';
import { startIndependentPlatform } from '../lti/support';
import { gridRows, moduleFigures, RATING_FILES, studentsOf, useProgrammeFiles } from './support';

/*
 * RATING_FILES: the schedule puts ECT module 1 half-way through its window today (opened 30 days ago, closes
 * in 30: the schedule expects 50%) and has module 2 closed yesterday (100% expected). Canvas
 * inactivity is switched off by thresholds no test run reaches, so every rating below follows
 * from the simulator's figures and the audits alone, worked out here by hand.
 */

let w: World;
let restore: () => void;

beforeAll(async () => {
  restore = useProgrammeFiles(RATING_FILES);
  w = await startWorld(31);
  await w.t.runtime.boards.refreshCohort(COHORT);
}, 180_000);

afterAll(async () => {
  await w?.close();
  restore();
});

const truthOf = (role: 'ect' | 'mentor', userId: string) => expectedProgress(w.sim, w.platform.users[role].course.canvasCourseId).figures.get(userId)!;
const percentText = (p: number | null) => (p === null ? null : `${p}%`);

async function staffPage(user: 'admin' | 'facilitator', query = '') {
  const launched = await w.launch(user);
  const base = w.baseOf(launched);
  const page = await request(w.t.url).get(`${base}cohort${query}`).expect(200);
  return { base, html: page.text, launched };
}

/** An ECT's expected rating and reasons by the rules above, worked out by hand from the simulator's figures. */
function expectedEctRating(userId: string, module1StartDone = false): { rag: string; reasons: string[] } {
  const [m1, m2] = truthOf('ect', userId).modules;
  const gaps = [
    { module: 1, at: m1, expects: 50 },
    { module: 2, at: m2, expects: 100 },
  ].filter((g) => g.at !== null && g.expects - g.at! >= 20);
  const worst = gaps.sort((a, b) => b.expects - b.at! - (a.expects - a.at!))[0];
  const reasons: string[] = [];
  let rag = 'green';
  if (worst) {
    rag = worst.expects - worst.at! >= 40 ? 'red' : 'amber';
    reasons.push(`Module ${worst.module} at ${worst.at}%, the schedule expects ${worst.expects}% of Module ${worst.module} by today`);
  }
  if (!module1StartDone) reasons.push('Module 1 start-of-module audit not submitted, 30 days after the module opened');
  reasons.push('Module 2 start-of-module audit not submitted, 40 days after the module opened');
  return { rag: rag === 'red' ? 'red' : 'amber', reasons };
}

describe('the cohort grid, the drill-down and the participant’s own page', () => {
  it('show every participant the simulator’s own figures, module by module', async () => {
    const { base, html } = await staffPage('admin');
    const rows = gridRows(html);
    for (const role of ['ect', 'mentor'] as const) {
      const students = studentsOf(w, role);
      expect(students.length).toBe(12);
      for (const student of students) {
        const truth = truthOf(role, student.canvasUserId);
        const key = `canvas:${student.canvasUserId}`;
        const row = rows.get(key);
        expect(row).toBeDefined();
        const grid = moduleFigures(row!);
        const record = moduleFigures((await request(w.t.url).get(`${base}people/${encodeURIComponent(key)}`).expect(200)).text);
        const own = moduleFigures((await launchTool({ toolUrl: w.t.url, platform: w.platform, user: student, crossSite: true })).body);
        moduleNumbers(role).forEach((number, i) => {
          const expected = percentText(truth.modules[i]);
          for (const [where, figures] of [['grid', grid], ['record', record], ['own page', own]] as const) {
            const shown = figures.get(number);
            if (expected) expect({ where, key, number, shown }).toEqual({ where, key, number, shown: expected });
            else expect({ where, key, number, percent: /%$/.test(shown ?? '') }).toEqual({ where, key, number, percent: false });
          }
        });
        expect(row).toContain(truth.overall === null ? '–' : `${truth.overall}%`);
      }
    }
  }, 240_000);

  it('rates each ECT with the reason in words, from the schedule and the audits', async () => {
    const rows = gridRows((await staffPage('admin')).html);
    for (const student of studentsOf(w, 'ect')) {
      const row = rows.get(`canvas:${student.canvasUserId}`)!;
      const expected = expectedEctRating(student.canvasUserId);
      expect(row).toContain(`class="rag rag--${expected.rag}"`);
      for (const reason of expected.reasons) expect(row).toContain(reason);
    }
    // Both ratings occur in this cohort, so the rules are tried both ways.
    const rags = studentsOf(w, 'ect').map((s) => expectedEctRating(s.canvasUserId).rag);
    expect(new Set(rags)).toEqual(new Set(['red', 'amber']));
  });

  it('shows a submitted start audit in the grid at once, and the rating follows', async () => {
    const launched = await w.launch('ect');
    const base = w.baseOf(launched);
    const csrf = csrfFrom(launched.body);
    const fields: Record<string, string> = { _csrf: csrf, version: '1', action: 'submit' };
    moduleOf('ect', 1)!.auditStatements.forEach((_, i) => (fields[`rating_${i}`] = '3'));
    await request(w.t.url).post(`${base}modules/1/audit/start`).type('form').send(fields).expect(303);
    const row = gridRows((await staffPage('admin')).html).get(`canvas:${w.platform.users.ect.canvasUserId}`)!;
    const cell = /data-module-figure="1">([\s\S]*?)<\/td>/.exec(row)![1];
    expect(cell).toContain('start-of-module audit submitted');
    expect(row).not.toContain('Module 1 start-of-module audit not submitted');
    const expected = expectedEctRating(w.platform.users.ect.canvasUserId, true);
    expect(row).toContain(`class="rag rag--${expected.rag}"`);
  });
});

describe('who sees whom', () => {
  it('shows a facilitator only the groups they run, and refuses a record of another group', async () => {
    const { base, html } = await staffPage('facilitator');
    const rows = gridRows(html);
    expect(rows.has(`canvas:${w.platform.users.ect.canvasUserId}`)).toBe(true);
    expect(rows.has(`canvas:${w.platform.users.mentor.canvasUserId}`)).toBe(true);
    expect(rows.has(`canvas:${w.otherEct.id}`)).toBe(false);
    expect(rows.has(`canvas:${w.otherMentor.id}`)).toBe(false);
    for (const row of rows.values()) expect(row).toContain(GROUP_A);
    const filtered = await request(w.t.url).get(`${base}cohort?group=${encodeURIComponent(GROUP_B)}`).expect(200);
    expect(gridRows(filtered.text).size).toBe(0);
    expect(filtered.text).not.toContain('Other Ect');
    await request(w.t.url).get(`${base}people/${encodeURIComponent(`canvas:${w.otherEct.id}`)}`).expect(404);
    // The facilitator's landing page is the same grid.
    expect(gridRows((await request(w.t.url).get(base).expect(200)).text).size).toBe(rows.size);
  });

  it('shows an admin of another platform nothing of this cohort, even when they name it', async () => {
    const other = await startIndependentPlatform(w.t.url);
    try {
      await w.t.runtime.registry.add(other.platform.registrationForTool);
      const launched = await w.launch('admin', undefined, other.platform);
      const base = w.baseOf(launched);
      for (const query of ['', `?cohort=${encodeURIComponent(COHORT)}`]) {
        const page = await request(w.t.url).get(`${base}cohort${query}`).expect(200);
        expect(gridRows(page.text).size).toBe(0);
        expect(page.text).not.toContain(w.platform.users.ect.name);
      }
      await request(w.t.url).get(`${base}people/${encodeURIComponent(`canvas:${w.platform.users.ect.canvasUserId}`)}`).expect(404);
    } finally {
      await other.close();
    }
  });

  it('refuses the grid to ECTs and mentors', async () => {
    for (const user of ['ect', 'mentor'] as const) {
      const launched = await w.launch(user);
      await request(w.t.url).get(`${w.baseOf(launched)}cohort`).expect(403);
    }
  });

  it('does not open another cohort for a facilitator, and answers a malformed filter with 400', async () => {
    const { base } = await staffPage('facilitator');
    const other = await request(w.t.url).get(`${base}cohort?cohort=Someone%20else`).expect(200);
    expect(gridRows(other.text).size).toBe(0);
    await request(w.t.url).get(`${base}cohort?role=teacher`).expect(400);
    await request(w.t.url).get(`${base}cohort?page[$gt]=1`).expect(400);
    await request(w.t.url).get(`${base}cohort?sort=module:1;drop`).expect(400);
  });
});

describe('filters, search, sorting and paging', () => {
  it('filters by role, school, search and rating', async () => {
    const { base } = await staffPage('admin');
    const get = async (query: string) => gridRows((await request(w.t.url).get(`${base}cohort?${query}`).expect(200)).text);
    const mentors = await get('role=mentor');
    expect([...mentors.keys()].sort()).toEqual(studentsOf(w, 'mentor').map((s) => `canvas:${s.canvasUserId}`).sort());
    const school = await get('school=131245');
    expect(school.size).toBe(4);
    const found = await get('q=other%20ect');
    expect([...found.keys()]).toEqual([`canvas:${w.otherEct.id}`]);
    const red = await get('rag=red&role=ect');
    const expectedRed = studentsOf(w, 'ect').filter((s) => expectedEctRating(s.canvasUserId, s.canvasUserId === w.platform.users.ect.canvasUserId).rag === 'red');
    expect(expectedRed.length).toBeGreaterThan(0);
    expect([...red.keys()].sort()).toEqual(expectedRed.map((s) => `canvas:${s.canvasUserId}`).sort());
  });

  it('sorts by overall completion, highest first, blanks last', async () => {
    const { base } = await staffPage('admin');
    const rows = gridRows((await request(w.t.url).get(`${base}cohort?role=ect&sort=overall&dir=desc`).expect(200)).text);
    const shown = [...rows.keys()].map((key) => truthOf('ect', key.slice('canvas:'.length)).overall);
    const sorted = [...shown].sort((a, b) => (a === null ? 1 : b === null ? -1 : b - a));
    expect(shown).toEqual(sorted);
  });
});
