/**
 * What `npm run bench:reports` checks on the pages it times: counts and paging against the
 * roster it wrote, every row's module and overall figures against the simulator's own truth
 * (canvas-sim/expected.ts, through the simulator process), and the registers, audits and
 * meetings against what bench/reports-setup.ts wrote. Nothing here is computed by `src/`.
 */
import { gridRows, moduleFigures } from '../test/cohort/support';
import type { ActivityWritten, BenchPerson } from './reports-setup';
import type { TruthFigures } from './sim-protocol';

export interface CorrectnessResult {
  pagesChecked: number;
  rowsChecked: number;
  /** Module percentages and overall figures compared with the simulator, and how many differed. */
  figuresChecked: number;
  figureMismatches: number;
  /** Attendance, meetings and audit marks compared with what the bench wrote. */
  recordsChecked: number;
  recordMismatches: number;
  /** Counts, paging, filters, order and scope that differ from what the page should show. */
  pageProblems: number;
  examples: string[];
}

export interface RowExpectation {
  role?: 'ect' | 'mentor';
  rag?: 'red' | 'amber' | 'green';
  /** Every row in one of these groups. */
  groups?: readonly string[];
  /** Rows in this order (blanks last). */
  order?: 'name' | 'overall-desc';
}

export interface PageExpectation extends RowExpectation {
  inScope?: number;
  matched?: number;
  rows?: number;
  page?: { page: number; of: number };
  /** Exactly these keys, in this order. */
  keys?: readonly string[];
}

const ROLE_WORDS = { ect: 'ECT', mentor: 'Mentor' } as const;
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
const cell = (row: string, label: string) => new RegExp(`data-label="${label}">([\\s\\S]*?)</td>`).exec(row)?.[1] ?? null;
const percentOf = (value: string | null | undefined) => {
  const match = /^(\d+)%$/.exec(value ?? '');
  return match ? Number(match[1]) : null;
};

/** The figures of one grid row, read from its HTML as a person would read them. */
export function readRow(row: string) {
  const details = (/<br><span class="muted">([\s\S]*?)<\/span>/.exec(row)?.[1] ?? '').split(' · ').map((part) => text(part));
  const auditCells = new Map<number, { start: boolean; end: boolean }>();
  for (const match of row.matchAll(/data-module-figure="(\d+)">([\s\S]*?)<\/td>/g)) {
    auditCells.set(Number(match[1]), { start: match[2].includes('start-of-module audit submitted'), end: match[2].includes('end-of-module audit submitted') });
  }
  return {
    name: text(/<th scope="row"[^>]*>([\s\S]*?)<br>/.exec(row)?.[1] ?? ''),
    role: details[0] ?? '',
    group: details[1] ?? '',
    rag: /class="rag rag--(\w+)"/.exec(row)?.[1] ?? null,
    modules: moduleFigures(row),
    overall: text(cell(row, 'Overall') ?? ''),
    meetings: text(cell(row, 'Meetings') ?? ''),
    attended: text(cell(row, 'Attended') ?? ''),
    audits: auditCells,
  };
}

/** The page's counts: everyone in scope, how many match the filters, which page of how many. */
export function readCounts(html: string) {
  const inScope = /(?:Everyone in this cohort|Your groups): <strong>(\d+)<\/strong>/.exec(html);
  const matched = /Participants: (\d+) of (\d+) match/.exec(html);
  const paging = /Page (\d+) of (\d+)/.exec(html);
  return {
    inScope: inScope ? Number(inScope[1]) : null,
    matched: matched ? Number(matched[1]) : inScope ? Number(inScope[1]) : null,
    page: paging ? { page: Number(paging[1]), of: Number(paging[2]) } : { page: 1, of: 1 },
  };
}

export class PageChecker {
  readonly result: CorrectnessResult = { pagesChecked: 0, rowsChecked: 0, figuresChecked: 0, figureMismatches: 0, recordsChecked: 0, recordMismatches: 0, pageProblems: 0, examples: [] };

  constructor(
    private readonly truth: ReadonlyMap<string, TruthFigures>,
    private readonly people: ReadonlyMap<string, BenchPerson>,
    private readonly activity: ActivityWritten,
  ) {}

  private note(kind: 'figure' | 'record' | 'page', line: string): void {
    if (kind === 'figure') this.result.figureMismatches += 1;
    else if (kind === 'record') this.result.recordMismatches += 1;
    else this.result.pageProblems += 1;
    if (this.result.examples.length < 8) this.result.examples.push(line);
  }

  /** Checks one page; returns its rows' keys in order. */
  check(label: string, html: string, expect: PageExpectation = {}): string[] {
    this.result.pagesChecked += 1;
    const counts = readCounts(html);
    const rows = [...gridRows(html)];
    const same = (what: string, got: unknown, wanted: unknown) => {
      if (wanted !== undefined && JSON.stringify(got) !== JSON.stringify(wanted)) this.note('page', `${label}: ${what} ${JSON.stringify(got)}, expected ${JSON.stringify(wanted)}`);
    };
    same('participants in scope', counts.inScope, expect.inScope);
    same('participants matching', counts.matched, expect.matched);
    same('rows', rows.length, expect.rows);
    same('paging', counts.page, expect.page);
    if (expect.keys) same('keys', rows.map(([key]) => key).join(' '), expect.keys.join(' '));
    let previous: { name: string; overall: number | null } | null = null;
    for (const [key, html] of rows) {
      const row = readRow(html);
      this.checkRow(label, key, row, expect);
      const overall = percentOf(row.overall);
      if (previous && expect.order === 'name' && previous.name.localeCompare(row.name) > 0) this.note('page', `${label}: ${row.name} after ${previous.name} in name order`);
      if (previous && expect.order === 'overall-desc' && (previous.overall === null ? overall !== null : overall !== null && overall > previous.overall)) this.note('page', `${label}: overall ${row.overall} after ${previous.overall ?? 'a blank'} in descending order`);
      previous = { name: row.name, overall };
    }
    return rows.map(([key]) => key);
  }

  private checkRow(label: string, key: string, row: ReturnType<typeof readRow>, expect: RowExpectation): void {
    this.result.rowsChecked += 1;
    const person = this.people.get(key);
    if (!person) return this.note('page', `${label}: ${key} is not on the bench's roster`);
    if (row.name !== person.name) this.note('page', `${label}: ${key} named ${row.name}, expected ${person.name}`);
    if (row.role !== ROLE_WORDS[person.role] || (expect.role && person.role !== expect.role)) this.note('page', `${label}: ${key} shown as ${row.role}, is ${person.role}${expect.role ? `, filter ${expect.role}` : ''}`);
    if (row.group !== person.group || (expect.groups && !expect.groups.includes(person.group))) this.note('page', `${label}: ${key} shown in ${row.group}, is in ${person.group}`);
    if (expect.rag && row.rag !== expect.rag) this.note('page', `${label}: ${key} rated ${row.rag}, filter ${expect.rag}`);

    const truth = this.truth.get(person.userId);
    if (!truth) return this.note('figure', `${label}: ${key} has no figures in the simulator`);
    truth.modules.forEach((percent, i) => {
      this.result.figuresChecked += 1;
      const shown = row.modules.get(i + 1);
      if (percent === null ? percentOf(shown) !== null : shown !== `${percent}%`) this.note('figure', `${label}: ${key} module ${i + 1} shows ${shown ?? 'nothing'}, the simulator says ${percent ?? 'no online items'}`);
    });
    this.result.figuresChecked += 1;
    if (percentOf(row.overall) !== truth.overall) this.note('figure', `${label}: ${key} overall shows ${row.overall}, the simulator says ${truth.overall}`);

    const records = this.activity.expected.get(key);
    this.result.recordsChecked += 1;
    const attended = records ? `${records.attended} of ${records.expected}` : 'None taken';
    const meetings = person.role === 'ect' ? String(records?.meetings ?? 0) : '–';
    const problems: string[] = [];
    if (row.attended !== attended) problems.push(`attended "${row.attended}", expected "${attended}"`);
    if (row.meetings !== meetings) problems.push(`meetings "${row.meetings}", expected "${meetings}"`);
    for (const [module, shown] of row.audits) {
      const wanted = records?.audits.get(module) ?? { start: false, end: false };
      if (shown.start !== wanted.start || shown.end !== wanted.end) problems.push(`module ${module} audits ${JSON.stringify(shown)}, expected ${JSON.stringify(wanted)}`);
    }
    if (problems.length) this.note('record', `${label}: ${key} ${problems.join('; ')}`);
  }
}
