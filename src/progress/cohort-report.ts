import { allModuleNumbers } from '../curriculum';
import type { ParticipantProgress } from './cohort-model';
import type { ReadModel } from './read-model';

const moduleColumn = (number: number) => `module_${number}`;

/** The export's columns: one per module any programme has, from the curriculum. */
export function progressColumns(): string[] {
  return ['canvas_user_id', 'email', 'name', 'role', 'school_urn', 'cohort', 'group', ...allModuleNumbers().map(moduleColumn), 'overall_online_pct', 'events_attended', 'events_total', 'data_as_of'];
}

export type ProgressRow = Record<string, string | number | null>;

/** Training events a participant attended, of those with a register that lists them. */
export interface EventCounts {
  attended: number;
  expected: number;
}

function rowOf(participant: ParticipantProgress, events: EventCounts | undefined): ProgressRow {
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
    events_attended: events?.attended ?? 0,
    events_total: events?.expected ?? 0,
    data_as_of: participant.progress?.dataAsOf ?? null,
  };
}

/** The export's rows, from the read model. */
export class CohortReport {
  constructor(
    private readonly readModel: Pick<ReadModel, 'readPointer' | 'refreshCohort' | 'readAllParticipants'>,
    /** Attendance by participant key (the registers live above this layer). */
    private readonly eventsOf: (cohort: string) => Promise<ReadonlyMap<string, EventCounts>> = async () => new Map(),
  ) {}

  /**
   * One row per participant of a cohort, in name order, from the read model: everyone on the
   * roster, plus Canvas students of the cohort's courses the roster does not know yet. A cohort
   * whose model was never built is built first.
   */
  async cohortProgress(cohort: string): Promise<ProgressRow[]> {
    const model = this.readModel;
    if (!(await model.readPointer(cohort))) await model.refreshCohort(cohort);
    const events = await this.eventsOf(cohort);
    return ((await model.readAllParticipants(cohort)) ?? []).map((p) => rowOf(p, events.get(p.key)));
  }
}
