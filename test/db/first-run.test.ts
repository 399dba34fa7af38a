import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FERRETDB_VERSION, ensureFerretDbBinary } from '../../src/db/ferretdb';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * A stand-in for `go` that answers what the build asks: a module folder, and a build that
 * takes 3 s, counts itself and writes a tiny executable.
 */
function fakeGo(): { bin: string; builds: () => number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-fake-go-'));
  const moduleDir = path.join(dir, 'module');
  fs.mkdirSync(path.join(moduleDir, 'build', 'version'), { recursive: true });
  const counter = path.join(dir, 'builds');
  fs.writeFileSync(
    path.join(dir, 'go'),
    [
      '#!/bin/sh',
      'case "$1" in',
      '  version) echo "go version fake" ;;',
      `  mod) echo '{"Dir": "${moduleDir}"}' ;;`,
      `  build) echo build >> "${counter}"; sleep 3; printf '#!/bin/sh\\necho fake ferretdb\\n' > "$3"; chmod +x "$3" ;;`,
      'esac',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { bin: dir, builds: () => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0) };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

/** The pid of a process that has exited (and been reaped, so it is really gone). */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }));
}

/** Runs `ensureFerretDbBinary` in a fresh process, as a first start does, with `go` and the cache folder of this test. */
function ensureInChild(env: NodeJS.ProcessEnv, before = '') {
  const script = `${before}; require('./src/db/ferretdb').ensureFerretDbBinary((line) => console.log(line)).then((binary) => console.log('BINARY ' + binary))`;
  return run(TSX, ['-e', script], env);
}

function firstRunEnv(go: { bin: string }): { env: NodeJS.ProcessEnv; folder: string; binary: string } {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-cache-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${go.bin}:${process.env.PATH}`, XDG_CACHE_HOME: cache };
  delete env.FERRETDB_BIN;
  const folder = path.join(cache, 'ecf-progress');
  return { env, folder, binary: path.join(folder, `ferretdb-${FERRETDB_VERSION}`) };
}

describe('building FerretDB on a first run', () => {
  it('builds once when two processes need it at once; both get the binary', async () => {
    const go = fakeGo();
    const { env, folder, binary } = firstRunEnv(go);
    const [first, second] = await Promise.all([ensureInChild(env), ensureInChild(env)]);
    expect([first.code, second.code]).toEqual([0, 0]);
    for (const { output } of [first, second]) expect(output).toContain(`BINARY ${binary}`);
    expect(go.builds()).toBe(1);
    const outputs = `${first.output}\n${second.output}`;
    expect(outputs).toMatch(/^Building FerretDB v1\.24\.2 once into .*; this takes 1–3 minutes…$/m);
    expect(outputs).toMatch(/^FerretDB built in \d+ s\.$/m);
    expect(outputs).toMatch(/^Waiting for process \d+, which is building FerretDB v1\.24\.2 into .*…$/m);
    expect(fs.readdirSync(folder)).toEqual([`ferretdb-${FERRETDB_VERSION}`]);
  }, 60_000);

  it.each([
    ['a process that died', (lock: string) => `require('fs').writeFileSync(${JSON.stringify(lock)}, '${deadPid()}')`],
    ['an earlier process that had our pid', (lock: string) => `require('fs').writeFileSync(${JSON.stringify(lock)}, String(process.pid))`],
  ])('takes over a lock left by %s', async (_case, leaveLock) => {
    const go = fakeGo();
    const { env, folder, binary } = firstRunEnv(go);
    fs.mkdirSync(folder);
    const { code, output } = await ensureInChild(env, leaveLock(path.join(folder, `ferretdb-${FERRETDB_VERSION}.lock`)));
    expect(code).toBe(0);
    expect(output).toContain(`BINARY ${binary}`);
    expect(output).not.toContain('Waiting');
    expect(execFileSync(binary, { encoding: 'utf8' })).toBe('fake ferretdb\n');
    expect(go.builds()).toBe(1);
    expect(fs.readdirSync(folder)).toEqual([`ferretdb-${FERRETDB_VERSION}`]);
  }, 30_000);
});

describe('a first start without internet', () => {
  const mongodOnPath = (() => {
    try {
      execFileSync('sh', ['-c', 'command -v mongod'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  // With a mongod on PATH there is nothing to download, so nothing to show here.
  (mongodOnPath ? it.skip : it)('says in one line that no MongoDB could be started and FerretDB is used, with no stack trace', async () => {
    const ferretDb = await ensureFerretDbBinary(() => undefined);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-first-run-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FERRETDB_BIN: ferretDb,
      XDG_CACHE_HOME: path.join(home, 'cache'),
      // Nothing answers here, as on a machine without internet; a fresh folder holds no earlier download.
      MONGOMS_DOWNLOAD_MIRROR: 'http://127.0.0.1:9',
      MONGOMS_DOWNLOAD_DIR: path.join(home, 'mongodb-binaries'),
    };
    const script = `require('./src/db/embedded').startEmbeddedServer(${JSON.stringify(path.join(home, 'db'))}, 'auto', (line) => console.log(line)).then((server) => { console.log('STARTED ' + server.engine); return server.stop(); })`;
    const { code, output } = await run(TSX, ['-e', script], env);
    expect(code).toBe(0);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(/^No MongoDB could be started here \(.+\); using FerretDB v1\.24\.2 instead\.$/),
      'STARTED FerretDB v1.24.2 (SQLite)',
    ]);
  }, 60_000);
});
