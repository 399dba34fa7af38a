import crypto from 'node:crypto';
import mongoose, { type mongo } from 'mongoose';
import { Store } from '../src/db/store';
import { openStores, type Stores } from '../src/service';

let built: { db: mongo.Db; stores: Stores } | undefined;

/**
 * The store classes on the worker's open connection, wired as `openRuntime` wires them (no
 * Canvas connections are read); built once per database, so timed reads build nothing.
 */
export function benchStores(): Stores {
  const db = mongoose.connection.db;
  if (!db) throw new Error('benchStores: the database is not connected');
  if (built?.db !== db) built = { db, stores: openStoresOn(db) };
  return built.stores;
}

function openStoresOn(db: mongo.Db): Stores {
  return openStores(new Store(db), { isProduction: false, sessionIdleTimeoutMs: 60 * 60_000 }, { tokenEncryptionKey: crypto.randomBytes(32) });
}
