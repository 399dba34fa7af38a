import type { CanvasSimulator } from '../../canvas-sim';

/**
 * The simulator's ground truth in the store's terms: course-wide required self-study items per
 * programme module (`moduleTotals`), per student how many of them are done (`moduleDone`), and
 * per student the required items visible to them (`moduleRequired`), with their percentages.
 * The simulator works it out from what it generated, with nothing from `src/`, so a bug in the
 * product's classification or module numbering makes the stored numbers disagree with it.
 */
export function expectedProgress(sim: Pick<CanvasSimulator, 'expectedProgress'>, courseId: string) {
  const { courseRequired, students } = sim.expectedProgress(courseId);
  return {
    totals: courseRequired,
    students: new Map([...students].map(([userId, student]) => [userId, student.modules.map((module) => module?.completed ?? 0)])),
    required: new Map([...students].map(([userId, student]) => [userId, student.modules.map((module) => module?.required ?? null)])),
    figures: new Map([...students].map(([userId, student]) => [userId, { modules: student.modules.map((module) => module?.percentage ?? null), overall: student.overall }])),
  };
}
