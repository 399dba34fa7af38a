import {
  CanvasAuthError,
  CanvasConfigError,
  CanvasError,
  CanvasForbiddenError,
  CanvasGraphQLError,
  CanvasNotFoundError,
  CanvasRequestError,
  CanvasSchemaError,
  type CanvasFailureKind,
} from './errors';
import { appendQuery, endpointKey, parseLinkHeader, parseRetryAfter, type Query } from './http';
import { AdaptiveLimiter, DEFAULT_MAX_IN_FLIGHT } from './limiter';

/** The slice of pino's Logger the client uses; pass a pino logger or child. */
export interface CanvasLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface CanvasClientOptions {
  /** Canvas root, e.g. `https://school.instructure.com` (a trailing `/api/v1` is tolerated). */
  baseUrl: string;
  /** API access token of the sync account. Kept private; never logged or put in errors. */
  token: string;
  /** Canvas refuses API requests without one; name the tool and a contact. */
  userAgent: string;
  /** Per attempt, covering the body too. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. */
  maxRetries?: number;
  maxConcurrency?: number;
  initialConcurrency?: number;
  /** Canvas's throttle settings, only if the instance's differ from the defaults (600, 50, 10/s). */
  rateLimit?: { highWaterMark?: number; upfrontCost?: number; outflowPerSecond?: number };
  /** First backoff step; later steps double, with jitter, up to `maxRetryDelayMs`. */
  retryBaseDelayMs?: number;
  maxRetryDelayMs?: number;
  logger?: CanvasLogger;
}

/** For the sync's run record. `calls` counts HTTP attempts, retries included. */
export interface CanvasClientStats {
  calls: Record<string, number>;
  requests: number;
  retries: number;
  throttled: number;
  /** Calls that ended in an error thrown to the caller. */
  errors: number;
  requestTimeMs: number;
  maxInFlight: number;
  concurrency: number;
}

type Attempt =
  | { ok: true; body: unknown; headers: Headers; remaining?: number }
  | { ok: false; retry: true; kind: CanvasFailureKind; status?: number; retryAfterMs?: number; remaining?: number }
  | { ok: false; retry: false; error: CanvasError; remaining?: number };

interface Sent {
  body: unknown;
  headers: Headers;
}

const STRING_IDS = 'application/json+canvas-string-ids';
const DEFAULT_PER_PAGE = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function remainingOf(headers: Headers): number | undefined {
  const raw = headers.get('x-rate-limit-remaining');
  if (raw === null) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * Canvas REST and GraphQL client: string ids, bounded jittered retries for transient
 * failures (5xx, network, timeouts, cut-off bodies, throttling) and an adaptive concurrency
 * limit driven by Canvas's rate-limit headers. Definite answers (401, 403, 404, other 4xx)
 * are never retried.
 */
export class CanvasClient {
  readonly #token: string;
  readonly origin: string;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly logger?: CanvasLogger;
  private readonly limiter: AdaptiveLimiter;
  private readonly counters = { requests: 0, retries: 0, throttled: 0, errors: 0, requestTimeMs: 0 };
  private readonly calls: Record<string, number> = {};

  /**
   * @param opts base URL, token and User-Agent are required; the rest have safe defaults.
   * @throws CanvasConfigError when a required setting is missing or the URL is not http(s).
   */
  constructor(opts: CanvasClientOptions) {
    if (!opts.token) throw new CanvasConfigError('A Canvas API token is required');
    if (!opts.userAgent?.trim()) throw new CanvasConfigError('A User-Agent is required: Canvas refuses requests without one');
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new CanvasConfigError('The Canvas base URL is not a valid URL');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new CanvasConfigError('The Canvas base URL must be http(s)');
    }
    this.#token = opts.token;
    this.origin = base.origin;
    this.userAgent = opts.userAgent;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxRetries = opts.maxRetries ?? 5;
    this.retryBaseDelayMs = opts.retryBaseDelayMs ?? 500;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000;
    this.logger = opts.logger;
    this.limiter = new AdaptiveLimiter({
      ...opts.rateLimit,
      max: opts.maxConcurrency ?? DEFAULT_MAX_IN_FLIGHT,
      initial: Math.min(opts.initialConcurrency ?? 4, opts.maxConcurrency ?? DEFAULT_MAX_IN_FLIGHT),
    });
  }

  /**
   * GETs one resource.
   * @param path relative to `/api/v1`, e.g. `/courses/1`.
   * @throws CanvasError subclasses; see the class description for which are retried first.
   */
  async get<T>(path: string, query: Query = {}): Promise<T> {
    const url = this.url(path, query);
    const sent = await this.send('GET', url, undefined, endpointKey('GET', url.pathname));
    return sent.body as T;
  }

  /**
   * Yields a list endpoint page by page, following `Link: rel="next"` as an opaque URL.
   * The query goes only on the first request; Canvas carries it in the next links.
   * @param query defaults to `per_page=100`.
   * @throws CanvasSchemaError if a page is not a JSON array.
   */
  async *paginate<T>(path: string, query: Query = {}): AsyncGenerator<T[], void, undefined> {
    const first = this.url(path, { per_page: DEFAULT_PER_PAGE, ...query });
    yield* this.followFrom<T>(first.toString(), endpointKey('GET', first.pathname), new Set());
  }

  /**
   * Yields a list endpoint's pages like `paginate`, but several at a time where Canvas numbers
   * its pages (a `last` link: bulk progress, modules, sections): after page 1, pages 2 to the
   * last go out side by side by `page=N` (the limiter decides how many are in flight), then any
   * page past them is followed by `next` links. Canvas's `last` link names the page count; where
   * its token is opaque, `expectedPages` (e.g. from the previous sync) stands in. Lists paged by
   * bookmarks (no `last`) are followed one page after the other.
   * @throws CanvasSchemaError if a page is not a JSON array.
   */
  async *paginateSideBySide<T>(path: string, query: Query, expectedPages: number): AsyncGenerator<T[], void, undefined> {
    const first = this.url(path, { per_page: DEFAULT_PER_PAGE, ...query });
    const endpoint = endpointKey('GET', first.pathname);
    const firstPage = await this.page<T>(first, endpoint);
    yield firstPage.rows;
    const last = firstPage.links.get('last');
    if (firstPage.links.get('next') === undefined || last === undefined) {
      yield* this.followFrom<T>(firstPage.links.get('next'), endpoint, new Set([first.toString()]));
      return;
    }
    const numbered = /^\d+$/.exec(new URL(last, this.origin).searchParams.get('page') ?? '');
    const lastPage = numbered ? Number(numbered[0]) : Math.max(2, expectedPages);
    const pages = Array.from({ length: lastPage - 1 }, (_, i) => this.page<T>(this.url(path, { per_page: DEFAULT_PER_PAGE, ...query, page: i + 2 }), endpoint));
    // A consumer that stops early has its error already; the pages nobody will read must not
    // surface later as unhandled rejections.
    for (const page of pages) page.catch(() => undefined);
    let tail: { rows: T[]; links: Map<string, string> } = firstPage;
    for (const page of pages) {
      tail = await page;
      yield tail.rows;
    }
    yield* this.followFrom<T>(tail.links.get('next'), endpoint, new Set());
  }

  private async *followFrom<T>(link: string | undefined, endpoint: string, seen: Set<string>): AsyncGenerator<T[], void, undefined> {
    let next = link === undefined ? null : this.followable(link, endpoint, seen);
    while (next !== null) {
      seen.add(next.toString());
      const page = await this.page<T>(next, endpoint);
      yield page.rows;
      const link = page.links.get('next');
      next = link === undefined ? null : this.followable(link, endpoint, seen);
    }
  }

  private async page<T>(url: URL, endpoint: string): Promise<{ rows: T[]; links: Map<string, string> }> {
    const sent = await this.send('GET', url, undefined, endpoint);
    if (!Array.isArray(sent.body)) {
      this.counters.errors += 1;
      throw new CanvasSchemaError(endpoint, ['(root): expected an array page']);
    }
    return { rows: sent.body as T[], links: parseLinkHeader(sent.headers.get('link')) };
  }

  /**
   * Runs a GraphQL query at `/api/graphql`. Canvas reports query errors with status 200.
   * @throws CanvasGraphQLError when the response carries `errors`.
   */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const endpoint = 'POST /graphql';
    const sent = await this.send('POST', new URL('/api/graphql', this.origin), JSON.stringify({ query, variables }), endpoint);
    const body = sent.body as { data?: unknown; errors?: { message?: unknown }[] } | null;
    if (body === null || typeof body !== 'object') {
      this.counters.errors += 1;
      throw new CanvasSchemaError(endpoint, ['(root): expected an object']);
    }
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      this.counters.errors += 1;
      throw new CanvasGraphQLError(
        endpoint,
        body.errors.map((e) => (typeof e?.message === 'string' ? e.message : 'unknown error')),
      );
    }
    return body.data as T;
  }

  stats(): CanvasClientStats {
    return {
      calls: { ...this.calls },
      ...this.counters,
      requestTimeMs: Math.round(this.counters.requestTimeMs),
      maxInFlight: this.limiter.maxInFlight,
      concurrency: this.limiter.limit,
    };
  }

  private url(path: string, query: Query): URL {
    const full = path.startsWith('/api/') ? path : `/api/v1${path.startsWith('/') ? '' : '/'}${path}`;
    const url = new URL(full, this.origin);
    appendQuery(url, query);
    return url;
  }

  /** A next link must stay on the Canvas origin: the token goes wherever the link points. */
  private followable(link: string, endpoint: string, seen: ReadonlySet<string>): URL {
    const next = new URL(link, this.origin);
    if (next.origin !== this.origin || seen.has(next.toString())) {
      this.counters.errors += 1;
      throw new CanvasRequestError(endpoint, 'unsafe_link');
    }
    return next;
  }

  private async send(method: 'GET' | 'POST', url: URL, body: string | undefined, endpoint: string): Promise<Sent> {
    for (let attempt = 1; ; attempt += 1) {
      await this.limiter.acquire();
      const started = performance.now();
      let result: Attempt;
      try {
        result = await this.attempt(method, url, body, endpoint);
      } finally {
        this.counters.requests += 1;
        this.calls[endpoint] = (this.calls[endpoint] ?? 0) + 1;
        this.counters.requestTimeMs += performance.now() - started;
      }
      const throttled = !result.ok && result.retry && result.kind === 'throttled';
      this.limiter.release({
        remaining: result.remaining,
        throttled,
        retryAfterMs: !result.ok && result.retry ? result.retryAfterMs : undefined,
      });
      if (throttled) this.counters.throttled += 1;
      if (result.ok) {
        this.logger?.debug({ endpoint, attempt, ms: Math.round(performance.now() - started) }, 'canvas request');
        return { body: result.body, headers: result.headers };
      }
      if (!result.retry) {
        this.counters.errors += 1;
        throw result.error;
      }
      if (attempt > this.maxRetries) {
        this.counters.errors += 1;
        throw new CanvasRequestError(endpoint, result.kind, result.status, attempt);
      }
      const delayMs = this.backoff(attempt, result.retryAfterMs);
      this.counters.retries += 1;
      this.logger?.warn({ endpoint, attempt, kind: result.kind, status: result.status, delayMs }, 'canvas request retry');
      await sleep(delayMs);
    }
  }

  /** Equal jitter: half the exponential step plus a random half, never below Retry-After. */
  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const step = Math.min(this.maxRetryDelayMs, this.retryBaseDelayMs * 2 ** (attempt - 1));
    const jittered = step / 2 + Math.random() * (step / 2);
    return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, this.maxRetryDelayMs)));
  }

  private async attempt(method: string, url: URL, body: string | undefined, endpoint: string): Promise<Attempt> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      Accept: STRING_IDS,
      'User-Agent': this.userAgent,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    let text: string;
    // A timer we clear, rather than AbortSignal.timeout, whose pending timers keep a process
    // (and jest's workers) alive after the work is done.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), this.timeoutMs);
    try {
      try {
        response = await fetch(url, { method, headers, body, redirect: 'manual', signal: controller.signal });
      } catch (error) {
        return { ok: false, retry: true, kind: isTimeout(error) ? 'timeout' : 'network' };
      }
      try {
        text = await response.text();
      } catch (error) {
        // The connection dropped mid-body (Content-Length not reached) or the timeout fired.
        return { ok: false, retry: true, kind: isTimeout(error) ? 'timeout' : 'invalid_body', status: response.status, remaining: remainingOf(response.headers) };
      }
    } finally {
      clearTimeout(timer);
    }
    const remaining = remainingOf(response.headers);
    const status = response.status;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));

    if (status >= 200 && status < 300) {
      if (text === '') return { ok: true, body: null, headers: response.headers, remaining };
      try {
        return { ok: true, body: JSON.parse(text) as unknown, headers: response.headers, remaining };
      } catch {
        return { ok: false, retry: true, kind: 'invalid_body', status, remaining };
      }
    }
    if (status === 429 || (status === 403 && text.includes('Rate Limit Exceeded'))) {
      return { ok: false, retry: true, kind: 'throttled', status, retryAfterMs, remaining };
    }
    if (status >= 500) return { ok: false, retry: true, kind: 'server', status, retryAfterMs, remaining };
    if (status === 401) {
      const reason = response.headers.has('www-authenticate') ? 'invalid_token' : 'not_authorized';
      return { ok: false, retry: false, error: new CanvasAuthError(endpoint, reason), remaining };
    }
    if (status === 403) return { ok: false, retry: false, error: new CanvasForbiddenError(endpoint), remaining };
    if (status === 404) return { ok: false, retry: false, error: new CanvasNotFoundError(endpoint), remaining };
    return { ok: false, retry: false, error: new CanvasRequestError(endpoint, 'client', status), remaining };
  }
}
