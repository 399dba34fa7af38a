import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The folder graph in eslint.config.mjs must bite. Each case lints a made-up file, placed in
 * src/ by name only (nothing is written), whose one import crosses a boundary.
 */
interface Broken {
  file: string;
  line: number;
  rule: string | null;
}

const root = path.join(__dirname, '..', '..');

const forbidden = [
  ['a service imports Express, if only its types', 'src/sync/example.ts', "import type { Request } from 'express';\nexport type Incoming = Request;\n", 'no-restricted-imports'],
  ['a service imports the web edge', 'src/programme/example.ts', "import { createApp } from '../web/app';\nexport const app = createApp;\n", 'import-x/no-restricted-paths'],
  ['the CLI imports the web edge', 'src/cli/example.ts', "import { createApp } from '../web/app';\nexport const app = createApp;\n", 'import-x/no-restricted-paths'],
  ['domain imports from the rest of src/', 'src/domain/example.ts', "import { collection } from '../db/collections';\nexport const c = collection;\n", 'import-x/no-restricted-paths'],
  ['sessions imports back from lti', 'src/sessions/example.ts', "import type { LaunchView } from '../lti/views';\nexport type View = LaunchView;\n", 'import-x/no-restricted-paths'],
  ['a folder imports one of its own layer', 'src/sessions/example.ts', "import { listCourseLinks } from '../programme';\nexport const links = listCourseLinks;\n", 'import-x/no-restricted-paths'],
  ['two files import each other', 'src/db/file-lock.ts', "import { connectDatabase } from './connection';\nexport const connect = connectDatabase;\n", 'import-x/no-cycle'],
] as const;

const allowed = {
  file: 'src/web/example.ts',
  code: [
    "import type { Request } from 'express';",
    "import type { Programme } from '../domain';",
    "import { lti } from '../lti';",
    "import { SessionStore } from '../sessions/store';",
    'export const used = [lti, SessionStore] as const;',
    'export type Used = Request | Programme;',
    '',
  ].join('\n'),
};

/** The folders that imported each other before domain/ took their shared types. */
const formerCycle = ['src/domain', 'src/sessions', 'src/lti'];

let texts: Broken[][];
let files: Broken[];

beforeAll(() => {
  const request = { texts: [...forbidden.map(([, file, code]) => ({ file, code })), allowed], files: formerCycle };
  const output = execFileSync(process.execPath, [path.join(__dirname, 'lint-in-node.mjs')], { cwd: root, input: JSON.stringify(request), encoding: 'utf8' });
  ({ texts, files } = JSON.parse(output) as { texts: Broken[][]; files: Broken[] });
});

describe('the folder graph', () => {
  it.each(forbidden.map(([name, , , rule], index) => [name, rule, index] as const))('reports %s (%s)', (_name, rule, index) => {
    expect(texts[index].map((broken) => broken.rule)).toContain(rule);
  });

  it('lets a folder import from the layers below it', () => {
    expect(texts[forbidden.length]).toEqual([]);
  });

  it('finds domain, sessions and lti clean', () => {
    expect(files).toEqual([]);
  });
});
