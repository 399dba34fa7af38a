import type { AuditPhase, PhaseStatus } from '../audits';
import type { ParticipantAttendance } from '../attendance';
import { ukDate, ukDateOf, type ModuleWindow, type RiskRules } from '../curriculum';
import type { GridRow } from '../progress/grid';

export const RAGS = ['red', 'amber', 'green'] as const;
export type Rag = (typeof RAGS)[number];

export interface Reason {
  level: Rag;
  text: string;
}

/** A participant's rating and why, in words; `rag` is null for someone not rated (deferred or withdrawn). */
export interface Rating {
  rag: Rag | null;
  reasons: Reason[];
}

export interface RatingInput {
  row: GridRow;
  /** Audit phase statuses per module, from the group's board; null when not known yet. */
  audits: Record<number, Record<AuditPhase, PhaseStatus>> | null;
  attendance: ParticipantAttendance | null;
  /** The cohort's module windows for the participant's programme, in opening order. */
  windows: readonly ModuleWindow[];
  rules: RiskRules;
  now: Date;
}

const DAY_MS = 24 * 3600 * 1000;
/**
 * A grid rates every participant against the same few dates (module windows, days of last
 * activity), so each date's conversions are remembered rather than parsed and formatted again.
 */
function remembered<T>(convert: (isoDate: string) => T): (isoDate: string) => T {
  const known = new Map<string, T>();
  return (isoDate) => {
    let value = known.get(isoDate);
    if (value === undefined) {
      if (known.size >= 10_000) known.clear();
      value = convert(isoDate);
      known.set(isoDate, value);
    }
    return value;
  };
}

const dayNumber = remembered((isoDate) => Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
const dayWords = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
/** "12 November 2026", from YYYY-MM-DD. */
export const dateInWords = remembered((isoDate) => dayWords.format(new Date(`${isoDate}T00:00:00Z`)));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function levelOf(value: number, amber: number, red: number): Rag | null {
  if (value >= red) return 'red';
  if (value >= amber) return 'amber';
  return null;
}

/** What the schedule expects by today: nothing before a module opens, rising evenly to 100% at its close. */
export function expectedPercent(window: ModuleWindow, today: string): number {
  const opens = dayNumber(window.opens);
  const closes = dayNumber(window.closes);
  const now = dayNumber(today);
  if (now <= opens) return 0;
  if (now >= closes) return 100;
  return Math.round((100 * (now - opens)) / (closes - opens));
}

function behindSchedule(input: RatingInput, today: string): Reason[] {
  const { amberPoints, redPoints } = input.rules.behindSchedule;
  const figures = new Map(input.row.progress?.modules.map((m) => [m.number, m]));
  let worst: { gap: number; reason: Reason } | null = null;
  for (const window of input.windows.filter((w) => w.opens <= today)) {
    const expected = expectedPercent(window, today);
    const figure = figures.get(window.module);
    if (input.row.progress && (figure?.percent === null || figure?.percent === undefined)) continue;
    const actual = figure?.percent ?? 0;
    const level = levelOf(expected - actual, amberPoints, redPoints);
    if (!level || (worst && worst.gap >= expected - actual)) continue;
    const where = input.row.progress ? `Module ${window.module} at ${actual}%` : `Not seen in Canvas yet`;
    worst = { gap: expected - actual, reason: { level, text: `${where}, the schedule expects ${expected}% of Module ${window.module} by today` } };
  }
  return worst ? [worst.reason] : [];
}

function inactivity(input: RatingInput, today: string): Reason[] {
  const { amberDays, redDays } = input.rules.noCanvasActivity;
  const firstOpened = input.windows.find((w) => w.opens <= today);
  const last = input.row.progress?.lastActivityAt;
  if (!last) {
    if (!firstOpened || !input.row.progress) return [];
    const since = dayNumber(today) - dayNumber(firstOpened.opens);
    const level = levelOf(since, amberDays, redDays);
    return level ? [{ level, text: `No Canvas activity recorded since the programme opened on ${dateInWords(firstOpened.opens)}` }] : [];
  }
  const lastDay = ukDateOf(Date.parse(last));
  const since = dayNumber(today) - dayNumber(lastDay);
  const level = levelOf(since, amberDays, redDays);
  return level ? [{ level, text: `No Canvas activity for ${plural(since, 'day')} (last on ${dateInWords(lastDay)})` }] : [];
}

function startAudits(input: RatingInput, today: string): Reason[] {
  if (!input.audits) return [];
  const { amberDays, redDays } = input.rules.startAuditMissing;
  const reasons: Reason[] = [];
  for (const window of input.windows.filter((w) => w.opens <= today)) {
    if (input.audits[window.module]?.start === 'submitted') continue;
    const open = dayNumber(today) - dayNumber(window.opens);
    const level = levelOf(open, amberDays, redDays);
    if (level) reasons.push({ level, text: `Module ${window.module} start-of-module audit not submitted, ${plural(open, 'day')} after the module opened` });
  }
  return reasons;
}

function trainingEvents(input: RatingInput): Reason[] {
  const attendance = input.attendance;
  if (!attendance || attendance.expected === 0) return [];
  const rules = input.rules.trainingEvents;
  const reasons: Reason[] = [];
  const pct = Math.round((100 * attendance.attended) / attendance.expected);
  if (attendance.expected >= rules.minimumEventsForPct && pct < rules.redBelowAttendancePct) {
    reasons.push({ level: 'red', text: `Attended ${attendance.attended} of ${plural(attendance.expected, 'training event')} (${pct}%)` });
  }
  if (rules.missedLast !== 'off' && attendance.last && !attendance.last.present) {
    const why = attendance.last.reason ? ` (${attendance.last.reason})` : '';
    reasons.push({ level: rules.missedLast, text: `Missed the last training event on ${dateInWords(attendance.last.date)}${why}` });
  }
  return reasons;
}

const order: Record<Rag, number> = { red: 0, amber: 1, green: 2 };

/**
 * Red, amber or green, with every reason in words: behind the module schedule, no Canvas
 * activity, a start-of-module audit missing, training events missed (thresholds in
 * config/risk.json). The rating is the worst reason's; green says what was checked.
 */
export function rate(input: RatingInput): Rating {
  const status = input.row.status;
  if (status !== 'active') return { rag: null, reasons: [{ level: 'green', text: `Not rated: ${status}` }] };
  const today = ukDate(input.now);
  const reasons = [...behindSchedule(input, today), ...inactivity(input, today), ...startAudits(input, today), ...trainingEvents(input)].sort((a, b) => order[a.level] - order[b.level]);
  if (reasons.length === 0) return { rag: 'green', reasons: [{ level: 'green', text: greenReason(input, today) }] };
  return { rag: reasons[0].level, reasons };
}

function greenReason(input: RatingInput, today: string): string {
  const parts: string[] = [];
  if (input.windows.some((w) => w.opens <= today)) parts.push('on schedule in every module opened');
  else parts.push('no module has opened yet');
  if (input.row.progress?.lastActivityAt) parts.push('active in Canvas recently');
  if (input.attendance?.expected) parts.push(`attended ${input.attendance.attended} of ${plural(input.attendance.expected, 'training event')}`);
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
