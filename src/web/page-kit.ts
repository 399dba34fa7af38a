import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { AuthorizationError, NotFoundError } from '../errors';
import type { ParticipantAccess, Readable, Viewer } from '../participants/access';
import { presentPerson } from './presenters';
import { requireAccess, sessionOf, type Access } from './session-auth';

declare module 'express-serve-static-core' {
  interface Locals {
    viewer?: Viewer;
  }
}

export const EVERYONE: Access = { roles: ['participant', 'facilitator', 'admin'] };
export const STAFF: Access = { roles: ['facilitator', 'admin'] };
export const PARTICIPANTS: Access = { roles: ['participant'] };
/** School contacts (induction tutors, headteachers): their school's dashboard and its sub-pages only. */
export const SCHOOL: Access = { roles: ['school'] };

export type Handler = (req: Request, res: Response) => Promise<void> | void;

export function wrap(handler: Handler): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res);
    } catch (error) {
      next(error);
    }
  };
}

/** Declares a page with its access rule; there is no default rule, so a forgotten one fails closed. */
export function pageOn(router: Router) {
  return (method: 'get' | 'post', path: string, access: Access, handler: Handler) => router[method](path, requireAccess(access), wrap(handler));
}

/**
 * The token every form of a session carries. Session pages live at a secret URL, not behind a
 * cookie, so a cross-site form cannot name the session anyway; the token is the second lock,
 * bound to the session so it is useless anywhere else.
 */
export function csrfTokenFor(formKey: Uint8Array, sessionId: string): string {
  return crypto.createHmac('sha256', formKey).update(sessionId).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/** Puts the person, their CSRF token and who they are (from the launch) in every page's locals; refuses a POST without the token. */
export function sessionLocals(formKey: Uint8Array, access: ParticipantAccess): RequestHandler {
  const load = async (req: Request, res: Response) => {
    const session = sessionOf(res);
    const csrf = csrfTokenFor(formKey, session._id);
    if (req.method === 'POST') {
      const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
      if (typeof sent !== 'string' || !sameToken(sent, csrf)) throw new AuthorizationError('This form has expired. Reload the page and try again.');
    }
    res.locals.csrf = csrf;
    res.locals.person = presentPerson(session);
    res.locals.viewer = await access.viewerOf(session);
  };
  return (req, res, next) => void load(req, res).then(() => next(), next);
}

export function viewerOf(res: Response): Viewer {
  const viewer = res.locals.viewer;
  if (!viewer) throw new AuthorizationError();
  return viewer;
}

/** The participant named in the path, when this viewer may read them; a 404 otherwise, so nothing tells who exists. */
export async function readableFromPath(access: ParticipantAccess, req: Request, res: Response): Promise<Readable> {
  const key = req.params.person;
  const found = typeof key === 'string' && key.length <= 200 ? await access.readable(viewerOf(res), key) : null;
  if (!found) throw new NotFoundError('There is no record here that you can see.');
  return found;
}

/** The school of a school session, and the session's base path; anyone else is refused. */
export function schoolOf(res: Response): { urn: string; contactEmail: string | null; base: string } {
  const session = sessionOf(res);
  if (session.role !== 'school' || !session.schoolUrn) throw new AuthorizationError('This page is for school contacts.');
  return { urn: session.schoolUrn, contactEmail: session.schoolContactEmail ?? null, base: `/s/${session._id}/` };
}
