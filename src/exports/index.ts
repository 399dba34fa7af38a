/**
 * Progress exports for schools, groups and cohorts (issue 17): the rows (`EXPORT_COLUMNS`, from
 * the cohort grid's rated entries) and the CSV, XLSX and PDF writers, each streamed.
 */
export { EXPORT_COLUMNS, EXPORT_CONTENT_TYPES, EXPORT_FORMATS, type ExportCell, type ExportFormat } from './columns';
export { ProgressExports, type ExportDeps, type ExportOptions, type ExportResult, type ExportScope, type PreparedExport } from './service';
export { XLSX_SHEETS } from './xlsx';
export { ukMomentInWords } from './pdf';
