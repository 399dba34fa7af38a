/**
 * The programme's definitions, used by every page and export; nothing else makes a percentage:
 * - a module's online completion = completed required self-study items / required self-study
 *   items visible to the participant, as a whole percentage rounded down; no percentage when
 *   the module has none;
 * - overall online completion = the same ratio summed over all the participant's modules (not
 *   the mean of module percentages), rounded down the same way.
 */
export function modulePercentage(done: number, total: number | null): number | null {
  if (!total) return null;
  return Math.floor((Math.min(done, total) * 100) / total);
}

export function overallPercentage(done: readonly number[], totals: readonly (number | null)[]): number | null {
  let doneSum = 0;
  let totalSum = 0;
  totals.forEach((total, i) => {
    if (!total) return;
    totalSum += total;
    doneSum += Math.min(done[i] ?? 0, total);
  });
  return totalSum === 0 ? null : Math.floor((doneSum * 100) / totalSum);
}

export type ModuleState = 'no-online-items' | 'not-started' | 'in-progress' | 'completed';

export function moduleState(done: number, total: number | null): ModuleState {
  if (!total) return 'no-online-items';
  if (done >= total) return 'completed';
  return done === 0 ? 'not-started' : 'in-progress';
}

export interface ModuleFigure {
  number: number;
  /** Required self-study items visible to the participant; null when no Canvas module matched. */
  required: number | null;
  completed: number;
  percent: number | null;
  state: ModuleState;
}

export interface ParticipantFigures {
  modules: ModuleFigure[];
  overall: number | null;
}

/**
 * A participant's figures from the per-module counts the sync stored (in the programme's
 * module order): what every page and export shows.
 */
export function participantFigures(moduleNumbers: readonly number[], required: readonly (number | null)[], done: readonly number[]): ParticipantFigures {
  const modules = moduleNumbers.map((number, i): ModuleFigure => {
    const total = required[i] ?? null;
    const completed = done[i] ?? 0;
    return { number, required: total, completed, percent: modulePercentage(completed, total), state: moduleState(completed, total) };
  });
  return { modules, overall: overallPercentage(done, required) };
}
