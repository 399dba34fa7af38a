/**
 * The benches' cohort and its set-up: one seeded cohort of 4 courses (2 linked as `ect`, 2 as
 * `mentor`, one cohort), a fresh database on the bench's server and a fresh simulator for it.
 * Shared by bench/sync.ts and bench/read-model.ts, so both measure the same data.
 */
import mongoose from 'mongoose';
import { courseKeyId } from '../src/domain';
import type { CourseLink } from '../src/programme/links';
import { benchStores } from './stores';
import type { SimProcess } from './sim-process';
import type { CohortSpec, SimStarted } from './sim-protocol';

export const PLATFORM = { issuer: 'https://canvas.instructure.com', clientId: '10000000000001' };
export const COHORT_NAME = 'September 2025';
export const COURSES = 4;
export const MODULES = 9;
export const ITEMS_PER_MODULE = 15;
export const MODULES_DESCRIPTION = `${MODULES} programme modules of ${ITEMS_PER_MODULE} items, plus a 4-item Induction module`;
export const SIMULATOR_DESCRIPTION = 'defaults (latency 40 ms + 1 ms per student evaluated; cost 0.03 + 0.004 per student; bucket high-water 600, up-front 50, outflow 10/s), in its own process';

/** Even courses deliver the ECT programme, odd ones the mentor programme. */
export const programmeOfCourse = (index: number): CourseLink['programme'] => (index % 2 === 0 ? 'ect' : 'mentor');

export interface PreparedCohort {
  dbName: string;
  started: SimStarted;
  links: CourseLink[];
}

/**
 * Connects this process's mongoose to a fresh database on the one server, starts a fresh
 * simulator from the seeded cohort, and links its four courses as one cohort.
 */
export async function prepareCohort(uri: string, sim: SimProcess, seed: number, name: string, participants: number): Promise<PreparedCohort> {
  const dbName = `bench_${name.replace(/[^a-z0-9]/gi, '_')}_${Date.now()}`;
  await mongoose.disconnect();
  mongoose.set('strictQuery', true);
  await mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: 5000 });
  const spec: CohortSpec = { seed, courses: COURSES, studentsPerCourse: participants / COURSES, modules: MODULES, itemsPerModule: ITEMS_PER_MODULE };
  const started = await sim.start(spec);
  const links = started.courses.map((course, i): CourseLink => ({
    _id: courseKeyId(PLATFORM, course.id),
    ...PLATFORM,
    courseId: course.id,
    programme: programmeOfCourse(i),
    cohort: COHORT_NAME,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  }));
  await benchStores().store.collection<CourseLink>('course_links').insertMany(links);
  return { dbName, started, links };
}
