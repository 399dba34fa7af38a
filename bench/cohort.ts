/**
 * The benches' cohort and its set-up: one seeded cohort of 4 courses (2 linked as `ect`, 2 as
 * `mentor`, one cohort), a fresh database on the bench's server and a fresh simulator for it.
 * Shared by the benches, so they measure the same data (bench/sync.ts with uneven course
 * sizes, the others with even ones).
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

/**
 * The issue-19 cohort's shape at any size: ECT courses three times the size of mentor ones,
 * 3/8, 1/8, 3/8, 1/8 of the participants (3,750 / 1,250 / 3,750 / 1,250 at 10,000).
 */
export function unevenCourseSizes(participants: number): number[] {
  if (!Number.isInteger(participants / 8)) throw new Error(`${participants} participants do not split 3:1:3:1 into whole courses`);
  const eighth = participants / 8;
  return [3 * eighth, eighth, 3 * eighth, eighth];
}

export interface PreparedCohort {
  dbName: string;
  started: SimStarted;
  links: CourseLink[];
}

/** A database name no earlier run has used. */
export const freshDbName = (name: string) => `bench_${name.replace(/[^a-z0-9]/gi, '_')}_${Date.now()}`;

/** Starts a fresh simulator from the seeded cohort: even courses when `courseSizes` is not given. */
export function startCohort(sim: SimProcess, seed: number, participants: number, courseSizes?: number[]): Promise<SimStarted> {
  const spec: CohortSpec = { seed, courses: COURSES, studentsPerCourse: participants / COURSES, courseSizes, modules: MODULES, itemsPerModule: ITEMS_PER_MODULE };
  return sim.start(spec);
}

/** The simulator's four courses linked as one cohort, alternately `ect` and `mentor`. */
export function cohortLinks(started: SimStarted): CourseLink[] {
  return started.courses.map((course, i): CourseLink => ({
    _id: courseKeyId(PLATFORM, course.id),
    ...PLATFORM,
    courseId: course.id,
    programme: programmeOfCourse(i),
    cohort: COHORT_NAME,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  }));
}

/** Points this process's mongoose at one database on the bench's server. */
export async function connectBenchDatabase(uri: string, dbName: string): Promise<void> {
  await mongoose.disconnect();
  mongoose.set('strictQuery', true);
  await mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: 5000 });
}

/**
 * Connects this process's mongoose to a fresh database on the one server, starts a fresh
 * simulator from the seeded cohort, and links its four courses as one cohort.
 * @param courseSizes students of each course, when they are not even.
 */
export async function prepareCohort(uri: string, sim: SimProcess, seed: number, name: string, participants: number, courseSizes?: number[]): Promise<PreparedCohort> {
  const dbName = freshDbName(name);
  await connectBenchDatabase(uri, dbName);
  const started = await startCohort(sim, seed, participants, courseSizes);
  const links = cohortLinks(started);
  await benchStores().store.collection<CourseLink>('course_links').insertMany(links);
  return { dbName, started, links };
}
