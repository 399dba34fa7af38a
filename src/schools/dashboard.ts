import { byDateAndStart, type Attendance, type TrainingEvent } from '../attendance';
import { onPlatform, type CohortGrid, type GridEntry } from '../cohort';
import { ukDate } from '../curriculum';
import type { PlatformKey } from '../domain';
import type { Readiness, ParticipantReadiness } from '../milestones';
import { trustOf, type School, type Schools } from '../people';
import type { CourseLinks } from '../programme';
import { loadTransfers, type MovedAway, type TransferDeps, type Transfers } from './transfers';

/** One of the school's ECTs or mentors, with who they are paired with (names of this school's people only). */
export interface SchoolPerson extends GridEntry {
  /** An ECT's mentor: their name, "another school's mentor" when the mentor is not this school's, or null when none. */
  mentorName: string | null;
  /** A mentor's ECTs at this school, by name. */
  menteeNames: string[];
  /** YYYY-MM-DD: when they moved to this school from another (their record came with them); null when they did not. */
  joinedOn: string | null;
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
  /** People who moved from this school to another: names and dates only. */
  movedAway: MovedAway[];
  /** The school's people's DfE milestones, in name order. */
  milestones: ParticipantReadiness[];
}

/** A multi-academy trust's view: each of its schools as its own dashboard shows it, and the sums. */
export interface TrustView {
  trust: string;
  /** In name order. */
  schools: SchoolView[];
  summary: SchoolSummary & { schools: number; movedAway: number };
  dataAsOf: string | null;
}

/** What one request reads once, whatever the number of schools it shows. */
interface Reach {
  cohorts: Set<string>;
  perCohort: { cohort: string; entries: GridEntry[]; readiness: ParticipantReadiness[] }[];
  transfers: Transfers;
}

/** Whose rows a school session sees: a link's every platform, an LTI launch's own platform only. */
export type SchoolScope = { platform: PlatformKey | null };

export const OTHER_SCHOOL_MENTOR = 'A mentor at another school';

const byName = (a: { row: GridEntry['row'] }, b: { row: GridEntry['row'] }) => (a.row.name ?? '').localeCompare(b.row.name ?? '') || a.row.key.localeCompare(b.row.key);

/**
 * A school's dashboard: every ECT and mentor with its URN in the cohorts the scope reaches, as
 * the cohort grid rates them (one in-memory read per cohort once warm), their pairings and their
 * groups' training events. Nothing here is filtered by a request parameter: the URN comes from
 * the session.
 */
export class SchoolDashboard {
  constructor(
    private readonly deps: TransferDeps & {
      grid: Pick<CohortGrid, 'ratedCohort'>;
      links: Pick<CourseLinks, 'cohortsWithLinks'>;
      attendance: Pick<Attendance, 'eventsOf'>;
      schools: Pick<Schools, 'collection'>;
      readiness: Pick<Readiness, 'ofCohort'>;
    },
  ) {}

  async view(schoolUrn: string, scope: SchoolScope, now = new Date()): Promise<SchoolView> {
    const [school, reach] = await Promise.all([this.deps.schools.collection.findOne({ _id: schoolUrn }), this.reach([schoolUrn], scope, now)]);
    return this.schoolView(schoolUrn, school?.name ?? null, reach, scope, now);
  }

  /**
   * Every school of one trust (by the schools list's `trust`, exactly), each as its own
   * dashboard shows it to a signed link (every platform). The trust comes from the session's
   * link, never from the request.
   */
  async trustView(trust: string, now = new Date()): Promise<TrustView> {
    const schools = (await this.deps.schools.collection.find({}).toArray()).filter((s: School) => trustOf(s) === trust).sort((a, b) => a.name.localeCompare(b.name) || a._id.localeCompare(b._id));
    const scope: SchoolScope = { platform: null };
    const reach = await this.reach(
      schools.map((s) => s._id),
      scope,
      now,
    );
    const views = await Promise.all(schools.map((s) => this.schoolView(s._id, s.name, reach, scope, now)));
    const summary = { ...summarise(views.flatMap((v) => v.people)), schools: views.length, movedAway: views.reduce((n, v) => n + v.movedAway.length, 0) };
    return { trust, schools: views, summary, dataAsOf: latest(views.map((v) => v.dataAsOf)) };
  }

  /** The cohorts the scope reaches, rated (in memory once warm), their milestones, and the history of moves into and out of `urns`. */
  private async reach(urns: string[], scope: SchoolScope, now: Date): Promise<Reach> {
    const cohorts = [...(await this.deps.links.cohortsWithLinks(scope.platform ?? undefined))].sort();
    const [perCohort, transfers] = await Promise.all([
      Promise.all(
        cohorts.map(async (cohort) => {
          const [{ entries }, readiness] = await Promise.all([this.deps.grid.ratedCohort(cohort, now), this.deps.readiness.ofCohort(cohort, now)]);
          return { cohort, entries, readiness };
        }),
      ),
      loadTransfers(this.deps, urns),
    ]);
    return { cohorts: new Set(cohorts), perCohort, transfers };
  }

  private async schoolView(schoolUrn: string, name: string | null, reach: Reach, scope: SchoolScope, now: Date): Promise<SchoolView> {
    const ofSchool = (row: GridEntry['row']) => row.schoolUrn === schoolUrn && (!scope.platform || onPlatform(row, scope.platform));
    const people: SchoolPerson[] = [];
    const milestones: ParticipantReadiness[] = [];
    const groups = new Map<string, { cohort: string; group: string }>();
    for (const { entries, readiness } of reach.perCohort) {
      const ours = entries.filter((e) => ofSchool(e.row));
      people.push(...pairings(ours).map((p) => ({ ...p, joinedOn: reach.transfers.joinedOn(p.row, schoolUrn) })));
      milestones.push(...readiness.filter((p) => ofSchool(p.row)));
      for (const e of ours) if (e.row.group !== null && e.row.cohort) groups.set(JSON.stringify([e.row.cohort, e.row.group]), { cohort: e.row.cohort, group: e.row.group });
    }
    people.sort(byName);
    milestones.sort(byName);
    const events = await this.eventsOf([...groups.values()], now);
    return {
      urn: schoolUrn,
      name,
      people,
      summary: summarise(people),
      events,
      dataAsOf: latest(people.map((p) => p.row.progress?.dataAsOf ?? null)),
      movedAway: reach.transfers.movedAway(schoolUrn, reach.cohorts),
      milestones,
    };
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
function pairings(entries: GridEntry[]): Omit<SchoolPerson, 'joinedOn'>[] {
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

function summarise(people: GridEntry[]): SchoolSummary {
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
