import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, useCliEnvironment, type CliEnvironment, type CliRun } from '../support/cli';
import { COHORT, linkCohort, ROSTER_HEADER, SCHOOLS_HEADER, sortedDocs } from '../people/support';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
  await linkCohort(env.db);
});
afterAll(async () => env.close());
beforeEach(async () => {
  await env.db.collection('ecf_roster').deleteMany({});
  await env.db.collection('ecf_schools').deleteMany({});
});

const NAMES = ['Zoë Brontë', 'José Núñez', 'Siân Ó Súilleabháin', 'Aoife O’Neill'];
const SCHOOL = 'St Mary’s École – Sainte-Thérèse';
const schoolLines = [SCHOOLS_HEADER, `100001,${SCHOOL},Hub,`];
const rosterLines = [ROSTER_HEADER, ...NAMES.map((name, i) => `${3001 + i},,,${name},ect,100001,${COHORT},,,active`)];
const csvText = (lines: string[]) => lines.join('\r\n') + '\r\n';

/** What Excel's plain "CSV" writes on Windows: one byte a character; ’ and – are where Windows-1252 and Latin-1 differ. */
const WINDOWS_1252_ONLY: Record<string, number> = { '’': 0x92, '–': 0x96 };
function windows1252(text: string): Buffer {
  return Buffer.from([...text].map((char) => WINDOWS_1252_ONLY[char] ?? char.charCodeAt(0)));
}
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const utf8WithBom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(text)]);

function writeTempBytes(name: string, bytes: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-files-test-')), name);
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  return file;
}

async function importBytes(kind: 'schools' | 'roster', bytes: Buffer): Promise<CliRun & { file: string }> {
  const file = writeTempBytes(`${kind}.csv`, bytes);
  return { ...(await cli([kind, 'import', file])), file };
}

/** With the school in place, a refused roster file is refused for its bytes alone: its rows would import. */
async function importSchoolAsUtf8(): Promise<void> {
  const run = await importBytes('schools', utf8(csvText(schoolLines)));
  expect(run.code).toBe(0);
}

/** The stored documents without their write times, to compare imports of the same rows. */
async function stored() {
  const withoutTime = (docs: Record<string, unknown>[]) => docs.map(({ updatedAt: _updatedAt, ...rest }) => rest);
  return { schools: withoutTime(await sortedDocs(env.db, 'ecf_schools')), roster: withoutTime(await sortedDocs(env.db, 'ecf_roster')) };
}

async function importSchoolsAndRoster(encode: (text: string) => Buffer) {
  const schools = await importBytes('schools', encode(csvText(schoolLines)));
  expect(schools).toMatchObject({ code: 0, stdout: 'Schools: 1 added, 0 updated, 0 unchanged.\n' });
  const roster = await importBytes('roster', encode(csvText(rosterLines)));
  expect(roster).toMatchObject({ code: 0, stdout: `Roster: ${NAMES.length} added, 0 updated, 0 unchanged.\n` });
  return { schools, roster };
}

describe('import file encodings', () => {
  it('reads a Windows-1252 file (Excel "CSV" on Windows) with its accented names intact, and says so', async () => {
    const { schools, roster } = await importSchoolsAndRoster(windows1252);
    expect(roster.stderr).toContain(`${roster.file}: not UTF-8, read as Windows-1252.\n`);
    expect(schools.stderr).toContain(`${schools.file}: not UTF-8, read as Windows-1252.\n`);
    const { schools: storedSchools, roster: storedRoster } = await stored();
    expect(storedSchools.map((s) => s.name)).toEqual([SCHOOL]);
    expect(storedRoster.map((p) => p.name)).toEqual(NAMES);
  });

  it('stores the same documents from UTF-8 with a BOM, UTF-8 without one, and Windows-1252', async () => {
    const results = [];
    for (const encode of [utf8WithBom, utf8, windows1252]) {
      await env.db.collection('ecf_roster').deleteMany({});
      await env.db.collection('ecf_schools').deleteMany({});
      const { roster } = await importSchoolsAndRoster(encode);
      if (encode !== windows1252) expect(roster.stderr).not.toContain('read as');
      results.push(await stored());
    }
    expect(results[0].roster.map((p) => p.name)).toEqual(NAMES);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe('import files that are refused with one line and nothing written', () => {
  const text = csvText(rosterLines);
  const SAVE_AS = 'save it from the spreadsheet as "CSV UTF-8" and import it again';
  const withByteOnLine3 = (byte: number) => {
    const bytes = windows1252(text);
    bytes[bytes.indexOf('Jos') + 3] = byte;
    return bytes;
  };

  it.each([
    ['UTF-16LE (Excel "Unicode Text")', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), `the file is saved as UTF-16 ("Unicode Text"); ${SAVE_AS}`],
    ['UTF-16BE', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]), `the file is saved as UTF-16 ("Unicode Text"); ${SAVE_AS}`],
    ['a NUL byte', withByteOnLine3(0x00), `line 3 has a NUL byte, so this is not a CSV text file; ${SAVE_AS}`],
    ...[0x81, 0x8d, 0x8f, 0x90, 0x9d].map((byte): [string, Buffer, string] => [
      `byte 0x${byte.toString(16)}, undefined in Windows-1252`,
      withByteOnLine3(byte),
      `line 3 has a character that is neither UTF-8 nor Windows-1252; ${SAVE_AS}`,
    ]),
    ['a UTF-8 BOM before bytes that are not UTF-8', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), windows1252(text)]), `the file is marked as UTF-8 but is not valid UTF-8; ${SAVE_AS}`],
  ])('refuses %s', async (_case, bytes, message) => {
    await importSchoolAsUtf8();
    const run = await importBytes('roster', bytes);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${run.file}: ${message}\n`);
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([]);
  });
});

describe('the import size limit', () => {
  const saved = process.env.IMPORT_MAX_SIZE;
  afterEach(() => {
    if (saved === undefined) delete process.env.IMPORT_MAX_SIZE;
    else process.env.IMPORT_MAX_SIZE = saved;
  });

  it('refuses a file over IMPORT_MAX_SIZE with one line naming the limit, and writes nothing', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${4000 + i},,,Person ${i},ect,100001,${COHORT},,,active`);
    const bytes = utf8(csvText([ROSTER_HEADER, ...rows]));
    expect(bytes.length).toBeGreaterThan(2048);
    await importSchoolAsUtf8();
    process.env.IMPORT_MAX_SIZE = '1kb';
    const run = await importBytes('roster', bytes);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${run.file}: the file is ${Math.ceil((bytes.length * 10) / 1024) / 10} KB, more than the import limit of 1 KB (set IMPORT_MAX_SIZE to change it)\n`);
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([]);
  });

  it('measures a file before reading it: a 2 GB file is refused without a byte of it opened', async () => {
    const file = writeTempBytes('huge.csv', Buffer.alloc(0));
    fs.truncateSync(file, 2 * 1024 ** 3);
    const opened = [jest.spyOn(fs.promises, 'open'), jest.spyOn(fs.promises, 'readFile'), jest.spyOn(fs, 'readFileSync'), jest.spyOn(fs, 'openSync'), jest.spyOn(fs, 'createReadStream')];
    try {
      const run = await cli(['roster', 'import', file]);
      expect(run).toMatchObject({ code: 1, stderr: `${file}: the file is 2048 MB, more than the import limit of 20 MB (set IMPORT_MAX_SIZE to change it)\n` });
      for (const spy of opened) expect(spy.mock.calls.filter(([target]) => target === file)).toEqual([]);
    } finally {
      for (const spy of opened) spy.mockRestore();
      fs.rmSync(file);
    }
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([]);
  });
});
