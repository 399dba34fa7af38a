/** The results file of `npm run bench:sync` and the tables generated from it into bench/README.md. */
import fs from 'node:fs';
import type { CheckResult } from './check';

export type RunKind = 'graphql-full' | 'graphql-incremental' | 'rest-full' | 'naive-full';

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

export interface RunResult {
  id: string;
  kind: RunKind;
  label: string;
  size: number;
  participants: number;
  /** Students whose counts were changed in Canvas before an incremental run. */
  changed?: number;
  wallMs: number;
  /** Canvas HTTP requests the client sent, retries included. */
  apiCalls: number;
  callsPerParticipant: number;
  byEndpoint: Record<string, number>;
  throttled: number;
  retries: number;
  /** The simulator's own count; `minRemaining` is the lowest X-Rate-Limit-Remaining it sent (600 = an empty bucket). */
  simulator: { requests: number; throttled: number; maxConcurrent: number; minRemaining: number | null };
  client: { requestTimeMs: number; maxInFlight: number; finalConcurrency: number };
  store: { commands: Record<string, { count: number; ms: number }>; totalMs: number };
  /** CPU time used during the timed run by the sync process, the simulator process and the database server (null where unreadable). */
  cpu: { syncMs: number; simulatorMs: number | null; storeMs: number | null };
  memory: { startRss: number; peakRss: number; increase: number; peakHeapUsed: number; samples: number };
  courses: CourseTiming[];
  correctness: CheckResult | null;
  errors: string[];
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
    modules: string;
    itemsPerModule: number;
    sizes: number[];
    simulator: string;
    client: string;
    incrementalFraction: number;
  };
  runs: RunResult[];
  targets: TargetResult[];
  pass: boolean;
  totalWallMs: number;
}

const MiB = 1024 * 1024;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const int = (n: number) => n.toLocaleString('en-GB');

export function runsTable(results: BenchResults): string {
  const header = '| Run | Participants | API calls | Calls / participant | Wall time | Throttled | Peak RSS | RSS increase | Mismatches |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = results.runs.map((r) => {
    const label = r.changed === undefined ? r.label : `${r.label} (${int(r.changed)} changed)`;
    const mismatches = r.correctness ? `${int(r.correctness.mismatches)} of ${int(r.correctness.checked)}` : 'not checked';
    const failed = r.errors.length ? ` **errors: ${r.errors.length}**` : '';
    return `| ${label}${failed} | ${int(r.participants)} | ${int(r.apiCalls)} | ${r.callsPerParticipant.toFixed(4)} | ${seconds(r.wallMs)} | ${r.throttled} | ${mib(r.memory.peakRss)} | ${mib(r.memory.increase)} | ${mismatches} |`;
  });
  return [header, rule, ...rows].join('\n');
}

export function targetsTable(results: BenchResults): string {
  const rows = results.targets.map((t) => `| ${t.name} | ${t.value} | ${t.limit} | **${t.status}** |`);
  return ['| Target | Measured | Limit | Result |', '| --- | ---: | ---: | --- |', ...rows].join('\n');
}

export function breakdownTable(results: BenchResults): string {
  const rows = results.runs.map((r) => {
    const writes = r.courses.map((c) => (c.writeMs === null ? '–' : seconds(c.writeMs))).join(', ');
    const store = Object.entries(r.store.commands)
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 3)
      .map(([name, c]) => `${name} ${int(c.count)}× ${seconds(c.ms)}`)
      .join('; ');
    const cpu = (ms: number | null) => (ms === null ? '–' : seconds(ms));
    return `| ${r.label} (${int(r.size)}) | ${seconds(r.wallMs)} | ${cpu(r.cpu.syncMs)} / ${cpu(r.cpu.simulatorMs)} / ${cpu(r.cpu.storeMs)} | ${seconds(r.client.requestTimeMs)} | ${r.client.maxInFlight} | ${seconds(r.store.totalMs)} | ${store} | ${writes} |`;
  });
  return [
    '| Run | Wall time | CPU: sync / simulator / store | Canvas request time (sum) | Max in flight | Store time (sum) | Top store commands | Write phase per course |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

export function resultsSection(results: BenchResults): string {
  const m = results.machine;
  const s = results.settings;
  return [
    `Last run: ${results.generatedAt}${results.complete ? '' : ' (partial run)'}; ${m.cpus} CPUs (${m.cpuModel}), ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform}; store: ${m.storeEngine}; whole bench ${seconds(results.totalWallMs)}.`,
    `Cohort: seed ${s.seed}, ${s.courses} courses, ${s.modules}; simulator ${s.simulator}; client ${s.client}.`,
    '',
    runsTable(results),
    '',
    targetsTable(results),
    '',
    `Overall: **${results.pass ? 'PASS' : 'FAIL'}**`,
    '',
    'Where the time goes (sums over concurrent work, so they can exceed the wall time):',
    '',
    breakdownTable(results),
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
