import { stringify } from 'csv-stringify/sync';

/** What a cell of an export may hold: numbers stay numbers, null is an empty cell. */
export type CsvCell = string | number | null;

/**
 * A spreadsheet runs a cell that begins with one of these as a formula: OWASP's "CSV Injection"
 * list (https://owasp.org/www-community/attacks/CSV_Injection): =, +, -, @, tab (0x09),
 * carriage return (0x0D) and line feed (0x0A).
 */
const FORMULA_START = /^[=+\-@\t\r\n]/;

/**
 * Makes a cell read as text: a leading single quote, which Excel and LibreOffice show as a
 * text marker rather than run. Names and section names come from schools and Canvas, so
 * anything may be in them; numbers are never passed here, so -5 stays a number.
 */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * Quoting the neutralised cell follows OWASP's advice in full; csv-stringify already quotes
 * cells holding a separator or a quote, so no cell can start a new one mid-value.
 */
function castString(cell: string) {
  const safe = neutraliseFormula(cell);
  return safe === cell ? cell : { value: safe, quoted: true };
}

/** Every CSV the tool writes goes through here, so none can carry a formula into a spreadsheet. */
export function writeCsv<Column extends string>(rows: readonly Readonly<Record<Column, CsvCell>>[], columns: readonly Column[]): string {
  return stringify([...rows], { header: true, columns: [...columns], cast: { string: castString } });
}
