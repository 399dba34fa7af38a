/**
 * Failures talking to Canvas. Each carries a stable `id`, the normalised endpoint
 * (`GET /courses/:id/modules`) and a message safe to log: never the token, a URL with its
 * query, or a response body (which may hold personal data).
 */
export class CanvasError extends Error {
  constructor(
    readonly id: string,
    message: string,
    readonly endpoint: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * 401. Canvas sends `WWW-Authenticate` when the token itself is bad (expired, revoked),
 * and a bare 401 when the token is fine but its user lacks the permission.
 */
export class CanvasAuthError extends CanvasError {
  constructor(
    endpoint: string,
    readonly reason: 'invalid_token' | 'not_authorized',
  ) {
    super(
      'canvas_auth',
      reason === 'invalid_token'
        ? `Canvas rejected the access token for ${endpoint}`
        : `The Canvas account lacks permission for ${endpoint}`,
      endpoint,
      401,
    );
  }
}

/** A 403 that is not throttling: retrying cannot help. */
export class CanvasForbiddenError extends CanvasError {
  constructor(endpoint: string, detail = 'Canvas refused') {
    super('canvas_forbidden', `${detail} ${endpoint}`, endpoint, 403);
  }
}

export class CanvasNotFoundError extends CanvasError {
  constructor(endpoint: string) {
    super('canvas_not_found', `Canvas found nothing at ${endpoint}`, endpoint, 404);
  }
}

/**
 * Why a request failed. `client` is a 4xx Canvas meant; the others are transient failures
 * that survived every retry, so the sync can try again later.
 */
export type CanvasFailureKind =
  | 'client'
  | 'server'
  | 'timeout'
  | 'network'
  | 'invalid_body'
  | 'throttled'
  | 'unsafe_link';

export class CanvasRequestError extends CanvasError {
  readonly transient: boolean;

  constructor(
    endpoint: string,
    readonly kind: CanvasFailureKind,
    status?: number,
    readonly attempts = 1,
  ) {
    const what = status === undefined ? kind : `${kind} (${status})`;
    super('canvas_request', `Canvas request ${endpoint} failed: ${what} after ${attempts} attempt(s)`, endpoint, status);
    this.transient = kind !== 'client' && kind !== 'unsafe_link';
  }
}

/** Canvas answered, but not in the shape the sync depends on. Only field paths are kept. */
export class CanvasSchemaError extends CanvasError {
  constructor(
    endpoint: string,
    readonly issues: readonly string[],
  ) {
    super('canvas_schema', `Unexpected Canvas response from ${endpoint}: ${issues.slice(0, 5).join('; ')}`, endpoint);
  }
}

/** A GraphQL response carrying `errors`; Canvas sends these with status 200. */
export class CanvasGraphQLError extends CanvasError {
  constructor(
    endpoint: string,
    readonly messages: readonly string[],
  ) {
    super('canvas_graphql', `Canvas GraphQL error: ${messages.slice(0, 3).join('; ').slice(0, 300)}`, endpoint);
  }
}

/** The client was built with settings that cannot work (no token, no User-Agent, bad URL). */
export class CanvasConfigError extends CanvasError {
  constructor(message: string) {
    super('canvas_config', message, 'config');
  }
}
