import { isDeepStrictEqual } from 'node:util';
import type { ImportOptions, ImportReport } from '../people';
import { readCsv } from '../people/csv';
import { finishImport, flagRepeats, parseRows, Problems } from '../people/import';
import type { TrainingEvents } from './events';
import { EVENT_COLUMNS, EventRow, eventId, type TrainingEvent } from './model';

export interface EventsImportReport extends ImportReport {
  /** The groups whose events the import changed (or would change): `[cohort, group]`, sorted. */
  groups: [string, string][];
}

/** The stored event differs from the file's row in a field the file says. */
const differs = (doc: Omit<TrainingEvent, 'updatedAt'>, stored: TrainingEvent | undefined) =>
  !stored || Object.entries(doc).some(([field, value]) => !isDeepStrictEqual(stored[field as keyof TrainingEvent], value));

/**
 * Adds and updates training events from CSV text, with the roster import's machinery: every
 * row checked (and reported by line), repeated events in one file flagged on every line that
 * names them, nothing written while a row is bad (unless `skipInvalid`), and an unchanged row
 * costing no write, so importing the same file again changes nothing. Events absent from the
 * file are kept. `cohorts`, when given, are the cohorts a row may name.
 */
export async function importEvents(events: TrainingEvents, text: string, options: ImportOptions, cohorts?: Set<string>): Promise<EventsImportReport> {
  const csvRows = readCsv(text, EVENT_COLUMNS);
  const problems = new Problems();
  const parsed = parseRows(csvRows, EventRow, problems);
  if (cohorts) {
    for (const { line, row } of parsed) if (!cohorts.has(row.cohort)) problems.add(line, `cohort: no linked course has the cohort "${row.cohort}"`);
  }
  flagRepeats(parsed, (p) => p.line, (p) => [eventId(p.row)], problems, 'same event (cohort, group, date, start_time and type)');
  const docs = parsed.filter((p) => !problems.has(p.line)).map((p) => ({ _id: eventId(p.row), ...p.row }));
  const stored = await events.all();
  const byId = new Map(stored.map((event) => [event._id, event]));
  const report = await finishImport(events.collection, docs, stored, csvRows.length, problems, options);
  const touched = new Map<string, [string, string]>();
  for (const doc of docs) if (differs(doc, byId.get(doc._id))) touched.set(JSON.stringify([doc.cohort, doc.group]), [doc.cohort, doc.group]);
  const groups = [...touched.values()].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
  return { ...report, groups };
}
