import type { mongo } from 'mongoose';
import type { CourseLink } from '../../src/programme';
import { cli, writeTempFile, type CliRun } from '../support/cli';

export const COHORT = 'September 2024';

/** A linked course is what makes a cohort importable; the link is written as `programme link` would store it. */
export async function linkCohort(db: mongo.Db, cohort = COHORT, courseId = '7001'): Promise<void> {
  await db.collection<CourseLink>('ecf_course_links').insertOne({
    _id: JSON.stringify(['https://canvas.example.org', '10000000000001', courseId]),
    issuer: 'https://canvas.example.org',
    clientId: '10000000000001',
    courseId,
    programme: 'ect',
    cohort,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  });
}

/** Writes `lines` as a CSV file (LF unless told) and runs `<kind> import` on it. */
export function importCsv(kind: 'schools' | 'roster', lines: string[], flags: string[] = [], eol = '\n'): Promise<CliRun> {
  return cli([kind, 'import', writeTempFile(`${kind}.csv`, lines.join(eol) + eol), ...flags]);
}

export const ROSTER_HEADER = 'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status';
export const SCHOOLS_HEADER = 'urn,name,delivery_partner,contact_emails';

export async function sortedDocs(db: mongo.Db, name: 'ecf_roster' | 'ecf_schools'): Promise<Record<string, unknown>[]> {
  const docs = await db.collection<{ _id: string }>(name).find({}).toArray();
  return docs.sort((a, b) => a._id.localeCompare(b._id));
}
