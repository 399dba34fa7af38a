import type { CohortGrid } from '../cohort/grid';
import type { Programme } from '../domain';
import type { Viewer } from '../participants/access';
import { READINESS_STATES, milestoneOf, type MilestoneChoice, type MilestoneStatus, type ParticipantReadiness, type Readiness, type ReadinessState } from './readiness';
import { rowMatches, sortByKey } from '../cohort/listing';

export const MILESTONE_PAGE_SIZE = 50;
export const MILESTONE_SORTS = ['name', 'state', 'days-left', 'engagement', 'school', 'group'] as const;
export type MilestoneSort = (typeof MILESTONE_SORTS)[number];

/** What a milestones request asks for; every field checked by the web edge before it gets here. */
export interface MilestoneQuery {
  cohort?: string;
  /** Each participant's open milestone (the default), their next one, or one declaration type for everyone. */
  milestone?: MilestoneChoice;
  group?: string;
  school?: string;
  role?: Programme;
  status?: string;
  state?: ReadinessState;
  search?: string;
  sort?: MilestoneSort;
  descending?: boolean;
  page?: number;
}

/** One participant with the milestone the view shows for them (null when they have none of that kind). */
export interface MilestoneEntry {
  participant: ParticipantReadiness;
  milestone: MilestoneStatus | null;
}

export interface MilestoneView {
  cohorts: string[];
  cohort: string | null;
  milestone: MilestoneChoice;
  entries: MilestoneEntry[];
  /** Per state, over every filter but the state, so each count says what choosing it would show. */
  stateCounts: Record<ReadinessState, number>;
  /** Those matched by the other filters who have no such milestone (no schedule, or none open). */
  withoutMilestone: number;
  inScope: number;
  matched: number;
  page: number;
  pages: number;
  groups: string[];
  schools: { urn: string; name: string | null }[];
  dataAsOf: string | null;
  /** The provider's declaration list that "Already declared" comes from; null before one is imported. */
  declarationList: { file: string; importedAt: Date; declarations: number } | null;
}

/** Most urgent first: what needs doing now, then what is done or not due. */
const STATE_ORDER: Record<ReadinessState, number> = { 'at-risk': 0, ready: 1, missed: 2, upcoming: 3, declared: 4, 'not-declarable': 5 };

function sortKey(sort: MilestoneSort): (e: MilestoneEntry) => number | string | null {
  switch (sort) {
    case 'state':
      return (e) => (e.milestone ? STATE_ORDER[e.milestone.state] : null);
    case 'days-left':
      return (e) => e.milestone?.daysLeft ?? null;
    case 'engagement':
      return (e) => e.milestone?.evidence.engagement.percent ?? null;
    case 'school':
      return (e) => e.participant.row.schoolName ?? e.participant.row.schoolUrn ?? null;
    case 'group':
      return (e) => e.participant.row.group;
    default:
      return (e) => e.participant.row.name ?? '';
  }
}

const byName = (a: MilestoneEntry, b: MilestoneEntry) =>
  (a.participant.row.name ?? '').localeCompare(b.participant.row.name ?? '') || a.participant.row.key.localeCompare(b.participant.row.key);

function sortEntries(entries: MilestoneEntry[], sort: MilestoneSort, descending: boolean): MilestoneEntry[] {
  return sortByKey(entries, sortKey(sort), descending, byName);
}

/** Every filter but the state. */
const matches = ({ row }: ParticipantReadiness, query: MilestoneQuery) => rowMatches(row, query);

const latest = (values: (string | null)[]) => values.reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);

/**
 * The milestones view of participants already narrowed to a viewer's scope: each with the
 * chosen milestone, filtered, counted per state, sorted and paged in memory.
 */
export function milestoneView(inScope: readonly ParticipantReadiness[], query: MilestoneQuery, scope: { cohorts: string[]; cohort: string | null; groups: string[] | null }): Omit<MilestoneView, 'declarationList'> {
  const choice = query.milestone ?? 'open';
  const beforeState = inScope.filter((p) => matches(p, query)).map((participant) => ({ participant, milestone: milestoneOf(participant, choice) }));
  const stateCounts = Object.fromEntries(READINESS_STATES.map((s) => [s, 0])) as Record<ReadinessState, number>;
  for (const e of beforeState) if (e.milestone) stateCounts[e.milestone.state] += 1;
  const matched = sortEntries(
    beforeState.filter((e) => !query.state || e.milestone?.state === query.state),
    query.sort ?? 'name',
    query.descending ?? false,
  );
  const pages = Math.max(1, Math.ceil(matched.length / MILESTONE_PAGE_SIZE));
  const page = Math.min(Math.max(0, query.page ?? 0), pages - 1);
  const rows = inScope.map((p) => p.row);
  const schools = new Map(rows.filter((r) => r.schoolUrn).map((r) => [r.schoolUrn as string, r.schoolName]));
  return {
    cohorts: scope.cohorts,
    cohort: scope.cohort,
    milestone: choice,
    entries: matched.slice(page * MILESTONE_PAGE_SIZE, (page + 1) * MILESTONE_PAGE_SIZE),
    stateCounts,
    withoutMilestone: beforeState.filter((e) => !e.milestone).length,
    inScope: inScope.length,
    matched: matched.length,
    page,
    pages,
    groups: scope.groups ? [...scope.groups].sort() : [...new Set(rows.map((r) => r.group).filter((g): g is string => g !== null))].sort(),
    schools: [...schools].map(([urn, name]) => ({ urn, name })).sort((a, b) => (a.name ?? a.urn).localeCompare(b.name ?? b.urn)),
    dataAsOf: latest(rows.map((r) => r.progress?.dataAsOf ?? null)),
  };
}

/** The milestones page for a viewer: the cohorts they may open (as the cohort grid's), and their scope of the one chosen. */
export class MilestoneViews {
  constructor(private readonly deps: { grid: Pick<CohortGrid, 'cohortsOf'>; readiness: Pick<Readiness, 'inScope' | 'declarationList'> }) {}

  async view(viewer: Viewer, query: MilestoneQuery, now = new Date()): Promise<MilestoneView> {
    const cohorts = await this.deps.grid.cohortsOf(viewer);
    const cohort = query.cohort !== undefined ? (cohorts.includes(query.cohort) ? query.cohort : null) : (viewer.cohort ?? cohorts[0] ?? null);
    const inScope = cohort ? await this.deps.readiness.inScope(viewer, cohort, now) : [];
    const view = milestoneView(inScope, query, { cohorts, cohort, groups: viewer.kind === 'admin' ? null : (viewer.groups ?? []) });
    return { ...view, declarationList: await this.deps.readiness.declarationList() };
  }
}
