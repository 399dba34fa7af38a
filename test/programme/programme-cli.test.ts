import { generateCohort, startCanvasSimulator, type CanvasSimulator, type SimCourse } from '../../canvas-sim';
import { Store } from '../../src/db/store';
import { CourseLinks } from '../../src/programme';
import { addPlatform, cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';

const ISSUER = 'https://canvas.example.org';
const CLIENT_ID = '10000000000001';
const PLATFORM = { issuer: ISSUER, clientId: CLIENT_ID };

let env: CliEnvironment;
let sim: CanvasSimulator;
let ectCourse: SimCourse;
let mentorCourse: SimCourse;
let spareCourse: SimCourse;

const link = (...args: string[]) => cli(['programme', 'link', ...args]);

/** The course links on the CLI's database, read through the same store class the CLI uses. */
const courseLinks = () => new CourseLinks(new Store(env.db));

const getCourseLink = (courseId: string) => courseLinks().get(PLATFORM, courseId);
const findProgrammeOfCourse = (courseId: string) => courseLinks().findProgrammeOfCourse(PLATFORM, courseId);

/** What the default rules call required self-study, read independently from the simulator's data. */
function requiredSelfStudy(course: SimCourse, moduleName: string): number {
  const module = course.modules.find((m) => m.name === moduleName)!;
  return module.items.filter(
    (i) => i.requirement !== null && i.type !== 'SubHeader' && !/^(Mentor meeting|Training event)/.test(i.title) && !/^Module \d+ audit$/.test(i.title),
  ).length;
}

beforeAll(async () => {
  env = await useCliEnvironment();
  sim = await startCanvasSimulator({ data: generateCohort({ seed: 'programme-link', courses: 3, studentsPerCourse: 3 }), latencyMs: 0 });
  [ectCourse, mentorCourse, spareCourse] = sim.data.courses;
  await addPlatform(ISSUER, CLIENT_ID);
});
afterAll(async () => {
  await sim.close();
  await env.close();
});

describe('programme link', () => {
  it('refuses while no Canvas connection is saved for the platform, storing nothing', async () => {
    const result = await link('--course', ectCourse.id, '--programme', 'ect', '--cohort', 'September 2024');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`No Canvas connection is saved for ${ISSUER} (client id ${CLIENT_ID}). Save one with \`ecf-progress canvas connect\`.`);
    expect(await env.db.collection('ecf_course_links').countDocuments()).toBe(0);
  });

  it('links a course and reports how its modules matched', async () => {
    const connected = await cli(['canvas', 'connect', '--base-url', sim.url, '--token-file', writeTempFile('token', sim.token)]);
    expect(connected.code).toBe(0);

    const result = await link('--course', ectCourse.id, '--programme', 'ect', '--cohort', '  September   2024 ');
    expect(result.code).toBe(0);
    const module1 = ectCourse.modules.find((m) => m.name === 'Module 1: Enabling pupil learning')!;
    const induction = ectCourse.modules.find((m) => m.name === 'Induction')!;
    expect(result.stdout).toContain(`Linked course ${ectCourse.id} to the early career teacher (ect) programme, cohort "September 2024"`);
    expect(result.stdout).toContain('Matched Canvas modules (9):');
    expect(result.stdout).toContain(`"Module 1: Enabling pupil learning" (Canvas module ${module1.id}) → programme module 1 (by title)`);
    expect(result.stdout).toMatch(/items: \d+ self-study, (1|2) mentor meeting, 1 event, 1 audit, 1 header; required self-study: \d+/);
    expect(result.stdout).toContain(`Canvas modules not matched to a programme module (their items do not count):\n  "Induction" (Canvas module ${induction.id})`);
    expect(result.stdout).not.toContain('Programme modules with no Canvas module');
    const perModule = ectCourse.modules.filter((m) => m.name !== 'Induction').map((m, i) => `${i + 1}: ${requiredSelfStudy(ectCourse, m.name)}`);
    expect(result.stdout).toContain(`Required self-study items per programme module: ${perModule.join(', ')}`);
  });

  it('stores the link with its programme, cohort, map and overrides', async () => {
    const stored = await env.db.collection('ecf_course_links').findOne({ courseId: ectCourse.id });
    expect(stored).toMatchObject({
      _id: JSON.stringify([ISSUER, CLIENT_ID, ectCourse.id]),
      issuer: ISSUER,
      clientId: CLIENT_ID,
      programme: 'ect',
      cohort: 'September 2024',
      moduleMap: {},
      classificationOverrides: { items: {}, titles: [] },
    });
    expect(stored!.linkedAt).toBeInstanceOf(Date);
    await expect(findProgrammeOfCourse(ectCourse.id)).resolves.toBe('ect');
  });

  it('maps a module whose title does not say its number, and applies a classification file', async () => {
    const renamed = mentorCourse.modules.find((m) => m.name.startsWith('Module 3:'))!;
    renamed.name = 'Pedagogy for mentors';
    const event = renamed.items.find((i) => i.title.startsWith('Training event'))!;
    const overrides = writeTempFile('classify.json', JSON.stringify({ items: { [event.id]: 'self-study' }, titles: [{ pattern: '^mentor meeting', class: 'event' }] }));

    const unmapped = await link('--course', mentorCourse.id, '--programme', 'mentor', '--cohort', 'September 2024');
    expect(unmapped.code).toBe(0);
    expect(unmapped.stdout).toContain(`"Pedagogy for mentors" (Canvas module ${renamed.id})`);
    expect(unmapped.stdout).toContain('Programme modules with no Canvas module: 3.');

    const result = await link('--course', mentorCourse.id, '--programme', 'mentor', '--cohort', 'September 2024', '--module-map', `${renamed.id}=3`, '--classify-file', overrides);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Relinked course ${mentorCourse.id} to the mentor programme`);
    expect(result.stdout).toContain(`"Pedagogy for mentors" (Canvas module ${renamed.id}) → programme module 3 (by --module-map)`);
    expect(result.stdout).not.toContain('mentor meeting,');
    expect(result.stdout).not.toContain('Programme modules with no Canvas module');

    const stored = await getCourseLink(mentorCourse.id);
    expect(stored?.moduleMap).toEqual({ [renamed.id]: 3 });
    expect(stored?.classificationOverrides).toEqual({ items: { [event.id]: 'self-study' }, titles: [{ pattern: '^mentor meeting', class: 'event' }] });
  });

  it('refuses a map naming a Canvas module the course does not have', async () => {
    const result = await link('--course', spareCourse.id, '--programme', 'mentor', '--cohort', 'January 2025', '--module-map', '424242=2');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--module-map names Canvas modules that course ${spareCourse.id} does not have: 424242`);
    await expect(getCourseLink(spareCourse.id)).resolves.toBeNull();
  });

  it('refuses a second course of the same programme for one cohort', async () => {
    const result = await link('--course', spareCourse.id, '--programme', 'ect', '--cohort', 'September 2024');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cohort "September 2024" already has a ect course (${ectCourse.id}) on this platform`);
    await expect(getCourseLink(spareCourse.id)).resolves.toBeNull();
  });

  it('refuses when Canvas does not know the course', async () => {
    const result = await link('--course', '999999', '--programme', 'ect', '--cohort', 'April 2025');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Canvas did not list the modules of course 999999: Canvas found nothing');
    await expect(getCourseLink('999999')).resolves.toBeNull();
  });

  it.each([
    [['--course', 'abc', '--programme', 'ect', '--cohort', 'X'], '--course must be a Canvas course id'],
    [['--course', '1', '--programme', 'teacher', '--cohort', 'X'], '--programme must be ect or mentor'],
    [['--course', '1', '--programme', 'ect', '--cohort', '   '], '--cohort must be a name'],
    [['--course', '1', '--programme', 'ect', '--cohort', 'X', '--module-map', '5=12'], 'module 12 is not a module of this programme'],
    [['--course', '1', '--programme', 'ect', '--cohort', 'X', '--classify-file', '/nonexistent.json'], 'Cannot read --classify-file /nonexistent.json'],
  ])('refuses %j', async (args, message) => {
    const result = await link(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('refuses a classification file with a bad class, naming the field', async () => {
    const file = writeTempFile('bad.json', JSON.stringify({ items: { '1': 'lecture' } }));
    const result = await link('--course', spareCourse.id, '--programme', 'ect', '--cohort', 'X', '--classify-file', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: items.1:`);
  });
});

describe('reading links', () => {
  it('lists links with their cohort and programme', async () => {
    const result = await cli(['programme', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${ISSUER} (client id ${CLIENT_ID})`);
    expect(result.stdout).toContain(`cohort "September 2024"  ect     course ${ectCourse.id}`);
    expect(result.stdout).toContain(`cohort "September 2024"  mentor  course ${mentorCourse.id}  (1 mapped module(s), 2 classification override(s))`);
  });

  it('lists links as JSON', async () => {
    const result = await cli(['programme', 'list', '--json']);
    const links = JSON.parse(result.stdout) as { courseId: string; programme: string }[];
    expect(links.map((l) => [l.courseId, l.programme]).sort()).toEqual([[ectCourse.id, 'ect'], [mentorCourse.id, 'mentor']].sort());
  });

  it('gives the roster import the cohorts that have a linked course', async () => {
    const [all, elsewhere, links] = await Promise.all([
      courseLinks().cohortsWithLinks(),
      courseLinks().cohortsWithLinks({ issuer: 'https://other.example.org', clientId: '1' }),
      courseLinks().list(PLATFORM),
    ]);
    expect(all).toEqual(new Set(['September 2024']));
    expect(elsewhere).toEqual(new Set());
    expect(links.map((l) => l.programme)).toEqual(['ect', 'mentor']);
  });
});

describe('programme unlink', () => {
  it('removes a link, and says when there is none', async () => {
    const result = await cli(['programme', 'unlink', '--course', mentorCourse.id]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Unlinked course ${mentorCourse.id}`);
    await expect(getCourseLink(mentorCourse.id)).resolves.toBeNull();
    await expect(findProgrammeOfCourse(ectCourse.id)).resolves.toBe('ect');

    const again = await cli(['programme', 'unlink', '--course', mentorCourse.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Course ${mentorCourse.id} is not linked for ${ISSUER}`);
  });
});
