import request from 'supertest';
import { generateCohort, startCanvasSimulator, type CanvasSimulator, type Cohort } from '../../canvas-sim';
import type { DevPlatform } from '../../dev-platform';
import { launchTool } from '../../dev-platform/launcher';
import { CanvasClient } from '../../src/canvas';
import { createLogger } from '../../src/log/logger';
import { courseLinkId, courseLinks } from '../../src/programme/links';
import type { SyncRun } from '../../src/sync/runs';
import { SyncService } from '../../src/sync/service';
import { expectedProgress } from '../sync/helpers';
import { startTestService, type TestService } from '../support/service';
import { startIndependentPlatform } from './support';

let t: TestService;
let platform: DevPlatform;
let closePlatform: () => Promise<void>;
let sim: CanvasSimulator;
const OTHER_COURSE = '777777';
let run: SyncRun;

/** Gives two simulator students the platform's ECT and mentor ids, and the course its id. */
function adopt(cohort: Cohort, courseId: string, userIds: string[]): string[] {
  const course = cohort.courses[0];
  const students = course.enrollments.filter((e) => e.type === 'StudentEnrollment');
  const originals = userIds.map((_, i) => students[i * 7 + 3].userId);
  originals.forEach((from, i) => {
    const to = userIds[i];
    cohort.users.set(to, { ...cohort.users.get(from)!, id: to });
    for (const e of course.enrollments) if (e.userId === from) e.userId = to;
    course.completions.set(to, course.completions.get(from) ?? new Map());
    course.completions.delete(from);
  });
  course.id = courseId;
  return originals;
}

beforeAll(async () => {
  t = await startTestService();
  ({ platform, close: closePlatform } = await startIndependentPlatform(t.url));
  await t.runtime.registry.add(platform.registrationForTool);
  const cohort = generateCohort({ seed: 5, courses: 1, studentsPerCourse: 20 });
  adopt(cohort, platform.course.canvasCourseId, [platform.users.ect.canvasUserId, platform.users.mentor.canvasUserId]);
  sim = await startCanvasSimulator({ data: cohort, latencyMs: 1, perStudentLatencyMs: 0 });
  const key = { issuer: platform.issuer, clientId: platform.clientId };
  await courseLinks().insertOne({ _id: courseLinkId(key, platform.course.canvasCourseId), ...key, courseId: platform.course.canvasCourseId, programme: 'ect', cohort: 'C', moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  // Another platform's course in the same run: Canvas has never heard of it, so it fails.
  const other = { issuer: 'https://other-canvas.example.org', clientId: '99' };
  await courseLinks().insertOne({ _id: courseLinkId(other, OTHER_COURSE), ...other, courseId: OTHER_COURSE, programme: 'ect', cohort: 'C', moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  const sync = new SyncService({ logger: createLogger('silent'), listLinks: () => courseLinks().find({}).toArray(), clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'test' }) });
  run = await sync.run({ trigger: 'test' });
  expect(run.courses.map((c) => [c.courseId, c.status]).sort()).toEqual([[OTHER_COURSE, 'failed'], [platform.course.canvasCourseId, 'synced']].sort());
});
afterAll(async () => {
  await sim.close();
  await closePlatform();
  await t.close();
});

function expectedPercentages(userId: string): string[] {
  const expected = expectedProgress(sim, platform.course.canvasCourseId);
  const done = expected.students.get(userId)!;
  return expected.totals.map((total, i) => (total ? `${Math.floor((done[i] * 100) / total)}%` : 'no online items'));
}

function shownPercentages(html: string): string[] {
  return [...html.matchAll(/<td><strong>(\d+%)<\/strong>|<td class="muted">(no online items)<\/td>/g)].map((m) => m[1] ?? m[2]);
}

describe('“My progress” shows each person their own synced numbers, and only theirs', () => {
  it.each(['ect', 'mentor'] as const)('for the %s who launched', async (role) => {
    const launched = await launchTool({ toolUrl: t.url, platform, user: role, initiation: { custom: { ecf_view: 'progress' } }, crossSite: true });
    expect(launched.finalUrl).toMatch(/\/progress$/);
    const mine = shownPercentages(launched.body);
    expect(mine).toEqual(expectedPercentages(platform.users[role].canvasUserId));
    const other = role === 'ect' ? 'mentor' : 'ect';
    expect(mine).not.toEqual(expectedPercentages(platform.users[other].canvasUserId));
    const page = await request(t.url).get(new URL(launched.finalUrl).pathname + '?user=' + platform.users[other].canvasUserId);
    expect(shownPercentages(page.text)).toEqual(mine);
  });
});

describe('the admin page shows its own platform’s sync, and nothing of another platform’s', () => {
  it('lists this platform’s course and counts only its participants, requests and errors', async () => {
    const launched = await launchTool({ toolUrl: t.url, platform, user: 'admin', crossSite: true });
    expect(launched.body).toContain('Recent sync runs');
    expect(launched.body).toContain(`<td data-label="Course">${platform.course.canvasCourseId}</td>`);
    expect(launched.body).not.toContain(OTHER_COURSE);
    const cell = (label: string) => [...launched.body.matchAll(new RegExp(`<td class="num" data-label="${label}">(\\d+)</td>`, 'g'))].map((m) => Number(m[1]));
    const [courses, participants, requests, errors] = ['Courses', 'Participants', 'Canvas requests', 'Errors'].map((label) => cell(label)[0]);
    expect([courses, participants, errors]).toEqual([1, 20, 0]);
    const own = run.byPlatform.find((p) => p.issuer === platform.issuer)!;
    expect(requests).toBe(own.requests);
    expect(run.requests).toBeGreaterThan(own.requests);
  });
});
