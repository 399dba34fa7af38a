/**
 * The programme's definitions, used everywhere:
 * - a module's online completion = completed required self-study items / required self-study
 *   items, as a whole percentage rounded down; no percentage when the module has none;
 * - overall online completion = the same ratio summed over all the participant's linked
 *   modules (not the mean of module percentages), rounded down the same way.
 */
export function modulePercentage(done: number, total: number | null): number | null {
  if (!total) return null;
  return Math.floor((done * 100) / total);
}

export function overallPercentage(done: readonly number[], totals: readonly (number | null)[]): number | null {
  let doneSum = 0;
  let totalSum = 0;
  totals.forEach((total, i) => {
    if (!total) return;
    totalSum += total;
    doneSum += done[i] ?? 0;
  });
  return totalSum === 0 ? null : Math.floor((doneSum * 100) / totalSum);
}
