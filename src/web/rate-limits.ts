import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from '../config/env';
import { TooManyRequestsError } from '../errors';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function limiter(windowMs: number, limit: number, options: { onlyFailures?: boolean } = {}): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Counts per client address (req.ip: behind a proxy on a private network, the address it forwards).
    skipSuccessfulRequests: options.onlyFailures ?? false,
    handler: (_req, _res, next) => next(new TooManyRequestsError()),
    // A `Forwarded` header is client input; the library would write a warning per request to stderr.
    validate: { forwardedHeader: false },
  });
}

/**
 * Limits per client address on the routes anyone can reach. They are set so that a whole
 * school behind one address is never refused: a hundred teachers launching in one minute, or a
 * training session of fifty at the same second, make two LTI requests each (login and launch).
 * Each instance counts on its own (in memory): a limit is per instance, which errs on letting
 * people in.
 */
export function rateLimiters(limits: Config['rateLimits']) {
  return {
    /** Everything without a session: the about page, static files, health, LTI, registration. */
    unauthenticated: limiter(MINUTE, limits.perMinute),
    /** Session pages count only their refusals (an unknown or ended session), which is what guessing looks like. */
    sessionFailures: limiter(MINUTE, limits.perMinute, { onlyFailures: true }),
    launches: limiter(MINUTE, limits.launchesPerMinute),
    registrations: limiter(HOUR, limits.registrationsPerHour),
  };
}

export type RateLimiters = ReturnType<typeof rateLimiters>;
