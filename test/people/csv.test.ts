import { readCsv } from '../../src/people/csv';
import { ValidationError } from '../../src/errors';

const COLUMNS = ['id', 'note'] as const;
const lines = (rows: ReturnType<typeof readCsv>) => rows.map((row) => [row.line, row.values.id]);

describe('readCsv', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('numbers rows by the physical line they start on, with %s line ends inside and between quoted values', (_name, eol) => {
    const text = ['id,note', '1,"two', 'lines"', '', '2,plain', ',', '3,"three', '', 'lines"', '4,last'].join(eol);
    expect(lines(readCsv(text, COLUMNS))).toEqual([
      [2, '1'],
      [5, '2'],
      [7, '3'],
      [10, '4'],
    ]);
  });

  it('drops a BOM, trims values and header names, and accepts the columns in any order and case', () => {
    const rows = readCsv('\uFEFF Note ,ID\r\n  hello  ," 7 "\r\n', COLUMNS);
    expect(rows).toEqual([{ line: 2, values: { note: 'hello', id: '7' }, shapeProblem: undefined }]);
  });

  it('marks a row with the wrong number of values instead of guessing its columns', () => {
    expect(readCsv('id,note\n1,a,extra\n', COLUMNS)[0].shapeProblem).toBe('has 3 values; the header has 2');
  });

  it.each([
    ['', 'the file is empty; it needs the header line id,note'],
    ['\uFEFF\r\n  \r\n', 'the file is empty; it needs the header line id,note'],
    ['id,id\n1,2\n', 'line 1: the header must name the columns id,note (missing note; repeated id)'],
    ['id,note\n1,"open\n2,x\n', 'line 2: a quoted value is never closed'],
    ['id,note\r\n1,a\r\n\r\n2,"open\r\n2,x\r\n3,y', 'line 4: a quoted value is never closed'],
    ['id,note\n1,a\n2,"b"c\n', 'line 3: a quoted value has text after its closing quote'],
  ])('refuses %j', (text, message) => {
    expect(() => readCsv(text, COLUMNS)).toThrow(new ValidationError(message));
  });
});
