import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { CanvasSimulator } from '../../canvas-sim';
import { progressColumns } from '../../src/progress/cohort-report';
import { addPlatform, cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';
import { startSimulator } from '../sync/helpers';

const ISSUER = 'https://canvas.example.org';
const COHORT = 'September 2025';

/** Names and Canvas section names a spreadsheet would run as formulas. */
const HYPERLINK = '=HYPERLINK("http://evil.example","x")';
const PLUS = '+44 Plus Person';
const MINUS = "-2+3+cmd|' /C calc'!A0";
const AT = "@SUM(1+1)*cmd|' /C calc'!A0";
const SECTION_AT = '@SUM(A1:A9)';
const SECTION_EQUALS = '=IMPORTXML("http://evil.example","//a")';
const CANVAS_NAME = '=1+1 Canvas Person';

type JsonRow = Record<string, string | number | null>;

let env: CliEnvironment;
let sim: CanvasSimulator;

const csvQuoted = (cell: string) => `"${cell.replace(/"/g, '""')}"`;

function studentsOf(courseIndex: number) {
  const course = sim.data.courses[courseIndex];
  return course.enrollments.filter((e) => e.type === 'StudentEnrollment').map((e) => ({ user: sim.data.users.get(e.userId)!, sectionId: e.sectionId }));
}

beforeAll(async () => {
  env = await useCliEnvironment();
  sim = await startSimulator({ students: 8, courses: 2, seed: 33 });
  await addPlatform(ISSUER, '10000000000001');
  expect((await cli(['canvas', 'connect', '--base-url', sim.url, '--token-file', writeTempFile('token', sim.token)])).code).toBe(0);
  const [ectCourse, mentorCourse] = sim.data.courses;
  expect((await cli(['programme', 'link', '--course', ectCourse.id, '--programme', 'ect', '--cohort', COHORT])).code).toBe(0);
  expect((await cli(['programme', 'link', '--course', mentorCourse.id, '--programme', 'mentor', '--cohort', COHORT])).code).toBe(0);

  // Canvas students the roster does not know get their section as their group.
  for (const [i, section] of ectCourse.sections.entries()) section.name = i % 2 === 0 ? SECTION_AT : SECTION_EQUALS;
  for (const section of mentorCourse.sections) section.name = SECTION_EQUALS;
  studentsOf(0)[7].user.name = CANVAS_NAME;

  const schools = ['urn,name,delivery_partner,contact_emails', '131245,Brookfield Primary School,Northern Hub,'];
  expect((await cli(['schools', 'import', writeTempFile('schools.csv', schools.join('\n'))])).code).toBe(0);
  const ects = studentsOf(0);
  const mentor = studentsOf(1)[0].user;
  const roster = [
    'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
    `${mentor.id},,,${csvQuoted(HYPERLINK)},mentor,131245,${COHORT},,,active`,
    `${ects[0].user.id},,,${PLUS},ect,131245,${COHORT},Group Z,,active`,
    `${ects[1].user.id},,,${csvQuoted(MINUS)},ect,131245,${COHORT},,,active`,
    `${ects[2].user.id},,,${csvQuoted(AT)},ect,131245,${COHORT},,,active`,
  ];
  const imported = await cli(['roster', 'import', writeTempFile('roster.csv', roster.join('\n'))]);
  expect(imported).toMatchObject({ code: 0, stdout: 'Roster: 4 added, 0 updated, 0 unchanged.\n' });
  expect((await cli(['sync'])).code).toBe(0);
});
afterAll(async () => {
  await sim.close();
  await env.close();
});

async function exportAs(format: 'csv' | 'json'): Promise<string> {
  const out = writeTempFile(`progress.${format}`, '');
  const run = await cli(['progress', '--cohort', COHORT, '--format', format, '--out', out]);
  expect(run.code).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

describe('the progress export and cells a spreadsheet would run', () => {
  let json: JsonRow[];
  let csvText: string;
  let csv: Record<string, string>[];
  beforeAll(async () => {
    json = JSON.parse(await exportAs('json')) as JsonRow[];
    csvText = await exportAs('csv');
    csv = parse(csvText, { columns: true }) as Record<string, string>[];
  });

  const csvRowFor = (canvasUserId: string) => csv.find((r) => r.canvas_user_id === canvasUserId)!;

  it('starts each roster name that begins with =, +, - or @ with a single quote, the name intact after it', () => {
    const names = [HYPERLINK, PLUS, MINUS, AT];
    const rowsByName = names.map((name) => json.find((r) => r.name === name)!);
    expect(rowsByName.every(Boolean)).toBe(true);
    for (const [i, row] of rowsByName.entries()) expect(csvRowFor(String(row.canvas_user_id)).name).toBe(`'${names[i]}`);
    for (const name of names) expect(csvText).toContain(`,${csvQuoted(`'${name}`)},`);
  });

  it('does the same for Canvas section names and Canvas names of students the roster does not know', () => {
    const unknown = json.filter((r) => r.school_urn === null);
    expect(unknown).toHaveLength(16 - 4);
    for (const row of unknown) {
      expect([SECTION_AT, SECTION_EQUALS]).toContain(row.group);
      expect(csvRowFor(String(row.canvas_user_id)).group).toBe(`'${row.group}`);
    }
    expect(new Set(unknown.map((r) => r.group))).toEqual(new Set([SECTION_AT, SECTION_EQUALS]));
    const canvasNamed = unknown.find((r) => r.name === CANVAS_NAME)!;
    expect(csvRowFor(String(canvasNamed.canvas_user_id)).name).toBe(`'${CANVAS_NAME}`);
  });

  it('leaves numbers, harmless text and the JSON export as they are: the CSV is the JSON with formula cells neutralised', () => {
    expect(json.map((r) => r.name)).toEqual(expect.arrayContaining([HYPERLINK, PLUS, MINUS, AT, CANVAS_NAME]));
    expect(csv).toHaveLength(json.length);
    const expected = json.map((row) =>
      Object.fromEntries(progressColumns().map((column) => {
        const value = row[column];
        if (value === null) return [column, ''];
        if (typeof value === 'number') return [column, String(value)];
        return [column, /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value];
      })),
    );
    expect(csv).toEqual(expected);
    const percentages = json.flatMap((row) => [row.module_1, row.overall_online_pct]).filter((value) => value !== null);
    expect(percentages.length).toBeGreaterThan(0);
    expect(percentages.every((value) => typeof value === 'number')).toBe(true);
    expect(csvRowFor(String(json.find((r) => r.name === PLUS)!.canvas_user_id)).group).toBe('Group Z');
  });
});
