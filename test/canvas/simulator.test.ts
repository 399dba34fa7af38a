import { ECF_MODULE_TITLES, generateCohort, requiredItems } from '../../canvas-sim';
import { authHeaders, rawGet, startSim, stopSimulators, USER_AGENT } from './helpers';

afterEach(stopSimulators);

const STRING_IDS = { Accept: 'application/json+canvas-string-ids' };

function links(header: string | string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of String(header ?? '').split(',')) {
    const m = /<([^>]+)>; rel="([^"]+)"/.exec(part);
    if (m) map.set(m[2], m[1]);
  }
  return map;
}

describe('generateCohort', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateCohort({ seed: 7, courses: 2, studentsPerCourse: 20 });
    const b = generateCohort({ seed: 7, courses: 2, studentsPerCourse: 20 });
    const c = generateCohort({ seed: 8, courses: 2, studentsPerCourse: 20 });
    expect(b).toEqual(a);
    expect([...c.users.values()].map((u) => u.name)).not.toEqual([...a.users.values()].map((u) => u.name));
  });

  it('builds ECF modules with study items, meetings, an event and an audit', () => {
    const cohort = generateCohort({ seed: 1, courses: 1, studentsPerCourse: 5 });
    const [course] = cohort.courses;
    expect(course.modules[0].name).toBe('Induction');
    const programme = course.modules.slice(1);
    expect(programme.map((m) => m.name)).toEqual(ECF_MODULE_TITLES.map((title, i) => `Module ${i + 1}: ${title}`));
    for (const [i, module] of programme.entries()) {
      expect(module.items[0]).toMatchObject({ type: 'SubHeader', title: 'Self-directed study', requirement: null });
      expect(module.items.some((item) => /^Mentor meeting 1: /.test(item.title) && item.requirement?.type === 'must_mark_done')).toBe(true);
      expect(module.items.some((item) => item.title.startsWith('Training event: '))).toBe(true);
      expect(module.items.find((item) => item.title === `Module ${i + 1} audit`)?.requirement).toEqual({ type: 'must_submit' });
      expect(module.items.length).toBeGreaterThanOrEqual(14);
    }
    const types = new Set(requiredItems(course).map((item) => item.requirement?.type));
    expect(types).toEqual(new Set(['must_view', 'must_submit', 'min_score', 'must_mark_done']));
    expect(requiredItems(course).filter((i) => i.requirement?.type === 'min_score').every((i) => i.requirement?.min_score)).toBe(true);
  });

  it('spreads progress from barely started to complete', () => {
    const cohort = generateCohort({ seed: 3, courses: 1, studentsPerCourse: 200 });
    const [course] = cohort.courses;
    const total = requiredItems(course).length;
    const fractions = [...course.completions.values()].map((c) => c.size / total);
    expect(fractions.filter((f) => f <= 0.05).length).toBeGreaterThan(5);
    expect(fractions.filter((f) => f === 1).length).toBeGreaterThan(10);
    expect(fractions.filter((f) => f > 0.05 && f < 1).length).toBeGreaterThan(100);
  });

  it('uses Canvas global ids above 2^53 when asked', () => {
    const cohort = generateCohort({ seed: 1, courses: 1, studentsPerCourse: 3, largeIds: true });
    expect(BigInt(cohort.courses[0].id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
  });
});

describe('Canvas simulator', () => {
  it('refuses a request without a User-Agent', async () => {
    const sim = await startSim();
    const res = await rawGet(sim, '/api/v1/users/self', { Authorization: `Bearer ${sim.token}` });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('Rate Limit Exceeded');
    expect(sim.stats().rejected.userAgent).toBe(1);
  });

  it('answers a wrong token with 401 and WWW-Authenticate', async () => {
    const sim = await startSim();
    const res = await rawGet(sim, '/api/v1/users/self', { Authorization: 'Bearer wrong', 'User-Agent': USER_AGENT });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('sends ids as raw numbers without the string-ids header, losing precision above 2^53', async () => {
    const sim = await startSim({ largeIds: true });
    const course = sim.data.courses[0];
    const numeric = await rawGet(sim, `/api/v1/courses/${course.id}`, authHeaders(sim));
    expect(numeric.body).toContain(`"id":${course.id}`);
    const parsed = JSON.parse(numeric.body) as { id: number };
    expect(typeof parsed.id).toBe('number');
    expect(String(parsed.id)).not.toBe(course.id);

    const strings = await rawGet(sim, `/api/v1/courses/${course.id}`, authHeaders(sim, STRING_IDS));
    expect((JSON.parse(strings.body) as { id: string }).id).toBe(course.id);
  });

  it('pages modules by number with opaque tokens and a last link', async () => {
    const sim = await startSim();
    const course = sim.data.courses[0];
    const res = await rawGet(sim, `/api/v1/courses/${course.id}/modules?per_page=3`, authHeaders(sim, STRING_IDS));
    const rels = links(res.headers.link);
    expect([...rels.keys()]).toEqual(['current', 'next', 'first', 'last']);
    const next = new URL(rels.get('next') ?? '');
    expect(next.searchParams.get('page')).not.toMatch(/^\d+$/);
    expect(next.searchParams.get('per_page')).toBe('3');
    expect(JSON.parse(res.body)).toHaveLength(3);
    const last = await rawGet(sim, new URL(rels.get('last') ?? '').pathname + new URL(rels.get('last') ?? '').search, authHeaders(sim, STRING_IDS));
    expect(JSON.parse(last.body)).toHaveLength(course.modules.length % 3 || 3);
    expect(links(last.headers.link).has('next')).toBe(false);
  });

  it('pages enrollments by bookmark and never sends a last link', async () => {
    const sim = await startSim({ studentsPerCourse: 25 });
    const course = sim.data.courses[0];
    const res = await rawGet(
      sim,
      `/api/v1/courses/${course.id}/enrollments?type[]=StudentEnrollment&per_page=10`,
      authHeaders(sim, STRING_IDS),
    );
    const rels = links(res.headers.link);
    expect(rels.has('last')).toBe(false);
    expect(new URL(rels.get('next') ?? '').searchParams.get('page')).toMatch(/^bookmark:/);
  });

  it('defaults per_page to 10 and caps it at 100', async () => {
    const sim = await startSim({ studentsPerCourse: 150 });
    const course = sim.data.courses[0];
    const path = `/api/v1/courses/${course.id}/bulk_user_progress`;
    expect(JSON.parse((await rawGet(sim, path, authHeaders(sim))).body)).toHaveLength(10);
    expect(JSON.parse((await rawGet(sim, `${path}?per_page=500`, authHeaders(sim))).body)).toHaveLength(100);
  });

  it('inlines module items only up to 100', async () => {
    const sim = await startSim({ itemsPerModule: 120, modules: 2, induction: true });
    const course = sim.data.courses[0];
    const res = await rawGet(sim, `/api/v1/courses/${course.id}/modules?include[]=items`, authHeaders(sim, STRING_IDS));
    const modules = JSON.parse(res.body) as { name: string; items_count: number; items?: unknown[] }[];
    expect(modules.map((m) => [m.items_count > 100, m.items === undefined])).toEqual([
      [false, false],
      [true, true],
      [true, true],
    ]);
  });

  it("throttles a burst past the high-water mark with Canvas's 403 body", async () => {
    const sim = await startSim({}, { latencyMs: 300 });
    const responses = await Promise.all(
      Array.from({ length: 16 }, () => rawGet(sim, '/api/v1/users/self', authHeaders(sim))),
    );
    const throttled = responses.filter((r) => r.status === 403);
    expect(throttled.length).toBeGreaterThanOrEqual(4);
    expect(throttled[0].body).toBe('403 Forbidden (Rate Limit Exceeded)\n');
    expect(throttled[0].headers['x-rate-limit-remaining']).toBeDefined();
    const ok = responses.find((r) => r.status === 200);
    expect(Number(ok?.headers['x-request-cost'])).toBeCloseTo(0.03, 5);
    expect(sim.stats().throttled).toBe(throttled.length);
  });

  it('injects the same faults for the same seed', async () => {
    const faults = { serverErrorRate: 0.3, truncateRate: 0.2, seed: 'repeat' };
    const statuses = async (): Promise<string[]> => {
      const sim = await startSim({}, { faults });
      const out: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const res = await rawGet(sim, `/api/v1/courses/${sim.data.courses[0].id}/sections`, authHeaders(sim)).catch(() => null);
        out.push(res === null ? 'cut' : String(res.status));
      }
      return out;
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    expect(first).toContain('500');
    expect(first).toContain('200');
  });

  it('lets tests change progress and the roster', async () => {
    const sim = await startSim({ studentsPerCourse: 40 });
    const course = sim.data.courses[0];
    const before = sim.truth(course.id);
    const changed = sim.changeStudents(course.id, 0.25, 'change');
    expect(changed.length).toBeGreaterThan(0);
    const after = sim.truth(course.id);
    for (const id of changed) expect(after.get(id)?.completedCount).toBeGreaterThan(before.get(id)?.completedCount ?? Infinity);
    const unchanged = [...before.keys()].filter((id) => !changed.includes(id));
    for (const id of unchanged) expect(after.get(id)).toEqual(before.get(id));

    const newcomer = sim.addStudent(course.id);
    expect(sim.truth(course.id).get(newcomer.id)?.completedCount).toBe(0);
    const target = sim.truth(course.id).get(newcomer.id)?.incompleteItemIds.slice(0, 2) ?? [];
    sim.completeItems(course.id, newcomer.id, target);
    expect(sim.truth(course.id).get(newcomer.id)?.completedItemIds).toEqual(target);
    sim.uncompleteItems(course.id, newcomer.id, target.slice(0, 1));
    expect(sim.truth(course.id).get(newcomer.id)?.completedCount).toBe(1);

    sim.removeStudent(course.id, newcomer.id);
    expect(sim.truth(course.id).has(newcomer.id)).toBe(false);
    expect(() => sim.completeItems(course.id, newcomer.id, target)).toThrow(/not an active student/);
  });
});
