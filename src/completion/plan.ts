import type { ProgressionStudent } from '../canvas';
import type { CourseStructure } from './structure';

/** What the sync needs from a course's structure: required items, and self-study per module. */
export interface CoursePlan {
  hash: string;
  /** The programme's module numbers; every per-module array below and in the store follows them. */
  moduleNumbers: readonly number[];
  /** Every item with a completion requirement (any class): completed = these − incomplete. */
  requiredItemIds: Set<string>;
  /** Required items grouped by Canvas module, for reading GraphQL's incomplete lists. */
  requiredByCanvasModule: Map<string, string[]>;
  /** Required self-study item ids per programme module, in `moduleNumbers` order; null where no Canvas module matched. */
  selfStudyByModule: (Set<string> | null)[];
  /** Title and Canvas type of each required self-study item, for "what's next" links. */
  itemInfo: Map<string, ItemInfo>;
}

export interface ItemInfo {
  title: string;
  type: string;
}

/** A required self-study item of a programme module, with its title: what a participant is shown to do next. */
export interface ModuleItem extends ItemInfo {
  id: string;
  /** The programme module's number. */
  module: number;
}

export function planFor(structure: CourseStructure): CoursePlan {
  const requiredItemIds = new Set<string>();
  const requiredByCanvasModule = new Map<string, string[]>();
  const selfStudyByModule: (Set<string> | null)[] = structure.moduleNumbers.map(() => null);
  const itemInfo = new Map<string, ItemInfo>();
  for (const module of structure.modules) {
    const required = module.items.filter((item) => item.required && item.class !== 'header');
    requiredByCanvasModule.set(module.canvasModuleId, required.map((item) => item.id));
    for (const item of required) requiredItemIds.add(item.id);
    const index = module.number === null ? -1 : structure.moduleNumbers.indexOf(module.number);
    if (index < 0) continue;
    const selfStudy = (selfStudyByModule[index] ??= new Set());
    for (const item of required) {
      if (item.class !== 'self-study') continue;
      selfStudy.add(item.id);
      itemInfo.set(item.id, { title: item.title, type: item.type });
    }
  }
  return { hash: structure.hash, moduleNumbers: structure.moduleNumbers, requiredItemIds, requiredByCanvasModule, selfStudyByModule, itemInfo };
}

/**
 * Every module's required self-study items in course order (Sets keep insertion order), as one
 * flat list: FerretDB cannot store an array of arrays.
 */
export function moduleItems(plan: CoursePlan): ModuleItem[] {
  return plan.selfStudyByModule.flatMap((items, i) => [...(items ?? [])].map((id) => ({ id, module: plan.moduleNumbers[i], ...(plan.itemInfo.get(id) ?? { title: 'Item', type: '' }) })));
}

/**
 * Per module (in `moduleNumbers` order), the first `limit` items a student has still to do:
 * required self-study they can see and have not completed, in course order.
 */
export function itemsToDo(moduleNumbers: readonly number[], items: readonly ModuleItem[], completions: ReadonlyMap<string, number>, hiddenItemIds: readonly string[], limit: number): string[][] {
  const hidden = new Set(hiddenItemIds);
  const toDo = moduleNumbers.map((): string[] => []);
  for (const item of items) {
    const list = toDo[moduleNumbers.indexOf(item.module)];
    if (list && list.length < limit && !hidden.has(item.id) && !completions.has(item.id)) list.push(item.id);
  }
  return toDo;
}

/** Per module, the UK days on which a participant's completed items were first seen, with how many: `[YYYY-MM-DD, count]`, oldest first. */
export type CompletionDays = [string, number][][];

/**
 * When each module's required self-study items (those visible to the participant) were first
 * seen completed, as dated evidence: per module, the days in order with how many items each.
 * Days, not times, because evidence is dated by day, and it keeps a year of syncs small.
 */
export function completionDays(moduleNumbers: readonly number[], items: readonly ModuleItem[], completions: ReadonlyMap<string, number>, hiddenItemIds: readonly string[], dayOf: (ms: number) => string): CompletionDays {
  const counts = moduleNumbers.map(() => new Map<string, number>());
  for (const item of items) {
    const seen = completions.get(item.id);
    if (seen === undefined) continue;
    const days = counts[moduleNumbers.indexOf(item.module)];
    if (!days || hiddenItemIds.includes(item.id)) continue;
    const day = dayOf(seen);
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  // YYYY-MM-DD sorts by date as plain text.
  return counts.map((days) => [...days].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Required self-study items per module, course-wide: what a student who sees every item must do. */
export function moduleTotals(plan: CoursePlan): (number | null)[] {
  return plan.selfStudyByModule.map((items) => (items ? items.size : null));
}

/**
 * The course's required items that Canvas hides from one student (differentiated items),
 * given the required items Canvas lists for them; none when Canvas listed no exception.
 */
export function hiddenFrom(plan: CoursePlan, visibleRequiredItemIds: readonly string[] | null): string[] {
  if (visibleRequiredItemIds === null) return [];
  const visible = new Set(visibleRequiredItemIds);
  return [...plan.requiredItemIds].filter((id) => !visible.has(id));
}

/** One student's required and completed self-study per module: items hidden from them do not count against them. */
export function studentModuleCounts(plan: CoursePlan, completions: ReadonlyMap<string, number>, hiddenItemIds: readonly string[]): { required: (number | null)[]; done: number[] } {
  const hidden = new Set(hiddenItemIds);
  const required: (number | null)[] = [];
  const done: number[] = [];
  for (const items of plan.selfStudyByModule) {
    if (!items) {
      required.push(null);
      done.push(0);
      continue;
    }
    let visible = 0;
    let completed = 0;
    for (const id of items) {
      if (hidden.has(id)) continue;
      visible += 1;
      if (completions.has(id)) completed += 1;
    }
    required.push(visible);
    done.push(completed);
  }
  return { required, done };
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
