import { BAD_ROWS_KEPT, ImportRuns, RUNS_KEPT_PER_KIND, type ImportRun, type ImportRunKind } from '../../src/people';
import { Store } from '../../src/db/store';
import { cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';
import { COHORT, importCsv, linkCohort, ROSTER_HEADER, SCHOOLS_HEADER } from './support';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
  await linkCohort(env.db);
});
afterAll(async () => env.close());

const runsOf = async (kind: ImportRunKind) => (await env.db.collection<ImportRun>('ecf_import_runs').find({ kind }).toArray()).sort((a, b) => b.at.getTime() - a.at.getTime());

describe('every CLI import is recorded for the admin page', () => {
  beforeEach(async () => {
    await env.db.collection('ecf_import_runs').deleteMany({});
  });

  it('records a written schools import with its counts and the file’s base name only', async () => {
    const run = await importCsv('schools', [SCHOOLS_HEADER, '100001,Alder Primary School,Hub,office@alder.example.org', '100002,Birch Academy,Hub,']);
    expect(run.code).toBe(0);
    const [recorded, ...others] = await runsOf('schools');
    expect(others).toEqual([]);
    expect(recorded).toMatchObject({ kind: 'schools', fileName: 'schools.csv', rows: 2, counts: { added: 2, updated: 0, unchanged: 0 }, written: true, dryRun: false, bad: [], badCount: 0 });
    expect(recorded.at).toBeInstanceOf(Date);
    expect(JSON.stringify(recorded)).not.toContain('ecf-cli-file-');
  });

  it('records a refused roster file with each bad line and its reasons, and never a name or address', async () => {
    const run = await importCsv('roster', [
      ROSTER_HEADER,
      `,,ada.lovelace@example.org,Ada Lovelace,teacher,100001,${COHORT},,,active`,
      `,,grace.hopper@example.org,Grace Hopper,ect,12345,${COHORT},,,active`,
      `,,alan.turing@example.org,Alan Turing,ect,100001,${COHORT},,,active`,
    ]);
    expect(run.code).not.toBe(0);
    const [recorded] = await runsOf('roster');
    expect(recorded).toMatchObject({ kind: 'roster', fileName: 'roster.csv', rows: 3, written: false, dryRun: false, badCount: 2, counts: { added: 1, updated: 0, unchanged: 0 } });
    expect(recorded.bad).toEqual([
      { line: 2, reasons: ['role: must be ect or mentor'] },
      { line: 3, reasons: ['school_urn: must be a 6-digit URN'] },
    ]);
    const stored = JSON.stringify(recorded);
    for (const personal of ['Ada', 'Lovelace', 'grace.hopper', 'Alan Turing']) expect(stored).not.toContain(personal);
  });

  it('records a dry run as not written, and a file refused as a whole with its reason', async () => {
    const dry = await cli(['groups', 'import', writeTempFile('groups.csv', `cohort,group,facilitator_emails\n${COHORT},North 1,carys@example.org\n`), '--dry-run']);
    expect(dry.code).toBe(0);
    expect((await runsOf('groups'))[0]).toMatchObject({ fileName: 'groups.csv', rows: 1, written: false, dryRun: true, counts: { added: 1, updated: 0, unchanged: 0 }, badCount: 0 });

    const wrongHeader = await cli(['groups', 'import', writeTempFile('facilitators.csv', `cohort,group\n${COHORT},North 1\n`)]);
    expect(wrongHeader.code).not.toBe(0);
    const [refused] = await runsOf('groups');
    expect(refused).toMatchObject({ fileName: 'facilitators.csv', rows: 0, written: false, badCount: 1 });
    expect(refused.bad[0].line).toBe(1);
    expect(refused.bad[0].reasons[0]).toContain('the header must name the columns cohort,group,facilitator_emails');
  });

  it('does not record a file that could not be found', async () => {
    const run = await cli(['schools', 'import', '/nonexistent/schools.csv']);
    expect(run.code).not.toBe(0);
    expect(await runsOf('schools')).toEqual([]);
  });
});

describe('ImportRuns', () => {
  const report = (bad: number, written = false) => ({
    rows: bad + 3,
    bad: Array.from({ length: bad }, (_, i) => ({ line: i + 2, reasons: [`role: must be ect or mentor`] })),
    counts: { added: 3, updated: 0, unchanged: 0 },
    written,
  });
  let runs: ImportRuns;
  beforeAll(() => {
    runs = new ImportRuns(new Store(env.db));
  });
  beforeEach(async () => {
    await env.db.collection('ecf_import_runs').deleteMany({});
  });

  it('keeps the first 200 bad rows and counts them all', async () => {
    await runs.record('roster', 'C:\\Users\\someone\\Documents\\roster.csv', report(250));
    const latest = await runs.latest('roster');
    expect(latest!.fileName).toBe('roster.csv');
    expect(latest!.bad).toHaveLength(200);
    expect(BAD_ROWS_KEPT).toBe(200);
    expect(latest!.bad[199]).toEqual({ line: 201, reasons: ['role: must be ect or mentor'] });
    expect(latest!.badCount).toBe(250);
  });

  it('gives the newest run of a kind, keeps only the last few of each kind, and leaves the other kinds alone', async () => {
    expect(await runs.latest('roster')).toBeNull();
    await runs.record('schools', 'schools.csv', report(0, true), { at: new Date('2026-01-01T09:00:00Z') });
    for (let i = 0; i < 12; i += 1) await runs.record('roster', `roster-${i}.csv`, report(i), { at: new Date(Date.UTC(2026, 0, 2, 9, i)) });
    expect((await runs.latest('roster'))!.fileName).toBe('roster-11.csv');
    const kept = await runs.recent('roster');
    expect(kept.map((r) => r.fileName)).toEqual(Array.from({ length: 10 }, (_, i) => `roster-${11 - i}.csv`));
    expect(RUNS_KEPT_PER_KIND).toBe(10);
    expect((await runs.latest('schools'))!.fileName).toBe('schools.csv');
    expect(await env.db.collection('ecf_import_runs').countDocuments({})).toBe(11);
  });
});
