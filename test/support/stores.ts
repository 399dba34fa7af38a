import crypto from 'node:crypto';
import mongoose, { type mongo } from 'mongoose';
import { Store } from '../../src/db/store';
import { openStores, type Stores } from '../../src/service';

/**
 * The store classes on a test's database (the open mongoose connection's unless given), wired as `openRuntime` wires them, for
 * tests and helpers that have no runtime at hand. (The running code never reaches the
 * connection this way: it is handed its stores.)
 */
export function testStores(options: { db?: mongo.Db; tokenEncryptionKey?: Uint8Array } = {}): Stores {
  const db = options.db ?? mongoose.connection.db;
  if (!db) throw new Error('testStores: the database is not connected');
  return openStores(new Store(db), { isProduction: false, sessionIdleTimeoutMs: 60 * 60_000 }, { tokenEncryptionKey: options.tokenEncryptionKey ?? crypto.randomBytes(32) });
}
