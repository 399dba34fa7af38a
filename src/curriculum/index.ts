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
export { SCHEDULE_FILE, loadSchedule, moduleWindows, scheduledModule, ukDate, ukDateOf, type ModuleWindow } from './schedule';
export { RISK_RULES_FILE, loadRiskRules, type RiskRules } from './risk-rules';
export {
  DECLARATION_TYPES,
  DFE_COURSE_IDENTIFIER,
  EVIDENCE_TYPES,
  MILESTONES_FILE,
  cohortMilestones,
  engagementRule,
  evidenceRequired,
  isKnownSchedule,
  loadMilestones,
  milestoneWindows,
  scheduleName,
  type DeclarationType,
  type EngagementRule,
  type EvidenceType,
  type MilestoneWindow,
  type MilestonesConfig,
} from './milestones';
