import mongoose from 'mongoose';
import type { CanvasSimulator } from '../../canvas-sim';
import { JobRunner } from '../../src/jobs';
import { createLogger } from '../../src/log/logger';
import { courseKeyId } from '../../src/domain';
import type { CourseLink } from '../../src/programme/links';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { PLATFORM, expectCourseMatchesTruth, expectStoreMatchesTruth, generationCollections, linkCourses, startSimulator, storedProgress, syncService } from './helpers';

let rt: TestRuntime;
let sim: CanvasSimulator;

beforeAll(async () => {
  rt = await openTestRuntime();
});
afterAll(async () => rt.close());
beforeEach(async () => {
  await mongoose.connection.db?.dropDatabase();
  sim = await startSimulator();
  await linkCourses(sim);
});
afterEach(async () => sim.close());

describe('sync', () => {
  it('stores exactly the simulator ground truth for every participant and module (GraphQL path)', async () => {
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses.map((c) => [c.status, c.mode, c.path])).toEqual([
      ['synced', 'full', 'graphql'],
      ['synced', 'full', 'graphql'],
    ]);
    await expectStoreMatchesTruth(sim);
    expect(run.participants).toBe(80);
    expect(run.apiCalls['POST /graphql']).toBe(2);
    expect(run.requests).toBeLessThanOrEqual(6);
  });

  it('fetches only changed students on an incremental run, and stays exact', async () => {
    await syncService(sim).run({ trigger: 'test' });
    const course = sim.data.courses[0].id;
    const changed = sim.changeStudents(course, 0.1, 3);
    const run = await syncService(sim).run({ trigger: 'test' });
    const first = run.courses.find((c) => c.courseId === course)!;
    expect(first.mode).toBe('incremental');
    expect(first.fetched).toBe(changed.length);
    expect(run.courses.find((c) => c.courseId !== course)!.fetched).toBe(0);
    await expectStoreMatchesTruth(sim);
  });

  it('turns a completion back to incomplete only when Canvas says so, and keeps first-seen times', async () => {
    await syncService(sim).run({ trigger: 'test' });
    const course = sim.data.courses[0].id;
    const [userId, truth] = [...sim.truth(course)].find(([, t]) => t.completedItemIds.length > 1)!;
    const before = (await storedProgress(course)).records.get(userId)!;
    const kept = truth.completedItemIds[1];
    sim.uncompleteItems(course, userId, [truth.completedItemIds[0]]);
    await syncService(sim).run({ trigger: 'test' });
    const after = (await storedProgress(course)).records.get(userId)!;
    expect(after.completions.has(truth.completedItemIds[0])).toBe(false);
    expect(after.completions.get(kept)).toBe(before.completions.get(kept));
    await expectStoreMatchesTruth(sim);
  });

  it('falls back to per-student REST when GraphQL is unavailable, with the same numbers', async () => {
    sim.setGraphql(false);
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses.map((c) => c.path)).toEqual(['rest', 'rest']);
    await expectStoreMatchesTruth(sim);
  });

  it('reads through REST the students whose progression Canvas withholds, rather than storing them as 0%', async () => {
    sim.setProgressionHidden(true);
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses.map((c) => [c.status, c.path])).toEqual([
      ['synced', 'graphql'],
      ['synced', 'graphql'],
    ]);
    expect(run.apiCalls['GET /courses/:id/modules']).toBe(2 + 80);
    expect(run.courses.map((c) => c.readByRest)).toEqual([40, 40]);
    await expectStoreMatchesTruth(sim);
  });

  it('reads through REST a student whose requirements differ from the course’s (an item hidden from them), and stays exact', async () => {
    const course = sim.data.courses[0];
    const [student] = [...sim.truth(course.id).values()].filter((t) => t.incompleteItemIds.length > 0);
    sim.hideItemFrom(course.id, student.userId, student.incompleteItemIds[0]);
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses.every((c) => c.status === 'synced' && c.path === 'graphql')).toBe(true);
    expect(run.apiCalls['GET /courses/:id/modules']).toBe(2 + 1);
    expect(run.courses.find((c) => c.courseId === course.id)!.readByRest).toBe(1);
    await expectStoreMatchesTruth(sim);
    const { records } = await storedProgress(course.id);
    expect(records.get(student.userId)!.completions.has(student.incompleteItemIds[0])).toBe(false);
  });

  it('stays exact with random 500s, timeouts and truncated bodies injected', async () => {
    sim.setFaults({ serverErrorRate: 0.15, truncateRate: 0.1, timeoutRate: 0.03, seed: 11 });
    const run = await syncService(sim).run({ trigger: 'test', full: true });
    sim.setFaults({});
    expect(run.courses.every((c) => c.status === 'synced')).toBe(true);
    expect(run.retries).toBeGreaterThan(0);
    await expectStoreMatchesTruth(sim);
  });

  it('lets two instances run at once: each course is synced by exactly one', async () => {
    const [a, b] = await Promise.all([syncService(sim).run({ trigger: 'test' }), syncService(sim).run({ trigger: 'test' })]);
    for (const course of sim.data.courses) {
      const statuses = [a, b].map((run) => run.courses.find((c) => c.courseId === course.id)!.status).sort();
      expect(statuses).toEqual(['skipped', 'synced']);
    }
    await expectStoreMatchesTruth(sim);
    const generations = await generationCollections(sim.data.courses.map((c) => c.id));
    expect(generations.existing).toEqual(generations.current);
    expect(generations.current).toHaveLength(2);
  });

  it('runs as the scheduled job, never two at once: full the first time, incremental after', async () => {
    const service = syncService(sim);
    const jobs = new JobRunner(createLogger('silent'));
    jobs.register({ name: 'sync', intervalMs: 3_600_000, run: () => service.runScheduled() });
    const first = jobs.perform('sync');
    // Let the first run start, so the second perform has to wait for it.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, jobs.perform('sync')]);

    const finished = (await rt.runtime.stores.runs.latest(10)).sort((a, b) => a._id.localeCompare(b._id));
    expect(finished).toHaveLength(2);
    expect(finished.every((r) => r.trigger === 'schedule')).toBe(true);
    expect(finished[0].courses.map((c) => c.mode)).toEqual(['full', 'full']);
    expect(finished[1].courses.map((c) => c.mode)).toEqual(['incremental', 'incremental']);
    expect(finished[1].startedAt.getTime()).toBeGreaterThanOrEqual(finished[0].finishedAt!.getTime());
    await expectStoreMatchesTruth(sim);
  });

  it.each([
    [404 as const, /found nothing/],
    [401 as const, /lacks permission/],
  ])('records a course Canvas answers with %i against that course and syncs the others', async (status, reason) => {
    const bad = sim.data.courses[1].id;
    sim.setCourseFault(bad, status);
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses.find((c) => c.courseId === bad)!.status).toBe('failed');
    expect(run.courses.find((c) => c.courseId !== bad)!.status).toBe('synced');
    expect((await rt.runtime.stores.sync.readState(courseKeyId(PLATFORM, bad)))?.lastError).toMatch(reason);
    expect(run.errors).toEqual([expect.stringContaining(bad)]);
    await expectCourseMatchesTruth(sim, sim.data.courses[0].id);
  });

  it.each([
    ['syncs', false],
    ['fails', true],
  ])('writes nothing for a course unlinked while the run was under way (when its sync %s), and the others still sync', async (_, fails) => {
    const gone = sim.data.courses[0].id;
    if (fails) sim.setCourseFault(gone, 404);
    const listed = await rt.runtime.stores.store.collection<CourseLink>('course_links').find({}).toArray();
    const unlinkAfterListing = async () => {
      await rt.runtime.retention.unlinkCourseAndData(PLATFORM, gone);
      return listed;
    };
    const run = await syncService(sim, { listLinks: unlinkAfterListing }).run({ trigger: 'test' });
    expect(run.courses.find((c) => c.courseId === gone)!.status).toBe(fails ? 'failed' : 'skipped');
    expect(run.courses.find((c) => c.courseId !== gone)!.status).toBe('synced');
    expect(await rt.runtime.stores.sync.readState(courseKeyId(PLATFORM, gone))).toBeNull();
    const { existing, current } = await generationCollections(sim.data.courses.map((c) => c.id));
    expect(existing).toEqual(current);
    expect(existing).toHaveLength(1);
  });
});

describe('a full sync of a course synced before', () => {
  const studentsOf = async (courseId: string) => [...(await storedProgress(courseId)).records.keys()].sort();
  const activeIds = (courseId: string) => [...sim.truth(courseId).keys()].sort();

  it('starts from the students it knows and lists no enrollments when nobody joined; who left is gone', async () => {
    await syncService(sim).run({ trigger: 'test', full: true });
    const course = sim.data.courses[0].id;
    const leaver = activeIds(course)[3];
    sim.removeStudent(course, leaver);
    sim.resetStats();
    const run = await syncService(sim).run({ trigger: 'test', full: true });
    expect(run.courses.every((c) => c.status === 'synced' && c.mode === 'full' && c.path === 'graphql')).toBe(true);
    expect(sim.stats().calls.enrollments ?? 0).toBe(0);
    expect(await studentsOf(course)).toEqual(activeIds(course));
    expect(await studentsOf(course)).not.toContain(leaver);
    await expectStoreMatchesTruth(sim);
  });

  it('finds a student who joined since, by listing the enrollments side by side', async () => {
    await syncService(sim).run({ trigger: 'test', full: true });
    const course = sim.data.courses[0].id;
    const joiner = sim.addStudent(course, { seed: 'joiner' });
    const someoneDid = [...sim.truth(course).values()].find((t) => t.completedItemIds.length > 0)!;
    sim.completeItems(course, joiner.id, someoneDid.completedItemIds.slice(0, 1));
    sim.resetStats();
    await syncService(sim).run({ trigger: 'test', full: true });
    expect(sim.stats().calls.enrollments).toBeGreaterThanOrEqual(1);
    expect(await studentsOf(course)).toContain(joiner.id);
    await expectStoreMatchesTruth(sim);
  });

  it('finds a student who joined when another left, though Canvas’s count of students is unchanged', async () => {
    await syncService(sim).run({ trigger: 'test', full: true });
    const course = sim.data.courses[0].id;
    const before = activeIds(course).length;
    sim.removeStudent(course, activeIds(course)[0]);
    const joiner = sim.addStudent(course, { seed: 'swap' });
    expect(activeIds(course)).toHaveLength(before);
    await syncService(sim).run({ trigger: 'test', full: true });
    expect(await studentsOf(course)).toEqual(activeIds(course));
    expect(await studentsOf(course)).toContain(joiner.id);
    await expectStoreMatchesTruth(sim);
  });
});

describe('an incremental sync of a large course', () => {
  it('fetches the progress summary pages side by side, and stays exact', async () => {
    await sim.close();
    sim = await startSimulator({ students: 450, courses: 1, latencyMs: 200 });
    await mongoose.connection.db?.dropDatabase();
    await linkCourses(sim);
    const course = sim.data.courses[0].id;
    await syncService(sim).run({ trigger: 'test' });
    const changed = sim.changeStudents(course, 0.05, 11);
    sim.resetStats();
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses[0].mode).toBe('incremental');
    expect(run.courses[0].fetched).toBe(changed.length);
    expect(sim.stats().calls.bulk_user_progress).toBe(5);
    // The structure call goes alone; pages 2 to 5 of the summary are asked for at once.
    expect(sim.stats().maxConcurrent).toBeGreaterThanOrEqual(4);
    await expectStoreMatchesTruth(sim);
  });
});
