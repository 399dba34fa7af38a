import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { chunks, isDuplicateKey, type Collection } from '../db/collections';
import { AppError } from '../errors';
import type { CsvRow } from './csv';
import { reasonsOf } from './fields';

export interface ImportOptions {
  /** Validate and count, write nothing. */
  dryRun?: boolean;
  /** Import the good rows even when some are bad (they are still reported). */
  skipInvalid?: boolean;
}

export interface BadRow {
  line: number;
  reasons: string[];
}

export interface ImportCounts {
  added: number;
  updated: number;
  unchanged: number;
}

export interface ImportReport {
  /** Data rows read (blank lines aside). */
  rows: number;
  bad: BadRow[];
  /** What the good rows change: what was written, or would be with `dryRun` or `skipInvalid`. */
  counts: ImportCounts;
  written: boolean;
}

/** The reasons each line is bad; a row with any reason is not imported. */
export class Problems {
  private readonly byLine = new Map<number, string[]>();

  add(line: number, reason: string): void {
    this.byLine.set(line, [...(this.byLine.get(line) ?? []), reason]);
  }

  has(line: number): boolean {
    return this.byLine.has(line);
  }

  list(): BadRow[] {
    return [...this.byLine].sort(([a], [b]) => a - b).map(([line, reasons]) => ({ line, reasons }));
  }
}

/** Each row through its schema; rows that fail (or have the wrong number of values) are recorded as bad. */
export function parseRows<S extends z.ZodType>(rows: CsvRow[], schema: S, problems: Problems): { line: number; row: z.output<S> }[] {
  const parsed: { line: number; row: z.output<S> }[] = [];
  for (const { line, values, shapeProblem } of rows) {
    if (shapeProblem) {
      problems.add(line, shapeProblem);
      continue;
    }
    const result = schema.safeParse(values);
    if (result.success) parsed.push({ line, row: result.data });
    else for (const reason of reasonsOf(result.error)) problems.add(line, reason);
  }
  return parsed;
}

/** Several lines naming the same key (a URN, a person) are all bad: which one is meant is a guess. */
export function flagRepeats<T>(items: T[], lineOf: (item: T) => number, keysOf: (item: T) => string[], problems: Problems, what: string): void {
  const linesByKey = new Map<string, number[]>();
  for (const item of items) for (const key of keysOf(item)) linesByKey.set(key, [...(linesByKey.get(key) ?? []), lineOf(item)]);
  for (const item of items) {
    const line = lineOf(item);
    const others = new Set(keysOf(item).flatMap((key) => linesByKey.get(key) ?? []).filter((other) => other !== line));
    if (others.size) problems.add(line, `${what} as line ${[...others].sort((a, b) => a - b).join(', ')}`);
  }
}

type Stored = { _id: string; updatedAt: Date };

interface WritePlan<T> {
  inserts: T[];
  replaces: T[];
  unchanged: number;
}

/**
 * Compares only the fields an import owns, and keeps fields others (the sync) wrote, so an
 * unchanged row costs no write: on FerretDB each write is about 25 ms.
 */
function planWrites<T extends Stored>(incoming: Omit<T, 'updatedAt'>[], existing: Map<string, T>, now: Date): WritePlan<T> {
  const plan: WritePlan<T> = { inserts: [], replaces: [], unchanged: 0 };
  for (const doc of incoming) {
    const before = existing.get(doc._id);
    if (!before) plan.inserts.push({ ...doc, updatedAt: now } as T);
    else if (Object.entries(doc).every(([field, value]) => isDeepStrictEqual(before[field as keyof T], value))) plan.unchanged += 1;
    else plan.replaces.push({ ...before, ...doc, updatedAt: now });
  }
  return plan;
}

async function applyPlan<T extends Stored>(target: Collection<T>, plan: WritePlan<T>): Promise<void> {
  // The driver's generic filter types cannot see that T has a string _id; the shape is checked by T extends Stored.
  const docs = target as unknown as Collection<Stored>;
  try {
    for (const batch of chunks(plan.inserts)) await docs.insertMany(batch);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    throw new AppError('import_conflict', 409, 'Another import added some of these records at the same time; run this import again.');
  }
  for (const batch of chunks(plan.replaces)) {
    // Chunks of at most 50 statements: FerretDB can hang on one bulk write of 99 or more.
    await docs.bulkWrite(batch.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc } })));
  }
}

/** Plans the writes for the good rows and applies them unless a bad row (without skipInvalid) or a dry run forbids it. */
export async function finishImport<T extends Stored>(
  target: Collection<T>,
  docs: Omit<T, 'updatedAt'>[],
  existing: T[],
  rows: number,
  problems: Problems,
  options: ImportOptions,
): Promise<ImportReport> {
  const plan = planWrites(docs, new Map(existing.map((doc) => [doc._id, doc])), new Date());
  const bad = problems.list();
  const written = !options.dryRun && (bad.length === 0 || Boolean(options.skipInvalid));
  if (written) await applyPlan(target, plan);
  return { rows, bad, written, counts: { added: plan.inserts.length, updated: plan.replaces.length, unchanged: plan.unchanged } };
}
