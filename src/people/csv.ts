import { CsvError, parse, type Info } from 'csv-parse/sync';
import { ValidationError } from '../errors';

/** One data row: the physical line it starts on (the header is line 1) and its trimmed values by column. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
  /** Set when the row has more or fewer values than the header, so its columns cannot be trusted. */
  shapeProblem?: string;
}

/** Text is LF-only by the time it is counted (see parseRecords). */
const countLineBreaks = (text: string) => text.split('\n').length - 1;

const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted value is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted value has text after its closing quote',
};

/** csv-parse reports the line it stopped on; the row it could not read began as many lines earlier as its raw text spans. */
function unreadable(error: CsvError): ValidationError {
  const line = error.lines - countLineBreaks(String(error.raw ?? '').trim());
  return new ValidationError(`line ${line}: ${CSV_PROBLEMS[error.code] ?? `this row is not readable as CSV (${error.code})`}`);
}

function parseRecords(text: string): { record: string[]; info: Info }[] {
  try {
    // csv-parse 5.6 counts a CRLF inside a quoted value as two lines; with LF only its count is exact.
    return parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      raw: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Spreadsheets save trailing rows of bare commas; they are blank lines, not bad rows.
      skip_records_with_empty_values: true,
    });
  } catch (error) {
    throw error instanceof CsvError ? unreadable(error) : error;
  }
}

function checkHeader(header: string[], columns: readonly string[], optional: readonly string[]): string[] {
  const names = header.map((name) => name.trim().toLowerCase());
  const missing = columns.filter((column) => !names.includes(column));
  const unknown = names.filter((name) => !columns.includes(name) && !optional.includes(name));
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  const problems = [
    missing.length ? `missing ${missing.join(', ')}` : '',
    unknown.length ? `unknown ${unknown.map((name) => `"${name}"`).join(', ')}` : '',
    repeated.length ? `repeated ${repeated.join(', ')}` : '',
  ].filter(Boolean);
  const mayAdd = optional.length ? `; it may also name ${optional.join(',')}` : '';
  if (problems.length) throw new ValidationError(`line 1: the header must name the columns ${columns.join(',')} (${problems.join('; ')})${mayAdd}`);
  return names;
}

function toRow(record: string[], info: Info, names: string[]): CsvRow {
  // info.lines is the line a record ends on; quoted line breaks say how many lines earlier it began.
  const line = info.lines - countLineBreaks(record.join(','));
  const values = Object.fromEntries(names.map((name, i) => [name, (record[i] ?? '').trim()]));
  const shapeProblem = record.length === names.length ? undefined : `has ${record.length} values; the header has ${names.length}`;
  return { line, values, shapeProblem };
}

/**
 * Reads an import file whose header must name exactly `columns` (and may name any of
 * `optional`), in any order and any case. A row's absent optional column is absent from its
 * values, so a parser can tell "not in this file" from "blank".
 * Throws a ValidationError naming the line when the file is empty, unreadable or has a wrong header.
 */
export function readCsv(text: string, columns: readonly string[], optional: readonly string[] = []): CsvRow[] {
  const [header, ...records] = parseRecords(text);
  if (!header) throw new ValidationError(`the file is empty; it needs the header line ${columns.join(',')}`);
  const names = checkHeader(header.record, columns, optional);
  return records.map(({ record, info }) => toRow(record, info, names));
}
