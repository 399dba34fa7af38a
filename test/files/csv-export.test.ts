import { parse } from 'csv-parse/sync';
import { neutraliseFormula, writeCsv } from '../../src/files';

describe('neutraliseFormula', () => {
  it.each([
    ['=', '=HYPERLINK("http://evil.example","x")'],
    ['+', '+44 20 7946 0000'],
    ['-', '-2+3+cmd|\' /C calc\'!A0'],
    ['@', '@SUM(1+1)*cmd|\' /C calc\'!A0'],
    ['a tab', '\t=1+1'],
    ['a carriage return', '\r=1+1'],
    ['a line feed', '\n=1+1'],
  ])('puts a single quote before a cell starting with %s', (_start, cell) => {
    expect(neutraliseFormula(cell)).toBe(`'${cell}`);
  });

  it.each([
    'Zoë Brontë',
    'ect',
    'Group A',
    'mentor.one@example.org',
    "'already quoted",
    'a-b+c=d@e',
    '2025-09-01T10:00:00.000Z',
    '',
  ])('leaves %j as it is', (cell) => {
    expect(neutraliseFormula(cell)).toBe(cell);
  });
});

describe('writeCsv', () => {
  const COLUMNS = ['name', 'group', 'score'] as const;

  it('quotes a neutralised cell, leaves numbers and other cells alone, and reads back intact', () => {
    const text = writeCsv(
      [
        { name: '=HYPERLINK("http://evil.example","x")', group: '@SUM(1,2)', score: -5 },
        { name: 'Zoë Brontë', group: 'Group A', score: 42 },
        { name: '-1', group: null, score: 0 },
      ],
      COLUMNS,
    );
    expect(text.split('\n')).toEqual([
      'name,group,score',
      `"'=HYPERLINK(""http://evil.example"",""x"")","'@SUM(1,2)",-5`,
      'Zoë Brontë,Group A,42',
      `"'-1",,0`,
      '',
    ]);
    expect(parse(text, { columns: true })).toEqual([
      { name: `'=HYPERLINK("http://evil.example","x")`, group: "'@SUM(1,2)", score: '-5' },
      { name: 'Zoë Brontë', group: 'Group A', score: '42' },
      { name: "'-1", group: '', score: '0' },
    ]);
  });
});
