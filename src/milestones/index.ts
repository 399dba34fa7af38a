/**
 * DfE milestones: each participant's declarations under their schedule, the evidence behind
 * them read from the tool's own data, and the provider's imported declaration list.
 */
export { Declarations, DECLARATION_COLUMNS, DECLARATION_OPTIONAL_COLUMNS, WITHDRAWN_STATES, declarationKey, type DeclarationImportReport, type DeclaredRecord } from './declarations';
export { dayInWords, engagementOn, evidenceFor, type Engagement, type EventMark, type EvidenceInput, type HeldEvidence, type MilestoneEvidence } from './evidence';
export {
  EVIDENCE_LABELS,
  READINESS_STATES,
  READINESS_STATE_LABELS,
  Readiness,
  marksByParticipant,
  milestoneOf,
  type MilestoneChoice,
  type MilestoneStatus,
  type ParticipantReadiness,
  type ReadinessDeps,
  type ReadinessState,
} from './readiness';
export { MILESTONE_PAGE_SIZE, MILESTONE_SORTS, MilestoneViews, milestoneView, type MilestoneEntry, type MilestoneQuery, type MilestoneSort, type MilestoneView } from './view';
export { DECLARATION_EXPORT_COLUMNS, DECLARATION_EXPORT_FORMATS, DFE_DECLARATION_FIELDS, declarationRows, ukMidnight, writeDeclarations, writeDeclarationsCsv, writeDeclarationsJson, type DeclarationExportFormat, type DeclarationExportRow } from './export';
