import fs from 'node:fs';
import path from 'node:path';
import { cli, useCliEnvironment, writeTempFile, type CliEnvironment, type CliRun } from '../support/cli';
import { COHORT, importCsv, linkCohort, ROSTER_HEADER, SCHOOLS_HEADER, sortedDocs } from './support';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
  await linkCohort(env.db);
  const schools = await importCsv('schools', [SCHOOLS_HEADER, '100001,Alder Primary School,Hub,', '100002,Birch Academy,Hub,']);
  if (schools.code !== 0) throw new Error(schools.stderr);
});
afterAll(async () => env.close());
beforeEach(async () => {
  await env.db.collection('ecf_roster').deleteMany({});
});

const rosterDocs = () => sortedDocs(env.db, 'ecf_roster');

const MENTOR = `2001,SIS-M1,Mentor.One@Example.org,Morgan Mentor,mentor,100001,${COHORT},North 1,,active`;
const ECT_BY_EMAIL = `,,ect.one@example.org,Erin Teacher,ECT,100001,${COHORT},,mentor.one@example.org,active`;
const ECT_BY_SIS = `,SIS-E2,,Eli Teacher,ect,100002,  ${COHORT} ,South 2,,deferred`;
const GOOD = [ROSTER_HEADER, MENTOR, ECT_BY_EMAIL, ECT_BY_SIS];

const roster = (...rows: string[]) => importCsv('roster', [ROSTER_HEADER, ...rows]);

describe('a good roster import', () => {
  it('stores one document per person under a key from their best id', async () => {
    const run = await importCsv('roster', GOOD);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Roster: 3 added, 0 updated, 0 unchanged.\n');
    const updatedAt = expect.any(Date);
    expect(await rosterDocs()).toEqual([
      { _id: 'canvas:2001', canvasUserId: '2001', sisUserId: 'SIS-M1', email: 'mentor.one@example.org', name: 'Morgan Mentor', role: 'mentor', schoolUrn: '100001', cohort: COHORT, group: 'North 1', mentorEmail: null, status: 'active', updatedAt },
      { _id: 'email:ect.one@example.org', canvasUserId: null, sisUserId: null, email: 'ect.one@example.org', name: 'Erin Teacher', role: 'ect', schoolUrn: '100001', cohort: COHORT, group: null, mentorEmail: 'mentor.one@example.org', status: 'active', updatedAt },
      { _id: 'sis:SIS-E2', canvasUserId: null, sisUserId: 'SIS-E2', email: null, name: 'Eli Teacher', role: 'ect', schoolUrn: '100002', cohort: COHORT, group: 'South 2', mentorEmail: null, status: 'deferred', updatedAt },
    ]);
  });

  it('changes nothing when the same file is imported again', async () => {
    await importCsv('roster', GOOD);
    const before = await rosterDocs();
    const run = await importCsv('roster', GOOD);
    expect(run.stdout).toBe('Roster: 0 added, 0 updated, 3 unchanged.\n');
    expect(await rosterDocs()).toEqual(before);
  });

  it('rewrites only the people who changed, and a person keeps their key when a canvas id is added', async () => {
    await importCsv('roster', GOOD);
    const before = await rosterDocs();
    const run = await importCsv('roster', [ROSTER_HEADER, MENTOR, `2002,,ect.one@example.org,Erin Teacher,ect,100001,${COHORT},,mentor.one@example.org,active`, ECT_BY_SIS.replace('deferred', 'withdrawn')]);
    expect(run.stdout).toBe('Roster: 0 added, 2 updated, 1 unchanged.\n');
    const after = await rosterDocs();
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toMatchObject({ _id: 'email:ect.one@example.org', canvasUserId: '2002' });
    expect(after[2]).toMatchObject({ _id: 'sis:SIS-E2', status: 'withdrawn' });
    for (const i of [1, 2]) expect((after[i].updatedAt as Date).getTime()).toBeGreaterThan((before[i].updatedAt as Date).getTime());
  });

  it('keeps a group the sync filled, and ids the file leaves blank', async () => {
    await importCsv('roster', GOOD);
    await env.db.collection<{ _id: string }>('ecf_roster').updateOne({ _id: 'email:ect.one@example.org' }, { $set: { group: 'North 1', canvasUserId: '2002' } });
    const before = await rosterDocs();
    const run = await importCsv('roster', GOOD);
    expect(run.stdout).toBe('Roster: 0 added, 0 updated, 3 unchanged.\n');
    expect(await rosterDocs()).toEqual(before);
  });

  it('matches a person by canvas id before sis id and email, and email in any case', async () => {
    await importCsv('roster', GOOD);
    const run = await roster(`2001,,MENTOR.ONE@EXAMPLE.ORG,Morgan Mentor,mentor,100002,${COHORT},North 1,,active`);
    expect(run.stdout).toBe('Roster: 0 added, 1 updated, 0 unchanged.\n');
    expect((await rosterDocs())[0]).toMatchObject({ _id: 'canvas:2001', sisUserId: 'SIS-M1', schoolUrn: '100002' });
  });

  it('accepts an ECT whose mentor is already in the roster', async () => {
    await importCsv('roster', GOOD);
    const run = await roster(`,,ect.three@example.org,Evan Teacher,ect,100001,${COHORT},,mentor.one@example.org,active`);
    expect(run).toMatchObject({ code: 0, stdout: 'Roster: 1 added, 0 updated, 0 unchanged.\n' });
  });

  it('carries a mentor’s change of email to their stored ECTs, so none is left pointing at the old address', async () => {
    await importCsv('roster', GOOD);
    await roster(`,,ect.three@example.org,Evan Teacher,ect,100001,${COHORT},,mentor.one@example.org,active`);
    const run = await roster(MENTOR.replace('Mentor.One@Example.org', 'morgan.new@example.org'), ECT_BY_SIS);
    expect(run).toMatchObject({ code: 0, stdout: 'Roster: 0 added, 3 updated, 1 unchanged.\n' });
    const byId = new Map((await rosterDocs()).map((d) => [d._id, d]));
    expect(byId.get('canvas:2001')).toMatchObject({ email: 'morgan.new@example.org' });
    expect(byId.get('email:ect.one@example.org')).toMatchObject({ mentorEmail: 'morgan.new@example.org', name: 'Erin Teacher', status: 'active' });
    expect(byId.get('email:ect.three@example.org')).toMatchObject({ mentorEmail: 'morgan.new@example.org' });
    expect(byId.get('sis:SIS-E2')).toMatchObject({ mentorEmail: null });
    const stale = await roster(`,,ect.four@example.org,Ezra Teacher,ect,100001,${COHORT},,mentor.one@example.org,active`);
    expect(stale.stderr).toContain('line 2: mentor_email: names no mentor in this file or in the roster\n');
  });

  it('gives a new person a fresh key when theirs belongs to someone stored under an id they changed', async () => {
    await roster(`,SIS-7,seven@example.org,Sam Seven,ect,100001,${COHORT},,,active`);
    await roster(`,SIS-8,seven@example.org,Sam Seven,ect,100001,${COHORT},,,active`);
    const run = await roster(`,SIS-7,new.seven@example.org,Sasha Seven,ect,100002,${COHORT},,,active`);
    expect(run.stdout).toBe('Roster: 1 added, 0 updated, 0 unchanged.\n');
    expect((await rosterDocs()).map((d) => [d._id, d.sisUserId])).toEqual([
      ['sis:SIS-7', 'SIS-8'],
      ['sis:SIS-7~2', 'SIS-7'],
    ]);
  });

  it('adds and updates more people than one bulk write may carry (FerretDB takes at most 50 statements)', async () => {
    const many = (status: string) => Array.from({ length: 120 }, (_, i) => `${5000 + i},,,Person ${i},ect,100001,${COHORT},,,${status}`);
    expect((await roster(...many('active'))).stdout).toBe('Roster: 120 added, 0 updated, 0 unchanged.\n');
    expect((await roster(...many('deferred'))).stdout).toBe('Roster: 0 added, 120 updated, 0 unchanged.\n');
    const stored = await rosterDocs();
    expect(stored).toHaveLength(120);
    expect(stored.every((d) => d.status === 'deferred')).toBe(true);
  });

  it('writes nothing on --dry-run', async () => {
    const run = await importCsv('roster', GOOD, ['--dry-run']);
    expect(run).toMatchObject({ code: 0, stdout: 'Roster (dry run, nothing written): 3 added, 0 updated, 0 unchanged.\n' });
    expect(await rosterDocs()).toEqual([]);
  });
});

describe('bad roster rows', () => {
  // Three good rows on lines 2–5: the quoted line break in one name makes its row two physical lines.
  const GOOD_ROWS = [MENTOR, `,,ect.two@example.org,"Ada\r\nTeacher",ect,100001,${COHORT},,mentor.one@example.org,active`, ECT_BY_SIS];
  const FIRST_BAD_LINE = 6;
  const cases: [string, string, string][] = [
    ['unknown school', `,S-1,,Pat,ect,999999,${COHORT},,,active`, 'school_urn: no school has URN 999999 (import it with `ecf-progress schools import` first)'],
    ['bad URN', `,S-2,,Pat,ect,12345,${COHORT},,,active`, 'school_urn: must be a 6-digit URN'],
    ['bad email', `,,not-an-email,Pat,ect,100001,${COHORT},,,active`, 'email: is not an email address'],
    ['bad mentor email', `,S-3,,Pat,ect,100001,${COHORT},,mentor.one,active`, 'mentor_email: is not an email address'],
    ['bad canvas id', `abc,,,Pat,ect,100001,${COHORT},,,active`, 'canvas_user_id: must be a Canvas user id (digits only)'],
    ['unknown role', `,S-4,,Pat,teacher,100001,${COHORT},,,active`, 'role: must be ect or mentor'],
    ['unknown status', `,S-5,,Pat,ect,100001,${COHORT},,,paused`, 'status: must be active, deferred or withdrawn'],
    ['unknown cohort', ',S-6,,Pat,ect,100001,January 2031,,,active', 'cohort: no linked course has the cohort "January 2031"'],
    ['missing ids', `,,,Pat,ect,100001,${COHORT},,,active`, 'needs at least one of canvas_user_id, sis_user_id, email'],
    ['missing name', `,S-7,,,ect,100001,${COHORT},,,active`, 'name: is required'],
    ['unknown mentor', `,S-8,,Pat,ect,100001,${COHORT},,nobody@example.org,active`, 'mentor_email: names no mentor in this file or in the roster'],
    ['ECT naming an ECT as mentor', `,S-9,,Pat,ect,100001,${COHORT},,ect.two@example.org,active`, 'mentor_email: names no mentor in this file or in the roster'],
    ['mentor row with a mentor', `,S-10,,Pat,mentor,100001,${COHORT},,mentor.one@example.org,active`, 'mentor_email: only ECT rows name a mentor'],
    ['wrong number of values', `,S-11,,Pat,ect,100001,${COHORT},,active`, 'has 9 values; the header has 10'],
  ];
  const BAD_LINES = cases.map((_, i) => FIRST_BAD_LINE + i);
  const file = [ROSTER_HEADER, ...GOOD_ROWS, ...cases.map(([, row]) => row)];

  // One run of the file serves every case below: it writes nothing, so the tests cannot disturb each other.
  let run: CliRun;
  beforeAll(async () => {
    run = await importCsv('roster', file, [], '\r\n');
  });

  it.each(cases.map(([kind, , reason], i) => [kind, FIRST_BAD_LINE + i, reason] as const))('reports %s on line %i', (_kind, line, reason) => {
    expect(run.stderr).toContain(`roster.csv line ${line}: ${reason}\n`);
  });

  it('lists exactly the bad lines, exits 1 and writes nothing', async () => {
    expect(run.code).toBe(1);
    expect([...run.stderr.matchAll(/roster\.csv line (\d+):/g)].map((m) => Number(m[1]))).toEqual(BAD_LINES);
    expect(run.stderr).toContain(`Nothing was imported: ${cases.length} of ${cases.length + 3} rows are bad. Fix them, or add --skip-invalid to import the other 3.`);
    expect(run.stdout).toBe('');
    expect(await rosterDocs()).toEqual([]);
  });

  it('imports exactly the good rows with --skip-invalid, still exiting non-zero', async () => {
    const skipped = await importCsv('roster', file, ['--skip-invalid'], '\r\n');
    expect(skipped.code).toBe(1);
    expect(skipped.stdout).toBe(`Roster: 3 added, 0 updated, 0 unchanged. Skipped ${cases.length} rows listed above.\n`);
    expect((await rosterDocs()).map((d) => d._id)).toEqual(['canvas:2001', 'email:ect.two@example.org', 'sis:SIS-E2']);
    expect((await rosterDocs())[1]).toMatchObject({ name: 'Ada\nTeacher' });
  });

  it('marks both rows of a person who appears twice, whichever ids they share', async () => {
    const run = await roster(
      `,SIS-20,twenty@example.org,Pat,ect,100001,${COHORT},,,active`,
      `,,other@example.org,Pat,ect,100001,${COHORT},,,active`,
      `3020,,TWENTY@example.org,Pat,ect,100001,${COHORT},,,active`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 2: same person as line 4\n');
    expect(run.stderr).toContain('line 4: same person as line 2\n');
    expect(run.stderr).not.toContain('line 3:');
  });

  it('marks two rows that match the same stored person by different ids', async () => {
    await importCsv('roster', GOOD);
    const run = await roster(`2001,,,Morgan Mentor,mentor,100001,${COHORT},,,active`, `,SIS-M1,,Morgan Mentor,mentor,100002,${COHORT},,,active`);
    expect(run.stderr).toContain('line 2: same person as line 3\n');
    expect(run.stderr).toContain('line 3: same person as line 2\n');
  });

  it('refuses a row whose ids point at two different stored people, changing neither', async () => {
    await importCsv('roster', GOOD);
    const before = await rosterDocs();
    const run = await roster(`2001,SIS-E2,,Morgan Mentor,mentor,100001,${COHORT},,,active`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 2: canvas_user_id and sis_user_id point at different people in the roster\n');
    expect(await rosterDocs()).toEqual(before);
  });

  it('refuses an ECT whose mentor row is itself bad, even with --skip-invalid', async () => {
    const run = await roster(
      `,,new.mentor@example.org,Nia Mentor,mentor,999999,${COHORT},,,active`,
      `,,new.ect@example.org,Noel Teacher,ect,100001,${COHORT},,new.mentor@example.org,active`,
      `,SIS-30,,Ola Teacher,ect,100001,${COHORT},,,active`,
    );
    expect(run.stderr).toContain('line 2: school_urn: no school has URN 999999');
    expect(run.stderr).toContain('line 3: mentor_email: names no mentor in this file or in the roster\n');
    const skipped = await importCsv('roster', [ROSTER_HEADER, `,,new.mentor@example.org,Nia Mentor,mentor,999999,${COHORT},,,active`, `,,new.ect@example.org,Noel Teacher,ect,100001,${COHORT},,new.mentor@example.org,active`, `,SIS-30,,Ola Teacher,ect,100001,${COHORT},,,active`], ['--skip-invalid']);
    expect(skipped.code).toBe(1);
    expect((await rosterDocs()).map((d) => d._id)).toEqual(['sis:SIS-30']);
  });

  it('refuses an ECT whose mentor this file turns into an ECT', async () => {
    await importCsv('roster', GOOD);
    const run = await roster(MENTOR.replace(',mentor,', ',ect,'), ECT_BY_EMAIL);
    expect(run.stderr).toContain('line 3: mentor_email: names no mentor in this file or in the roster\n');
  });

  it('refuses a wrong header and an empty file without writing', async () => {
    const header = await importCsv('roster', [ROSTER_HEADER.replace(',mentor_email', ''), MENTOR.replace(',,active', ',active')]);
    expect(header.code).toBe(1);
    expect(header.stderr).toContain('line 1: the header must name the columns canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status (missing mentor_email)');
    const empty = await cli(['roster', 'import', writeTempFile('roster.csv', '')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('roster.csv: the file is empty; it needs the header line canvas_user_id,');
    expect(await rosterDocs()).toEqual([]);
  });
});

describe('roster import output and logs', () => {
  it('carry ids and counts but never a name or an email address', async () => {
    const run = await roster(MENTOR, ECT_BY_EMAIL, `,,bad-address,Quinn Private,ect,100001,${COHORT},,nobody@example.org,active`);
    const everything = run.stdout + run.stderr;
    expect(everything).toContain('"event":"people.import"');
    expect(everything).toContain('"bad":1');
    for (const secret of ['@', 'Morgan', 'Erin', 'Quinn', 'bad-address']) expect(everything).not.toContain(secret);
  });
});

describe('the templates', () => {
  it('import cleanly, schools first', async () => {
    const template = (name: string) => writeTempFile(name, fs.readFileSync(path.join(__dirname, '../../config/templates', name), 'utf8'));
    const schools = await cli(['schools', 'import', template('schools.csv')]);
    expect(schools.code).toBe(0);
    const run = await cli(['roster', 'import', template('roster.csv')]);
    expect(run).toMatchObject({ code: 0, stdout: 'Roster: 2 added, 0 updated, 0 unchanged.\n' });
  });
});
