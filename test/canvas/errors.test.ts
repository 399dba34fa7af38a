import {
  CanvasApi,
  CanvasAuthError,
  CanvasForbiddenError,
  CanvasNotFoundError,
  CanvasRequestError,
} from '../../src/canvas';
import { authHeaders, clientFor, rawGet, startSim, stopSimulators, testCohort } from './helpers';

afterEach(stopSimulators);

describe('CanvasClient errors', () => {
  it('throws CanvasAuthError(invalid_token) for a bad token, once, without leaking it', async () => {
    const sim = await startSim();
    const client = clientFor(sim, { token: 'not-the-token-xyz' });
    const error = await client.get('/users/self').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanvasAuthError);
    expect(error).toMatchObject({ reason: 'invalid_token', status: 401, endpoint: 'GET /users/self' });
    expect(sim.stats().rejected.auth).toBe(1);
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain('not-the-token-xyz');
    expect(client.stats()).toMatchObject({ retries: 0, errors: 1 });
  });

  it('throws CanvasAuthError(not_authorized) for a 401 without WWW-Authenticate, not retried', async () => {
    const data = testCohort({ courses: 2 });
    const [denied, allowed] = data.courses;
    const sim = await startSim({}, { data, courseFaults: { [denied.id]: 401 } });
    const api = new CanvasApi(clientFor(sim));
    await expect(api.listModules(denied.id)).rejects.toMatchObject({ reason: 'not_authorized', status: 401 });
    expect(sim.stats().calls.modules).toBe(1);
    await expect(api.listModules(allowed.id)).resolves.toHaveLength(allowed.modules.length);
  });

  it('does not retry a plain 403', async () => {
    const data = testCohort();
    const courseId = data.courses[0].id;
    const sim = await startSim({}, { data, courseFaults: { [courseId]: 403 } });
    const client = clientFor(sim);
    await expect(client.get(`/courses/${courseId}/sections`)).rejects.toBeInstanceOf(CanvasForbiddenError);
    expect(sim.stats().calls.sections).toBe(1);
    expect(client.stats()).toMatchObject({ retries: 0, throttled: 0 });
  });

  it('throws CanvasNotFoundError for a missing course, not retried', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    await expect(new CanvasApi(client).getCourse('999999')).rejects.toBeInstanceOf(CanvasNotFoundError);
    await expect(new CanvasApi(client).fetchProgressionPage('999999')).rejects.toBeInstanceOf(CanvasNotFoundError);
    expect(sim.stats().calls).toEqual({ course: 1, graphql: 1 });
  });

  it('throws a non-transient CanvasRequestError for other 4xx', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const error = await client
      .get(`/courses/${sim.data.courses[0].id}/enrollments`, { page: 'bookmark:not-json' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanvasRequestError);
    expect(error).toMatchObject({ kind: 'client', status: 400, transient: false });
    expect(sim.stats().calls.enrollments).toBe(1);
  });

  it('retries a throttled 403 and then succeeds', async () => {
    // A costly page from another process fills the bucket; our next call is throttled.
    const sim = await startSim({ studentsPerCourse: 100 }, { perStudentCost: 8, outflowPerSecond: 200 });
    const course = sim.data.courses[0];
    const client = clientFor(sim, { rateLimit: { outflowPerSecond: 200 } });
    const filler = await rawGet(sim, `/api/v1/courses/${course.id}/bulk_user_progress?per_page=100`, authHeaders(sim));
    expect(Number(filler.headers['x-rate-limit-remaining'])).toBeLessThan(-100);
    const self = await client.get<{ id: string }>('/users/self');
    expect(self.id).toBe(sim.data.syncUser.id);
    expect(sim.stats().throttled).toBeGreaterThanOrEqual(1);
    expect(client.stats().throttled).toBe(sim.stats().throttled);
    expect(client.stats().retries).toBe(client.stats().throttled);
  });

  it('honours Retry-After on a 429', async () => {
    const sim = await startSim({ studentsPerCourse: 100 }, { perStudentCost: 8, outflowPerSecond: 200, throttleStatus: 429 });
    const course = sim.data.courses[0];
    const client = clientFor(sim);
    await rawGet(sim, `/api/v1/courses/${course.id}/bulk_user_progress?per_page=100`, authHeaders(sim));
    const started = Date.now();
    await expect(client.get('/users/self')).resolves.toMatchObject({ id: sim.data.syncUser.id });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(client.stats().throttled).toBeGreaterThanOrEqual(1);
  });
});
