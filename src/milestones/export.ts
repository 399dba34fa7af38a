import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify, type CastingContext } from 'csv-stringify';
import { DFE_COURSE_IDENTIFIER, type DeclarationType } from '../curriculum';
import { neutraliseFormula } from '../files/csv-export';
import type { ParticipantReadiness } from './readiness';

/**
 * DfE's fields of a declaration, named and ordered as the lead-provider API's
 * `POST /api/v3/participant-declarations` attributes (DfE's API reference,
 * manage-training-for-early-career-teachers.education.gov.uk/api-reference/reference-v3.html,
 * ECFParticipantRetainedDeclarationAttributes: participant_id, declaration_type,
 * declaration_date, course_identifier, evidence_held), then the tool's own columns.
 */
export const DFE_DECLARATION_FIELDS = ['participant_id', 'declaration_type', 'declaration_date', 'course_identifier', 'evidence_held'] as const;
export const DECLARATION_EXPORT_COLUMNS = [...DFE_DECLARATION_FIELDS, 'state', 'name', 'email', 'school_urn', 'cohort', 'schedule'] as const;
export const DECLARATION_EXPORT_FORMATS = ['csv', 'json'] as const;
export type DeclarationExportFormat = (typeof DECLARATION_EXPORT_FORMATS)[number];

export type DeclarationExportRow = Record<(typeof DECLARATION_EXPORT_COLUMNS)[number], string>;

const UK_OFFSET = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'longOffset' });

/**
 * A day as DfE's API takes `declaration_date`: an RFC 3339 date-time (DfE refuses others with
 * "Enter a valid RCF3339 '#/declaration_date'"), here the start of the day in England with its
 * offset, `2026-07-14T00:00:00+01:00`. The offset is read at 00:00 UTC, which is in the same
 * offset as UK midnight on every day: the clocks change at 01:00 UTC.
 */
export function ukMidnight(isoDate: string): string {
  const name = UK_OFFSET.formatToParts(new Date(`${isoDate}T00:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return `${isoDate}T00:00:00${name === 'GMT' ? '+00:00' : name.slice(3)}`;
}

/**
 * One row per participant whose evidence for `type` holds on the window's date (its close once
 * it has passed, else today): what the provider would declare to DfE. Participants the tool
 * would not declare (not on the roster, withdrawn or deferred) are left out unless the
 * provider's list already has the declaration. `readyOnly` also leaves out what is declared
 * already and windows not yet open. A participant without a DfE participant id is listed with
 * that field blank, so the gap shows.
 */
export function declarationRows(entries: readonly ParticipantReadiness[], type: DeclarationType, options: { readyOnly?: boolean } = {}): DeclarationExportRow[] {
  const rows: DeclarationExportRow[] = [];
  for (const entry of entries) {
    const milestone = entry.milestones.find((m) => m.declarationType === type);
    if (!milestone?.evidence.holds || milestone.state === 'not-declarable') continue;
    const declared = milestone.state === 'declared';
    if (options.readyOnly && (declared || milestone.windowState === 'upcoming')) continue;
    const { row } = entry;
    rows.push({
      participant_id: row.dfeParticipantId ?? '',
      declaration_type: type,
      declaration_date: ukMidnight(milestone.evidence.declarationDate!),
      course_identifier: DFE_COURSE_IDENTIFIER[row.role],
      evidence_held: milestone.evidence.evidenceHeld!,
      state: declared ? 'declared' : 'ready',
      name: row.name ?? '',
      email: row.email ?? '',
      school_urn: row.schoolUrn ?? '',
      cohort: row.cohort,
      schedule: entry.scheduleId ?? '',
    });
  }
  return rows;
}

/** People's words (names, the cohort's name) are neutralised against spreadsheet formulas; ids, dates and codes are left exact for loading. */
const NEUTRALISED: ReadonlySet<string> = new Set(['name', 'cohort']);

function castString(cell: string, context: CastingContext) {
  if (!NEUTRALISED.has(String(context.column))) return cell;
  const safe = neutraliseFormula(cell);
  return safe === cell ? cell : { value: safe, quoted: true };
}

/** UTF-8 without a byte-order mark (the file is for loading into other systems), a header row; `out` is ended. */
export async function writeDeclarationsCsv(rows: readonly DeclarationExportRow[], out: NodeJS.WritableStream): Promise<void> {
  const stringifier = stringify({ header: true, columns: [...DECLARATION_EXPORT_COLUMNS], cast: { string: castString } });
  await pipeline(Readable.from(rows, { objectMode: true, highWaterMark: 64 }), stringifier, out);
}

function* jsonLines(rows: readonly DeclarationExportRow[]): Generator<string> {
  yield '{"data":[';
  for (const [i, row] of rows.entries()) {
    const attributes = Object.fromEntries(DFE_DECLARATION_FIELDS.map((field) => [field, row[field] === '' ? null : row[field]]));
    yield `${i === 0 ? '' : ','}\n${JSON.stringify({ type: 'participant-declaration', attributes })}`;
  }
  yield '\n]}\n';
}

/**
 * `{"data": [...]}`, each element exactly the `data` of DfE's `POST /api/v3/participant-declarations`
 * body for one declaration (`{"type": "participant-declaration", "attributes": {...}}`), so each
 * can be posted as `{"data": element}`. DfE's fields only; a missing participant id is null.
 */
export async function writeDeclarationsJson(rows: readonly DeclarationExportRow[], out: NodeJS.WritableStream): Promise<void> {
  await pipeline(Readable.from(jsonLines(rows)), out);
}

export function writeDeclarations(rows: readonly DeclarationExportRow[], format: DeclarationExportFormat, out: NodeJS.WritableStream): Promise<void> {
  return format === 'csv' ? writeDeclarationsCsv(rows, out) : writeDeclarationsJson(rows, out);
}
