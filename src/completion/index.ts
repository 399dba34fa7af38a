/**
 * Completion: which Canvas items count (classification and overrides, matching Canvas modules
 * to programme modules), each student's required and completed items per module, and the
 * percentages and states every page and export shows.
 */
export {
  CLASSIFICATION_FILE,
  ITEM_CLASSES,
  NO_OVERRIDES,
  classifyItem,
  compileClassifier,
  countsTowardsCompletion,
  loadClassificationRules,
  parseClassificationOverrides,
  type ClassifiableItem,
  type ClassificationOverrides,
  type ClassificationRules,
  type ItemClass,
} from './classify';
export {
  buildCourseStructure,
  moduleNumberFromTitle,
  parseModuleMap,
  unknownMappedModules,
  type CanvasModuleInput,
  type CourseStructure,
  type ModuleMap,
  type StructureItem,
  type StructureLink,
  type StructureModule,
} from './structure';
export { completedFromIncomplete, completionDays, hiddenFrom, itemsToDo, moduleItems, moduleTotals, planFor, progressionMatchesPlan, studentModuleCounts, type CompletionDays, type CoursePlan, type ModuleItem } from './plan';
export { modulePercentage, moduleState, overallPercentage, participantFigures, type ModuleFigure, type ModuleState, type ParticipantFigures } from './figures';
