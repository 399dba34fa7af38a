import { completionDays, itemsToDo, type CompletionDays, type ModuleFigure, type ModuleItem, type ModuleState } from '../completion';
import { moduleNumbers, ukDateOf } from '../curriculum';
import type { Programme } from '../domain';
import type { RosterEntry } from '../people';
import type { CourseSyncState, StudentRecord } from '../sync';
import { figuresOfStudent } from './student-figures';

/** One synced course of the cohort, with every student of its current generation. */
export interface SyncedCourse {
  state: CourseSyncState;
  students: Iterable<StudentRecord>;
}

/** A participant's figures in one programme's course, as pages and exports show them. */
export interface ProgrammeProgress {
  /** The course link the figures come from (platform and Canvas course). */
  courseKey: string;
  courseId: string;
  programme: Programme;
  modules: ModuleFigure[];
  overall: number | null;
  /** When the sync that produced these figures finished. */
  dataAsOf: string | null;
  /** Per module (same order), the first few items still to do: Canvas module item ids. */
  toDo: string[][];
  /** Canvas's last activity of the participant in the course (ISO 8601), as Canvas reports it. */
  lastActivityAt: string | null;
  /** Per module (same order), the days items were first seen completed: the dated evidence of self-study. */
  completedOn: CompletionDays;
}

/** How many of a module's remaining items the read model keeps: what a "next items" list shows. */
export const TO_DO_KEPT = 3;

/** One participant of a cohort: everyone on its roster, and the Canvas students the roster does not know yet. */
export interface ParticipantProgress {
  /** `canvas:<id>` when the Canvas user is known, else `person:<roster key>`: what a page looks up. */
  key: string;
  canvasUserId: string | null;
  name: string | null;
  email: string | null;
  role: Programme;
  schoolUrn: string | null;
  cohort: string;
  group: string | null;
  /** On the roster, or only seen in Canvas. */
  rostered: boolean;
  /** From the roster; `active` for someone only seen in Canvas. */
  status: RosterEntry['status'];
  /** An ECT's mentor's email, from the roster. */
  mentorEmail: string | null;
  /** The DfE milestone schedule the roster gives; null: the cohort's default. */
  schedule: string | null;
  /** DfE's participant id, from the roster. */
  dfeParticipantId: string | null;
  /** An ECT's mentor (their key in this cohort), from the roster's mentor email. */
  mentorKey: string | null;
  /** A mentor's ECTs (their keys in this cohort), in name order. */
  menteeKeys: string[];
  /** The figures of the participant's own programme; null until its course is synced with them in it. */
  progress: ProgrammeProgress | null;
}

export type StateCounts = Record<ModuleState, number>;

/** Counts per module and state, for one cohort, school or group of one programme. */
export interface Rollup {
  scope: 'cohort' | 'school' | 'group';
  name: string;
  programme: Programme;
  participants: number;
  /** Participants with synced figures (the rest are on the roster only). */
  synced: number;
  modules: { number: number; states: StateCounts }[];
}

/** What every student of one course shares: worked out once per course, not once per student. */
interface CourseFacts {
  state: CourseSyncState;
  moduleNumbers: readonly number[];
  moduleItems: ModuleItem[];
  dataAsOf: string | null;
}

interface Synced {
  student: StudentRecord;
  course: CourseFacts;
}

function factsOf(state: CourseSyncState): CourseFacts {
  return { state, moduleNumbers: moduleNumbers(state.programme), moduleItems: state.moduleItems ?? [], dataAsOf: state.syncedAt?.toISOString() ?? null };
}

function progressOf(synced: Synced): ProgrammeProgress {
  const { course, student } = synced;
  const { state } = course;
  const figures = figuresOfStudent(state, student, course.moduleNumbers);
  return {
    courseKey: state._id,
    courseId: state.courseId,
    programme: state.programme,
    modules: figures.modules,
    overall: figures.overall,
    dataAsOf: course.dataAsOf,
    toDo: itemsToDo(course.moduleNumbers, course.moduleItems, student.completions, student.hiddenItemIds, TO_DO_KEPT),
    lastActivityAt: student.lastActivityAt,
    completedOn: completionDays(course.moduleNumbers, course.moduleItems, student.completions, student.hiddenItemIds, ukDateOf),
  };
}

/** Canvas students of one programme, findable by the roster's ids in its order of precedence. */
function indexStudents(synced: readonly Synced[]) {
  const byCanvasId = new Map<string, Synced>();
  const bySisId = new Map<string, Synced>();
  const byEmail = new Map<string, Synced>();
  for (const s of synced) {
    byCanvasId.set(s.student.userId, s);
    if (s.student.sisId) bySisId.set(s.student.sisId, s);
    for (const address of [s.student.loginId, s.student.email]) if (address) byEmail.set(address.toLowerCase(), s);
  }
  return (entry: RosterEntry): Synced | undefined =>
    (entry.canvasUserId ? byCanvasId.get(entry.canvasUserId) : undefined) ??
    (entry.sisUserId ? bySisId.get(entry.sisUserId) : undefined) ??
    (entry.email ? byEmail.get(entry.email.toLowerCase()) : undefined);
}

const byNameThenId = (a: ParticipantProgress, b: ParticipantProgress) =>
  (a.name ?? '').localeCompare(b.name ?? '') || (a.canvasUserId ?? '').localeCompare(b.canvasUserId ?? '') || a.key.localeCompare(b.key);

/** Keys are unique within a cohort: a second participant claiming a Canvas id keeps their roster key. */
function assignKeys(participants: ParticipantProgress[]): void {
  const taken = new Set<string>();
  for (const p of participants) {
    if (taken.has(p.key)) p.key = `${p.key}#${taken.size}`;
    taken.add(p.key);
  }
}

/**
 * Joins a cohort's roster with its synced courses: one participant per roster entry (found in
 * their programme's course by Canvas id, then SIS id, then email), plus each Canvas student the
 * roster does not know. Sorted by name.
 */
export function buildParticipants(cohort: string, roster: readonly RosterEntry[], courses: readonly SyncedCourse[]): ParticipantProgress[] {
  const synced = new Map<Programme, Synced[]>([['ect', []], ['mentor', []]]);
  for (const course of courses) {
    const facts = factsOf(course.state);
    for (const student of course.students) synced.get(course.state.programme)?.push({ student, course: facts });
  }
  const finders = { ect: indexStudents(synced.get('ect') ?? []), mentor: indexStudents(synced.get('mentor') ?? []) };
  const matched = new Set<StudentRecord>();
  const participants: ParticipantProgress[] = roster.map((entry) => {
    const found = finders[entry.role](entry);
    if (found) matched.add(found.student);
    const canvasUserId = entry.canvasUserId ?? found?.student.userId ?? null;
    return {
      key: canvasUserId ? `canvas:${canvasUserId}` : `person:${entry._id}`,
      canvasUserId,
      name: entry.name,
      email: entry.email,
      role: entry.role,
      schoolUrn: entry.schoolUrn,
      cohort,
      group: entry.group ?? found?.student.section ?? null,
      rostered: true,
      status: entry.status,
      mentorEmail: entry.mentorEmail,
      schedule: entry.schedule ?? null,
      dfeParticipantId: entry.dfeParticipantId ?? null,
      mentorKey: null,
      menteeKeys: [],
      progress: found ? progressOf(found) : null,
    };
  });
  for (const [programme, students] of synced) {
    for (const s of students) {
      if (matched.has(s.student)) continue;
      participants.push({
        key: `canvas:${s.student.userId}`,
        canvasUserId: s.student.userId,
        name: s.student.name,
        email: s.student.email ?? s.student.loginId,
        role: programme,
        schoolUrn: null,
        cohort,
        group: s.student.section,
        rostered: false,
        status: 'active',
        mentorEmail: null,
        schedule: null,
        dfeParticipantId: null,
        mentorKey: null,
        menteeKeys: [],
        progress: progressOf(s),
      });
    }
  }
  participants.sort(byNameThenId);
  assignKeys(participants);
  pairMentors(participants);
  return participants;
}

/** Links each rostered ECT to their mentor by the roster's mentor email (a mentor of the same cohort). */
function pairMentors(participants: ParticipantProgress[]): void {
  const mentorsByEmail = new Map<string, ParticipantProgress>();
  for (const p of participants) if (p.role === 'mentor' && p.rostered && p.email) mentorsByEmail.set(p.email.toLowerCase(), p);
  for (const p of participants) {
    const mentor = p.role === 'ect' && p.mentorEmail ? mentorsByEmail.get(p.mentorEmail) : undefined;
    if (!mentor) continue;
    p.mentorKey = mentor.key;
    mentor.menteeKeys.push(p.key);
  }
}

const emptyCounts = (): StateCounts => ({ 'no-online-items': 0, 'not-started': 0, 'in-progress': 0, completed: 0 });

/** Rollups per programme for the cohort, each school and each group: counts per module and state. */
export function buildRollups(cohort: string, participants: readonly ParticipantProgress[]): Rollup[] {
  const rollups = new Map<string, Rollup>();
  const add = (scope: Rollup['scope'], name: string, p: ParticipantProgress) => {
    const id = JSON.stringify([scope, name, p.role]);
    const rollup = rollups.get(id) ?? { scope, name, programme: p.role, participants: 0, synced: 0, modules: [] };
    rollups.set(id, rollup);
    rollup.participants += 1;
    if (!p.progress) return;
    rollup.synced += 1;
    for (const module of p.progress.modules) {
      let entry = rollup.modules.find((m) => m.number === module.number);
      if (!entry) rollup.modules.push((entry = { number: module.number, states: emptyCounts() }));
      entry.states[module.state] += 1;
    }
  };
  for (const p of participants) {
    add('cohort', cohort, p);
    if (p.schoolUrn) add('school', p.schoolUrn, p);
    if (p.group) add('group', p.group, p);
  }
  for (const rollup of rollups.values()) rollup.modules.sort((a, b) => a.number - b.number);
  return [...rollups.values()];
}
