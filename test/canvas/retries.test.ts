import type { CanvasSimulator } from '../../canvas-sim';
import { CanvasApi, CanvasRequestError, type CanvasClient } from '../../src/canvas';
import { allProgression, clientFor, collect, startSim, stopSimulators } from './helpers';

afterEach(stopSimulators);

interface Counts {
  id: string;
  total: number;
  completed: number;
}

function expectedCounts(sim: CanvasSimulator, courseId: string): Counts[] {
  return [...sim.truth(courseId)]
    .map(([id, t]) => ({ id, total: t.requirementCount, completed: t.completedCount }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function fetchedCounts(client: CanvasClient, courseId: string): Promise<Counts[]> {
  const rows = await collect(new CanvasApi(client).listBulkProgress(courseId));
  return rows
    .map(({ id, progress }) =>
      'requirement_count' in progress
        ? { id, total: progress.requirement_count, completed: progress.requirement_completed_count }
        : { id, total: -1, completed: -1 },
    )
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('CanvasClient retries', () => {
  it('recovers from injected 500s with exact data', async () => {
    const sim = await startSim({ studentsPerCourse: 450 }, { faults: { serverErrorRate: 0.4, seed: 'five-hundreds' } });
    const course = sim.data.courses[0];
    const client = clientFor(sim);
    expect(await fetchedCounts(client, course.id)).toEqual(expectedCounts(sim, course.id));
    expect(sim.stats().faults.serverError).toBeGreaterThan(0);
    expect(client.stats()).toMatchObject({ retries: sim.stats().faults.serverError, errors: 0 });
  });

  it('recovers from bodies cut short of their Content-Length', async () => {
    const sim = await startSim({ studentsPerCourse: 600 }, { faults: { truncateRate: 0.5, seed: 'cut' } });
    const course = sim.data.courses[0];
    const client = clientFor(sim);
    const enrollments = await collect(new CanvasApi(client).listStudentEnrollments(course.id));
    expect(enrollments.map((e) => e.user_id).sort()).toEqual([...sim.truth(course.id).keys()].sort());
    expect(sim.stats().faults.truncate).toBeGreaterThan(0);
    expect(client.stats().retries).toBe(sim.stats().faults.truncate);
  });

  it('recovers from requests the server never answers', async () => {
    // The simulator seeds faults by each request's text: a changed query moves them, so the seed is chosen to hang some.
    const sim = await startSim({ studentsPerCourse: 250 }, { faults: { timeoutRate: 0.3, seed: 'hang2' } });
    const course = sim.data.courses[0];
    const client = clientFor(sim, { timeoutMs: 1000 });
    const students = await allProgression(new CanvasApi(client), course.id);
    expect(students.map((s) => s.id).sort()).toEqual([...sim.truth(course.id).keys()].sort());
    expect(sim.stats().faults.timeout).toBeGreaterThan(0);
    expect(client.stats().retries).toBeGreaterThanOrEqual(sim.stats().faults.timeout);
  });

  it('keeps GraphQL progression exact under mixed faults', async () => {
    const sim = await startSim(
      { studentsPerCourse: 1000 },
      { faults: { serverErrorRate: 0.15, truncateRate: 0.15, timeoutRate: 0.1, seed: 'mixed' } },
    );
    const course = sim.data.courses[0];
    const students = await allProgression(new CanvasApi(clientFor(sim, { timeoutMs: 1000 })), course.id);
    const truth = sim.truth(course.id);
    expect(students).toHaveLength(truth.size);
    for (const s of students) {
      const incomplete = s.progression?.incompleteModules.flatMap((m) => m.incompleteItemIds);
      expect(incomplete).toEqual(truth.get(s.id)?.incompleteItemIds);
    }
    const { faults } = sim.stats();
    expect(faults.serverError + faults.truncate + faults.timeout).toBeGreaterThan(0);
  });

  it('gives up after maxRetries with a transient error', async () => {
    const sim = await startSim({}, { faults: { serverErrorRate: 1 } });
    const course = sim.data.courses[0];
    const client = clientFor(sim, { maxRetries: 2 });
    const error = await client.get(`/courses/${course.id}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanvasRequestError);
    expect(error).toMatchObject({ kind: 'server', status: 500, attempts: 3, transient: true, endpoint: 'GET /courses/:id' });
    expect(sim.stats().calls.course).toBe(3);
    expect(client.stats()).toMatchObject({ retries: 2, errors: 1 });
  });

  it('logs endpoints and retry reasons, never the token or personal data', async () => {
    const sim = await startSim({ studentsPerCourse: 150 }, { faults: { serverErrorRate: 0.3, seed: 'logs' } });
    const course = sim.data.courses[0];
    const lines: string[] = [];
    const record = (obj: object, msg?: string): void => {
      lines.push(JSON.stringify({ ...obj, msg }));
    };
    const client = clientFor(sim, { logger: { debug: record, warn: record } });
    const api = new CanvasApi(client);
    await allProgression(api, course.id);
    await collect(api.listStudentEnrollments(course.id));
    const text = lines.join('\n');
    expect(text).toContain('"msg":"canvas request retry"');
    expect(text).toContain('"endpoint":"POST /graphql"');
    expect(text).not.toContain(sim.token);
    for (const person of sim.data.users.values()) {
      expect(text).not.toContain(person.email);
      expect(text).not.toContain(person.sortableName);
    }
  });
});
