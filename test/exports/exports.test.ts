import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import type { GridEntry } from '../../src/cohort';
import { moduleNumbers, moduleOf } from '../../src/curriculum';
import { personKeyId } from '../../src/domain';
import { EXPORT_COLUMNS, type ExportFormat, type ExportScope } from '../../src/exports';
import { cli } from '../support/cli';
import { expectedProgress } from '../support/expected-progress';
import { startIndependentPlatform } from '../lti/support';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';
import { ukDay, RATING_FILES, useProgrammeFiles } from '../cohort/support';
import { binary, Collected, pdfPages } from './support';

/** The header, written out by hand: the contract, not the code's own list. */
const HEADER = [
  'school_urn', 'school_name', 'participant_name', 'email', 'canvas_user_id', 'role', 'cohort', 'group', 'mentor_name', 'status',
  'module_1', 'module_2', 'module_3', 'module_4', 'module_5', 'module_6', 'module_7', 'module_8', 'module_9',
  'overall_online_pct', 'events_attended', 'events_total', 'attendance_pct', 'audits_submitted', 'meetings_recorded', 'last_canvas_activity', 'rag', 'data_as_of',
];

const BROOKFIELD = { urn: '131245', name: 'Brookfield Primary School' };
/** Sorts before Brookfield, so the order by school shows. */
const ALDGATE = { urn: '100002', name: 'Aldgate Academy' };
const EMPTY_SCHOOL = { urn: '100003', name: 'Empty Fields School' };
/** A name outside Western European letters: the PDF's standard fonts could not write it. */
const OTHER_ECT_NAME = 'Łukasz Nguyễn-Ǹgozi';
/** A name a spreadsheet would run as a formula. */
const FORMULA_NAME = '=Other Mentor';

let w: World;
let restore: () => void;

/** Who is on the roster here, written by this test: name, school, group, status, mentor's name. */
interface Rostered {
  id: string;
  email: string;
  name: string;
  role: 'ect' | 'mentor';
  school: { urn: string; name: string };
  group: string;
  status: string;
  mentorName: string | null;
}
let rostered: Rostered[];

beforeAll(async () => {
  restore = useProgrammeFiles(RATING_FILES);
  w = await startWorld(33);
  const schools = await w.t.runtime.stores.schools.import(
    ['urn,name,delivery_partner,contact_emails', ...[BROOKFIELD, ALDGATE, EMPTY_SCHOOL].map((s) => `${s.urn},${s.name},Northern Lights,office@example.org`)].join('\n'),
  );
  expect(schools.bad).toEqual([]);
  const { users } = w.platform;
  rostered = [
    { id: users.mentor.canvasUserId, email: users.mentor.email, name: users.mentor.name, role: 'mentor', school: BROOKFIELD, group: GROUP_A, status: 'active', mentorName: null },
    { id: w.otherMentor.id, email: w.otherMentor.email, name: FORMULA_NAME, role: 'mentor', school: ALDGATE, group: GROUP_B, status: 'active', mentorName: null },
    { id: users.ect.canvasUserId, email: users.ect.email, name: users.ect.name, role: 'ect', school: BROOKFIELD, group: GROUP_A, status: 'active', mentorName: users.mentor.name },
    { id: w.otherEct.id, email: w.otherEct.email, name: OTHER_ECT_NAME, role: 'ect', school: ALDGATE, group: GROUP_B, status: 'withdrawn', mentorName: FORMULA_NAME },
  ];
  const mentorEmail = (r: Rostered) => (r.mentorName === null ? '' : rostered.find((m) => m.role === 'mentor' && m.name === r.mentorName)!.email);
  const roster = [
    'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
    ...rostered.map((r) => [r.id, '', r.email, r.name, r.role, r.school.urn, COHORT, r.group, mentorEmail(r), r.status].join(',')),
  ];
  const report = await w.t.runtime.stores.roster.import(roster.join('\n'));
  expect(report.bad).toEqual([]);
  await w.t.runtime.stores.readModel.refreshCohort(COHORT);

  // Two training events of group A: the ECT at one of them, their mentor at both.
  const { attendance, meetings } = w.t.runtime.stores;
  const takenBy = { ownerId: personKeyId(w.platform, users.facilitator.canvasUserId), name: users.facilitator.name };
  const ect = { key: `canvas:${users.ect.canvasUserId}`, name: users.ect.name, role: 'ect' as const };
  const mentor = { key: `canvas:${users.mentor.canvasUserId}`, name: users.mentor.name, role: 'mentor' as const };
  for (const [days, ectPresent] of [[-9, true], [-2, false]] as const) {
    const event = await attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(days), start_time: '09:30', end_time: '12:00', type: 'face-to-face', module: '1', title: 'Training day', location: 'Leeds' });
    await attendance.saveRegister({ eventId: event._id, basedOn: 0, entries: [{ ...ect, present: ectPresent, reason: ectPresent ? null : 'illness' }, { ...mentor, present: true }], takenBy });
  }
  // The ECT submits module 1's audit at both ends and module 2's start (three), and has one meeting with their mentor.
  const owner = { ownerId: personKeyId(w.platform, users.ect.canvasUserId), cohort: COHORT, programme: 'ect' as const };
  const answers = (module: number) => ({ ratings: moduleOf('ect', module)!.auditStatements.map(() => 3), reflections: moduleOf('ect', module)!.auditStatements.map(() => '') });
  await w.t.runtime.audits.submit(owner, 1, 'start', 1, answers(1));
  await w.t.runtime.audits.submit(owner, 1, 'end', 1, answers(1));
  await w.t.runtime.audits.submit(owner, 2, 'start', 1, answers(2));
  await meetings.record({
    ectOwnerId: owner.ownerId,
    ectKey: ect.key,
    ectName: ect.name,
    mentorOwnerId: personKeyId(w.platform, users.mentor.canvasUserId),
    mentorName: users.mentor.name,
    cohort: COHORT,
    module: 1,
    session: 1,
    date: ukDay(-5),
    focus: 'Expectations and belonging',
    notes: 'Talked through the audit.',
    actions: [],
  });
  await w.t.runtime.boards.refreshCohort(COHORT);
}, 180_000);

/** What this test wrote for group A: events attended of events listed, audits submitted, meetings. */
function recordsOf(canvasUserId: string): { attended: number; total: number; audits: number; meetings: number | null } | null {
  if (canvasUserId === w.platform.users.ect.canvasUserId) return { attended: 1, total: 2, audits: 3, meetings: 1 };
  if (canvasUserId === w.platform.users.mentor.canvasUserId) return { attended: 2, total: 2, audits: 0, meetings: null };
  return null;
}

afterAll(async () => {
  await w?.close();
  restore();
});

async function exported(scope: ExportScope, format: ExportFormat) {
  const out = new Collected();
  const result = await w.t.runtime.exports.write(scope, format, out);
  return { result, buffer: out.buffer };
}

/** The grid's entries of the cohort (what the grid page shows), by read-model key. */
async function gridEntries(): Promise<Map<string, GridEntry>> {
  const { entries } = await w.t.runtime.cohortGrid.ratedCohort(COHORT);
  return new Map(entries.map((e) => [e.row.key, e]));
}

const truthOf = (role: 'ect' | 'mentor', userId: string) => expectedProgress(w.sim, w.platform.users[role].course.canvasCourseId).figures.get(userId);
const enrollmentOf = (userId: string) => w.cohort.courses.flatMap((c) => c.enrollments).find((e) => e.userId === userId && e.type === 'StudentEnrollment');
const iso = (value: string | null | undefined) => (value ? new Date(value).toISOString() : null);
/** OWASP's formula starters, as the export must neutralise them. */
const neutral = (text: string) => (/^[=+\-@\t\r\n]/.test(text) ? `'${text}` : text);

/**
 * One participant's row worked out here: names, schools, groups, statuses and mentors from the
 * roster this test wrote; module and overall figures and last activity from the simulator;
 * attendance, records, rating and data-as-of from the grid's own entry.
 */
function expectedRow(entry: GridEntry): Record<string, string | number | null> {
  const { row } = entry;
  const mine = rostered.find((r) => r.id === row.canvasUserId);
  const truth = truthOf(row.role, row.canvasUserId!);
  if (!truth) throw new Error(`no simulator truth for ${row.key}`);
  const modules: Record<string, number | null> = {};
  for (let n = 1; n <= 9; n += 1) modules[`module_${n}`] = null;
  moduleNumbers(row.role).forEach((number, i) => (modules[`module_${number}`] = truth.modules[i]));
  const user = w.cohort.users.get(row.canvasUserId!)!;
  const attendance = entry.attendance;
  let audits = 0;
  for (const phases of Object.values(entry.records?.audits ?? {})) audits += Object.values(phases).filter((s) => s === 'submitted').length;
  // The grid's own figures agree with what this test wrote, so comparing with either is comparing with both.
  const written = recordsOf(row.canvasUserId!);
  if (written?.meetings) expect({ key: row.key, meetings: entry.records?.meetings }).toEqual({ key: row.key, meetings: written.meetings });
  expect({ key: row.key, attended: attendance?.attended ?? 0, total: attendance?.expected ?? 0, audits }).toEqual({ key: row.key, attended: written?.attended ?? 0, total: written?.total ?? 0, audits: written?.audits ?? 0 });
  return {
    school_urn: mine?.school.urn ?? null,
    school_name: mine?.school.name ?? null,
    participant_name: mine?.name ?? user.name,
    email: (mine?.email ?? user.email).toLowerCase(),
    canvas_user_id: row.canvasUserId,
    role: row.role,
    cohort: COHORT,
    group: mine?.group ?? row.group,
    mentor_name: mine?.mentorName ?? null,
    status: mine?.status ?? 'active',
    ...modules,
    overall_online_pct: truth.overall,
    events_attended: attendance?.attended ?? 0,
    events_total: attendance?.expected ?? 0,
    attendance_pct: attendance?.expected ? Math.round((100 * attendance.attended) / attendance.expected) : null,
    audits_submitted: entry.records ? audits : null,
    meetings_recorded: row.role === 'ect' ? (entry.records?.meetings ?? null) : null,
    last_canvas_activity: iso(enrollmentOf(row.canvasUserId!)?.lastActivityAt),
    rag: mine?.status === 'withdrawn' ? null : entry.rating.rag,
    data_as_of: iso(row.progress?.dataAsOf),
  };
}

/** As a CSV cell reads: blanks empty, numbers in digits, text neutralised. */
const asCsv = (cell: string | number | null) => (cell === null ? '' : typeof cell === 'number' ? String(cell) : neutral(cell));

function expectedOrder(entries: GridEntry[]): string[] {
  const schoolOf = (e: GridEntry) => rostered.find((r) => r.id === e.row.canvasUserId)?.school.name ?? '\uffff';
  const nameOf = (e: GridEntry) => rostered.find((r) => r.id === e.row.canvasUserId)?.name ?? w.cohort.users.get(e.row.canvasUserId!)!.name;
  return [...entries]
    .sort((a, b) => schoolOf(a).localeCompare(schoolOf(b)) || (a.row.role === b.row.role ? 0 : a.row.role === 'ect' ? -1 : 1) || nameOf(a).localeCompare(nameOf(b), 'en-GB', { sensitivity: 'base' }))
    .map((e) => e.row.canvasUserId!);
}

describe('progress exports', () => {
  it('writes a cohort as CSV: BOM, the exact header, one row per participant equal to the grid and the simulator, cell by cell', async () => {
    const { result, buffer } = await exported({ kind: 'cohort', cohort: COHORT }, 'csv');
    expect([...buffer.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buffer.toString('utf8').slice(1);
    const records = parse(text, { relax_column_count: false }) as string[][];
    expect(records[0]).toEqual(HEADER);
    expect(EXPORT_COLUMNS).toEqual(HEADER);
    const entries = await gridEntries();
    expect(entries.size).toBe(24);
    expect(records.length - 1).toBe(24);
    expect(result.rows).toBe(24);
    const seen = new Set<string>();
    for (const cells of records.slice(1)) {
      const id = cells[HEADER.indexOf('canvas_user_id')];
      const entry = entries.get(`canvas:${id}`);
      expect(entry).toBeDefined();
      seen.add(id);
      const expected = expectedRow(entry!);
      HEADER.forEach((column, i) => expect({ id, column, cell: cells[i] }).toEqual({ id, column, cell: asCsv(expected[column]) }));
    }
    expect(seen.size).toBe(24);
    // School name (those with none last), ECTs before mentors, then name.
    expect(records.slice(1).map((c) => c[HEADER.indexOf('canvas_user_id')])).toEqual(expectedOrder([...entries.values()]));
    // The grid's ratings both ways, and a withdrawn person not rated.
    const rags = records.slice(1).map((c) => c[HEADER.indexOf('rag')]);
    expect(rags).toEqual(expect.arrayContaining(['red', 'amber', '']));
    expect(result.dataAsOf).toBe([...entries.values()].map((e) => iso(e.row.progress?.dataAsOf)).sort().at(-1));
  });

  it('neutralises a formula in a name, wherever the name appears, and quotes it', async () => {
    const { buffer } = await exported({ kind: 'school', urn: ALDGATE.urn }, 'csv');
    const text = buffer.toString('utf8');
    expect(text).not.toMatch(/(^|,)=Other Mentor/m);
    const records = parse(text.slice(1)) as string[][];
    const names = records.slice(1).map((c) => [c[HEADER.indexOf('participant_name')], c[HEADER.indexOf('mentor_name')], c[HEADER.indexOf('status')], c[HEADER.indexOf('rag')]]);
    // ECTs first: the withdrawn ECT (no rating) and their mentor, whose name is neutralised both times.
    expect(names).toEqual([
      [OTHER_ECT_NAME, `'${FORMULA_NAME}`, 'withdrawn', ''],
      [`'${FORMULA_NAME}`, '', 'active', expect.stringMatching(/^(red|amber|green)$/)],
    ]);
    expect(text).toContain(`"'${FORMULA_NAME}"`);
  });

  it('writes a school across cohorts with only its own rows, and an empty school with the header alone', async () => {
    const { result, buffer } = await exported({ kind: 'school', urn: BROOKFIELD.urn }, 'csv');
    const records = parse(buffer.toString('utf8').slice(1)) as string[][];
    expect(records.slice(1).map((c) => [c[0], c[2], c[5]])).toEqual([
      [BROOKFIELD.urn, w.platform.users.ect.name, 'ect'],
      [BROOKFIELD.urn, w.platform.users.mentor.name, 'mentor'],
    ]);
    expect(result.rows).toBe(2);
    const empty = await exported({ kind: 'school', urn: EMPTY_SCHOOL.urn }, 'csv');
    expect(empty.result).toEqual({ rows: 0, dataAsOf: null });
    expect(parse(empty.buffer.toString('utf8').slice(1))).toEqual([HEADER]);
    await expect(exported({ kind: 'school', urn: '999999' }, 'csv')).rejects.toThrow(/no school with URN 999999/);
    await expect(exported({ kind: 'cohort', cohort: 'No such cohort' }, 'csv')).rejects.toThrow(/no cohort "No such cohort"/);
  });

  it('writes XLSX with a sheet per role, a bold frozen header, widths, an autofilter and numeric cells equal to the CSV', async () => {
    const { buffer } = await exported({ kind: 'cohort', cohort: COHORT }, 'xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['ECTs', 'Mentors']);
    const entries = await gridEntries();
    const order = expectedOrder([...entries.values()]);
    for (const [sheetName, role] of [['ECTs', 'ect'], ['Mentors', 'mentor']] as const) {
      const sheet = workbook.getWorksheet(sheetName)!;
      expect(sheet.views[0]).toEqual(expect.objectContaining({ state: 'frozen', ySplit: 1 }));
      expect(sheet.getRow(1).values).toEqual([undefined, ...HEADER]);
      for (let c = 1; c <= HEADER.length; c += 1) {
        expect(sheet.getRow(1).getCell(c).font?.bold).toBe(true);
        expect(sheet.getColumn(c).width).toBeGreaterThanOrEqual(7);
      }
      expect(sheet.getColumn(HEADER.indexOf('email') + 1).width).toBeGreaterThan(sheet.getColumn(HEADER.indexOf('module_1') + 1).width!);
      expect(sheet.autoFilter).toBeTruthy();
      const ids: string[] = [];
      for (let r = 2; r <= sheet.rowCount; r += 1) {
        const row = sheet.getRow(r);
        const id = String(row.getCell(HEADER.indexOf('canvas_user_id') + 1).value);
        ids.push(id);
        const expected = expectedRow(entries.get(`canvas:${id}`)!);
        expect(expected.role).toBe(role);
        HEADER.forEach((column, i) => {
          const value = row.getCell(i + 1).value;
          expect({ id, column, value: value === undefined ? null : value }).toEqual({ id, column, value: expected[column] });
        });
      }
      expect(ids).toEqual(order.filter((id) => entries.get(`canvas:${id}`)!.row.role === role));
    }
  });

  it('writes a PDF with each school on its own page(s), naming only its participants, with the summary and reasons', async () => {
    const school = await exported({ kind: 'school', urn: BROOKFIELD.urn }, 'pdf');
    const pages = await pdfPages(school.buffer);
    expect(pages.length).toBe(1);
    expect(pages[0]).toContain(BROOKFIELD.name);
    expect(pages[0]).toContain(`URN ${BROOKFIELD.urn}`);
    expect(pages[0]).toMatch(/Data as of \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} \(UK time\)/);
    expect(pages[0]).toContain(w.platform.users.ect.name);
    expect(pages[0]).toContain(w.platform.users.mentor.name);
    expect(pages[0]).not.toContain(OTHER_ECT_NAME);
    // The summary and each person's attendance, from the registers this test wrote: 1 of 2 and 2 of 2.
    const ectEntry = (await gridEntries()).get(`canvas:${w.platform.users.ect.canvasUserId}`)!;
    const mentorEntry = (await gridEntries()).get(`canvas:${w.platform.users.mentor.canvasUserId}`)!;
    const rags = [ectEntry, mentorEntry].map((e) => e.rating.rag);
    const count = (rag: string) => rags.filter((r) => r === rag).length;
    const mean = Math.round((truthOf('ect', w.platform.users.ect.canvasUserId)!.overall! + truthOf('mentor', w.platform.users.mentor.canvasUserId)!.overall!) / 2);
    expect(pages[0]).toContain(`ECTs 1 Mentors 1 Red ${count('red')} Amber ${count('amber')} Green ${count('green')} Mean online completion ${mean}% Training event attendance 75% (3 of 4)`);
    expect(pages[0]).toContain('1 of 2 (50%)');
    expect(pages[0]).toContain('2 of 2 (100%)');
    const ect = (await gridEntries()).get(`canvas:${w.platform.users.ect.canvasUserId}`)!;
    // The first reason in words, as the grid gives it (pdfkit may break it over lines).
    expect(pages[0]).toContain(ect.rating.reasons[0].text.split(' ').slice(0, 4).join(' '));

    const cohort = await exported({ kind: 'cohort', cohort: COHORT }, 'pdf');
    const cohortPages = await pdfPages(cohort.buffer);
    // Aldgate, Brookfield, then the Canvas-only participants (no school on the roster); each starts a page.
    const titles = [ALDGATE.name, BROOKFIELD.name, 'No school on the roster'];
    const starts = cohortPages.map((text) => titles.find((title) => text.startsWith(title) && !text.startsWith(`${title} (continued)`)) ?? null);
    expect(starts.filter((s) => s !== null)).toEqual(titles);
    // A page that starts no school continues the one before it.
    let current: string | null = null;
    cohortPages.forEach((text, n) => {
      current = starts[n] ?? current;
      expect(text.startsWith(starts[n] ?? `${current} (continued)`)).toBe(true);
    });
    const aldgate = cohortPages[starts.indexOf(ALDGATE.name)];
    expect(aldgate).toContain(OTHER_ECT_NAME);
    expect(aldgate).toContain('Not rated (withdrawn)');
    expect(aldgate).not.toContain(w.platform.users.ect.name);
    const brookfield = cohortPages[starts.indexOf(BROOKFIELD.name)];
    expect(brookfield).not.toContain(OTHER_ECT_NAME);
  }, 120_000);

  it('exports one group, and only the viewer platform’s rows', async () => {
    const { buffer } = await exported({ kind: 'cohort', cohort: COHORT, groups: [GROUP_A] }, 'csv');
    const records = parse(buffer.toString('utf8').slice(1)) as string[][];
    expect(records.length).toBeGreaterThan(1);
    for (const cells of records.slice(1)) expect(cells[HEADER.indexOf('group')]).toBe(GROUP_A);
    const out = new Collected();
    const other = await w.t.runtime.exports.write({ kind: 'cohort', cohort: COHORT }, 'csv', out, { platform: { issuer: 'https://elsewhere.example.org', clientId: '1' } });
    expect(other.rows).toBe(0);
  });
});

describe('ecf-progress export', () => {
  const saved: Record<string, string | undefined> = {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-export-cli-'));
  beforeAll(() => {
    const values = { NODE_ENV: 'test', MONGODB_URI: w.t.config.mongodbUri!, APP_SECRET: w.t.config.appSecret!, PUBLIC_URL: w.t.config.publicUrl, DATA_DIR: w.t.config.dataDir, LOG_LEVEL: 'warn', SYNC_INTERVAL: 'off' };
    for (const [name, value] of Object.entries(values)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the file, says how many rows and as of when, and leaves nothing else beside it', async () => {
    const file = path.join(dir, 'brookfield.csv');
    const run = await cli(['export', '--school', BROOKFIELD.urn, '--format', 'csv', '--out', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Wrote 2 rows \\(data as of \\d{1,2} [A-Z][a-z]+ \\d{4} at \\d{2}:\\d{2} \\(UK time\\)\\) to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));
    const records = parse(fs.readFileSync(file, 'utf8').slice(1)) as string[][];
    expect(records[0]).toEqual(HEADER);
    expect(records.slice(1).map((c) => c[2])).toEqual([w.platform.users.ect.name, w.platform.users.mentor.name]);
    const group = await cli(['export', '--cohort', COHORT, '--group', GROUP_B, '--format', 'pdf', '--out', path.join(dir, 'b.pdf')]);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^Wrote 12 rows|^Wrote \d+ rows/);
    expect((await pdfPages(fs.readFileSync(path.join(dir, 'b.pdf'))))[0]).toContain(ALDGATE.name);
    expect(fs.readdirSync(dir).sort()).toEqual(['b.pdf', 'brookfield.csv']);
  }, 120_000);

  it('fails cleanly, writing nothing, for an unknown school, cohort or group, a bad format or no scope', async () => {
    const file = path.join(dir, 'nothing.csv');
    const cases: [string[], RegExp][] = [
      [['--school', '999999', '--format', 'csv'], /no school with URN 999999.*Nothing was written/],
      [['--cohort', 'No such cohort', '--format', 'csv'], /no cohort "No such cohort"/],
      [['--cohort', COHORT, '--group', 'Group Z', '--format', 'xlsx'], /has no group "Group Z"/],
      [['--school', BROOKFIELD.urn, '--format', 'docx'], /--format must be one of csv, xlsx, pdf/],
      [['--format', 'csv'], /No scope given/],
      [['--group', GROUP_A, '--format', 'csv'], /--group needs the --cohort/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(['export', ...args, '--out', file]);
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(run.stderr).toMatch(message);
      expect(fs.existsSync(file)).toBe(false);
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('nothing'))).toEqual([]);
  }, 120_000);
});

describe('staff downloads from the cohort page', () => {
  async function download(user: 'admin' | 'facilitator', format: ExportFormat, query = '') {
    const launched = await w.launch(user);
    const base = w.baseOf(launched);
    return { base, res: await request(w.t.url).get(`${base}cohort/export.${format}${query}`).buffer(true).parse(binary) };
  }

  it('links the downloads from the cohort page and serves an admin the whole cohort as an attachment, not cached', async () => {
    const launched = await w.launch('admin');
    const base = w.baseOf(launched);
    const page = await request(w.t.url).get(`${base}cohort?group=${encodeURIComponent(GROUP_B)}`).expect(200);
    for (const [format, label] of [['csv', 'CSV'], ['xlsx', 'Excel'], ['pdf', 'PDF']]) {
      expect(page.text).toMatch(new RegExp(`href="${base}cohort/export\\.${format}\\?cohort&#x3D;[^"]*group&#x3D;Group(\\+|%20)B" download>${label}<`));
    }
    const { res } = await download('admin', 'csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ecf-progress-cohort-participant-pages-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const records = parse((res.body as Buffer).toString('utf8').slice(1)) as string[][];
    expect(records.length - 1).toBe(24);
    const pdf = await download('admin', 'pdf', `?school=${ALDGATE.urn}`);
    expect(pdf.res.headers['content-type']).toBe('application/pdf');
    const pages = await pdfPages(pdf.res.body as Buffer);
    expect(pages.join(' ')).toContain(OTHER_ECT_NAME);
    expect(pages.join(' ')).not.toContain(w.platform.users.ect.name);
    const xlsx = await download('admin', 'xlsx');
    expect(xlsx.res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });

  it('gives a facilitator only their own groups, even when they name another', async () => {
    for (const query of ['', `?group=${encodeURIComponent(GROUP_B)}`]) {
      const { res } = await download('facilitator', 'csv', query);
      expect(res.status).toBe(200);
      const records = parse((res.body as Buffer).toString('utf8').slice(1)) as string[][];
      const groups = new Set(records.slice(1).map((c) => c[HEADER.indexOf('group')]));
      if (query) expect(records.length).toBe(1);
      else {
        expect(records.length).toBeGreaterThan(1);
        expect(groups).toEqual(new Set([GROUP_A]));
      }
      expect((res.body as Buffer).toString('utf8')).not.toContain(OTHER_ECT_NAME);
    }
  });

  it('refuses participants, and gives another platform’s admin nothing of this platform', async () => {
    for (const user of ['ect', 'mentor'] as const) {
      const launched = await w.launch(user);
      const res = await request(w.t.url).get(`${w.baseOf(launched)}cohort/export.csv`);
      expect(res.status).toBe(403);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.text).not.toContain(OTHER_ECT_NAME);
    }
    const other = await startIndependentPlatform(w.t.url);
    try {
      await w.t.runtime.registry.add(other.platform.registrationForTool);
      const launched = await w.launch('admin', undefined, other.platform);
      const res = await request(w.t.url).get(`${w.baseOf(launched)}cohort/export.csv?cohort=${encodeURIComponent(COHORT)}`).buffer(true).parse(binary);
      expect(res.status).toBe(404);
      expect(res.headers['content-disposition']).toBeUndefined();
      const body = (res.body as Buffer).toString('utf8');
      expect(body).not.toContain(w.platform.users.ect.name);
      expect(body).not.toContain(OTHER_ECT_NAME);
    } finally {
      await other.close();
    }
  });

  it('answers an unknown format with 404 and a malformed filter with 400', async () => {
    const launched = await w.launch('admin');
    const base = w.baseOf(launched);
    await request(w.t.url).get(`${base}cohort/export.docx`).expect(404);
    await request(w.t.url).get(`${base}cohort/export.csv?role=teacher`).expect(400);
  });
});
