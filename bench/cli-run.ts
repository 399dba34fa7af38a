/**
 * `ecf-progress sync` as a user runs it, for `npm run bench:sync`: the compiled CLI, installed
 * as the production image installs it (bin/, dist/, config/ and the dependencies, no src/, so
 * `bin/ecf-progress.js` runs the build), in its own process, timed from spawn to exit, against
 * a database prepared through the tool's own code.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forkJob, watchChild, type Finished } from './children';
import type { ReportedSync } from './report';
import type { CliSetupJob } from './run-protocol';
import type { SimStarted } from './sim-protocol';

const ROOT = path.join(__dirname, '..');
/** What the Dockerfile copies into the image besides bin/ (copied below) and the dependencies. */
const INSTALLED = ['dist', 'views', 'public', 'config', 'package.json'];
let installDir: string | null = null;
const BUILD_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 5 * 60_000;

/** Compiles src/ into dist/ (`tsc -p tsconfig.build.json`, as `npm run build` does), so the runs measure the current code. */
export async function buildCli(): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const finished = await watchChild(child, BUILD_TIMEOUT_MS);
  if (finished.code !== 0) throw new Error(`the build (tsc -p tsconfig.build.json) failed: ${describeExit(finished)}`);
  installDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-bench-install-'));
  // bin/ is copied: a linked one would find its real folder next to src/ and run the sources.
  fs.cpSync(path.join(ROOT, 'bin'), path.join(installDir, 'bin'), { recursive: true });
  for (const entry of INSTALLED) fs.symlinkSync(path.join(ROOT, entry), path.join(installDir, entry));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(installDir, 'node_modules'));
}

/** Removes the install `buildCli` made. */
export function removeCliInstall(): void {
  if (installDir) fs.rmSync(installDir, { recursive: true, force: true });
  installDir = null;
}

function installedCli(): string {
  if (!installDir) throw new Error('buildCli() must run before the CLI');
  return path.join(installDir, 'bin', 'ecf-progress.js');
}

export interface CliDatabase {
  dbName: string;
  /** The CLI's whole environment: nothing is inherited from the bench but PATH and HOME. */
  env: Record<string, string>;
  /** Removes the CLI's data directory. */
  remove(): void;
}

const SETUP_TIMEOUT_MS = 2 * 60_000;

/**
 * A fresh database set up as an administrator would: the Canvas connection and the four
 * course links saved through the tool's own runtime (bench/cli-setup-worker.ts).
 */
export async function prepareCliDatabase(serverUri: string, dbName: string, started: SimStarted): Promise<CliDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-bench-cli-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'development',
    MONGODB_URI: `${serverUri.replace(/\/+$/, '')}/${dbName}`,
    APP_SECRET: crypto.randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SYNC_INTERVAL: 'off',
  };
  const remove = () => fs.rmSync(dataDir, { recursive: true, force: true });
  try {
    await forkJob<null>('cli-setup-worker.ts', { env, started } satisfies CliSetupJob, { timeoutMs: SETUP_TIMEOUT_MS });
  } catch (error) {
    remove();
    throw error;
  }
  return { dbName, env, remove };
}

export interface CliOutcome {
  /** From spawn to the process's exit. */
  wallMs: number;
  exitCode: number | null;
  signal: string | null;
  reported: ReportedSync | null;
  errors: string[];
}

/** Reads the CLI's last line: `Sync <id>: … N participants, N Canvas requests (N retries, N throttled) in X s.` */
export function parseSyncLine(output: string): ReportedSync | null {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => /^Sync \S+:/.test(l));
  const counts = line?.match(/(\d+) Canvas requests \((\d+) retries, (\d+) throttled\) in ([\d.]+) s\./);
  if (!line || !counts) return null;
  const participants = line.match(/(\d+) participants/);
  return { participants: participants ? Number(participants[1]) : null, requests: Number(counts[1]), retries: Number(counts[2]), throttled: Number(counts[3]), seconds: Number(counts[4]) };
}

function describeExit(finished: Finished): string {
  if (finished.timedOut) return 'killed after its time limit';
  return finished.signal ? `killed by ${finished.signal}` : `exit code ${finished.code}`;
}

/**
 * Runs the installed `ecf-progress <args>` once. Its per-course lines are echoed with `label`;
 * its progress lines (10% steps) are not.
 */
export async function runCliSync(database: CliDatabase, args: string[], label: string, say: (line: string) => void): Promise<CliOutcome> {
  const started = performance.now();
  const child = spawn(process.execPath, [installedCli(), ...args], { cwd: installDir!, env: database.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let exitedAt = started;
  child.once('exit', () => {
    exitedAt = performance.now();
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const finished = await watchChild(child, RUN_TIMEOUT_MS);
  const wallMs = exitedAt - started;
  for (const line of output.split('\n')) if (line.trim() && !/students fetched$/.test(line)) say(`  [${label}] cli: ${line}`);
  const reported = parseSyncLine(output);
  const errors: string[] = [];
  if (finished.code !== 0) errors.push(`the CLI ended with ${describeExit(finished)}`);
  if (!reported) errors.push('the CLI printed no "Sync …: … Canvas requests (… retries, … throttled) in … s." line');
  return { wallMs, exitCode: finished.code, signal: finished.signal, reported, errors };
}
