import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CanvasApi, CanvasClient, CanvasConfigError, CanvasRequestError, endpointKey, parseLinkHeader } from '../../src/canvas';
import { apiFor, clientFor, collect, startSim, stopSimulators, USER_AGENT } from './helpers';

afterEach(stopSimulators);

describe('CanvasClient pagination', () => {
  it('follows numbered Link pages to the end', async () => {
    const sim = await startSim({ sectionsPerCourse: 7 });
    const course = sim.data.courses[0];
    const client = clientFor(sim);
    const sizes: number[] = [];
    for await (const page of client.paginate<{ id: string }>(`/courses/${course.id}/sections`, { per_page: 3 })) {
      sizes.push(page.length);
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(sim.stats().calls.sections).toBe(3);
  });

  it('follows enrollment bookmarks and returns every student once', async () => {
    const sim = await startSim({ studentsPerCourse: 230 });
    const course = sim.data.courses[0];
    const enrollments = await collect(apiFor(sim).listStudentEnrollments(course.id));
    expect(enrollments.map((e) => e.user_id).sort()).toEqual([...sim.truth(course.id).keys()].sort());
    expect(new Set(enrollments.map((e) => e.id)).size).toBe(230);
    expect(sim.stats().calls.enrollments).toBe(3);
    const person = sim.data.users.get(enrollments[0].user_id);
    expect(enrollments[0].user).toMatchObject({ name: person?.name, sis_user_id: person?.sisUserId, login_id: person?.loginId });
  });

  it('preserves string ids above 2^53 end to end', async () => {
    const sim = await startSim({ largeIds: true, studentsPerCourse: 120 });
    const course = sim.data.courses[0];
    const api = apiFor(sim);
    const modules = await api.listModules(course.id);
    expect(modules.flatMap((m) => m.items.map((i) => i.id))).toEqual(course.modules.flatMap((m) => m.items.map((i) => i.id)));
    const progress = await collect(api.listBulkProgress(course.id));
    expect(progress.map((p) => p.id).sort()).toEqual([...sim.truth(course.id).keys()].sort());
    for (const id of progress.map((p) => p.id)) expect(BigInt(id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect((await api.getCourse(course.id)).id).toBe(course.id);
  });

  it('fetches items separately for modules over 100 items', async () => {
    const sim = await startSim({ itemsPerModule: 130, modules: 2 });
    const course = sim.data.courses[0];
    const modules = await apiFor(sim).listModules(course.id);
    expect(modules.map((m) => m.items.length)).toEqual(course.modules.map((m) => m.items.length));
    expect(modules[1].items.length).toBeGreaterThan(100);
    expect(sim.stats().calls.module_items).toBe(4);
  });

  it("reports one student's per-item completion equal to the simulator's truth", async () => {
    const sim = await startSim({ studentsPerCourse: 10 });
    const course = sim.data.courses[0];
    const [studentId, truth] = [...sim.truth(course.id)].find(([, t]) => t.completedCount > 0 && t.incompleteItemIds.length > 0) ?? [];
    const modules = await apiFor(sim).listModules(course.id, { studentId });
    const completed = modules.flatMap((m) => m.items.filter((i) => i.completion_requirement?.completed).map((i) => i.id));
    expect(completed).toEqual(truth?.completedItemIds);
    expect(modules.every((m) => m.state !== undefined)).toBe(true);
    expect(sim.stats().calls.modules_student).toBe(1);
  });

  it('returns course, self and sections', async () => {
    const sim = await startSim({ studentsPerCourse: 12, sectionsPerCourse: 3 });
    const course = sim.data.courses[0];
    const api = apiFor(sim);
    expect(await api.getCourse(course.id)).toMatchObject({ id: course.id, name: course.name, total_students: 12 });
    expect((await api.getSelf()).id).toBe(sim.data.syncUser.id);
    expect(await api.listSections(course.id)).toEqual(course.sections);
  });

  it('counts calls by normalised endpoint', async () => {
    const sim = await startSim({ studentsPerCourse: 5 });
    const course = sim.data.courses[0];
    const client = clientFor(sim);
    await client.get(`/courses/${course.id}`);
    await new CanvasApi(client).listModules(course.id);
    expect(client.stats().calls).toEqual({ 'GET /courses/:id': 1, 'GET /courses/:id/modules': 1 });
    expect(client.stats()).toMatchObject({ requests: 2, retries: 0, throttled: 0, errors: 0 });
    expect(client.stats().requestTimeMs).toBeGreaterThan(0);
  });

  it('requires a token, a User-Agent and an http(s) base URL', () => {
    const good = { baseUrl: 'https://canvas.example.org', token: 't', userAgent: USER_AGENT };
    expect(() => new CanvasClient(good)).not.toThrow();
    expect(() => new CanvasClient({ ...good, userAgent: ' ' })).toThrow(CanvasConfigError);
    expect(() => new CanvasClient({ ...good, token: '' })).toThrow(CanvasConfigError);
    expect(() => new CanvasClient({ ...good, baseUrl: 'ftp://canvas.example.org' })).toThrow(CanvasConfigError);
  });
});

/** A loopback server scripted per test, for behaviour the simulator cannot be made to show. */
async function scriptedServer(
  handler: (req: IncomingMessage, res: ServerResponse, origin: string) => void,
): Promise<{ origin: string; close: () => Promise<void> }> {
  let origin = '';
  const server = createServer((req, res) => handler(req, res, origin));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('CanvasClient link handling', () => {
  it('sends the query only with the first request and follows next links verbatim', async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const server = await scriptedServer((req, res, origin) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      const link = seen.length === 1 ? { Link: `<${origin}/api/v1/courses/1/sections?page=T3BhcXVl>; rel="next"` } : {};
      res.writeHead(200, { 'Content-Type': 'application/json', ...link });
      res.end(JSON.stringify([{ id: String(seen.length) }]));
    });
    try {
      const client = new CanvasClient({ baseUrl: server.origin, token: 'tok', userAgent: USER_AGENT });
      const rows = await collect(client.paginate<{ id: string }>('/courses/1/sections', { include: ['students'] }));
      expect(rows).toEqual([{ id: '1' }, { id: '2' }]);
      expect(seen.map((r) => r.url)).toEqual([
        '/api/v1/courses/1/sections?per_page=100&include%5B%5D=students',
        '/api/v1/courses/1/sections?page=T3BhcXVl',
      ]);
      for (const { headers } of seen) {
        expect(headers.accept).toBe('application/json+canvas-string-ids');
        expect(headers['user-agent']).toBe(USER_AGENT);
        expect(headers.authorization).toBe('Bearer tok');
      }
    } finally {
      await server.close();
    }
  });

  it('refuses to follow a next link to another origin, keeping the token at home', async () => {
    const elsewhere: string[] = [];
    const other = await scriptedServer((req, res) => {
      elsewhere.push(req.headers.authorization ?? '');
      res.end('[]');
    });
    const canvas = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Link: `<${other.origin}/api/v1/x?page=2>; rel="next"` });
      res.end('[]');
    });
    try {
      const client = new CanvasClient({ baseUrl: canvas.origin, token: 'secret-token', userAgent: USER_AGENT });
      const error = await collect(client.paginate('/courses/1/sections')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CanvasRequestError);
      expect(error).toMatchObject({ kind: 'unsafe_link', transient: false });
      expect(elsewhere).toHaveLength(0);
    } finally {
      await canvas.close();
      await other.close();
    }
  });
});

describe('Canvas HTTP helpers', () => {
  it('normalises endpoint keys without ids or queries', () => {
    expect(endpointKey('GET', '/api/v1/courses/21070000000000123/modules/5/items?student_id=9')).toBe(
      'GET /courses/:id/modules/:id/items',
    );
    expect(endpointKey('GET', '/api/v1/courses/sis_course_id:ECF-24/users/self')).toBe('GET /courses/:id/users/self');
    expect(endpointKey('POST', '/api/graphql')).toBe('POST /graphql');
  });

  it("parses Canvas's Link header", () => {
    const header =
      '<https://c.example.org/api/v1/x?page=bookmark:WzFd&per_page=100>; rel="current",' +
      '<https://c.example.org/api/v1/x?page=bookmark:WzJd&per_page=100>; rel="next",' +
      '<https://c.example.org/api/v1/x?page=first&per_page=100>; rel="first"';
    const rels = parseLinkHeader(header);
    expect(rels.get('next')).toBe('https://c.example.org/api/v1/x?page=bookmark:WzJd&per_page=100');
    expect(rels.has('last')).toBe(false);
  });
});
