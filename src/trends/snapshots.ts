import zlib from 'node:zlib';
import { mongo } from 'mongoose';
import { ukDate } from '../curriculum';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import type { Programme } from '../domain';
import type { ParticipantProgress } from '../progress/cohort-model';
import type { ReadModel } from '../progress/read-model';

/**
 * Weekly progress snapshots: once per ISO week (UK time) and cohort, what every participant with
 * figures stood at, and the sums the trend charts need. Three insert-only collections, all keyed
 * `JSON.stringify([cohort, week])`:
 * - `weekly_snapshots`: the rows, gzipped JSON in one Binary (FerretDB stores no arrays of
 *   arrays, and decodes one Binary ten times faster than as many small fields); bulky, read by
 *   `_id` only, and only to heal a week a crash left half taken;
 * - `trend_schools`: the sums per school, kept apart because a cohort has hundreds of schools;
 * - `trend_points`: the sums for the cohort and each group, a few KB a week: what `trend` scans.
 * Sums and counts, never means, so any set of groups combines exactly. The points document is
 * written last: once it exists the week is complete, and until then any run finishes it from
 * the stored snapshot (so a crash never leaves a week half taken for ever).
 */

type ModuleState = NonNullable<ParticipantProgress['progress']>['modules'][number]['state'];

/** One participant in a week's snapshot. */
export interface SnapshotRow {
  key: string;
  role: Programme;
  group: string | null;
  schoolUrn: string | null;
  status: ParticipantProgress['status'];
  overall: number | null;
  modules: { number: number; percent: number | null; state: ModuleState }[];
}

export interface Snapshot {
  cohort: string;
  week: string;
  weekStart: string;
  takenAt: Date;
  rows: SnapshotRow[];
}

/** Sums for one cohort, group or school of one programme in one week. */
export interface TrendAggregate {
  scope: 'cohort' | 'group' | 'school';
  name: string;
  programme: Programme;
  /** Participants with figures. */
  participants: number;
  overallSum: number;
  /** Participants with an overall percentage. */
  overallCounted: number;
  /** Per module: sum of percentages, how many have one, how many completed it. */
  modules: { number: number; sum: number; counted: number; completed: number }[];
}

/** One week of a trend: means over the participants counted, not rounded (charts round for display). */
export interface TrendPoint {
  /** ISO week, `2026-W49`. */
  week: string;
  /** Its Monday, `YYYY-MM-DD`. */
  weekStart: string;
  /** Participants with figures in the scope that week. */
  participants: number;
  /** Mean overall online completion (%), null when nobody has an overall figure. */
  overall: number | null;
  /** Per module: mean percentage of those with one (`counted`), and how many completed it. */
  modules: { number: number; mean: number | null; completed: number; counted: number }[];
}

export type TakeResult = 'taken' | 'already' | 'nothing';

interface SnapshotDoc {
  _id: string;
  cohort: string;
  week: string;
  weekStart: string;
  takenAt: Date;
  participants: number;
  encoding: 'json+gzip';
  rows: mongo.Binary;
}

interface AggregatesDoc {
  _id: string;
  cohort: string;
  week: string;
  weekStart: string;
  takenAt: Date;
  encoding: 'json+gzip';
  aggregates: mongo.Binary;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The ISO week of `now` in UK time (Europe/London), and the date of its Monday. */
export function weekOf(now: Date): { week: string; weekStart: string } {
  const [year, month, day] = ukDate(now).split('-').map(Number);
  const date = Date.UTC(year, month - 1, day);
  const monday = date - ((new Date(date).getUTCDay() + 6) % 7) * DAY_MS;
  // The ISO week-year is the year of the week's Thursday; its week 1 holds 4 January.
  const isoYear = new Date(monday + 3 * DAY_MS).getUTCFullYear();
  const jan4 = Date.UTC(isoYear, 0, 4);
  const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const number = Math.round((monday - firstMonday) / (7 * DAY_MS)) + 1;
  return { week: `${isoYear}-W${String(number).padStart(2, '0')}`, weekStart: new Date(monday).toISOString().slice(0, 10) };
}

const weekId = (cohort: string, week: string) => JSON.stringify([cohort, week]);

/** Every `_id` of a cohort's weeks, and no other cohort's, sorts between these two. */
function cohortRange(cohort: string): { $gt: string; $lt: string } {
  const prefix = `${JSON.stringify([cohort]).slice(0, -1)},`;
  return { $gt: prefix, $lt: `${prefix}\uffff` };
}

const pack = (value: unknown) => new mongo.Binary(zlib.gzipSync(Buffer.from(JSON.stringify(value))));
const unpack = <T>(binary: mongo.Binary): T => JSON.parse(zlib.gunzipSync(Buffer.from(binary.buffer)).toString('utf8')) as T;

function rowOf(p: ParticipantProgress): SnapshotRow | null {
  if (!p.progress) return null;
  return {
    key: p.key,
    role: p.role,
    group: p.group,
    schoolUrn: p.schoolUrn,
    status: p.status,
    overall: p.progress.overall,
    modules: p.progress.modules.map((m) => ({ number: m.number, percent: m.percent, state: m.state })),
  };
}

/** The sums for the cohort, each group and each school, per programme. */
export function aggregateRows(cohort: string, rows: readonly SnapshotRow[]): TrendAggregate[] {
  const found = new Map<string, TrendAggregate>();
  const add = (scope: TrendAggregate['scope'], name: string, row: SnapshotRow) => {
    const id = JSON.stringify([scope, name, row.role]);
    let aggregate = found.get(id);
    if (!aggregate) found.set(id, (aggregate = { scope, name, programme: row.role, participants: 0, overallSum: 0, overallCounted: 0, modules: [] }));
    aggregate.participants += 1;
    if (row.overall !== null) {
      aggregate.overallSum += row.overall;
      aggregate.overallCounted += 1;
    }
    for (const module of row.modules) {
      let entry = aggregate.modules.find((m) => m.number === module.number);
      if (!entry) aggregate.modules.push((entry = { number: module.number, sum: 0, counted: 0, completed: 0 }));
      if (module.percent !== null) {
        entry.sum += module.percent;
        entry.counted += 1;
      }
      if (module.state === 'completed') entry.completed += 1;
    }
  };
  for (const row of rows) {
    add('cohort', cohort, row);
    if (row.group) add('group', row.group, row);
    if (row.schoolUrn) add('school', row.schoolUrn, row);
  }
  for (const aggregate of found.values()) aggregate.modules.sort((a, b) => a.number - b.number);
  return [...found.values()];
}

/** Adds up aggregates (of one programme) into one point. */
function combine(week: string, weekStart: string, parts: readonly TrendAggregate[]): TrendPoint {
  const modules = new Map<number, { sum: number; counted: number; completed: number }>();
  let participants = 0;
  let overallSum = 0;
  let overallCounted = 0;
  for (const part of parts) {
    participants += part.participants;
    overallSum += part.overallSum;
    overallCounted += part.overallCounted;
    for (const m of part.modules) {
      const entry = modules.get(m.number) ?? { sum: 0, counted: 0, completed: 0 };
      modules.set(m.number, { sum: entry.sum + m.sum, counted: entry.counted + m.counted, completed: entry.completed + m.completed });
    }
  }
  return {
    week,
    weekStart,
    participants,
    overall: overallCounted > 0 ? overallSum / overallCounted : null,
    modules: [...modules]
      .sort(([a], [b]) => a - b)
      .map(([number, m]) => ({ number, mean: m.counted > 0 ? m.sum / m.counted : null, completed: m.completed, counted: m.counted })),
  };
}

/**
 * How long one instance reuses a trend it read. A cohort's points change once a week, but
 * FerretDB answers the one query of `trend` by reading the whole collection (a few hundred ms
 * with years of weeks), so a page shown again within this time costs no read; a week taken by
 * another instance shows here within it.
 */
export const TREND_FRESH_MS = 60_000;
/** Trends kept per instance (a cohort, programme and set of groups each), the oldest dropped first. */
const TRENDS_KEPT = 200;

/**
 * The figures a trend point holds, for participants as they stand now (for example the people a
 * page shows): the same sums and means as the weekly snapshots, so "by module" and "over time"
 * agree on what a mean is.
 */
export function summariseParticipants(participants: readonly ParticipantProgress[], programme: Programme): Omit<TrendPoint, 'week' | 'weekStart'> {
  const rows = participants.filter((p) => p.role === programme).map(rowOf).filter((row): row is SnapshotRow => row !== null);
  const { participants: counted, overall, modules } = combine('', '', aggregateRows('', rows).filter((a) => a.scope === 'cohort'));
  return { participants: counted, overall, modules };
}

export interface WeeklySnapshotsDeps {
  readModel: Pick<ReadModel, 'knownCohorts' | 'readAllParticipants'>;
  /** How long `trend` reuses what it read (default TREND_FRESH_MS; 0 reads every time). */
  trendFreshMs?: number;
  /** Milliseconds since the epoch, for that reuse (tests move it on). */
  clock?: () => number;
}

export class WeeklySnapshots {
  /** Recent trends by `[cohort, programme, groups]`, with when they were read. */
  private readonly recent = new Map<string, { cohort: string; readAt: number; points: TrendPoint[] }>();

  constructor(
    private readonly store: Store,
    private readonly deps: WeeklySnapshotsDeps,
  ) {}

  private forget(cohort: string): void {
    for (const [key, entry] of this.recent) if (entry.cohort === cohort) this.recent.delete(key);
  }

  private get snapshots() {
    return this.store.collection<SnapshotDoc>('weekly_snapshots');
  }

  private get schools() {
    return this.store.collection<AggregatesDoc>('trend_schools');
  }

  private get points() {
    return this.store.collection<AggregatesDoc>('trend_points');
  }

  /**
   * This week's snapshot of every known cohort. A cohort whose read model holds nobody with
   * figures yet is skipped, so a later run in the same week takes it once a sync has landed.
   * A failing cohort does not stop the others; the first error is thrown once all were tried.
   */
  async takeAll(now = new Date()): Promise<{ taken: string[]; already: string[]; skipped: string[] }> {
    const result = { taken: [] as string[], already: [] as string[], skipped: [] as string[] };
    let failure: unknown = null;
    for (const cohort of await this.deps.readModel.knownCohorts()) {
      try {
        const outcome = await this.take(cohort, now);
        (outcome === 'taken' ? result.taken : outcome === 'already' ? result.already : result.skipped).push(cohort);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure) throw failure;
    return result;
  }

  /**
   * The cohort's snapshot for the week of `now`, unless it exists: safe from any number of
   * instances at once (the first insert of the week's `_id` wins; the others find it there).
   * @returns `taken` when this call stored it, `already` when it was there (finishing its
   * trend points if a crash had left them out), `nothing` when nobody has figures to keep.
   * Only the first snapshot of a week is kept: its figures are the cohort's as that run found
   * them, normally within the first hour of Monday.
   */
  async take(cohort: string, now = new Date()): Promise<TakeResult> {
    const { week, weekStart } = weekOf(now);
    const _id = weekId(cohort, week);
    if (await this.points.findOne({ _id }, { projection: { _id: 1 } })) return 'already';
    const rows = ((await this.deps.readModel.readAllParticipants(cohort)) ?? []).map(rowOf).filter((row): row is SnapshotRow => row !== null);
    // Nothing to keep; a snapshot a crashed run left without points is finished by the next run that has figures.
    if (rows.length === 0) return 'nothing';
    const takenAt = new Date();
    try {
      await this.snapshots.insertOne({ _id, cohort, week, weekStart, takenAt, participants: rows.length, encoding: 'json+gzip', rows: pack(rows) });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another run took the week first, or one died before its trend points: finish from what it stored.
      const stored = await this.readSnapshot(cohort, week);
      if (!stored) throw new Error(`the snapshot ${_id} was reported as stored but cannot be read`);
      await this.writeAggregates(stored);
      this.forget(cohort);
      return 'already';
    }
    await this.writeAggregates({ cohort, week, weekStart, takenAt, rows });
    this.forget(cohort);
    return 'taken';
  }

  /** Inserts the week's school sums, then its points; either one already there is left as it is. */
  private async writeAggregates(snapshot: Snapshot): Promise<void> {
    const { cohort, week, weekStart, takenAt } = snapshot;
    const _id = weekId(cohort, week);
    const aggregates = aggregateRows(cohort, snapshot.rows);
    const bySchool = aggregates.filter((a) => a.scope === 'school');
    const rest = aggregates.filter((a) => a.scope !== 'school');
    for (const [collection, part] of [
      [this.schools, bySchool],
      [this.points, rest],
    ] as const) {
      try {
        await collection.insertOne({ _id, cohort, week, weekStart, takenAt, encoding: 'json+gzip', aggregates: pack(part) });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  /** One stored week of a cohort (one read by `_id` of the bulky collection), or null. */
  async readSnapshot(cohort: string, week: string): Promise<Snapshot | null> {
    const doc = await this.snapshots.findOne({ _id: weekId(cohort, week) });
    return doc && { cohort: doc.cohort, week: doc.week, weekStart: doc.weekStart, takenAt: doc.takenAt, rows: unpack<SnapshotRow[]>(doc.rows) };
  }

  /**
   * A programme's weekly figures in the cohort (`groups: null`) or in the named groups taken
   * together, oldest first: one query over `trend_points`, or none when this instance read the
   * same trend less than `trendFreshMs` ago (a week this instance takes shows at once). Weeks
   * with nobody of the programme in those groups are left out.
   */
  async trend(cohort: string, programme: Programme, scope: { groups: readonly string[] | null }): Promise<TrendPoint[]> {
    const groups = scope.groups === null ? null : new Set(scope.groups);
    if (groups?.size === 0) return [];
    const freshMs = this.deps.trendFreshMs ?? TREND_FRESH_MS;
    const now = (this.deps.clock ?? Date.now)();
    const key = JSON.stringify([cohort, programme, groups && [...groups].sort()]);
    const known = this.recent.get(key);
    if (known && now - known.readAt < freshMs) return structuredClone(known.points);
    const points = await this.readTrend(cohort, programme, groups);
    if (freshMs > 0) {
      this.recent.delete(key);
      this.recent.set(key, { cohort, readAt: now, points });
      for (const oldest of this.recent.keys()) {
        if (this.recent.size <= TRENDS_KEPT) break;
        this.recent.delete(oldest);
      }
    }
    return structuredClone(points);
  }

  private async readTrend(cohort: string, programme: Programme, groups: Set<string> | null): Promise<TrendPoint[]> {
    const docs = await this.points.find({ _id: cohortRange(cohort) }).toArray();
    return docs
      .filter((doc) => doc.cohort === cohort)
      .sort((a, b) => a.weekStart.localeCompare(b.weekStart))
      .map((doc) => {
        const parts = unpack<TrendAggregate[]>(doc.aggregates).filter(
          (a) => a.programme === programme && (groups === null ? a.scope === 'cohort' : a.scope === 'group' && groups.has(a.name)),
        );
        return combine(doc.week, doc.weekStart, parts);
      })
      .filter((point) => point.participants > 0);
  }

  /** A school's sums for one week (one read by `_id`), for whatever shows a school's trend. */
  async schoolAggregates(cohort: string, week: string): Promise<TrendAggregate[] | null> {
    const doc = await this.schools.findOne({ _id: weekId(cohort, week) });
    return doc && unpack<TrendAggregate[]>(doc.aggregates);
  }

  /** Retention: every week of the cohort goes, snapshots and sums. */
  async deleteCohort(cohort: string): Promise<number> {
    this.forget(cohort);
    const filter = { _id: cohortRange(cohort) };
    const { deletedCount } = await this.snapshots.deleteMany(filter);
    await this.schools.deleteMany(filter);
    await this.points.deleteMany(filter);
    this.forget(cohort);
    return deletedCount;
  }
}
