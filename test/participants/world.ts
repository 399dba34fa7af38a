import { generateCohort, startCanvasSimulator, type CanvasSimulator, type Cohort } from '../../canvas-sim';
import type { DevPlatform } from '../../dev-platform';
import type { DemoUser } from '../../dev-platform/demo-data';
import { launchTool, type LaunchResult } from '../../dev-platform/launcher';
import { courseKeyId } from '../../src/domain';
import { startIndependentPlatform } from '../lti/support';
import { expectedProgress } from '../support/expected-progress';
import { startTestService, type TestService } from '../support/service';

export const COHORT = 'Participant pages';
/** The platform's ECT and mentor are in group A, the other ECT and mentor in group B. */
export const GROUP_A = 'Group A';
export const GROUP_B = 'Group B';

/** Gives the simulator student at `index` of `course` the platform user's ids; returns the student's old id. */
function adopt(cohort: Cohort, course: Cohort['courses'][number], user: DemoUser, index: number): void {
  const students = course.enrollments.filter((e) => e.type === 'StudentEnrollment').map((e) => e.userId);
  const from = students[index];
  const to = user.canvasUserId;
  cohort.users.set(to, { ...cohort.users.get(from)!, id: to, email: user.email });
  cohort.users.delete(from);
  for (const e of course.enrollments) if (e.userId === from) e.userId = to;
  course.completions.set(to, course.completions.get(from) ?? new Map());
  course.completions.delete(from);
  course.id = user.course.canvasCourseId;
}

export interface World {
  /** The running tool; a test may replace it with a restarted one on the same database. */
  t: TestService;
  platform: DevPlatform;
  sim: CanvasSimulator;
  cohort: Cohort;
  /** Another ECT of the course and their own mentor: the wrong people for the platform's ECT and mentor. */
  otherEct: { id: string; email: string };
  otherMentor: { id: string; email: string };
  launch(user: 'ect' | 'mentor' | 'facilitator' | 'admin', custom?: Record<string, string>, on?: DevPlatform): Promise<LaunchResult>;
  /** The session's base path, `/s/<id>/`. */
  baseOf(result: LaunchResult): string;
  /** The simulator's own figures for one student of one course. */
  truth(role: 'ect' | 'mentor', userId: string): { modules: (number | null)[]; overall: number | null };
  /** Makes the platform's facilitator run these groups of the cohort (and no others). */
  assignFacilitator(groups: string[]): Promise<void>;
  /** Roster rows: the platform's mentor paired with its ECT, the other mentor with the other ECT (or, with `swap`, the other way round). */
  importRoster(options?: { swap?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The tool with a registered platform, the Canvas simulator holding an ECT course and a mentor
 * course (the platform's ECT and mentor are students in them), both linked to one cohort, a
 * roster pairing mentors with ECTs, and a full sync: what every participant page test starts from.
 */
export async function startWorld(seed = 21): Promise<World> {
  const t = await startTestService();
  const independent = await startIndependentPlatform(t.url);
  const { platform } = independent;
  await t.runtime.registry.add(platform.registrationForTool);
  const cohort = generateCohort({ seed, courses: 2, studentsPerCourse: 12 });
  adopt(cohort, cohort.courses[0], platform.users.ect, 3);
  adopt(cohort, cohort.courses[1], platform.users.mentor, 3);
  const sim = await startCanvasSimulator({ data: cohort, latencyMs: 1, perStudentLatencyMs: 0 });
  const key = { issuer: platform.issuer, clientId: platform.clientId };
  await t.runtime.stores.connections.save(key, { baseUrl: sim.url, token: sim.token });
  for (const role of ['ect', 'mentor'] as const) {
    const courseId = platform.users[role].course.canvasCourseId;
    await t.runtime.stores.links.save({ _id: courseKeyId(key, courseId), ...key, courseId, programme: role, cohort: COHORT, moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  }
  const studentOf = (course: number, index: number) => {
    const id = cohort.courses[course].enrollments.filter((e) => e.type === 'StudentEnrollment')[index].userId;
    return { id, email: cohort.users.get(id)!.email! };
  };
  const otherEct = studentOf(0, 5);
  const otherMentor = studentOf(1, 5);
  const ect = { id: platform.users.ect.canvasUserId, email: platform.users.ect.email };
  const mentor = { id: platform.users.mentor.canvasUserId, email: platform.users.mentor.email };

  const world: World = {
    t,
    platform,
    sim,
    cohort,
    otherEct,
    otherMentor,
    launch: (user, custom, on = platform) => launchTool({ toolUrl: world.t.url, platform: on, user, crossSite: true, ...(custom ? { initiation: { custom } } : {}) }),
    baseOf: (result) => new URL(result.finalUrl).pathname.replace(/^(\/s\/[^/]+\/).*$/, '$1'),
    truth: (role, userId) => expectedProgress(sim, platform.users[role].course.canvasCourseId).figures.get(userId)!,
    importRoster: async (options = {}) => {
      const [ectMentor, otherEctMentor] = options.swap ? [otherMentor, mentor] : [mentor, otherMentor];
      const row = (who: { id: string; email: string }, name: string, role: string, group: string, mentorEmail = '') => [who.id, '', who.email, name, role, '131245', COHORT, group, mentorEmail, 'active'].join(',');
      const roster = [
        'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
        row(mentor, platform.users.mentor.name, 'mentor', GROUP_A),
        row(otherMentor, 'Other Mentor', 'mentor', GROUP_B),
        row(ect, platform.users.ect.name, 'ect', GROUP_A, ectMentor.email),
        row(otherEct, 'Other Ect', 'ect', GROUP_B, otherEctMentor.email),
      ].join('\n');
      const report = await world.t.runtime.stores.roster.import(roster);
      if (report.bad.length) throw new Error(JSON.stringify(report.bad));
      await world.t.runtime.stores.readModel.refreshCohort(COHORT);
    },
    assignFacilitator: async (groups) => {
      const rows = [GROUP_A, GROUP_B].map((group) => `${COHORT},${group},${groups.includes(group) ? platform.users.facilitator.email : 'someone.else@example.org'}`);
      const report = await world.t.runtime.stores.groups.import(['cohort,group,facilitator_emails', ...rows].join('\n'));
      if (report.bad.length) throw new Error(JSON.stringify(report.bad));
    },
    close: async () => {
      await sim.close();
      await independent.close();
      await world.t.close();
    },
  };
  const schools = await t.runtime.stores.schools.import('urn,name,delivery_partner,contact_emails\n131245,Brookfield Primary School,Northern Lights,office@example.org');
  if (schools.bad.length) throw new Error(JSON.stringify(schools.bad));
  await world.importRoster();
  await world.assignFacilitator([GROUP_A]);
  const run = await t.runtime.syncService.run({ trigger: 'test', full: true });
  if (run.courses.some((c) => c.status !== 'synced')) throw new Error(`sync failed: ${JSON.stringify(run.courses)}`);
  return world;
}
