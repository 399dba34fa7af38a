import type { ProgressionStudent } from '../canvas';
import type { CourseStructure } from '../programme/modules';

/** What the sync needs from a course's structure: required items, and self-study per module. */
export interface CoursePlan {
  hash: string;
  /** Every item with a completion requirement (any class): completed = these − incomplete. */
  requiredItemIds: Set<string>;
  /** Required items grouped by Canvas module, for reading GraphQL's incomplete lists. */
  requiredByCanvasModule: Map<string, string[]>;
  /** Required self-study item ids per programme module 1–9 (index 0 = module 1); null where unmatched. */
  selfStudyByModule: (Set<string> | null)[];
}

export function planFor(structure: CourseStructure): CoursePlan {
  const requiredItemIds = new Set<string>();
  const requiredByCanvasModule = new Map<string, string[]>();
  const selfStudyByModule: (Set<string> | null)[] = Array(9).fill(null);
  for (const module of structure.modules) {
    const required = module.items.filter((item) => item.required && item.class !== 'header');
    requiredByCanvasModule.set(module.canvasModuleId, required.map((item) => item.id));
    for (const item of required) requiredItemIds.add(item.id);
    if (module.number === null) continue;
    const selfStudy = (selfStudyByModule[module.number - 1] ??= new Set());
    for (const item of required) if (item.class === 'self-study') selfStudy.add(item.id);
  }
  return { hash: structure.hash, requiredItemIds, requiredByCanvasModule, selfStudyByModule };
}

/** Required self-study items per module: the denominators of every percentage. */
export function moduleTotals(plan: CoursePlan): (number | null)[] {
  return plan.selfStudyByModule.map((items) => (items ? items.size : null));
}

export function moduleDone(plan: CoursePlan, completions: Map<string, number>): number[] {
  return plan.selfStudyByModule.map((items) => {
    if (!items) return 0;
    let done = 0;
    for (const id of items) if (completions.has(id)) done += 1;
    return done;
  });
}

/** GraphQL lists what is incomplete; everything else required is complete. */
export function completedFromIncomplete(plan: CoursePlan, incompleteItemIds: Iterable<string>): string[] {
  const incomplete = new Set(incompleteItemIds);
  return [...plan.requiredItemIds].filter((id) => !incomplete.has(id));
}

/**
 * Completed = required − incomplete holds only when the student's requirements are the
 * course's and Canvas's lists agree with its counts. Otherwise the student is read through REST:
 * - a total that differs from the course's: items hidden from the student (differentiated
 *   items), or a module needing one item of several, which lists nothing once one is done;
 * - completed + incomplete ≠ total: a module Canvas still holds as completed after a
 *   requirement was added to it, whose new item it leaves out of the incomplete list;
 * - no progression in a course with requirements: Canvas withholds it from a token without
 *   "View all grades", and keeping nothing would show 0%.
 */
export function progressionMatchesPlan(progression: ProgressionStudent['progression'], plan: CoursePlan): boolean {
  if (progression === null) return plan.requiredItemIds.size === 0;
  const incomplete = progression.incompleteModules.reduce((n, m) => n + m.incompleteItemIds.length, 0);
  return progression.total === plan.requiredItemIds.size && progression.completed + incomplete === progression.total;
}
