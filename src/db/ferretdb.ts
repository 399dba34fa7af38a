import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedDatabaseError, type EmbeddedServer } from './embedded-types';
import { withFileLock } from './file-lock';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ecf-progress');
}

function binaryPath(): string {
  return path.join(cacheDir(), `ferretdb-${FERRETDB_VERSION}`);
}

const run = promisify(execFile);
const PROGRESS_EVERY_MS = 15_000;

async function hasGo(): Promise<boolean> {
  try {
    await run('go', ['version']);
    return true;
  } catch {
    return false;
  }
}

type ExecFailure = Error & { stdout?: string; stderr?: string };

const lastLine = (text: string) => text.trim().split('\n').slice(-1)[0];

/** The module's folder in Go's module cache; `go mod download -json` reports a failure in its JSON and exits 1. */
async function downloadModule(): Promise<string> {
  const result = await run('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`]).catch((error: ExecFailure) => error);
  let reported: { Dir?: string; Error?: string } = {};
  try {
    reported = JSON.parse(result.stdout ?? '');
  } catch {
    // Not JSON: go failed before it could report; its own message follows.
  }
  if (reported.Dir) return reported.Dir;
  throw new EmbeddedDatabaseError(`go could not download FerretDB: ${reported.Error ?? lastLine(result.stderr || (result as ExecFailure).message || 'it reported no folder')}`);
}

/** Sources and half-written binaries of a build that was killed; only the lock holder calls this. */
function removeLeftovers(): void {
  for (const name of fs.readdirSync(cacheDir())) {
    if (name.startsWith('ferretdb-src-') || (name.startsWith('ferretdb-') && name.endsWith('.tmp'))) fs.rmSync(path.join(cacheDir(), name), { recursive: true, force: true });
  }
}

/**
 * `go install …@version` is refused by proxies that hide version lists, and the module cache
 * copy has an empty version file that makes the binary panic, so we build from a writable
 * copy, private to this build, with the version written in.
 */
async function compileFerretDb(target: string): Promise<void> {
  const moduleDir = await downloadModule();
  const source = fs.mkdtempSync(path.join(cacheDir(), `ferretdb-src-${FERRETDB_VERSION}-`));
  try {
    await fs.promises.cp(moduleDir, source, { recursive: true });
    await run('chmod', ['-R', 'u+w', source]);
    fs.writeFileSync(path.join(source, 'build', 'version', 'version.txt'), FERRETDB_VERSION);
    const temporary = `${target}.${process.pid}.tmp`;
    await run('go', ['build', '-o', temporary, './cmd/ferretdb'], { cwd: source }).catch((error: ExecFailure) => {
      throw new EmbeddedDatabaseError(`go build of FerretDB failed: ${lastLine(error.stderr || error.message)}`);
    });
    fs.renameSync(temporary, target);
  } finally {
    fs.rmSync(source, { recursive: true, force: true });
  }
}

/** Builds FerretDB once, saying every 15 s how long it has taken so a first start never looks hung. */
async function buildFerretDb(target: string, say: (line: string) => void): Promise<void> {
  removeLeftovers();
  say(`Building FerretDB ${FERRETDB_VERSION} once into ${target}; this takes 1–3 minutes…`);
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  const progress = setInterval(() => say(`still building FerretDB… ${elapsed()} s`), PROGRESS_EVERY_MS);
  try {
    await compileFerretDb(target);
  } finally {
    clearInterval(progress);
  }
  say(`FerretDB built in ${elapsed()} s.`);
}

/**
 * The cached FerretDB binary, built on first use when Go is available. Processes starting at
 * once build it once: the others wait for the builder's lock, then find the binary.
 */
export async function ensureFerretDbBinary(say: (line: string) => void): Promise<string> {
  const configured = process.env.FERRETDB_BIN;
  if (configured) {
    if (!fs.existsSync(configured)) throw new EmbeddedDatabaseError(`FERRETDB_BIN points at ${configured}, which does not exist`);
    return configured;
  }
  const target = binaryPath();
  if (fs.existsSync(target)) return target;
  if (!(await hasGo())) throw new EmbeddedDatabaseError('FerretDB is not built and Go is not installed to build it');
  const announceWait = (holder: number) => say(`Waiting for process ${holder}, which is building FerretDB ${FERRETDB_VERSION} into ${cacheDir()}…`);
  await withFileLock(path.join(cacheDir(), `ferretdb-${FERRETDB_VERSION}.lock`), announceWait, async () => {
    // The process we waited for may have built it; if it failed, we try ourselves.
    if (!fs.existsSync(target)) await buildFerretDb(target, say);
  });
  return target;
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(`FerretDB did not report its port within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      const match = /Listening on TCP 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    function fail(reason: string) {
      clearTimeout(timer);
      reject(new EmbeddedDatabaseError(`${reason}: ${output.trim().split('\n').slice(-3).join(' | ')}`));
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(`FerretDB exited with code ${code}`));
  });
}

/** Starts FerretDB on SQLite files under `dir`, on a free loopback port. */
export async function startFerretDb(dir: string, say: (line: string) => void): Promise<EmbeddedServer> {
  const binary = await ensureFerretDbBinary(say);
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      '--listen-addr=127.0.0.1:0',
      '--debug-addr=-',
      `--state-dir=${dir}`,
      '--telemetry=disable',
      '--log-level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await waitForPort(child, 15_000);
  // Keep draining its log so a full pipe never blocks the server.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    engine: `FerretDB ${FERRETDB_VERSION} (SQLite)`,
    uri: `mongodb://127.0.0.1:${port}/`,
    pid: child.pid ?? 0,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
