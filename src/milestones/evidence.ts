import type { CompletionDays } from '../completion';
import type { EngagementRule, EvidenceType, MilestoneWindow, ModuleWindow } from '../curriculum';
import { listOf } from '../people/fields';

/** A register that lists the participant, as dated evidence. */
export interface EventMark {
  eventId: string;
  /** YYYY-MM-DD. */
  date: string;
  /** "online workshop", "face-to-face session": how the missing-evidence words name it. */
  kind: string;
  present: boolean;
}

/** What one participant's evidence is made of: their figures, their dated self-study and their registers. */
export interface EvidenceInput {
  /** The programme's module numbers, in order; `required` and `completedOn` follow it. */
  moduleNumbers: readonly number[];
  /** Required self-study items visible to the participant per module; null where no Canvas module matched. */
  required: readonly (number | null)[];
  /** Per module, the days items were first seen completed; null before their course is synced with them in it. */
  completedOn: CompletionDays | null;
  /** The cohort's module schedule for the programme: which modules are due by a milestone's date. */
  moduleWindows: readonly ModuleWindow[];
  marks: readonly EventMark[];
}

export interface Engagement {
  /** The modules counted: those due by the milestone's date (every module when the cohort has no module schedule). */
  modules: number[];
  selfStudy: { done: number; required: number };
  events: { attended: number; held: number };
  /** Whole percent, rounded down; null when nothing is counted yet. */
  percent: number | null;
  met: boolean;
  /** The day the evidence first reached the threshold of what is counted on `asOf`. */
  firstMet: string | null;
}

export interface HeldEvidence {
  type: EvidenceType;
  /** The day it was first met. */
  firstMet: string;
}

/** A participant's evidence for one declaration, on one day. */
export interface MilestoneEvidence {
  declarationType: MilestoneWindow['declarationType'];
  window: MilestoneWindow;
  /** The day the evidence is read on: the window's closing date, or today while it is still to come. */
  asOf: string;
  /** Any one of these is enough. */
  required: EvidenceType[];
  /** Every kind held on `asOf`, whether this declaration needs it or not. */
  held: HeldEvidence[];
  engagement: Engagement;
  holds: boolean;
  /** The kind the declaration is made with: of the required kinds held, the one met first. */
  evidenceHeld: EvidenceType | null;
  /** The evidence's date, moved into the window when it was met before the window opened. */
  declarationDate: string | null;
  /** What is still missing, in words; empty when the evidence holds. */
  missing: string[];
}

const DAY_WORDS = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const wordsByDay = new Map<string, string>();
/** "12 March 2026". Kept per day: a cohort's reasons name the same few days tens of thousands of times. */
export function dayInWords(isoDate: string): string {
  let words = wordsByDay.get(isoDate);
  if (words === undefined) {
    words = DAY_WORDS.format(new Date(`${isoDate}T00:00:00Z`));
    if (wordsByDay.size < 10_000) wordsByDay.set(isoDate, words);
  }
  return words;
}
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Modules due by the milestone's date: their window closes on or before it. */
function modulesDue(input: EvidenceInput, milestoneDate: string): number[] {
  if (input.moduleWindows.length === 0) return [...input.moduleNumbers];
  const due = new Set(input.moduleWindows.filter((w) => w.closes <= milestoneDate).map((w) => w.module));
  return input.moduleNumbers.filter((n) => due.has(n));
}

/** Items completed by `day` in one module, never more than it requires. */
function doneBy(days: readonly [string, number][] | undefined, day: string, cap: number): number {
  let done = 0;
  for (const [seen, count] of days ?? []) if (seen <= day) done += count;
  return Math.min(done, cap);
}

/** Dated steps of evidence (a day and how many counted units it added), oldest first. */
function timeline(input: EvidenceInput, modules: readonly number[], asOf: string, rule: EngagementRule): [string, number][] {
  const steps: [string, number][] = [];
  if (rule.counts.includes('self-study')) {
    for (const number of modules) {
      const i = input.moduleNumbers.indexOf(number);
      let left = input.required[i] ?? 0;
      for (const [day, count] of input.completedOn?.[i] ?? []) {
        if (day > asOf || left <= 0) break;
        steps.push([day, Math.min(count, left)]);
        left -= count;
      }
    }
  }
  if (rule.counts.includes('training-events')) for (const mark of input.marks) if (mark.present && mark.date <= asOf) steps.push([mark.date, 1]);
  return steps.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * The engagement rule (config/milestones.json): over the modules due by the milestone's date,
 * (completed required self-study items + training events attended) / (required self-study
 * items + training events held), each read on `asOf`, met at the threshold.
 */
export function engagementOn(input: EvidenceInput, milestoneDate: string, asOf: string, rule: EngagementRule): Engagement {
  const modules = modulesDue(input, milestoneDate);
  let required = 0;
  let done = 0;
  if (rule.counts.includes('self-study')) {
    for (const number of modules) {
      const i = input.moduleNumbers.indexOf(number);
      const total = input.required[i] ?? 0;
      required += total;
      done += doneBy(input.completedOn?.[i], asOf, total);
    }
  }
  const held = rule.counts.includes('training-events') ? input.marks.filter((m) => m.date <= asOf) : [];
  const attended = held.filter((m) => m.present).length;
  const counted = required + held.length;
  const percent = counted === 0 ? null : Math.floor(((done + attended) * 100) / counted);
  const met = percent !== null && percent >= rule.thresholdPct;
  let firstMet: string | null = null;
  if (met) {
    const needed = Math.ceil((rule.thresholdPct * counted) / 100);
    let sum = 0;
    for (const [day, units] of timeline(input, modules, asOf, rule)) {
      sum += units;
      if (sum >= needed) {
        firstMet = day;
        break;
      }
    }
  }
  return { modules, selfStudy: { done, required }, events: { attended, held: held.length }, percent, met, firstMet };
}

/** The first day in [since, asOf] with an item completed: each module's days are in order, so each is read up to its first match. */
function firstCompletion(input: EvidenceInput, since: string, asOf: string): string | null {
  let first: string | null = null;
  for (const module of input.completedOn ?? []) {
    for (const [day] of module) {
      if (day < since) continue;
      if (day <= asOf && (first === null || day < first)) first = day;
      break;
    }
  }
  return first;
}

function firstAttended(input: EvidenceInput, since: string, asOf: string): string | null {
  let first: string | null = null;
  for (const mark of input.marks) if (mark.present && since <= mark.date && mark.date <= asOf && (first === null || mark.date < first)) first = mark.date;
  return first;
}

/** "2 of 9 Module 4 items", "the 12 March 2026 online workshop": what would lift engagement. */
function engagementGaps(input: EvidenceInput, engagement: Engagement, asOf: string): string[] {
  const gaps: string[] = [];
  for (const number of engagement.modules) {
    const i = input.moduleNumbers.indexOf(number);
    const total = input.required[i] ?? 0;
    const left = total - doneBy(input.completedOn?.[i], asOf, total);
    if (left > 0) gaps.push(`${left} of ${plural(total, `Module ${number} item`)}`);
  }
  for (const mark of input.marks) if (!mark.present && mark.date <= asOf) gaps.push(`the ${dayInWords(mark.date)} ${mark.kind}`);
  return gaps;
}

/** Gaps named in a reason: the first few, then how many more, so a row stays readable. */
const GAPS_NAMED = 4;
function shortList(gaps: string[]): string[] {
  return gaps.length <= GAPS_NAMED + 1 ? gaps : [...gaps.slice(0, GAPS_NAMED), `${gaps.length - GAPS_NAMED} more`];
}

function missingWords(input: EvidenceInput, required: readonly EvidenceType[], engagement: Engagement, asOf: string, threshold: number, since: string): string[] {
  const words: string[] = [];
  if (required.includes('75-percent-engagement-met')) {
    if (engagement.percent === null) words.push('Nothing counted towards engagement yet: no module due and no register taken');
    else {
      const needed = Math.ceil((threshold * (engagement.selfStudy.required + engagement.events.held)) / 100) - engagement.selfStudy.done - engagement.events.attended;
      const gaps = shortList(engagementGaps(input, engagement, asOf));
      words.push(`Engagement ${engagement.percent}% of the ${threshold}% needed: ${needed} more ${needed === 1 ? 'item or event' : 'items or events'} from ${listOf(gaps, 'and')}`);
    }
  }
  const others = required.filter((type) => type !== '75-percent-engagement-met');
  if (others.length > 0 && words.length === 0) {
    const named = others.map((type, i) => `${i === 0 ? 'No' : 'no'} ${type === 'training-event-attended' ? 'training event attended' : 'self-study item completed'}`);
    words.push(`${listOf(named, 'and')} ${since === EVER ? 'yet' : `since ${dayInWords(since)}`}`);
  }
  return words;
}

const EVER = '0000-00-00';

/**
 * A participant's evidence for one declaration, read on `asOf`: each kind held with the day it
 * was first met, whether the declaration's rule holds, the declaration date it would carry and,
 * when it does not hold, what is missing in words. An event attended or an item completed counts
 * from `since` (the day after the previous declaration's window closed: a retention declaration
 * needs engagement in its own period); engagement is over the whole programme to date.
 */
export function evidenceFor(input: EvidenceInput, window: MilestoneWindow, required: readonly EvidenceType[], asOf: string, rule: EngagementRule, since: string | null = null): MilestoneEvidence {
  const milestoneDate = window.closes ?? asOf;
  const engagement = engagementOn(input, milestoneDate, asOf, rule);
  const held: HeldEvidence[] = [];
  const from = since ?? EVER;
  const attended = firstAttended(input, from, asOf);
  if (attended) held.push({ type: 'training-event-attended', firstMet: attended });
  const completed = firstCompletion(input, from, asOf);
  if (completed) held.push({ type: 'self-study-material-completed', firstMet: completed });
  if (engagement.firstMet) held.push({ type: '75-percent-engagement-met', firstMet: engagement.firstMet });
  const usable = required.flatMap((type) => held.filter((h) => h.type === type));
  const chosen = usable.length ? usable.reduce((a, b) => (b.firstMet < a.firstMet ? b : a)) : null;
  const declarationDate = chosen ? (chosen.firstMet < window.opens ? window.opens : chosen.firstMet) : null;
  return {
    declarationType: window.declarationType,
    window,
    asOf,
    required: [...required],
    held,
    engagement,
    holds: chosen !== null,
    evidenceHeld: chosen?.type ?? null,
    declarationDate,
    missing: chosen ? [] : missingWords(input, required, engagement, asOf, rule.thresholdPct, from),
  };
}
