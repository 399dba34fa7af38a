/** The results file of `npm run bench:read-model` and the tables generated from it into bench/README.md. */
import type { Distribution } from './measure';
import type { ReadsOutcome, RefreshOutcome, SyncOutcome } from './read-model-protocol';
import { mib, seconds, type TargetResult } from './report';

/** A step run in its own process, with the database server's CPU time while its clock ran (null where unreadable). */
export type Measured<T> = T & { storeCpuMs: number | null };

export interface CorrectnessResult {
  /** Participants the simulator has (every active student of the four courses). */
  expected: number;
  /** Participants read back, page by page. */
  read: number;
  /** Participants whose figures, role, course, roster match or key differ from the truth, plus missing and extra ones. */
  mismatchedParticipants: number;
  /** Module percentages and overall figures compared, and how many differed. */
  figuresChecked: number;
  figuresMismatched: number;
  /** `readParticipant` of a sample against the same participant on their page. */
  participantDocsChecked: number;
  participantDocsMismatched: number;
  /** The cohort rollups count every participant once, and every module's states add up to the synced ones. */
  rollupProblems: number;
  examples: string[];
  readMs: number;
}

export interface ReadModelResults {
  generatedAt: string;
  complete: boolean;
  machine: { cpus: number; cpuModel: string; totalMemoryGiB: number; node: string; platform: string; storeEngine: string; loadAverageAtStart: number[] };
  settings: {
    seed: number;
    participants: number;
    courses: number;
    modules: string;
    roster: string;
    simulator: string;
    refreshRuns: number;
    pageReads: number;
    participantReads: number;
    monitoredReads: number;
  };
  setup: { schools: number; rosterRows: number; rosterImportMs: number; rosterBuildMs: number };
  sync: Measured<SyncOutcome> | null;
  refreshes: Measured<RefreshOutcome>[];
  /** One extra refresh with command monitoring, for where the time goes; not in the figures above. */
  monitoredRefresh: Measured<RefreshOutcome> | null;
  write: { wallMs: Distribution; cpuMs: Distribution; storeCpuMs: Distribution | null; documents: number; peakRss: number; rssIncrease: number };
  reads: ReadsOutcome | null;
  correctness: CorrectnessResult | null;
  targets: TargetResult[];
  pass: boolean;
  totalWallMs: number;
  errors: string[];
}

const int = (n: number) => n.toLocaleString('en-GB');
const ms = (value: number) => `${Math.round(value).toLocaleString('en-GB')} ms`;

function writeTable(results: ReadModelResults): string {
  const w = results.write;
  const rows = [
    '| Build | Runs | p50 | p95 | Max | Documents written | Peak RSS | RSS increase | CPU: refresh process / store (p50) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| \`refreshCohort\`, ${int(results.settings.participants)} participants | ${w.wallMs.samples} | ${seconds(w.wallMs.p50)} | ${seconds(w.wallMs.p95)} | ${seconds(w.wallMs.max)} | ${int(w.documents)} | ${mib(w.peakRss)} | ${mib(w.rssIncrease)} | ${seconds(w.cpuMs.p50)} / ${w.storeCpuMs ? seconds(w.storeCpuMs.p50) : '–'} |`,
  ];
  const s = results.sync;
  if (s) {
    const hook = s.hookMs === null ? '–' : seconds(s.hookMs);
    rows.push(`| First build after the full sync, by its \`afterCommit\` hook | 1 | ${hook} | | | | ${mib(s.memory.peakRss)} (whole sync) | ${mib(s.memory.increase)} (whole sync) | |`);
  }
  return rows.join('\n');
}

function readsTable(reads: ReadsOutcome, participants: number): string {
  const row = (name: string, d: Distribution) => `| ${name} | ${d.samples} | ${ms(d.p50)} | ${ms(d.p95)} | ${ms(d.max)} |`;
  const perPage = Math.min(1000, participants);
  return [
    '| Read | Samples | p50 | p95 | Max |',
    '| --- | ---: | ---: | ---: | ---: |',
    row(`Cohort page of ${int(perPage)} participants: \`readPointer\` + \`readPage\``, reads.pageRead),
    row('… of which `readPointer`', reads.pointerRead),
    row(`… of which \`readPage\` (one read by \`_id\`, ${(reads.pageBytes / 1024 / 1024).toFixed(2)} MB of JSON decoded)`, reads.pageOnly),
    row('One participant: `readParticipant` (pointer + participant, both by `_id`)', reads.participantRead),
  ].join('\n');
}

function timeTable(results: ReadModelResults): string {
  const lines: string[] = [];
  const refresh = results.monitoredRefresh;
  if (refresh?.store) {
    lines.push(`One more \`refreshCohort\` with the driver's command monitoring (${seconds(refresh.wallMs)} with monitoring; CPU of the refreshing process ${seconds(refresh.cpuMs)}, of the store ${refresh.storeCpuMs === null ? '–' : seconds(refresh.storeCpuMs)}); store round trips by command and collection, most expensive first:`, '');
    lines.push('| Command | Count | Store time (sum) | Documents sent |', '| --- | ---: | ---: | ---: |');
    const targets = Object.entries(refresh.store.byTarget).sort((a, b) => b[1].ms - a[1].ms);
    for (const [target, t] of targets) lines.push(`| \`${target}\` | ${int(t.count)} | ${seconds(t.ms)} | ${t.documents ? int(t.documents) : ''} |`);
    const storeMs = targets.reduce((n, [, t]) => n + t.ms, 0);
    lines.push('', `Store round trips add up to ${seconds(storeMs)} of the ${seconds(refresh.wallMs)}; the rest is this process (reading and decoding the sources, the join, encoding the documents).`);
  }
  const m = results.reads?.monitored;
  if (m) {
    if (lines.length) lines.push('');
    lines.push(`Store round trip of each read (${m.pageFindMs.samples} monitored reads of each kind; the rest of a read is decoding in the reading process): page \`find\` p50 ${ms(m.pageFindMs.p50)}, p95 ${ms(m.pageFindMs.p95)}; participant \`find\` p50 ${ms(m.participantFindMs.p50)}, p95 ${ms(m.participantFindMs.p95)}; pointer \`find\` p50 ${ms(m.pointerFindMs.p50)}, p95 ${ms(m.pointerFindMs.p95)}.`);
  }
  return lines.join('\n');
}

function targetsTable(targets: TargetResult[]): string {
  return ['| Target | Measured | Limit | Result |', '| --- | ---: | ---: | --- |', ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.limit} | **${t.status}** |`)].join('\n');
}

export function readModelSection(results: ReadModelResults): string {
  const m = results.machine;
  const s = results.settings;
  const sync = results.sync;
  const c = results.correctness;
  const parts = [
    `Last run: ${results.generatedAt}${results.complete ? '' : ' (partial run)'}; ${m.cpus} CPUs (${m.cpuModel}), ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform}; store: ${m.storeEngine}; load average at the start ${m.loadAverageAtStart.map((l) => l.toFixed(1)).join(' / ')}; whole bench ${seconds(results.totalWallMs)}.`,
    `Cohort: seed ${s.seed}, ${int(s.participants)} participants in ${s.courses} courses, ${s.modules}; roster: ${s.roster} (imported in ${seconds(results.setup.rosterImportMs)}); simulator ${s.simulator}.`,
  ];
  if (sync) {
    parts.push(`Full sync (GraphQL, as \`openRuntime\` wires it): ${seconds(sync.wallMs)} for ${int(sync.participants)} participants, ${int(sync.apiCalls)} Canvas calls, ${sync.throttled} throttled, paths ${[...new Set(sync.paths)].join(', ')}${sync.errors.length ? `, **errors: ${sync.errors.join('; ')}**` : ''}; of that, the read-model hook ${sync.hookMs === null ? '–' : seconds(sync.hookMs)}${sync.hookError ? ` (**failed: ${sync.hookError}**)` : ''}.`);
  }
  parts.push('', writeTable(results), '');
  if (results.reads) parts.push(readsTable(results.reads, s.participants), '');
  if (c) {
    parts.push(
      `Correctness: ${int(c.read)} participants read back page by page against the simulator's ${int(c.expected)}: ${int(c.mismatchedParticipants)} mismatched participants, ${int(c.figuresMismatched)} of ${int(c.figuresChecked)} figures (module percentages and overall) different; \`readParticipant\` equal to the page entry for ${int(c.participantDocsChecked - c.participantDocsMismatched)} of ${int(c.participantDocsChecked)} sampled; rollup problems: ${c.rollupProblems}.`,
      '',
    );
  }
  parts.push(targetsTable(results.targets), '', `Overall: **${results.pass ? 'PASS' : 'FAIL'}**`);
  if (results.errors.length) parts.push('', `Errors: ${results.errors.join('; ')}`);
  const time = timeTable(results);
  if (time) parts.push('', 'Where the time goes:', '', time);
  return parts.join('\n');
}
