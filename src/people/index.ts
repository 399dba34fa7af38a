export { Schools, SCHOOL_COLUMNS, SCHOOL_OPTIONAL_COLUMNS, trustOf, type School } from './schools';
export {
  buildRosterIndex,
  ROLES,
  STATUSES,
  type ParticipantStatus,
  type Role,
  type RosterEntry,
  type RosterIds,
  type RosterIndex,
} from './roster';
export { Roster, ROSTER_COLUMNS, ROSTER_OPTIONAL_COLUMNS, type RosterImportReport } from './roster-import';
export { RosterHistory, HISTORY_KINDS, type HistoryEntry, type HistoryKind } from './history';
export type { BadRow, ImportCounts, ImportOptions, ImportReport } from './import';
export { GroupFacilitators, GROUP_COLUMNS, type GroupFacilitation } from './groups';
export { ImportRuns, BAD_ROWS_KEPT, RUNS_KEPT_PER_KIND, type ImportRun, type ImportRunKind } from './import-runs';
export { RosterChanges, type EditedRosterEntry, type RosterEdit } from './roster-changes';
