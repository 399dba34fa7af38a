import type { GroupFacilitation, ImportRun, ImportRunKind } from '../people';
import type { CourseLink } from '../programme';
import type { ParticipantProgress } from '../progress/cohort-model';
import type { CourseSyncState, OnDemandActivity } from '../sync';
import { formatMoment } from './format';
import { presentCourseSync } from './sync-status';

/** Bad lines of an import shown on the page; the rest are counted ("and 12 more"). */
export const PROBLEMS_SHOWN = 20;
/** Participants in Canvas but not on the roster named on the page; the rest are counted. */
export const UNROSTERED_NAMED = 20;

export function ageText(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Course 1234" until the first sync has read the course's name from Canvas. */
export const courseNameOf = (courseId: string, state: Pick<CourseSyncState, 'courseName'> | null) => state?.courseName || `Course ${courseId}`;

export interface SyncActivityView {
  /** A sync this instance started is running: the page keeps asking for its progress. */
  syncing: boolean;
  /** What the row's status says while and after it runs; null: the stored state says it. */
  text: string | null;
}

/** "Syncing: 40 of 120 students", then "Synced just now", as the admin's own "Sync now" goes. */
export function presentActivity(activity: OnDemandActivity | null, now = Date.now()): SyncActivityView {
  if (!activity) return { syncing: false, text: null };
  switch (activity.kind) {
    case 'running':
      return { syncing: true, text: activity.total === null ? 'Syncing: starting…' : `Syncing: ${activity.done} of ${Math.max(activity.total, activity.done)} students` };
    case 'synced':
      return { syncing: false, text: `Synced ${ageText(now - activity.at.getTime())}` };
    case 'busy':
      return { syncing: false, text: 'A sync of this course is already running' };
    case 'failed':
      return { syncing: false, text: `Sync failed: ${activity.reason}` };
  }
}

export interface AdminCourseRow {
  courseId: string;
  name: string;
  programme: string;
  cohort: string;
  students: number;
  lastSync: string;
  age: string;
  /** up to date / stale / failed (with its reason) / not synced yet, from the stored state. */
  status: string;
  failed: boolean;
  activity: SyncActivityView;
  syncUrl: string;
}

/**
 * One linked course of the platform, with its stored sync state (none before its first attempt)
 * and what this instance runs of it. A finished run of ours says how it went until a later
 * attempt (the schedule's, another instance's) is on the stored state: then the state says it.
 */
export function presentAdminCourse(link: CourseLink, state: CourseSyncState | null, activity: OnDemandActivity | null, intervalMs: number, base: string, now = Date.now()): AdminCourseRow {
  const shown = state ? presentCourseSync(state, intervalMs, now) : null;
  const superseded = activity !== null && activity.kind !== 'running' && (state?.lastAttemptAt?.getTime() ?? 0) > activity.at.getTime();
  const status = !shown ? 'Not synced yet' : shown.error ? `Failed: ${shown.error}` : shown.fresh ? 'Up to date' : shown.lastSync === 'never' ? 'Not synced yet' : 'Stale';
  return {
    courseId: link.courseId,
    name: courseNameOf(link.courseId, state),
    programme: link.programme === 'ect' ? 'ECT' : 'Mentor',
    cohort: link.cohort,
    students: state?.studentCount ?? 0,
    lastSync: shown?.lastSync ?? 'never',
    age: shown?.age ?? 'never synced',
    status,
    failed: Boolean(shown?.error),
    activity: presentActivity(superseded ? null : activity, now),
    syncUrl: `${base}admin/courses/${encodeURIComponent(link.courseId)}/sync`,
  };
}

const KIND_LABELS: Record<ImportRunKind, string> = { roster: 'Roster', schools: 'Schools', groups: 'Groups', events: 'Training events', 'school-contacts': 'School contacts' };
const KIND_COMMANDS: Record<ImportRunKind, string> = { roster: 'roster import', schools: 'schools import', groups: 'groups import', events: 'events import', 'school-contacts': 'school contacts import' };

export interface ImportRunView {
  kind: ImportRunKind;
  label: string;
  command: string;
  run: {
    when: string;
    age: string;
    fileName: string;
    rows: number;
    added: number;
    updated: number;
    unchanged: number;
    written: boolean;
    outcome: string;
    problems: { line: number; reasons: string }[];
    moreProblems: number;
    badCount: number;
  } | null;
}

function outcomeOf(run: ImportRun): string {
  if (run.written) return run.badCount ? `Written, skipping ${plural(run.badCount, 'bad row')}` : 'Written';
  if (run.dryRun) return 'Not written: a dry run';
  return run.badCount ? `Not written: ${plural(run.badCount, 'bad row')}` : 'Not written';
}

/** The last import of one kind: when, which file, what it changed, and its first problems. */
export function presentImportRun(kind: ImportRunKind, run: ImportRun | null, now = Date.now()): ImportRunView {
  return {
    kind,
    label: KIND_LABELS[kind],
    command: KIND_COMMANDS[kind],
    run: run && {
      when: formatMoment(run.at),
      age: ageText(now - run.at.getTime()),
      fileName: run.fileName,
      rows: run.rows,
      ...run.counts,
      written: run.written,
      outcome: outcomeOf(run),
      problems: run.bad.slice(0, PROBLEMS_SHOWN).map((b) => ({ line: b.line, reasons: b.reasons.join('; ') })),
      moreProblems: Math.max(0, run.badCount - PROBLEMS_SHOWN),
      badCount: run.badCount,
    },
  };
}

const STATUSES = ['active', 'deferred', 'withdrawn'] as const;

export interface CohortPeopleView {
  cohort: string;
  built: boolean;
  roster: { role: string; active: number; deferred: number; withdrawn: number; total: number }[];
  rosterTotal: number;
  unrostered: { count: number; named: { name: string; role: string; group: string }[]; more: number };
  schools: number;
}

/**
 * Who a cohort has, from its read model: the roster by role and status, and the Canvas students
 * of this platform's courses the roster does not know (the roster is shared; Canvas students are
 * the platform's own).
 */
export function presentCohortPeople(cohort: string, participants: ParticipantProgress[] | null, platformCourses: ReadonlySet<string>): CohortPeopleView {
  const all = participants ?? [];
  const rostered = all.filter((p) => p.rostered);
  const roster = (['ect', 'mentor'] as const).map((role) => {
    const ofRole = rostered.filter((p) => p.role === role);
    const counts = Object.fromEntries(STATUSES.map((s) => [s, ofRole.filter((p) => p.status === s).length])) as Record<(typeof STATUSES)[number], number>;
    return { role: role === 'ect' ? 'ECTs' : 'Mentors', ...counts, total: ofRole.length };
  });
  const unrostered = all.filter((p) => !p.rostered && p.progress !== null && platformCourses.has(p.progress.courseKey));
  return {
    cohort,
    built: participants !== null,
    roster,
    rosterTotal: rostered.length,
    unrostered: {
      count: unrostered.length,
      named: unrostered.slice(0, UNROSTERED_NAMED).map((p) => ({ name: p.name ?? `Canvas user ${p.canvasUserId ?? ''}`.trim(), role: p.role === 'ect' ? 'ECT' : 'Mentor', group: p.group ?? 'no group' })),
      more: Math.max(0, unrostered.length - UNROSTERED_NAMED),
    },
    schools: new Set(rostered.map((p) => p.schoolUrn).filter((urn): urn is string => urn !== null)).size,
  };
}

export interface GroupFormState {
  cohort: string;
  group: string;
  /** The text as typed, shown back with the error. */
  emails: string;
  error: string;
}

export interface GroupView {
  cohort: string;
  name: string;
  /** Unique on the page, for labels and error links. */
  fieldId: string;
  facilitators: string[];
  assigned: boolean;
  ects: number;
  mentors: number;
  participants: number;
  /** "3 ECTs, 1 mentor" */
  breakdown: string;
  /** The text in the form: the stored list, or what was typed when it was refused. */
  emails: string;
  error: string | null;
  eventsUrl: string | null;
}

/**
 * Every group of a cohort: the groups its participants are in (the roster's group, else their
 * Canvas section, as facilitators' access reads it) and the groups someone is assigned to.
 */
export function presentGroups(
  cohort: string,
  cohortIndex: number,
  participants: ParticipantProgress[] | null,
  assignments: GroupFacilitation[],
  options: { base: string; eventsFor: boolean; form?: GroupFormState | null },
): GroupView[] {
  const counts = new Map<string, { ects: number; mentors: number }>();
  for (const p of participants ?? []) {
    if (!p.group) continue;
    const entry = counts.get(p.group) ?? { ects: 0, mentors: 0 };
    if (p.role === 'ect') entry.ects += 1;
    else entry.mentors += 1;
    counts.set(p.group, entry);
  }
  const assigned = new Map(assignments.filter((a) => a.cohort === cohort).map((a) => [a.group, a]));
  const names = [...new Set([...counts.keys(), ...assigned.keys()])].sort((a, b) => a.localeCompare(b, 'en-GB', { numeric: true }));
  return names.map((name, i) => {
    const facilitators = assigned.get(name)?.facilitatorEmails ?? [];
    const c = counts.get(name) ?? { ects: 0, mentors: 0 };
    const typed = options.form && options.form.cohort === cohort && options.form.group === name ? options.form : null;
    return {
      cohort,
      name,
      fieldId: `emails-${cohortIndex}-${i}`,
      facilitators,
      assigned: assigned.has(name),
      ects: c.ects,
      mentors: c.mentors,
      participants: c.ects + c.mentors,
      breakdown: `${plural(c.ects, 'ECT')}, ${plural(c.mentors, 'mentor')}`,
      emails: typed ? typed.emails : facilitators.join(', '),
      error: typed?.error ?? null,
      eventsUrl: options.eventsFor ? `${options.base}groups/${encodeURIComponent(name)}/events` : null,
    };
  });
}

/** The names of a cohort's groups, as `presentGroups` lists them: what a form may name. */
export function groupNamesOf(cohort: string, participants: ParticipantProgress[] | null, assignments: GroupFacilitation[]): Set<string> {
  return new Set([...(participants ?? []).flatMap((p) => (p.group ? [p.group] : [])), ...assignments.filter((a) => a.cohort === cohort).map((a) => a.group)]);
}
