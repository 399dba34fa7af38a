export { loadCurriculum, moduleOf, CURRICULUM_FILE, type Curriculum, type CurriculumModule, type ProgrammeKey } from './curriculum';
export {
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
  PROGRAMME_MODULE_NUMBERS,
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
} from './modules';
export {
  cohortsWithLinks,
  courseLinkId,
  findProgrammeOfCourse,
  getCourseLink,
  listCourseLinks,
  normaliseCohortName,
  type CourseLink,
} from './links';
export { LinkRefusedError, linkCourse, unlinkCourse, type LinkRequest, type LinkResult } from './link-service';
