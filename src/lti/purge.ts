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

/** How often the purge job sweeps. */
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

/** The purge job's run; a failed sweep reaches the job runner, which logs it and sweeps again next time. */
export async function sweepExpiredLtiRecords(sessions: SessionStore, logger: Logger): Promise<void> {
  const deleted = await purgeExpiredLtiRecords(sessions);
  const total = Object.values(deleted).reduce((a, b) => a + b, 0);
  if (total > 0) logger.info({ event: 'lti.purge', deleted }, 'expired LTI records purged');
}
