import { request as httpRequest } from 'node:http';
import {
  generateCohort,
  startCanvasSimulator,
  type CanvasSimulator,
  type Cohort,
  type CohortOptions,
  type SimulatorOptions,
} from '../../canvas-sim';
import { CanvasApi, CanvasClient, type CanvasClientOptions, type ProgressionStudent } from '../../src/canvas';

export const USER_AGENT = 'ecf-progress-tests/1.0 (+https://ecf-progress.example.org)';

const running = new Set<CanvasSimulator>();

/**
 * Starts a simulator on a loopback port with fast defaults; every test file calls
 * `stopSimulators` in afterEach so no server outlives its test.
 */
export async function startSim(
  cohort: Partial<CohortOptions> = {},
  opts: Partial<SimulatorOptions> = {},
): Promise<CanvasSimulator> {
  const sim = await startCanvasSimulator({ data: testCohort(cohort), latencyMs: 2, perStudentLatencyMs: 0, ...opts });
  running.add(sim);
  return sim;
}

/** The cohort `startSim` uses unless given `data`; call it to learn ids before starting. */
export function testCohort(cohort: Partial<CohortOptions> = {}): Cohort {
  return generateCohort({ seed: 'tests', courses: 1, studentsPerCourse: 30, ...cohort });
}

export async function stopSimulators(): Promise<void> {
  await Promise.all([...running].map((sim) => sim.close()));
  running.clear();
}

export function clientFor(sim: CanvasSimulator, overrides: Partial<CanvasClientOptions> = {}): CanvasClient {
  return new CanvasClient({
    baseUrl: sim.url,
    token: sim.token,
    userAgent: USER_AGENT,
    retryBaseDelayMs: 10,
    ...overrides,
  });
}

export function apiFor(sim: CanvasSimulator, overrides: Partial<CanvasClientOptions> = {}): CanvasApi {
  return new CanvasApi(clientFor(sim, overrides));
}

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** Follows GraphQL cursors to the end, as the sync does. */
export async function allProgression(api: CanvasApi, courseId: string): Promise<ProgressionStudent[]> {
  const students: ProgressionStudent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.fetchProgressionPage(courseId, { after });
    students.push(...page.students);
    if (!page.hasNextPage || page.endCursor === null) return students;
    after = page.endCursor;
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request with exactly the given headers: node:http adds no User-Agent of its own, which
 * fetch would, so the simulator's refusals can be tested.
 */
export function rawGet(sim: CanvasSimulator, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, sim.url), { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function authHeaders(sim: CanvasSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${sim.token}`, 'User-Agent': USER_AGENT, ...extra };
}
