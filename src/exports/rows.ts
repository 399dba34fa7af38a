import type { GridEntry } from '../cohort';
import { allModuleNumbers } from '../curriculum';
import type { ExportCell } from './columns';

/** One participant of an export: their grid entry and what the rows around it need. */
export interface ExportEntry {
  entry: GridEntry;
  /** Their mentor's name in the cohort (an ECT's), or null. */
  mentorName: string | null;
}

/** Times as ISO 8601 UTC with milliseconds (`2026-12-06T10:00:00.000Z`), whatever form Canvas gave. */
export function isoTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** Attended of expected as a whole percentage; null when no event was expected. */
export function attendancePct(entry: GridEntry): number | null {
  const a = entry.attendance;
  return a && a.expected > 0 ? Math.round((100 * a.attended) / a.expected) : null;
}

/** Start and end audits submitted over every module; null when the group's board does not know the person yet. */
export function auditsSubmitted(entry: GridEntry): number | null {
  if (!entry.records) return null;
  let count = 0;
  for (const phases of Object.values(entry.records.audits)) for (const status of Object.values(phases)) if (status === 'submitted') count += 1;
  return count;
}

/**
 * One export row, in EXPORT_COLUMNS order. Built as it is written, so an export never holds
 * every output row at once; blanks are null (an empty cell), numbers stay numbers.
 */
export function cellsOf({ entry, mentorName }: ExportEntry): ExportCell[] {
  const { row, records, attendance, rating } = entry;
  const figures = new Map(row.progress?.modules.map((m) => [m.number, m.percent]));
  return [
    row.schoolUrn,
    row.schoolName,
    row.name,
    row.email,
    row.canvasUserId,
    row.role,
    row.cohort,
    row.group,
    mentorName,
    row.status,
    ...allModuleNumbers().map((n) => figures.get(n) ?? null),
    row.progress?.overall ?? null,
    attendance?.attended ?? 0,
    attendance?.expected ?? 0,
    attendancePct(entry),
    auditsSubmitted(entry),
    // Meetings are an ECT's (with their mentor); a mentor's row leaves it blank, as the grid shows "–".
    row.role === 'ect' ? (records?.meetings ?? null) : null,
    isoTime(row.progress?.lastActivityAt),
    rating.rag,
    isoTime(row.progress?.dataAsOf),
  ];
}

const collator = new Intl.Collator('en-GB', { sensitivity: 'base' });
const ROLE_ORDER = { ect: 0, mentor: 1 } as const;

/** School name (people with no school last), then ECTs before mentors, then name; the key keeps ties stable. */
export function exportOrder(a: ExportEntry, b: ExportEntry): number {
  const x = a.entry.row;
  const y = b.entry.row;
  const schoolX = x.schoolName ?? x.schoolUrn;
  const schoolY = y.schoolName ?? y.schoolUrn;
  if (schoolX !== schoolY) {
    if (schoolX === null) return 1;
    if (schoolY === null) return -1;
    const bySchool = collator.compare(schoolX, schoolY) || schoolX.localeCompare(schoolY);
    if (bySchool) return bySchool;
  }
  return (
    (x.schoolUrn ?? '').localeCompare(y.schoolUrn ?? '') ||
    ROLE_ORDER[x.role] - ROLE_ORDER[y.role] ||
    collator.compare(x.name ?? '', y.name ?? '') ||
    x.cohort.localeCompare(y.cohort) ||
    x.key.localeCompare(y.key)
  );
}

/** Each cohort member's name by key: how an ECT's `mentorKey` becomes their mentor's name. */
export function namesByKey(entries: readonly GridEntry[]): Map<string, string | null> {
  return new Map(entries.map((e) => [e.row.key, e.row.name]));
}

/** The latest of the rows' data-as-of times (ISO), or null when none was synced. */
export function latestDataAsOf(entries: readonly ExportEntry[]): string | null {
  let latest: string | null = null;
  for (const { entry } of entries) {
    const at = isoTime(entry.row.progress?.dataAsOf);
    if (at !== null && (latest === null || at > latest)) latest = at;
  }
  return latest;
}
