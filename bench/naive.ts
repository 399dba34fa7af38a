/**
 * The naive baseline: one request per student per module
 * (`GET /courses/:id/modules/:module_id/items?student_id=X`), then the same store writes as
 * the sync (`writeGeneration`, one new generation of buckets per course). Uses the real
 * CanvasClient (its retries and adaptive limiter), as a straightforward client would.
 */
import { CanvasApi, type CanvasClient } from '../src/canvas';
import type { CourseLink } from '../src/programme/links';
import { buildCourseStructure, hiddenFrom, planFor, studentModuleCounts } from '../src/completion';
import { syncedStateChanges } from '../src/sync/course-sync';
import { listStudentIdentities, type StudentDetail } from '../src/sync/fetch-details';
import { emptyState, type StudentRecord } from '../src/sync/store';
import { benchStores } from './stores';

/** As the sync: two courses at a time, 16 students of a course at a time; the client's limiter caps requests in flight. */
const COURSES_IN_PARALLEL = 2;
const STUDENTS_IN_PARALLEL = 16;

interface RawItem {
  id: string;
  completion_requirement?: { completed?: boolean } | null;
}

export interface NaiveCourseResult {
  courseId: string;
  students: number;
  modules: number;
  fetchMs: number;
  writeMs: number;
}

async function studentItems(client: CanvasClient, courseId: string, moduleId: string, studentId: string): Promise<RawItem[]> {
  const items: RawItem[] = [];
  const path = `/courses/${encodeURIComponent(courseId)}/modules/${encodeURIComponent(moduleId)}/items`;
  for await (const page of client.paginate<RawItem>(path, { student_id: studentId })) items.push(...page);
  return items;
}

async function naiveCourse(client: CanvasClient, link: CourseLink, runId: string, now: number, onProgress: (done: number) => void): Promise<NaiveCourseResult> {
  const started = performance.now();
  const api = new CanvasApi(client);
  const state = (await benchStores().sync.readState(link._id)) ?? emptyState({ _id: link._id, issuer: link.issuer, clientId: link.clientId, courseId: link.courseId, programme: link.programme, cohort: link.cohort });
  const canvasModules = await api.listModules(link.courseId);
  const plan = planFor(buildCourseStructure(canvasModules, link));
  const identities = await listStudentIdentities(api, link.courseId);

  const toRecord = async (identity: StudentDetail): Promise<StudentRecord> => {
    const perModule = await Promise.all(canvasModules.map((m) => studentItems(client, link.courseId, m.id, identity.userId)));
    const required = perModule.flat().filter((item) => item.completion_requirement);
    const completions = new Map(required.filter((item) => item.completion_requirement?.completed).map((item) => [item.id, now] as const));
    const hiddenItemIds = hiddenFrom(plan, required.map((item) => item.id));
    const counts = studentModuleCounts(plan, completions, hiddenItemIds);
    return {
      userId: identity.userId,
      name: identity.name,
      email: identity.email,
      sisId: identity.sisId,
      loginId: identity.loginId,
      section: identity.section,
      lastActivityAt: identity.lastActivityAt,
      requirementCompleted: completions.size,
      requirementTotal: required.length,
      completions,
      hiddenItemIds,
      moduleRequired: counts.required,
      moduleDone: counts.done,
      fetchedAt: now,
    };
  };

  const records: StudentRecord[] = [];
  for (let i = 0; i < identities.length; i += STUDENTS_IN_PARALLEL) {
    records.push(...(await Promise.all(identities.slice(i, i + STUDENTS_IN_PARALLEL).map(toRecord))));
    onProgress(records.length);
  }
  const fetched = performance.now();
  records.sort((a, b) => a.userId.localeCompare(b.userId));
  await benchStores().sync.writeGeneration(state, runId, records, syncedStateChanges(link, plan, runId, now, new Date(now), api.canvasUrl));
  return { courseId: link.courseId, students: records.length, modules: canvasModules.length, fetchMs: fetched - started, writeMs: performance.now() - fetched };
}

/** Runs the naive client over every link; one client, as the sync uses one per platform. */
export async function runNaive(client: CanvasClient, links: CourseLink[], runId: string, onProgress: (courseId: string, done: number) => void, onCourseDone: (result: NaiveCourseResult) => void): Promise<NaiveCourseResult[]> {
  const now = Date.now();
  const queue = [...links];
  const results: NaiveCourseResult[] = [];
  const worker = async () => {
    for (let link = queue.shift(); link; link = queue.shift()) {
      const courseId = link.courseId;
      const result = await naiveCourse(client, link, runId, now, (done) => onProgress(courseId, done));
      results.push(result);
      onCourseDone(result);
    }
  };
  await Promise.all(Array.from({ length: COURSES_IN_PARALLEL }, worker));
  return results;
}
