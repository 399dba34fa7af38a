import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CanvasSimulator } from '../../canvas-sim';
import { LEASE_SLOT_MS } from '../../src/sync/lease';
import type { CourseRunResult } from '../../src/sync/runs';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { PLATFORM, cliEnvOf, expectStoreMatchesTruth, generationCollections, linkCourses, startSimulator, storedProgress } from './helpers';

const CLI = path.join(__dirname, '..', '..', 'bin', 'ecf-progress.js');
/** Issue 19: a killed sync's courses are synced by another instance within this long of the kill. */
const TAKEOVER_BOUND_MS = 30_000;
/** How often the other instance tries again: there is no event for a lease running out, only the clock. */
const RETRY_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let rt: TestRuntime;
let sim: CanvasSimulator;

beforeAll(async () => {
  // No SYNC_LEASE_SLOT anywhere: the bound must hold at the default.
  rt = await openTestRuntime();
  sim = await startSimulator({ students: 400, latencyMs: 40, perStudentLatencyMs: 2 });
  await linkCourses(sim);
  await rt.runtime.stores.connections.save(PLATFORM, { baseUrl: sim.url, token: sim.token });
});
afterAll(async () => {
  await sim.close();
  await rt.close();
});

function cliEnv(): NodeJS.ProcessEnv {
  return cliEnvOf(rt.runtime.config);
}

/** Runs `ecf-progress sync --full` and SIGKILLs it once it has fetched its first students, mid-fetch. */
function syncKilledMidFetch(): Promise<{ killedAt: number; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'sync', '--full'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let killedAt = 0;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (!killedAt && /students fetched/.test(output)) {
      killedAt = Date.now();
      child.kill('SIGKILL');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ killedAt, signal, output })));
}

/** This instance syncs each course as soon as the killed holder's lease lets it: each result with when it came. */
async function syncUntilEveryCourseIsSynced(): Promise<{ attempts: CourseRunResult[][]; syncedAt: Map<string, number> }> {
  const syncedAt = new Map<string, number>();
  const attempts: CourseRunResult[][] = [];
  for (;;) {
    const pending = sim.data.courses.filter((c) => !syncedAt.has(c.id));
    const results = await Promise.all(pending.map(async (c) => (await rt.runtime.syncService.run({ trigger: 'test', full: true, courseId: c.id })).courses));
    attempts.push(results.flat());
    for (const result of results.flat()) if (result.status === 'synced') syncedAt.set(result.courseId, Date.now());
    if (syncedAt.size === sim.data.courses.length) return { attempts, syncedAt };
    await sleep(RETRY_MS);
  }
}

async function storedRecords() {
  const courses = [];
  for (const course of sim.data.courses) courses.push([...(await storedProgress(course.id)).records.values()].map((r) => [r.userId, r.moduleDone, [...r.completions].sort()]).sort());
  return courses;
}

describe('a sync killed mid-fetch', () => {
  it(`has its courses synced by another instance within ${TAKEOVER_BOUND_MS / 1000} s, nothing lost or doubled`, async () => {
    expect(rt.runtime.config.syncLeaseSlotMs).toBe(LEASE_SLOT_MS);
    const first = await rt.runtime.syncService.run({ trigger: 'test', full: true });
    expect(first.courses.map((c) => c.status)).toEqual(['synced', 'synced']);
    const before = await storedRecords();

    const killed = await syncKilledMidFetch();
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.output).not.toContain(': synced');

    const { attempts, syncedAt } = await syncUntilEveryCourseIsSynced();
    // The killed holder still had both courses: this measured a takeover, not a free course.
    expect(attempts[0].map((c) => c.reason)).toEqual(['another instance is syncing this course', 'another instance is syncing this course']);
    for (const course of sim.data.courses) expect(syncedAt.get(course.id)! - killed.killedAt).toBeLessThan(TAKEOVER_BOUND_MS);

    const synced = attempts.flat().filter((c) => c.status === 'synced');
    expect(synced.map((c) => [c.courseId, c.students]).sort()).toEqual(first.courses.map((c) => [c.courseId, c.students]).sort());
    await expectStoreMatchesTruth(sim);
    expect(await storedRecords()).toEqual(before);
    const generations = await generationCollections(sim.data.courses.map((c) => c.id));
    expect(generations.existing).toEqual(generations.current);
    expect(generations.current).toHaveLength(2);
  }, 90_000);

  it('is taken over by the scheduled sync of another instance, which goes back to the courses it found held', async () => {
    const killed = await syncKilledMidFetch();
    expect(killed.signal).toBe('SIGKILL');
    await rt.runtime.syncService.runScheduled();

    const runs = (await rt.runtime.stores.runs.latest(10)).filter((r) => r.trigger === 'schedule').sort((a, b) => a._id.localeCompare(b._id));
    expect(runs[0].courses.map((c) => c.reason)).toEqual(['another instance is syncing this course', 'another instance is syncing this course']);
    const taken = runs.flatMap((r) => r.courses.filter((c) => c.status === 'synced').map((c) => ({ course: c.courseId, at: r.finishedAt!.getTime() })));
    expect(taken.map((t) => t.course).sort()).toEqual(sim.data.courses.map((c) => c.id).sort());
    for (const { at } of taken) expect(at - killed.killedAt).toBeLessThan(TAKEOVER_BOUND_MS);
    await expectStoreMatchesTruth(sim);
  }, 90_000);
});
