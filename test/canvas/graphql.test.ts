import { CanvasApi, CanvasGraphQLError } from '../../src/canvas';
import { allProgression, apiFor, clientFor, collect, startSim, stopSimulators, testCohort } from './helpers';

afterEach(stopSimulators);

describe('GraphQL progression', () => {
  it("equals the simulator's ground truth for every student", async () => {
    const sim = await startSim({ studentsPerCourse: 240, largeIds: true, sectionsPerCourse: 4 });
    const course = sim.data.courses[0];
    const api = apiFor(sim);
    const modules = await api.listModules(course.id);
    const required = modules.flatMap((m) => m.items.filter((i) => i.completion_requirement).map((i) => i.id));
    const students = await allProgression(api, course.id);
    const truth = sim.truth(course.id);

    expect(students.map((s) => s.id).sort()).toEqual([...truth.keys()].sort());
    for (const student of students) {
      const expected = truth.get(student.id);
      const incomplete = new Set(student.progression?.incompleteModules.flatMap((m) => m.incompleteItemIds));
      expect(required.filter((id) => !incomplete.has(id))).toEqual(expected?.completedItemIds);
      expect(student.progression).toMatchObject({ completed: expected?.completedCount, total: expected?.requirementCount });
      expect(student.truncated).toBe(false);
    }
    expect(sim.stats().calls.graphql).toBe(Math.ceil(240 / 100));
  });

  it('returns identity, section and last activity matching the enrollments API', async () => {
    const sim = await startSim({ studentsPerCourse: 60, sectionsPerCourse: 3 });
    const course = sim.data.courses[0];
    const api = apiFor(sim);
    const enrollments = new Map((await collect(api.listStudentEnrollments(course.id))).map((e) => [e.user_id, e]));
    const sections = new Map(course.sections.map((s) => [s.id, s.name]));
    for (const student of await allProgression(api, course.id)) {
      const e = enrollments.get(student.id);
      expect(student).toMatchObject({
        name: e?.user.name,
        email: e?.user.email,
        sisId: e?.user.sis_user_id,
        loginId: e?.user.login_id,
        enrollmentState: 'active',
        sectionId: e?.course_section_id,
        sectionName: sections.get(e?.course_section_id ?? ''),
        lastActivityAt: e?.last_activity_at,
      });
    }
  });

  it('filters by userIds, as when re-pulling students named in live events', async () => {
    const sim = await startSim({ studentsPerCourse: 80 });
    const course = sim.data.courses[0];
    const changed = sim.changeStudents(course.id, 0.1, 'events');
    const page = await apiFor(sim).fetchProgressionPage(course.id, { userIds: changed });
    expect(page.students.map((s) => s.id).sort()).toEqual([...changed].sort());
    expect(page.hasNextPage).toBe(false);
    const truth = sim.truth(course.id);
    for (const s of page.students) expect(s.progression?.completed).toBe(truth.get(s.id)?.completedCount);
    expect(sim.stats().calls.graphql).toBe(1);
  });

  it('leaves teachers out and pages with cursors', async () => {
    const sim = await startSim({ studentsPerCourse: 45 });
    const course = sim.data.courses[0];
    const api = apiFor(sim);
    const first = await api.fetchProgressionPage(course.id, { first: 20 });
    const second = await api.fetchProgressionPage(course.id, { first: 20, after: first.endCursor ?? undefined });
    const third = await api.fetchProgressionPage(course.id, { first: 20, after: second.endCursor ?? undefined });
    expect([first, second, third].map((p) => [p.students.length, p.hasNextPage])).toEqual([
      [20, true],
      [20, true],
      [5, false],
    ]);
    const teacherIds = course.enrollments.filter((e) => e.type === 'TeacherEnrollment').map((e) => e.userId);
    const ids = [first, second, third].flatMap((p) => p.students.map((s) => s.id));
    expect(ids.some((id) => teacherIds.includes(id))).toBe(false);
    expect(new Set(ids).size).toBe(45);
  });

  it('flags a student whose incomplete items overflow a connection page', async () => {
    const sim = await startSim({ studentsPerCourse: 30, itemsPerModule: 130, modules: 2, induction: false });
    const course = sim.data.courses[0];
    const students = await allProgression(apiFor(sim), course.id);
    const truth = sim.truth(course.id);
    for (const s of students) {
      const overflow = course.modules.some(
        (m) => m.items.filter((i) => i.requirement && truth.get(s.id)?.incompleteItemIds.includes(i.id)).length > 100,
      );
      expect(s.truncated).toBe(overflow);
    }
    expect(students.some((s) => s.truncated)).toBe(true);
  });

  it('answers a hidden course with CanvasNotFoundError and bad queries with CanvasGraphQLError', async () => {
    const data = testCohort({ courses: 2 });
    const sim = await startSim({}, { data, courseFaults: { [data.courses[0].id]: 404 } });
    const client = clientFor(sim);
    await expect(new CanvasApi(client).fetchProgressionPage(data.courses[0].id)).rejects.toMatchObject({
      id: 'canvas_not_found',
    });
    await expect(client.graphql('{ course(id: "1") { nope } }')).rejects.toBeInstanceOf(CanvasGraphQLError);
    expect((await new CanvasApi(client).fetchProgressionPage(data.courses[1].id)).students).toHaveLength(30);
  });
});
