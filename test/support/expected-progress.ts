import type { CanvasSimulator } from '../../canvas-sim';
import { classifyItem, loadClassificationRules } from '../../src/programme/classify';
import { moduleNumberFromTitle } from '../../src/programme/modules';

/**
 * The simulator's ground truth in the store's terms: required self-study items per programme
 * module, and per student how many of them are done. Worked out from the simulator's own
 * data rather than by the sync's code, so the tests and the benchmark check the sync against it.
 */
export function expectedProgress(sim: Pick<CanvasSimulator, 'data' | 'truth'>, courseId: string) {
  const rules = loadClassificationRules();
  const course = sim.data.courses.find((c) => c.id === courseId);
  if (!course) throw new Error(`no course ${courseId} in the simulator`);
  const selfStudy: (Set<string> | null)[] = Array(9).fill(null);
  for (const module of course.modules) {
    const number = moduleNumberFromTitle(module.name);
    if (!number) continue;
    const set = (selfStudy[number - 1] ??= new Set());
    for (const item of module.items) {
      if (item.requirement && classifyItem({ id: item.id, title: item.title, type: item.type }, rules) === 'self-study') set.add(item.id);
    }
  }
  const students = new Map<string, number[]>();
  for (const [userId, truth] of sim.truth(courseId)) {
    const done = new Set(truth.completedItemIds);
    students.set(userId, selfStudy.map((items) => (items ? [...items].filter((id) => done.has(id)).length : 0)));
  }
  return { totals: selfStudy.map((s) => (s ? s.size : null)), students };
}
