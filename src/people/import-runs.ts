import crypto from 'node:crypto';
import path from 'node:path';
import type { Store } from '../db/store';
import type { BadRow, ImportCounts, ImportReport } from './import';

/** What was imported: the people files, and (recorded by their own command) training events. */
export type ImportRunKind = 'roster' | 'schools' | 'groups' | 'events' | 'school-contacts';

/** One import as it ran: what the admin page shows as "the last import and its problems". */
export interface ImportRun {
  /** Random: every run is its own record. */
  _id: string;
  kind: ImportRunKind;
  /** The file's base name only: a full path can say whose machine it came from. */
  fileName: string;
  at: Date;
  rows: number;
  counts: ImportCounts;
  written: boolean;
  dryRun: boolean;
  /** The first bad rows (line and reasons; reasons never repeat a value, see fields.ts). */
  bad: BadRow[];
  /** How many rows were bad in all, of which `bad` keeps the first BAD_ROWS_KEPT. */
  badCount: number;
}

export const BAD_ROWS_KEPT = 200;

/**
 * Runs kept per kind. The page asks for the latest run of a kind with a filter, and FerretDB
 * answers any filter but `_id` by decoding every document of the collection; with a few runs
 * per kind (each at most 200 bad rows) that stays a few small documents. Older runs are
 * deleted as new ones are recorded.
 */
export const RUNS_KEPT_PER_KIND = 10;

/** The record of every import (`ecf_import_runs`): insert-only, the oldest beyond a few per kind removed. */
export class ImportRuns {
  constructor(private readonly store: Store) {}

  private get runs() {
    return this.store.collection<ImportRun>('import_runs');
  }

  /**
   * Records one import's outcome (also a dry run, and a file refused as a whole: pass a report
   * with its reason as a bad row). Names and addresses never reach it: the report holds counts,
   * line numbers and reasons.
   */
  async record(kind: ImportRunKind, fileName: string, report: ImportReport, options: { dryRun?: boolean; at?: Date } = {}): Promise<ImportRun> {
    const run: ImportRun = {
      _id: crypto.randomUUID(),
      kind,
      fileName: path.basename(fileName.replace(/\\/g, '/')),
      at: options.at ?? new Date(),
      rows: report.rows,
      counts: { added: report.counts.added, updated: report.counts.updated, unchanged: report.counts.unchanged },
      written: report.written,
      dryRun: Boolean(options.dryRun),
      bad: report.bad.slice(0, BAD_ROWS_KEPT).map((b) => ({ line: b.line, reasons: [...b.reasons] })),
      badCount: report.bad.length,
    };
    await this.runs.insertOne(run);
    await this.prune(kind);
    return run;
  }

  /** The runs of one kind, newest first (at most RUNS_KEPT_PER_KIND). */
  async recent(kind: ImportRunKind): Promise<ImportRun[]> {
    const runs = await this.runs.find({ kind }).toArray();
    return runs.sort((a, b) => b.at.getTime() - a.at.getTime() || b._id.localeCompare(a._id));
  }

  /** The newest run of one kind, or null when that kind was never imported. */
  async latest(kind: ImportRunKind): Promise<ImportRun | null> {
    return (await this.recent(kind))[0] ?? null;
  }

  /** Two imports recording at once may both delete the same old runs: deleting twice is harmless. */
  private async prune(kind: ImportRunKind): Promise<void> {
    const old = (await this.recent(kind)).slice(RUNS_KEPT_PER_KIND).map((run) => run._id);
    if (old.length) await this.runs.deleteMany({ _id: { $in: old } });
  }
}
