import { DECLARATION_TYPES } from '../curriculum';
import {
  EVIDENCE_LABELS,
  READINESS_STATES,
  READINESS_STATE_LABELS,
  dayInWords,
  type MilestoneEntry,
  type MilestoneQuery,
  type MilestoneStatus,
  type MilestoneView,
  type ParticipantReadiness,
  type ReadinessState,
} from '../milestones';
import { listUrl, pagingOf, type ParamNames } from './list-urls';

const ROLE_WORDS = { ect: 'ECT', mentor: 'Mentor' } as const;
/** The rating badges' colours, reused: green to act on, red at risk, grey for nothing to do. */
const STATE_BADGE: Record<ReadinessState, string> = { ready: 'green', 'at-risk': 'red', declared: 'none', upcoming: 'none', missed: 'amber', 'not-declarable': 'none' };
const CHOICE_WORDS: Record<string, string> = { open: 'Each person’s open milestone', next: 'Each person’s next milestone' };

const personUrl = (base: string, key: string) => `${base}people/${encodeURIComponent(key)}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const MILESTONES_PARAMS: ParamNames<MilestoneQuery> = [
  ['cohort', 'cohort'],
  ['milestone', 'milestone'],
  ['group', 'group'],
  ['school', 'school'],
  ['role', 'role'],
  ['status', 'status'],
  ['state', 'state'],
  ['search', 'q'],
  ['sort', 'sort'],
];

/** The milestones page's address with some of the query changed: every filter, sort and page link keeps the rest. */
export function milestonesUrl(base: string, query: MilestoneQuery, change: Partial<Record<keyof MilestoneQuery, string | number | boolean | undefined>> = {}): string {
  return listUrl(base, 'milestones', MILESTONES_PARAMS, query, change);
}

const windowWords = (m: MilestoneStatus) => (m.window.closes ? `${dayInWords(m.window.opens)} to ${dayInWords(m.window.closes)}` : `from ${dayInWords(m.window.opens)}, no closing date`);

/** One milestone in words: its window, state, evidence held, engagement and reasons. */
export function presentMilestone(m: MilestoneStatus) {
  const { engagement } = m.evidence;
  return {
    declarationType: m.declarationType,
    window: windowWords(m),
    state: m.state,
    stateWords: READINESS_STATE_LABELS[m.state],
    badge: STATE_BADGE[m.state],
    engagement: engagement.percent === null ? 'Nothing counted yet' : `${engagement.percent}%`,
    engagementDetail: `${engagement.selfStudy.done} of ${plural(engagement.selfStudy.required, 'item')}, ${engagement.events.attended} of ${plural(engagement.events.held, 'event')}`,
    held: m.evidence.held.map((h) => ({ words: EVIDENCE_LABELS[h.type] ?? h.type, firstMet: dayInWords(h.firstMet) })),
    reasons: m.reasons,
  };
}

function presentEntry({ participant, milestone }: MilestoneEntry, base: string, choice: MilestoneView['milestone']) {
  const { row } = participant;
  const none = participant.problem ?? (choice === 'open' ? 'No milestone window is open for them today' : choice === 'next' ? 'No milestone follows' : `No ${choice} declaration in their schedule`);
  return {
    key: row.key,
    name: row.name ?? row.email ?? 'Unnamed participant',
    url: row.canvasUserId ? personUrl(base, row.key) : null,
    school: row.schoolName ?? row.schoolUrn,
    group: row.group,
    role: ROLE_WORDS[row.role],
    status: row.status,
    active: row.status === 'active',
    scheduleName: participant.scheduleName,
    milestone: milestone ? presentMilestone(milestone) : null,
    none,
  };
}

/** The milestones page's model: choosers, counts as filter links, the page of people, paging and sorting links. */
export function presentMilestones(view: MilestoneView, query: MilestoneQuery, base: string) {
  const option = (value: string, label: string, chosen: string | undefined) => ({ value, label, selected: value === chosen });
  const sortLink = (sort: string) => {
    const same = (query.sort ?? 'name') === sort;
    return { url: milestonesUrl(base, query, { sort, descending: same ? !query.descending : undefined, page: 0 }), current: same ? (query.descending ? 'descending' : 'ascending') : null };
  };
  return {
    cohort: view.cohort,
    cohorts: view.cohorts.map((c) => option(c, c, view.cohort ?? undefined)),
    milestones: [...Object.entries(CHOICE_WORDS), ...DECLARATION_TYPES.map((t) => [t, `The ${t} declaration`])].map(([value, label]) => option(value, label, view.milestone)),
    groups: view.groups.map((g) => option(g, g, query.group)),
    schools: view.schools.map((s) => option(s.urn, s.name ? `${s.name} (${s.urn})` : s.urn, query.school)),
    roles: [option('ect', 'ECTs', query.role), option('mentor', 'Mentors', query.role)],
    statuses: ['active', 'deferred', 'withdrawn'].map((s) => option(s, s[0].toUpperCase() + s.slice(1), query.status)),
    states: READINESS_STATES.map((s) => option(s, READINESS_STATE_LABELS[s], query.state)),
    search: query.search ?? '',
    filtered: Boolean(query.group ?? query.school ?? query.role ?? query.status ?? query.state ?? query.search),
    narrowed: Boolean(query.group ?? query.school ?? query.role ?? query.status ?? query.state),
    clearUrl: milestonesUrl(base, { cohort: query.cohort, milestone: query.milestone }),
    inScope: view.inScope,
    matched: view.matched,
    stateSummary: READINESS_STATES.map((s) => ({
      state: s,
      badge: STATE_BADGE[s],
      words: READINESS_STATE_LABELS[s],
      count: view.stateCounts[s],
      chosen: query.state === s,
      url: milestonesUrl(base, query, { state: s, page: 0 }),
    })),
    withoutMilestone: view.withoutMilestone,
    sorts: { name: sortLink('name'), state: sortLink('state'), daysLeft: sortLink('days-left'), engagement: sortLink('engagement') },
    rows: view.entries.map((e) => presentEntry(e, base, view.milestone)),
    paging: pagingOf(view, (page) => milestonesUrl(base, query, { page })),
    dataAsOf: view.dataAsOf,
    declarationList: view.declarationList && { ...view.declarationList, count: plural(view.declarationList.declarations, 'declaration') },
  };
}

/** A participant's record: their schedule and every milestone of it, or why there are none. */
export function presentParticipantMilestones(readiness: ParticipantReadiness | null) {
  if (!readiness) return null;
  return {
    scheduleName: readiness.scheduleName,
    problem: readiness.problem,
    milestones: readiness.milestones.map(presentMilestone),
  };
}
