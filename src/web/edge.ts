import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, NotFoundError, ValidationError } from '../errors';

export class MethodNotAllowedError extends AppError {
  constructor() {
    super('method_not_allowed', 405, 'This address does not accept that kind of request.');
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('unsupported_media_type', 415, 'The request could not be read.');
  }
}

/**
 * Only the methods a route handles reach it: the rest get 405 with `Allow`, before any
 * library behind the route sees them (ltijs answers every method on its routes).
 */
export function allowMethods(...methods: ('GET' | 'POST')[]): RequestHandler {
  const allowed = new Set<string>(methods.includes('GET') ? [...methods, 'HEAD'] : methods);
  return (req, res, next) => {
    if (allowed.has(req.method)) return next();
    res.setHeader('Allow', [...allowed].join(', '));
    next(new MethodNotAllowedError());
  };
}

/** A GET carries no body; a POST carries a form or JSON, nothing else. */
export function bodyShape(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (req.method === 'POST') {
    if (hasBody && !req.is(['application/x-www-form-urlencoded', 'application/json'])) return next(new UnsupportedMediaTypeError());
  } else if (hasBody) {
    return next(new ValidationError('The request could not be read.'));
  }
  next();
}

/**
 * Paths with repeated slashes, dot segments, encoded separators or backslashes have no
 * meaning here; some of them route differently from how they read, and all of them slip past
 * naive log redaction. They are refused before routing.
 */
const ODD_PATH = /\/\/|\/\.\.?(\/|$)|%2f|%5c|%2e|\\|%00/i;

export function refuseOddPaths(req: Request, _res: Response, next: NextFunction): void {
  const path = req.url.split('?')[0];
  if (ODD_PATH.test(path)) return next(new NotFoundError());
  next();
}

export interface ParamRule {
  /** Longest accepted value, in characters. */
  max: number;
  required?: boolean;
  pattern?: RegExp;
}

/**
 * Checks named parameters from the query and the body before a library or the store sees
 * them: each present value must be one string (never an array or an object, which is how
 * `?iss[$regex]=…` or a JSON body tries to reach a query), of bounded length and shape.
 */
export function stringParams(rules: Record<string, ParamRule>): RequestHandler {
  return (req, _res, next) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const query = req.query as Record<string, unknown>;
    for (const [name, rule] of Object.entries(rules)) {
      for (const value of [query[name], body[name]]) {
        if (value === undefined) continue;
        if (typeof value !== 'string' || value.length > rule.max || (rule.pattern && !rule.pattern.test(value))) {
          return next(new ValidationError('The request could not be read. Reopen the tool from Canvas.'));
        }
      }
      if (rule.required && query[name] === undefined && body[name] === undefined) {
        return next(new ValidationError('This address is for launches from Canvas. Open the tool from your Canvas course.'));
      }
    }
    next();
  };
}

/** Pages that show a person's data are never kept by a browser or a proxy. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
}
