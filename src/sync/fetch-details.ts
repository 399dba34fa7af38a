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

export type DetailSink = (details: StudentDetail[]) => Promise<void>;

/**
 * Whose detail to fetch: these students only (an incremental run's changed ones), or a whole
 * course, starting from the students the previous sync knew while `activeCount` (Canvas's count
 * of active students, or null when it could not be had) tells whether anyone else joined.
 */
export type StudentSource = { ids: readonly string[] } | { known: readonly string[]; activeCount: Promise<number | null> };

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
 * client's limiter decides how many are in flight), which a single cursor walk cannot do.
 * For a whole course, the students the previous sync knew go out at once; Canvas's count of
 * active students then says whether anyone joined: if so (or when nothing is known), the cheap
 * enrollments listing (no progress evaluated) runs side by side and each of its pages becomes a
 * batch of the students not asked for yet. Whoever left is simply not returned. Students whose
 * nested lists were cut short, or whose progression does not match the course's requirements,
 * are re-read one by one through REST, so no completion is guessed.
 */
export async function fetchByGraphQL(api: CanvasApi, courseId: string, plan: CoursePlan, source: StudentSource, sink: DetailSink): Promise<{ readByRest: number; courseName: string | null }> {
  const readable = (s: ProgressionStudent) => !s.truncated && progressionMatchesPlan(s.progression, plan);
  let readByRest = 0;
  // Every page names the course; the name is kept on the course's sync state for the admin page.
  let courseName: string | null = null;
  const returned = new Set<string>();
  const onPage = async (students: ProgressionStudent[], name: string | null) => {
    courseName ??= name;
    for (const s of students) returned.add(s.id);
    await sink(students.filter(readable).map((s) => fromProgression(s, plan)));
    const unreadable = students.filter((s) => !readable(s));
    readByRest += unreadable.length;
    if (unreadable.length) await fetchByRest(api, courseId, unreadable.map((s) => fromProgression(s, plan)), sink);
  };
  const batches = new Batches(api, courseId, onPage);
  try {
    if ('ids' in source) batches.send(source.ids);
    else await sendWholeCourse(api, courseId, source, batches, returned);
  } finally {
    // Every batch settles before we return or throw, so none writes into a finished sync.
    await batches.settled();
  }
  batches.throwFirstFailure();
  return { readByRest, courseName };
}

/** GraphQL batches in flight for one course; each settles on its own, failures are kept for the end. */
class Batches {
  private readonly running: Promise<void>[] = [];
  private readonly asked = new Set<string>();
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly api: CanvasApi,
    private readonly courseId: string,
    private readonly onPage: (students: ProgressionStudent[], courseName: string | null) => Promise<void>,
  ) {}

  /** Sends the students not asked for yet, in batches of USER_ID_BATCH. */
  send(ids: Iterable<string>): void {
    const fresh = [...ids].filter((id) => !this.asked.has(id) && this.asked.add(id));
    for (let i = 0; i < fresh.length; i += USER_ID_BATCH) {
      this.running.push(progressionPages(this.api, this.courseId, fresh.slice(i, i + USER_ID_BATCH), this.onPage).catch((error: unknown) => {
        this.failure ??= { error };
      }));
    }
  }

  /** Resolves once every batch sent so far, and any sent meanwhile, has settled. */
  async settled(): Promise<void> {
    for (let awaited = 0; awaited < this.running.length; ) {
      const upTo = this.running.length;
      await Promise.all(this.running.slice(awaited, upTo));
      awaited = upTo;
    }
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  throwFirstFailure(): void {
    if (this.failure) throw this.failure.error;
  }
}

async function sendWholeCourse(api: CanvasApi, courseId: string, source: Extract<StudentSource, { known: readonly string[] }>, batches: Batches, returned: ReadonlySet<string>): Promise<void> {
  const listAll = async () => {
    for await (const page of api.listStudentEnrollments(courseId)) batches.send(page.map((e) => e.user_id));
  };
  batches.send(source.known);
  if (source.known.length === 0) return listAll();
  const activeCount = await source.activeCount;
  // More active students than we know of: someone joined, so list them now, side by side.
  if (activeCount === null || activeCount > source.known.length) return listAll();
  await batches.settled();
  if (batches.failed) return;
  // Everyone returned is active; if Canvas counts more than that, someone new is among them.
  if (activeCount !== returned.size) await listAll();
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
    await sink(await Promise.all(students.slice(i, i + REST_PARALLEL).map((s) => restDetail(api, courseId, s))));
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
