/**
 * The per-student REST baseline of `bench:sync`: what a plain client does to learn every
 * student's module completion. Per course it lists the active student enrolments
 * (`GET /courses/:id/enrollments?type[]=StudentEnrollment&state[]=active`, following Link
 * headers), and for each student asks for the modules with their items as that student sees
 * them (`GET /courses/:id/modules?include[]=items&student_id=X`). Exactly `concurrency`
 * requests are in flight whenever there is work (one pool of workers over every course,
 * listing pages first); a throttled answer is retried by the same worker after a jittered
 * pause. It uses plain `fetch` rather than the project's CanvasClient because the client's
 * adaptive limiter would never keep 12 requests in flight, and it writes nothing.
 */
import { parseLinkHeader } from '../src/canvas';
import { runPool } from './pool';

const PER_PAGE = '100';
const MAX_ATTEMPTS = 10;
const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 3200;

export interface PlainClientOptions {
  baseUrl: string;
  token: string;
  userAgent: string;
}

export interface PlainClientCounts {
  requests: number;
  throttled: number;
  retries: number;
  maxInFlight: number;
}

type Task = { kind: 'enrollments'; courseId: string; url: URL } | { kind: 'student'; courseId: string; userId: string };

interface RawModule {
  items?: { completion_requirement?: { completed?: boolean } | null }[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GETs with the headers Canvas requires, retrying throttled answers (403 "Rate Limit Exceeded", 429) and 5xx. */
export class PlainClient {
  readonly counts: PlainClientCounts = { requests: 0, throttled: 0, retries: 0, maxInFlight: 0 };
  private inFlight = 0;

  constructor(private readonly opts: PlainClientOptions) {}

  url(path: string, query: [string, string][]): URL {
    const url = new URL(`/api/v1${path}`, this.opts.baseUrl);
    for (const [name, value] of query) url.searchParams.append(name, value);
    return url;
  }

  /** @returns the parsed body and the Link header's next page, if any. */
  async get(url: URL): Promise<{ body: unknown; next: URL | null }> {
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.send(url);
      const text = await response.text();
      const throttled = response.status === 429 || (response.status === 403 && text.includes('Rate Limit Exceeded'));
      if (response.ok) {
        const next = parseLinkHeader(response.headers.get('link')).get('next');
        return { body: JSON.parse(text) as unknown, next: next === undefined ? null : new URL(next) };
      }
      if (throttled) this.counts.throttled += 1;
      if (!(throttled || response.status >= 500) || attempt === MAX_ATTEMPTS) throw new Error(`GET ${url.pathname}: ${response.status} after ${attempt} attempts: ${text.slice(0, 200)}`);
      this.counts.retries += 1;
      await sleep(this.pause(attempt, response.headers.get('retry-after')));
    }
  }

  private async send(url: URL): Promise<Response> {
    this.inFlight += 1;
    this.counts.requests += 1;
    this.counts.maxInFlight = Math.max(this.counts.maxInFlight, this.inFlight);
    try {
      return await fetch(url, { headers: { Authorization: `Bearer ${this.opts.token}`, Accept: 'application/json+canvas-string-ids', 'User-Agent': this.opts.userAgent } });
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Retry-After when Canvas sends one; otherwise doubling steps from 100 ms with equal jitter. */
  private pause(attempt: number, retryAfter: string | null): number {
    if (retryAfter !== null && Number.isFinite(Number(retryAfter))) return Number(retryAfter) * 1000;
    const step = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempt - 1));
    return step / 2 + Math.random() * (step / 2);
  }
}

export interface RestBaselineResult extends PlainClientCounts {
  students: number;
  completedItems: number;
}

/**
 * Fetches every active student's modules of every course, `concurrency` requests at a time.
 * @param onStudent called after each student, for progress lines.
 */
export async function runRestBaseline(opts: PlainClientOptions & { courseIds: string[]; concurrency: number; onStudent?: () => void }): Promise<RestBaselineResult> {
  const client = new PlainClient(opts);
  let students = 0;
  let completedItems = 0;
  const firstPages: Task[] = opts.courseIds.map((courseId) => ({
    kind: 'enrollments',
    courseId,
    url: client.url(`/courses/${encodeURIComponent(courseId)}/enrollments`, [['type[]', 'StudentEnrollment'], ['state[]', 'active'], ['per_page', PER_PAGE]]),
  }));
  await runPool<Task>(opts.concurrency, firstPages, async (task, schedule) => {
    if (task.kind === 'enrollments') {
      const { body, next } = await client.get(task.url);
      const enrollments = body as { user_id: string }[];
      // The roster first, so every worker has a student to fetch as soon as possible.
      if (next) schedule([{ ...task, url: next }], true);
      schedule(enrollments.map((e): Task => ({ kind: 'student', courseId: task.courseId, userId: String(e.user_id) })));
      return;
    }
    let url: URL | null = client.url(`/courses/${encodeURIComponent(task.courseId)}/modules`, [['include[]', 'items'], ['student_id', task.userId], ['per_page', PER_PAGE]]);
    while (url) {
      const page: { body: unknown; next: URL | null } = await client.get(url);
      for (const module of page.body as RawModule[]) completedItems += (module.items ?? []).filter((item) => item.completion_requirement?.completed).length;
      url = page.next;
    }
    students += 1;
    opts.onStudent?.();
  });
  return { ...client.counts, students, completedItems };
}
