/** The results file of `npm run bench:reports` and the tables generated from it into bench/README.md. */
import type { Distribution } from './measure';
import type { CorrectnessResult } from './reports-check';
import type { ExportsResult } from './reports-exports';
import type { ServiceMemory } from './reports-protocol';
import { mib, seconds, type TargetResult } from './report';

export type CaseId = 'first' | 'filtered' | 'search' | 'later' | 'facilitator';

export interface CaseResult {
  id: CaseId;
  label: string;
  /** The address after the session's base, e.g. `cohort?page=5`. */
  path: string;
  warmup: number;
  /** Server time of the measured requests (the warm-up ones are left out). */
  server: Distribution;
  /** The same requests timed by the bench's HTTP client on the same machine: server time plus the loopback and reading the body. */
  client: Distribution;
  /** Server time of the case's first request (its first warm-up). */
  firstMs: number | null;
  /** The page's size and what it showed, from the last measured response. */
  bytes: number;
  rows: number;
  inScope: number | null;
  matched: number | null;
  /** CPU time per measured request of the service process and of the database server (null where unreadable). */
  cpuPerRequest: { serviceMs: number | null; storeMs: number | null };
  /** Responses other than 200. */
  failures: number;
}

export interface SizeResult {
  participants: number;
  groups: number;
  schools: number;
  setup: {
    rosterImportMs: number;
    sync: { wallMs: number; hookMs: number | null; apiCalls: number; throttled: number; paths: string[]; errors: string[] } | null;
    activity: { groups: string[]; events: number; registers: number; audits: number; meetings: number };
    boardsMs: number;
    snapshots: { weeks: number; taken: number; ms: number };
    serviceStartMs: number;
    totalMs: number;
  };
  /** The first request for the cohort page after the service started: the grid and the boards are read from the store, the templates compiled. */
  cold: { serverMs: number; clientMs: number } | null;
  cases: CaseResult[];
  /** The exports (bench/reports-exports.ts), measured in the service process after the pages; null when not run. */
  exports: ExportsResult | null;
  /** How many rows the cohort and the school measured hold, from the bench's own roster. */
  exportsExpected: { cohortRows: number; schoolRows: number } | null;
  memory: ServiceMemory | null;
  correctness: CorrectnessResult | null;
  /** Why measuring stopped early at this size (the service outgrew the bench's memory limit), or null. */
  stopped: string | null;
  errors: string[];
}

/** A target: `binding` ones fail the bench (exit 1); the others are aims, reported as met or missed. */
export interface ReportsTarget extends TargetResult {
  binding: boolean;
}

export interface ReportsResults {
  generatedAt: string;
  complete: boolean;
  machine: { cpus: number; cpuModel: string; totalMemoryGiB: number; node: string; platform: string; storeEngine: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  settings: {
    seed: number;
    sizes: number[];
    courses: number;
    modules: string;
    roster: string;
    simulator: string;
    service: string;
    warmup: number;
    requests: number;
    weeks: number;
  };
  sizes: SizeResult[];
  targets: ReportsTarget[];
  pass: boolean;
  totalWallMs: number;
}

const int = (n: number) => n.toLocaleString('en-GB');
const ms = (value: number | null | undefined) => (value === null || value === undefined ? '–' : `${Math.round(value).toLocaleString('en-GB')} ms`);
/** Tenths of a millisecond below 10 ms: a warm read from memory would otherwise show as 0 ms. */
const fine = (value: number) => (value < 10 ? `${value.toFixed(1)} ms` : ms(value));
const kib = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-GB')} KiB`;

function casesTable(results: ReportsResults): string {
  const rows = [
    '| Participants | Page (`GET /s/:session/…`) | Requests | Server p50 | Server p95 | Server max | Client p95 | Shown | HTML | CPU per request: service / store |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const size of results.sizes) {
    if (size.cold) rows.push(`| ${int(size.participants)} | First request after start (cold), \`cohort\` | 1 | ${ms(size.cold.serverMs)} | | | ${ms(size.cold.clientMs)} | | | |`);
    for (const c of size.cases) {
      const shown = `${c.rows} rows of ${c.matched === null ? '?' : int(c.matched)}${c.inScope !== null && c.matched !== c.inScope ? ` (of ${int(c.inScope)})` : ''}`;
      const failed = c.failures ? ` **${c.failures} failed**` : '';
      rows.push(`| ${int(size.participants)} | ${c.label}, \`${c.path}\`${failed} | ${c.server.samples} | ${ms(c.server.p50)} | ${ms(c.server.p95)} | ${ms(c.server.max)} | ${ms(c.client.p95)} | ${shown} | ${kib(c.bytes)} | ${ms(c.cpuPerRequest.serviceMs)} / ${ms(c.cpuPerRequest.storeMs)} |`);
    }
  }
  return rows.join('\n');
}

function memoryTable(results: ReportsResults): string {
  const rows = ['| Participants | Heap after start | Peak heap | Peak RSS | Kept after the runs (after GC): heap / RSS |', '| ---: | ---: | ---: | ---: | ---: |'];
  for (const size of results.sizes) {
    const m = size.memory;
    if (!m) continue;
    rows.push(`| ${int(size.participants)} | ${mib(m.baseline.heapUsed)} | ${mib(m.sampled.peakHeapUsed)} | ${mib(m.sampled.peakRss)} | ${mib(m.settled.heapUsed)} / ${mib(m.settled.rss)} |`);
  }
  return rows.join('\n');
}

function exportsTable(results: ReportsResults): string {
  const rows = [
    '| Participants | Export | Rows | File | Time | Peak RSS growth | RSS before | Samples |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const size of results.sizes) {
    const e = size.exports;
    if (!e) continue;
    rows.push(`| ${int(size.participants)} | Grid load (rows and boards from the store into a fresh grid, rated); again from memory | | | ${ms(e.gridLoadMs)}; ${ms(e.gridWarmMs)} | | | |`);
    rows.push(`| ${int(size.participants)} | Warm-up: whole cohort, CSV (not counted) | | | ${ms(e.warmupMs)} | | | |`);
    for (const c of e.cases) rows.push(`| ${int(size.participants)} | ${c.label} | ${int(c.rows)} | ${kib(c.bytes)} | ${ms(c.ms)} | ${mib(c.peakRssGrowth)} | ${mib(c.rssBefore)} | ${c.samples} |`);
    const r = e.readiness;
    if (r) {
      rows.push(`| ${int(size.participants)} | Milestone readiness, whole cohort (\`readiness.ofCohort\`): cold from the store; again from memory | ${int(r.participants)} | | ${fine(r.coldMs)}; ${fine(r.warmMs)} | | | |`);
      rows.push(`| ${int(size.participants)} | Milestones view of one group (${r.group}, open milestones) over the warm cohort | ${int(r.viewMatched)} | | ${fine(r.viewMs)} | | | |`);
    }
    for (const c of e.declarations ?? []) rows.push(`| ${int(size.participants)} | ${c.label} (from the warm readiness) | ${int(c.rows)} | ${kib(c.bytes)} | ${ms(c.ms)} | ${mib(c.peakRssGrowth)} | ${mib(c.rssBefore)} | ${c.samples} |`);
  }
  return rows.join('\n');
}

function setupLines(results: ReportsResults): string[] {
  return results.sizes.map((size) => {
    const s = size.setup;
    const sync = s.sync ? `full sync ${seconds(s.sync.wallMs)} (${int(s.sync.apiCalls)} Canvas calls, ${s.sync.throttled} throttled, paths ${[...new Set(s.sync.paths)].join(', ')}; read-model hook ${s.sync.hookMs === null ? '–' : seconds(s.sync.hookMs)})${s.sync.errors.length ? ` **errors: ${s.sync.errors.join('; ')}**` : ''}` : 'no sync';
    const a = s.activity;
    return `- ${int(size.participants)} participants in ${int(size.groups)} groups and ${int(size.schools)} schools: roster import ${seconds(s.rosterImportMs)}; ${sync}; ${a.events} events with registers, ${a.audits} audits and ${a.meetings} meetings in ${a.groups.length} groups; every group board built in ${seconds(s.boardsMs)}; ${s.snapshots.weeks} weekly snapshots in ${seconds(s.snapshots.ms)}; service started in ${seconds(s.serviceStartMs)}.${size.stopped ? ` **Stopped: ${size.stopped}.**` : ''}${size.errors.length ? ` **Errors: ${size.errors.join('; ')}**` : ''}`;
  });
}

function correctnessLines(results: ReportsResults): string[] {
  return results.sizes.map((size) => {
    const c = size.correctness;
    if (!c) return `- ${int(size.participants)}: not checked.`;
    return `- ${int(size.participants)}: ${c.pagesChecked} pages, ${int(c.rowsChecked)} rows: ${int(c.figureMismatches)} of ${int(c.figuresChecked)} module and overall figures differ from the simulator's; ${int(c.recordMismatches)} of ${int(c.recordsChecked)} rows' attendance, meetings and audit marks differ from what was written; ${int(c.pageProblems)} problems with counts, paging, filters, order or scope.${c.examples.length ? ` First: ${c.examples.slice(0, 3).join(' | ')}` : ''}`;
  });
}

function targetsTable(targets: ReportsTarget[]): string {
  const status = (t: ReportsTarget) => (t.binding ? `**${t.status}**` : t.status === 'PASS' ? 'aim met' : t.status === 'FAIL' ? '**aim missed**' : t.status);
  return ['| Target | Measured | Limit | Result |', '| --- | ---: | ---: | --- |', ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.limit} | ${status(t)} |`)].join('\n');
}

export function reportsSection(results: ReportsResults): string {
  const m = results.machine;
  const s = results.settings;
  const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(' / ');
  return [
    `Last run: ${results.generatedAt}${results.complete ? '' : ' (partial run)'}; ${m.cpus} CPUs (${m.cpuModel}), ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform}; store: ${m.storeEngine}; load average at the start ${load(m.loadAverageAtStart)}, at the end ${load(m.loadAverageAtEnd)}; whole bench ${seconds(results.totalWallMs)}.`,
    `Cohort: seed ${s.seed}, ${s.courses} courses, ${s.modules}; roster: ${s.roster}; simulator ${s.simulator}. Service: ${s.service}. Each page: ${s.warmup} warm-up requests, then ${s.requests} measured, one at a time.`,
    '',
    ...setupLines(results),
    '',
    casesTable(results),
    '',
    'Exports (`ProgressExports.write` to a file in the service process, after the pages; RSS sampled every 2 ms, growth = peak minus the RSS just before; a school export looks for the school\'s rows in every cohort whose read model is built), then milestone readiness and the DfE declaration export (`declarationRows` + `writeDeclarations`, every participant with a DfE participant id) on fresh stores:',
    '',
    exportsTable(results),
    '',
    'Memory of the service process (`process.memoryUsage()` every 50 ms from start to the last request):',
    '',
    memoryTable(results),
    '',
    'Correctness:',
    '',
    ...correctnessLines(results),
    '',
    targetsTable(results.targets),
    '',
    `Overall: **${results.pass ? 'PASS' : 'FAIL'}**`,
  ].join('\n');
}
