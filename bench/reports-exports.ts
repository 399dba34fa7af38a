/**
 * The export part of `npm run bench:reports`, run inside the service process
 * (bench/reports-worker.ts) after the page measurements: school exports in each format and the
 * whole cohort as CSV (10,000 rows at the large size), each written to a file as the CLI does.
 * The exports run on a fresh read model and grid (`openStores` over the service's store), so the
 * grid's first load from the store is timed on its own; one warm-up export follows, then each
 * case is measured once more with `process.memoryUsage().rss` sampled every few ms.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CohortGrid, GroupBoards } from '../src/cohort';
import type { DeclarationType } from '../src/curriculum';
import { ProgressExports, type ExportFormat, type ExportScope } from '../src/exports';
import { Declarations, Readiness, declarationRows, writeDeclarations, type DeclarationExportFormat, type ParticipantReadiness } from '../src/milestones';
import { milestoneView } from '../src/milestones/view';
import { openStores, type Runtime } from '../src/service';

/** How often resident memory is sampled during an export. */
const SAMPLE_EVERY_MS = 2;

export interface ExportsJob {
  cohort: string;
  schoolUrn: string;
  dataDir: string;
}

export interface ExportCase {
  id: string;
  label: string;
  format: ExportFormat | DeclarationExportFormat;
  rows: number;
  bytes: number;
  /** Lines of the CSV (header included), counted back from the file; null for other formats. */
  csvLines: number | null;
  ms: number;
  /** Peak RSS during the export minus RSS just before it. */
  peakRssGrowth: number;
  rssBefore: number;
  samples: number;
}

/** Milestone readiness of the whole cohort (`Readiness.ofCohort`) and the milestones view of one group over it. */
export interface ReadinessResult {
  participants: number;
  /** From the store into a fresh Readiness: evidence, boards and the declaration list read, every participant's milestones worked out. */
  coldMs: number;
  /** Asked again with nothing changed: from memory. */
  warmMs: number;
  group: string;
  /** `milestoneView` of one group (its open milestones, counted per state, sorted, first page) over the warm cohort. */
  viewMs: number;
  viewMatched: number;
  /** The declaration type the declaration exports were measured with: the one most participants have open. */
  declarationType: string;
}

export interface ExportsResult {
  readiness: ReadinessResult | null;
  /** The declaration export (`declarationRows` + CSV or JSON to a file) of the open milestone, whole cohort. */
  declarations: ExportCase[];
  /** The first read of the cohort's grid rows and boards from the store into a fresh grid, with its rating. */
  gridLoadMs: number;
  /** The same cohort read again: from memory. */
  gridWarmMs: number;
  warmupMs: number;
  cases: ExportCase[];
}

async function sampled<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; peakRssGrowth: number; rssBefore: number; samples: number }> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    samples += 1;
  }, SAMPLE_EVERY_MS);
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, ms, peakRssGrowth: peak - rssBefore, rssBefore, samples };
  } finally {
    clearInterval(timer);
  }
}

function countLines(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n').filter((line) => line.length > 0).length;
}

export async function measureExports(runtime: Runtime, job: ExportsJob): Promise<ExportsResult> {
  const stores = openStores(runtime.stores.store, runtime.config, runtime.secrets);
  const boards = new GroupBoards({ ...stores, audits: runtime.audits, logger: runtime.logger });
  const grid = new CohortGrid({ readModel: stores.readModel, boards, links: stores.links });
  const progressExports = new ProgressExports({ grid, readModel: stores.readModel, schools: stores.schools, cohorts: () => stores.readModel.builtCohorts() });

  let started = performance.now();
  await grid.ratedCohort(job.cohort);
  const gridLoadMs = performance.now() - started;
  started = performance.now();
  await grid.ratedCohort(job.cohort);
  const gridWarmMs = performance.now() - started;

  const dir = fs.mkdtempSync(path.join(job.dataDir, 'exports-'));
  const write = async (scope: ExportScope, format: ExportFormat, name: string) => {
    const file = path.join(dir, name);
    const result = await progressExports.write(scope, format, fs.createWriteStream(file));
    return { result, file };
  };
  try {
    started = performance.now();
    await write({ kind: 'cohort', cohort: job.cohort }, 'csv', 'warmup.csv');
    const warmupMs = performance.now() - started;

    const school: ExportScope = { kind: 'school', urn: job.schoolUrn };
    const specs: { id: string; label: string; scope: ExportScope; format: ExportFormat }[] = [
      { id: 'school-csv', label: `School ${job.schoolUrn}, CSV`, scope: school, format: 'csv' },
      { id: 'school-xlsx', label: `School ${job.schoolUrn}, Excel`, scope: school, format: 'xlsx' },
      { id: 'school-pdf', label: `School ${job.schoolUrn}, PDF`, scope: school, format: 'pdf' },
      { id: 'cohort-csv', label: 'Whole cohort, CSV', scope: { kind: 'cohort', cohort: job.cohort }, format: 'csv' },
      { id: 'cohort-xlsx', label: 'Whole cohort, Excel', scope: { kind: 'cohort', cohort: job.cohort }, format: 'xlsx' },
    ];
    const cases: ExportCase[] = [];
    for (const spec of specs) {
      const run = await sampled(() => write(spec.scope, spec.format, `${spec.id}.${spec.format}`));
      const { result, file } = run.value;
      cases.push({
        id: spec.id,
        label: spec.label,
        format: spec.format,
        rows: result.rows,
        bytes: fs.statSync(file).size,
        csvLines: spec.format === 'csv' ? countLines(file) : null,
        ms: Math.round(run.ms),
        peakRssGrowth: run.peakRssGrowth,
        rssBefore: run.rssBefore,
        samples: run.samples,
      });
      fs.rmSync(file);
    }
    const { readiness, entries } = await measureReadiness(runtime, job.cohort);
    const declarations: ExportCase[] = [];
    for (const format of ['csv', 'json'] as const) {
      const file = path.join(dir, `declarations.${format}`);
      const type = readiness.declarationType as DeclarationType;
      const run = await sampled(async () => {
        const rows = declarationRows(entries(), type);
        await writeDeclarations(rows, format, fs.createWriteStream(file));
        return rows.length;
      });
      declarations.push({
        id: `declarations-${format}`,
        label: `Declarations, ${type}, whole cohort, ${format === 'csv' ? 'CSV' : 'JSON'}`,
        format,
        rows: run.value,
        bytes: fs.statSync(file).size,
        csvLines: format === 'csv' ? countLines(file) : null,
        ms: Math.round(run.ms),
        peakRssGrowth: run.peakRssGrowth,
        rssBefore: run.rssBefore,
        samples: run.samples,
      });
      fs.rmSync(file);
    }
    return { gridLoadMs: Math.round(gridLoadMs), gridWarmMs: Math.round(gridWarmMs), warmupMs: Math.round(warmupMs), cases, readiness, declarations };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const tenths = (ms: number) => Math.round(ms * 10) / 10;

/** The declaration type most participants have open today (`started` when none is open). */
function mostOpen(entries: readonly ParticipantReadiness[]): string {
  const counts = new Map<string, number>();
  for (const p of entries) if (p.open) counts.set(p.open.declarationType, (counts.get(p.open.declarationType) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'started';
}

/** Readiness on fresh stores (nothing read yet), as the first milestones page after a start reads it. */
async function measureReadiness(runtime: Runtime, cohort: string): Promise<{ readiness: ReadinessResult; entries: () => ParticipantReadiness[] }> {
  const stores = openStores(runtime.stores.store, runtime.config, runtime.secrets);
  const boards = new GroupBoards({ ...stores, audits: runtime.audits, logger: runtime.logger });
  const readiness = new Readiness({ readModel: stores.readModel, boards, declarations: new Declarations(runtime.stores.store) });
  let started = performance.now();
  const cold = await readiness.ofCohort(cohort);
  const coldMs = performance.now() - started;
  started = performance.now();
  const warm = await readiness.ofCohort(cohort);
  const warmMs = performance.now() - started;
  const group = warm.find((p) => p.row.group !== null)?.row.group ?? '';
  started = performance.now();
  const view = milestoneView(await readiness.ofCohort(cohort), { group, milestone: 'open' }, { cohorts: [cohort], cohort, groups: null });
  const viewMs = performance.now() - started;
  return {
    readiness: { participants: cold.length, coldMs: tenths(coldMs), warmMs: tenths(warmMs), group, viewMs: tenths(viewMs), viewMatched: view.matched, declarationType: mostOpen(warm) },
    entries: () => warm,
  };
}
