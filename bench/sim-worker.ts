/**
 * The Canvas simulator for `npm run bench:sync`, in its own process so that neither its
 * memory nor its CPU (GraphQL execution, JSON) is counted against the sync being measured,
 * as with a real, remote Canvas. Driven over IPC by bench/sim-process.ts.
 */
import { generateCohort, startCanvasSimulator, type CanvasSimulator, type Cohort } from '../canvas-sim';
import { classifyItem, loadClassificationRules } from '../src/programme/classify';
import { moduleNumberFromTitle } from '../src/programme/modules';
import type { CohortSpec, ExpectedCourse, SimRequest, SimResponse, SimStarted } from './sim-protocol';

const cohorts = new Map<string, Cohort>();
let sim: CanvasSimulator | null = null;

function cohortFor(spec: CohortSpec): Cohort {
  const key = JSON.stringify(spec);
  let cohort = cohorts.get(key);
  if (!cohort) {
    cohort = generateCohort({ seed: spec.seed, courses: spec.courses, studentsPerCourse: spec.studentsPerCourse, modules: spec.modules, itemsPerModule: spec.itemsPerModule, induction: true, largeIds: true });
    cohorts.set(key, cohort);
  }
  return cohort;
}

function running(): CanvasSimulator {
  if (!sim) throw new Error('no simulator is running');
  return sim;
}

/** The simulator's ground truth in the store's terms (the logic of test/sync/helpers.ts `expectedProgress`). */
function expected(courseId: string): ExpectedCourse {
  const s = running();
  const rules = loadClassificationRules();
  const course = s.data.courses.find((c) => c.id === courseId);
  if (!course) throw new Error(`no course ${courseId}`);
  const selfStudy: (Set<string> | null)[] = Array(9).fill(null);
  for (const module of course.modules) {
    const number = moduleNumberFromTitle(module.name);
    if (!number) continue;
    const set = (selfStudy[number - 1] ??= new Set());
    for (const item of module.items) {
      if (item.requirement && classifyItem({ id: item.id, title: item.title, type: item.type }, rules) === 'self-study') set.add(item.id);
    }
  }
  const students: [string, number[]][] = [];
  for (const [userId, truth] of s.truth(courseId)) {
    const done = new Set(truth.completedItemIds);
    students.push([userId, selfStudy.map((items) => (items ? [...items].filter((id) => done.has(id)).length : 0))]);
  }
  return { courseId, totals: selfStudy.map((set) => (set ? set.size : null)), students };
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
