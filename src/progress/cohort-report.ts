import { allModuleNumbers } from '../curriculum';
import type { ParticipantProgress } from './cohort-model';
import { readAllParticipants, readPointer, refreshCohort } from './read-model';

const moduleColumn = (number: number) => `module_${number}`;

/** The export's columns: one per module any programme has, from the curriculum. */
export function progressColumns(): string[] {
  return ['canvas_user_id', 'email', 'name', 'role', 'school_urn', 'cohort', 'group', ...allModuleNumbers().map(moduleColumn), 'overall_online_pct', 'data_as_of'];
}

export type ProgressRow = Record<string, string | number | null>;

function rowOf(participant: ParticipantProgress): ProgressRow {
  const percentages = new Map(participant.progress?.modules.map((m) => [m.number, m.percent]));
  return {
    canvas_user_id: participant.canvasUserId,
    email: participant.email,
    name: participant.name,
    role: participant.role,
    school_urn: participant.schoolUrn,
    cohort: participant.cohort,
    group: participant.group,
    ...Object.fromEntries(allModuleNumbers().map((number) => [moduleColumn(number), percentages.get(number) ?? null])),
    overall_online_pct: participant.progress?.overall ?? null,
    data_as_of: participant.progress?.dataAsOf ?? null,
  };
}

/**
 * One row per participant of a cohort, in name order, from the read model: everyone on the
 * roster, plus Canvas students of the cohort's courses the roster does not know yet. A cohort
 * whose model was never built is built first.
 */
export async function cohortProgress(cohort: string): Promise<ProgressRow[]> {
  const pointer = (await readPointer(cohort)) ?? (await refreshCohort(cohort)) ?? (await readPointer(cohort));
  if (!pointer) return [];
  return (await readAllParticipants(pointer)).map(rowOf);
}
