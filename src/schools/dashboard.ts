import { byDateAndStart, type Attendance, type TrainingEvent } from '../attendance';
import { onPlatform, type CohortGrid, type GridEntry } from '../cohort';
import { ukDate } from '../curriculum';
import type { PlatformKey } from '../domain';
import type { Schools } from '../people';
import type { CourseLinks } from '../programme';

/** One of the school's ECTs or mentors, with who they are paired with (names of this school's people only). */
export interface SchoolPerson extends GridEntry {
  /** An ECT's mentor: their name, "another school's mentor" when the mentor is not this school's, or null when none. */
  mentorName: string | null;
  /** A mentor's ECTs at this school, by name. */
  menteeNames: string[];
}

/** A training event of a group one of the school's people is in. */
export interface SchoolEvent extends TrainingEvent {
  upcoming: boolean;
}

export interface SchoolSummary {
  ects: number;
  mentors: number;
  red: number;
  amber: number;
  green: number;
  /** Deferred or withdrawn: not rated. */
  notRated: number;
}

export interface SchoolView {
  urn: string;
  /** From the schools list; null when the URN is not on it. */
  name: string | null;
  /** In name order. */
  people: SchoolPerson[];
  summary: SchoolSummary;
  /** Upcoming ones first (soonest first), then past ones (latest first). */
  events: SchoolEvent[];
  /** The newest figures' time among the school's people; null when none has Canvas figures yet. */
  dataAsOf: string | null;
}

/** Whose rows a school session sees: a link's every platform, an LTI launch's own platform only. */
export type SchoolScope = { platform: PlatformKey | null };

export const OTHER_SCHOOL_MENTOR = 'A mentor at another school';

const byName = (a: GridEntry, b: GridEntry) => (a.row.name ?? '').localeCompare(b.row.name ?? '') || a.row.key.localeCompare(b.row.key);

/**
 * A school's dashboard: every ECT and mentor with its URN in the cohorts the scope reaches, as
 * the cohort grid rates them (one in-memory read per cohort once warm), their pairings and their
 * groups' training events. Nothing here is filtered by a request parameter: the URN comes from
 * the session.
 */
export class SchoolDashboard {
  constructor(
    private readonly deps: {
      grid: Pick<CohortGrid, 'ratedCohort'>;
      links: Pick<CourseLinks, 'cohortsWithLinks'>;
      attendance: Pick<Attendance, 'eventsOf'>;
      schools: Pick<Schools, 'collection'>;
    },
  ) {}

  async view(schoolUrn: string, scope: SchoolScope, now = new Date()): Promise<SchoolView> {
    const cohorts = [...(await this.deps.links.cohortsWithLinks(scope.platform ?? undefined))].sort();
    const [school, perCohort] = await Promise.all([
      this.deps.schools.collection.findOne({ _id: schoolUrn }),
      Promise.all(cohorts.map(async (cohort) => ({ cohort, ...(await this.deps.grid.ratedCohort(cohort, now)) }))),
    ]);
    const people: SchoolPerson[] = [];
    const groups = new Map<string, { cohort: string; group: string }>();
    for (const { entries } of perCohort) {
      const ours = entries.filter((e) => e.row.schoolUrn === schoolUrn && (!scope.platform || onPlatform(e.row, scope.platform)));
      people.push(...pairings(ours));
      for (const e of ours) if (e.row.group !== null && e.row.cohort) groups.set(JSON.stringify([e.row.cohort, e.row.group]), { cohort: e.row.cohort, group: e.row.group });
    }
    people.sort(byName);
    const events = await this.eventsOf([...groups.values()], now);
    return { urn: schoolUrn, name: school?.name ?? null, people, summary: summarise(people), events, dataAsOf: latest(people.map((p) => p.row.progress?.dataAsOf ?? null)) };
  }

  private async eventsOf(groups: { cohort: string; group: string }[], now: Date): Promise<SchoolEvent[]> {
    const today = ukDate(now);
    const lists = await Promise.all(groups.map(({ cohort, group }) => this.deps.attendance.eventsOf(cohort, group)));
    const all = lists.flat().map((event) => ({ ...event, upcoming: event.date >= today }));
    const upcoming = all.filter((e) => e.upcoming).sort(byDateAndStart);
    const past = all.filter((e) => !e.upcoming).sort((a, b) => byDateAndStart(b, a));
    return [...upcoming, ...past];
  }
}

/** ECT → mentor and mentor → ECTs, by the read model's `mentorKey`, naming only this school's people. */
function pairings(entries: GridEntry[]): SchoolPerson[] {
  const byKey = new Map(entries.map((e) => [e.row.key, e]));
  const menteesOf = new Map<string, string[]>();
  for (const e of entries) {
    if (e.row.role !== 'ect' || !e.row.mentorKey) continue;
    menteesOf.set(e.row.mentorKey, [...(menteesOf.get(e.row.mentorKey) ?? []), e.row.name ?? 'Unnamed ECT']);
  }
  return entries.map((e) => {
    const mentor = e.row.role === 'ect' && e.row.mentorKey ? byKey.get(e.row.mentorKey) : undefined;
    const mentorName = e.row.role !== 'ect' || !e.row.mentorKey ? null : mentor ? (mentor.row.name ?? 'Unnamed mentor') : OTHER_SCHOOL_MENTOR;
    return { ...e, mentorName, menteeNames: e.row.role === 'mentor' ? (menteesOf.get(e.row.key) ?? []).sort((a, b) => a.localeCompare(b)) : [] };
  });
}

function summarise(people: SchoolPerson[]): SchoolSummary {
  const summary: SchoolSummary = { ects: 0, mentors: 0, red: 0, amber: 0, green: 0, notRated: 0 };
  for (const p of people) {
    if (p.row.role === 'ect') summary.ects += 1;
    else summary.mentors += 1;
    if (p.rating.rag) summary[p.rating.rag] += 1;
    else summary.notRated += 1;
  }
  return summary;
}

function latest(values: (string | null)[]): string | null {
  return values.reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
}
