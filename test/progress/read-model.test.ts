import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { CanvasSimulator, SimCourse, SimItem } from '../../canvas-sim';
import { unpackText } from '../../src/db/packed';
import { CanvasClient } from '../../src/canvas';
import { createLogger } from '../../src/log/logger';
import { CLASSIFICATION_FILE } from '../../src/completion';
import type { CourseLink } from '../../src/programme/links';
import { ReadModel } from '../../src/progress/read-model';
import { SyncService } from '../../src/sync/service';
import { startTestService, type TestService } from '../support/service';
import { PLATFORM, linkCourses, startSimulator } from '../sync/helpers';

/**
 * The read model, the participant page and the progress export against the simulator's own
 * ground truth (canvas-sim/expected.ts, which imports nothing from src/): every participant,
 * every module, after full, incremental and reverted syncs, on the GraphQL and REST paths.
 */
const COHORT = 'September 2025';
let t: TestService;
let sim: CanvasSimulator;

beforeAll(async () => {
  t = await startTestService();
  sim = await startSimulator({ students: 12, courses: 2, seed: 31 });
  await linkCourses(sim, COHORT);
});
afterAll(async () => {
  await sim.close();
  await t.close();
});

const sync = (options: { full?: boolean; exact?: boolean } = {}) =>
  new SyncService({
    logger: createLogger('silent'),
    stores: t.runtime.stores,
    listLinks: async () => t.runtime.stores.store.collection<CourseLink>('course_links').find({}).toArray(),
    clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'ecf-progress-test', retryBaseDelayMs: 5, timeoutMs: 2000 }),
    afterCommit: (cohorts) => t.runtime.stores.readModel.refreshCohorts(cohorts),
  }).run({ trigger: 'test', ...options });

const shown = (percent: number | null) => (percent === null ? 'no online items' : `${percent}%`);

function requiredSelfStudy(course: SimCourse, moduleNumber: number): SimItem[] {
  const module = course.modules.find((m) => m.programmeModule === moduleNumber)!;
  return module.items.filter((item) => item.kind === 'self-study' && item.requirement !== null);
}

/** Every student of every course, as the simulator says they stand: module percentages and overall. */
function truth(): { course: SimCourse; userId: string; programme: 'ect' | 'mentor'; modules: (number | null)[]; overall: number | null }[] {
  return sim.data.courses.flatMap((course, i) =>
    [...sim.expectedProgress(course.id).students].map(([userId, student]) => ({
      course,
      userId,
      programme: i % 2 === 0 ? ('ect' as const) : ('mentor' as const),
      modules: student.modules.map((m) => m?.percentage ?? null),
      overall: student.overall,
    })),
  );
}

async function pagePercentages(course: SimCourse, userId: string, programme: 'ect' | 'mentor'): Promise<string[]> {
  const session = await t.runtime.sessions.create({ ...PLATFORM, deploymentId: '1', sub: `sub-${userId}`, canvasUserId: userId, name: 'A participant', canvasCourseId: course.id, contextId: null, courseTitle: course.name, role: 'participant', programme, view: { kind: 'progress' }, returnUrl: null, deepLinking: null });
  const page = await request(t.url).get(`/s/${session._id}/progress`).expect(200);
  return [...page.text.matchAll(/<td><strong>(\d+%)<\/strong>|<td class="muted">(no online items)<\/td>/g)].map((m) => m[1] ?? m[2]);
}

/** The read model, the page and the export all equal the ground truth, for everyone. */
async function expectEverySurfaceMatchesTruth(): Promise<void> {
  const expected = truth();
  const rows = new Map((await t.runtime.cohortReport.cohortProgress(COHORT)).map((row) => [String(row.canvas_user_id), row]));
  expect(rows.size).toBe(expected.length);
  for (const student of expected) {
    const participant = await t.runtime.stores.readModel.readParticipant(COHORT, `canvas:${student.userId}`);
    expect([student.userId, participant?.progress?.modules.map((m) => m.percent)]).toEqual([student.userId, student.modules]);
    expect([student.userId, participant?.progress?.overall]).toEqual([student.userId, student.overall]);
    const row = rows.get(student.userId)!;
    expect([student.userId, student.modules.map((_p, i) => row[`module_${i + 1}`])]).toEqual([student.userId, student.modules]);
    expect([student.userId, row.overall_online_pct]).toEqual([student.userId, student.overall]);
  }
  for (const student of expected) {
    expect([student.userId, await pagePercentages(student.course, student.userId, student.programme)]).toEqual([student.userId, student.modules.map(shown)]);
  }
}

describe('the progress read model', () => {
  it('equals the ground truth after a full sync (GraphQL)', async () => {
    const run = await sync({ full: true });
    expect(run.courses.map((c) => c.path)).toEqual(['graphql', 'graphql']);
    await expectEverySurfaceMatchesTruth();
  });

  it('shows 100 % to a differentiated student who completed every item visible to them', async () => {
    const course = sim.data.courses[0];
    const [userId] = [...sim.expectedProgress(course.id).students].find(([, s]) => s.overall !== null && s.overall < 100)!;
    const [hidden, ...rest] = requiredSelfStudy(course, 4);
    sim.hideItemFrom(course.id, userId, hidden.id);
    sim.uncompleteItems(course.id, userId, [hidden.id]);
    for (let n = 1; n <= course.programmeModuleCount; n += 1) sim.completeItems(course.id, userId, requiredSelfStudy(course, n).filter((item) => item.id !== hidden.id).map((item) => item.id));
    await sync();
    const participant = await t.runtime.stores.readModel.readParticipant(COHORT, `canvas:${userId}`);
    const module4 = participant?.progress?.modules.find((m) => m.number === 4);
    expect(module4).toEqual({ number: 4, required: rest.length, completed: rest.length, percent: 100, state: 'completed' });
    expect(participant?.progress?.overall).toBe(100);
    await expectEverySurfaceMatchesTruth();
  });

  it('equals the ground truth after an incremental sync of changed students', async () => {
    const changed = sim.changeStudents(sim.data.courses[1].id, 0.3, 5);
    expect(changed.length).toBeGreaterThan(0);
    const run = await sync();
    expect(run.courses.map((c) => c.mode)).toEqual(['incremental', 'incremental']);
    await expectEverySurfaceMatchesTruth();
  });

  it('equals the ground truth after completions are reverted in Canvas', async () => {
    const course = sim.data.courses[0];
    const [userId, record] = [...sim.truth(course.id)].find(([, r]) => r.completedItemIds.length > 2)!;
    sim.uncompleteItems(course.id, userId, record.completedItemIds.slice(0, 2));
    await sync();
    await expectEverySurfaceMatchesTruth();
  });

  it('equals the ground truth on the REST path', async () => {
    sim.changeStudents(sim.data.courses[0].id, 0.3, 9);
    const run = await sync({ full: true, exact: true });
    expect(run.courses.map((c) => c.path)).toEqual(['rest', 'rest']);
    await expectEverySurfaceMatchesTruth();
  });

  it('keeps rollups that count every participant once per module, by state', async () => {
    const pointer = (await t.runtime.stores.readModel.readPointer(COHORT))!;
    const ect = (await t.runtime.stores.readModel.readRollup(COHORT, 'cohort', COHORT, 'ect'))!;
    const mentor = (await t.runtime.stores.readModel.readRollup(COHORT, 'cohort', COHORT, 'mentor'))!;
    expect(ect.participants + mentor.participants).toBe(pointer.participants);
    for (const rollup of [ect, mentor]) {
      for (const module of rollup.modules) expect(Object.values(module.states).reduce((a, b) => a + b, 0)).toBe(rollup.synced);
    }
    const completedModule1 = truth().filter((s) => s.programme === 'ect' && s.modules[0] === 100).length;
    expect(ect.modules.find((m) => m.number === 1)?.states.completed).toBe(completedModule1);
  });

  it('fails the comparison when the classification rule is broken (mentor meetings counted as self-study)', async () => {
    const rules = JSON.parse(fs.readFileSync(CLASSIFICATION_FILE, 'utf8')) as { rules: { class: string; titlePattern?: string }[] };
    const broken = { ...rules, rules: rules.rules.map((rule) => (rule.class === 'mentor-meeting' ? { ...rule, class: 'self-study' } : rule)) };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-broken-rules-')), 'classification.json');
    fs.writeFileSync(file, JSON.stringify(broken));
    process.env.CLASSIFICATION_FILE = file;
    try {
      await sync({ full: true });
      await expect(expectEverySurfaceMatchesTruth()).rejects.toThrow();
    } finally {
      delete process.env.CLASSIFICATION_FILE;
      await sync({ full: true });
    }
    await expectEverySurfaceMatchesTruth();
  });

  it('lets a reader still on the previous generation finish after a rebuild', async () => {
    const { readModel } = t.runtime.stores;
    const before = (await readModel.readPointer(COHORT))!;
    const firstPage = await readModel.readPage(before, 0);
    await readModel.refreshCohort(COHORT);
    expect((await readModel.readPointer(COHORT))!.generation).not.toBe(before.generation);
    expect(await readModel.readPage(before, 0)).toEqual(firstPage);
  });

  it('gives the instance that built a generation the grid and evidence another instance reads from the store', async () => {
    const { readModel, store, marks, leases, links, roster, schools, sync: syncStore } = t.runtime.stores;
    await readModel.refreshCohort(COHORT);
    const pointer = (await readModel.readPointer(COHORT))!;
    const anotherInstance = new ReadModel(store, { marks, leases, links, roster, schools, sync: syncStore });
    const stored = { rows: await anotherInstance.readGrid(pointer), evidence: await anotherInstance.readEvidence(pointer) };
    expect(stored.rows).toHaveLength(pointer.participants);
    expect(stored.evidence?.size).toBeGreaterThan(0);
    expect({ rows: await readModel.readGrid(pointer), evidence: await readModel.readEvidence(pointer) }).toStrictEqual(stored);
  });

  it('keeps no copy of an unlinked course’s participants, in any generation', async () => {
    const [, mentorCourse] = sim.data.courses;
    const mentorIds = [...sim.expectedProgress(mentorCourse.id).students.keys()];
    await t.runtime.retention.unlinkCourseAndData(PLATFORM, mentorCourse.id);
    const names = (await t.runtime.stores.store.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n.startsWith('ecf_readmodel_'));
    const pointer = (await t.runtime.stores.readModel.readPointer(COHORT))!;
    expect(names.sort()).toEqual([`ecf_${pointer.generation}_evidence`, `ecf_${pointer.generation}_grid`, `ecf_${pointer.generation}_pages`, `ecf_${pointer.generation}_people`]);
    const docs = (await Promise.all(names.map((n) => t.runtime.stores.store.db.collection(n).find({}).toArray()))).flat();
    // Participants are packed in Binary fields (people and pages: participants; grid and evidence: rows): read them as the text they are.
    const packed = (doc: (typeof docs)[number]) => doc.participants ?? doc.rows;
    const stored = docs.map((doc) => (packed(doc)?.buffer ? unpackText(packed(doc)) : JSON.stringify(doc))).join('\n');
    expect(stored).toContain('canvas:');
    for (const id of mentorIds) expect(stored.includes(`canvas:${id}`)).toBe(false);
    const all = await t.runtime.stores.readModel.readAllParticipants(COHORT);
    expect(all?.some((p) => mentorIds.includes(p.canvasUserId ?? ''))).toBe(false);
  });

  it('makes a deletion wait for a build in progress, so no copy of the deleted course is left to it', async () => {
    const [ectCourse] = sim.data.courses;
    const ectIds = new Set(sim.expectedProgress(ectCourse.id).students.keys());
    const { readModel, leases, marks } = t.runtime.stores;
    expect((await readModel.readAllParticipants(COHORT))?.some((p) => ectIds.has(p.canvasUserId ?? ''))).toBe(true);
    const building = (await leases.acquire(`read-model:${COHORT}`))!;
    const markBefore = await marks.currentMark(`read-model:${COHORT}`);
    const unlinking = t.runtime.retention.unlinkCourseAndData(PLATFORM, ectCourse.id);
    // The deletion has asked for a rebuild (its change mark) and is now waiting for the lease.
    while ((await marks.currentMark(`read-model:${COHORT}`)) === markBefore) await new Promise((resolve) => setImmediate(resolve));
    await building.release();
    expect((await unlinking).unlinked).toBe(true);
    expect((await readModel.readAllParticipants(COHORT))?.some((p) => ectIds.has(p.canvasUserId ?? ''))).toBe(false);
    const pointer = (await readModel.readPointer(COHORT))!;
    expect(pointer.retired).toBeNull();
  });
});
