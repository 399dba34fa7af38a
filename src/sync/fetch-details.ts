import { CanvasForbiddenError, CanvasGraphQLError, CanvasNotFoundError, CanvasRequestError, type CanvasApi, type ProgressionStudent } from '../canvas';
import { completedFromIncomplete, progressionMatchesPlan, type CoursePlan } from '../completion';
import type { StudentIdentity } from './store';

/** What Canvas told us about one student in this run. */
export interface StudentDetail extends StudentIdentity {
  /** Completed required items, or null when Canvas gave no progression (keep what we had). */
  completedItemIds: string[] | null;
  /**
   * The required items Canvas lists for this student, when it may differ from the course's
   * (read through REST); null when they are the course's (GraphQL agreed with the plan).
   */
  visibleRequiredItemIds: string[] | null;
}

export type DetailSink = (details: StudentDetail[]) => void;

const USER_ID_BATCH = 100;
const REST_PARALLEL = 16;

export class GraphQLUnavailableError extends Error {
  override name = 'GraphQLUnavailableError';
}

function fromProgression(student: ProgressionStudent, plan: CoursePlan): StudentDetail {
  const progression = student.progression;
  return {
    userId: student.id,
    name: student.name,
    email: student.email,
    sisId: student.sisId,
    loginId: student.loginId,
    section: student.sectionName,
    lastActivityAt: student.lastActivityAt,
    requirementCompleted: progression?.completed ?? 0,
    requirementTotal: progression?.total ?? 0,
    completedItemIds: progression ? completedFromIncomplete(plan, progression.incompleteModules.flatMap((m) => m.incompleteItemIds)) : null,
    visibleRequiredItemIds: null,
  };
}

async function progressionPages(api: CanvasApi, courseId: string, userIds: readonly string[], onPage: (students: ProgressionStudent[], courseName: string | null) => Promise<void>): Promise<void> {
  let after: string | undefined;
  do {
    let page;
    try {
      page = await api.fetchProgressionPage(courseId, { after, userIds });
    } catch (error) {
      // An instance without GraphQL (404), a token or policy refusing it (403), or a query it
      // rejects (400, GraphQL errors): per-student REST still works, and will surface a real 404.
      const refused = error instanceof CanvasGraphQLError || error instanceof CanvasNotFoundError || error instanceof CanvasForbiddenError || error instanceof CanvasRequestError;
      if (refused) throw new GraphQLUnavailableError((error as Error).message);
      throw error;
    }
    await onPage(page.students, page.courseName);
    after = page.hasNextPage && page.endCursor ? page.endCursor : undefined;
  } while (after);
}

/**
 * Item-level detail from GraphQL, 100 students a call. Batches go out side by side (the
 * client's limiter decides how many are in flight), which a single cursor walk cannot do;
 * for a whole course each page of the cheap enrollments listing (no progress evaluated)
 * becomes a batch as soon as it arrives. Students whose nested lists were cut short, or whose
 * progression does not match the course's requirements, are re-read one by one through REST,
 * so no completion is guessed.
 */
export async function fetchByGraphQL(api: CanvasApi, courseId: string, plan: CoursePlan, userIds: readonly string[] | 'all', sink: DetailSink): Promise<{ readByRest: number; courseName: string | null }> {
  const readable = (s: ProgressionStudent) => !s.truncated && progressionMatchesPlan(s.progression, plan);
  let readByRest = 0;
  // Every page names the course; the name is kept on the course's sync state for the admin page.
  let courseName: string | null = null;
  const onPage = async (students: ProgressionStudent[], name: string | null) => {
    courseName ??= name;
    sink(students.filter(readable).map((s) => fromProgression(s, plan)));
    const unreadable = students.filter((s) => !readable(s));
    readByRest += unreadable.length;
    if (unreadable.length) await fetchByRest(api, courseId, unreadable.map((s) => fromProgression(s, plan)), sink);
  };
  const batches: Promise<void>[] = [];
  const send = (ids: readonly string[]) => {
    for (let i = 0; i < ids.length; i += USER_ID_BATCH) batches.push(progressionPages(api, courseId, ids.slice(i, i + USER_ID_BATCH), onPage));
  };
  let listingFailure: unknown;
  try {
    if (userIds !== 'all') send(userIds);
    else {
      const seen = new Set<string>();
      for await (const page of api.listStudentEnrollments(courseId)) {
        send(page.map((e) => e.user_id).filter((id) => !seen.has(id) && seen.add(id)));
      }
    }
  } catch (error) {
    listingFailure = error;
  }
  // Every batch settles before we return or throw, so none writes into a finished sync.
  const results = await Promise.allSettled(batches);
  if (listingFailure) throw listingFailure;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { readByRest, courseName };
}

async function restDetail(api: CanvasApi, courseId: string, identity: StudentDetail): Promise<StudentDetail> {
  const modules = await api.listModules(courseId, { studentId: identity.userId });
  const items = modules.flatMap((m) => m.items).filter((item) => item.completion_requirement);
  const completed = items.filter((item) => item.completion_requirement?.completed).map((item) => item.id);
  return { ...identity, requirementCompleted: completed.length, requirementTotal: items.length, completedItemIds: completed, visibleRequiredItemIds: items.map((item) => item.id) };
}

/** One modules request per student: exact, and the fallback when GraphQL is unavailable. */
export async function fetchByRest(api: CanvasApi, courseId: string, students: StudentDetail[], sink: DetailSink): Promise<void> {
  for (let i = 0; i < students.length; i += REST_PARALLEL) {
    sink(await Promise.all(students.slice(i, i + REST_PARALLEL).map((s) => restDetail(api, courseId, s))));
  }
}

/** Identities and sections of every active student, for the REST path (GraphQL brings them itself). */
export async function listStudentIdentities(api: CanvasApi, courseId: string): Promise<StudentDetail[]> {
  const sectionNames = new Map((await api.listSections(courseId)).map((section) => [section.id, section.name]));
  const students: StudentDetail[] = [];
  for await (const page of api.listStudentEnrollments(courseId)) {
    for (const e of page) {
      students.push({
        userId: e.user_id,
        name: e.user.name,
        email: e.user.email ?? null,
        sisId: e.user.sis_user_id ?? null,
        loginId: e.user.login_id ?? null,
        section: sectionNames.get(e.course_section_id) ?? null,
        lastActivityAt: e.last_activity_at,
        requirementCompleted: 0,
        requirementTotal: 0,
        completedItemIds: null,
        visibleRequiredItemIds: null,
      });
    }
  }
  return students;
}
