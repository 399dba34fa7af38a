import { loadRoster, type RosterEntry } from '../people';
import { listCourseLinks } from '../programme/links';
import { readState, readStudents, type CourseSyncState, type StudentRecord } from '../sync/store';
import { modulePercentage, overallPercentage } from './percentages';

export const MODULE_COLUMNS = ['module_1', 'module_2', 'module_3', 'module_4', 'module_5', 'module_6', 'module_7', 'module_8', 'module_9'] as const;
export const PROGRESS_COLUMNS = ['canvas_user_id', 'email', 'name', 'role', 'school_urn', 'cohort', 'group', ...MODULE_COLUMNS, 'overall_online_pct', 'data_as_of'] as const;

export type ProgressRow = Record<(typeof PROGRESS_COLUMNS)[number], string | number | null>;

interface SyncedStudent {
  student: StudentRecord;
  state: CourseSyncState;
}

function row(base: { canvasUserId: string | null; email: string | null; name: string | null; role: string; schoolUrn: string | null; cohort: string; group: string | null }, synced: SyncedStudent | undefined): ProgressRow {
  const totals = synced?.state.moduleTotals ?? Array(9).fill(null);
  const done = synced?.student.moduleDone ?? Array(9).fill(0);
  const modules = Object.fromEntries(MODULE_COLUMNS.map((column, i) => [column, synced ? modulePercentage(done[i], totals[i]) : null]));
  return {
    canvas_user_id: base.canvasUserId,
    email: base.email,
    name: base.name,
    role: base.role,
    school_urn: base.schoolUrn,
    cohort: base.cohort,
    group: base.group ?? synced?.student.section ?? null,
    ...(modules as Record<(typeof MODULE_COLUMNS)[number], number | null>),
    overall_online_pct: synced ? overallPercentage(done, totals) : null,
    data_as_of: synced?.state.syncedAt?.toISOString() ?? null,
  };
}

async function syncedStudentsOf(cohort: string): Promise<Map<'ect' | 'mentor', SyncedStudent[]>> {
  const byProgramme = new Map<'ect' | 'mentor', SyncedStudent[]>([['ect', []], ['mentor', []]]);
  for (const link of (await listCourseLinks()).filter((l) => l.cohort === cohort)) {
    const state = await readState(link._id);
    if (!state?.generation) continue;
    for (const student of (await readStudents(state)).values()) byProgramme.get(link.programme)?.push({ student, state });
  }
  return byProgramme;
}

/** Canvas students of one programme, findable by the roster's ids in its order of precedence. */
function indexStudents(synced: SyncedStudent[]) {
  const byCanvasId = new Map<string, SyncedStudent>();
  const bySisId = new Map<string, SyncedStudent>();
  const byEmail = new Map<string, SyncedStudent>();
  for (const s of synced) {
    byCanvasId.set(s.student.userId, s);
    if (s.student.sisId) bySisId.set(s.student.sisId, s);
    for (const address of [s.student.loginId, s.student.email]) if (address) byEmail.set(address.toLowerCase(), s);
  }
  return (entry: RosterEntry): SyncedStudent | undefined =>
    (entry.canvasUserId ? byCanvasId.get(entry.canvasUserId) : undefined) ??
    (entry.sisUserId ? bySisId.get(entry.sisUserId) : undefined) ??
    (entry.email ? byEmail.get(entry.email.toLowerCase()) : undefined);
}

/**
 * One row per participant of a cohort, from what the store holds now: everyone on the roster,
 * plus Canvas students of the cohort's courses the roster does not know yet.
 */
export async function cohortProgress(cohort: string): Promise<ProgressRow[]> {
  const synced = await syncedStudentsOf(cohort);
  const roster = (await loadRoster()).filter((entry) => entry.cohort === cohort);
  const finders = { ect: indexStudents(synced.get('ect') ?? []), mentor: indexStudents(synced.get('mentor') ?? []) };
  const matched = new Set<StudentRecord>();
  const rows: ProgressRow[] = roster.map((entry) => {
    const found = finders[entry.role](entry);
    if (found) matched.add(found.student);
    return row({ canvasUserId: entry.canvasUserId ?? found?.student.userId ?? null, email: entry.email, name: entry.name, role: entry.role, schoolUrn: entry.schoolUrn, cohort, group: entry.group }, found);
  });
  for (const [programme, students] of synced) {
    for (const s of students) {
      if (matched.has(s.student)) continue;
      rows.push(row({ canvasUserId: s.student.userId, email: s.student.email ?? s.student.loginId, name: s.student.name, role: programme, schoolUrn: null, cohort, group: null }, s));
    }
  }
  return rows.sort((a, b) => String(a.name ?? '').localeCompare(String(b.name ?? '')) || String(a.canvas_user_id ?? '').localeCompare(String(b.canvas_user_id ?? '')));
}
