import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedDatabaseError, type EmbeddedServer } from './embedded-types';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ecf-progress');
}

function binaryPath(): string {
  return path.join(cacheDir(), `ferretdb-${FERRETDB_VERSION}`);
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds FerretDB once from the Go module proxy. `go install …@version` is refused by
 * proxies that hide version lists, and the module cache copy has an empty version file
 * that makes the binary panic, so we build from a writable copy with the version written in.
 */
function buildFerretDb(say: (line: string) => void): string {
  const target = binaryPath();
  const source = path.join(cacheDir(), `ferretdb-src-${FERRETDB_VERSION}`);
  say(`Building FerretDB ${FERRETDB_VERSION} once into ${target} (takes 1–3 minutes)…`);
  fs.mkdirSync(cacheDir(), { recursive: true });
  const download = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { encoding: 'utf8' }),
  ) as { Dir?: string; Error?: string };
  if (!download.Dir) throw new EmbeddedDatabaseError(`go could not download FerretDB: ${download.Error ?? 'no directory'}`);
  fs.rmSync(source, { recursive: true, force: true });
  fs.cpSync(download.Dir, source, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', source]);
  fs.writeFileSync(path.join(source, 'build', 'version', 'version.txt'), FERRETDB_VERSION);
  const temporary = `${target}.${process.pid}.tmp`;
  execFileSync('go', ['build', '-o', temporary, './cmd/ferretdb'], { cwd: source, stdio: 'ignore' });
  fs.renameSync(temporary, target);
  fs.rmSync(source, { recursive: true, force: true });
  return target;
}

/** The cached FerretDB binary, built on first use when Go is available. */
export function ensureFerretDbBinary(say: (line: string) => void): string {
  const configured = process.env.FERRETDB_BIN;
  if (configured) {
    if (!fs.existsSync(configured)) throw new EmbeddedDatabaseError(`FERRETDB_BIN points at ${configured}, which does not exist`);
    return configured;
  }
  const existing = binaryPath();
  if (fs.existsSync(existing)) return existing;
  if (!hasGo()) throw new EmbeddedDatabaseError('FerretDB is not built and Go is not installed to build it');
  return buildFerretDb(say);
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
  const binary = ensureFerretDbBinary(say);
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
