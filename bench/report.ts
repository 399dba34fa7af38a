/** The results file of `npm run bench:sync` and the tables generated from it into bench/README.md. */
import fs from 'node:fs';
import type { CheckResult } from './check';
import type { MemoryFigures, StoreFigures } from './measure';

/**
 * Ours through the compiled CLI (`cli-*`) and through SyncService in process (`inprocess-*`):
 * the first sync on an empty database, a full one with the students known, an incremental one.
 * Then the baselines, which write nothing: the by-ids GraphQL floor and the per-student REST client.
 */
export type RunKind = 'cli-first' | 'cli-full' | 'cli-incremental' | 'inprocess-first' | 'inprocess-full' | 'inprocess-incremental' | 'floor' | 'rest';

export const isOurs = (kind: RunKind) => kind !== 'floor' && kind !== 'rest';

export interface CourseTiming {
  courseId: string;
  students: number;
  fetched: number;
  /** From the run's start to the course's last fetched page (Canvas, plus reading the previous generation). */
  fetchDoneMs: number | null;
  /** From the run's start until the course was written (new generation, pointer flip, old one deleted). */
  doneMs: number;
  /** Between the two: essentially the store writes of the course. */
  writeMs: number | null;
}

/** CPU time used while a run's clock ran; `runMs` is the measured process's own (unknown for the CLI). */
export interface CpuFigures {
  runMs: number | null;
  simulatorMs: number | null;
  storeMs: number | null;
}

/** What the CLI's last line says: `Sync …: … N participants, N Canvas requests (N retries, N throttled) in X s.` */
export interface ReportedSync {
  participants: number | null;
  requests: number;
  retries: number;
  throttled: number;
  seconds: number;
}

export interface CliFigures {
  command: string;
  exitCode: number | null;
  signal: string | null;
  reported: ReportedSync | null;
  cpu: CpuFigures;
}

export interface InProcessFigures {
  client: { requests: number; retries: number; requestTimeMs: number; maxInFlight: number; finalConcurrency: number };
  store: StoreFigures;
  cpu: CpuFigures;
  memory: MemoryFigures;
  courses: CourseTiming[];
}

export interface BaselineFigures {
  concurrency: number;
  /** Students whose progress came back. */
  students: number;
  clientRequests: number;
  retries: number;
  maxInFlight: number;
  cpu: CpuFigures;
  /** Stopped once it had taken as long as the fastest concurrency before it: its wall time is a lower bound. */
  stopped: boolean;
}

export interface RunResult {
  id: string;
  kind: RunKind;
  label: string;
  /** Participants of the cohort (every course's active students). */
  size: number;
  /** Students whose progress was changed in Canvas before an incremental run. */
  changed?: number;
  /** CLI: process start to exit. In process: `run()` start to end. Baselines: first request to last answer. */
  wallMs: number;
  /** HTTP requests the simulator answered during the run, throttled ones included. */
  apiCalls: number;
  callsPerParticipant: number;
  /** The simulator's count per endpoint. */
  byEndpoint: Record<string, number>;
  /** 403 "Rate Limit Exceeded" answers the simulator gave during the run. */
  throttled: number;
  /** `minRemaining` is the lowest X-Rate-Limit-Remaining the simulator sent (600 = an empty bucket). */
  simulator: { maxConcurrent: number; minRemaining: number | null };
  /** Ours only: the store against the simulator's truth after the run. */
  correctness: CheckResult | null;
  errors: string[];
  cli?: CliFigures;
  inProcess?: InProcessFigures;
  baseline?: BaselineFigures;
}

export interface TargetResult {
  name: string;
  value: string;
  limit: string;
  status: 'PASS' | 'FAIL' | 'NOT RUN';
}

export interface BenchResults {
  generatedAt: string;
  complete: boolean;
  machine: { cpus: number; cpuModel: string; totalMemoryGiB: number; node: string; platform: string; storeEngine: string };
  settings: {
    seed: number;
    courses: number;
    courseSizes: Record<string, number[]>;
    modules: string;
    itemsPerModule: number;
    sizes: number[];
    simulator: string;
    client: string;
    incrementalFraction: number;
    restConcurrencies: number[];
  };
  /** Compiling the CLI (`tsc -p tsconfig.build.json`) before the runs; not part of any run. */
  buildMs: number;
  runs: RunResult[];
  targets: TargetResult[];
  pass: boolean;
  totalWallMs: number;
}

const MiB = 1024 * 1024;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const int = (n: number) => n.toLocaleString('en-GB');
const ratio = (n: number) => `${n.toFixed(2)}×`;
const cpu = (ms: number | null) => (ms === null ? '–' : seconds(ms));
const wallOf = (r: RunResult) => (r.baseline?.stopped ? `> ${seconds(r.wallMs)} (stopped)` : seconds(r.wallMs));

/** A run that finished without errors, else the failed one, else none. */
export function findRun(runs: RunResult[], kind: RunKind, size: number): RunResult | undefined {
  const matching = runs.filter((r) => r.kind === kind && r.size === size);
  return matching.find((r) => r.errors.length === 0) ?? matching[0];
}

/** The fastest per-student REST run of a size among those without errors. */
export function bestRest(runs: RunResult[], size: number): RunResult | undefined {
  return runs.filter((r) => r.kind === 'rest' && r.size === size && r.errors.length === 0 && !r.baseline?.stopped).sort((a, b) => a.wallMs - b.wallMs)[0];
}

function endpoints(byEndpoint: Record<string, number>): string {
  return Object.entries(byEndpoint)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${int(n)}`)
    .join(', ');
}

function runsTable(results: BenchResults): string {
  const header = '| Run | Participants | Canvas calls | Calls by endpoint (simulator) | Calls / participant | Wall time | Throttled | Mismatches |';
  const rule = '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |';
  const rows = results.runs.map((r) => {
    const best = r.kind === 'rest' && bestRest(results.runs, r.size)?.id === r.id ? ' — **best**' : '';
    const label = `${r.label}${r.changed === undefined ? '' : ` (${int(r.changed)} changed)`}${best}`;
    const mismatches = r.correctness ? `${int(r.correctness.mismatches)} of ${int(r.correctness.checked)}` : isOurs(r.kind) ? 'not checked' : '– (writes nothing)';
    const failed = r.errors.length ? ` **errors: ${r.errors.length}**` : '';
    return `| ${label}${failed} | ${int(r.size)} | ${int(r.apiCalls)} | ${endpoints(r.byEndpoint)} | ${r.callsPerParticipant.toFixed(4)} | ${wallOf(r)} | ${int(r.throttled)} | ${mismatches} |`;
  });
  return [header, rule, ...rows].join('\n');
}

function ratiosTable(results: BenchResults): string {
  const rows = results.settings.sizes.map((size) => {
    const full = findRun(results.runs, 'cli-full', size);
    const incremental = findRun(results.runs, 'cli-incremental', size);
    const floor = findRun(results.runs, 'floor', size);
    const rest = bestRest(results.runs, size);
    const wall = (r: RunResult | undefined) => (r ? seconds(r.wallMs) : '–');
    const over = (a: RunResult | undefined, b: RunResult | undefined) => (a && b ? ratio(a.wallMs / b.wallMs) : '–');
    return `| ${int(size)} | ${wall(full)} | ${wall(floor)} | ${over(full, floor)} | ${rest ? `${wall(rest)} (${rest.baseline?.concurrency} in flight)` : '–'} | ${over(rest, full)} | ${wall(incremental)} | ${over(incremental, full)} |`;
  });
  return [
    '| Participants | CLI `sync --full`, students known | Floor | CLI full ÷ floor | Best per-student REST | Best REST ÷ CLI full | CLI incremental | Incremental ÷ full |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function cliTable(results: BenchResults): string {
  const rows = results.runs.flatMap((r) => {
    if (!r.cli) return [];
    const reported = r.cli.reported;
    const outside = reported ? seconds(r.wallMs - reported.seconds * 1000) : '–';
    const counts = reported ? `${int(reported.requests)} / ${int(reported.retries)} / ${int(reported.throttled)}` : '–';
    const exit = r.cli.signal ?? String(r.cli.exitCode);
    return [`| ${r.label} (${int(r.size)}) | \`${r.cli.command}\` | ${exit} | ${seconds(r.wallMs)} | ${reported ? `${reported.seconds.toFixed(1)} s` : '–'} | ${outside} | ${counts} | ${cpu(r.cli.cpu.simulatorMs)} / ${cpu(r.cli.cpu.storeMs)} |`];
  });
  return [
    '| Run | Command | Exit | Process start → exit | The sync’s own time (CLI’s line) | The rest: start-up and exit | Requests / retries / throttled (CLI’s line) | CPU: simulator / store |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function inProcessTable(results: BenchResults): string {
  const rows = results.runs.flatMap((r) => {
    const f = r.inProcess;
    if (!f) return [];
    const writes = f.courses.map((c) => (c.writeMs === null ? '–' : seconds(c.writeMs))).join(', ');
    const store = Object.entries(f.store.commands)
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 3)
      .map(([name, c]) => `${name} ${int(c.count)}× ${seconds(c.ms)}`)
      .join('; ');
    return [`| ${r.label} (${int(r.size)}) | ${seconds(r.wallMs)} | ${cpu(f.cpu.runMs)} / ${cpu(f.cpu.simulatorMs)} / ${cpu(f.cpu.storeMs)} | ${seconds(f.client.requestTimeMs)} | ${f.client.maxInFlight} | ${seconds(f.store.totalMs)} | ${store} | ${writes} | ${mib(f.memory.peakRss)} (+${mib(f.memory.increase)}) |`];
  });
  return [
    '| Run | Wall time | CPU: sync / simulator / store | Canvas request time (sum) | Max in flight | Store time (sum) | Top store commands | Write phase per course | Peak RSS (increase) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
    ...rows,
  ].join('\n');
}

function baselineTable(results: BenchResults): string {
  const rows = results.runs.flatMap((r) => {
    const b = r.baseline;
    if (!b) return [];
    if (b.stopped) return [`| ${r.label} (${int(r.size)}) | ${wallOf(r)} | ${int(b.students)} by then | – | – | – | ${cpu(b.cpu.runMs)} / ${cpu(b.cpu.simulatorMs)} |`];
    return [`| ${r.label} (${int(r.size)}) | ${seconds(r.wallMs)} | ${int(b.students)} | ${int(b.clientRequests)} | ${int(b.retries)} | ${b.maxInFlight} | ${cpu(b.cpu.runMs)} / ${cpu(b.cpu.simulatorMs)} |`];
  });
  return ['| Run | Wall time | Students fetched | Requests sent | Retried (throttled) | Max in flight | CPU: client / simulator |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

function targetsTable(results: BenchResults): string {
  const rows = results.targets.map((t) => `| ${t.name} | ${t.value} | ${t.limit} | **${t.status}** |`);
  return ['| Target | Measured | Limit | Result |', '| --- | ---: | ---: | --- |', ...rows].join('\n');
}

export function resultsSection(results: BenchResults): string {
  const m = results.machine;
  const s = results.settings;
  const shapes = Object.entries(s.courseSizes)
    .map(([size, courses]) => `${int(Number(size))} as ${courses.map(int).join(' / ')}`)
    .join('; ');
  return [
    `Last run: ${results.generatedAt}${results.complete ? '' : ' (partial run)'}; ${m.cpus} CPUs (${m.cpuModel}), ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform}; store: ${m.storeEngine}; whole bench ${seconds(results.totalWallMs)} (the CLI's build ${seconds(results.buildMs)}).`,
    `Cohort: seed ${s.seed}, ${s.courses} courses (${shapes}), ${s.modules}; simulator ${s.simulator}; ours: ${s.client}.`,
    '',
    runsTable(results),
    '',
    ratiosTable(results),
    '',
    targetsTable(results),
    '',
    `Overall: **${results.pass ? 'PASS' : 'FAIL'}**`,
    '',
    'The CLI runs: the whole process against the sync’s own record of its run:',
    '',
    cliTable(results),
    '',
    'The same runs in process, where the time goes (sums over concurrent work, so they can exceed the wall time):',
    '',
    inProcessTable(results),
    '',
    'The baselines:',
    '',
    baselineTable(results),
  ].join('\n');
}

/**
 * Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->` in the README,
 * leaving the hand-written explanation alone; appends the markers when they are missing.
 */
export function replaceGenerated(file: string, name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${body}\n${end}`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${start}\n${end}\n`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next = from >= 0 && to > from ? text.slice(0, from) + section + text.slice(to + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}

/** Replaces the generated part of the sync's results in the README. */
export function updateReadme(file: string, results: BenchResults): void {
  replaceGenerated(file, 'results', resultsSection(results));
}
