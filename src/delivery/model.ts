/** What the delivery folder stores and shows; the classes are in outbox.ts, mailer.ts and scheduled.ts. */

export type MessageKind = 'export' | 'notification' | 'digest';

export interface OutgoingMessage {
  /** Deterministic: the same message (same purpose, recipient, occasion) always gets the same id; sending twice is impossible by this id. */
  id: string;
  kind: MessageKind;
  schoolUrn: string;
  /** One recipient per message. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
  dataAsOf?: string | null;
}

/** What an attempt came to: `given-up` is a failure after which nothing more is tried. */
export type AttemptResult = 'sent' | 'failed' | 'given-up';

/** One row of the delivery log (`ecf_delivery_log`): one per attempt, insert-only. */
export interface DeliveryLogEntry {
  /** `<messageId>#<attempt>`. */
  _id: string;
  messageId: string;
  attempt: number;
  at: Date;
  to: string;
  kind: MessageKind;
  schoolUrn: string;
  dataAsOf: string | null;
  subject: string;
  result: AttemptResult;
  /** The SMTP server's words (or the network's), with any credentials taken out; null when sent. */
  error: string | null;
  /** When the next attempt may start, after a failure that will be retried. */
  retryAt: Date | null;
}

export const EMAIL_OFF = 'Email is not set up (SMTP_URL).';
