export {
  CURRICULUM_FILE,
  allModuleNumbers,
  loadCurriculum,
  moduleNumbers,
  moduleOf,
  modulesOf,
  type Curriculum,
  type CurriculumModule,
} from './model';
