import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pinoHttp from 'pino-http';
import type { Logger } from '../log/logger';

const SESSION_SEGMENT = /\/+s\/+[^/]*/gi;
/** A session id, in any spelling, anywhere in a path: 32 base64url characters, some maybe percent-encoded. */
const ID_LIKE_SEGMENT = /^(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){20,}$/;

/**
 * Session ids travel in page paths; logs keep the route shape and never the id, whatever the
 * spelling (`/S/<id>`, `//s/<id>`, percent-encoded letters) and wherever it sits. The query goes too.
 */
export function redactPath(url: string): string {
  const path = url.replace(/[?#].*$/s, '').replace(SESSION_SEGMENT, '/s/:session');
  return path
    .split('/')
    .map((segment) => (ID_LIKE_SEGMENT.test(segment) ? ':redacted' : segment))
    .join('/');
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    },
    customAttributeKeys: { reqId: 'reqId' },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: redactPath(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  });
}
