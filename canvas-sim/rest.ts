import type { Cohort, SimCourse, SimEnrollment, SimItem, SimModule, SimUser } from './cohort';
import { notFound } from './errors';
import { bookmarkPage, MAX_PER_PAGE, numberedPage } from './paging';
import { courseProgress, hiddenFrom, moduleProgress } from './progress';
import { rosterView } from './roster';

export interface RouteContext {
  data: Cohort;
  url: URL;
  baseUrl: string;
}

export interface RouteResult {
  status: number;
  body: unknown;
  link?: string;
  /** Students whose progress the request evaluated: drives the cost and latency model. */
  students: number;
}

export interface RestRoute {
  /** The stats key, e.g. `modules_student`. */
  key: string;
  /** Set for course-scoped routes so per-course faults can apply before any work. */
  courseId?: string;
  run(ctx: RouteContext): RouteResult;
}

const NO_COMPLETIONS: ReadonlyMap<string, number> = new Map();

function arrayParam(url: URL, name: string): string[] {
  return [...url.searchParams.getAll(`${name}[]`), ...url.searchParams.getAll(name)];
}

function findCourse(data: Cohort, courseId: string): SimCourse {
  const course = data.courses.find((c) => c.id === courseId);
  if (!course) throw notFound();
  return course;
}

function user(data: Cohort, userId: string): SimUser {
  const found = data.users.get(userId);
  if (!found) throw notFound();
  return found;
}

function activeStudents(course: SimCourse): SimEnrollment[] {
  return course.enrollments.filter((e) => e.type === 'StudentEnrollment' && e.state === 'active');
}

/** Canvas answers 404 for a `student_id` that is not a student of the course. */
function requireStudent(course: SimCourse, userId: string): void {
  if (!activeStudents(course).some((e) => e.userId === userId)) throw notFound();
}

/** Canvas's roster order (UserSearch): sortable name, then id. Keys are computed once per call. */
function sortedBySortableName(data: Cohort, enrollments: readonly SimEnrollment[]): SimEnrollment[] {
  return enrollments
    .map((e) => ({ e, key: user(data, e.userId).sortableName }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.e.userId < b.e.userId ? -1 : 1))
    .map(({ e }) => e);
}

function itemJson(
  ctx: RouteContext,
  course: SimCourse,
  module: SimModule,
  item: SimItem,
  completions: ReadonlyMap<string, number> | null,
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: item.id,
    title: item.title,
    position: item.position,
    indent: item.indent,
    type: item.type,
    module_id: module.id,
    published: true,
  };
  if (item.type !== 'SubHeader') {
    json.html_url = `${ctx.baseUrl}/courses/${course.id}/modules/items/${item.id}`;
  }
  if (item.contentId !== null) json.content_id = item.contentId;
  if (item.pageUrl !== undefined) json.page_url = item.pageUrl;
  if (item.externalUrl !== undefined) {
    json.external_url = item.externalUrl;
    json.new_tab = true;
  }
  if (item.requirement) {
    const requirement: Record<string, unknown> = { type: item.requirement.type };
    if (item.requirement.min_score !== undefined) requirement.min_score = item.requirement.min_score;
    if (completions) requirement.completed = completions.has(item.id);
    json.completion_requirement = requirement;
  }
  return json;
}

/** With `student_id`, that student's view: their completions, and the items hidden from them. */
function studentView(course: SimCourse, url: URL): { completions: ReadonlyMap<string, number>; hidden: ReadonlySet<string> } | null {
  const studentId = url.searchParams.get('student_id');
  if (studentId === null) return null;
  requireStudent(course, studentId);
  return { completions: course.completions.get(studentId) ?? NO_COMPLETIONS, hidden: hiddenFrom(course, studentId) };
}

const visibleItems = (module: SimModule, hidden: ReadonlySet<string> | undefined) => (hidden ? module.items.filter((item) => !hidden.has(item.id)) : module.items);

function listModules(ctx: RouteContext, course: SimCourse): RouteResult {
  const view = studentView(course, ctx.url);
  const completions = view?.completions ?? null;
  const includeItems = arrayParam(ctx.url, 'include').includes('items');
  const page = numberedPage(course.modules, ctx.url, ctx.baseUrl);
  const body = page.rows.map((module) => {
    const json: Record<string, unknown> = {
      id: module.id,
      name: module.name,
      position: module.position,
      unlock_at: null,
      require_sequential_progress: module.requireSequentialProgress,
      publish_final_grade: false,
      prerequisite_module_ids: [],
      published: true,
      items_count: visibleItems(module, view?.hidden).length,
      items_url: `${ctx.baseUrl}/api/v1/courses/${course.id}/modules/${module.id}/items`,
    };
    if (view) {
      const progress = moduleProgress(module, view.completions, view.hidden);
      json.state = progress.state;
      json.completed_at = progress.completedAt;
    }
    // Canvas inlines items only while they fit in one page; bigger modules need the items call.
    const items = visibleItems(module, view?.hidden);
    if (includeItems && items.length <= MAX_PER_PAGE) {
      json.items = items.map((item) => itemJson(ctx, course, module, item, completions));
    }
    return json;
  });
  return { status: 200, body, link: page.link, students: completions ? 1 : 0 };
}

function listModuleItems(ctx: RouteContext, course: SimCourse, moduleId: string): RouteResult {
  const module = course.modules.find((m) => m.id === moduleId);
  if (!module) throw notFound();
  const view = studentView(course, ctx.url);
  const page = numberedPage(visibleItems(module, view?.hidden), ctx.url, ctx.baseUrl);
  const body = page.rows.map((item) => itemJson(ctx, course, module, item, view?.completions ?? null));
  return { status: 200, body, link: page.link, students: view ? 1 : 0 };
}

function progressJson(ctx: RouteContext, course: SimCourse, userId: string): Record<string, unknown> {
  const progress = courseProgress(course, userId);
  const next = progress.nextRequirementItem;
  return {
    requirement_count: progress.requirementCount,
    requirement_completed_count: progress.completedCount,
    next_requirement_url: next ? `${ctx.baseUrl}/courses/${course.id}/modules/items/${next.id}` : null,
    completed_at: progress.completedAt,
  };
}

/** Shape from CoursesController#bulk_user_progress: user_display_json plus `progress`. */
function bulkUserProgress(ctx: RouteContext, course: SimCourse): RouteResult {
  const students = rosterView(course, 'students-by-name', () => sortedBySortableName(ctx.data, activeStudents(course)));
  const page = numberedPage(students, ctx.url, ctx.baseUrl);
  const body = page.rows.map((enrollment) => {
    const person = user(ctx.data, enrollment.userId);
    return {
      id: person.id,
      display_name: person.shortName,
      avatar_image_url: `${ctx.baseUrl}/images/messages/avatar-50.png`,
      html_url: `${ctx.baseUrl}/courses/${course.id}/users/${person.id}`,
      pronouns: null,
      progress: progressJson(ctx, course, person.id),
    };
  });
  return { status: 200, body, link: page.link, students: page.rows.length };
}

function userProgress(ctx: RouteContext, course: SimCourse, userId: string): RouteResult {
  requireStudent(course, userId);
  return { status: 200, body: progressJson(ctx, course, userId), students: 1 };
}

function listEnrollments(ctx: RouteContext, course: SimCourse): RouteResult {
  const types = arrayParam(ctx.url, 'type');
  // Canvas lists active and invited enrollments unless states are named.
  const states = arrayParam(ctx.url, 'state');
  const wantedStates = states.length > 0 ? states : ['active', 'invited'];
  const userId = ctx.url.searchParams.get('user_id');
  const byId = rosterView(course, 'enrollments-by-id', () =>
    [...course.enrollments].sort((a, b) => (a.id.length !== b.id.length ? a.id.length - b.id.length : a.id < b.id ? -1 : 1)),
  );
  const rows = byId
    .filter((e) => (types.length === 0 || types.includes(e.type)) && wantedStates.includes(e.state))
    .filter((e) => userId === null || e.userId === userId);
  const page = bookmarkPage(rows, (e) => e.id, ctx.url, ctx.baseUrl);
  const body = page.rows.map((e) => {
    const person = user(ctx.data, e.userId);
    return {
      id: e.id,
      user_id: e.userId,
      course_id: course.id,
      course_section_id: e.sectionId,
      type: e.type,
      role: e.type,
      enrollment_state: e.state,
      last_activity_at: e.lastActivityAt,
      total_activity_time: 0,
      html_url: `${ctx.baseUrl}/courses/${course.id}/users/${person.id}`,
      user: {
        id: person.id,
        name: person.name,
        sortable_name: person.sortableName,
        short_name: person.shortName,
        sis_user_id: person.sisUserId,
        login_id: person.loginId,
        email: person.email,
      },
    };
  });
  return { status: 200, body, link: page.link, students: 0 };
}

function listSections(ctx: RouteContext, course: SimCourse): RouteResult {
  const page = numberedPage(course.sections, ctx.url, ctx.baseUrl);
  const body = page.rows.map((s) => ({
    id: s.id,
    name: s.name,
    course_id: course.id,
    sis_section_id: null,
    start_at: null,
    end_at: null,
  }));
  return { status: 200, body, link: page.link, students: 0 };
}

function getCourse(ctx: RouteContext, course: SimCourse): RouteResult {
  const body: Record<string, unknown> = {
    id: course.id,
    name: course.name,
    course_code: course.courseCode,
    workflow_state: 'available',
    default_view: 'modules',
    time_zone: 'Europe/London',
    start_at: null,
    end_at: null,
  };
  if (arrayParam(ctx.url, 'include').includes('total_students')) {
    body.total_students = activeStudents(course).length;
  }
  return { status: 200, body, students: 0 };
}

function getSelf(ctx: RouteContext): RouteResult {
  const self = ctx.data.syncUser;
  return {
    status: 200,
    body: { id: self.id, name: self.name, sortable_name: self.sortableName, short_name: self.shortName },
    students: 0,
  };
}

const COURSE_ROUTES: [RegExp, string, (ctx: RouteContext, course: SimCourse, m: RegExpExecArray) => RouteResult][] = [
  [/^$/, 'course', (ctx, course) => getCourse(ctx, course)],
  [/^\/modules$/, 'modules', (ctx, course) => listModules(ctx, course)],
  [/^\/modules\/(\d+)\/items$/, 'module_items', (ctx, course, m) => listModuleItems(ctx, course, m[1])],
  [/^\/bulk_user_progress$/, 'bulk_user_progress', (ctx, course) => bulkUserProgress(ctx, course)],
  [/^\/users\/(\d+)\/progress$/, 'user_progress', (ctx, course, m) => userProgress(ctx, course, m[1])],
  [/^\/enrollments$/, 'enrollments', (ctx, course) => listEnrollments(ctx, course)],
  [/^\/sections$/, 'sections', (ctx, course) => listSections(ctx, course)],
];

/**
 * Finds the REST route for a request, or null when Canvas would answer 404.
 * @param url the request URL (query decides e.g. `modules` vs `modules_student`).
 */
export function matchRestRoute(method: string, url: URL): RestRoute | null {
  if (method !== 'GET') return null;
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/api/v1/users/self') return { key: 'self', run: getSelf };
  const courseMatch = /^\/api\/v1\/courses\/(\d+)(.*)$/.exec(path);
  if (!courseMatch) return null;
  const [, courseId, rest] = courseMatch;
  for (const [pattern, key, handler] of COURSE_ROUTES) {
    const m = pattern.exec(rest);
    if (!m) continue;
    const perStudent = url.searchParams.has('student_id') && key.startsWith('module');
    return {
      key: perStudent ? `${key}_student` : key,
      courseId,
      run: (ctx) => handler(ctx, findCourse(ctx.data, courseId), m),
    };
  }
  return null;
}
