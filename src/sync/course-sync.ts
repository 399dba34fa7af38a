import type { CanvasApi } from '../canvas';
import type { CourseLink, CourseLinks } from '../programme/links';
import { buildCourseStructure, hiddenFrom, moduleItems, moduleTotals, planFor, studentModuleCounts, type CoursePlan } from '../completion';
import { fetchByGraphQL, fetchByRest, GraphQLUnavailableError, listStudentIdentities, type StudentDetail } from './fetch-details';
import { emptyState, type CourseSyncState, type StudentRecord, type SyncStore } from './store';

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

/** Students whose Canvas counts moved since the last sync, plus new ones; and who left. */
async function changedSince(api: CanvasApi, courseId: string, previous: Map<string, StudentRecord>) {
  const changed: string[] = [];
  const present = new Set<string>();
  for await (const page of api.listBulkProgress(courseId)) {
    for (const entry of page) {
      present.add(entry.id);
      const before = previous.get(entry.id);
      if (!('requirement_count' in entry.progress)) {
        if (!before) changed.push(entry.id);
        continue;
      }
      if (!before || before.requirementCompleted !== entry.progress.requirement_completed_count || before.requirementTotal !== entry.progress.requirement_count) changed.push(entry.id);
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

async function fetchDetails(ctx: CourseSyncContext, plan: CoursePlan, wanted: string[] | 'all', exact: boolean, sink: (d: StudentDetail[]) => void): Promise<FetchOutcome> {
  const courseId = ctx.link.courseId;
  if (!exact) {
    try {
      return { path: 'graphql', ...(await fetchByGraphQL(ctx.api, courseId, plan, wanted, sink)) };
    } catch (error) {
      if (!(error instanceof GraphQLUnavailableError)) throw error;
    }
  }
  const identities = await listStudentIdentities(ctx.api, courseId);
  const wantedSet = wanted === 'all' ? null : new Set(wanted);
  const students = identities.filter((s) => !wantedSet || wantedSet.has(s.userId));
  await fetchByRest(ctx.api, courseId, students, sink);
  return { path: 'rest', readByRest: students.length, courseName: null };
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

/**
 * Syncs one linked course: structure, then item-level detail for everyone (full) or only for
 * students whose counts changed (incremental), then one new generation of buckets.
 * The caller holds the course's lease.
 */
export async function syncCourse(ctx: CourseSyncContext, options: CourseSyncOptions): Promise<CourseSyncResult> {
  const { link } = ctx;
  const state = (await ctx.store.readState(link._id)) ?? emptyState({ _id: link._id, issuer: link.issuer, clientId: link.clientId, courseId: link.courseId, programme: link.programme, cohort: link.cohort });
  const structure = buildCourseStructure(await ctx.api.listModules(link.courseId), link);
  const plan = planFor(structure);
  const previous = await ctx.store.readStudents(state);
  const now = ctx.now();
  const reconcileDue = options.reconcileAfterMs !== undefined && (!state.lastFullAt || now - state.lastFullAt.getTime() > options.reconcileAfterMs);
  const full = options.full || reconcileDue || !state.generation || state.structureHash !== plan.hash;

  const records = new Map<string, StudentRecord>();
  let wanted: string[] | 'all' = 'all';
  if (!full) {
    const { changed, present } = await changedSince(ctx.api, link.courseId, previous);
    const changedIds = new Set(changed);
    for (const [id, record] of previous) if (present.has(id) && !changedIds.has(id)) records.set(id, withModuleCounts(record, plan));
    wanted = changed;
  }
  const total = wanted === 'all' ? state.studentCount : wanted.length;
  let fetched = 0;
  const nothingToFetch: FetchOutcome = { path: 'graphql', readByRest: 0, courseName: null };
  const { path, readByRest, courseName: fetchedName } = wanted.length === 0 ? nothingToFetch : await fetchDetails(ctx, plan, wanted, options.exact, (details) => {
    for (const detail of details) records.set(detail.userId, merge(detail, previous.get(detail.userId), plan, now));
    fetched += details.length;
    ctx.onProgress?.({ done: fetched, total: Math.max(total, fetched) });
  });

  const courseName = fetchedName ?? state.courseName ?? (await courseNameFromCanvas(ctx));
  const students = [...records.values()].sort((a, b) => a.userId.localeCompare(b.userId));
  ctx.assertLease();
  if (!(await ctx.links.get(link, link.courseId))) throw new CourseUnlinkedError(`course ${link.courseId} was unlinked during the sync`);
  const next = await ctx.store.writeGeneration(state, ctx.runId, students, syncedStateChanges(link, plan, ctx.runId, now, full ? new Date(now) : state.lastFullAt, ctx.api.canvasUrl, courseName));
  return { mode: full ? 'full' : 'incremental', path, students: students.length, fetched, readByRest, state: next };
}
