import { collection } from '../db/collections';
import type { Programme } from '../lti/roles';

/** A Canvas course linked to a programme and cohort, for one platform (issuer + client id). */
export interface CourseLink {
  _id: string;
  issuer: string;
  clientId: string;
  courseId: string;
  programme: Programme;
  cohort: string;
  linkedAt: Date;
}

export const courseLinkId = (platform: { issuer: string; clientId: string }, courseId: string) =>
  JSON.stringify([platform.issuer, platform.clientId, courseId]);

export const courseLinks = () => collection<CourseLink>('course_links');

export async function findProgrammeOfCourse(platform: { issuer: string; clientId: string }, courseId: string): Promise<Programme | null> {
  const link = await courseLinks().findOne({ _id: courseLinkId(platform, courseId) });
  return link?.programme ?? null;
}
