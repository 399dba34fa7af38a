import { allModuleNumbers, moduleOf } from '../curriculum';
import type { GridEntry, GridQuery, GridView, Standing } from '../cohort';
import { auditWords } from './participant-presenters';
import { formatMoment, formatShortDate } from './format';
import { listUrl, pagingOf, type ParamNames } from './list-urls';

const RAG_WORDS = { red: 'Red', amber: 'Amber', green: 'Green', none: 'Not rated' } as const;
const ROLE_WORDS = { ect: 'ECT', mentor: 'Mentor' } as const;

const personUrl = (base: string, key: string) => `${base}people/${encodeURIComponent(key)}`;
export const groupEventsUrl = (base: string, group: string) => `${base}groups/${encodeURIComponent(group)}/events`;

const COHORT_PARAMS: ParamNames<GridQuery> = [
  ['cohort', 'cohort'],
  ['group', 'group'],
  ['school', 'school'],
  ['deliveryPartner', 'dp'],
  ['role', 'role'],
  ['status', 'status'],
  ['rag', 'rag'],
  ['search', 'q'],
  ['sort', 'sort'],
];

/** The grid's address with some of the query changed: every filter, sort and page link keeps the rest. */
export function gridUrl(base: string, query: GridQuery, change: Partial<Record<keyof GridQuery, string | number | boolean | undefined>> = {}): string {
  return listUrl(base, 'cohort', COHORT_PARAMS, query, change);
}

function moduleCell(entry: GridEntry, number: number) {
  const figure = entry.row.progress?.modules.find((m) => m.number === number);
  const applies = moduleOf(entry.row.role, number) !== undefined;
  const audit = entry.records?.audits[number];
  return {
    number,
    applies,
    percent: figure?.percent ?? null,
    hasPercent: typeof figure?.percent === 'number',
    complete: figure?.state === 'completed',
    words: !applies ? 'Not in this programme' : !figure ? 'No figures yet' : figure.percent === null ? 'No online items' : `${figure.percent}%`,
    auditStart: audit?.start === 'submitted',
    auditEnd: audit?.end === 'submitted',
    auditWords: audit ? auditWords(audit) : 'Not known yet',
  };
}

function presentEntry(entry: GridEntry, base: string) {
  const { row, rating, records, attendance } = entry;
  const rag = rating.rag ?? 'none';
  return {
    key: row.key,
    name: row.name ?? row.email ?? 'Unnamed participant',
    email: row.email,
    url: row.canvasUserId ? personUrl(base, row.key) : null,
    role: ROLE_WORDS[row.role],
    status: row.status,
    active: row.status === 'active',
    school: row.schoolName ?? row.schoolUrn,
    group: row.group,
    rag,
    ragWords: RAG_WORDS[rag],
    reason: rating.reasons[0]?.text ?? '',
    moreReasons: rating.reasons.slice(1).map((r) => r.text),
    modules: allModuleNumbers().map((n) => moduleCell(entry, n)),
    overall: row.progress?.overall ?? null,
    hasOverall: typeof row.progress?.overall === 'number',
    meetings: row.role === 'ect' ? (records?.meetings ?? null) : null,
    isEct: row.role === 'ect',
    attendance: attendance && attendance.expected > 0 ? `${attendance.attended} of ${attendance.expected}` : 'None taken',
    lastActivity: row.progress?.lastActivityAt ? formatShortDate(row.progress.lastActivityAt) : row.progress ? 'None recorded' : 'Not seen in Canvas',
    lastActivityFull: row.progress?.lastActivityAt ? formatMoment(row.progress.lastActivityAt) : null,
  };
}

const SORT_COLUMNS = [
  ['name', 'Name'],
  ['rag', 'Rating'],
  ['overall', 'Overall'],
  ['attendance', 'Attendance'],
  ['meetings', 'Meetings'],
  ['activity', 'Last active'],
] as const;

/** The grid page's model: filters with the current choice, counts, the page of people, paging and sorting links. */
export function presentGrid(view: GridView, query: GridQuery, base: string) {
  const option = (value: string, label: string, chosen: string | undefined) => ({ value, label, selected: value === chosen });
  const sortLink = (sort: string) => {
    const same = (query.sort ?? 'name') === sort;
    return { url: gridUrl(base, query, { sort, descending: same ? !query.descending : undefined, page: 0 }), current: same ? (query.descending ? 'descending' : 'ascending') : null };
  };
  return {
    cohort: view.cohort,
    cohorts: view.cohorts.length > 1 ? view.cohorts.map((c) => option(c, c, view.cohort ?? undefined)) : null,
    groups: view.groups.map((g) => option(g, g, query.group)),
    groupLinks: view.groups.map((g) => ({ name: g, url: groupEventsUrl(base, g), events: view.boards.get(g)?.attendance?.events.length ?? 0 })),
    schools: view.schools.map((s) => option(s.urn, s.name ? `${s.name} (${s.urn})` : s.urn, query.school)),
    deliveryPartners: view.deliveryPartners.length ? view.deliveryPartners.map((d) => option(d, d, query.deliveryPartner)) : null,
    roles: [option('ect', 'ECTs', query.role), option('mentor', 'Mentors', query.role)],
    statuses: ['active', 'deferred', 'withdrawn'].map((s) => option(s, s[0].toUpperCase() + s.slice(1), query.status)),
    rags: (['red', 'amber', 'green', 'none'] as const).map((r) => option(r, RAG_WORDS[r], query.rag)),
    search: query.search ?? '',
    filtered: Boolean(query.group ?? query.school ?? query.deliveryPartner ?? query.role ?? query.status ?? query.rag ?? query.search),
    /** A filter other than the search is set: the filters are shown open. */
    narrowed: Boolean(query.group ?? query.school ?? query.deliveryPartner ?? query.role ?? query.status ?? query.rag ?? query.cohort),
    clearUrl: gridUrl(base, { cohort: query.cohort }),
    inScope: view.inScope,
    matched: view.matched,
    ragSummary: (['red', 'amber', 'green', 'none'] as const)
      .filter((r) => r !== 'none' || view.ragCounts.none > 0)
      .map((r) => ({ rag: r, words: RAG_WORDS[r], count: view.ragCounts[r], url: gridUrl(base, query, { rag: r, page: 0 }) })),
    moduleHeads: allModuleNumbers().map((n) => ({ number: n, title: moduleOf('ect', n)?.title ?? moduleOf('mentor', n)?.title ?? `Module ${n}`, sort: sortLink(`module:${n}`) })),
    sorts: Object.fromEntries(SORT_COLUMNS.map(([sort]) => [sort, sortLink(sort)])),
    rows: view.entries.map((e) => presentEntry(e, base)),
    paging: pagingOf(view, (page) => gridUrl(base, query, { page })),
    dataAsOf: view.dataAsOf,
  };
}


/**
 * A participant's standing on their record and own page: attendance for everyone who may read
 * the record; the rating and its reasons only for staff and their mentor (it is a tool for the
 * people supporting them, not a grade).
 */
export function presentStanding(standing: Standing | null, showRating: boolean) {
  if (!standing) return null;
  const rag = standing.rating.rag ?? 'none';
  const a = standing.attendance;
  const marks = new Map(a?.marks.map((m) => [m.eventId, m]));
  return {
    rating: showRating ? { rag, words: RAG_WORDS[rag], reasons: standing.rating.reasons.map((r) => r.text) } : null,
    attendance: a && a.expected > 0 ? { attended: a.attended, expected: a.expected, percent: Math.round((100 * a.attended) / a.expected) } : null,
    events: standing.events
      .filter((e) => marks.has(e.id))
      .map((e) => {
        const mark = marks.get(e.id)!;
        return { date: e.date, what: e.title ? `${e.typeLabel}: ${e.title}` : e.typeLabel, module: e.module, present: mark.present, reason: mark.reason };
      })
      .reverse(),
  };
}
