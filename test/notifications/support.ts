import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Outbox, mailerFrom } from '../../src/delivery';
import { createLogger } from '../../src/log/logger';
import { Notifications } from '../../src/notifications';
import type { Runtime } from '../../src/service';

/** A mail server on loopback that keeps every message it accepts, parsed. */
export interface TestSmtp {
  port: number;
  messages: ParsedMail[];
  /** Messages to one address. */
  to(address: string): ParsedMail[];
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // The client hears "250" only once the message is parsed and kept, so a finished delivery run has put it here.
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const addressesOf = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((v) => v.address?.toLowerCase()) ?? []);
  return {
    port,
    messages,
    to: (address) => messages.filter((m) => addressesOf(m).includes(address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An outbox that sends through the test server: what the `deliveries` job of an instance with SMTP_URL does. */
export function sendingOutbox(runtime: Runtime, smtp: TestSmtp): Outbox {
  const mailer = mailerFrom({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'ECF Progress <progress@example.org>' });
  return new Outbox(runtime.stores.store, mailer, createLogger('silent'));
}

/** Another instance's notifier on the same database: its own caches, the same stores. */
export function secondNotifier(runtime: Runtime): Notifications {
  const { stores } = runtime;
  return new Notifications({
    store: stores.store,
    publicUrl: runtime.config.publicUrl,
    settingsLinkKey: runtime.secrets.settingsLinkKey,
    contacts: runtime.schoolContacts,
    outbox: new Outbox(stores.store, null, createLogger('silent')),
    schools: stores.schools,
    grid: runtime.cohortGrid,
    attendance: stores.attendance,
    cohorts: () => stores.links.cohortsWithLinks(),
  });
}

/** 09:00 UTC on the Monday of an ISO week ("2026-W50"): past the digest hour in UK time, winter or summer. */
export function digestMorningOf(week: string): Date {
  const [year, number] = week.split('-W').map(Number);
  const jan4 = Date.UTC(year, 0, 4);
  const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(firstMonday + (number - 1) * 7 * 86_400_000 + 9 * 3_600_000);
}
