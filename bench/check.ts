/**
 * Correctness after a run: the stored per-student module counts against the simulator's
 * ground truth (the logic of `expectStoreMatchesTruth` in test/sync/helpers.ts, without jest).
 */
import { courseKeyId } from '../src/domain';
import { benchStores } from './stores';
import type { ExpectedCourse } from './sim-protocol';

export interface CheckResult {
  /** Students compared (all of them, every course). */
  checked: number;
  /** Students missing from the store, extra in it, or with different counts, plus courses whose module totals differ. */
  mismatches: number;
  examples: string[];
  /** Reading every student back from the store. */
  readMs: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function checkStore(platform: { issuer: string; clientId: string }, expected: ExpectedCourse[]): Promise<CheckResult> {
  const started = performance.now();
  const result: CheckResult = { checked: 0, mismatches: 0, examples: [], readMs: 0 };
  const note = (line: string) => {
    result.mismatches += 1;
    if (result.examples.length < 5) result.examples.push(line);
  };
  for (const course of expected) {
    const state = await benchStores().sync.readState(courseKeyId(platform, course.courseId));
    if (!state) {
      note(`course ${course.courseId}: no sync state`);
      result.mismatches += course.students.length - 1;
      result.checked += course.students.length;
      continue;
    }
    if (!same(state.moduleTotals, course.totals)) note(`course ${course.courseId}: module totals ${JSON.stringify(state.moduleTotals)}, expected ${JSON.stringify(course.totals)}`);
    const stored = await benchStores().sync.readStudents(state);
    for (const [userId, done] of course.students) {
      result.checked += 1;
      const record = stored.get(userId);
      if (!record) note(`course ${course.courseId}, student ${userId}: missing from the store`);
      else if (!same(record.moduleDone, done)) note(`course ${course.courseId}, student ${userId}: stored ${JSON.stringify(record.moduleDone)}, expected ${JSON.stringify(done)}`);
      stored.delete(userId);
    }
    for (const userId of stored.keys()) note(`course ${course.courseId}, student ${userId}: in the store but not an active student`);
  }
  result.readMs = performance.now() - started;
  return result;
}
