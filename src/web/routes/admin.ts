import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { loadCurriculum } from '../../curriculum';
import { courseKeyId } from '../../domain';
import { AuthorizationError, NotFoundError, ValidationError } from '../../errors';
import type { Viewer } from '../../participants/access';
import type { GroupFacilitators, ImportRunKind, ImportRuns, Schools } from '../../people';
import type { CourseLink, CourseLinks } from '../../programme';
import type { ReadModel } from '../../progress/read-model';
import type { OnDemandSyncs } from '../../sync';
import {
  groupNamesOf,
  presentActivity,
  presentAdminCourse,
  presentCohortPeople,
  presentGroups,
  presentImportRun,
  type GroupFormState,
} from '../admin-presenters';
import { STAFF, pageOn, viewerOf } from '../page-kit';
import { presentModuleLink, presentPerson } from '../presenters';
import { presentRun } from '../sync-status';
import type { PageDeps } from './pages';

/** What the admin pages read and change besides what every page has. */
export interface AdminDeps {
  links: Pick<CourseLinks, 'list' | 'get'>;
  onDemand: Pick<OnDemandSyncs, 'start' | 'activityOf'>;
  readModel: Pick<ReadModel, 'readAllParticipants'>;
  schools: Pick<Schools, 'urns'>;
  groups: Pick<GroupFacilitators, 'load' | 'assign' | 'unassign'>;
  importRuns: Pick<ImportRuns, 'latest'>;
}

type Deps = PageDeps;

const NOTHING_HERE = 'There is nothing here that you can see.';
const RUNS_SHOWN = 5;
/** What the people page reports on; training events appear once their import has run. */
const IMPORT_KINDS: ImportRunKind[] = ['roster', 'schools', 'groups', 'events', 'school-contacts'];

/** Canvas course ids are digits; anything else names no course. */
const COURSE_ID = /^\d{1,20}$/;

/** A posted group form: one short string per field (an array, an object or a novel is not one of ours). */
const GroupForm = z.object({
  cohort: z.string().min(1).max(200),
  group: z.string().min(1).max(200),
  emails: z.string().max(5000).optional(),
});

/** The admin pages are the programme's: STAFF lets facilitators through the door, this does not. */
function adminOf(res: Response): Viewer {
  const viewer = viewerOf(res);
  if (viewer.kind !== 'admin') throw new AuthorizationError('This page is for programme administrators.');
  return viewer;
}

const baseOf = (viewer: Viewer) => presentPerson(viewer.session).base;

/** The platform's linked courses, and the cohorts they name: everything an admin here may see or change. */
async function platformLinks(deps: Deps, viewer: Viewer): Promise<{ links: CourseLink[]; cohorts: string[] }> {
  const links = await deps.admin.links.list(viewer.platform);
  return { links, cohorts: [...new Set(links.map((l) => l.cohort))].sort((a, b) => a.localeCompare(b)) };
}

function groupForm(req: Request): z.output<typeof GroupForm> {
  const parsed = GroupForm.safeParse(req.body ?? {});
  if (!parsed.success) throw new ValidationError('The form could not be read. Reload the page and try again.');
  return parsed.data;
}

/** The home page of an admin: the platform's courses with their sync, and the way to the rest. */
export async function renderAdminHome(deps: Deps, res: Response): Promise<void> {
  const viewer = adminOf(res);
  const base = baseOf(viewer);
  const [{ links, cohorts }, status] = await Promise.all([platformLinks(deps, viewer), deps.sync.statusOf(viewer.platform, RUNS_SHOWN)]);
  const states = new Map(status.courses.map((s) => [s._id, s]));
  const courses = links.map((link) => presentAdminCourse(link, states.get(link._id) ?? null, deps.admin.onDemand.activityOf(viewer.platform, link.courseId), deps.syncIntervalMs, base));
  res.render('pages/admin-home', {
    title: `ECF Progress – ${presentPerson(viewer.session).roleLabel}`,
    courses,
    syncing: courses.some((c) => c.activity.syncing),
    progressUrl: `${base}admin/syncs`,
    runs: status.runs.map(presentRun),
    peopleUrl: `${base}admin/people`,
    changesUrl: `${base}admin/changes`,
    openChanges: await deps.changes.openCount(cohorts),
    groupsUrl: `${base}admin/groups`,
    noticesUrl: `${base}admin/notices`,
    deliveriesUrl: `${base}admin/deliveries`,
    cohortUrl: viewer.cohort ? `${base}cohort` : null,
    cohort: viewer.cohort,
    modules: loadCurriculum().ect.modules.map((m) => presentModuleLink(m, base)),
  });
}

async function renderGroups(deps: Deps, res: Response, form: GroupFormState | null = null): Promise<void> {
  const viewer = adminOf(res);
  const base = baseOf(viewer);
  const [{ cohorts }, assignments] = await Promise.all([platformLinks(deps, viewer), deps.admin.groups.load()]);
  const sections = await Promise.all(
    cohorts.map(async (cohort, i) => ({
      cohort,
      groups: presentGroups(cohort, i, await deps.admin.readModel.readAllParticipants(cohort), assignments, { base, eventsFor: cohort === viewer.cohort, form }),
    })),
  );
  const errors = form ? sections.flatMap((s) => s.groups.filter((g) => g.error).map((g) => ({ href: `#${g.fieldId}`, message: `${g.name}: ${g.error}` }))) : [];
  res.status(form ? 400 : 200).render('pages/admin-groups', {
    title: form ? 'Error: Group facilitators' : 'Group facilitators',
    cohorts: sections,
    errors,
    formUrl: `${base}admin/groups`,
    removeUrl: `${base}admin/groups/remove`,
    homeUrl: base,
  });
}

/** The cohort and group a form names, when they are this platform's: anything else is a 404, and nothing changes. */
async function groupOfForm(deps: Deps, viewer: Viewer, cohort: string, group: string): Promise<void> {
  const { cohorts } = await platformLinks(deps, viewer);
  if (!cohorts.includes(cohort)) throw new NotFoundError(NOTHING_HERE);
  const names = groupNamesOf(cohort, await deps.admin.readModel.readAllParticipants(cohort), await deps.admin.groups.load());
  if (!names.has(group)) throw new NotFoundError(NOTHING_HERE);
}

/** The admin pages: `/admin/…` inside a tool session, plus the admin's home (see `renderAdminHome`). */
export function adminRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);

  // "Sync now": the same leased run as the schedule, in the background; the page shows its progress.
  page('post', '/admin/courses/:courseId/sync', STAFF, async (req, res) => {
    const viewer = adminOf(res);
    const courseId = req.params.courseId;
    if (typeof courseId !== 'string' || !COURSE_ID.test(courseId)) throw new NotFoundError(NOTHING_HERE);
    if (!(await deps.admin.links.get(viewer.platform, courseId))) throw new NotFoundError(NOTHING_HERE);
    deps.admin.onDemand.start(viewer.platform, courseId);
    res.redirect(303, `${baseOf(viewer)}#course-${courseId}`);
  });

  // What the admin page's script asks while a sync it started runs.
  page('get', '/admin/syncs', STAFF, async (_req, res) => {
    const viewer = adminOf(res);
    const { links } = await platformLinks(deps, viewer);
    const courses = links.map((link) => ({ courseId: link.courseId, ...presentActivity(deps.admin.onDemand.activityOf(viewer.platform, link.courseId)) }));
    res.json({ courses });
  });

  page('get', '/admin/people', STAFF, async (_req, res) => {
    const viewer = adminOf(res);
    const { links, cohorts } = await platformLinks(deps, viewer);
    const platformCourses = new Set(links.map((l) => courseKeyId(viewer.platform, l.courseId)));
    const [people, urns, imports] = await Promise.all([
      Promise.all(cohorts.map(async (cohort) => presentCohortPeople(cohort, await deps.admin.readModel.readAllParticipants(cohort), platformCourses))),
      deps.admin.schools.urns(),
      Promise.all(IMPORT_KINDS.map(async (kind) => presentImportRun(kind, await deps.admin.importRuns.latest(kind)))),
    ]);
    res.render('pages/admin-people', {
      title: 'People and imports',
      cohorts: people,
      schoolsImported: urns.size,
      imports: imports.filter((i) => (i.kind !== 'events' && i.kind !== 'school-contacts') || i.run !== null),
      homeUrl: baseOf(viewer),
    });
  });

  page('get', '/admin/groups', STAFF, (_req, res) => renderGroups(deps, res));

  page('post', '/admin/groups', STAFF, async (req, res) => {
    const viewer = adminOf(res);
    const form = groupForm(req);
    await groupOfForm(deps, viewer, form.cohort, form.group);
    try {
      await deps.admin.groups.assign(form.cohort, form.group, form.emails ?? '');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderGroups(deps, res, { cohort: form.cohort, group: form.group, emails: form.emails ?? '', error: error.message });
    }
    res.redirect(303, `${baseOf(viewer)}admin/groups`);
  });

  page('post', '/admin/groups/remove', STAFF, async (req, res) => {
    const viewer = adminOf(res);
    const form = groupForm(req);
    await groupOfForm(deps, viewer, form.cohort, form.group);
    await deps.admin.groups.unassign(form.cohort, form.group);
    res.redirect(303, `${baseOf(viewer)}admin/groups`);
  });

  return router;
}
