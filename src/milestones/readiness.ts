import type { GroupBoard, GroupBoards } from '../cohort/boards';
import { onPlatform } from '../cohort/grid';
import {
  cohortMilestones,
  DFE_COURSE_IDENTIFIER,
  engagementRule,
  evidenceRequired,
  milestoneWindows,
  moduleNumbers,
  moduleWindows,
  scheduleName,
  ukDate,
  type DeclarationType,
  type MilestoneWindow,
  type ModuleWindow,
} from '../curriculum';
import type { Viewer } from '../participants/access';
import type { GridRow } from '../progress/grid';
import type { EvidenceByKey, ReadModel } from '../progress/read-model';
import { declarationKey, type DeclaredRecord, type Declarations } from './declarations';
import { dayInWords, evidenceFor, type EventMark, type MilestoneEvidence } from './evidence';

export const READINESS_STATES = ['ready', 'at-risk', 'declared', 'upcoming', 'missed', 'not-declarable'] as const;
export type ReadinessState = (typeof READINESS_STATES)[number];

export const READINESS_STATE_LABELS: Record<ReadinessState, string> = {
  ready: 'Ready to declare',
  'at-risk': 'At risk',
  declared: 'Already declared',
  upcoming: 'Not open yet',
  missed: 'Window closed',
  'not-declarable': 'Not declared',
};

/** One declaration of one participant: where its window is, what the evidence says and what follows. */
export interface MilestoneStatus {
  declarationType: DeclarationType;
  window: MilestoneWindow;
  windowState: 'closed' | 'open' | 'upcoming';
  evidence: MilestoneEvidence;
  state: ReadinessState;
  declared: DeclaredRecord | null;
  /** Days from today to the window's close (0 on its last day); null when it has no close or is not open. */
  daysLeft: number | null;
  /** Why, in words: what is missing and how long is left, or what the declaration would be made with. */
  reasons: string[];
}

/** One participant's milestones under their schedule. */
export interface ParticipantReadiness {
  row: GridRow;
  scheduleId: string | null;
  scheduleName: string | null;
  cohortYear: number | null;
  /** Why there are no milestones to show ("the cohort has no schedule in config/milestones.json"); null when there are. */
  problem: string | null;
  milestones: MilestoneStatus[];
  /** The declaration whose window is open now (the first not yet declared, where several are open). */
  open: MilestoneStatus | null;
  /** The declaration after it. */
  next: MilestoneStatus | null;
}

const DAY_MS = 86_400_000;
const dayNumber = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const dayAfter = (isoDate: string | null) => (isoDate ? new Date((dayNumber(isoDate) + 1) * DAY_MS).toISOString().slice(0, 10) : null);

export const EVIDENCE_LABELS: Record<string, string> = {
  'training-event-attended': 'a training event attended',
  'self-study-material-completed': 'self-study completed',
  '75-percent-engagement-met': '75% engagement met',
};

/** Every register that lists each participant, across the cohort's boards (a participant who changed group keeps their earlier registers). */
export function marksByParticipant(boards: ReadonlyMap<string | null, GroupBoard>): Map<string, EventMark[]> {
  const marks = new Map<string, EventMark[]>();
  for (const board of boards.values()) {
    const events = new Map((board.attendance?.events ?? []).map((e) => [e.id, e]));
    for (const [key, attendance] of Object.entries(board.attendance?.byParticipant ?? {})) {
      for (const mark of attendance.marks) {
        const event = events.get(mark.eventId);
        if (!event) continue;
        const list = marks.get(key) ?? [];
        list.push({ eventId: event.id, date: event.date, kind: event.typeLabel.toLowerCase(), present: mark.present });
        marks.set(key, list);
      }
    }
  }
  for (const list of marks.values()) list.sort((a, b) => a.date.localeCompare(b.date));
  return marks;
}

function windowStateOf(window: MilestoneWindow, today: string): MilestoneStatus['windowState'] {
  if (today < window.opens) return 'upcoming';
  return window.closes !== null && window.closes < today ? 'closed' : 'open';
}

function reasonsFor(status: Omit<MilestoneStatus, 'reasons'>, row: GridRow): string[] {
  const { evidence, window, declared } = status;
  const closes = window.closes ? dayInWords(window.closes) : null;
  switch (status.state) {
    case 'declared':
      return [`Declared on ${dayInWords(declared!.declarationDate)} (${declared!.state})`];
    case 'not-declarable':
      return [row.rostered ? `${row.status === 'withdrawn' ? 'Withdrawn' : 'Deferred'}: no declaration is due` : 'Not on the roster: add them to declare'];
    case 'ready':
      return [`Evidence: ${EVIDENCE_LABELS[evidence.evidenceHeld!]} on ${dayInWords(evidence.declarationDate!)}`, ...(row.dfeParticipantId ? [] : ['No DfE participant id in the roster'])];
    case 'upcoming':
      return evidence.holds ? [`Evidence held already; the window opens on ${dayInWords(window.opens)}`] : [...evidence.missing, `The window opens on ${dayInWords(window.opens)}`];
    case 'missed':
      return [`The window closed on ${closes}${evidence.holds ? ' with the evidence held, but no declaration is recorded' : ''}`, ...evidence.missing];
    default:
      return [...evidence.missing, status.daysLeft === null ? 'The window has no closing date' : `${plural(status.daysLeft, 'day')} left (closes ${closes})`];
  }
}

function stateOf(row: GridRow, windowState: MilestoneStatus['windowState'], evidence: MilestoneEvidence, declared: DeclaredRecord | null): ReadinessState {
  if (declared) return 'declared';
  if (!row.rostered || row.status !== 'active') return 'not-declarable';
  if (windowState === 'upcoming') return 'upcoming';
  if (windowState === 'closed') return 'missed';
  return evidence.holds ? 'ready' : 'at-risk';
}

interface CohortContext {
  cohort: string;
  today: string;
  evidence: EvidenceByKey;
  marks: Map<string, EventMark[]>;
  declarations: Map<string, DeclaredRecord>;
  /** What every participant of a role shares, worked out once per cohort. */
  config: CohortConfig;
}

/** The config a cohort's participants are read against, looked up once per cohort rather than once per person. */
class CohortConfig {
  readonly defaults: { cohortYear: number; schedule: string } | null;
  readonly rule = engagementRule();
  private readonly windows = new Map<string, MilestoneWindow[]>();
  private readonly byRole = new Map<GridRow['role'], { required: ReturnType<typeof evidenceRequired>; numbers: readonly number[]; moduleWindows: ModuleWindow[] }>();

  constructor(private readonly cohort: string) {
    this.defaults = cohortMilestones(cohort);
  }

  windowsOf(scheduleId: string, cohortYear: number): MilestoneWindow[] {
    let found = this.windows.get(scheduleId);
    if (!found) this.windows.set(scheduleId, (found = milestoneWindows(scheduleId, cohortYear)));
    return found;
  }

  role(role: GridRow['role'], cohortYear: number) {
    let found = this.byRole.get(role);
    if (!found) this.byRole.set(role, (found = { required: evidenceRequired(role, cohortYear), numbers: moduleNumbers(role), moduleWindows: moduleWindows(this.cohort, role) }));
    return found;
  }
}

function participantReadiness(row: GridRow, context: CohortContext): ParticipantReadiness {
  const defaults = context.config.defaults;
  const scheduleId = row.schedule ?? defaults?.schedule ?? null;
  const cohortYear = defaults?.cohortYear ?? null;
  const base = { row, scheduleId, scheduleName: scheduleId ? scheduleName(scheduleId) : null, cohortYear, milestones: [], open: null, next: null };
  if (!scheduleId || cohortYear === null) return { ...base, problem: `The cohort "${context.cohort}" has no milestone schedule in config/milestones.json` };
  const windows = context.config.windowsOf(scheduleId, cohortYear);
  if (windows.length === 0) return { ...base, problem: `The schedule "${scheduleId}" has no windows for ${cohortYear} in config/milestones.json` };
  const { required, numbers, moduleWindows } = context.config.role(row.role, cohortYear);
  const input = {
    moduleNumbers: numbers,
    required: numbers.map((n) => row.progress?.modules.find((m) => m.number === n)?.required ?? null),
    completedOn: context.evidence.get(row.key) ?? null,
    moduleWindows,
    marks: context.marks.get(row.key) ?? [],
  };
  const rule = context.config.rule;
  const applicable = windows.filter((window) => required[window.declarationType]);
  const milestones = applicable.map((window, i): MilestoneStatus => {
    const needs = required[window.declarationType]!;
    const asOf = window.closes !== null && window.closes < context.today ? window.closes : context.today;
    const evidence = evidenceFor(input, window, needs, asOf, rule, dayAfter(applicable[i - 1]?.closes ?? null));
    const declared = row.dfeParticipantId ? (context.declarations.get(declarationKey(row.dfeParticipantId, window.declarationType, DFE_COURSE_IDENTIFIER[row.role])) ?? null) : null;
    const windowState = windowStateOf(window, context.today);
    const daysLeft = windowState === 'open' && window.closes ? dayNumber(window.closes) - dayNumber(context.today) : null;
    const status = { declarationType: window.declarationType, window, windowState, evidence, declared, daysLeft, state: stateOf(row, windowState, evidence, declared) };
    return { ...status, reasons: reasonsFor(status, row) };
  });
  const openOnes = milestones.filter((m) => m.windowState === 'open');
  const open = openOnes.find((m) => m.state !== 'declared') ?? openOnes[openOnes.length - 1] ?? null;
  const next = open ? (milestones[milestones.indexOf(open) + 1] ?? null) : (milestones.find((m) => m.windowState === 'upcoming') ?? null);
  return { ...base, problem: null, milestones, open, next };
}

/** Which milestone a view shows: each participant's open or next one, or one declaration type for everyone. */
export type MilestoneChoice = 'open' | 'next' | DeclarationType;

export function milestoneOf(p: ParticipantReadiness, choice: MilestoneChoice): MilestoneStatus | null {
  if (choice === 'open') return p.open;
  if (choice === 'next') return p.next;
  return p.milestones.find((m) => m.declarationType === choice) ?? null;
}

export interface ReadinessDeps {
  readModel: Pick<ReadModel, 'readCurrentEvidence'>;
  boards: Pick<GroupBoards, 'boardsOf'>;
  declarations: Pick<Declarations, 'standing' | 'pointer'>;
}

/**
 * Milestone readiness: each participant's DfE declarations under their schedule, with the
 * evidence read from the progress read model (dated self-study), the group boards (registers)
 * and the provider's imported declaration list. A cohort's readiness is worked out in memory
 * from what the grid already holds (one query per source, none per person) and kept until one of
 * its sources or the day changes.
 */
export class Readiness {
  private readonly kept = new Map<string, { sources: unknown[]; entries: ParticipantReadiness[] }>();

  constructor(private readonly deps: ReadinessDeps) {}

  /** Everyone in the cohort, on every platform: callers narrow it to what the viewer may see. */
  async ofCohort(cohort: string, now = new Date()): Promise<ParticipantReadiness[]> {
    const read = await this.deps.readModel.readCurrentEvidence(cohort);
    if (!read) return [];
    const boards = await this.deps.boards.boardsOf(cohort);
    const declarations = await this.deps.declarations.standing();
    const today = ukDate(now);
    const sources = [read.rows, read.evidence, boards, declarations, today];
    const kept = this.kept.get(cohort);
    if (kept && kept.sources.every((s, i) => s === sources[i])) return kept.entries;
    const context: CohortContext = { cohort, today, evidence: read.evidence, marks: marksByParticipant(boards), declarations, config: new CohortConfig(cohort) };
    const entries = read.rows.map((row) => participantReadiness(row, context));
    this.kept.set(cohort, { sources, entries });
    return entries;
  }

  /** Which declaration list "Already declared" comes from: its file, when it was imported and how many declarations it holds; null before the first import. */
  async declarationList(): Promise<{ file: string; importedAt: Date; declarations: number } | null> {
    const pointer = await this.deps.declarations.pointer();
    return pointer && { file: pointer.file, importedAt: pointer.importedAt, declarations: pointer.declarations };
  }

  /** One participant's milestones, for their record (the caller has let the viewer see them). */
  async ofParticipant(cohort: string, key: string, now = new Date()): Promise<ParticipantReadiness | null> {
    return (await this.ofCohort(cohort, now)).find((p) => p.row.key === key) ?? null;
  }

  /** The cohort's participants a viewer may see: an admin's platform, a facilitator's groups. */
  async inScope(viewer: Viewer, cohort: string, now = new Date()): Promise<ParticipantReadiness[]> {
    const groups = viewer.kind === 'admin' ? null : new Set(viewer.groups ?? []);
    return (await this.ofCohort(cohort, now)).filter((p) => onPlatform(p.row, viewer.platform) && (!groups || (p.row.group !== null && groups.has(p.row.group))));
  }
}
