import type { Store } from '../db/store';
import type { Logger } from '../log/logger';
import type { SessionStore } from '../sessions/store';
import type { LaunchRecords } from './launch';
import type { IssuedLogins } from './login-states';

/** What the purge sweeps: ltijs's collections, our launch records and the tool sessions. */
export interface PurgeDeps {
  store: Store;
  launches: Pick<LaunchRecords, 'purgeSeenNonces'>;
  logins: Pick<IssuedLogins, 'purge'>;
  sessions: Pick<SessionStore, 'purgeExpired'>;
}

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

export async function purgeExpiredLtiRecords(deps: PurgeDeps, now = new Date()): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const [name, lifetime] of Object.entries(LTIJS_LIFETIMES_MS)) {
    const cutoff = new Date(now.getTime() - lifetime);
    deleted[name] = (await deps.store.raw(name).deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  }
  deleted.launchNonces = await deps.launches.purgeSeenNonces(now);
  deleted.issuedLogins = await deps.logins.purge(now);
  deleted.sessions = await deps.sessions.purgeExpired(now);
  return deleted;
}

/** The purge job's run; a failed sweep reaches the job runner, which logs it and sweeps again next time. */
export async function sweepExpiredLtiRecords(deps: PurgeDeps, logger: Logger): Promise<void> {
  const deleted = await purgeExpiredLtiRecords(deps);
  const total = Object.values(deleted).reduce((a, b) => a + b, 0);
  if (total > 0) logger.info({ event: 'lti.purge', deleted }, 'expired LTI records purged');
}
