import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CanvasSimulator, SimCourse } from '../../canvas-sim';
import { CanvasClient } from '../../src/canvas';
import { courseKeyId, personKeyId } from '../../src/domain';
import { createLogger } from '../../src/log/logger';
import type { CourseLink } from '../../src/programme/links';
import { SyncService } from '../../src/sync/service';
import { cli, writeTempFile } from '../support/cli';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { ukDay } from '../cohort/support';
import { PLATFORM, startSimulator } from '../sync/helpers';

/**
 * The declaration export end to end: a simulated cohort synced twice with back-dated times (so
 * some self-study was first seen inside the retained-2 window and some after it closed),
 * registers taken before, inside and after the window, a roster with DfE participant ids, and
 * the provider's declaration list imported through the CLI. Every expected set is worked out
 * here from the simulator's data and what this test wrote.
 */
const COHORT = 'Declarations cohort';
const GROUP = 'Group D';
const SCHOOL = '131245';
const SCHEDULE = 'test-standard-september';
const FORMULA_NAME = '=Formula Name';

/**
 * Windows relative to today: started and retained-2 closed, retained-3 open today with no
 * closing date (as on an extended schedule), so retained-4, still to come, counts evidence
 * from the start.
 */
const WINDOWS: Record<'started' | 'retained-2' | 'retained-3' | 'retained-4', { opens: string; closes: string | null }> = {
  started: { opens: ukDay(-120), closes: ukDay(-61) },
  'retained-2': { opens: ukDay(-60), closes: ukDay(-20) },
  'retained-3': { opens: ukDay(-19), closes: null },
  'retained-4': { opens: ukDay(31), closes: null },
};
type Tested = keyof typeof WINDOWS;
const DAY_MS = 86_400_000;
const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
const ANY_EVIDENCE = ['training-event-attended', 'self-study-material-completed'];

const MILESTONES = {
  engagement: { thresholdPct: 75, counts: ['self-study', 'training-events'] },
  evidence: [{ fromCohortYear: 2025, ect: { started: ANY_EVIDENCE, 'retained-2': ANY_EVIDENCE, 'retained-3': ANY_EVIDENCE, 'retained-4': ANY_EVIDENCE }, mentor: { started: ANY_EVIDENCE } }],
  cohorts: { [COHORT]: { cohortYear: 2025, schedule: SCHEDULE } },
  schedules: {
    [SCHEDULE]: {
      name: 'Test standard',
      kind: 'standard',
      cohortYears: { '2025': Object.entries(WINDOWS).map(([declarationType, w]) => ({ declarationType, ...w, paymentDate: null })) },
    },
  },
};

/** The first sync runs inside the retained-2 window, the second after it closed. */
const FIRST_SYNC_DAY = ukDay(-40);
const SECOND_SYNC_DAY = ukDay(-5);
const noonOf = (day: string) => Date.parse(`${day}T12:00:00Z`);

const HEADER = ['participant_id', 'declaration_type', 'declaration_date', 'course_identifier', 'evidence_held', 'state', 'name', 'email', 'school_urn', 'cohort', 'schedule'];
const DFE_FIELDS = HEADER.slice(0, 5);

let t: TestRuntime;
let sim: CanvasSimulator;
let dir: string;
const savedEnv: Record<string, string | undefined> = {};

interface Person {
  userId: string;
  key: string;
  role: 'ect' | 'mentor';
  name: string;
  email: string;
  status: 'active' | 'withdrawn';
  dfeId: string | null;
  /** The days their evidence was met, by kind, as this test arranged it. */
  evidence: { type: 'training-event-attended' | 'self-study-material-completed'; day: string }[];
}
let people: Person[];

const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const studentsOf = (course: SimCourse) => course.enrollments.filter((e) => e.type === 'StudentEnrollment' && e.state === 'active').map((e) => e.userId);
const completedCount = (course: SimCourse, userId: string) => sim.expectedProgress(course.id).students.get(userId)!.modules.reduce((sum, m) => sum + (m?.completed ?? 0), 0);
/** A required self-study item of a course's first programme module the student has not done. */
function notDone(course: SimCourse, userId: string): string {
  const done = course.completions.get(userId) ?? new Map<string, number>();
  const item = course.modules.filter((m) => m.programmeModule !== null).flatMap((m) => m.items).find((i) => i.kind === 'self-study' && i.requirement !== null && !done.has(i.id));
  if (!item) throw new Error(`no item left for ${userId}`);
  return item.id;
}

function syncAt(day: string) {
  return new SyncService({
    logger: createLogger('silent'),
    stores: t.runtime.stores,
    listLinks: () => t.runtime.stores.store.collection<CourseLink>('course_links').find({}).toArray(),
    clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'ecf-progress-test', retryBaseDelayMs: 5, timeoutMs: 5000 }),
    afterCommit: (cohorts) => t.runtime.stores.readModel.refreshCohorts(cohorts),
    now: () => noonOf(day),
  }).run({ trigger: 'test', full: true });
}

/** Registers of the group: who was present on which day (the others on the register were absent). */
const EVENTS: { day: string; present: number[]; absent: number[] }[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-declarations-'));
  const milestonesFile = path.join(dir, 'milestones.json');
  fs.writeFileSync(milestonesFile, JSON.stringify(MILESTONES));
  savedEnv.MILESTONES_FILE = process.env.MILESTONES_FILE;
  process.env.MILESTONES_FILE = milestonesFile;
  t = await openTestRuntime();
  sim = await startSimulator({ students: 12, courses: 2, seed: 18 });
  const [ectCourse, mentorCourse] = sim.data.courses;
  for (const [course, programme] of [[ectCourse, 'ect'], [mentorCourse, 'mentor']] as const) {
    await t.runtime.stores.links.save({ _id: courseKeyId(PLATFORM, course.id), ...PLATFORM, courseId: course.id, programme, cohort: COHORT, moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  }

  const ects = studentsOf(ectCourse);
  const mentors = studentsOf(mentorCourse);
  // ECTs 0-3 start with nothing done: their evidence comes from what this test adds.
  for (const userId of ects.slice(0, 4)) sim.uncompleteItems(ectCourse.id, userId, [...(ectCourse.completions.get(userId)?.keys() ?? [])]);
  const doneAtFirstSync = new Set([...ects.filter((id) => completedCount(ectCourse, id) > 0), ...mentors.filter((id) => completedCount(mentorCourse, id) > 0)]);

  const user = (id: string) => sim.data.users.get(id)!;
  people = [
    ...ects.map((userId, i): Person => ({
      userId,
      key: `canvas:${userId}`,
      role: 'ect',
      name: i === 4 ? FORMULA_NAME : user(userId).name,
      email: user(userId).email ?? `${userId}@example.org`,
      status: i === 5 ? 'withdrawn' : 'active',
      dfeId: i === 6 || i === 7 ? null : uuidOf(i + 1),
      evidence: doneAtFirstSync.has(userId) ? [{ type: 'self-study-material-completed', day: FIRST_SYNC_DAY }] : [],
    })),
    ...mentors.map((userId, i): Person => ({
      userId,
      key: `canvas:${userId}`,
      role: 'mentor',
      name: user(userId).name,
      email: user(userId).email ?? `${userId}@example.org`,
      status: 'active',
      dfeId: uuidOf(100 + i),
      evidence: doneAtFirstSync.has(userId) ? [{ type: 'self-study-material-completed', day: FIRST_SYNC_DAY }] : [],
    })),
  ];

  const schools = await t.runtime.stores.schools.import(`urn,name,delivery_partner,contact_emails\n${SCHOOL},Brookfield Primary School,Northern Lights,office@example.org`);
  expect(schools.bad).toEqual([]);
  const roster = [
    'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status,dfe_participant_id',
    ...people.map((p) => [p.userId, '', p.email, csvCell(p.name), p.role, SCHOOL, csvCell(COHORT), GROUP, '', p.status, p.dfeId ?? ''].join(',')),
  ];
  const imported = await t.runtime.stores.roster.import(roster.join('\n'));
  expect(imported.bad).toEqual([]);

  const first = await syncAt(FIRST_SYNC_DAY);
  expect(first.courses.map((c) => c.status)).toEqual(['synced', 'synced']);
  // ECTs 0 and 1 complete an item after the first sync: first seen by the second, after retained-2 closed.
  for (const i of [0, 1]) {
    sim.completeItems(ectCourse.id, ects[i], [notDone(ectCourse, ects[i])]);
    people[i].evidence.push({ type: 'self-study-material-completed', day: SECOND_SYNC_DAY });
  }
  const second = await syncAt(SECOND_SYNC_DAY);
  expect(second.courses.map((c) => c.status)).toEqual(['synced', 'synced']);

  // ECT 2 attends in the started window (too early for retained-2) and in retained-2's; ECT 3 only after it closed; mentor 0 attends too.
  EVENTS.push({ day: ukDay(-70), present: [2, 12], absent: [3] }, { day: ukDay(-30), present: [2], absent: [] }, { day: ukDay(-10), present: [3], absent: [] });
  const takenBy = { ownerId: personKeyId(PLATFORM, 'facilitator-1'), name: 'A Facilitator' };
  for (const [n, e] of EVENTS.entries()) {
    const event = await t.runtime.stores.attendance.createEvent({ cohort: COHORT, group: GROUP, date: e.day, start_time: '09:30', end_time: '12:00', type: 'face-to-face', module: '1', title: `Training day ${n + 1}`, location: 'Leeds' });
    const entries = [...e.present.map((i) => ({ i, present: true })), ...e.absent.map((i) => ({ i, present: false }))].map(({ i, present }) => ({ key: people[i].key, name: people[i].name, role: people[i].role, present, reason: present ? null : 'illness' }));
    await t.runtime.stores.attendance.saveRegister({ eventId: event._id, basedOn: 0, entries, takenBy });
    for (const i of e.present) people[i].evidence.push({ type: 'training-event-attended', day: e.day });
  }
  await t.runtime.boards.refreshCohort(COHORT);

  const config = t.runtime.config;
  const values = { NODE_ENV: 'test', MONGODB_URI: config.mongodbUri!, APP_SECRET: config.appSecret!, PUBLIC_URL: config.publicUrl, DATA_DIR: config.dataDir, LOG_LEVEL: 'warn', SYNC_INTERVAL: 'off' };
  for (const [name, value] of Object.entries(values)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
}, 180_000);

afterAll(async () => {
  await sim?.close();
  await t?.close();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Expected {
  participant_id: string;
  declaration_date: string;
  evidence_held: string;
  name: string;
}

/**
 * Who the export must list for a declaration, worked out from what this test arranged: active
 * ECTs (mentors are declared only `started` here) with evidence from the day after the previous
 * window closed (from the start when it has no close) to the window's date (its close once
 * passed, else today); the earliest is declared, its date moved to the window's opening when
 * earlier.
 */
function expected(type: Tested): Map<string, Expected> {
  const window = WINDOWS[type];
  const asOf = window.closes !== null && window.closes < ukDay(0) ? window.closes : ukDay(0);
  const types = Object.keys(WINDOWS) as Tested[];
  const previousClose = types[types.indexOf(type) - 1] ? WINDOWS[types[types.indexOf(type) - 1]].closes : null;
  const since = previousClose ? dayAfter(previousClose) : '0000-00-00';
  const found = new Map<string, Expected>();
  for (const p of people) {
    if (p.role !== 'ect' || p.status !== 'active') continue;
    const held = p.evidence.filter((e) => since <= e.day && e.day <= asOf).sort((a, b) => a.day.localeCompare(b.day));
    if (held.length === 0) continue;
    const first = held[0];
    found.set(p.key, { participant_id: p.dfeId ?? '', declaration_date: first.day < window.opens ? window.opens : first.day, evidence_held: first.type, name: p.name });
  }
  return found;
}

/** The UK date and wall-clock time a DfE date-time stands for, read back without the code under test. */
const ukWallClock = (dateTime: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(dateTime)).replace(', ', ' ');

async function exportCsv(type: string, extra: string[] = []) {
  const file = path.join(dir, `${type}-${Math.random().toString(36).slice(2)}.csv`);
  const run = await cli(['declarations', '--cohort', COHORT, '--milestone', type, ...extra, '--format', 'csv', '--out', file]);
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  const text = fs.readFileSync(file, 'utf8');
  const records = parse(text) as string[][];
  return { run, file, text, header: records[0], rows: records.slice(1).map((cells) => Object.fromEntries(HEADER.map((h, i) => [h, cells[i]]))) };
}

const keyByDfeId = (id: string, name: string) => people.find((p) => (id ? p.dfeId === id : p.name === name || `'${p.name}` === name))!.key;

describe('declarations export', () => {
  it('lists exactly the participants whose retained-2 evidence holds on the window\'s closing date, in DfE\'s shape', async () => {
    const want = expected('retained-2');
    // The arrangement covers each case: completions first seen in the window, an event in it, and evidence only after it closed.
    expect([want.get(people[2].key)?.evidence_held, want.has(people[0].key), want.has(people[3].key)]).toEqual(['training-event-attended', false, false]);
    expect(want.size).toBeGreaterThan(3);
    const { run, text, header, rows, file } = await exportCsv('retained-2');
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    expect(header).toEqual(HEADER);
    const withoutId = [...want.values()].filter((e) => e.participant_id === '').length;
    expect(withoutId).toBeGreaterThan(0);
    expect(run.stdout).toBe(`Wrote ${want.size} retained-2 declarations for cohort "${COHORT}" to ${file} (${withoutId} without a DfE participant id)\n`);
    const got = new Map(rows.map((r) => [keyByDfeId(r.participant_id, r.name), r]));
    expect(got.size).toBe(rows.length);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, e] of want) {
      const row = got.get(key)!;
      const p = people.find((x) => x.key === key)!;
      expect({ key, ...row }).toEqual({
        key,
        participant_id: e.participant_id,
        declaration_type: 'retained-2',
        declaration_date: row.declaration_date,
        course_identifier: 'ecf-induction',
        evidence_held: e.evidence_held,
        state: 'ready',
        name: p.name.startsWith('=') ? `'${p.name}` : p.name,
        email: p.email.toLowerCase(),
        school_urn: SCHOOL,
        cohort: COHORT,
        schedule: SCHEDULE,
      });
      expect({ key, at: ukWallClock(row.declaration_date) }).toEqual({ key, at: `${e.declaration_date} 00:00:00` });
      expect(row.declaration_date).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\+0[01]:00$/);
    }
  }, 60_000);

  it('agrees row for row with the readiness view and each participant\'s own record', async () => {
    for (const type of ['retained-2', 'retained-3', 'retained-4'] as const) {
      const { rows } = await exportCsv(type);
      const exported = new Map(rows.map((r) => [keyByDfeId(r.participant_id, r.name), r]));
      expect([...exported.keys()].sort()).toEqual([...expected(type).keys()].sort());
      const cohort = await t.runtime.readiness.ofCohort(COHORT);
      for (const entry of cohort) {
        const milestone = entry.milestones.find((m) => m.declarationType === type);
        const own = (await t.runtime.readiness.ofParticipant(COHORT, entry.row.key))!.milestones.find((m) => m.declarationType === type);
        expect({ key: entry.row.key, own: own && { state: own.state, evidence: own.evidence } }).toEqual({ key: entry.row.key, own: milestone && { state: milestone.state, evidence: milestone.evidence } });
        const row = exported.get(entry.row.key);
        const listed = Boolean(milestone?.evidence.holds) && milestone?.state !== 'not-declarable';
        expect({ key: entry.row.key, listed }).toEqual({ key: entry.row.key, listed: Boolean(row) });
        if (!row || !milestone) continue;
        // Undeclared evidence reads "ready" in the file; the view says "missed" once the window closed and "upcoming" before it opens.
        const viewState = { 'retained-2': 'missed', 'retained-3': 'ready', 'retained-4': 'upcoming' }[type];
        expect({ key: entry.row.key, state: milestone.state, date: milestone.evidence.declarationDate, evidence: milestone.evidence.evidenceHeld }).toEqual({
          key: entry.row.key,
          state: row.state === 'ready' ? viewState : 'declared',
          date: row.declaration_date.slice(0, 10),
          evidence: row.evidence_held,
        });
      }
    }
  }, 60_000);

  it('writes JSON as DfE\'s POST /api/v3/participant-declarations bodies wrap one declaration each', async () => {
    const file = path.join(dir, 'retained-2.json');
    const run = await cli(['declarations', '--cohort', COHORT, '--milestone', 'retained-2', '--format', 'json', '--out', file]);
    expect(run.code).toBe(0);
    const body = JSON.parse(fs.readFileSync(file, 'utf8')) as { data: { type: string; attributes: Record<string, string | null> }[] };
    expect(Object.keys(body)).toEqual(['data']);
    const want = expected('retained-2');
    expect(body.data).toHaveLength(want.size);
    for (const element of body.data) {
      expect(Object.keys(element)).toEqual(['type', 'attributes']);
      expect(element.type).toBe('participant-declaration');
      expect(Object.keys(element.attributes)).toEqual(DFE_FIELDS);
    }
    const withId = [...want.values()].filter((e) => e.participant_id !== '');
    const byId = new Map(body.data.map((d) => [d.attributes.participant_id, d.attributes]));
    for (const e of withId) {
      const attributes = byId.get(e.participant_id)!;
      expect({ ...attributes, declaration_date: ukWallClock(attributes.declaration_date!) }).toEqual({
        participant_id: e.participant_id,
        declaration_type: 'retained-2',
        declaration_date: `${e.declaration_date} 00:00:00`,
        course_identifier: 'ecf-induction',
        evidence_held: e.evidence_held,
      });
    }
    expect(want.size - withId.length).toBeGreaterThan(0);
    expect(body.data.filter((d) => d.attributes.participant_id === null)).toHaveLength(want.size - withId.length);
  }, 60_000);

  it('fails clearly, writing nothing, for an unknown cohort or milestone', async () => {
    const file = path.join(dir, 'nothing.csv');
    const cases: [string[], RegExp][] = [
      [['--cohort', 'No Such Cohort', '--milestone', 'retained-2'], /The cohort "No Such Cohort" has no milestone schedule/],
      [['--cohort', COHORT, '--milestone', 'retained-9'], /--milestone must be one of started, retained-1.*\(not "retained-9"\)/],
      [['--milestone', 'retained-2'], /--cohort NAME is required/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(['declarations', ...args, '--format', 'csv', '--out', file]);
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(run.stderr).toMatch(message);
      expect(fs.existsSync(file)).toBe(false);
    }
  }, 60_000);
});

describe('declarations import', () => {
  const listHeader = 'participant_id,declaration_type,declaration_date,course_identifier,state';
  let declared: Person;
  let voided: Person;

  beforeAll(() => {
    const holders = [...expected('retained-2').keys()].map((key) => people.find((p) => p.key === key)!).filter((p) => p.dfeId && p.name !== FORMULA_NAME);
    [declared, voided] = holders;
  });

  it('reports bad rows by line and writes nothing unless --skip-invalid', async () => {
    const file = writeTempFile(
      'declarations.csv',
      [
        listHeader,
        `${declared.dfeId},retained-2,${WINDOWS['retained-2'].opens}T10:00:00Z,ecf-induction,eligible`,
        `not-a-uuid,retained-2,${WINDOWS['retained-2'].opens},ecf-induction,eligible`,
        `${voided.dfeId},retained-9,${WINDOWS['retained-2'].opens},ecf-induction,eligible`,
      ].join('\n'),
    );
    const run = await cli(['declarations', 'import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`line 3: .*participant id`));
    expect(run.stderr).toMatch(new RegExp(`line 4: .*declaration_type|line 4: .*must be started`));
    expect(run.stderr).toMatch(/Nothing was imported: 2 of 3 rows are bad/);
    expect(run.stdout).toMatch(/3 rows read, 1 standing, 0 voided or clawed back, 2 bad/);
    expect(await t.runtime.declarations.pointer()).toBeNull();

    const skipped = await cli(['declarations', 'import', file, '--skip-invalid', '--dry-run']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/dry run, nothing written/);
    expect(await t.runtime.declarations.pointer()).toBeNull();
  }, 60_000);

  it('marks an imported declaration as declared, --ready-only drops it, and a voided one does not count', async () => {
    const file = writeTempFile(
      'declarations.csv',
      [listHeader, `${declared.dfeId},retained-2,${WINDOWS['retained-2'].opens}T10:00:00Z,ecf-induction,eligible`, `${voided.dfeId},retained-2,${WINDOWS['retained-2'].opens}T10:00:00Z,ecf-induction,voided`].join('\n'),
    );
    const run = await cli(['declarations', 'import', file]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toBe('Declarations: 2 rows read, 1 standing, 1 voided or clawed back, 0 bad.\n');
    expect((await t.runtime.declarations.pointer())?.declarations).toBe(2);

    const all = await exportCsv('retained-2');
    const want = expected('retained-2');
    expect(all.rows).toHaveLength(want.size);
    const stateOf = (rows: Record<string, string>[], p: Person) => rows.find((r) => r.participant_id === p.dfeId)?.state ?? null;
    expect([stateOf(all.rows, declared), stateOf(all.rows, voided)]).toEqual(['declared', 'ready']);
    expect(all.rows.filter((r) => r.state === 'declared')).toHaveLength(1);

    const ready = await exportCsv('retained-2', ['--ready-only']);
    expect(ready.rows).toHaveLength(want.size - 1);
    expect([stateOf(ready.rows, declared), stateOf(ready.rows, voided)]).toEqual([null, 'ready']);
    expect(ready.run.stdout).toMatch(new RegExp(`^Wrote ${want.size - 1} retained-2 declarations`));

    // A window not open yet: its evidence is listed, dated at the window's opening, and left out of what is ready to declare.
    const early = await exportCsv('retained-4');
    expect(early.rows.length).toBeGreaterThan(0);
    expect(early.rows.map((r) => keyByDfeId(r.participant_id, r.name)).sort()).toEqual([...expected('retained-4').keys()].sort());
    expect(new Set(early.rows.map((r) => r.declaration_date.slice(0, 10)))).toEqual(new Set([WINDOWS['retained-4'].opens]));
    expect((await exportCsv('retained-4', ['--ready-only'])).rows).toEqual([]);

    const view = (await t.runtime.readiness.ofParticipant(COHORT, declared.key))!.milestones.find((m) => m.declarationType === 'retained-2')!;
    expect(view.state).toBe('declared');
  }, 60_000);
});
