import { EXPORT_COLUMNS, type ExportCell } from './columns';
import { whenWritable } from './streams';

/** Widths in characters, wide enough for the usual value; module columns are narrow. */
const WIDTHS: Record<string, number> = {
  school_urn: 11,
  school_name: 30,
  participant_name: 28,
  email: 34,
  canvas_user_id: 16,
  role: 8,
  cohort: 18,
  group: 16,
  mentor_name: 26,
  status: 11,
  overall_online_pct: 19,
  events_attended: 16,
  events_total: 13,
  attendance_pct: 15,
  audits_submitted: 17,
  meetings_recorded: 18,
  last_canvas_activity: 26,
  rag: 7,
  data_as_of: 26,
};
export const columnWidth = (column: string) => WIDTHS[column] ?? 10;

/** The sheets, one per role, in this order; fixed names, well within Excel's 31 characters. */
export const XLSX_SHEETS = [
  { role: 'ect', name: 'ECTs' },
  { role: 'mentor', name: 'Mentors' },
] as const;

/** Rows committed between checks that `out` can take more. */
const ROWS_PER_CHECK = 200;

/**
 * One sheet per role, each with a bold, frozen header row, set column widths and an
 * autofilter; numbers as numeric cells, blanks as empty cells. exceljs's streaming writer
 * writes a sheet's rows as they are committed, so `rowsOf(role)` is read once per sheet and
 * never kept; `out` is ended when the workbook is.
 */
export async function writeXlsxExport(rowsOf: (role: 'ect' | 'mentor') => Iterable<ExportCell[]>, out: NodeJS.WritableStream): Promise<void> {
  // Loaded when first used: exceljs is large, and loading it adds a process exit listener (its
  // temp-file cleanup), which every command would pay for otherwise.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out as unknown as import('stream').Stream, useStyles: true, useSharedStrings: false });
  workbook.creator = 'ECF Progress';
  for (const { role, name } of XLSX_SHEETS) {
    const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
    sheet.columns = EXPORT_COLUMNS.map((column) => ({ header: column, key: column, width: columnWidth(column) }));
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: EXPORT_COLUMNS.length } };
    const header = sheet.getRow(1);
    header.font = { bold: true };
    header.commit();
    let written = 0;
    for (const cells of rowsOf(role)) {
      // null leaves the cell empty; exceljs writes numbers as numbers and strings as text, never as formulas.
      sheet.addRow(cells.map((cell) => (cell === null ? undefined : cell))).commit();
      written += 1;
      if (written % ROWS_PER_CHECK === 0) await whenWritable(out);
    }
    sheet.commit();
  }
  await workbook.commit();
}
