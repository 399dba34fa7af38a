import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { neutraliseFormula } from '../files/csv-export';
import { EXPORT_COLUMNS, type ExportCell } from './columns';

/** As writeCsv does: a neutralised cell is quoted too, so it reads as text everywhere. */
function castString(cell: string) {
  const safe = neutraliseFormula(cell);
  return safe === cell ? cell : { value: safe, quoted: true };
}

/**
 * UTF-8 with a byte-order mark (so Excel reads names right), a header row, every text cell
 * through `neutraliseFormula`, numbers as numbers. Rows are pulled one at a time as `out`
 * takes them (a pipeline respects backpressure), and `out` is ended.
 */
export async function writeCsvExport(rows: Iterable<ExportCell[]>, out: NodeJS.WritableStream): Promise<void> {
  const stringifier = stringify({ bom: true, header: true, columns: [...EXPORT_COLUMNS], cast: { string: castString } });
  await pipeline(Readable.from(rows, { objectMode: true, highWaterMark: 64 }), stringifier, out);
}
