import request from 'supertest';
import { generateCohort, startCanvasSimulator, type CanvasSimulator, type Cohort } from '../../canvas-sim';
import type { DevPlatform } from '../../dev-platform';
import type { DemoUser } from '../../dev-platform/demo-data';
import { launchTool } from '../../dev-platform/launcher';
import { CanvasClient } from '../../src/canvas';
import { courseKeyId } from '../../src/domain';
import { createLogger } from '../../src/log/logger';
import type { CourseLink } from '../../src/programme/links';
import type { SyncRun } from '../../src/sync/runs';
import { SyncService } from '../../src/sync/service';
import { expectedProgress } from '../support/expected-progress';
import { startTestService, type TestService } from '../support/service';
import { startIndependentPlatform } from './support';

let t: TestService;
let platform: DevPlatform;
let closePlatform: () => Promise<void>;
let sim: CanvasSimulator;
const OTHER_COURSE = '777777';
let run: SyncRun;

/**
 * Gives one simulator student of `course` the platform user's id, and the course the id that
 * user launches from. @returns a classmate whose numbers differ, for the wrong-person checks.
 */
function adopt(cohort: Cohort, course: Cohort['courses'][number], user: DemoUser): string {
  const students = course.enrollments.filter((e) => e.type === 'StudentEnrollment').map((e) => e.userId);
  const from = students[3];
  const to = user.canvasUserId;
  cohort.users.set(to, { ...cohort.users.get(from)!, id: to });
  for (const e of course.enrollments) if (e.userId === from) e.userId = to;
  course.completions.set(to, course.completions.get(from) ?? new Map());
  course.completions.delete(from);
  course.id = user.course.canvasCourseId;
  const size = (id: string) => course.completions.get(id)?.size ?? 0;
  return students.find((id) => id !== from && size(id) !== size(to))!;
}

const classmates: Partial<Record<'ect' | 'mentor', string>> = {};

beforeAll(async () => {
  t = await startTestService();
  ({ platform, close: closePlatform } = await startIndependentPlatform(t.url));
  await t.runtime.registry.add(platform.registrationForTool);
  const cohort = generateCohort({ seed: 5, courses: 2, studentsPerCourse: 20 });
  classmates.ect = adopt(cohort, cohort.courses[0], platform.users.ect);
  classmates.mentor = adopt(cohort, cohort.courses[1], platform.users.mentor);
  sim = await startCanvasSimulator({ data: cohort, latencyMs: 1, perStudentLatencyMs: 0 });
  const key = { issuer: platform.issuer, clientId: platform.clientId };
  for (const role of ['ect', 'mentor'] as const) {
    const courseId = platform.users[role].course.canvasCourseId;
    await t.runtime.stores.links.save({ _id: courseKeyId(key, courseId), ...key, courseId, programme: role, cohort: 'C', moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  }
  // Another platform's course in the same run: Canvas has never heard of it, so it fails.
  const other = { issuer: 'https://other-canvas.example.org', clientId: '99' };
  await t.runtime.stores.links.save({ _id: courseKeyId(other, OTHER_COURSE), ...other, courseId: OTHER_COURSE, programme: 'ect', cohort: 'C', moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  const sync = new SyncService({ logger: createLogger('silent'), stores: t.runtime.stores, listLinks: () => t.runtime.stores.store.collection<CourseLink>('course_links').find({}).toArray(), clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'test' }), afterCommit: (cohorts) => t.runtime.stores.readModel.refreshCohorts(cohorts) });
  run = await sync.run({ trigger: 'test' });
  expect(run.courses.map((c) => [c.courseId, c.status]).sort()).toEqual([[OTHER_COURSE, 'failed'], [platform.users.ect.course.canvasCourseId, 'synced'], [platform.users.mentor.course.canvasCourseId, 'synced']].sort());
});
afterAll(async () => {
  await sim.close();
  await closePlatform();
  await t.close();
});

function expectedPercentages(role: 'ect' | 'mentor', userId: string): string[] {
  const figures = expectedProgress(sim, platform.users[role].course.canvasCourseId).figures.get(userId)!;
  return figures.modules.map((percent) => (percent === null ? 'no online items' : `${percent}%`));
}

function shownPercentages(html: string): string[] {
  return [...html.matchAll(/<td><strong>(\d+%)<\/strong>|<td class="muted">(no online items)<\/td>/g)].map((m) => m[1] ?? m[2]);
}

describe('“My progress” shows each person their own synced numbers, and only theirs', () => {
  it.each(['ect', 'mentor'] as const)('for the %s who launched', async (role) => {
    const launched = await launchTool({ toolUrl: t.url, platform, user: role, initiation: { custom: { ecf_view: 'progress' } }, crossSite: true });
    expect(launched.finalUrl).toMatch(/\/progress$/);
    const mine = shownPercentages(launched.body);
    expect(mine).toEqual(expectedPercentages(role, platform.users[role].canvasUserId));
    const classmate = classmates[role]!;
    expect(mine).not.toEqual(expectedPercentages(role, classmate));
    const page = await request(t.url).get(new URL(launched.finalUrl).pathname + '?user=' + classmate);
    expect(shownPercentages(page.text)).toEqual(mine);
  });
});

describe('the admin page shows its own platform’s sync, and nothing of another platform’s', () => {
  it('lists this platform’s course and counts only its participants, requests and errors', async () => {
    const launched = await launchTool({ toolUrl: t.url, platform, user: 'admin', crossSite: true });
    expect(launched.body).toContain('Recent sync runs');
    for (const role of ['ect', 'mentor'] as const) {
      expect(launched.body).toContain(`<tr id="course-${platform.users[role].course.canvasCourseId}">`);
      expect(launched.body).toContain(`Canvas course ${platform.users[role].course.canvasCourseId}</span>`);
    }
    expect(launched.body).not.toContain(OTHER_COURSE);
    const cell = (label: string) => [...launched.body.matchAll(new RegExp(`<td class="num" data-label="${label}">(\\d+)</td>`, 'g'))].map((m) => Number(m[1]));
    const [courses, participants, requests, errors] = ['Courses', 'Participants', 'Canvas requests', 'Errors'].map((label) => cell(label)[0]);
    expect([courses, participants, errors]).toEqual([2, 40, 0]);
    const own = run.byPlatform.find((p) => p.issuer === platform.issuer)!;
    expect(requests).toBe(own.requests);
    expect(run.requests).toBeGreaterThan(own.requests);
  });
});
