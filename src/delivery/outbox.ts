import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import type { Logger } from '../log/logger';
import type { Mailer } from './mailer';
import { EMAIL_OFF, type AttemptResult, type DeliveryLogEntry, type MessageKind, type OutgoingMessage } from './model';

/**
 * The wait after each failed attempt: 1 min, 5 min, 30 min, 2 h, 12 h. A message is tried at
 * most BACKOFF_MS.length + 1 times, then given up and logged as failed.
 */
export const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000] as const;
export const MAX_ATTEMPTS = BACKOFF_MS.length + 1;
/**
 * How long a claimed attempt is its holder's alone. A send is bounded by the mailer's timeouts
 * (at most a couple of minutes), so only a holder that died leaves a claim to expire.
 */
export const LEASE_MS = 10 * 60_000;
/** A message not sent this long after it was queued is given up: a "this week" notice is no use next week. */
export const GIVE_UP_AFTER_MS = 3 * 24 * 3_600_000;
/**
 * Messages, claims and outcomes older than this are deleted (the delivery log keeps when, to
 * whom, what and the result). It is well beyond the longest a message may be queued again under
 * the same id (a scheduled export is caught up at most 7 days late, a digest a week), so the id
 * still stops a second send; and what was sent is not kept for longer than it is of use.
 */
export const KEEP_MESSAGES_MS = 35 * 24 * 3_600_000;
/** What one run looks at: every message young enough to be still owed an outcome, with a day to spare. */
const WINDOW_MS = GIVE_UP_AFTER_MS + 24 * 3_600_000;

/** A message's envelope (`ecf_outbox`): small, because every run reads the recent ones. */
interface StoredMessage {
  _id: string;
  kind: MessageKind;
  schoolUrn: string;
  to: string;
  subject: string;
  dataAsOf: string | null;
  createdAt: Date;
}

/**
 * What a message carries (`ecf_outbox_bodies`, the same `_id`), read by `_id` only when it is
 * sent: on FerretDB a filtered read decodes every document, so attachments stay out of the
 * envelopes a run scans.
 */
interface StoredBody {
  _id: string;
  text: string;
  html: string | null;
  attachments: { filename: string; contentType: string; content: mongo.Binary }[];
  createdAt: Date;
}

/** One attempt's lease: inserted once; a duplicate key means another instance has this attempt. */
interface Claim {
  /** `<messageId>#<attempt>`. */
  _id: string;
  messageId: string;
  attempt: number;
  claimedAt: Date;
  expiresAt: Date;
  instance: string;
}

/** `_id` = the message id for its one final outcome (sent or given up); `<messageId>#<attempt>` for a failed attempt that will be retried. */
interface Outcome {
  _id: string;
  messageId: string;
  attempt: number;
  at: Date;
  outcome: AttemptResult;
  retryAt: Date | null;
  error: string | null;
}

export interface DeliveryRun {
  sent: number;
  /** Failed attempts, the given-up ones included. */
  failed: number;
  givenUp: number;
  /** Messages owed an outcome that are not due yet (waiting for a retry, or held by another instance). */
  waiting: number;
  /** False when email is not set up: then nothing was looked at. */
  configured: boolean;
  /** Each attempt this run made, for the CLI's report (no addresses: it is logged too). */
  attempts: { messageId: string; attempt: number; result: AttemptResult; error: string | null }[];
}

type Next = { kind: 'done' } | { kind: 'wait' } | { kind: 'attempt'; attempt: number } | { kind: 'give-up'; attempt: number; reason: string };

const claimId = (messageId: string, attempt: number) => `${messageId}#${attempt}`;

/**
 * What a message needs now, from its insert-only records. Attempt numbers only grow, and each is
 * taken by inserting its claim, so two instances that read the same records (or one that read
 * older ones) aim at the same attempt and only one of them gets it.
 */
export function nextStep(message: Pick<StoredMessage, 'createdAt'>, claims: readonly Claim[], outcomes: readonly Outcome[], now: Date): Next {
  if (outcomes.some((o) => o.outcome !== 'failed')) return { kind: 'done' };
  const last = claims.reduce<Claim | null>((top, c) => (top && top.attempt > c.attempt ? top : c), null);
  const attempt = (last?.attempt ?? 0) + 1;
  if (last) {
    const failure = outcomes.find((o) => o.attempt === last.attempt);
    if (!failure && last.expiresAt > now) return { kind: 'wait' };
    if (failure && failure.retryAt && failure.retryAt > now) return { kind: 'wait' };
  }
  if (now.getTime() - message.createdAt.getTime() > GIVE_UP_AFTER_MS) return { kind: 'give-up', attempt, reason: 'not sent within 3 days of being queued' };
  if (attempt > MAX_ATTEMPTS) return { kind: 'give-up', attempt, reason: `no outcome recorded for attempt ${last?.attempt} (the instance sending it stopped)` };
  return { kind: 'attempt', attempt };
}

/**
 * Email, exactly once: messages are stored rendered (`ecf_outbox`), each attempt is taken with
 * an insert-only lease (`ecf_outbox_claims`), the outcome is recorded insert-only
 * (`ecf_outbox_results`) and every attempt is logged (`ecf_delivery_log`). Nothing is ever
 * updated in place, so FerretDB's lost updates and multi-winner conditional updates cannot
 * touch it. docs/delivery.md walks through each crash point.
 */
export class Outbox {
  private readonly instance = crypto.randomBytes(6).toString('hex');

  constructor(
    private readonly store: Store,
    private readonly mailer: Mailer | null,
    private readonly logger: Logger,
  ) {}

  /** False when SMTP_URL is unset: messages are still stored, and nothing is sent. */
  get configured(): boolean {
    return this.mailer !== null;
  }

  private get messages() {
    return this.store.collection<StoredMessage>('outbox');
  }

  private get bodies() {
    return this.store.collection<StoredBody>('outbox_bodies');
  }

  private get claims() {
    return this.store.collection<Claim>('outbox_claims');
  }

  private get outcomes() {
    return this.store.collection<Outcome>('outbox_results');
  }

  private get entries() {
    return this.store.collection<DeliveryLogEntry>('delivery_log');
  }

  /** Stores the rendered message once (a second enqueue of the same id changes nothing and says 'already'). */
  async enqueue(message: OutgoingMessage, now = new Date()): Promise<'queued' | 'already'> {
    const body: StoredBody = {
      _id: message.id,
      text: message.text,
      html: message.html ?? null,
      attachments: (message.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: new mongo.Binary(a.content) })),
      createdAt: now,
    };
    const stored: StoredMessage = { _id: message.id, kind: message.kind, schoolUrn: message.schoolUrn, to: message.to, subject: message.subject, dataAsOf: message.dataAsOf ?? null, createdAt: now };
    // The body first: an envelope is only ever there with its body. A body already there is the
    // same message, rendered by an instance that stopped before its envelope (or that queued it).
    await this.bodies.insertOne(body).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
    try {
      await this.messages.insertOne(stored);
      return 'queued';
    } catch (error) {
      if (isDuplicateKey(error)) return 'already';
      throw error;
    }
  }

  /** Sends what is due (claimed under an insert-only lease), retries failures with backoff; safe to run in several instances. */
  async deliverDue(now = new Date()): Promise<DeliveryRun> {
    const run: DeliveryRun = { sent: 0, failed: 0, givenUp: 0, waiting: 0, configured: this.mailer !== null, attempts: [] };
    if (!this.mailer) {
      this.logger.info({ event: 'delivery.off' }, EMAIL_OFF);
      return run;
    }
    const since = new Date(now.getTime() - WINDOW_MS);
    // Outcomes before claims: an outcome that lands between the two reads shows as a claim in progress, never as due.
    const outcomes = groupBy(await this.outcomes.find({ at: { $gte: since } }).toArray());
    const claims = groupBy(await this.claims.find({ claimedAt: { $gte: since } }).toArray());
    const pending = await this.messages.find({ createdAt: { $gte: since } }, { projection: { _id: 1, createdAt: 1 } }).sort({ createdAt: 1 }).toArray();
    for (const { _id, createdAt } of pending) {
      const step = nextStep({ createdAt }, claims.get(_id) ?? [], outcomes.get(_id) ?? [], now);
      if (step.kind === 'wait') run.waiting += 1;
      if (step.kind !== 'attempt' && step.kind !== 'give-up') continue;
      const result = await this.take(_id, step, now);
      if (!result) continue;
      run.attempts.push(result);
      if (result.result === 'sent') run.sent += 1;
      else run.failed += 1;
      if (result.result === 'given-up') run.givenUp += 1;
    }
    if (run.attempts.length > 0) this.logger.info({ event: 'delivery.run', sent: run.sent, failed: run.failed, givenUp: run.givenUp, waiting: run.waiting }, 'email delivery run');
    await this.forgetOld(now);
    return run;
  }

  /** Deletes messages, bodies, claims and outcomes past KEEP_MESSAGES_MS; the log stays. Idempotent, so instances may overlap. */
  private async forgetOld(now: Date): Promise<void> {
    const before = new Date(now.getTime() - KEEP_MESSAGES_MS);
    const old = (await this.messages.find({ createdAt: { $lt: before } }, { projection: { _id: 1 } }).toArray()).map((m) => m._id);
    if (old.length === 0) return;
    // Bodies before envelopes: a crash between leaves envelopes the next run deletes, never a body without its record.
    await this.bodies.deleteMany({ _id: { $in: old } });
    await this.claims.deleteMany({ messageId: { $in: old } });
    await this.outcomes.deleteMany({ messageId: { $in: old } });
    await this.messages.deleteMany({ _id: { $in: old } });
    this.logger.info({ event: 'delivery.forgotten', messages: old.length }, 'old email messages deleted (the delivery log keeps them)');
  }

  /** Claims the attempt; null when another instance has it (or the message was finished meanwhile). */
  private async take(messageId: string, step: Extract<Next, { attempt: number }>, now: Date): Promise<DeliveryRun['attempts'][number] | null> {
    const claim: Claim = { _id: claimId(messageId, step.attempt), messageId, attempt: step.attempt, claimedAt: now, expiresAt: new Date(now.getTime() + LEASE_MS), instance: this.instance };
    try {
      await this.claims.insertOne(claim);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    // Ours now. One look by _id, in case an earlier attempt's outcome arrived after our read.
    if (await this.outcomes.findOne({ _id: messageId })) return null;
    const message = await this.messages.findOne({ _id: messageId });
    if (!message) return null;
    if (step.kind === 'give-up') return this.finish(message, step.attempt, 'given-up', step.reason, now);
    const body = await this.bodies.findOne({ _id: messageId });
    if (!body) return this.finish(message, step.attempt, 'given-up', 'its text was not stored', now);
    const outcome = await this.mailer!.send(toOutgoing(message, body), messageId);
    if (outcome.ok) return this.finish(message, step.attempt, 'sent', null, now);
    if (outcome.permanent) return this.finish(message, step.attempt, 'given-up', `refused: ${outcome.error}`, now);
    if (step.attempt >= MAX_ATTEMPTS) return this.finish(message, step.attempt, 'given-up', `gave up after ${step.attempt} attempts: ${outcome.error}`, now);
    return this.finish(message, step.attempt, 'failed', outcome.error, now);
  }

  /** Records the outcome (insert-only), then the log line. */
  private async finish(message: StoredMessage, attempt: number, result: AttemptResult, error: string | null, now: Date) {
    const retryAt = result === 'failed' ? new Date(now.getTime() + BACKOFF_MS[attempt - 1]) : null;
    const outcome: Outcome = { _id: result === 'failed' ? claimId(message._id, attempt) : message._id, messageId: message._id, attempt, at: now, outcome: result, retryAt, error };
    try {
      await this.outcomes.insertOne(outcome);
    } catch (caught) {
      // Only a holder whose lease ran out while it was still sending can meet a final outcome here; its attempt is still logged as it went.
      if (!isDuplicateKey(caught)) throw caught;
    }
    const entry: DeliveryLogEntry = {
      _id: claimId(message._id, attempt),
      messageId: message._id,
      attempt,
      at: now,
      to: message.to,
      kind: message.kind,
      schoolUrn: message.schoolUrn,
      dataAsOf: message.dataAsOf,
      subject: message.subject,
      result,
      error,
      retryAt,
    };
    await this.entries.insertOne(entry).catch((caught: unknown) => {
      if (!isDuplicateKey(caught)) throw caught;
    });
    // The address and the subject stay in the delivery log, out of the service log: message ids
    // hold the address, so the log names a message by its hash (the one in its Message-ID), and
    // addresses in the server's reply are blanked.
    const level = result === 'sent' ? 'info' : 'warn';
    const logged = { event: `delivery.${result}`, message: messageRef(message._id), kind: message.kind, schoolUrn: message.schoolUrn, attempt, retryAt, error: error && withoutAddresses(error) };
    this.logger[level](logged, `email ${result}`);
    return { messageId: message._id, attempt, result, error };
  }

  /** The delivery log, newest first; one school's only when asked. */
  async log(filter: { schoolUrn?: string; limit?: number } = {}): Promise<DeliveryLogEntry[]> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const query = filter.schoolUrn ? { schoolUrn: filter.schoolUrn } : {};
    return this.entries.find(query).sort({ at: -1, _id: -1 }).limit(limit).toArray();
  }
}

/** A message's name in the service log: the hash its SMTP Message-ID carries too. */
export function messageRef(messageId: string): string {
  return crypto.createHash('sha256').update(messageId).digest('hex').slice(0, 40);
}

const withoutAddresses = (text: string) => text.replace(/[^\s<>@"',;:]+@[^\s<>@"',;:]+/g, '<address>');

function groupBy<T extends { messageId: string }>(records: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const record of records) map.set(record.messageId, [...(map.get(record.messageId) ?? []), record]);
  return map;
}

function toOutgoing(message: StoredMessage, body: StoredBody): OutgoingMessage {
  return {
    id: message._id,
    kind: message.kind,
    schoolUrn: message.schoolUrn,
    to: message.to,
    subject: message.subject,
    text: body.text,
    ...(body.html ? { html: body.html } : {}),
    attachments: body.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content.buffer.subarray(0, a.content.position)) })),
    dataAsOf: message.dataAsOf,
  };
}
