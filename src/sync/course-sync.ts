import type { CanvasApi } from '../canvas';
import type { CourseLink, CourseLinks } from '../programme/links';
import { buildCourseStructure, hiddenFrom, moduleItems, moduleTotals, planFor, studentModuleCounts, type CoursePlan } from '../completion';
import { fetchByGraphQL, fetchByRest, GraphQLUnavailableError, listStudentIdentities, type DetailSink, type StudentDetail, type StudentSource } from './fetch-details';
import { emptyState, type CourseSyncState, type GenerationWriter, type StudentRecord, type SyncStore } from './store';

/** The course was unlinked while it synced; its data went with the link, so nothing is written. */
export class CourseUnlinkedError extends Error {
  override name = 'CourseUnlinkedError';
}

export interface CourseSyncOptions {
  full: boolean;
  exact: boolean;
  /** An incremental run turns full when the last full one is older than this (a reconcile pass). */
  reconcileAfterMs?: number;
}

export interface CourseSyncContext {
  store: SyncStore;
  links: Pick<CourseLinks, 'get'>;
  api: CanvasApi;
  link: CourseLink;
  runId: string;
  now: () => number;
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Throws if this process no longer holds the course's lease; checked before writing. */
  assertLease: () => void;
}

export interface CourseSyncResult {
  mode: 'full' | 'incremental';
  path: 'graphql' | 'rest';
  students: number;
  fetched: number;
  /** Of those fetched, how many were read one by one through REST. */
  readByRest: number;
  state: CourseSyncState;
}

type Students = ReadonlyMap<string, StudentRecord>;

/**
 * Students whose Canvas counts moved since the last sync, plus new ones; and who left. The
 * summary pages go out side by side while the previous generation is still being read.
 */
async function changedSince(api: CanvasApi, courseId: string, previousCount: number, previous: Promise<Students>) {
  const changed: string[] = [];
  const present = new Set<string>();
  for await (const page of api.listBulkProgress(courseId, previousCount)) {
    const before = await previous;
    for (const entry of page) {
      present.add(entry.id);
      const was = before.get(entry.id);
      if (!('requirement_count' in entry.progress)) {
        if (!was) changed.push(entry.id);
        continue;
      }
      if (!was || was.requirementCompleted !== entry.progress.requirement_completed_count || was.requirementTotal !== entry.progress.requirement_count) changed.push(entry.id);
    }
  }
  return { changed, present };
}

/** Merges what Canvas said with what we had: first-seen times survive, and an item only turns incomplete when Canvas says so. */
function merge(detail: StudentDetail, before: StudentRecord | undefined, plan: CoursePlan, now: number): StudentRecord {
  const { completedItemIds, visibleRequiredItemIds, ...identity } = detail;
  const completions = new Map<string, number>();
  if (completedItemIds === null) {
    for (const [id, at] of before?.completions ?? []) completions.set(id, at);
  } else {
    for (const id of completedItemIds) completions.set(id, before?.completions.get(id) ?? now);
  }
  const hiddenItemIds = completedItemIds === null ? (before?.hiddenItemIds ?? []) : hiddenFrom(plan, visibleRequiredItemIds);
  return withModuleCounts({ ...identity, completions, hiddenItemIds, moduleRequired: [], moduleDone: [], fetchedAt: now }, plan);
}

/** The per-module counts the pages and exports read, worked out once when the generation is written. */
function withModuleCounts(record: StudentRecord, plan: CoursePlan): StudentRecord {
  const { required, done } = studentModuleCounts(plan, record.completions, record.hiddenItemIds);
  return { ...record, moduleRequired: required, moduleDone: done };
}

interface FetchOutcome {
  path: 'graphql' | 'rest';
  /** Students read one by one through REST. */
  readByRest: number;
  /** The course's name, when a call made anyway brought it (every GraphQL page does). */
  courseName: string | null;
}

/**
 * Detail through GraphQL, or through REST when GraphQL is refused (`exact`, or an instance
 * without it); `restart` throws away what GraphQL delivered before it was refused, so REST
 * delivers everyone once.
 */
async function fetchDetails(ctx: CourseSyncContext, plan: CoursePlan, source: StudentSource, exact: boolean, sink: DetailSink, restart: () => void): Promise<FetchOutcome> {
  const courseId = ctx.link.courseId;
  if (!exact) {
    try {
      return { path: 'graphql', ...(await fetchByGraphQL(ctx.api, courseId, plan, source, sink)) };
    } catch (error) {
      if (!(error instanceof GraphQLUnavailableError)) throw error;
      restart();
    }
  }
  const identities = await listStudentIdentities(ctx.api, courseId);
  const wantedSet = 'ids' in source ? new Set(source.ids) : null;
  const students = identities.filter((s) => !wantedSet || wantedSet.has(s.userId));
  await fetchByRest(ctx.api, courseId, students, sink);
  return { path: 'rest', readByRest: students.length, courseName: null };
}

/**
 * Canvas's count of the course's active students, and its name, in one call made side by side
 * with the first batches. Null when Canvas would not say: the sync then lists the students,
 * which surfaces any real fault of the course.
 */
async function activeStudentsOf(ctx: CourseSyncContext): Promise<{ count: number | null; name: string | null }> {
  try {
    const course = await ctx.api.getCourse(ctx.link.courseId);
    return { count: course.total_students ?? null, name: course.name };
  } catch {
    return { count: null, name: null };
  }
}

/**
 * The course's name when no call of this run brought it and the course has none yet (the REST
 * path's first sync): one `GET /courses/:id`. The name is only for people to read, so not
 * getting it never fails the sync; the page falls back to "Course <id>".
 */
async function courseNameFromCanvas(ctx: CourseSyncContext): Promise<string | null> {
  try {
    return (await ctx.api.getCourse(ctx.link.courseId)).name;
  } catch {
    return null;
  }
}

/** What a successful run records on the course's pointer besides the new generation. */
export function syncedStateChanges(link: CourseLink, plan: CoursePlan, runId: string, now: number, lastFullAt: Date | null, canvasUrl: string, courseName: string | null = null): Partial<CourseSyncState> {
  return {
    courseName,
    programme: link.programme,
    cohort: link.cohort,
    structureHash: plan.hash,
    moduleTotals: moduleTotals(plan),
    moduleItems: moduleItems(plan),
    canvasUrl,
    syncedAt: new Date(now),
    lastAttemptAt: new Date(now),
    lastFullAt,
    lastError: null,
    lastRunId: runId,
  };
}

/** What one course's run fetches, once the structure says whether it is full or incremental. */
interface RunPlan {
  plan: CoursePlan;
  full: boolean;
  now: number;
  state: CourseSyncState;
  previous: Promise<Students>;
  members: string[] | null;
}

async function fetchInto(ctx: CourseSyncContext, run: RunPlan, options: CourseSyncOptions, writer: GenerationWriter): Promise<FetchOutcome & { fetched: number }> {
  const { plan, now, previous } = run;
  let carried: StudentRecord[] = [];
  let source: StudentSource;
  let counted: Promise<{ count: number | null; name: string | null }> | null = null;
  if (run.full) {
    const known = run.members ?? [...(await previous).keys()];
    if (known.length > 0) counted = activeStudentsOf(ctx);
    source = { known, activeCount: counted ? counted.then((c) => c.count) : Promise.resolve(null) };
  } else {
    const { changed, present } = await changedSince(ctx.api, ctx.link.courseId, run.state.studentCount, previous);
    const changedIds = new Set(changed);
    carried = [...(await previous).values()].filter((r) => present.has(r.userId) && !changedIds.has(r.userId)).map((r) => withModuleCounts(r, plan));
    writer.add(carried);
    source = { ids: changed };
  }
  const total = 'ids' in source ? source.ids.length : run.state.studentCount;
  let fetched = 0;
  const sink: DetailSink = async (details) => {
    const before = await previous;
    writer.add(details.map((detail) => merge(detail, before.get(detail.userId), plan, now)));
    fetched += details.length;
    ctx.onProgress?.({ done: fetched, total: Math.max(total, fetched) });
  };
  const restart = () => {
    writer.restart();
    writer.add(carried);
    fetched = 0;
  };
  const outcome = 'ids' in source && source.ids.length === 0 ? { path: 'graphql' as const, readByRest: 0, courseName: null } : await fetchDetails(ctx, plan, source, options.exact, sink, restart);
  return { ...outcome, courseName: outcome.courseName ?? (counted ? (await counted).name : null), fetched };
}

/**
 * Syncs one linked course: structure, then item-level detail for everyone (full) or only for
 * students whose counts changed (incremental), written as one new generation while it is
 * fetched. The previous generation is read side by side with the first calls (a full run only
 * needs the list of its students to start). The caller holds the course's lease.
 */
export async function syncCourse(ctx: CourseSyncContext, options: CourseSyncOptions): Promise<CourseSyncResult> {
  const { link } = ctx;
  const state = (await ctx.store.readState(link._id)) ?? emptyState({ _id: link._id, issuer: link.issuer, clientId: link.clientId, courseId: link.courseId, programme: link.programme, cohort: link.cohort });
  const previous = ctx.store.readStudents(state);
  // Awaited where it is needed; a run that fails before then reports its own error, not this one.
  previous.catch(() => undefined);
  const [modules, members] = await Promise.all([ctx.api.listModules(link.courseId), ctx.store.readMembers(state)]);
  const plan = planFor(buildCourseStructure(modules, link));
  const now = ctx.now();
  const reconcileDue = options.reconcileAfterMs !== undefined && (!state.lastFullAt || now - state.lastFullAt.getTime() > options.reconcileAfterMs);
  const full = options.full || reconcileDue || !state.generation || state.structureHash !== plan.hash;
  await assertLinked(ctx);

  const writer = ctx.store.startGeneration(state, ctx.runId);
  try {
    const { path, readByRest, courseName: fetchedName, fetched } = await fetchInto(ctx, { plan, full, now, state, previous, members }, options, writer);
    const courseName = fetchedName ?? state.courseName ?? (await courseNameFromCanvas(ctx));
    ctx.assertLease();
    await assertLinked(ctx);
    const next = await writer.commit(syncedStateChanges(link, plan, ctx.runId, now, full ? new Date(now) : state.lastFullAt, ctx.api.canvasUrl, courseName));
    return { mode: full ? 'full' : 'incremental', path, students: next.studentCount, fetched, readByRest, state: next };
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}

async function assertLinked(ctx: CourseSyncContext): Promise<void> {
  if (!(await ctx.links.get(ctx.link, ctx.link.courseId))) throw new CourseUnlinkedError(`course ${ctx.link.courseId} was unlinked during the sync`);
}
