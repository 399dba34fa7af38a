import { Router, type Request } from 'express';
import { z } from 'zod';
import type { CohortGrid } from '../../cohort';
import { DECLARATION_TYPES } from '../../curriculum';
import { AuthorizationError, ValidationError } from '../../errors';
import { MILESTONE_SORTS, MilestoneViews, READINESS_STATES, type MilestoneQuery, type Readiness } from '../../milestones';
import { presentMilestones } from '../milestone-presenters';
import { presentPerson } from '../presenters';
import { STAFF, pageOn, viewerOf, type Handler } from '../page-kit';

/** The page's query string: empty values mean "any"; a value of the wrong shape (or an array or object) is a 400. */
const MilestoneParams = z
  .object({
    cohort: z.string().max(200).optional(),
    milestone: z.enum(['open', 'next', ...DECLARATION_TYPES, '']).optional(),
    group: z.string().max(200).optional(),
    school: z.string().max(20).optional(),
    role: z.enum(['ect', 'mentor', '']).optional(),
    status: z.enum(['active', 'deferred', 'withdrawn', '']).optional(),
    state: z.enum([...READINESS_STATES, '']).optional(),
    q: z.string().max(200).optional(),
    sort: z.enum(MILESTONE_SORTS).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    page: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .strict();

const orUndefined = <T extends string>(value: T | '' | undefined): T | undefined => (value === '' || value === undefined ? undefined : value);

export function milestoneQueryOf(req: Request): MilestoneQuery {
  const parsed = MilestoneParams.safeParse(req.query);
  if (!parsed.success) throw new ValidationError('Those filters could not be read. Clear the filters and try again.');
  const p = parsed.data;
  const search = p.q?.trim();
  return {
    cohort: orUndefined(p.cohort),
    milestone: orUndefined(p.milestone),
    group: orUndefined(p.group),
    school: orUndefined(p.school),
    role: orUndefined(p.role),
    status: orUndefined(p.status),
    state: orUndefined(p.state),
    search: search || undefined,
    sort: p.sort,
    descending: p.dir === 'desc',
    page: p.page === undefined ? undefined : p.page - 1,
  };
}

export interface MilestonePageDeps {
  grid: Pick<CohortGrid, 'cohortsOf'>;
  readiness: Pick<Readiness, 'inScope' | 'declarationList'>;
}

/** DfE milestones: who is ready to declare, who is at risk and why, for a facilitator's groups or an admin's cohort. */
export function renderMilestones(views: MilestoneViews): Handler {
  return async (req, res) => {
    const viewer = viewerOf(res);
    if (viewer.kind !== 'facilitator' && viewer.kind !== 'admin') throw new AuthorizationError();
    const query = milestoneQueryOf(req);
    const view = await views.view(viewer, query);
    const base = presentPerson(viewer.session).base;
    res.render('pages/milestones', {
      title: 'DfE milestones',
      ...presentMilestones(view, query, base),
      isAdmin: viewer.kind === 'admin',
      noGroups: viewer.kind === 'facilitator' && (viewer.groups ?? []).length === 0,
      notLinked: !view.cohort,
      cohortUrl: `${base}cohort`,
    });
  };
}

export function milestoneRoutes(deps: MilestonePageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  pageOn(router)('get', '/milestones', STAFF, renderMilestones(new MilestoneViews(deps)));
  return router;
}
