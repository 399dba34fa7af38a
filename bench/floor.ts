/**
 * The floor of `bench:sync`: the fastest the API lets anyone learn every student's progress.
 * A client that already knows every student's Canvas user id makes one structure call per
 * course (`GET /courses/:id/modules?include[]=items`) and asks GraphQL for the students in
 * batches of 100 user ids (`CanvasApi.fetchProgressionPage`, the sync's own query), 10
 * requests in flight through the project's CanvasClient, parses every page and writes nothing.
 */
import { CanvasApi, CanvasClient } from '../src/canvas';
import { runPool } from './pool';

const IN_FLIGHT = 10;
const BATCH = 100;

export interface FloorCourse {
  courseId: string;
  userIds: string[];
}

export interface FloorResult {
  students: number;
  pages: number;
  requests: number;
  throttled: number;
  retries: number;
  maxInFlight: number;
}

type Task = { kind: 'structure'; courseId: string } | { kind: 'batch'; courseId: string; userIds: string[] };

/**
 * @throws when a batch does not come back whole in one page: the floor must have fetched
 * exactly the students it was given.
 */
export async function runFloor(opts: { baseUrl: string; token: string; userAgent: string; courses: FloorCourse[]; onPage?: (students: number) => void }): Promise<FloorResult & { concurrency: number }> {
  const client = new CanvasClient({ baseUrl: opts.baseUrl, token: opts.token, userAgent: opts.userAgent, maxConcurrency: IN_FLIGHT, initialConcurrency: IN_FLIGHT });
  const api = new CanvasApi(client);
  const tasks: Task[] = opts.courses.map((c): Task => ({ kind: 'structure', courseId: c.courseId }));
  for (const course of opts.courses) {
    for (let i = 0; i < course.userIds.length; i += BATCH) tasks.push({ kind: 'batch', courseId: course.courseId, userIds: course.userIds.slice(i, i + BATCH) });
  }
  let students = 0;
  let pages = 0;
  await runPool<Task>(IN_FLIGHT, tasks, async (task) => {
    if (task.kind === 'structure') {
      await api.listModules(task.courseId);
      return;
    }
    const page = await api.fetchProgressionPage(task.courseId, { userIds: task.userIds });
    if (page.students.length !== task.userIds.length || page.hasNextPage) throw new Error(`course ${task.courseId}: a batch of ${task.userIds.length} user ids came back as ${page.students.length} students${page.hasNextPage ? ' and a next page' : ''}`);
    students += page.students.length;
    pages += 1;
    opts.onPage?.(students);
  });
  const stats = client.stats();
  return { students, pages, requests: stats.requests, throttled: stats.throttled, retries: stats.retries, maxInFlight: stats.maxInFlight, concurrency: IN_FLIGHT };
}
