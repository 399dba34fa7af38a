import { collection } from '../db/collections';
import { courseKeyId, samePlatform, type PlatformKey, type Programme } from '../domain';
import type { ClassificationOverrides, ModuleMap } from '../completion';

/** A Canvas course linked to a programme and cohort, for one platform (issuer + client id). */
export interface CourseLink {
  _id: string;
  issuer: string;
  clientId: string;
  courseId: string;
  programme: Programme;
  cohort: string;
  /** Explicit Canvas module → programme module numbers; titles decide the rest. */
  moduleMap: ModuleMap;
  classificationOverrides: ClassificationOverrides;
  linkedAt: Date;
}

export const courseLinks = () => collection<CourseLink>('course_links');

export async function findProgrammeOfCourse(platform: PlatformKey, courseId: string): Promise<Programme | null> {
  const link = await courseLinks().findOne({ _id: courseKeyId(platform, courseId) });
  return link?.programme ?? null;
}

export async function getCourseLink(platform: PlatformKey, courseId: string): Promise<CourseLink | null> {
  return courseLinks().findOne({ _id: courseKeyId(platform, courseId) });
}

/**
 * Every link, or one platform's, ordered by cohort then programme. Links are few (two per
 * cohort), so they are filtered here rather than by a query FerretDB would scan anyway.
 */
export async function listCourseLinks(platform?: PlatformKey): Promise<CourseLink[]> {
  const links = await courseLinks().find({}).toArray();
  return links
    .filter((link) => platform === undefined || samePlatform(link, platform))
    .sort((a, b) => a.cohort.localeCompare(b.cohort) || a.programme.localeCompare(b.programme) || a.courseId.localeCompare(b.courseId));
}

/** Cohort names that have at least one linked course; a roster may only name these. */
export async function cohortsWithLinks(platform?: PlatformKey): Promise<Set<string>> {
  return new Set((await listCourseLinks(platform)).map((link) => link.cohort));
}

/** Free text, compared exactly after this: trimmed, inner runs of whitespace made one space. */
export function normaliseCohortName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}
