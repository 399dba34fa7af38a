import { PassThrough } from 'node:stream';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { NotFoundError } from '../errors';
import { EXPORT_CONTENT_TYPES, type ProgressExports } from '../exports';
import type { Roster, Schools } from '../people';
import type { SchoolContacts } from '../schools';
import type { Logger } from '../log/logger';
import type { DeliveryLinks } from './links';
import { EMAIL_OFF } from './model';
import type { DeliveryRun, Outbox } from './outbox';
import { dueOccurrence, settingsFor, type DeliveriesConfig, type DeliveryFormat, type DeliverySettings } from './schedule';

/** What the scheduled emails and their download links need of the exports. */
export type ExportSource = Pick<ProgressExports, 'write' | 'fileName'>;

/** A school's contacts: one email each. */
export type ContactSource = Pick<SchoolContacts, 'contactsOf'>;

/** Which schools have participants, and what each is called. */
export interface SchoolDirectory {
  withParticipants(): Promise<string[]>;
  nameOf(urn: string): Promise<string | null>;
}

/** The roster's schools (anyone on it, whatever their status: the export lists withdrawals too) and the schools list's names. */
export function rosterSchools(roster: Pick<Roster, 'load'>, schools: Pick<Schools, 'collection'>): SchoolDirectory {
  return {
    withParticipants: async () => [...new Set((await roster.load()).map((entry) => entry.schoolUrn))],
    nameOf: async (urn) => (await schools.collection.findOne({ _id: urn }, { projection: { name: 1 } }))?.name ?? null,
  };
}

const FORMAT_WORDS: Record<DeliveryFormat, string> = {
  pdf: 'a PDF file, to read or print',
  csv: 'a CSV file, which opens in Excel or any spreadsheet',
  xlsx: 'an Excel workbook',
};

/** One school's occurrence, as the run handled it. */
export interface OccurrenceReport {
  urn: string;
  school: string;
  date: string;
  format: DeliveryFormat;
  as: 'attachment' | 'link';
  rows: number;
  recipients: number;
  queued: number;
  /** Why nothing was queued, in plain words; null when messages were queued (or were already). */
  note: string | null;
}

export interface ScheduledRun {
  configured: boolean;
  occurrences: OccurrenceReport[];
  /** Schools whose export failed this run: tried again at the next. */
  failed: { urn: string; date: string; error: string }[];
  delivery: DeliveryRun;
}

/** Marks (insert-only, `ecf_delivery_occurrences`): one school's occurrence done, and a whole date done. */
interface Mark {
  _id: string;
  at: Date;
  recipients?: number;
  rows?: number;
}

const UK_DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const UK_MOMENT = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true });

const dayWords = (date: string) => UK_DAY.format(new Date(`${date}T00:00:00Z`));
function momentWords(value: string | null): string | null {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? UK_MOMENT.format(date).replace(/ (am|pm)$/, '$1') : value;
}

/** An occurrence and the time its emails go out: schools whose own time is later are not done with the default's. */
const slot = (date: string, settings: Pick<DeliverySettings, 'time'>) => `${date}T${settings.time}`;

/** The id of one recipient's email of one school's occurrence: the same in every run and instance. */
export const exportMessageId = (urn: string, date: string, email: string) => `export:${urn}:${date}:${email.trim().toLowerCase()}`;

export interface ScheduledExportsDeps {
  store: Store;
  outbox: Outbox;
  exports: ExportSource;
  contacts: ContactSource;
  schools: SchoolDirectory;
  links: DeliveryLinks;
  publicUrl: string;
  logger: Logger;
  /** config/deliveries.json, read at start. */
  config: DeliveriesConfig;
}

/**
 * The scheduled export emails: for each school with participants whose occurrence is due, its
 * export is rendered once and queued for each of its contacts, then the outbox sends what is due.
 * Safe in several instances: every message id is fixed by school, date and address, so a second
 * instance's queueing changes nothing; the marks only save rendering twice.
 */
export class ScheduledExports {
  constructor(private readonly deps: ScheduledExportsDeps) {}

  private get marks() {
    return this.deps.store.collection<Mark>('delivery_occurrences');
  }

  get configured(): boolean {
    return this.deps.outbox.configured;
  }

  /** Queues every due occurrence not queued yet, then sends what is due. */
  async run(now = new Date()): Promise<ScheduledRun> {
    const run: ScheduledRun = { configured: this.configured, occurrences: [], failed: [], delivery: { sent: 0, failed: 0, givenUp: 0, waiting: 0, configured: this.configured, attempts: [] } };
    if (!this.configured) {
      this.deps.logger.info({ event: 'delivery.off' }, EMAIL_OFF);
      return run;
    }
    const open = await this.openDates(now);
    if (open.size > 0) {
      for (const urn of (await this.deps.schools.withParticipants()).sort()) {
        const settings = settingsFor(this.deps.config, urn);
        const date = settings.enabled ? dueOccurrence(settings, now) : null;
        if (!date || !open.has(slot(date, settings))) continue;
        try {
          const report = await this.occurrence(urn, date, settings, now);
          if (report) run.occurrences.push(report);
        } catch (error) {
          // A roster school missing from the schools list: said once, not retried every run.
          if (error instanceof NotFoundError) {
            run.occurrences.push({ urn, school: `School ${urn}`, date, format: settings.format, as: settings.as, rows: 0, recipients: 0, queued: 0, note: `${error.message} Nothing sent.` });
            await this.mark(`school:${urn}:${date}`, now);
            continue;
          }
          const message = error instanceof Error ? error.message : String(error);
          run.failed.push({ urn, date, error: message });
          open.delete(slot(date, settings));
          this.deps.logger.error({ event: 'delivery.export_failed', urn, date, err: error }, 'a scheduled export could not be made; it is tried again at the next run');
        }
      }
      // A slot whose every school is done is not looked at again: later runs cost one read each.
      for (const done of open) await this.mark(`slot:${done}`, now);
    }
    run.delivery = await this.deps.outbox.deliverDue(now);
    return run;
  }

  /** The due slots (date and time, of the default and of every school's own schedule) not yet finished. */
  private async openDates(now: Date): Promise<Set<string>> {
    const { config } = this.deps;
    const candidates = [config.default, ...Object.keys(config.schools).map((urn) => settingsFor(config, urn))].filter((s) => s.enabled);
    const slots = new Set(candidates.flatMap((s) => {
      const date = dueOccurrence(s, now);
      return date ? [slot(date, s)] : [];
    }));
    for (const due of slots) if (await this.marks.findOne({ _id: `slot:${due}` })) slots.delete(due);
    return slots;
  }

  private async occurrence(urn: string, date: string, settings: DeliverySettings, now: Date): Promise<OccurrenceReport | null> {
    if (await this.marks.findOne({ _id: `school:${urn}:${date}` })) return null;
    const scope = { kind: 'school' as const, urn };
    const school = (await this.deps.schools.nameOf(urn)) ?? `School ${urn}`;
    const base = { urn, school, date, format: settings.format, as: settings.as };
    const rendered = await render(this.deps.exports, scope, settings.format, now);
    const contacts = await this.deps.contacts.contactsOf(urn);
    const report: OccurrenceReport = { ...base, rows: rendered.rows, recipients: contacts.length, queued: 0, note: null };
    if (rendered.rows === 0) report.note = 'no participants in the export: nothing sent';
    else if (contacts.length === 0) report.note = 'the school has no contacts: nothing sent';
    else {
      const fileName = this.deps.exports.fileName(scope, settings.format, now);
      const link = settings.as === 'link' ? `${this.deps.publicUrl}/deliveries/${await this.deps.links.sign({ urn, format: settings.format, occurrence: date }, now)}` : null;
      for (const contact of contacts) {
        const outcome = await this.deps.outbox.enqueue(
          {
            id: exportMessageId(urn, date, contact.email),
            kind: 'export',
            schoolUrn: urn,
            to: contact.email,
            subject: `ECF progress for ${school}: ${dayWords(date)}`,
            text: exportEmailText({ school, urn, date, rows: rendered.rows, dataAsOf: rendered.dataAsOf, format: settings.format, fileName, link }),
            ...(link ? {} : { attachments: [{ filename: fileName, contentType: EXPORT_CONTENT_TYPES[settings.format], content: rendered.content }] }),
            dataAsOf: rendered.dataAsOf,
          },
          now,
        );
        if (outcome === 'queued') report.queued += 1;
      }
    }
    await this.mark(`school:${urn}:${date}`, now, { recipients: contacts.length, rows: rendered.rows });
    this.deps.logger.info({ event: 'delivery.export_queued', urn, date, format: settings.format, as: settings.as, rows: rendered.rows, queued: report.queued }, 'scheduled export queued');
    return report;
  }

  private async mark(id: string, now: Date, extra: Omit<Mark, '_id' | 'at'> = {}): Promise<void> {
    try {
      await this.marks.insertOne({ _id: id, at: now, ...extra });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
}

/** The whole export in memory: an attachment is one buffer anyway, and a school's export is small. */
async function render(exports: ExportSource, scope: { kind: 'school'; urn: string }, format: DeliveryFormat, now: Date): Promise<{ rows: number; dataAsOf: string | null; content: Buffer }> {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => parts.push(Buffer.from(chunk)));
  const ended = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    sink.on('error', reject);
  });
  const result = await exports.write(scope, format, sink, { now });
  await ended;
  return { ...result, content: Buffer.concat(parts) };
}

/** The email's words: which school, which data date, and what is attached (or where to get it). */
export function exportEmailText(e: { school: string; urn: string; date: string; rows: number; dataAsOf: string | null; format: DeliveryFormat; fileName: string; link: string | null }): string {
  const asOf = momentWords(e.dataAsOf);
  return [
    'Hello,',
    '',
    `This is the scheduled Early Career Framework progress export for ${e.school} (URN ${e.urn}), for ${dayWords(e.date)}.`,
    '',
    `It lists your school's ${e.rows === 1 ? '1 participant' : `${e.rows} participants`} (early career teachers and mentors): online learning by module, training events attended, module audits, mentor meetings and a red, amber or green rating.`,
    asOf ? `The figures are as of ${asOf}.` : 'The figures have not been read from Canvas yet, so the progress columns are empty.',
    '',
    e.link
      ? `Download it (${FORMAT_WORDS[e.format]}) from this link, which works for 30 days and always gives the latest figures:\n${e.link}`
      : `Attached: ${e.fileName}, ${FORMAT_WORDS[e.format]}.`,
    '',
    `You receive this because you are a contact for ${e.school} in the programme. If something in it is wrong, or you should not receive it, reply to your programme team.`,
    '',
    'ECF Progress',
  ].join('\n');
}
