import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pinoHttp from 'pino-http';
import type { Logger } from '../log/logger';

/** Session ids travel in page paths; logs keep the route shape and never the id. */
export function redactPath(url: string): string {
  return url.replace(/^\/s\/[^/?]+/, '/s/:session').replace(/\?.*$/, '');
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
