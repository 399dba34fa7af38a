import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpSettings } from '../config/env';
import type { OutgoingMessage } from './model';

/** What one SMTP hand-over came to. */
export type SendOutcome = { ok: true; response: string } | { ok: false; permanent: boolean; error: string };

/** Sends one rendered message; never throws (an outcome says what went wrong). */
export interface Mailer {
  /** The address the messages come from (its domain names the Message-IDs). */
  readonly from: string;
  send(message: OutgoingMessage, messageId: string): Promise<SendOutcome>;
  close(): void;
}

/**
 * Bounded waits: a send must end well inside the outbox's lease (LEASE_MS in outbox.ts), or a
 * second instance could take the message over while the first is still talking to the server.
 */
const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/**
 * The SMTP-Message-ID of an outbox message: the same on every attempt and in every instance, so
 * a receiving server (or the person's mail program) can drop a repeat of one it already has.
 */
export function smtpMessageId(messageId: string, from: string): string {
  const domain = /@([^\s@<>]+)>?\s*$/.exec(from)?.[1] ?? 'ecf-progress.invalid';
  return `<${crypto.createHash('sha256').update(messageId).digest('hex').slice(0, 40)}.outbox@${domain}>`;
}

/** Takes out anything that could be a credential: the SMTP password and user, and any `user:pass@` in a URL. */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text.replace(/\/\/[^/\s@]*:[^/\s@]*@/g, '//***@');
  for (const secret of secrets.filter((s) => s.length >= 3)) clean = clean.split(secret).join('***');
  return clean.replace(/\s+/g, ' ').trim().slice(0, 500);
}

function credentialsOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [parsed.password, decodeURIComponent(parsed.password), parsed.username, decodeURIComponent(parsed.username)].filter(Boolean);
  } catch {
    return [];
  }
}

interface SmtpError {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Permanent when the server refused this message or recipient (5xx other than 503); a refused
 * login, a lost connection or a 4xx is tried again, since the next attempt may well succeed and
 * a wrong password must not throw away every message it meets.
 */
function isPermanent(error: SmtpError): boolean {
  const code = error.responseCode ?? 0;
  return code >= 500 && code < 600 && code !== 503 && !['EAUTH', 'ECONNECTION', 'ETLS', 'ESOCKET', 'ETIMEDOUT'].includes(error.code ?? '');
}

/** nodemailer's SMTP transport, from SMTP_URL and MAIL_FROM. */
export class SmtpMailer implements Mailer {
  readonly from: string;
  private readonly transport: Transporter;
  private readonly secrets: string[];

  constructor(settings: SmtpSettings) {
    this.from = settings.from;
    this.secrets = credentialsOf(settings.url);
    this.transport = nodemailer.createTransport({ url: settings.url, ...TIMEOUTS } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  async send(message: OutgoingMessage, messageId: string): Promise<SendOutcome> {
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        attachments: (message.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
        messageId: smtpMessageId(messageId, this.from),
        // Automated mail: no out-of-office replies back to the sender.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      return { ok: true, response: redact(String((info as { response?: string }).response ?? 'accepted'), this.secrets) };
    } catch (caught) {
      const error = caught as SmtpError;
      return { ok: false, permanent: isPermanent(error), error: redact(error.response ?? error.message ?? String(caught), this.secrets) };
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** The mailer the configuration asks for; null when SMTP_URL is unset (email is off). */
export function mailerFrom(settings: SmtpSettings | null): Mailer | null {
  return settings ? new SmtpMailer(settings) : null;
}
