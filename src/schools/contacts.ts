import { z } from 'zod';
import type { Store } from '../db/store';
import type { Schools } from '../people';
import { readCsv } from '../people/csv';
import { optionalCanvasId, optionalText, urn } from '../people/fields';
import { finishImport, flagRepeats, parseRows, Problems, type ImportOptions, type ImportReport } from '../people/import';

/** One person a school has named to see its dashboard: an induction tutor, a headteacher. */
export interface SchoolContact {
  urn: string;
  name: string | null;
  /** Lowercased. */
  email: string;
  /** In words, as the school gave it (induction tutor, headteacher); null when not given. */
  role: string | null;
  canvasUserId: string | null;
}

/** A contact as stored in `ecf_school_contacts`: one document per school and address. */
interface ContactDoc {
  /** `<urn>:<email>`: importing the same person twice finds the one stored. */
  _id: string;
  urn: string;
  name: string | null;
  email: string;
  role: string | null;
  canvasUserId: string | null;
  updatedAt: Date;
}

export const SCHOOL_CONTACT_COLUMNS = ['urn', 'name', 'email', 'canvas_user_id', 'role'] as const;

export const contactId = (schoolUrn: string, email: string) => `${schoolUrn}:${email.toLowerCase()}`;

const requiredEmail = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.email({ error: 'is not an email address' }));

const ContactRow = z
  .object({ urn, name: optionalText, email: requiredEmail, canvas_user_id: optionalCanvasId, role: optionalText.pipe(z.string().max(100, { error: 'is longer than 100 characters' }).nullable()) })
  .transform((row) => ({ _id: contactId(row.urn, row.email), urn: row.urn, name: row.name, email: row.email, canvasUserId: row.canvas_user_id, role: row.role }));

/** Who a launch is, as far as matching a school contact goes. */
export interface LaunchIdentity {
  canvasUserId: string | null;
  email: string | null;
}

/** A launch matched to a school contact: their school and (when known) address. */
export interface ContactMatch {
  urn: string;
  email: string | null;
}

const byUrn = (a: { urn: string }, b: { urn: string }) => a.urn.localeCompare(b.urn);

/**
 * School contacts (`ecf_school_contacts`): who may see a school's dashboard when they launch
 * from Canvas, and who school emails go to. Imported from a CSV; the schools list's
 * `contact_emails` count as contacts too (without a name or role).
 */
export class SchoolContacts {
  constructor(
    private readonly store: Store,
    private readonly schools: Pick<Schools, 'collection'>,
  ) {}

  private get contacts() {
    return this.store.collection<ContactDoc>('school_contacts');
  }

  /** Adds and updates contacts from CSV text; contacts absent from the file are kept. */
  async import(text: string, options: ImportOptions = {}): Promise<ImportReport> {
    const csvRows = readCsv(text, SCHOOL_CONTACT_COLUMNS);
    const problems = new Problems();
    const parsed = parseRows(csvRows, ContactRow, problems);
    flagRepeats(parsed, (p) => p.line, (p) => [p.row._id], problems, 'same school and email');
    const good = parsed.filter((p) => !problems.has(p.line)).map((p) => p.row);
    return finishImport(this.contacts, good, await this.contacts.find({}).toArray(), csvRows.length, problems, options);
  }

  /** Every contact of a school: the contacts import plus the schools list's contact_emails, each email once. */
  async contactsOf(schoolUrn: string): Promise<SchoolContact[]> {
    const [imported, school] = await Promise.all([this.contacts.find({ urn: schoolUrn }).toArray(), this.schools.collection.findOne({ _id: schoolUrn })]);
    const found = new Map(imported.map((doc) => [doc.email, present(doc)]));
    for (const email of school?.contactEmails ?? []) if (!found.has(email)) found.set(email, { urn: schoolUrn, name: null, email, role: null, canvasUserId: null });
    return [...found.values()].sort((a, b) => a.email.localeCompare(b.email));
  }

  /**
   * The school of a person launching from Canvas, when they are a contact: by their Canvas user
   * id first (it cannot be changed by them), then by their email (the contacts import's, then
   * the schools list's). A person who is a contact of several schools gets the lowest URN: a
   * signed school link reaches any one of them.
   */
  async matchLaunch(who: LaunchIdentity): Promise<ContactMatch | null> {
    if (who.canvasUserId) {
      const byId = (await this.contacts.find({ canvasUserId: who.canvasUserId }).toArray()).sort(byUrn)[0];
      if (byId) return { urn: byId.urn, email: byId.email };
    }
    const email = who.email?.trim().toLowerCase();
    if (!email) return null;
    const byEmail = (await this.contacts.find({ email }).toArray()).sort(byUrn)[0];
    if (byEmail) return { urn: byEmail.urn, email };
    const listed = (await this.schools.collection.find({ contactEmails: email }).toArray()).map((s) => ({ urn: s._id })).sort(byUrn)[0];
    return listed ? { urn: listed.urn, email } : null;
  }
}

function present(doc: ContactDoc): SchoolContact {
  return { urn: doc.urn, name: doc.name, email: doc.email, role: doc.role, canvasUserId: doc.canvasUserId };
}
