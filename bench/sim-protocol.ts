/** Messages between the bench (bench/sim-process.ts) and the simulator process (bench/sim-worker.ts). */

export interface CohortSpec {
  seed: number;
  courses: number;
  studentsPerCourse: number;
  /** Students of each course when they differ (see canvas-sim CohortOptions). */
  courseSizes?: number[];
  modules: number;
  itemsPerModule: number;
}

export interface SimStarted {
  url: string;
  token: string;
  courses: { id: string; students: number }[];
}

/** Per student of one course: required self-study items done per programme module 1–9. */
export interface ExpectedCourse {
  courseId: string;
  totals: (number | null)[];
  students: [userId: string, moduleDone: number[]][];
}

/** An active student of one course, as a roster file would know them. */
export interface SimStudent {
  userId: string;
  name: string;
  email: string;
  sisUserId: string;
  section: string;
}

/**
 * The simulator's own figures for one student (canvas-sim/expected.ts): the percentage per
 * programme module 1–9 (null when the module requires nothing of them) and overall.
 */
export interface TruthFigures {
  modules: (number | null)[];
  overall: number | null;
}

export interface CourseTruth {
  courseId: string;
  students: [userId: string, figures: TruthFigures][];
}

type Command =
  | { cmd: 'start'; spec: CohortSpec }
  | { cmd: 'stats' }
  | { cmd: 'resetStats' }
  | { cmd: 'changeStudents'; courseId: string; fraction: number; seed: number | string }
  | { cmd: 'expected' }
  | { cmd: 'truth' }
  | { cmd: 'students' }
  | { cmd: 'memory' }
  | { cmd: 'stop' };

export type SimRequest = Command & { id: number };

export type SimResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
