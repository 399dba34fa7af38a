import crypto from 'node:crypto';
import { collection } from '../db/collections';
import type { Programme, ToolRole } from '../lti/roles';
import type { LaunchView } from '../lti/views';

/**
 * A tool session, created by a validated launch. It is carried in the page URL rather than
 * a cookie so that navigation inside Canvas's iframe works when third-party cookies are
 * blocked. It is never changed after insert; the service caches it for a minute, so a session
 * ended elsewhere (its platform removed by the CLI) stops working within that minute.
 */
export interface ToolSession {
  _id: string;
  createdAt: Date;
  expiresAt: Date;
  issuer: string;
  clientId: string;
  deploymentId: string;
  sub: string;
  canvasUserId: string | null;
  name: string;
  canvasCourseId: string | null;
  contextId: string | null;
  courseTitle: string;
  role: ToolRole;
  programme: Programme | null;
  view: LaunchView;
  returnUrl: string | null;
  deepLinking: { returnUrl: string; acceptMultiple: boolean; acceptTypes: string[]; data?: string } | null;
}

export type NewSession = Omit<ToolSession, '_id' | 'createdAt' | 'expiresAt'>;

export const SESSION_LIFETIME_MS = 8 * 3600 * 1000;
const CACHE_LIMIT = 5000;
/** A cached session is read again after this long, so one deleted by another process (the CLI) stops working soon. */
const CACHE_FRESH_MS = 60_000;

const sessions = () => collection<ToolSession>('sessions');

export class SessionStore {
  private readonly cache = new Map<string, { session: ToolSession; readAt: number }>();

  async create(input: NewSession, now = new Date()): Promise<ToolSession> {
    const session: ToolSession = {
      _id: crypto.randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      ...input,
    };
    await sessions().insertOne(session);
    this.remember(session, now);
    return session;
  }

  /** The live session with this id, or null when unknown or expired. */
  async find(id: string, now = new Date()): Promise<ToolSession | null> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(id)) return null;
    const cached = this.cache.get(id);
    const session = cached && now.getTime() - cached.readAt < CACHE_FRESH_MS ? cached.session : await sessions().findOne({ _id: id });
    if (!session || session.expiresAt <= now) {
      this.cache.delete(id);
      return null;
    }
    if (session !== cached?.session) this.remember(session, now);
    return session;
  }

  async purgeExpired(now = new Date()): Promise<number> {
    for (const [id, { session }] of this.cache) if (session.expiresAt <= now) this.cache.delete(id);
    return (await sessions().deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }

  /** Ends every session opened from one platform (the platform is being removed). */
  async deleteForPlatform(issuer: string, clientId: string): Promise<number> {
    for (const [id, { session }] of this.cache) if (session.issuer === issuer && session.clientId === clientId) this.cache.delete(id);
    return (await sessions().deleteMany({ issuer, clientId })).deletedCount;
  }

  private remember(session: ToolSession, now: Date): void {
    this.cache.delete(session._id);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(session._id, { session, readAt: now.getTime() });
  }
}
