import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ToolRole } from '../domain';
import { AuthenticationError, AuthorizationError } from '../errors';
import type { SessionStore, ToolSession } from '../sessions/store';

declare module 'express-serve-static-core' {
  interface Locals {
    session?: ToolSession;
  }
}

/** Loads the tool session named in the path; an unknown or expired one is a 401 page. */
export function loadSession(sessions: SessionStore): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const session = await sessions.find(String(req.params.sessionId));
      if (!session) throw new AuthenticationError('Your session has ended or the link is not valid. Reopen the tool from your Canvas course.');
      res.locals.session = session;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Every page declares who may see it; there is no default, so a forgotten rule fails closed. */
export interface Access {
  roles: readonly ToolRole[];
}

export function requireAccess(access: Access): RequestHandler {
  return (_req, res, next) => {
    const session = res.locals.session;
    if (!session) return next(new AuthenticationError());
    if (!access.roles.includes(session.role)) return next(new AuthorizationError());
    next();
  };
}

export function sessionOf(res: Response): ToolSession {
  const session = res.locals.session;
  if (!session) throw new AuthenticationError();
  return session;
}
