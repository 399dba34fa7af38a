/**
 * Canvas simulator for tests, benches and demos. Never imported by production code.
 */
export {
  ECF_MODULE_TITLES,
  generateCohort,
  requiredItems,
  type Cohort,
  type CohortOptions,
  type CompletionRequirement,
  type ItemKind,
  type ItemType,
  type RequirementType,
  type SimCourse,
  type SimEnrollment,
  type SimItem,
  type SimModule,
  type SimSection,
  type SimUser,
} from './cohort';
export { SimulatorUsageError } from './errors';
export type { ExpectedCourseProgress, ExpectedModuleProgress, ExpectedStudentProgress } from './expected';
export type { StudentTruth } from './progress';
export {
  startCanvasSimulator,
  type CanvasSimulator,
  type CourseFault,
  type FaultOptions,
  type SimulatorOptions,
  type SimulatorStats,
} from './server';
