import { CanvasApi } from '../../src/canvas';
import { allProgression, authHeaders, clientFor, collect, rawGet, startSim, stopSimulators } from './helpers';

afterEach(stopSimulators);

/**
 * Slow, expensive requests: each holds its 50-unit reservation for 200 ms and then costs 5,
 * while the bucket drains 100 a second. Both concurrency and cost can overflow it.
 */
const COSTLY = { latencyMs: 200, baseCost: 5, outflowPerSecond: 100 };
const STUDENTS = 120;

function moduleCalls(sim: Awaited<ReturnType<typeof startSim>>): string[] {
  const course = sim.data.courses[0];
  return [...sim.truth(course.id).keys()].map(
    (student) => `/api/v1/courses/${course.id}/modules?include[]=items&student_id=${student}`,
  );
}

describe('adaptive concurrency', () => {
  it('a naive client sending 16 at a time is throttled by the simulator', async () => {
    const sim = await startSim({ studentsPerCourse: STUDENTS }, COSTLY);
    const queue = moduleCalls(sim);
    const worker = async (): Promise<void> => {
      for (let path = queue.pop(); path !== undefined; path = queue.pop()) await rawGet(sim, path, authHeaders(sim));
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(sim.stats().throttled).toBeGreaterThan(20);
  });

  it('keeps throttled responses near zero under the same load, with exact data', async () => {
    const sim = await startSim({ studentsPerCourse: STUDENTS }, COSTLY);
    const course = sim.data.courses[0];
    const client = clientFor(sim, { maxConcurrency: 16, rateLimit: { outflowPerSecond: 100 } });
    const api = new CanvasApi(client);
    const truth = sim.truth(course.id);
    const results = await Promise.all(
      [...truth.keys()].map(async (studentId) => {
        const modules = await api.listModules(course.id, { studentId });
        const completed = modules.flatMap((m) => m.items.filter((i) => i.completion_requirement?.completed).map((i) => i.id));
        return { studentId, completed };
      }),
    );
    for (const { studentId, completed } of results) expect(completed).toEqual(truth.get(studentId)?.completedItemIds);
    expect(sim.stats().throttled).toBeLessThanOrEqual(5);
    expect(client.stats().throttled).toBe(sim.stats().throttled);
    // The load did press on the bucket: the limiter, not luck, kept it under the mark.
    expect(sim.stats().minRemaining).toBeLessThan(250);
    expect(sim.stats().maxConcurrent).toBeLessThanOrEqual(11);
  });

  it('syncs a 10,000-student course with 0-5 throttled responses', async () => {
    const sim = await startSim(
      // Shorter modules keep the run quick; the call pattern per student is unchanged.
      { studentsPerCourse: 10_000, sectionsPerCourse: 8, itemsPerModule: 8 },
      { latencyMs: 10, perStudentLatencyMs: 0.05 },
    );
    const course = sim.data.courses[0];
    const client = clientFor(sim);
    const api = new CanvasApi(client);
    const [modules, sections, enrollments, progress, students] = await Promise.all([
      api.listModules(course.id),
      api.listSections(course.id),
      collect(api.listStudentEnrollments(course.id)),
      collect(api.listBulkProgress(course.id)),
      allProgression(api, course.id),
    ]);
    expect(modules).toHaveLength(course.modules.length);
    expect(sections).toHaveLength(8);
    expect(enrollments).toHaveLength(10_000);
    expect(progress).toHaveLength(10_000);
    expect(students).toHaveLength(10_000);
    const truth = sim.truth(course.id);
    expect(students.every((s) => s.progression?.completed === truth.get(s.id)?.completedCount)).toBe(true);
    expect(sim.stats().throttled).toBeLessThanOrEqual(5);
    expect(client.stats().calls['POST /graphql']).toBe(100);
  }, 180_000);
});
