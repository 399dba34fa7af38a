import { database } from '../db/collections';
import type { Logger } from '../log/logger';
import type { SessionStore } from '../sessions/store';
import { purgeSeenNonces } from './launch';
import { purgeIssuedLogins } from './login-states';

/**
 * ltijs's collections and how long their records live. ltijs declares TTL indexes for them;
 * FerretDB refuses TTL indexes (silently, through mongoose), so without this sweep they grow
 * forever and launches slow down. On MongoDB the sweep is harmless.
 */
const LTIJS_LIFETIMES_MS: Record<string, number> = {
  nonces: 10 * 60 * 1000,
  states: 10 * 60 * 1000,
  accesstokens: 3600 * 1000,
  idtokens: 24 * 3600 * 1000,
  contexttokens: 24 * 3600 * 1000,
};

export const PURGE_INTERVAL_MS = 60 * 1000;

export async function purgeExpiredLtiRecords(sessions: SessionStore, now = new Date()): Promise<Record<string, number>> {
  const db = database();
  const deleted: Record<string, number> = {};
  for (const [name, lifetime] of Object.entries(LTIJS_LIFETIMES_MS)) {
    const cutoff = new Date(now.getTime() - lifetime);
    deleted[name] = (await db.collection(name).deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  }
  deleted.launchNonces = await purgeSeenNonces(now);
  deleted.issuedLogins = await purgeIssuedLogins(now);
  deleted.sessions = await sessions.purgeExpired(now);
  return deleted;
}

/** Runs the sweep every minute; a failed sweep is logged and tried again next time. */
export function startPurgeJob(sessions: SessionStore, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const deleted = await purgeExpiredLtiRecords(sessions);
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total > 0) logger.info({ event: 'lti.purge', deleted }, 'expired LTI records purged');
    } catch (error) {
      logger.error({ event: 'lti.purge_failed', err: error }, 'purging expired LTI records failed');
    } finally {
      running = false;
    }
  }, PURGE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
