/**
 * The targets of `npm run bench:sync` (issue 19, "Done when"): the ratios and call counts at
 * 10,000 participants, from runs of the same bench run; throttling and correctness in every
 * run of ours at every size.
 */
import { bestRest, findRun, isOurs, seconds, type RunKind, type RunResult, type TargetResult } from './report';

export const TARGET_SIZE = 10_000;
export const TARGETS = {
  /** CLI `sync --full` with the students known, process start to exit, over the by-ids floor. */
  fullOverFloor: 1.6,
  /** The best per-student REST client's wall time over that CLI run. */
  restOverFull: 12,
  callsPerParticipantFull: 0.015,
  callsPerParticipantIncremental: 0.012,
  /** The first sync on an empty database: the earlier bench's target for a full sync. */
  callsPerParticipantFirst: 0.03,
};

const at = (size: number) => size.toLocaleString('en-GB');
const ok = (r: RunResult | undefined): r is RunResult => r !== undefined && r.errors.length === 0;

function status(ran: boolean, passed: boolean): TargetResult['status'] {
  if (!ran) return 'NOT RUN';
  return passed ? 'PASS' : 'FAIL';
}

function callsTarget(runs: RunResult[], kind: RunKind, name: string, limit: number): TargetResult {
  const run = findRun(runs, kind, TARGET_SIZE);
  return {
    name: `${name} of ${at(TARGET_SIZE)}: Canvas calls per participant`,
    value: run ? `${run.callsPerParticipant.toFixed(4)} (${run.apiCalls} calls)` : '–',
    limit: `≤ ${limit}`,
    status: status(run !== undefined, ok(run) && run.callsPerParticipant <= limit),
  };
}

function ratioTargets(runs: RunResult[]): TargetResult[] {
  const full = findRun(runs, 'cli-full', TARGET_SIZE);
  const floor = findRun(runs, 'floor', TARGET_SIZE);
  const incremental = findRun(runs, 'cli-incremental', TARGET_SIZE);
  const rest = bestRest(runs, TARGET_SIZE);
  const restRan = runs.some((r) => r.kind === 'rest' && r.size === TARGET_SIZE);
  const overFloor = ok(full) && ok(floor) ? full.wallMs / floor.wallMs : null;
  const overFull = ok(full) && rest ? rest.wallMs / full.wallMs : null;
  return [
    {
      name: `CLI \`sync --full\` of ${at(TARGET_SIZE)}, students known, process start to exit, over the by-ids GraphQL floor`,
      value: overFloor === null ? '–' : `${overFloor.toFixed(2)}× (${seconds(full!.wallMs)} vs ${seconds(floor!.wallMs)})`,
      limit: `≤ ${TARGETS.fullOverFloor}×`,
      status: status(full !== undefined || floor !== undefined, overFloor !== null && overFloor <= TARGETS.fullOverFloor),
    },
    {
      name: `Best per-student REST client (4, 8 or 12 in flight) over that CLI run, same bench run`,
      value: overFull === null ? '–' : `${overFull.toFixed(1)}× (${rest!.baseline?.concurrency} in flight: ${seconds(rest!.wallMs)} vs ${seconds(full!.wallMs)})`,
      limit: `≥ ${TARGETS.restOverFull}×`,
      status: status(full !== undefined || restRan, overFull !== null && overFull >= TARGETS.restOverFull),
    },
    callsTarget(runs, 'cli-full', 'CLI `sync --full`, students known,', TARGETS.callsPerParticipantFull),
    {
      name: `CLI incremental \`sync\` of ${at(TARGET_SIZE)}, 5% changed, faster than the CLI \`sync --full\` above`,
      value: incremental && full ? `${seconds(incremental.wallMs)} vs ${seconds(full.wallMs)}` : '–',
      limit: '< full',
      status: status(incremental !== undefined, ok(incremental) && ok(full) && incremental.wallMs < full.wallMs),
    },
    callsTarget(runs, 'cli-incremental', 'CLI incremental `sync`, 5% changed,', TARGETS.callsPerParticipantIncremental),
    callsTarget(runs, 'cli-first', 'CLI first `sync --full` (empty database)', TARGETS.callsPerParticipantFirst),
  ];
}

function everyRunTargets(runs: RunResult[]): TargetResult[] {
  const ours = runs.filter((r) => isOurs(r.kind));
  const throttled = ours.filter((r) => r.throttled > 0);
  const mismatches = ours.reduce((n, r) => n + (r.correctness?.mismatches ?? 0), 0);
  const unchecked = ours.filter((r) => !r.correctness).map((r) => r.id);
  const failed = runs.filter((r) => r.errors.length > 0).map((r) => r.id);
  return [
    {
      name: 'Throttled responses in every run of ours (CLI and in process, every size)',
      value: throttled.length === 0 ? '0' : throttled.map((r) => `${r.throttled} in ${r.id}`).join('; '),
      limit: '0',
      status: status(ours.length > 0, throttled.length === 0),
    },
    {
      name: 'Stored module counts equal the simulator’s truth after every run of ours, and no run failed',
      value: `${mismatches} mismatches${unchecked.length ? `; not checked: ${unchecked.join(', ')}` : ''}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
      limit: '0',
      status: status(runs.length > 0, mismatches === 0 && unchecked.length === 0 && failed.length === 0),
    },
  ];
}

export function evaluateTargets(runs: RunResult[]): TargetResult[] {
  return [...ratioTargets(runs), ...everyRunTargets(runs)];
}
