import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ukDay, unescapeHtml } from '../cohort/support';
import { COHORT, GROUP_A, startWorld, type World } from '../participants/world';
import { SCHOOL_X, SCHOOL_Y, X_NAME, Y_NAME, Y_PEOPLE, openLink, splitIntoTwoSchools } from './support';

/*
 * The world's two schools (X: the platform's ECT and mentor; Y: the other ECT and mentor), then
 * the platform's ECT moves from X to Y. A milestones file written for this test puts the world's
 * cohort on a schedule whose `started` window opened 30 days ago and closes in 10; an ECT's
 * `started` needs a training event attended, and no register is taken here, so every rostered
 * ECT is "At risk".
 */
const MILESTONES = {
  engagement: { thresholdPct: 75, counts: ['self-study', 'training-events'] },
  evidence: [
    {
      fromCohortYear: 2025,
      ect: { started: ['training-event-attended'], completed: ['75-percent-engagement-met'] },
      mentor: { started: ['self-study-material-completed'], completed: ['self-study-material-completed'] },
    },
  ],
  cohorts: { [COHORT]: { cohortYear: 2025, schedule: 'test-september' } },
  schedules: {
    'test-september': {
      name: 'Test schedule, September start',
      kind: 'standard',
      cohortYears: { '2025': [{ declarationType: 'started', opens: ukDay(-30), closes: ukDay(10) }, { declarationType: 'completed', opens: ukDay(70), closes: null }] },
    },
  },
};
/** A Monday in the past, so the page's words can be written by hand. */
const TRANSFER_DATE = '2026-11-02';
const TRANSFER_WORDS = 'Monday 2 November 2026';
const DFE_ID = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

let w: World;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-transfers-'));
  process.env.MILESTONES_FILE = path.join(dir, 'milestones.json');
  fs.writeFileSync(process.env.MILESTONES_FILE, JSON.stringify(MILESTONES));
  w = await startWorld(43);
  await splitIntoTwoSchools(w);
}, 180_000);

afterAll(async () => {
  await w?.close();
  delete process.env.MILESTONES_FILE;
  fs.rmSync(dir, { recursive: true, force: true });
});

const ectKey = () => `canvas:${w.platform.users.ect.canvasUserId}`;
const mentorKey = () => `canvas:${w.platform.users.mentor.canvasUserId}`;

async function dashboardOf(urn: string): Promise<string> {
  const { url } = await w.t.runtime.schoolLinks.create({ urn });
  const base = await openLink(w, url);
  return unescapeHtml((await request(w.t.url).get(`${base}school`).expect(200)).text);
}

/** The part of the page between a section's opening tag (found by its class) and its end. */
const sectionOf = (html: string, className: string) => [...html.matchAll(/<section[^>]*>[\s\S]*?<\/section>/g)].map((m) => m[0]).find((s) => new RegExp(`^<section[^>]*class="${className}"`).test(s));
const peopleKeys = (html: string) => [...html.matchAll(/<tr data-key="([^"]+)"/g)].map((m) => m[1]).sort();
const milestoneRows = (html: string) => new Map([...html.matchAll(/<tr data-milestone-key="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1], m[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()]));
const ectRoster = (urn: string, extra: string) => {
  const { ect, mentor } = w.platform.users;
  return [`canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status,dfe_participant_id,transfer_date`, [ect.canvasUserId, '', ect.email, ect.name, 'ect', urn, COHORT, GROUP_A, mentor.email, 'active', DFE_ID, extra].join(',')].join('\n');
};

describe('DfE milestones on the school dashboard', () => {
  it("shows the school's own people only, with their open milestone's state and reasons, never DfE's participant id", async () => {
    const report = await w.t.runtime.stores.roster.import(ectRoster(SCHOOL_X, ''));
    expect(report.bad).toEqual([]);
    await w.t.runtime.stores.readModel.refreshCohort(COHORT);
    const html = await dashboardOf(SCHOOL_X);
    const rows = milestoneRows(html);
    expect([...rows.keys()].sort()).toEqual([ectKey(), mentorKey()].sort());
    const ect = rows.get(ectKey())!;
    expect(ect).toContain('Started');
    expect(ect).toContain('At risk');
    // The window closes 10 days from today: the reasons say how long is left.
    expect(ect).toContain('10 days left');
    expect(html).not.toContain(DFE_ID);
    for (const name of Y_PEOPLE) expect(sectionOf(html, 'school-milestones')).not.toContain(name);
  });
});

describe('a transfer from school X to school Y', () => {
  beforeAll(async () => {
    const report = await w.t.runtime.stores.roster.import(ectRoster(SCHOOL_Y, TRANSFER_DATE));
    expect(report.bad).toEqual([]);
    await w.t.runtime.stores.readModel.refreshCohort(COHORT);
    await w.t.runtime.boards.refreshCohort(COHORT);
  }, 60_000);

  it('lists the ECT under "Moved to another school" at X, with the date and no figures', async () => {
    const html = await dashboardOf(SCHOOL_X);
    expect(peopleKeys(html)).toEqual([mentorKey()]);
    const moved = sectionOf(html, 'moved-away')!;
    expect(moved).toContain('Moved to another school');
    expect(moved).toContain(`${w.platform.users.ect.name}, moved on <time datetime="${TRANSFER_DATE}">${TRANSFER_WORDS}</time>`);
    expect(moved.match(/<li data-moved=/g)).toHaveLength(1);
    expect(moved).not.toContain('%');
    expect(html).not.toContain(Y_NAME);
    expect(milestoneRows(html).has(ectKey())).toBe(false);
    // The mentor's ECT is no longer this school's: the pairing names no one.
    expect(html).toContain('No ECTs at this school');
  });

  it('shows the ECT at Y as joined on the transfer date, with their own figures', async () => {
    const html = await dashboardOf(SCHOOL_Y);
    expect(peopleKeys(html)).toContain(ectKey());
    const row = /<tr data-key="canvas:[^"]+">[\s\S]*?<\/tr>/g;
    const ectRow = [...html.matchAll(row)].map((m) => m[0]).find((r) => r.includes(`data-key="${ectKey()}"`))!;
    expect(ectRow).toContain(`Joined your school on ${TRANSFER_WORDS}`);
    const truth = w.truth('ect', w.platform.users.ect.canvasUserId);
    const overall = /data-label="Overall">([^<]*)</.exec(ectRow)![1];
    expect(overall).toBe(truth.overall === null ? 'No figures yet' : `${truth.overall}%`);
    // Their mentor stayed at X: Y sees that a mentor exists, not who.
    expect(ectRow).toContain('A mentor at another school');
    expect(milestoneRows(html).has(ectKey())).toBe(true);
    expect(sectionOf(html, 'moved-away')).toBeUndefined();
    expect(html).not.toContain(X_NAME);
    // Y's own people were not moved: none of them is marked as joined.
    expect([...html.matchAll(/<tr data-key="([^"]+)">(?:(?!<\/tr>)[\s\S])*Joined your school on/g)].map((m) => m[1])).toEqual([ectKey()]);
  });

  it('keeps the history: one school entry, and nothing deleted', async () => {
    const history = await w.t.runtime.stores.rosterHistory.of(ectKey());
    expect(history).toEqual([expect.objectContaining({ kind: 'school', from: SCHOOL_X, to: SCHOOL_Y, effective: TRANSFER_DATE })]);
    // Importing the same file again records nothing more, and the dashboards say the same.
    expect((await w.t.runtime.stores.roster.import(ectRoster(SCHOOL_Y, TRANSFER_DATE))).counts).toMatchObject({ unchanged: 1 });
    expect(await w.t.runtime.stores.rosterHistory.of(ectKey())).toHaveLength(1);
    expect(await dashboardOf(SCHOOL_X)).toContain(TRANSFER_WORDS);
  });
});
