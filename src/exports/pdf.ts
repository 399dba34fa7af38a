import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { attendancePct, type ExportEntry } from './rows';
import { whenWritable } from './streams';

const MARGIN = 40;
/**
 * DejaVu Sans, embedded (subset) in every PDF: the PDF standard fonts cover Western European
 * letters only, and a school's names are not all written in them (Łukasz, Nguyễn, Ǹgozi).
 */
const REGULAR = 'Body';
const BOLD = 'Body-Bold';
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const ukMoment = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** "6 December 2026 at 10:00 (UK time)", from an ISO time. */
export function ukMomentInWords(iso: string): string {
  return `${ukMoment.format(new Date(iso))} (UK time)`;
}

/** One school's participants, as the export orders them. */
interface SchoolGroup {
  urn: string | null;
  name: string | null;
  entries: ExportEntry[];
}

/** Consecutive entries of one school (the export is ordered by school), one school at a time. */
function* bySchool(entries: Iterable<ExportEntry>): Generator<SchoolGroup> {
  let current: SchoolGroup | null = null;
  for (const e of entries) {
    const urn = e.entry.row.schoolUrn;
    if (!current || current.urn !== urn) {
      if (current) yield current;
      current = { urn, name: e.entry.row.schoolName, entries: [] };
    }
    current.entries.push(e);
  }
  if (current) yield current;
}

const RAG_WORDS = { red: 'Red', amber: 'Amber', green: 'Green' } as const;
const ROLE_WORDS = { ect: 'ECT', mentor: 'Mentor' } as const;

function attendanceWords(e: ExportEntry): string {
  const a = e.entry.attendance;
  if (!a || a.expected === 0) return 'No events yet';
  return `${a.attended} of ${a.expected} (${attendancePct(e.entry)}%)`;
}

function ratingWords(e: ExportEntry): string {
  const { rating, row } = e.entry;
  return rating.rag ? RAG_WORDS[rating.rag] : `Not rated (${row.status})`;
}

function summaryOf(group: SchoolGroup): [string, string][] {
  const count = (test: (e: ExportEntry) => boolean) => group.entries.filter(test).length;
  const overall = group.entries.map((e) => e.entry.row.progress?.overall).filter((o): o is number => typeof o === 'number');
  let attended = 0;
  let expected = 0;
  for (const e of group.entries) {
    attended += e.entry.attendance?.attended ?? 0;
    expected += e.entry.attendance?.expected ?? 0;
  }
  return [
    ['ECTs', String(count((e) => e.entry.row.role === 'ect'))],
    ['Mentors', String(count((e) => e.entry.row.role === 'mentor'))],
    ['Red', String(count((e) => e.entry.rating.rag === 'red'))],
    ['Amber', String(count((e) => e.entry.rating.rag === 'amber'))],
    ['Green', String(count((e) => e.entry.rating.rag === 'green'))],
    ['Mean online completion', overall.length ? `${Math.round(overall.reduce((a, b) => a + b, 0) / overall.length)}%` : 'No Canvas data yet'],
    ['Training event attendance', expected ? `${Math.round((100 * attended) / expected)}% (${attended} of ${expected})` : 'No events yet'],
  ];
}

function latestOf(group: SchoolGroup): string | null {
  let latest: string | null = null;
  for (const e of group.entries) {
    const at = e.entry.row.progress?.dataAsOf ?? null;
    if (at && (latest === null || new Date(at).toISOString() > latest)) latest = new Date(at).toISOString();
  }
  return latest;
}

/** The participants table's columns: header, width in points (A4 landscape is 762 points between the margins). */
const COLUMNS = [
  { title: 'Participant', width: 150 },
  { title: 'Role', width: 48 },
  { title: 'Group', width: 80 },
  { title: 'Online', width: 48 },
  { title: 'Attendance', width: 80 },
  { title: 'Rating', width: 70 },
  { title: 'Why', width: 286 },
];

function cellsOfEntry(e: ExportEntry): string[] {
  const { row, rating } = e.entry;
  const overall = row.progress?.overall;
  return [
    row.name ?? '(no name)',
    ROLE_WORDS[row.role],
    row.group ?? '–',
    typeof overall === 'number' ? `${overall}%` : '–',
    attendanceWords(e),
    ratingWords(e),
    rating.reasons.map((r) => r.text).join('. '),
  ];
}

class SchoolPages {
  constructor(private readonly doc: PDFKit.PDFDocument) {}

  private get bottom() {
    return this.doc.page.height - MARGIN;
  }

  private tableHeader(): void {
    const { doc } = this;
    doc.font(BOLD).fontSize(9);
    let x = MARGIN;
    const y = doc.y;
    for (const column of COLUMNS) {
      doc.text(column.title, x, y, { width: column.width - 6 });
      x += column.width;
    }
    doc.moveTo(MARGIN, doc.y + 2).lineTo(doc.page.width - MARGIN, doc.y + 2).lineWidth(0.5).stroke();
    doc.y += 6;
    doc.font(REGULAR);
  }

  private row(cells: string[], schoolTitle: string): void {
    const { doc } = this;
    doc.fontSize(9).font(REGULAR);
    const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: COLUMNS[i].width - 6 })));
    if (doc.y + height > this.bottom) {
      doc.addPage();
      doc.font(BOLD).fontSize(12).text(`${schoolTitle} (continued)`, MARGIN, MARGIN);
      doc.moveDown(0.5);
      this.tableHeader();
    }
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((cell, i) => {
      doc.text(cell, x, y, { width: COLUMNS[i].width - 6 });
      x += COLUMNS[i].width;
    });
    doc.y = y + height + 4;
    doc.x = MARGIN;
  }

  async school(group: SchoolGroup, out: NodeJS.WritableStream): Promise<void> {
    const { doc } = this;
    doc.addPage();
    const title = group.urn ? (group.name ?? `School ${group.urn}`) : 'No school on the roster';
    doc.font(BOLD).fontSize(18).text(title, MARGIN, MARGIN);
    doc.font(REGULAR).fontSize(10);
    if (group.urn) doc.text(`URN ${group.urn}`);
    const asOf = latestOf(group);
    doc.text(asOf ? `Data as of ${ukMomentInWords(asOf)}` : 'Data as of: no Canvas figures yet');
    doc.moveDown(0.8);

    // The summary: a label above each figure, side by side.
    const summary = summaryOf(group);
    const width = (doc.page.width - 2 * MARGIN) / summary.length;
    const y = doc.y;
    summary.forEach(([label, value], i) => {
      doc.font(REGULAR).fontSize(8).text(label, MARGIN + i * width, y, { width: width - 8 });
      doc.font(BOLD).fontSize(12).text(value, MARGIN + i * width, y + 12, { width: width - 8 });
    });
    doc.y = y + 42;
    doc.x = MARGIN;
    doc.moveTo(MARGIN, doc.y).lineTo(doc.page.width - MARGIN, doc.y).lineWidth(1).stroke();
    doc.y += 8;

    if (group.entries.length === 0) {
      doc.font(REGULAR).fontSize(10).text('No participants.');
      return;
    }
    this.tableHeader();
    for (const e of group.entries) {
      this.row(cellsOfEntry(e), title);
      await whenWritable(out);
    }
  }
}

/**
 * A4 landscape, one page or more per school, each school starting a new page: its name, URN,
 * "Data as of …" in UK time, a summary (counts by role and rating, mean online completion,
 * attendance), then each participant with role, online completion, attendance, rating and the
 * rating's reasons in words. pdfkit is a stream piped into `out`, which is ended.
 */
export async function writePdfExport(entries: Iterable<ExportEntry>, out: NodeJS.WritableStream, options: { title: string; now: Date }): Promise<void> {
  // Loaded when first used, like exceljs: most commands and pages never draw a PDF.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: MARGIN, autoFirstPage: false, info: { Title: options.title, Creator: 'ECF Progress', CreationDate: options.now } });
  doc.registerFont(REGULAR, path.join(FONT_DIR, 'DejaVuSans.ttf'));
  doc.registerFont(BOLD, path.join(FONT_DIR, 'DejaVuSans-Bold.ttf'));
  const done = pipeline(doc, out);
  // Attached at once so a failing `out` is not an unhandled rejection while pages are still being laid out.
  done.catch(() => undefined);
  const pages = new SchoolPages(doc);
  let schools = 0;
  for (const group of bySchool(entries)) {
    await pages.school(group, out);
    schools += 1;
  }
  if (schools === 0) {
    doc.addPage();
    doc.font(BOLD).fontSize(18).text(options.title, MARGIN, MARGIN);
    doc.font(REGULAR).fontSize(10).text('No participants.');
  }
  doc.end();
  await done;
}
