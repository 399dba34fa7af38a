import crypto from 'node:crypto';
import { SESSION_LIFETIME_MS } from '../config/env';
import type { Store } from '../db/store';
import type { LaunchView, Programme, ToolRole } from '../domain';

/**
 * A tool session, created by a validated launch. It is carried in the page URL rather than
 * a cookie so that navigation inside Canvas's iframe works when third-party cookies are
 * blocked. It ends after 8 hours, after the idle timeout without a request, at sign-out, or
 * when its platform is removed; it is read from the store on every request, so an ending
 * made by any instance (or the CLI) holds everywhere at once.
 */
export interface ToolSession {
  _id: string;
  createdAt: Date;
  expiresAt: Date;
  /** Written at most once a minute, so an active session costs one small write a minute. */
  lastSeenAt: Date;
  issuer: string;
  clientId: string;
  deploymentId: string;
  sub: string;
  canvasUserId: string | null;
  name: string;
  /** A facilitator's email from the launch, as `emailDigest`: their groups are found by it, and no address is kept. */
  emailDigest?: string | null;
  canvasCourseId: string | null;
  contextId: string | null;
  courseTitle: string;
  role: ToolRole;
  programme: Programme | null;
  view: LaunchView;
  returnUrl: string | null;
  /** Canvas's placement of the launch (`course_navigation`, `assignment_selection`, …); null when it sent none. */
  placement?: string | null;
  /** The AGS line item of an assignment launch: where a score for it goes. */
  lineItem?: string | null;
  deepLinking: { returnUrl: string; acceptMultiple: boolean; acceptTypes: string[]; data?: string } | null;
  /** A school session's school (role 'school'): the URN of the contact's school. */
  schoolUrn?: string | null;
  /** A session opened by a signed school link: the link's id, re-checked on every request so revoking it ends the session. */
  schoolLinkId?: string | null;
  /** The school contact's email when known (the link's, or the launch's contact match); notification settings need it. Never logged. */
  schoolContactEmail?: string | null;
}

export type NewSession = Omit<ToolSession, '_id' | 'createdAt' | 'expiresAt' | 'lastSeenAt'>;

const TOUCH_EVERY_MS = 60_000;
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export class SessionStore {
  constructor(
    private readonly store: Store,
    private readonly idleTimeoutMs: number = 60 * 60_000,
  ) {}

  private get sessions() {
    return this.store.collection<ToolSession>('sessions');
  }

  async create(input: NewSession, now = new Date()): Promise<ToolSession> {
    const session: ToolSession = {
      _id: crypto.randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      lastSeenAt: now,
      ...input,
    };
    await this.sessions.insertOne(session);
    return session;
  }

  /** The live session with this id, or null when unknown, past its 8 hours, or idle too long. */
  async find(id: string, now = new Date()): Promise<ToolSession | null> {
    if (!SESSION_ID_PATTERN.test(id)) return null;
    const session = await this.sessions.findOne({ _id: id });
    if (!session) return null;
    if (session.expiresAt <= now || now.getTime() - session.lastSeenAt.getTime() >= this.idleTimeoutMs) {
      await this.sessions.deleteOne({ _id: id });
      return null;
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      // Two requests may both write "now"; whichever lands, the session was seen then.
      await this.sessions.updateOne({ _id: id }, { $set: { lastSeenAt: now } });
      session.lastSeenAt = now;
    }
    return session;
  }

  /** Sign-out: the session is gone for every instance at once. */
  async end(id: string): Promise<void> {
    await this.sessions.deleteOne({ _id: id });
  }

  async purgeExpired(now = new Date()): Promise<number> {
    const idleSince = new Date(now.getTime() - this.idleTimeoutMs);
    const expired = await this.sessions.deleteMany({ expiresAt: { $lte: now } });
    const idle = await this.sessions.deleteMany({ lastSeenAt: { $lte: idleSince } });
    return expired.deletedCount + idle.deletedCount;
  }

  /** Ends every session opened from one platform (the platform is being removed). */
  async deleteForPlatform(issuer: string, clientId: string): Promise<number> {
    return (await this.sessions.deleteMany({ issuer, clientId })).deletedCount;
  }
}
