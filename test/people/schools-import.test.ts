import fs from 'node:fs';
import path from 'node:path';
import { cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';
import { importCsv, SCHOOLS_HEADER, sortedDocs } from './support';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
});
afterAll(async () => env.close());
beforeEach(async () => {
  await env.db.collection('ecf_schools').deleteMany({});
});

const schoolDocs = () => sortedDocs(env.db, 'ecf_schools');

const GOOD = [
  SCHOOLS_HEADER,
  '100001,Alder Primary School,Example Teaching School Hub,office@example.org; Head@Example.org ;',
  '100002,Birch Academy,Example Teaching School Hub,',
];

describe('schools import', () => {
  it('stores each school under its URN with its contacts lowercased', async () => {
    const run = await importCsv('schools', GOOD);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Schools: 2 added, 0 updated, 0 unchanged.\n');
    expect(await schoolDocs()).toEqual([
      { _id: '100001', name: 'Alder Primary School', deliveryPartner: 'Example Teaching School Hub', contactEmails: ['office@example.org', 'head@example.org'], updatedAt: expect.any(Date) },
      { _id: '100002', name: 'Birch Academy', deliveryPartner: 'Example Teaching School Hub', contactEmails: [], updatedAt: expect.any(Date) },
    ]);
  });

  it('writes nothing when the same file comes again, and only the changed school when one changes', async () => {
    await importCsv('schools', GOOD);
    const before = await schoolDocs();

    const again = await importCsv('schools', GOOD);
    expect(again.stdout).toBe('Schools: 0 added, 0 updated, 2 unchanged.\n');
    expect(await schoolDocs()).toEqual(before);

    const renamed = await importCsv('schools', [GOOD[0], GOOD[1], '100002,Birch Academy Trust,Example Teaching School Hub,']);
    expect(renamed.stdout).toBe('Schools: 0 added, 1 updated, 1 unchanged.\n');
    const after = await schoolDocs();
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toMatchObject({ name: 'Birch Academy Trust' });
    expect((after[1].updatedAt as Date).getTime()).toBeGreaterThan((before[1].updatedAt as Date).getTime());
  });

  it('reads a BOM, CRLF line ends, quoted values and whitespace around values and headers', async () => {
    const run = await importCsv('schools', ['\uFEFF urn , Name ,delivery_partner,contact_emails', ' 100003 , "Cedar School, Upper Site" ,  Hub  ," a@example.org "', ''], [], '\r\n');
    expect(run.code).toBe(0);
    expect(await schoolDocs()).toEqual([
      { _id: '100003', name: 'Cedar School, Upper Site', deliveryPartner: 'Hub', contactEmails: ['a@example.org'], updatedAt: expect.any(Date) },
    ]);
  });

  it.each([
    ['a 5-digit URN', '10001,Alder,Hub,', 'urn: must be a 6-digit URN'],
    ['a URN with letters', '10000A,Alder,Hub,', 'urn: must be a 6-digit URN'],
    ['no name', '100004,,Hub,', 'name: is required'],
    ['no delivery partner', '100004,Alder,,', 'delivery_partner: is required'],
    ['a contact that is not an email', '100004,Alder,Hub,office@example.org;office', 'contact_emails: has an entry that is not an email address'],
    ['too few values', '100004,Alder,Hub', 'has 3 values; the header has 4'],
  ])('refuses a file with %s and writes nothing', async (_case, row, reason) => {
    const run = await importCsv('schools', [SCHOOLS_HEADER, '100005,Elm School,Hub,', row]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`line 3: ${reason}\n`);
    expect(run.stderr).toContain('Nothing was imported: 1 of 2 rows is bad. Fix them, or add --skip-invalid to import the other 1.');
    expect(await schoolDocs()).toEqual([]);
  });

  it('marks every row of a repeated URN bad, and imports the rest with --skip-invalid', async () => {
    const run = await importCsv('schools', [SCHOOLS_HEADER, '100006,Fir School,Hub,', '100007,Gorse School,Hub,', '100006,Fir School (copy),Hub,'], ['--skip-invalid']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('2 rows skipped; the other 1 row was imported.');
    expect(run.stderr).toContain('line 2: same URN as line 4\n');
    expect(run.stderr).toContain('line 4: same URN as line 2\n');
    expect(run.stdout).toBe('Schools: 1 added, 0 updated, 0 unchanged. Skipped 2 rows listed above.\n');
    expect((await schoolDocs()).map((s) => s._id)).toEqual(['100007']);
  });

  it('writes nothing on --dry-run but reports what would change', async () => {
    const run = await importCsv('schools', GOOD, ['--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Schools (dry run, nothing written): 2 added, 0 updated, 0 unchanged.\n');
    expect(await schoolDocs()).toEqual([]);
  });

  it.each([
    ['an empty file', [''], 'the file is empty; it needs the header line urn,name,delivery_partner,contact_emails'],
    ['a file of blank lines and a BOM', ['\uFEFF', '', '  '], 'the file is empty'],
    ['a header missing a column', ['urn,name,contact_emails', '100001,Alder,a@example.org'], 'line 1: the header must name the columns urn,name,delivery_partner,contact_emails (missing delivery_partner)'],
    ['a header with an unknown column', [`${SCHOOLS_HEADER},phone`, '100001,Alder,Hub,,0123'], 'line 1: the header must name the columns urn,name,delivery_partner,contact_emails (unknown "phone")'],
    ['an unclosed quote', [SCHOOLS_HEADER, '100001,"Alder,Hub,'], 'schools.csv: line 2: a quoted value is never closed'],
  ])('refuses %s with one clear line', async (_case, lines, message) => {
    const run = await importCsv('schools', lines);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(await schoolDocs()).toEqual([]);
  });

  it('names a file it cannot read', async () => {
    const missing = path.join(path.dirname(writeTempFile('x', '')), 'nope.csv');
    const run = await cli(['schools', 'import', missing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`Cannot read ${missing} (ENOENT).\n`);
  });

  it('imports its own template cleanly', async () => {
    const template = fs.readFileSync(path.join(__dirname, '../../config/templates/schools.csv'), 'utf8');
    const run = await cli(['schools', 'import', writeTempFile('schools.csv', template)]);
    expect(run).toMatchObject({ code: 0, stdout: 'Schools: 2 added, 0 updated, 0 unchanged.\n' });
  });
});
