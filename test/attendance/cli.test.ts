import fs from 'node:fs';
import path from 'node:path';
import { cli, useCliEnvironment, writeTempFile, type CliEnvironment, type CliRun } from '../support/cli';
import { testStores } from '../support/stores';
import { COHORT, linkCohort } from '../people/support';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
  await linkCohort(env.db);
});
afterAll(async () => env.close());
beforeEach(async () => {
  logs = [];
  await env.db.collection('ecf_training_events').deleteMany({});
});

const HEADER = 'cohort,group,date,start_time,end_time,type,module,facilitator_email,title,location';
const DAY_ONE = `${COHORT},North 1,2026-12-07,09:30,12:00,face-to-face,1,Fran@Example.org,Module 1 day,Leeds`;
const WORKSHOP = `${COHORT},North 1,2027-01-11,16:00,,Online workshop,2,,,`;

function writeCsv(lines: string[], eol = '\n'): string {
  return writeTempFile('events.csv', lines.join(eol) + eol);
}
/** The log lines (JSON, on stderr at LOG_LEVEL debug) apart from the words a person reads. */
const LOG_LINE = /^\{"level":.*\n?/gm;
let logs: string[] = [];
async function importFile(file: string, ...flags: string[]): Promise<CliRun> {
  const run = await cli(['events', 'import', file, ...flags]);
  logs.push(...(run.stderr.match(LOG_LINE) ?? []));
  return { ...run, stderr: run.stderr.replace(LOG_LINE, '') };
}
type StoredEvent = { _id: string; updatedAt: Date; date: string } & Record<string, unknown>;
const events = async () => (await env.db.collection<StoredEvent>('ecf_training_events').find({}).toArray()).sort((a, b) => a._id.localeCompare(b._id));

/** The two good rows as stored: every value written out by hand. */
const STORED = [
  { cohort: COHORT, group: 'North 1', date: '2026-12-07', start: '09:30', end: '12:00', type: 'face-to-face', module: 1, facilitatorEmail: 'fran@example.org', title: 'Module 1 day', location: 'Leeds' },
  { cohort: COHORT, group: 'North 1', date: '2027-01-11', start: '16:00', end: null, type: 'online-workshop', module: 2, facilitatorEmail: null, title: null, location: null },
];

describe('ecf-progress events import', () => {
  it('imports a good file, and a second import of the same file changes nothing', async () => {
    const file = writeCsv([HEADER, DAY_ONE, WORKSHOP]);
    const first = await importFile(file);
    expect(first).toEqual({ code: 0, stdout: 'Events: 2 added, 0 updated, 0 unchanged.\n', stderr: '' });
    const stored = await events();
    expect(stored.map(({ _id: _ignored, updatedAt: _at, ...rest }) => rest).sort((a, b) => String(a.date).localeCompare(String(b.date)))).toEqual(STORED);
    for (const doc of stored) expect(doc._id).toMatch(/^ev_[0-9a-f]{16}$/);

    // One log line per import, with counts only.
    expect(logs.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ event: 'events.import', rows: 2, bad: 0, written: true, added: 2, updated: 0, unchanged: 0 })]);
    expect(logs.join('')).not.toMatch(/fran|Leeds|Module 1 day/i);

    const again = await importFile(file);
    expect(again).toEqual({ code: 0, stdout: 'Events: 0 added, 0 updated, 2 unchanged.\n', stderr: '' });
    expect(await events()).toEqual(stored);

    // A changed title is an update of the same event, not a new one.
    const changed = await importFile(writeCsv([HEADER, DAY_ONE.replace('Module 1 day', 'Module 1 launch'), WORKSHOP]));
    expect(changed.stdout).toBe('Events: 0 added, 1 updated, 1 unchanged.\n');
    expect((await events()).map((e) => e._id)).toEqual(stored.map((e) => e._id));
  });

  const BAD: [string, string][] = [
    [`${COHORT},North 1,2026-02-30,09:30,,face-to-face,,,,`, 'date: must be a real date written YYYY-MM-DD, such as 2026-12-07'],
    [`${COHORT},North 1,2026-12-08,25:00,,face-to-face,,,,`, 'start_time: must be a time from 00:00 to 23:59, written HH:MM'],
    [`${COHORT},North 1,2026-12-09,14:00,13:00,face-to-face,,,,`, 'end_time: must be after start_time'],
    [`${COHORT},North 1,2026-12-10,09:30,,webinar,,,,`, 'type: must be face-to-face, online-workshop, peer-network or induction-conference (or its label, such as “Face-to-face session”)'],
    [`${COHORT},North 1,2026-12-11,09:30,,peer-network,12,,,`, 'module: must be a module of the programme (1 to 9), or blank'],
    [`${COHORT},North 1,2026-12-12,09:30,,peer-network,,fran-at-example,,`, 'facilitator_email: is not an email address'],
    [`${COHORT},,2026-12-13,09:30,,peer-network,,,,`, 'group: is required'],
    ['January 2031,North 1,2026-12-14,09:30,,peer-network,,,,', 'cohort: no linked course has the cohort "January 2031"'],
    [`${COHORT},North 1,2026-12-15,09:30,,peer-network,,`, 'has 8 values; the header has 10'],
  ];

  it('reports every bad row with its line and reason, and writes nothing without --skip-invalid', async () => {
    // Lines: header 1, good 2, bad rows 3–11, the same event twice on 12 and 13.
    const repeated = `${COHORT},South 2,2026-12-20,10:00,,Induction conference,,,,`;
    const file = writeCsv([HEADER, DAY_ONE, ...BAD.map(([row]) => row), repeated, repeated.replace('Induction conference', 'INDUCTION-CONFERENCE')]);
    const run = await importFile(file);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      ...BAD.map(([, reason], i) => `${file} line ${i + 3}: ${reason}`),
      `${file} line 12: same event (cohort, group, date, start_time and type) as line 13`,
      `${file} line 13: same event (cohort, group, date, start_time and type) as line 12`,
      'Nothing was imported: 11 of 12 rows are bad. Fix them, or add --skip-invalid to import the other 1.',
    ]);
    expect(await events()).toEqual([]);

    const dry = await importFile(file, '--dry-run', '--skip-invalid');
    expect(dry.code).toBe(1);
    expect(dry.stdout).toBe('Events (dry run, nothing written): 1 added, 0 updated, 0 unchanged. Skipped 11 rows listed above.\n');
    expect(dry.stderr.trim().split('\n').at(-1)).toBe('11 rows skipped; the other 1 row would be imported.');
    expect(await events()).toEqual([]);

    const skipping = await importFile(file, '--skip-invalid');
    expect(skipping.code).toBe(1);
    expect(skipping.stdout).toBe('Events: 1 added, 0 updated, 0 unchanged. Skipped 11 rows listed above.\n');
    expect(skipping.stderr.trim().split('\n').at(-1)).toBe('11 rows skipped; the other 1 row was imported.');
    expect((await events()).map(({ _id: _ignored, updatedAt: _at, ...rest }) => rest)).toEqual([STORED[0]]);
  });

  it('records each import for the admin page: counts and bad lines, never a value', async () => {
    await env.db.collection('ecf_import_runs').deleteMany({});
    await importFile(writeCsv([HEADER, DAY_ONE, BAD[5][0]]), '--skip-invalid');
    const runs = await env.db.collection('ecf_import_runs').find({ kind: 'events' }).toArray();
    expect(runs).toEqual([
      expect.objectContaining({ kind: 'events', fileName: 'events.csv', rows: 2, counts: { added: 1, updated: 0, unchanged: 0 }, written: true, bad: [{ line: 3, reasons: ['facilitator_email: is not an email address'] }] }),
    ]);
    expect(JSON.stringify(runs)).not.toContain('fran');
  });

  it('refuses a file with the wrong header, naming what is missing, and writes nothing', async () => {
    const file = writeCsv([HEADER.replace(',location', ''), DAY_ONE.replace(',Leeds', '')]);
    const run = await importFile(file);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${file}: line 1: the header must name the columns ${HEADER} (missing location)\n`);
    expect(await events()).toEqual([]);
  });

  it('reads a Windows-1252 file as the roster import does, and says so', async () => {
    const file = writeTempFile('events-1252.csv', '');
    fs.writeFileSync(file, Buffer.from(`${HEADER}\r\n${COHORT},North 1,2026-12-07,09:30,,face-to-face,,,Caf\xe9 session,\r\n`, 'latin1'));
    const run = await importFile(file);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${file}: not UTF-8, read as Windows-1252.\n`);
    expect((await events()).map((e) => (e as unknown as { title: string }).title)).toEqual(['Café session']);
  });

  it('imports the example file of docs/imports.md cleanly', async () => {
    const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'imports.md'), 'utf8');
    const example = /## Training events[\s\S]*?```csv\n([\s\S]*?)```/.exec(docs)![1];
    const run = await importFile(writeTempFile('events.csv', example));
    expect(run).toEqual({ code: 0, stdout: 'Events: 3 added, 0 updated, 0 unchanged.\n', stderr: '' });
  });

  it('says which file it could not read', async () => {
    const run = await importFile('/nonexistent/events.csv');
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'Cannot read /nonexistent/events.csv (ENOENT).\n' });
  });
});

describe('ecf-progress events list', () => {
  it('prints a cohort’s events in date order with their registers, and one group’s alone', async () => {
    const run = await importFile(writeCsv([HEADER, WORKSHOP, DAY_ONE, `${COHORT},South 2,2026-12-08,13:00,15:00,peer network,,,,`]));
    expect(run.code).toBe(0);
    const stores = testStores({ db: env.db });
    const [dayOne] = (await stores.attendance.eventsOf(COHORT, 'North 1')).filter((e) => e.date === '2026-12-07');
    await stores.attendance.saveRegister({
      eventId: dayOne._id,
      basedOn: 0,
      entries: [
        { key: 'canvas:1', name: 'Sam Patel', role: 'ect', present: true },
        { key: 'canvas:2', name: 'Jo Bloggs', role: 'ect', present: false, reason: 'ill' },
        { key: 'canvas:3', name: 'Mia Mentor', role: 'mentor', present: true },
      ],
      takenBy: { ownerId: 'o1', name: 'Fran' },
    });

    const all = await cli(['events', 'list', '--cohort', COHORT]);
    expect(all.code).toBe(0);
    const rows = all.stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
    expect(rows[0]).toEqual(['Date', 'Time', 'Group', 'Type', 'Module', 'Title', 'Register', 'Id']);
    expect(rows.slice(2).map((r) => r.slice(0, 3).concat(r.at(-2)!))).toEqual([
      ['2026-12-07', '09:30-12:00', 'North 1', '2 of 3 present'],
      ['2026-12-08', '13:00-15:00', 'South 2', 'not taken'],
      ['2027-01-11', '16:00', 'North 1', 'not taken'],
    ]);
    expect(all.stdout).toContain('Face-to-face session');
    expect(all.stdout).toContain('Module 1 day');

    const north = await cli(['events', 'list', '--cohort', COHORT, '--group', 'North 1']);
    expect(north.stdout.trimEnd().split('\n').slice(2).map((line) => line.slice(0, 10))).toEqual(['2026-12-07', '2027-01-11']);
  });

  it('says when there are none, and needs a cohort', async () => {
    expect(await cli(['events', 'list', '--cohort', 'No such cohort'])).toEqual({ code: 0, stdout: 'No training events for cohort "No such cohort".\n', stderr: '' });
    const missing = await cli(['events', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--cohort <name>' not specified");
  });
});
