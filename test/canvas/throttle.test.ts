import { CanvasApi } from '../../src/canvas';
import { allProgression, authHeaders, clientFor, collect, rawGet, startSim, stopSimulators } from './helpers';

afterEach(stopSimulators);

/** Load where each request is expensive: the bucket, not latency, is the limit. */
const COSTLY = { latencyMs: 20, baseCost: 5, outflowPerSecond: 100 };

describe('adaptive concurrency', () => {
  it('a naive client running 12 at a time is throttled by the simulator', async () => {
    const sim = await startSim({ studentsPerCourse: 20 }, COSTLY);
    const course = sim.data.courses[0];
    const student = [...sim.truth(course.id).keys()][0];
    const path = `/api/v1/courses/${course.id}/modules?include[]=items&student_id=${student}`;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 200) {
        next += 1;
        await rawGet(sim, path, authHeaders(sim));
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    expect(sim.stats().throttled).toBeGreaterThan(20);
  });

  it('keeps throttled responses near zero under the same load', async () => {
    const sim = await startSim({ studentsPerCourse: 200 }, COSTLY);
    const course = sim.data.courses[0];
    const client = clientFor(sim, { maxConcurrency: 12, rateLimit: { outflowPerSecond: 100 } });
    const api = new CanvasApi(client);
    const truth = sim.truth(course.id);
    const results = await Promise.all(
      [...truth.keys()].map(async (studentId) => {
        const modules = await api.listModules(course.id, { studentId });
        return [studentId, modules.flatMap((m) => m.items.filter((i) => i.completion_requirement?.completed).map((i) => i.id))];
      }),
    );
    for (const [studentId, completed] of results) expect(completed).toEqual(truth.get(studentId as string)?.completedItemIds);
    expect(sim.stats().throttled).toBeLessThanOrEqual(5);
    expect(client.stats().throttled).toBe(sim.stats().throttled);
    // Under this cost the bucket, not latency, bounds throughput: the limiter had to slow down.
    expect(client.stats().concurrency).toBeLessThan(12);
    expect(sim.stats().maxConcurrent).toBeLessThanOrEqual(11);
  });

  it('syncs a 10,000-student course with 0-5 throttled responses', async () => {
    const sim = await startSim(
      { studentsPerCourse: 10_000, sectionsPerCourse: 8 },
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
  }, 120_000);
});
