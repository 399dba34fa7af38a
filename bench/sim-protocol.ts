/** Messages between the bench (bench/sim-process.ts) and the simulator process (bench/sim-worker.ts). */

export interface CohortSpec {
  seed: number;
  courses: number;
  studentsPerCourse: number;
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

type Command =
  | { cmd: 'start'; spec: CohortSpec }
  | { cmd: 'stats' }
  | { cmd: 'resetStats' }
  | { cmd: 'changeStudents'; courseId: string; fraction: number; seed: number | string }
  | { cmd: 'expected' }
  | { cmd: 'memory' }
  | { cmd: 'stop' };

export type SimRequest = Command & { id: number };

export type SimResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
