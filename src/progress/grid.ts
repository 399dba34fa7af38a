import type { School } from '../people';
import type { ParticipantProgress, ProgrammeProgress } from './cohort-model';

/** A participant as the cohort grid and its filters need them: the read model's entry without the to-do lists. */
export interface GridRow extends Omit<ParticipantProgress, 'progress' | 'menteeKeys'> {
  progress: Omit<ProgrammeProgress, 'toDo' | 'completedOn'> | null;
  /** From the schools list, by the roster's URN. */
  schoolName: string | null;
  deliveryPartner: string | null;
}

export function gridRowOf(participant: ParticipantProgress, schools: ReadonlyMap<string, Pick<School, 'name' | 'deliveryPartner'>>): GridRow {
  const school = participant.schoolUrn ? schools.get(participant.schoolUrn) : undefined;
  const progress = participant.progress && {
    courseKey: participant.progress.courseKey,
    courseId: participant.progress.courseId,
    programme: participant.progress.programme,
    modules: participant.progress.modules,
    overall: participant.progress.overall,
    dataAsOf: participant.progress.dataAsOf,
    lastActivityAt: participant.progress.lastActivityAt,
  };
  return {
    key: participant.key,
    canvasUserId: participant.canvasUserId,
    name: participant.name,
    email: participant.email,
    role: participant.role,
    schoolUrn: participant.schoolUrn,
    cohort: participant.cohort,
    group: participant.group,
    rostered: participant.rostered,
    status: participant.status,
    mentorEmail: participant.mentorEmail,
    schedule: participant.schedule,
    dfeParticipantId: participant.dfeParticipantId,
    mentorKey: participant.mentorKey,
    schoolName: school?.name ?? null,
    deliveryPartner: school?.deliveryPartner ?? null,
    progress,
  };
}

/** How many generations' grids an instance keeps: the current one of a few cohorts. */
const GENERATIONS_KEPT = 6;

/**
 * What is read whole from a generation (its grid rows, its evidence), by generation. A
 * generation is written once and never changed, so what is read once is good for as long as
 * the generation is current, in every instance; the pointer read that names the current
 * generation is what keeps a page fresh.
 */
export class GenerationCache<T> {
  private readonly grids = new Map<string, Promise<T | null>>();

  async get(generation: string, load: () => Promise<T | null>): Promise<T | null> {
    let found = this.grids.get(generation);
    if (!found) {
      found = load();
      this.grids.set(generation, found);
      while (this.grids.size > GENERATIONS_KEPT) this.grids.delete(this.grids.keys().next().value as string);
    }
    try {
      const rows = await found;
      if (!rows) this.grids.delete(generation);
      return rows;
    } catch (error) {
      this.grids.delete(generation);
      throw error;
    }
  }

  forget(generation: string): void {
    this.grids.delete(generation);
  }
}
