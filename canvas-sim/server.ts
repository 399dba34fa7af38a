import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canvasTime, makeUser, mintId, requiredItems, type Cohort, type SimCourse, type SimUser } from './cohort';
import { notFound, SimHttpError, SimulatorUsageError } from './errors';
import { expectedCourseProgress, type ExpectedCourseProgress } from './expected';
import { createGraphqlExecutor, type GraphqlRequest } from './graphql';
import { canvasJson } from './json';
import { createRandom } from './prng';
import { studentTruth, type StudentTruth } from './progress';
import { matchRestRoute, type RouteResult } from './rest';
import { LeakyBucket } from './throttle';

export interface FaultOptions {
  /** Share of requests answered 500. */
  serverErrorRate?: number;
  /** Share of requests held open without an answer until the client gives up. */
  timeoutRate?: number;
  /** Share of requests whose JSON body is cut short of its Content-Length. */
  truncateRate?: number;
  seed?: number | string;
}

/** 403 is not something Canvas sends for a course (it answers 401); it is here to test clients. */
export type CourseFault = 401 | 403 | 404;

export interface SimulatorOptions {
  data: Cohort;
  port?: number;
  host?: string;
  token?: string;
  latencyMs?: number;
  perStudentLatencyMs?: number;
  baseCost?: number;
  perStudentCost?: number;
  highWaterMark?: number;
  /** The bucket's ceiling above the high-water mark (Canvas default 800). */
  maximum?: number;
  outflowPerSecond?: number;
  upfrontCost?: number;
  throttleStatus?: 403 | 429;
  faults?: FaultOptions;
  courseFaults?: Record<string, CourseFault>;
  graphql?: boolean;
}

export interface SimulatorStats {
  requests: number;
  calls: Record<string, number>;
  throttled: number;
  faults: { serverError: number; timeout: number; truncate: number };
  rejected: { userAgent: number; auth: number };
  maxConcurrent: number;
  /** Lowest `X-Rate-Limit-Remaining` sent: how close clients came to being throttled. */
  minRemaining: number;
}

export interface CanvasSimulator {
  url: string;
  token: string;
  /** The simulator's own copy of the cohort, changed by the controls below. */
  data: Cohort;
  close(): Promise<void>;
  stats(): SimulatorStats;
  resetStats(): void;
  setFaults(faults: FaultOptions): void;
  /** Turns the GraphQL endpoint on or off (off: 404, as on an instance without it). */
  setGraphql(enabled: boolean): void;
  /** Makes a required item invisible to one student, as an item assigned only to other students is. */
  hideItemFrom(courseId: string, userId: string, itemId: string): void;
  /** Answers GraphQL as Canvas does for a token without view_all_grades: every courseProgression is null. */
  setProgressionHidden(hidden: boolean): void;
  /** Makes one course answer with `fault` (null restores it), as `courseFaults` does at start. */
  setCourseFault(courseId: string, fault: CourseFault | null): void;
  /** Per active student of the course: required items met and not met, in course order. */
  truth(courseId: string): Map<string, StudentTruth>;
  /**
   * The module progress the course should show, per active student, from what the generator
   * recorded rather than from titles: both the course-wide and each student's own denominators.
   */
  expectedProgress(courseId: string): ExpectedCourseProgress;
  completeItems(courseId: string, userId: string, itemIds: readonly string[]): void;
  uncompleteItems(courseId: string, userId: string, itemIds: readonly string[]): void;
  /** Completes a few more items for `fraction` of the students; returns who changed. */
  changeStudents(courseId: string, fraction: number, seed: number | string): string[];
  addStudent(courseId: string, opts?: { sectionId?: string; seed?: number | string }): SimUser;
  removeStudent(courseId: string, userId: string): void;
}

type Fault = 'serverError' | 'timeout' | 'truncate' | null;

const STRING_IDS = 'application/json+canvas-string-ids';
const MAX_BODY_BYTES = 1_000_000;

function emptyStats(): SimulatorStats {
  return {
    requests: 0,
    calls: {},
    throttled: 0,
    faults: { serverError: 0, timeout: 0, truncate: 0 },
    rejected: { userAgent: 0, auth: 0 },
    maxConcurrent: 0,
    minRemaining: Infinity,
  };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new SimHttpError(413, { errors: [{ message: 'request too large' }] });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function courseFaultError(fault: CourseFault): SimHttpError {
  if (fault === 404) return notFound();
  if (fault === 403) return new SimHttpError(403, { status: 'forbidden', errors: [{ message: 'Forbidden' }] });
  // Canvas's "no permission" 401 carries no WWW-Authenticate header, unlike a bad token.
  return new SimHttpError(401, {
    status: 'unauthorized',
    errors: [{ message: 'user not authorized to perform that action' }],
  });
}

/**
 * Starts an HTTP server with Canvas's semantics for the calls the sync makes. Test, bench
 * and demo use only; see canvas-sim/README.md for the cost and fault model.
 * @param opts the cohort plus latency, cost, throttle and fault settings.
 * @returns the running simulator with its controls; call `close()` when done.
 */
export async function startCanvasSimulator(opts: SimulatorOptions): Promise<CanvasSimulator> {
  const data = structuredClone(opts.data);
  const token = opts.token ?? 'sim-token-0123456789abcdef';
  const latencyMs = opts.latencyMs ?? 40;
  const perStudentLatencyMs = opts.perStudentLatencyMs ?? 1;
  const baseCost = opts.baseCost ?? 0.03;
  const perStudentCost = opts.perStudentCost ?? 0.004;
  const throttleStatus = opts.throttleStatus ?? 403;
  const courseFaults = new Map(Object.entries(opts.courseFaults ?? {}));
  const hiddenCourses = new Set(courseFaults.keys());
  let graphqlEnabled = opts.graphql ?? true;
  let progressionHidden = false;
  const bucket = new LeakyBucket({
    highWaterMark: opts.highWaterMark ?? 600,
    maximum: opts.maximum ?? 800,
    outflowPerSecond: opts.outflowPerSecond ?? 10,
    upfrontCost: opts.upfrontCost ?? 50,
  });
  const executor = createGraphqlExecutor(data);
  let faults: FaultOptions = opts.faults ?? {};
  let stats = emptyStats();
  let inFlight = 0;
  const occurrences = new Map<string, number>();
  let baseUrl = '';

  /**
   * Decided per request key and occurrence, not per arrival order, so the same calls get
   * the same faults however concurrent requests interleave.
   */
  function decideFault(key: string): Fault {
    const total = (faults.serverErrorRate ?? 0) + (faults.timeoutRate ?? 0) + (faults.truncateRate ?? 0);
    if (total <= 0) return null;
    const n = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, n);
    const roll = createRandom(`${faults.seed ?? 0}|${key}|${n}`).next();
    const serverError = faults.serverErrorRate ?? 0;
    const timeout = serverError + (faults.timeoutRate ?? 0);
    if (roll < serverError) return 'serverError';
    if (roll < timeout) return 'timeout';
    if (roll < total) return 'truncate';
    return null;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  function route(req: IncomingMessage, url: URL, body: string): { key: string; run: () => Promise<RouteResult> } {
    if (url.pathname === '/api/graphql' && graphqlEnabled) {
      return {
        key: 'graphql',
        run: async () => {
          if (req.method !== 'POST') throw notFound();
          let request: GraphqlRequest;
          try {
            request = JSON.parse(body || '{}') as GraphqlRequest;
          } catch {
            throw new SimHttpError(400, { errors: [{ message: 'Invalid JSON in request body' }] });
          }
          const { body: result, usage } = await executor.execute(request, { hiddenCourses, progressionHidden });
          return { status: 200, body: result, students: usage.progressions };
        },
      };
    }
    const rest = matchRestRoute(req.method ?? 'GET', url);
    if (!rest) return { key: 'unknown', run: () => Promise.reject(notFound()) };
    return {
      key: rest.key,
      run: async () => {
        const fault = rest.courseId === undefined ? undefined : courseFaults.get(rest.courseId);
        if (fault !== undefined) throw courseFaultError(fault);
        return rest.run({ data, url, baseUrl });
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    inFlight += 1;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    stats.requests += 1;
    const url = new URL(req.url ?? '/', baseUrl);
    const body = req.method === 'POST' ? await readBody(req) : '';

    if (!req.headers['user-agent']) {
      stats.rejected.userAgent += 1;
      sendJson(res, 403, { errors: [{ message: 'A User-Agent header is required for API requests.' }] }, {});
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      stats.rejected.auth += 1;
      sendJson(
        res,
        401,
        { status: 'unauthenticated', errors: [{ message: 'Invalid access token.' }] },
        { 'WWW-Authenticate': 'Bearer realm="canvas-lms"' },
      );
      return;
    }

    const { key, run } = route(req, url, body);
    stats.calls[key] = (stats.calls[key] ?? 0) + 1;

    if (!bucket.reserve()) {
      stats.throttled += 1;
      bucket.settle(0);
      const text = `${throttleStatus} ${throttleStatus === 403 ? 'Forbidden' : 'Too Many Requests'} (Rate Limit Exceeded)\n`;
      const remaining = bucket.remaining();
      stats.minRemaining = Math.min(stats.minRemaining, remaining);
      const headers: Record<string, string> = {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Rate-Limit-Remaining': remaining.toFixed(3),
      };
      if (throttleStatus === 429) headers['Retry-After'] = String(Math.max(1, Math.ceil(bucket.secondsUntilAvailable())));
      res.writeHead(throttleStatus, headers);
      res.end(text);
      return;
    }

    const fault = decideFault(`${req.method} ${url.pathname}${url.search} ${body}`);
    if (fault === 'timeout') {
      stats.faults.timeout += 1;
      // Held open: the reservation stays in the bucket until the client hangs up, as on Canvas.
      res.on('close', () => bucket.settle(0));
      return;
    }

    let result: RouteResult;
    try {
      result = await run();
    } catch (error) {
      if (!(error instanceof SimHttpError)) throw error;
      result = { status: error.status, body: error.body, students: 0 };
    }
    await sleep(latencyMs + perStudentLatencyMs * result.students);
    if (fault === 'serverError') {
      stats.faults.serverError += 1;
      result = { status: 500, body: { errors: [{ message: 'An error occurred.' }], error_report_id: '1' }, students: 0 };
    }
    const cost = baseCost + perStudentCost * result.students;
    bucket.settle(cost);

    const stringIds = (req.headers.accept ?? '').includes(STRING_IDS) || key === 'graphql';
    const text = canvasJson(result.body, stringIds);
    const remaining = bucket.remaining();
    stats.minRemaining = Math.min(stats.minRemaining, remaining);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      'X-Request-Cost': cost.toFixed(4),
      'X-Rate-Limit-Remaining': remaining.toFixed(3),
    };
    if (result.link !== undefined) headers.Link = result.link;
    res.writeHead(result.status, headers);
    if (fault === 'truncate') {
      stats.faults.truncate += 1;
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof SimHttpError ? error.status : 500;
      const body = error instanceof SimHttpError ? error.body : { errors: [{ message: 'An error occurred.' }] };
      if (!res.headersSent) sendJson(res, status, body, {});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.address}:${address.port}`;

  function course(courseId: string): SimCourse {
    const found = data.courses.find((c) => c.id === courseId);
    if (!found) throw new SimulatorUsageError(`no course ${courseId} in the simulator`);
    return found;
  }

  function studentEnrollment(c: SimCourse, userId: string) {
    const enrollment = c.enrollments.find((e) => e.userId === userId && e.type === 'StudentEnrollment' && e.state === 'active');
    if (!enrollment) throw new SimulatorUsageError(`user ${userId} is not an active student of course ${c.id}`);
    return enrollment;
  }

  function requiredIds(c: SimCourse, itemIds: readonly string[]): readonly string[] {
    const required = new Set(requiredItems(c).map((item) => item.id));
    const unknown = itemIds.filter((id) => !required.has(id));
    if (unknown.length > 0) throw new SimulatorUsageError(`items ${unknown.join(', ')} are not required items of course ${c.id}`);
    return itemIds;
  }

  function complete(c: SimCourse, userId: string, itemIds: readonly string[]): void {
    const enrollment = studentEnrollment(c, userId);
    const at = Math.floor(Date.now() / 1000) * 1000;
    const completions = c.completions.get(userId) ?? new Map<string, number>();
    for (const id of requiredIds(c, itemIds)) if (!completions.has(id)) completions.set(id, at);
    c.completions.set(userId, completions);
    enrollment.lastActivityAt = canvasTime(at);
  }

  return {
    url: baseUrl,
    token,
    data,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    stats: () => structuredClone(stats),
    setGraphql: (enabled) => {
      graphqlEnabled = enabled;
    },
    setProgressionHidden: (hidden) => {
      progressionHidden = hidden;
    },
    hideItemFrom: (courseId, userId, itemId) => {
      const c = course(courseId);
      studentEnrollment(c, userId);
      requiredIds(c, [itemId]);
      c.hiddenItems ??= {};
      c.hiddenItems[userId] = [...new Set([...(c.hiddenItems[userId] ?? []), itemId])];
    },
    setCourseFault: (courseId, fault) => {
      if (fault === null) {
        courseFaults.delete(courseId);
        hiddenCourses.delete(courseId);
      } else {
        courseFaults.set(courseId, fault);
        hiddenCourses.add(courseId);
      }
    },
    resetStats: () => {
      stats = emptyStats();
      stats.maxConcurrent = inFlight;
    },
    setFaults: (next) => {
      faults = next;
      occurrences.clear();
    },
    truth: (courseId) => {
      const c = course(courseId);
      const students = c.enrollments.filter((e) => e.type === 'StudentEnrollment' && e.state === 'active');
      return new Map(students.map((e) => [e.userId, studentTruth(c, e.userId)]));
    },
    expectedProgress: (courseId) => expectedCourseProgress(course(courseId)),
    completeItems: (courseId, userId, itemIds) => complete(course(courseId), userId, itemIds),
    uncompleteItems: (courseId, userId, itemIds) => {
      const c = course(courseId);
      studentEnrollment(c, userId);
      const completions = c.completions.get(userId);
      for (const id of requiredIds(c, itemIds)) completions?.delete(id);
    },
    changeStudents: (courseId, fraction, seed) => {
      const c = course(courseId);
      const random = createRandom(seed);
      const candidates = c.enrollments
        .filter((e) => e.type === 'StudentEnrollment' && e.state === 'active')
        .map((e) => studentTruth(c, e.userId))
        .filter((t) => t.incompleteItemIds.length > 0);
      for (let i = candidates.length - 1; i > 0; i -= 1) {
        const j = random.int(0, i);
        [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
      }
      const chosen = candidates.slice(0, Math.round(fraction * candidates.length));
      for (const t of chosen) complete(c, t.userId, t.incompleteItemIds.slice(0, random.int(1, 5)));
      return chosen.map((t) => t.userId);
    },
    addStudent: (courseId, addOpts = {}) => {
      const c = course(courseId);
      const random = createRandom(addOpts.seed ?? data.nextId);
      const person = makeUser(data, random, data.nextId);
      const sectionId = addOpts.sectionId ?? c.sections[0]?.id;
      if (sectionId === undefined || !c.sections.some((s) => s.id === sectionId)) {
        throw new SimulatorUsageError(`course ${courseId} has no section ${String(sectionId)}`);
      }
      data.users.set(person.id, person);
      c.completions.set(person.id, new Map());
      c.enrollments.push({
        id: mintId(data),
        userId: person.id,
        sectionId,
        type: 'StudentEnrollment',
        state: 'active',
        lastActivityAt: null,
      });
      c.rosterVersion += 1;
      return person;
    },
    removeStudent: (courseId, userId) => {
      const c = course(courseId);
      studentEnrollment(c, userId).state = 'deleted';
      c.rosterVersion += 1;
    },
  };
}
