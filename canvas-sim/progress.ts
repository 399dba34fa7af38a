import { canvasTime, requiredItems, type SimCourse, type SimItem, type SimModule } from './cohort';

export type ModuleState = 'locked' | 'unlocked' | 'started' | 'completed';

export interface ModuleProgress {
  state: ModuleState;
  completedAt: string | null;
  incomplete: SimItem[];
}

export interface CourseProgress {
  requirementCount: number;
  completedCount: number;
  completedAt: string | null;
  /** First unmet requirement of the current module, only when that module is sequential. */
  nextRequirementItem: SimItem | null;
  modules: { module: SimModule; progress: ModuleProgress }[];
}

/** Ground truth for one student, as tests compare it with what the client fetched. */
export interface StudentTruth {
  userId: string;
  requirementCount: number;
  completedCount: number;
  completedItemIds: string[];
  incompleteItemIds: string[];
}

const NO_COMPLETIONS: ReadonlyMap<string, number> = new Map();
const NOTHING_HIDDEN: ReadonlySet<string> = new Set();

/** The items a student cannot see: Canvas neither shows nor requires them. */
export function hiddenFrom(course: SimCourse, userId: string): ReadonlySet<string> {
  const hidden = course.hiddenItems?.[userId];
  return hidden ? new Set(hidden) : NOTHING_HIDDEN;
}
const requiredByModule = new WeakMap<SimModule, SimItem[]>();

/** A module's items never change after generation, so its required list is computed once. */
function requiredOf(module: SimModule): SimItem[] {
  let required = requiredByModule.get(module);
  if (!required) {
    required = module.items.filter((item) => item.requirement !== null);
    requiredByModule.set(module, required);
  }
  return required;
}

/** Canvas's module states for a student: no prerequisites here, so nothing is `locked`. */
export function moduleProgress(module: SimModule, completions: ReadonlyMap<string, number>, hidden: ReadonlySet<string> = NOTHING_HIDDEN): ModuleProgress {
  const incomplete: SimItem[] = [];
  let latest = -1;
  for (const item of requiredOf(module)) {
    if (hidden.has(item.id)) continue;
    const at = completions.get(item.id);
    if (at === undefined) incomplete.push(item);
    else latest = Math.max(latest, at);
  }
  if (incomplete.length === 0) {
    return { state: 'completed', completedAt: latest < 0 ? null : canvasTime(latest), incomplete };
  }
  return { state: latest >= 0 ? 'started' : 'unlocked', completedAt: null, incomplete };
}

export function courseProgress(course: SimCourse, userId: string): CourseProgress {
  const completions = course.completions.get(userId) ?? NO_COMPLETIONS;
  const hidden = hiddenFrom(course, userId);
  const modules = course.modules.map((module) => ({ module, progress: moduleProgress(module, completions, hidden) }));
  const requirementCount = modules.reduce((n, m) => n + requiredOf(m.module).filter((item) => !hidden.has(item.id)).length, 0);
  const completedCount = requirementCount - modules.reduce((n, m) => n + m.progress.incomplete.length, 0);
  const current = modules.find((m) => m.progress.state !== 'completed');
  const nextRequirementItem =
    current && current.module.requireSequentialProgress ? (current.progress.incomplete[0] ?? null) : null;
  const completedAt =
    requirementCount > 0 && completedCount === requirementCount
      ? canvasTime(Math.max(...completions.values()))
      : null;
  return { requirementCount, completedCount, completedAt, nextRequirementItem, modules };
}

export function studentTruth(course: SimCourse, userId: string): StudentTruth {
  const completions = course.completions.get(userId) ?? NO_COMPLETIONS;
  const hidden = hiddenFrom(course, userId);
  const required = requiredItems(course).filter((item) => !hidden.has(item.id));
  const completedItemIds = required.filter((item) => completions.has(item.id)).map((item) => item.id);
  return {
    userId,
    requirementCount: required.length,
    completedCount: completedItemIds.length,
    completedItemIds,
    incompleteItemIds: required.filter((item) => !completions.has(item.id)).map((item) => item.id),
  };
}
