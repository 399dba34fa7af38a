import type { Config } from '../../src/config/env';
import { generateCohort, startCanvasSimulator, type CanvasSimulator, type SimulatorOptions } from '../../canvas-sim';
import { CanvasClient } from '../../src/canvas';
import { createLogger } from '../../src/log/logger';
import type { CourseLink } from '../../src/programme/links';
import { courseKeyId } from '../../src/domain';
import { SyncService } from '../../src/sync/service';
import mongoose from 'mongoose';
import { testStores } from '../support/stores';
import { expectedProgress } from '../support/expected-progress';

export const PLATFORM = { issuer: 'https://canvas.instructure.com', clientId: '10000000000001' };

export async function startSimulator(options: Partial<SimulatorOptions> & { students?: number; courses?: number; seed?: number } = {}): Promise<CanvasSimulator> {
  const data = generateCohort({ seed: options.seed ?? 7, courses: options.courses ?? 2, studentsPerCourse: options.students ?? 40, induction: true, largeIds: true });
  return startCanvasSimulator({ latencyMs: 2, perStudentLatencyMs: 0, ...options, data });
}

export async function linkCourses(sim: CanvasSimulator, cohort = 'September 2025'): Promise<CourseLink[]> {
  const links = sim.data.courses.map((course, i): CourseLink => ({
    _id: courseKeyId(PLATFORM, course.id),
    ...PLATFORM,
    courseId: course.id,
    programme: i % 2 === 0 ? 'ect' : 'mentor',
    cohort,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  }));
  for (const link of links) await testStores().links.save(link);
  return links;
}

export function syncService(sim: CanvasSimulator, options: { leaseSlotMs?: number; listLinks?: () => Promise<CourseLink[]> } = {}): SyncService {
  const stores = testStores();
  return new SyncService({
    logger: createLogger('silent'),
    stores,
    listLinks: options.listLinks ?? (async () => stores.store.collection<CourseLink>('course_links').find({}).toArray()),
    clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'ecf-progress-test', retryBaseDelayMs: 5, timeoutMs: 2000 }),
    leaseSlotMs: options.leaseSlotMs,
  });
}

export async function storedProgress(courseId: string) {
  const stores = testStores();
  const state = await stores.sync.readState(courseKeyId(PLATFORM, courseId));
  if (!state) throw new Error(`course ${courseId} has no sync state`);
  const students = await stores.sync.readStudents(state);
  return {
    state,
    totals: state.moduleTotals,
    students: new Map([...students].map(([id, s]) => [id, s.moduleDone])),
    required: new Map([...students].map(([id, s]) => [id, s.moduleRequired])),
    records: students,
  };
}

export async function expectCourseMatchesTruth(sim: CanvasSimulator, courseId: string): Promise<void> {
  const expected = expectedProgress(sim, courseId);
  const stored = await storedProgress(courseId);
  expect(stored.totals).toEqual(expected.totals);
  expect(new Map([...stored.students].sort())).toEqual(new Map([...expected.students].sort()));
  expect(new Map([...stored.required].sort())).toEqual(new Map([...expected.required].sort()));
}

export async function expectStoreMatchesTruth(sim: CanvasSimulator): Promise<void> {
  for (const course of sim.data.courses) await expectCourseMatchesTruth(sim, course.id);
}

/** The generation collections that exist, and those the course pointers name (current and pending). */
export async function generationCollections(courseIds: string[]) {
  const existing = (await mongoose.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n.startsWith('ecf_progress_')).sort();
  const states = await Promise.all(courseIds.map((id) => testStores().sync.readState(courseKeyId(PLATFORM, id))));
  const current = states.map((s) => (s?.generation ? `ecf_${s.generation}` : null)).filter((n): n is string => n !== null).sort();
  const pending = states.flatMap((s) => [s?.pending, s?.retired]).filter((n): n is string => Boolean(n)).map((n) => `ecf_${n}`);
  return { existing, current, pending };
}

/** The environment `ecf-progress` needs to run against the test runtime's database, as a child process. */
export function cliEnvOf(config: Config, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', MONGODB_URI: config.mongodbUri, APP_SECRET: config.appSecret, DATA_DIR: config.dataDir, PUBLIC_URL: config.publicUrl, LOG_LEVEL: 'silent', ...overrides };
  // Only what the test sets: a SYNC_LEASE_SLOT in the shell running jest must not change the lease.
  if (!('SYNC_LEASE_SLOT' in overrides)) delete env.SYNC_LEASE_SLOT;
  return env;
}
