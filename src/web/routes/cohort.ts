import { Router, type Request } from 'express';
import { z } from 'zod';
import { GRID_SORTS, type CohortGrid, type GridQuery, type GridView } from '../../cohort';
import { moduleOf } from '../../curriculum';
import type { WeeklySnapshots } from '../../trends';
import { EXPORT_FORMATS, type ExportFormat, type ExportScope, type ProgressExports } from '../../exports';
import { sendExport } from '../exports';
import { completionByModuleChart, completionOverTimeChart, type Chart } from '../charts';
import { AuthorizationError, NotFoundError, ValidationError } from '../../errors';
import { presentGrid } from '../cohort-presenters';
import { presentPerson } from '../presenters';
import { STAFF, pageOn, viewerOf, type Handler } from '../page-kit';

const text = (max: number) => z.string().trim().min(1).max(max).optional().catch(undefined);

/** The grid's query string: unknown or empty values mean "any"; a value of the wrong shape is a 400. */
const GridParams = z
  .object({
    cohort: z.string().max(200).optional(),
    group: z.string().max(200).optional(),
    school: z.string().max(20).optional(),
    dp: z.string().max(200).optional(),
    role: z.enum(['ect', 'mentor', '']).optional(),
    status: z.enum(['active', 'deferred', 'withdrawn', '']).optional(),
    rag: z.enum(['red', 'amber', 'green', 'none', '']).optional(),
    q: z.string().max(200).optional(),
    sort: z.union([z.enum(GRID_SORTS), z.string().regex(/^module:\d{1,2}$/)]).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    page: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .strict();

const orUndefined = <T extends string>(value: T | '' | undefined): T | undefined => (value === '' || value === undefined ? undefined : value);

export function gridQueryOf(req: Request): GridQuery {
  const parsed = GridParams.safeParse(req.query);
  if (!parsed.success) throw new ValidationError('Those filters could not be read. Clear the filters and try again.');
  const p = parsed.data;
  return {
    cohort: orUndefined(p.cohort),
    group: orUndefined(p.group),
    school: orUndefined(p.school),
    deliveryPartner: orUndefined(p.dp),
    role: orUndefined(p.role),
    status: orUndefined(p.status),
    rag: orUndefined(p.rag),
    search: orUndefined(text(200).parse(p.q)),
    sort: p.sort as GridQuery['sort'],
    descending: p.dir === 'desc',
    page: p.page === undefined ? undefined : p.page - 1,
  };
}

export interface CohortPageDeps {
  grid: CohortGrid;
  trends: Pick<WeeklySnapshots, 'trend'>;
  exports: Pick<ProgressExports, 'prepare' | 'fileName'>;
}

/** Completion by module (the people shown) and over time (the weekly snapshots of the same scope). */
async function chartsOf(deps: CohortPageDeps, view: GridView, query: GridQuery, groups: string[] | null): Promise<Chart[]> {
  if (!view.cohort) return [];
  const role = query.role ?? 'ect';
  const modules = view.modules[role]
    .filter((m) => moduleOf(role, m.number))
    .map((m) => ({ number: m.number, label: `Module ${m.number}`, mean: m.mean, completed: m.completed, participants: m.counted }));
  const points = await deps.trends.trend(view.cohort, role, { groups });
  const who = role === 'mentor' ? 'mentors' : 'ECTs';
  const shown = query.role ? `${who} shown above` : `the ${who} among those shown above`;
  return [
    completionByModuleChart({ title: `Online completion by module (${shown})`, modules }),
    completionOverTimeChart({ title: `Online completion over time (${who}, weekly)`, points }),
  ];
}

/** The cohort grid: a facilitator's groups, an admin's whole cohort. */
export function renderCohort(deps: CohortPageDeps): Handler {
  return async (req, res) => {
    const viewer = viewerOf(res);
    if (viewer.kind !== 'facilitator' && viewer.kind !== 'admin') throw new AuthorizationError();
    const query = gridQueryOf(req);
    const view = await deps.grid.view(viewer, query);
    const base = presentPerson(viewer.session).base;
    const model = presentGrid(view, query, base);
    // A facilitator's charts cover only their own groups, whatever the query names.
    const own = viewer.groups ?? [];
    const groups = viewer.kind === 'admin' ? (query.group ? [query.group] : null) : query.group && own.includes(query.group) ? [query.group] : own;
    const charts = await chartsOf(deps, view, query, groups);
    res.render('pages/cohort', {
      title: view.cohort ? `Cohort progress: ${view.cohort}` : 'Cohort progress',
      ...model,
      charts,
      isAdmin: viewer.kind === 'admin',
      noGroups: viewer.kind === 'facilitator' && (viewer.groups ?? []).length === 0,
      notLinked: !view.cohort,
      downloads: view.cohort ? downloadLinks(base, view.cohort, query) : null,
    });
  };
}

/** The download links keep the cohort, group and school chosen (what the export is limited to). */
function downloadLinks(base: string, cohort: string, query: GridQuery): { label: string; format: ExportFormat; url: string }[] {
  const params = new URLSearchParams({ cohort });
  if (query.group) params.set('group', query.group);
  if (query.school) params.set('school', query.school);
  const labels: Record<ExportFormat, string> = { csv: 'CSV', xlsx: 'Excel', pdf: 'PDF' };
  return EXPORT_FORMATS.map((format) => ({ label: labels[format], format, url: `${base}cohort/export.${format}?${params.toString()}` }));
}

const ExportFormatParam = z.enum(['csv', 'xlsx', 'pdf']);

/**
 * A download of the cohort's export: an admin's whole cohort (or the group or school chosen), a
 * facilitator's own groups only (a group they do not run gives no rows), always only the rows
 * of the viewer's own platform. Search, role, status and rating filters do not narrow it.
 */
export function downloadCohort(deps: CohortPageDeps): Handler {
  return async (req, res) => {
    const viewer = viewerOf(res);
    if (viewer.kind !== 'facilitator' && viewer.kind !== 'admin') throw new AuthorizationError();
    const format = ExportFormatParam.safeParse(req.params.format);
    if (!format.success) throw new NotFoundError();
    const query = gridQueryOf(req);
    const cohorts = await deps.grid.cohortsOf(viewer);
    const cohort = query.cohort ?? viewer.cohort ?? cohorts[0];
    if (!cohort || !cohorts.includes(cohort)) throw new NotFoundError('There is no cohort here that you can export.');
    const own = viewer.groups ?? [];
    const groups = viewer.kind === 'admin' ? (query.group ? [query.group] : null) : query.group ? own.filter((g) => g === query.group) : own;
    const scope: ExportScope = { kind: 'cohort', cohort, groups, school: query.school ?? null };
    await sendExport(res, deps.exports, scope, format.data, { platform: viewer.platform });
  };
}

export function cohortRoutes(deps: CohortPageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  pageOn(router)('get', '/cohort', STAFF, renderCohort(deps));
  pageOn(router)('get', '/cohort/export.:format', STAFF, downloadCohort(deps));
  return router;
}
