import zlib from 'node:zlib';
import { mongo } from 'mongoose';
import { generateCohort, startCanvasSimulator, type CanvasSimulator } from '../../canvas-sim';
import { CanvasClient } from '../../src/canvas';
import { createLogger } from '../../src/log/logger';
import type { CourseLink } from '../../src/programme/links';
import { SyncService } from '../../src/sync/service';
import { TREND_FRESH_MS, WeeklySnapshots, summariseParticipants, weekOf, type TrendPoint } from '../../src/trends';
import { startTestService, type TestService } from '../support/service';
import { testStores } from '../support/stores';
import { linkCourses } from '../sync/helpers';

/**
 * Weekly snapshots against a real store and the simulator's own ground truth: two instances on
 * two connections racing for the same week, the stored figures, the trend of one group worked
 * out here from the simulator's data, and a week a crash left half taken.
 */
const COHORT = 'September 2025';
/** Weeks of 2025, far from the week the tests run in (the job test takes that one). */
const W11 = new Date('2025-03-12T10:00:00Z');
const W11_LATER = new Date('2025-03-16T22:30:00Z');
const W12 = new Date('2025-03-17T09:00:00Z');

let t: TestService;
let sim: CanvasSimulator;
let client: mongo.MongoClient;
/** Two instances, each on its own connection to the same database; the first on a clock the tests move. */
let first: WeeklySnapshots;
let second: WeeklySnapshots;
let clock = Date.now();

beforeAll(async () => {
  t = await startTestService();
  // Two sections (Group A, Group B) per course, so a group is a part of the cohort.
  const data = generateCohort({ seed: 41, courses: 2, studentsPerCourse: 14, sectionsPerCourse: 2, induction: true, largeIds: true });
  sim = await startCanvasSimulator({ data, latencyMs: 1, perStudentLatencyMs: 0 });
  await linkCourses(sim, COHORT);
  await sync();
  client = await mongo.MongoClient.connect(t.runtime.database.uri);
  const stores = testStores({ db: client.db(t.runtime.database.dbName) });
  first = new WeeklySnapshots(t.runtime.stores.store, { readModel: t.runtime.stores.readModel, clock: () => clock });
  second = new WeeklySnapshots(stores.store, { readModel: stores.readModel });
});
afterAll(async () => {
  await client?.close();
  await sim?.close();
  await t?.close();
});

async function sync(): Promise<void> {
  const run = await new SyncService({
    logger: createLogger('silent'),
    stores: t.runtime.stores,
    listLinks: async () => t.runtime.stores.store.collection<CourseLink>('course_links').find({}).toArray(),
    clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'ecf-progress-test', retryBaseDelayMs: 5, timeoutMs: 2000 }),
    afterCommit: (cohorts) => t.runtime.stores.readModel.refreshCohorts(cohorts),
  }).run({ trigger: 'test', full: true });
  if (run.courses.some((c) => c.status !== 'synced')) throw new Error(`sync failed: ${JSON.stringify(run.courses)}`);
}

type Raw = { _id: string } & Record<string, unknown>;
const raw = (collection: 'weekly_snapshots' | 'trend_points' | 'trend_schools') => t.runtime.stores.store.collection<Raw>(collection);
const count = (collection: 'weekly_snapshots' | 'trend_points' | 'trend_schools', filter: object = {}) => raw(collection).countDocuments(filter);
const idOf = (week: string) => JSON.stringify([COHORT, week]);

interface TruthRow {
  key: string;
  programme: 'ect' | 'mentor';
  group: string;
  modules: ({ required: number; completed: number; percentage: number | null } | null)[];
  overall: number | null;
}

/** Every student as the simulator says they stand now, with their section (the group the tool shows). */
function truth(): TruthRow[] {
  return sim.data.courses.flatMap((course, i) =>
    [...sim.expectedProgress(course.id).students].map(([userId, student]) => {
      const enrollment = course.enrollments.find((e) => e.userId === userId && e.type === 'StudentEnrollment')!;
      return {
        key: `canvas:${userId}`,
        programme: i % 2 === 0 ? ('ect' as const) : ('mentor' as const),
        group: course.sections.find((s) => s.id === enrollment.sectionId)!.name,
        modules: student.modules,
        overall: student.overall,
      };
    }),
  );
}

/** The point a week should have, worked out from the simulator's figures. */
function expectedPoint(rows: TruthRow[], programme: 'ect' | 'mentor', groups: string[] | null, week: string, weekStart: string): TrendPoint {
  const mine = rows.filter((r) => r.programme === programme && (groups === null || groups.includes(r.group)));
  const mean = (values: (number | null)[]) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
  };
  return {
    week,
    weekStart,
    participants: mine.length,
    overall: mean(mine.map((r) => r.overall)),
    modules: mine[0].modules.map((_m, i) => ({
      number: i + 1,
      mean: mean(mine.map((r) => r.modules[i]?.percentage ?? null)),
      completed: mine.filter((r) => (r.modules[i]?.required ?? 0) > 0 && r.modules[i]!.completed >= r.modules[i]!.required).length,
      counted: mine.filter((r) => r.modules[i]?.percentage != null).length,
    })),
  };
}

describe('the week of a moment', () => {
  it.each([
    ['2026-12-07T12:00:00Z', '2026-W50', '2026-12-07'],
    ['2027-01-03T12:00:00Z', '2026-W53', '2026-12-28'],
    ['2025-12-29T00:30:00Z', '2026-W01', '2025-12-29'],
    ['2025-12-28T23:30:00Z', '2025-W52', '2025-12-22'],
    // 23:30 UTC on Sunday 29 March 2026 is 00:30 on Monday in British Summer Time: the new week.
    ['2026-03-29T23:30:00Z', '2026-W14', '2026-03-30'],
    ['2026-03-29T22:30:00Z', '2026-W13', '2026-03-23'],
    // 23:30 UTC on Sunday 25 October 2026 is 23:30 GMT, still Sunday.
    ['2026-10-25T23:30:00Z', '2026-W43', '2026-10-19'],
  ])('%s is in %s, which begins on %s (UK time)', (moment, week, weekStart) => {
    expect(weekOf(new Date(moment))).toEqual({ week, weekStart });
  });
});

describe('weekly snapshots', () => {
  let before: TruthRow[];

  it('takes each week once when two instances on two connections race for it', async () => {
    before = truth();
    const results = await Promise.all([first.takeAll(W11), second.takeAll(W11_LATER)]);
    expect(results.map((r) => [r.taken, r.already]).sort()).toEqual([
      [[], [COHORT]],
      [[COHORT], []],
    ]);
    expect(await count('weekly_snapshots')).toBe(1);
    expect(await count('trend_points')).toBe(1);
    expect(await count('trend_schools')).toBe(1);
    expect(await count('trend_points', { _id: idOf('2025-W11') })).toBe(1);
    // And again, each instance twice at once: nothing more.
    const again = await Promise.all([first.take(COHORT, W11), second.take(COHORT, W11), first.take(COHORT, W11_LATER), second.take(COHORT, W11)]);
    expect(again).toEqual(['already', 'already', 'already', 'already']);
    expect([await count('weekly_snapshots'), await count('trend_points')]).toEqual([1, 1]);
  });

  it('keeps every participant’s figures as the simulator has them', async () => {
    const snapshot = (await second.readSnapshot(COHORT, '2025-W11'))!;
    expect([snapshot.week, snapshot.weekStart]).toEqual(['2025-W11', '2025-03-10']);
    const stored = new Map(snapshot.rows.map((row) => [row.key, row]));
    expect(stored.size).toBe(before.length);
    for (const student of before) {
      const row = stored.get(student.key);
      expect([student.key, row?.role, row?.group, row?.status]).toEqual([student.key, student.programme, student.group, 'active']);
      expect([student.key, row?.modules.map((m) => m.percent)]).toEqual([student.key, student.modules.map((m) => m?.percentage ?? null)]);
      expect([student.key, row?.modules.map((m) => m.number)]).toEqual([student.key, student.modules.map((_m, i) => i + 1)]);
      expect([student.key, row?.overall]).toEqual([student.key, student.overall]);
    }
  });

  it('adds one more snapshot for the next week, after the figures changed', async () => {
    for (const course of sim.data.courses) expect(sim.changeStudents(course.id, 0.5, 77).length).toBeGreaterThan(0);
    await sync();
    expect(await second.takeAll(W12)).toEqual({ taken: [COHORT], already: [], skipped: [] });
    expect([await count('weekly_snapshots'), await count('trend_points'), await count('trend_schools')]).toEqual([2, 2, 2]);
  });

  it('gives a group’s trend week by week as the simulator’s figures work it out', async () => {
    const after = truth();
    const ectGroups = new Set(after.filter((r) => r.programme === 'ect').map((r) => r.group));
    expect([...ectGroups].sort()).toEqual(['Group A', 'Group B']);
    const expected = [expectedPoint(before, 'ect', ['Group A'], '2025-W11', '2025-03-10'), expectedPoint(after, 'ect', ['Group A'], '2025-W12', '2025-03-17')];
    // The change reached the group, so an unchanged second week would fail this.
    expect(expected[1]).not.toEqual({ ...expected[0], week: '2025-W12', weekStart: '2025-03-17' });
    expect(await first.trend(COHORT, 'ect', { groups: ['Group A'] })).toEqual(expected);
    expect(await second.trend(COHORT, 'mentor', { groups: ['Group B'] })).toEqual([expectedPoint(before, 'mentor', ['Group B'], '2025-W11', '2025-03-10'), expectedPoint(after, 'mentor', ['Group B'], '2025-W12', '2025-03-17')]);
  });

  it('combines groups exactly: both groups together are the whole cohort', async () => {
    const cohort = await first.trend(COHORT, 'ect', { groups: null });
    expect(cohort).toEqual([expectedPoint(before, 'ect', null, '2025-W11', '2025-03-10'), expectedPoint(truth(), 'ect', null, '2025-W12', '2025-03-17')]);
    expect(await first.trend(COHORT, 'ect', { groups: ['Group B', 'Group A'] })).toEqual(cohort);
    expect(await first.trend(COHORT, 'ect', { groups: ['Group A', 'No such group'] })).toEqual(await first.trend(COHORT, 'ect', { groups: ['Group A'] }));
    expect(await first.trend(COHORT, 'ect', { groups: ['No such group'] })).toEqual([]);
    expect(await first.trend(COHORT, 'ect', { groups: [] })).toEqual([]);
    expect(await first.trend('Another cohort', 'ect', { groups: null })).toEqual([]);
  });

  it('sums participants as they stand now the same way, for the by-module chart', async () => {
    const participants = (await t.runtime.stores.readModel.readAllParticipants(COHORT))!;
    for (const programme of ['ect', 'mentor'] as const) {
      const { week, weekStart, ...now } = expectedPoint(truth(), programme, null, '', '');
      expect([week, weekStart]).toEqual(['', '']);
      expect(summariseParticipants(participants, programme)).toEqual(now);
    }
  });

  it('finishes a week a crash left with a snapshot and no points, from the stored snapshot', async () => {
    // A run that died after its first insert: only the snapshot, written by hand in the stored format.
    const rows = [
      { key: 'canvas:1', role: 'ect', group: 'Group A', schoolUrn: '131245', status: 'active', overall: 40, modules: [{ number: 1, percent: 50, state: 'in-progress' }, { number: 2, percent: 0, state: 'not-started' }] },
      { key: 'canvas:2', role: 'ect', group: 'Group A', schoolUrn: '131245', status: 'active', overall: 80, modules: [{ number: 1, percent: 100, state: 'completed' }, { number: 2, percent: 20, state: 'in-progress' }] },
      { key: 'canvas:3', role: 'ect', group: 'Group C', schoolUrn: null, status: 'active', overall: null, modules: [{ number: 1, percent: null, state: 'no-online-items' }, { number: 2, percent: 40, state: 'in-progress' }] },
    ];
    await raw('weekly_snapshots').insertOne({
      _id: idOf('2025-W20'),
      cohort: COHORT,
      week: '2025-W20',
      weekStart: '2025-05-12',
      takenAt: new Date('2025-05-12T00:10:00Z'),
      participants: rows.length,
      encoding: 'json+gzip',
      rows: new mongo.Binary(zlib.gzipSync(JSON.stringify(rows))),
    });
    expect(await count('trend_points', { _id: idOf('2025-W20') })).toBe(0);

    expect(await second.take(COHORT, new Date('2025-05-14T12:00:00Z'))).toBe('already');
    expect([await count('weekly_snapshots'), await count('trend_points'), await count('trend_schools')]).toEqual([3, 3, 3]);
    // The first instance read this trend a moment ago and reuses it for TREND_FRESH_MS; then it reads again.
    expect((await first.trend(COHORT, 'ect', { groups: null })).map((p) => p.week)).toEqual(['2025-W11', '2025-W12']);
    clock += TREND_FRESH_MS;
    // Worked out by hand from the three rows above, not from the cohort's current figures.
    const week20 = (await first.trend(COHORT, 'ect', { groups: null })).find((p) => p.week === '2025-W20');
    expect(week20).toEqual({
      week: '2025-W20',
      weekStart: '2025-05-12',
      participants: 3,
      overall: 60,
      modules: [
        { number: 1, mean: 75, completed: 1, counted: 2 },
        { number: 2, mean: 20, completed: 0, counted: 3 },
      ],
    });
    expect((await first.trend(COHORT, 'ect', { groups: ['Group C'] })).map((p) => [p.week, p.participants, p.overall])).toEqual([['2025-W20', 1, null]]);
    expect(await first.schoolAggregates(COHORT, '2025-W20')).toEqual([
      { scope: 'school', name: '131245', programme: 'ect', participants: 2, overallSum: 120, overallCounted: 2, modules: [{ number: 1, sum: 150, counted: 2, completed: 1 }, { number: 2, sum: 20, counted: 2, completed: 0 }] },
    ]);
    // The stored snapshot is the hand-written one, untouched.
    expect((await first.readSnapshot(COHORT, '2025-W20'))?.rows).toEqual(rows);
    expect(await first.take(COHORT, new Date('2025-05-18T12:00:00Z'))).toBe('already');
    expect(await count('trend_points')).toBe(3);
  });

  it('takes nothing for a cohort nobody has figures in', async () => {
    expect(await first.take('An empty cohort', W11)).toBe('nothing');
    expect(await count('weekly_snapshots', { _id: JSON.stringify(['An empty cohort', '2025-W11']) })).toBe(0);
  });

  it('is taken by the service’s hourly `snapshots` job, for the week it runs in', async () => {
    const { week } = weekOf(new Date());
    const trendBefore = await t.runtime.snapshots.trend(COHORT, 'ect', { groups: null });
    expect(trendBefore.map((p) => p.week)).toEqual(['2025-W11', '2025-W12', '2025-W20']);
    await t.service.jobs.perform('snapshots');
    // The instance that took the week shows it at once.
    expect((await t.runtime.snapshots.trend(COHORT, 'ect', { groups: null })).map((p) => p.week)).toEqual(['2025-W11', '2025-W12', '2025-W20', week]);
    const snapshot = await t.runtime.snapshots.readSnapshot(COHORT, week);
    expect(snapshot?.rows.length).toBe(truth().length);
    expect(await count('trend_points', { _id: idOf(week) })).toBe(1);
    expect(t.logs.text()).toContain('"event":"snapshots.taken"');
    await t.service.jobs.perform('snapshots');
    expect(await count('trend_points', { _id: idOf(week) })).toBe(1);
  });

  it('deletes a cohort’s weeks and nothing of another cohort', async () => {
    clock += TREND_FRESH_MS;
    const other = JSON.stringify([`${COHORT} B`, '2025-W11']);
    await raw('trend_points').insertOne({ _id: other, cohort: `${COHORT} B`, week: '2025-W11', weekStart: '2025-03-10' });
    // Its own weeks in order, the other cohort's (which it could not even read) left out.
    expect((await first.trend(COHORT, 'ect', { groups: null })).map((p) => p.week)).toEqual(['2025-W11', '2025-W12', '2025-W20', weekOf(new Date()).week]);
    expect(await first.deleteCohort(COHORT)).toBe(4);
    expect([await count('weekly_snapshots'), await count('trend_schools')]).toEqual([0, 0]);
    expect(await raw('trend_points').find({}).map((d) => d._id).toArray()).toEqual([other]);
    expect(await first.trend(COHORT, 'ect', { groups: null })).toEqual([]);
  });
});
