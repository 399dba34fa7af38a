import type { SimCourse, SimItem } from './cohort';
import { hiddenFrom } from './progress';

/** One programme module as one student's Canvas progress shows it. */
export interface ExpectedModuleProgress {
  /** Required self-study items of the module that the student can see. */
  required: number;
  /** Of those, the ones the student has completed. */
  completed: number;
  /** Whole percentage, rounded down; null when the module requires no self-study of the student. */
  percentage: number | null;
}

export interface ExpectedStudentProgress {
  /** Index 0 is programme module 1; null where the course has no Canvas module for that programme module. */
  modules: (ExpectedModuleProgress | null)[];
  /** Completed ÷ required summed over the student's modules, rounded down; null when nothing is required. */
  overall: number | null;
}

export interface ExpectedCourseProgress {
  /**
   * Required self-study items per programme module over the whole course, items hidden from
   * some students included: one denominator for everyone. Index 0 is programme module 1;
   * null where the course has no Canvas module for that programme module.
   */
  courseRequired: (number | null)[];
  /** Per active student, their own figures, with items hidden from them left out. */
  students: Map<string, ExpectedStudentProgress>;
}

const NO_COMPLETIONS: ReadonlyMap<string, number> = new Map();

function percentage(completed: number, required: number): number | null {
  return required === 0 ? null : Math.floor((completed * 100) / required);
}

/**
 * The progress the course should show, worked out from what the generator recorded (each
 * module's programme number, each item's kind) and never from titles, so it does not share a
 * rule with the product it checks. Every module and item the simulator serves is published,
 * so none is left out as unpublished.
 */
export function expectedCourseProgress(course: SimCourse): ExpectedCourseProgress {
  const selfStudyByModule: (SimItem[] | null)[] = Array.from({ length: course.programmeModuleCount }, () => null);
  for (const module of course.modules) {
    if (module.programmeModule === null) continue;
    const selfStudy = (selfStudyByModule[module.programmeModule - 1] ??= []);
    selfStudy.push(...module.items.filter((item) => item.kind === 'self-study' && item.requirement !== null));
  }

  const students = new Map<string, ExpectedStudentProgress>();
  for (const enrollment of course.enrollments) {
    if (enrollment.type !== 'StudentEnrollment' || enrollment.state !== 'active') continue;
    const completions = course.completions.get(enrollment.userId) ?? NO_COMPLETIONS;
    const hidden = hiddenFrom(course, enrollment.userId);
    const modules = selfStudyByModule.map((items): ExpectedModuleProgress | null => {
      if (items === null) return null;
      const visible = items.filter((item) => !hidden.has(item.id));
      const completed = visible.filter((item) => completions.has(item.id)).length;
      return { required: visible.length, completed, percentage: percentage(completed, visible.length) };
    });
    const present = modules.filter((module): module is ExpectedModuleProgress => module !== null);
    const required = present.reduce((sum, module) => sum + module.required, 0);
    const completed = present.reduce((sum, module) => sum + module.completed, 0);
    students.set(enrollment.userId, { modules, overall: percentage(completed, required) });
  }
  return { courseRequired: selfStudyByModule.map((items) => (items === null ? null : items.length)), students };
}
