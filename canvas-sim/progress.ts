import { requiredItems, type SimCourse, type SimItem, type SimModule } from './cohort';

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

const NO_COMPLETIONS: ReadonlyMap<string, string> = new Map();

function latest(times: readonly string[]): string | null {
  return times.length === 0 ? null : times.reduce((a, b) => (a > b ? a : b));
}

/** Canvas's module states for a student: no prerequisites here, so nothing is `locked`. */
export function moduleProgress(module: SimModule, completions: ReadonlyMap<string, string>): ModuleProgress {
  const required = module.items.filter((item) => item.requirement !== null);
  const metTimes = required.flatMap((item) => {
    const at = completions.get(item.id);
    return at === undefined ? [] : [at];
  });
  const incomplete = required.filter((item) => !completions.has(item.id));
  if (incomplete.length === 0) return { state: 'completed', completedAt: latest(metTimes), incomplete };
  return { state: metTimes.length > 0 ? 'started' : 'unlocked', completedAt: null, incomplete };
}

export function courseProgress(course: SimCourse, userId: string): CourseProgress {
  const completions = course.completions.get(userId) ?? NO_COMPLETIONS;
  const modules = course.modules.map((module) => ({ module, progress: moduleProgress(module, completions) }));
  const requirementCount = modules.reduce((n, m) => n + m.module.items.filter((i) => i.requirement).length, 0);
  const completedCount = requirementCount - modules.reduce((n, m) => n + m.progress.incomplete.length, 0);
  const current = modules.find((m) => m.progress.state !== 'completed');
  const nextRequirementItem =
    current && current.module.requireSequentialProgress ? (current.progress.incomplete[0] ?? null) : null;
  const completedAt =
    requirementCount > 0 && completedCount === requirementCount ? latest([...completions.values()]) : null;
  return { requirementCount, completedCount, completedAt, nextRequirementItem, modules };
}

export function studentTruth(course: SimCourse, userId: string): StudentTruth {
  const completions = course.completions.get(userId) ?? NO_COMPLETIONS;
  const required = requiredItems(course);
  const completedItemIds = required.filter((item) => completions.has(item.id)).map((item) => item.id);
  return {
    userId,
    requirementCount: required.length,
    completedCount: completedItemIds.length,
    completedItemIds,
    incompleteItemIds: required.filter((item) => !completions.has(item.id)).map((item) => item.id),
  };
}
