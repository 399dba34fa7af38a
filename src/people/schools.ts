import { z } from 'zod';
import type { Store } from '../db/store';
import { readCsv } from './csv';
import { emailList, optionalText, requiredText, urn } from './fields';
import { finishImport, flagRepeats, parseRows, Problems, type ImportOptions, type ImportReport } from './import';

export interface School {
  /** The school's URN (6 digits). */
  _id: string;
  name: string;
  deliveryPartner: string;
  contactEmails: string[];
  /** The multi-academy trust the school belongs to (its name), or null; absent on records imported before trusts. */
  trust?: string | null;
  updatedAt: Date;
}

export const SCHOOL_COLUMNS = ['urn', 'name', 'delivery_partner', 'contact_emails'] as const;
/** Columns a schools file may add: absent keeps what is stored; blank says the school is in no trust. */
export const SCHOOL_OPTIONAL_COLUMNS = ['trust'] as const;

const SchoolRow = z
  .object({ urn, name: requiredText, delivery_partner: requiredText, contact_emails: emailList, trust: optionalText.optional() })
  .transform((row) => ({ _id: row.urn, name: row.name, deliveryPartner: row.delivery_partner, contactEmails: row.contact_emails, trust: row.trust }));

/** The trust a school is in: a trust's view reaches only schools that name it exactly. */
export const trustOf = (school: Pick<School, 'trust'>): string | null => school.trust ?? null;

/** The schools, in `ecf_schools`, and their CSV import. */
export class Schools {
  constructor(private readonly store: Store) {}

  get collection() {
    return this.store.collection<School>('schools');
  }

  async load(): Promise<School[]> {
    return this.collection.find({}).toArray();
  }

  /** The URNs of every school, for the roster import's checks. */
  async urns(): Promise<Set<string>> {
    return new Set((await this.collection.find({}, { projection: { _id: 1 } }).toArray()).map((s) => s._id));
  }

  /** Adds and updates schools from CSV text; schools absent from the file are left as they are. */
  async import(text: string, options: ImportOptions = {}): Promise<ImportReport> {
    const csvRows = readCsv(text, SCHOOL_COLUMNS, SCHOOL_OPTIONAL_COLUMNS);
    const problems = new Problems();
    const parsed = parseRows(csvRows, SchoolRow, problems);
    flagRepeats(parsed, (p) => p.line, (p) => [p.row._id], problems, 'same URN');
    // A file without the trust column leaves the field out, so each school keeps its stored trust.
    const good = parsed.filter((p) => !problems.has(p.line)).map(({ row: { trust, ...row } }) => (trust === undefined ? row : { ...row, trust }));
    return finishImport(this.collection, good, await this.load(), csvRows.length, problems, options);
  }
}
