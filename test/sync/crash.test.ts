import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose from 'mongoose';
import type { CanvasSimulator } from '../../canvas-sim';
import { saveConnection } from '../../src/canvas/connections';
import { collection } from '../../src/db/collections';
import { courseLinkId } from '../../src/programme/links';
import { readState } from '../../src/sync/store';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { PLATFORM, expectStoreMatchesTruth, linkCourses, startSimulator, storedProgress } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'bin', 'ecf-progress.js');
/** A killed holder keeps its lease for up to two slots; short slots keep the test quick. */
const LEASE_SLOT_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let rt: TestRuntime;
let sim: CanvasSimulator;

beforeAll(async () => {
  rt = await openTestRuntime({ SYNC_LEASE_SLOT: String(LEASE_SLOT_MS) });
  sim = await startSimulator({ students: 300, latencyMs: 40, perStudentLatencyMs: 1 });
  await linkCourses(sim);
  await saveConnection(rt.runtime, PLATFORM, { baseUrl: sim.url, token: sim.token });
});
afterAll(async () => {
  await sim.close();
  await rt.close();
});

function cliEnv(): NodeJS.ProcessEnv {
  const { config } = rt.runtime;
  return { ...process.env, NODE_ENV: 'test', MONGODB_URI: config.mongodbUri, APP_SECRET: config.appSecret, DATA_DIR: config.dataDir, PUBLIC_URL: config.publicUrl, LOG_LEVEL: 'silent', SYNC_LEASE_SLOT: String(LEASE_SLOT_MS) };
}

/** Runs `ecf-progress sync --full`; with `killAfterMs`, SIGKILLs it then (if still running). */
function runSync(killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; output: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'sync', '--full'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started, output })));
}

async function snapshot() {
  const courses = [];
  for (const course of sim.data.courses) {
    const { records } = await storedProgress(course.id);
    courses.push([...records.values()].map((r) => [r.userId, r.moduleDone, [...r.completions.keys()].sort()]).sort());
  }
  return courses;
}

async function bucketsConsistent(): Promise<void> {
  const states = await Promise.all(sim.data.courses.map((c) => readState(courseLinkId(PLATFORM, c.id))));
  const referenced = states.reduce((n, s) => n + (s?.bucketCount ?? 0) + (s?.pending?.bucketCount ?? 0), 0);
  expect(await collection('progress_buckets').countDocuments({})).toBeLessThanOrEqual(referenced);
}

describe('killing the sync at any point and running it again', () => {
  it('gives the same data as one clean run: no duplicates, no lost completions', async () => {
    const clean = await runSync();
    expect(clean.code).toBe(0);
    expect(clean.output).toContain('2 of 2 courses synced');
    await expectStoreMatchesTruth(sim);
    const reference = await snapshot();

    await mongoose.connection.db!.collection('ecf_progress_buckets').deleteMany({});
    await mongoose.connection.db!.collection('ecf_course_sync').deleteMany({});
    let killed = 0;
    for (const fraction of [0.35, 0.5, 0.65, 0.8, 0.95]) {
      const result = await runSync(Math.round(clean.ms * fraction));
      if (result.signal === 'SIGKILL') killed += 1;
      await bucketsConsistent();
      await sleep(2 * LEASE_SLOT_MS + 200);
    }
    expect(killed).toBeGreaterThanOrEqual(3);

    const final = await runSync();
    expect(final.code).toBe(0);
    expect(final.output).toContain('2 of 2 courses synced');
    await expectStoreMatchesTruth(sim);
    expect(await snapshot()).toEqual(reference);
    const states = await Promise.all(sim.data.courses.map((c) => readState(courseLinkId(PLATFORM, c.id))));
    expect(states.every((s) => s?.pending === null)).toBe(true);
    expect(await collection('progress_buckets').countDocuments({})).toBe(states.reduce((n, s) => n + (s?.bucketCount ?? 0), 0));
  }, 300_000);
});
