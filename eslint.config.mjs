import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * The folder graph of src/, lowest layer first (README "Architecture" lists the same). A folder,
 * or a file at the top of src/, imports only from layers below its own: never from its own
 * layer, never from above, so no two folders can depend on each other.
 */
const LAYERS = [
  ['domain', 'types'],
  ['errors.ts', 'config', 'log', 'net', 'curriculum'],
  ['files', 'db', 'jobs'],
  ['canvas'],
  ['completion'],
  ['programme', 'sessions'],
  ['people'],
  ['sync'],
  ['progress'],
  ['audits', 'meetings', 'attendance', 'trends'],
  ['participants'],
  ['cohort'],
  ['milestones'],
  ['exports'],
  ['schools'],
  ['changes'],
  ['delivery'],
  ['lti'],
  ['retention'],
  ['notifications'],
  ['web'],
  ['service.ts'],
  ['cli'],
  ['main.ts'],
];

/** Lower layers a folder may still not import: the CLI runs the services without the web edge. */
const FORBIDDEN_BELOW = { cli: ['web'] };

// A new entry in src/ must be given a layer, or nothing would check what it imports.
const placed = new Set(LAYERS.flat());
const unplaced = fs.readdirSync(path.join(root, 'src')).filter((entry) => !placed.has(entry));
if (unplaced.length > 0) throw new Error(`eslint.config.mjs: give src/${unplaced.join(', src/')} a place in LAYERS`);

function layering() {
  const zones = LAYERS.flatMap((layer, level) =>
    layer.map((entry) => {
      const below = LAYERS.slice(0, level).flat().filter((lower) => !FORBIDDEN_BELOW[entry]?.includes(lower));
      return {
        target: `./src/${entry}`,
        from: './src',
        except: [entry, ...below].map((allowed) => `./${allowed}`),
        message: `src/${entry} may import only from ${below.join(', ') || 'nothing in src/'} (LAYERS in eslint.config.mjs).`,
      };
    }),
  );
  return ['error', { basePath: root, zones }];
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', document: 'readonly', window: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Compiled to CommonJS, a local `exports` or `require` hides the module's own, and
      // code that reads an exported constant (or imports lazily) then fails at run time ("Cannot access 'exports'").
      'no-restricted-syntax': ['error', { selector: "VariableDeclarator > Identifier.id[name=/^(exports|require)$/]", message: 'Name it something else: the compiled CommonJS module uses this name.' }],
    },
  },
  { files: ['bin/**/*.js', '*.js', 'public/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // The pages' few scripts run in the browser, where these are globals.
  {
    files: ['public/**/*.js'],
    languageOptions: { globals: { fetch: 'readonly', localStorage: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', ResizeObserver: 'readonly' } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }] },
  },
  { files: ['test/**', 'bench/**', 'scripts/**', 'canvas-sim/**', 'dev-platform/**'], rules: { 'no-console': 'off' } },
  // The folder graph. eslint-plugin-import-x rather than dependency-cruiser or
  // eslint-plugin-boundaries: one plugin gives both the path zones and the cycle check, it runs
  // inside `eslint .` (no second pass over the tree), resolves with a native resolver, and its
  // rules can be tried on a string through ESLint's API (test/lint/boundaries.test.ts).
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': layering(),
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // Express stays at the edge: services are called with plain values and never see a request.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/web/**', 'src/lti/**', 'src/service.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['express', 'express-*'], message: 'Only src/web, src/lti and src/service.ts use Express; pass plain values in.' }] }],
    },
  },
);
