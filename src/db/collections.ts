import mongoose, { mongo } from 'mongoose';

export type Collection<T extends mongo.Document> = mongo.Collection<T>;

/**
 * Our own collections, reached through the mongoose connection ltijs shares. Names are
 * prefixed so none can collide with ltijs's models (platform, nonce, state, …).
 */
export function collection<T extends mongo.Document>(name: string): Collection<T> {
  return database().collection<T>(`ecf_${name}`);
}

/** The connected database; ltijs's own collections are reached through it too. */
export function database(): mongo.Db {
  const db = mongoose.connection.db;
  if (!db) throw new Error('database is not connected');
  return db;
}

/** FerretDB reports a duplicate through an update as code 1 "UNIQUE constraint failed"; MongoDB as 11000. */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: number; message?: string };
  return e?.code === 11000 || (e?.code === 1 && /UNIQUE constraint failed/.test(e.message ?? ''));
}

/** FerretDB can hang on one bulk write of 99+ statements; every bulk write goes in chunks of this size. */
export const BULK_CHUNK = 50;

export function chunks<T>(items: readonly T[], size = BULK_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
