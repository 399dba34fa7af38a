import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose from 'mongoose';
import type { CanvasSimulator } from '../../canvas-sim';
import { courseKeyId } from '../../src/domain';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { PLATFORM, cliEnvOf, expectStoreMatchesTruth, generationCollections, linkCourses, startSimulator, storedProgress } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'bin', 'ecf-progress.js');
/** A killed holder keeps its lease for up to two slots; short slots keep the test quick. */
const LEASE_SLOT_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let rt: TestRuntime;
let sim: CanvasSimulator;

beforeAll(async () => {
  rt = await openTestRuntime({ SYNC_LEASE_SLOT: String(LEASE_SLOT_MS) });
  sim = await startSimulator({ students: 400, latencyMs: 40, perStudentLatencyMs: 2 });
  await linkCourses(sim);
  await rt.runtime.stores.connections.save(PLATFORM, { baseUrl: sim.url, token: sim.token });
});
afterAll(async () => {
  await sim.close();
  await rt.close();
});

function cliEnv(): NodeJS.ProcessEnv {
  return cliEnvOf(rt.runtime.config, { SYNC_LEASE_SLOT: String(LEASE_SLOT_MS) });
}

interface KillPoint {
  /** Kill once the CLI has printed this (its progress lines mark the phases of a sync)… */
  after: RegExp;
  /** …and this much later, to land inside fetching or writing. */
  delayMs: number;
}

/** Runs `ecf-progress sync --full`; with `kill`, SIGKILLs it at that point if it is still running. */
function runSync(kill?: KillPoint): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'sync', '--full'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let armed = false;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (kill && !armed && kill.after.test(output)) {
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
}

async function snapshot() {
  const courses = [];
  for (const course of sim.data.courses) {
    const { records } = await storedProgress(course.id);
    courses.push([...records.values()].map((r) => [r.userId, r.moduleDone, [...r.completions.keys()].sort()]).sort());
  }
  return courses;
}

/** After a kill, every generation collection is one a pointer names: current, or pending or retired and dropped next run. */
async function generationsAccountedFor(): Promise<void> {
  const { existing, current, pending } = await generationCollections(sim.data.courses.map((c) => c.id));
  for (const name of existing) expect([...current, ...pending]).toContain(name);
}

describe('killing the sync at any point and running it again', () => {
  it('gives the same data as one clean run: no duplicates, no lost completions', async () => {
    const clean = await runSync();
    expect(clean.code).toBe(0);
    expect(clean.output).toContain('2 of 2 courses synced');
    await expectStoreMatchesTruth(sim);
    const reference = await snapshot();

    for (const name of (await generationCollections(sim.data.courses.map((c) => c.id))).existing) await mongoose.connection.db!.dropCollection(name);
    await mongoose.connection.db!.collection('ecf_course_sync').deleteMany({});
    const killPoints: KillPoint[] = [
      { after: /students fetched/, delayMs: 0 },
      { after: /students fetched/, delayMs: 150 },
      { after: /400\/400 students fetched/, delayMs: 0 },
      { after: /400\/400 students fetched/, delayMs: 60 },
      { after: /: synced/, delayMs: 0 },
      { after: /: synced/, delayMs: 100 },
    ];
    let killed = 0;
    for (const point of killPoints) {
      const result = await runSync(point);
      if (result.signal === 'SIGKILL') killed += 1;
      await generationsAccountedFor();
      await sleep(2 * LEASE_SLOT_MS + 200);
    }
    expect(killed).toBeGreaterThanOrEqual(4);

    const final = await runSync();
    expect(final.code).toBe(0);
    expect(final.output).toContain('2 of 2 courses synced');
    await expectStoreMatchesTruth(sim);
    expect(await snapshot()).toEqual(reference);
    const states = await Promise.all(sim.data.courses.map((c) => rt.runtime.stores.sync.readState(courseKeyId(PLATFORM, c.id))));
    expect(states.every((s) => s?.pending === null)).toBe(true);
    const generations = await generationCollections(sim.data.courses.map((c) => c.id));
    expect(generations.existing).toEqual(generations.current);
    expect(generations.current).toHaveLength(2);
  }, 300_000);
});
