import { z } from 'zod';
import { collection } from '../db/collections';
import { readCsv } from './csv';
import { emailList, requiredText, urn } from './fields';
import { finishImport, flagRepeats, parseRows, Problems, type ImportOptions, type ImportReport } from './import';

export interface School {
  /** The school's URN (6 digits). */
  _id: string;
  name: string;
  deliveryPartner: string;
  contactEmails: string[];
  updatedAt: Date;
}

export const SCHOOL_COLUMNS = ['urn', 'name', 'delivery_partner', 'contact_emails'] as const;

export const schools = () => collection<School>('schools');

export async function loadSchools(): Promise<School[]> {
  return schools().find({}).toArray();
}

const SchoolRow = z
  .object({ urn, name: requiredText, delivery_partner: requiredText, contact_emails: emailList })
  .transform((row) => ({ _id: row.urn, name: row.name, deliveryPartner: row.delivery_partner, contactEmails: row.contact_emails }));

/** Adds and updates schools from CSV text; schools absent from the file are left as they are. */
export async function importSchools(text: string, options: ImportOptions = {}): Promise<ImportReport> {
  const csvRows = readCsv(text, SCHOOL_COLUMNS);
  const problems = new Problems();
  const parsed = parseRows(csvRows, SchoolRow, problems);
  flagRepeats(parsed, (p) => p.line, (p) => [p.row._id], problems, 'same URN');
  const good = parsed.filter((p) => !problems.has(p.line)).map((p) => p.row);
  return finishImport(schools(), good, await loadSchools(), csvRows.length, problems, options);
}
