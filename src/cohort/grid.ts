import type { EventSummary, ParticipantAttendance } from '../attendance';
import { allModuleNumbers, loadRiskRules, moduleWindows, ukDate, type ModuleWindow, type RiskRules } from '../curriculum';
import type { PlatformKey, Programme } from '../domain';
import type { Viewer } from '../participants/access';
import type { CourseLinks } from '../programme';
import type { GridRow } from '../progress/grid';
import type { ReadModel } from '../progress/read-model';
import type { GroupBoard, GroupBoards, MemberRecords } from './boards';
import { rate, type Rag, type Rating } from './rating';
import { rowMatches, sortByKey } from './listing';

export const GRID_PAGE_SIZE = 50;
export const GRID_SORTS = ['name', 'rag', 'overall', 'school', 'group', 'activity', 'attendance', 'meetings'] as const;
export type GridSort = (typeof GRID_SORTS)[number] | `module:${number}`;

/** What a grid request asks for; every field checked by the web edge before it gets here. */
export interface GridQuery {
  cohort?: string;
  group?: string;
  school?: string;
  deliveryPartner?: string;
  role?: Programme;
  status?: string;
  rag?: Rag | 'none';
  search?: string;
  sort?: GridSort;
  descending?: boolean;
  page?: number;
}

/** One participant as the grid shows them. */
export interface GridEntry {
  row: GridRow;
  rating: Rating;
  records: MemberRecords | null;
  attendance: ParticipantAttendance | null;
}

/** One participant's entry with their group's training events, for their record. */
export interface Standing extends GridEntry {
  events: EventSummary[];
}

export interface ModuleColumn {
  number: number;
  /** Mean online completion over the entries that have a figure for it. */
  mean: number | null;
  completed: number;
  counted: number;
}

export interface GridView {
  /** The cohorts this viewer may switch between, and the one shown. */
  cohorts: string[];
  cohort: string | null;
  /** The groups in the viewer's scope (a facilitator's own), for the filter and the events links. */
  groups: string[];
  schools: { urn: string; name: string | null }[];
  deliveryPartners: string[];
  /** Everyone in scope before filters, and after. */
  inScope: number;
  entries: GridEntry[];
  /** The page shown (from 0) and how many there are. */
  page: number;
  pages: number;
  matched: number;
  ragCounts: Record<Rag | 'none', number>;
  /** Per programme, each module's figures over the people matched (the charts'). */
  modules: Record<Programme, ModuleColumn[]>;
  boards: Map<string | null, GroupBoard>;
  dataAsOf: string | null;
}

/** The row's course is on this platform (a roster-only row, with no course yet, is on every one). */
export const onPlatform = (row: GridRow, platform: PlatformKey) => {
  if (!row.progress) return true;
  const [issuer, clientId] = JSON.parse(row.progress.courseKey) as string[];
  return issuer === platform.issuer && clientId === platform.clientId;
};

const ragOrder: Record<Rag | 'none', number> = { red: 0, amber: 1, green: 2, none: 3 };

function sortKey(sort: GridSort): (e: GridEntry) => number | string | null {
  if (sort.startsWith('module:')) {
    const number = Number(sort.slice('module:'.length));
    return (e) => e.row.progress?.modules.find((m) => m.number === number)?.percent ?? null;
  }
  switch (sort) {
    case 'rag':
      return (e) => ragOrder[e.rating.rag ?? 'none'];
    case 'overall':
      return (e) => e.row.progress?.overall ?? null;
    case 'school':
      return (e) => e.row.schoolName ?? e.row.schoolUrn ?? null;
    case 'group':
      return (e) => e.row.group;
    case 'activity':
      return (e) => e.row.progress?.lastActivityAt ?? null;
    case 'attendance':
      return (e) => (e.attendance?.expected ? e.attendance.attended / e.attendance.expected : null);
    case 'meetings':
      return (e) => e.records?.meetings ?? null;
    default:
      return (e) => e.row.name ?? '';
  }
}

function sortEntries(entries: GridEntry[], sort: GridSort, descending: boolean): GridEntry[] {
  return sortByKey(entries, sortKey(sort), descending, byName);
}

const byName = (a: GridEntry, b: GridEntry) => (a.row.name ?? '').localeCompare(b.row.name ?? '') || a.row.key.localeCompare(b.row.key);

/** Every filter but the rating (see `view`). */
const matches = (entry: GridEntry, query: Omit<GridQuery, 'rag'>) => rowMatches(entry.row, query);

function moduleColumns(entries: readonly GridEntry[]): ModuleColumn[] {
  return allModuleNumbers().map((number) => {
    let sum = 0;
    let counted = 0;
    let completed = 0;
    for (const e of entries) {
      const figure = e.row.progress?.modules.find((m) => m.number === number);
      if (figure?.percent === null || figure?.percent === undefined) continue;
      sum += figure.percent;
      counted += 1;
      if (figure.state === 'completed') completed += 1;
    }
    return { number, mean: counted ? Math.round(sum / counted) : null, completed, counted };
  });
}

/**
 * The cohort grid: the read model's rows for the viewer's scope (an admin's whole cohort, a
 * facilitator's groups), with each group's board (audits, meetings, attendance) and a rating
 * with reasons, filtered, sorted and paged in memory. A page costs two reads by `_id` (the
 * cohort's pointer and its boards' change mark) once the grid and boards are in memory.
 */
export class CohortGrid {
  private readonly rated = new Map<string, { rows: readonly GridRow[]; boards: Map<string | null, GroupBoard>; today: string; entries: GridEntry[] }>();

  constructor(
    private readonly deps: {
      readModel: Pick<ReadModel, 'readCurrentGrid'>;
      boards: Pick<GroupBoards, 'boardsOf' | 'healMembership'>;
      links: Pick<CourseLinks, 'cohortsWithLinks'>;
    },
  ) {}

  /** The cohorts a viewer may open: an admin's every cohort linked on their platform, anyone else's own. */
  async cohortsOf(viewer: Viewer): Promise<string[]> {
    if (viewer.kind === 'admin') {
      const linked = await this.deps.links.cohortsWithLinks(viewer.platform);
      if (viewer.cohort) linked.add(viewer.cohort);
      return [...linked].sort();
    }
    return viewer.kind === 'facilitator' && viewer.cohort ? [viewer.cohort] : [];
  }

  /**
   * One participant as the grid shows them (their rating, records and attendance), for their
   * record and their own page; whoever asks has been let through by the participant access rules.
   */
  async standingOf(cohort: string, key: string, now = new Date()): Promise<Standing | null> {
    const grid = await this.deps.readModel.readCurrentGrid(cohort);
    const row = grid?.rows.find((r) => r.key === key);
    if (!row) return null;
    const board = (await this.deps.boards.boardsOf(cohort)).get(row.group);
    return { ...this.entry(row, board, moduleWindows(cohort, row.role), loadRiskRules(), now), events: board?.attendance?.events ?? [] };
  }

  private entry(row: GridRow, board: GroupBoard | undefined, windows: readonly ModuleWindow[], rules: RiskRules, now: Date): GridEntry {
    const records = board?.records[row.key] ?? null;
    const attendance = board?.attendance?.byParticipant[row.key] ?? null;
    const rating = rate({ row, audits: records?.audits ?? null, attendance, windows, rules, now });
    return { row, rating, records, attendance };
  }

  /**
   * Everyone in a cohort, on every platform, rated, with each group's board: what exports and
   * school pages narrow down (the caller decides who may see which rows).
   */
  async ratedCohort(cohort: string, now = new Date()): Promise<{ entries: GridEntry[]; boards: Map<string | null, GroupBoard> }> {
    const rows = (await this.deps.readModel.readCurrentGrid(cohort))?.rows ?? [];
    const boards = await this.deps.boards.boardsOf(cohort);
    // Boards are built from the whole cohort, whichever platform is looking.
    this.deps.boards.healMembership(cohort, rows, boards);
    return { entries: this.ratedEntries(cohort, rows, boards, now), boards };
  }

  /** Everyone in the viewer's scope of a cohort, rated, with their group's board. */
  async entriesOf(viewer: Viewer, cohort: string, now: Date): Promise<{ entries: GridEntry[]; boards: Map<string | null, GroupBoard> }> {
    const { entries, boards } = await this.ratedCohort(cohort, now);
    const groups = viewer.kind === 'admin' ? null : new Set(viewer.groups ?? []);
    return { entries: entries.filter((e) => onPlatform(e.row, viewer.platform) && (!groups || (e.row.group !== null && groups.has(e.row.group)))), boards };
  }

  /**
   * Every participant of the cohort rated. The grid rows (per generation) and the boards (per
   * change mark) come back as the same objects until they change, and a rating changes with
   * them or with the day, so one rating per participant serves every page until then.
   */
  private ratedEntries(cohort: string, rows: readonly GridRow[], boards: Map<string | null, GroupBoard>, now: Date): GridEntry[] {
    const today = ukDate(now);
    const kept = this.rated.get(cohort);
    if (kept && kept.rows === rows && kept.boards === boards && kept.today === today) return kept.entries;
    const windows = new Map<Programme, ModuleWindow[]>([
      ['ect', moduleWindows(cohort, 'ect')],
      ['mentor', moduleWindows(cohort, 'mentor')],
    ]);
    const rules = loadRiskRules();
    const entries = rows.map((row) => this.entry(row, boards.get(row.group), windows.get(row.role) ?? [], rules, now));
    this.rated.set(cohort, { rows, boards, today, entries });
    return entries;
  }

  async view(viewer: Viewer, query: GridQuery, now = new Date()): Promise<GridView> {
    const cohorts = await this.cohortsOf(viewer);
    const cohort = query.cohort !== undefined ? (cohorts.includes(query.cohort) ? query.cohort : null) : (viewer.cohort ?? cohorts[0] ?? null);
    const empty = { cohorts, cohort, groups: [], schools: [], deliveryPartners: [], inScope: 0, entries: [], page: 0, pages: 0, matched: 0, ragCounts: { red: 0, amber: 0, green: 0, none: 0 }, modules: { ect: [], mentor: [] }, boards: new Map(), dataAsOf: null };
    if (!cohort) return empty;
    const { entries, boards } = await this.entriesOf(viewer, cohort, now);
    // The rating counts cover every other filter, so each one says what choosing it would show.
    const beforeRating = entries.filter((e) => matches(e, query));
    const ragCounts = { red: 0, amber: 0, green: 0, none: 0 };
    for (const e of beforeRating) ragCounts[e.rating.rag ?? 'none'] += 1;
    const matched = sortEntries(
      beforeRating.filter((e) => !query.rag || (e.rating.rag ?? 'none') === query.rag),
      query.sort ?? 'name',
      query.descending ?? false,
    );
    const pages = Math.max(1, Math.ceil(matched.length / GRID_PAGE_SIZE));
    const page = Math.min(Math.max(0, query.page ?? 0), pages - 1);
    const schools = new Map(entries.filter((e) => e.row.schoolUrn).map((e) => [e.row.schoolUrn as string, e.row.schoolName]));
    return {
      cohorts,
      cohort,
      groups: viewer.kind === 'admin' ? [...new Set(entries.map((e) => e.row.group).filter((g): g is string => g !== null))].sort() : [...(viewer.groups ?? [])].sort(),
      schools: [...schools].map(([urn, name]) => ({ urn, name })).sort((a, b) => (a.name ?? a.urn).localeCompare(b.name ?? b.urn)),
      deliveryPartners: [...new Set(entries.map((e) => e.row.deliveryPartner).filter((d): d is string => !!d))].sort(),
      inScope: entries.length,
      entries: matched.slice(page * GRID_PAGE_SIZE, (page + 1) * GRID_PAGE_SIZE),
      page,
      pages,
      matched: matched.length,
      ragCounts,
      modules: { ect: moduleColumns(matched.filter((e) => e.row.role === 'ect')), mentor: moduleColumns(matched.filter((e) => e.row.role === 'mentor')) },
      boards,
      dataAsOf: latest(entries.map((e) => e.row.progress?.dataAsOf ?? null)),
    };
  }
}

function latest(values: (string | null)[]): string | null {
  return values.reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
}
