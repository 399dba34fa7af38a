export type { Collection } from './store';

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
