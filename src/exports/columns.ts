import { allModuleNumbers } from '../curriculum';

export type ExportFormat = 'csv' | 'xlsx' | 'pdf';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'pdf'];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** A module's online completion column: `module_3`. */
export const moduleColumn = (number: number) => `module_${number}`;

/**
 * The export's columns, in order (README "Exports" says what each holds). The module columns
 * come from the curriculum, so they are the ones both programmes share (module_1 … module_9).
 */
export const EXPORT_COLUMNS: readonly string[] = Object.freeze([
  'school_urn',
  'school_name',
  'participant_name',
  'email',
  'canvas_user_id',
  'role',
  'cohort',
  'group',
  'mentor_name',
  'status',
  ...allModuleNumbers().map(moduleColumn),
  'overall_online_pct',
  'events_attended',
  'events_total',
  'attendance_pct',
  'audits_submitted',
  'meetings_recorded',
  'last_canvas_activity',
  'rag',
  'data_as_of',
]);

/** What a cell holds: text, a number, or nothing (an empty cell). */
export type ExportCell = string | number | null;
