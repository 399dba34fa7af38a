export { loadSchools, importSchools, SCHOOL_COLUMNS, type School } from './schools';
export {
  buildRosterIndex,
  loadRoster,
  ROLES,
  STATUSES,
  type ParticipantStatus,
  type Role,
  type RosterEntry,
  type RosterIds,
  type RosterIndex,
} from './roster';
export { importRoster, ROSTER_COLUMNS, type RosterImportReport } from './roster-import';
export type { BadRow, ImportCounts, ImportOptions, ImportReport } from './import';
