import { partitionNames } from './partitions';
import mongoose, { mongo } from 'mongoose';

/** Our own collections, named as `Store.collection()` names them (it adds the `ecf_` prefix). */
export const TOOL_COLLECTIONS = [
  'audit_placements',
  'canvas_connections',
  'change_decisions',
  'change_effects',
  'change_marks',
  'change_requests',
  'course_links',
  'course_sync',
  'declaration_list_parts',
  'declaration_lists',
  'delivery_log',
  'delivery_occurrences',
  'deployments',
  'group_boards',
  'group_facilitators',
  'identities',
  'import_runs',
  'issued_logins',
  'launch_nonces',
  'notice_withdrawals',
  'notices',
  'notification_prefs',
  'notification_state',
  'notifications',
  'outbox',
  'outbox_bodies',
  'outbox_claims',
  'outbox_results',
  'pairings',
  'weekly_snapshots',
  'read_models',
  'registration_links',
  'roster',
  'roster_history',
  'school_contacts',
  'school_link_revocations',
  'school_links',
  'schools',
  'score_outbox',
  'sessions',
  'sync_leases',
  'sync_runs',
  'training_events',
  'trend_points',
  'trend_schools',
] as const;

export interface IndexSpec {
  key: Record<string, 1>;
  unique?: true;
  /** A TTL index: FerretDB refuses these, and the purge job expires the records on every store. */
  expireAfterSeconds?: number;
}

/** Our own secondary indexes: the scores job looks for what is due. */
export const TOOL_INDEXES: Record<string, IndexSpec[]> = {
  score_outbox: [{ key: { deliveredAt: 1, nextAttemptAt: 1 } }],
  // A school's contacts by URN; a launch is matched by Canvas user id or email; a school's links by URN.
  school_contacts: [{ key: { urn: 1 } }, { key: { canvasUserId: 1 } }, { key: { email: 1 } }],
  school_links: [{ key: { urn: 1 } }],
  // A school's change requests are listed by its URN.
  change_requests: [{ key: { urn: 1 } }],
  // The email outbox reads only its recent records (insert-only, by time); the log is read newest first.
  outbox: [{ key: { createdAt: 1 } }],
  outbox_claims: [{ key: { claimedAt: 1 } }, { key: { messageId: 1 } }],
  outbox_results: [{ key: { at: 1 } }, { key: { messageId: 1 } }],
  delivery_log: [{ key: { at: 1 } }, { key: { schoolUrn: 1, at: 1 } }],
};

/**
 * ltijs's mongoose models (node_modules/ltijs/dist/Utils/Database.js): their collections, as
 * mongoose pluralises the model names, and the indexes their schemas declare.
 */
export const LTIJS_COLLECTIONS: Record<string, IndexSpec[]> = {
  idtokens: [{ key: { iss: 1, clientId: 1, deploymentId: 1, user: 1 } }, { key: { createdAt: 1 }, expireAfterSeconds: 24 * 3600 }],
  contexttokens: [{ key: { contextId: 1, user: 1 } }, { key: { createdAt: 1 }, expireAfterSeconds: 24 * 3600 }],
  platforms: [{ key: { platformUrl: 1 } }, { key: { kid: 1 }, unique: true }, { key: { platformUrl: 1, clientId: 1 }, unique: true }],
  platformstatuses: [{ key: { id: 1 }, unique: true }],
  privatekeys: [{ key: { kid: 1 }, unique: true }],
  publickeys: [{ key: { kid: 1 }, unique: true }],
  accesstokens: [{ key: { platformUrl: 1, clientId: 1, scopes: 1 }, unique: true }, { key: { createdAt: 1 }, expireAfterSeconds: 3600 }],
  nonces: [{ key: { nonce: 1 } }, { key: { createdAt: 1 }, expireAfterSeconds: 10 }],
  states: [{ key: { state: 1 }, unique: true }, { key: { createdAt: 1 }, expireAfterSeconds: 600 }],
};

const NAMESPACE_EXISTS = 48;

class StoreSetupError extends Error {
  override name = 'StoreSetupError';
}

function oneLine(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Another instance starting at the same moment may create it between our look and our create;
 * MongoDB and FerretDB both answer that with NamespaceExists, which is what we wanted.
 */
async function ensureCollection(db: mongo.Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (error) {
    if ((error as { code?: number }).code === NAMESPACE_EXISTS) return;
    throw new StoreSetupError(`Cannot create the collection ${name} (${oneLine(error)}).`);
  }
}

/**
 * An identical index that exists already is a success on both stores, whoever created it.
 * One index per command: FerretDB 1.24 panics and drops the connection when one command
 * names several indexes and some of them exist already.
 */
async function ensureIndexes(db: mongo.Db, name: string, indexes: IndexSpec[], acceptsTtl: boolean): Promise<void> {
  for (const { key, ...options } of indexes.filter((index) => acceptsTtl || index.expireAfterSeconds === undefined)) {
    try {
      await db.collection(name).createIndex(key, options);
    } catch (error) {
      throw new StoreSetupError(`Cannot create the index ${JSON.stringify(key)} of ${name} (${oneLine(error)}).`);
    }
  }
}

async function isFerretDb(db: mongo.Db): Promise<boolean> {
  return (await db.admin().command({ buildInfo: 1 })).ferretdbVersion !== undefined;
}

/**
 * Creates every collection and index the tool and ltijs use, before anything writes, so
 * instances starting together never create one implicitly at the same moment. Safe to run
 * on every start, by several processes at once. Generation collections of the sync are not
 * here: each is created by the one run that owns it.
 */
export async function ensureStore(db: mongo.Db): Promise<void> {
  // ltijs's models would otherwise re-issue all this in the background after every start,
  // where mongoose swallows failures (FerretDB refuses the TTL indexes) and races other work.
  mongoose.set('autoCreate', false);
  mongoose.set('autoIndex', false);
  const acceptsTtl = !(await isFerretDb(db));
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const names = [...[...TOOL_COLLECTIONS, ...partitionNames()].map((name) => `ecf_${name}`), ...Object.keys(LTIJS_COLLECTIONS)];
  await Promise.all(names.filter((name) => !existing.has(name)).map((name) => ensureCollection(db, name)));
  await Promise.all(Object.entries(LTIJS_COLLECTIONS).map(([name, indexes]) => ensureIndexes(db, name, indexes, acceptsTtl)));
  await Promise.all(Object.entries(TOOL_INDEXES).map(([name, indexes]) => ensureIndexes(db, `ecf_${name}`, indexes, acceptsTtl)));
}
