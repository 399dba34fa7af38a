import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A refusal the server gives at RCPT TO: `{ code: 451 }` once, say. */
interface Refusal {
  code: number;
  message: string;
}

export interface TestSmtp {
  url: string;
  port: number;
  /** Every message the server accepted, parsed, in order. */
  received: ParsedMail[];
  /** The next `times` recipients are refused with this reply. */
  refuseNext(code: number, message: string, times?: number): void;
  /** Refuse every recipient from now on (until `acceptAgain`). */
  refuseAll(code: number, message: string): void;
  acceptAgain(): void;
  /** Resolves when the server has parsed at least `count` messages. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free port (smtp-server), no TLS, messages parsed back with mailparser.
 * With `credentials`, it asks for a login and refuses any other.
 */
export async function startSmtp(options: { credentials?: { user: string; pass: string } } = {}): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  const refusals: Refusal[] = [];
  let always: Refusal | null = null;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: !options.credentials,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const { credentials } = options;
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      const refusal = refusals.shift() ?? always;
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const auth = options.credentials ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.pass)}@` : '';
  return {
    url: `smtp://${auth}127.0.0.1:${port}`,
    port,
    received,
    refuseNext: (code, message, times = 1) => {
      for (let i = 0; i < times; i++) refusals.push({ code, message });
    },
    refuseAll: (code, message) => {
      always = { code, message };
    },
    acceptAgain: () => {
      always = null;
    },
    waitFor: (count) => (received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
