import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { CanvasSimulator } from '../../canvas-sim';
import { addPlatform, cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';
import { expectedProgress } from '../support/expected-progress';
import { startSimulator } from '../sync/helpers';

const ISSUER = 'https://canvas.example.org';
const COHORT = 'September 2025';

let env: CliEnvironment;
let sim: CanvasSimulator;

beforeAll(async () => {
  env = await useCliEnvironment();
  sim = await startSimulator({ students: 12, courses: 2, seed: 21 });
  await addPlatform(ISSUER, '10000000000001');
  expect((await cli(['canvas', 'connect', '--base-url', sim.url, '--token-file', writeTempFile('token', sim.token)])).code).toBe(0);
  const [ectCourse, mentorCourse] = sim.data.courses;
  expect((await cli(['programme', 'link', '--course', ectCourse.id, '--programme', 'ect', '--cohort', COHORT])).code).toBe(0);
  expect((await cli(['programme', 'link', '--course', mentorCourse.id, '--programme', 'mentor', '--cohort', COHORT])).code).toBe(0);
});
afterAll(async () => {
  await sim.close();
  await env.close();
});

const pct = (done: number, total: number | null) => (total ? Math.floor((done * 100) / total) : null);

function studentOf(courseIndex: number, n: number) {
  const course = sim.data.courses[courseIndex];
  const userId = course.enrollments.filter((e) => e.type === 'StudentEnrollment')[n].userId;
  return { course, user: sim.data.users.get(userId)! };
}

describe('progress export', () => {
  it('writes one row per participant with the definitions applied, from roster and Canvas together', async () => {
    const byCanvasId = studentOf(0, 0);
    const bySis = studentOf(0, 1);
    const byEmail = studentOf(0, 2);
    const mentor = studentOf(1, 0);
    const schools = ['urn,name,delivery_partner,contact_emails', '131245,Brookfield Primary School,Northern Hub,office@brookfield.example.org'];
    expect((await cli(['schools', 'import', writeTempFile('schools.csv', schools.join('\n'))])).code).toBe(0);
    const roster = [
      'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
      `${mentor.user.id},,${mentor.user.email},Morgan Mentor,mentor,131245,${COHORT},,,active`,
      `${byCanvasId.user.id},,,Casey Canvas,ect,131245,${COHORT},Group Z,${mentor.user.email},active`,
      `,${bySis.user.sisUserId},,Sam Sis,ect,131245,${COHORT},,${mentor.user.email},active`,
      `,,${byEmail.user.email.toUpperCase()},Emma Email,ect,131245,${COHORT},,${mentor.user.email},active`,
      `,,nobody@example.org,Nia Notyet,ect,131245,${COHORT},,${mentor.user.email},active`,
    ];
    const imported = await cli(['roster', 'import', writeTempFile('roster.csv', roster.join('\n'))]);
    expect(imported.code).toBe(0);

    const synced = await cli(['sync']);
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(/2 of 2 courses synced, 24 participants/);

    const run = await cli(['progress', '--cohort', COHORT, '--format', 'json']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, string | number | null>[];
    expect(rows).toHaveLength(24 + 1);

    const expectRow = (name: string, courseIndex: number, userId: string) => {
      const row = rows.find((r) => r.name === name)!;
      const expected = expectedProgress(sim, sim.data.courses[courseIndex].id);
      const done = expected.students.get(userId)!;
      const modules = expected.totals.map((total, i) => pct(done[i], total));
      expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => row[`module_${n}`])).toEqual(modules);
      const totalSum = expected.totals.reduce<number>((a, t) => a + (t ?? 0), 0);
      expect(row.overall_online_pct).toBe(Math.floor((done.reduce((a, d) => a + d, 0) * 100) / totalSum));
      expect(row.canvas_user_id).toBe(userId);
      expect(row.school_urn).toBe('131245');
      expect(row.data_as_of).toMatch(/^\d{4}-\d\d-\d\dT/);
      return row;
    };
    expect(expectRow('Casey Canvas', 0, byCanvasId.user.id).group).toBe('Group Z');
    expect(expectRow('Sam Sis', 0, bySis.user.id).group).toBe(sim.data.courses[0].sections.find((s) => s.id === sim.data.courses[0].enrollments.find((e) => e.userId === bySis.user.id)!.sectionId)!.name);
    expectRow('Emma Email', 0, byEmail.user.id);
    expect(expectRow('Morgan Mentor', 1, mentor.user.id).role).toBe('mentor');

    const notYet = rows.find((r) => r.name === 'Nia Notyet')!;
    expect(notYet.module_1).toBeNull();
    expect(notYet.data_as_of).toBeNull();
    const unknownToRoster = rows.filter((r) => r.school_urn === null);
    expect(unknownToRoster).toHaveLength(24 - 4);
  });

  it('writes CSV with the documented header to a file', async () => {
    const out = writeTempFile('progress.csv', '');
    const run = await cli(['progress', '--cohort', COHORT, '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`to ${out}`);
    const text = fs.readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe('canvas_user_id,email,name,role,school_urn,cohort,group,module_1,module_2,module_3,module_4,module_5,module_6,module_7,module_8,module_9,overall_online_pct,events_attended,events_total,data_as_of');
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(25);
    expect(records.every((r) => r.cohort === COHORT)).toBe(true);
  });

  it('fails clearly for an unknown cohort or format', async () => {
    const unknown = await cli(['progress', '--cohort', 'Nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No participants found for cohort "Nope"');
    expect((await cli(['progress', '--cohort', COHORT, '--format', 'xml'])).code).toBe(2);
  });
});
