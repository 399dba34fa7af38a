/**
 * The Canvas simulator for `npm run bench:sync`, in its own process so that neither its
 * memory nor its CPU (GraphQL execution, JSON) is counted against the sync being measured,
 * as with a real, remote Canvas. Driven over IPC by bench/sim-process.ts.
 */
import { generateCohort, startCanvasSimulator, type CanvasSimulator, type Cohort } from '../canvas-sim';
import { expectedProgress } from '../test/support/expected-progress';
import type { CohortSpec, CourseTruth, ExpectedCourse, SimRequest, SimResponse, SimStarted, SimStudent } from './sim-protocol';

const cohorts = new Map<string, Cohort>();
let sim: CanvasSimulator | null = null;

function cohortFor(spec: CohortSpec): Cohort {
  const key = JSON.stringify(spec);
  let cohort = cohorts.get(key);
  if (!cohort) {
    cohort = generateCohort({ seed: spec.seed, courses: spec.courses, studentsPerCourse: spec.studentsPerCourse, courseSizes: spec.courseSizes, modules: spec.modules, itemsPerModule: spec.itemsPerModule, induction: true, largeIds: true });
    cohorts.set(key, cohort);
  }
  return cohort;
}

function running(): CanvasSimulator {
  if (!sim) throw new Error('no simulator is running');
  return sim;
}

/** The simulator's ground truth in the store's terms, as the tests compute it. */
function expected(courseId: string): ExpectedCourse {
  const { totals, students } = expectedProgress(running(), courseId);
  return { courseId, totals, students: [...students] };
}

/** Module percentages and overall per student, straight from the simulator's `expectedProgress`. */
function truth(courseId: string): CourseTruth {
  const students = [...running().expectedProgress(courseId).students].map(([userId, student]): CourseTruth['students'][number] => [userId, { modules: student.modules.map((module) => module?.percentage ?? null), overall: student.overall }]);
  return { courseId, students };
}

/** Each course's active students with their ids, names and sections, to write a roster from. */
function students(): { courseId: string; students: SimStudent[] }[] {
  const { courses, users } = running().data;
  return courses.map((course) => {
    const sections = new Map(course.sections.map((section) => [section.id, section.name]));
    const active = course.enrollments.filter((e) => e.type === 'StudentEnrollment' && e.state === 'active');
    return {
      courseId: course.id,
      students: active.map((e): SimStudent => {
        const user = users.get(e.userId)!;
        return { userId: user.id, name: user.name, email: user.email, sisUserId: user.sisUserId, section: sections.get(e.sectionId) ?? '' };
      }),
    };
  });
}

async function handle(request: SimRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'start': {
      if (sim) await sim.close();
      // Only the cohort is given: latency, cost and throttle stay at the simulator's defaults.
      sim = await startCanvasSimulator({ data: cohortFor(request.spec) });
      const started: SimStarted = { url: sim.url, token: sim.token, courses: sim.data.courses.map((c) => ({ id: c.id, students: c.enrollments.filter((e) => e.type === 'StudentEnrollment' && e.state === 'active').length })) };
      return started;
    }
    case 'stats':
      return running().stats();
    case 'resetStats':
      running().resetStats();
      return null;
    case 'changeStudents':
      return running().changeStudents(request.courseId, request.fraction, request.seed);
    case 'expected':
      return running().data.courses.map((c) => expected(c.id));
    case 'truth':
      return running().data.courses.map((c) => truth(c.id));
    case 'students':
      return students();
    case 'memory':
      return process.memoryUsage().rss;
    case 'stop':
      if (sim) await sim.close();
      sim = null;
      return null;
  }
}

process.on('message', (message: SimRequest) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies SimResponse),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies SimResponse),
  );
});
process.on('disconnect', () => process.exit(0));
