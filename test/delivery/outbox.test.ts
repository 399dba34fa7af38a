import { createLogger } from '../../src/log/logger';
import { BACKOFF_MS, GIVE_UP_AFTER_MS, KEEP_MESSAGES_MS, LEASE_MS, MAX_ATTEMPTS, Outbox, SmtpMailer, smtpMessageId, type OutgoingMessage } from '../../src/delivery';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { startSmtp, type TestSmtp } from './smtp';

/**
 * The outbox against a real SMTP server and the test database: each message reaches the server
 * once, whatever crashes, retries or second instances happen around it.
 */
const FROM = 'ECF Progress <progress@ecf.example.org>';
let smtp: TestSmtp;
let t: TestRuntime;
let serial = 0;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await openTestRuntime({ SMTP_URL: smtp.url, MAIL_FROM: FROM });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** Another instance on the same database: its own Outbox and its own SMTP connection, as a second process has. */
const instance = () => new Outbox(t.runtime.stores.store, new SmtpMailer({ url: smtp.url, from: FROM }), createLogger('silent'));

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  serial += 1;
  return {
    id: `test:${serial}:${Date.now()}`,
    kind: 'notification',
    schoolUrn: '100001',
    to: `contact${serial}@school.example.org`,
    subject: `Message ${serial}`,
    text: `Body of message ${serial}`,
    dataAsOf: '2026-12-01T07:00:00.000Z',
    ...overrides,
  };
}

/** What the server got for one message id (by its deterministic Message-ID). */
const receivedOf = (id: string) => smtp.received.filter((m) => m.messageId === smtpMessageId(id, FROM));
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

it('stores a message once, sends it once, and says so in the log', async () => {
  const m = message({ kind: 'export', attachments: [{ filename: 'figures.csv', contentType: 'text/csv', content: Buffer.from('a,b\n1,2\n') }] });
  expect(await t.runtime.outbox.enqueue(m)).toBe('queued');
  expect(await t.runtime.outbox.enqueue({ ...m, subject: 'A changed subject' })).toBe('already');
  const run = await t.runtime.outbox.deliverDue();
  expect(run.attempts.filter((a) => a.messageId === m.id)).toEqual([{ messageId: m.id, attempt: 1, result: 'sent', error: null }]);
  const [got, ...more] = receivedOf(m.id);
  expect(more).toHaveLength(0);
  expect(got.subject).toBe(m.subject);
  expect(got.to && 'text' in got.to ? got.to.text : null).toBe(m.to);
  expect(got.text?.trim()).toBe(m.text);
  expect(got.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['figures.csv', 'a,b\n1,2\n']]);
  // Nothing more to do: a later run (in an hour) sends nothing again.
  await t.runtime.outbox.deliverDue(at(new Date(), 3_600_000));
  expect(receivedOf(m.id)).toHaveLength(1);
  const log = await t.runtime.outbox.log({ schoolUrn: '100001' });
  expect(log.filter((e) => e.messageId === m.id).map((e) => [e.attempt, e.result, e.to, e.kind, e.dataAsOf])).toEqual([[1, 'sent', m.to, 'export', m.dataAsOf]]);
});

it('delivers, once, a message queued by a process that stopped before sending it', async () => {
  const m = message();
  await instance().enqueue(m); // the process that rendered it, then died
  const restarted = instance();
  expect((await restarted.deliverDue()).attempts.filter((a) => a.messageId === m.id).map((a) => a.result)).toEqual(['sent']);
  await instance().deliverDue();
  await restarted.deliverDue();
  expect(receivedOf(m.id)).toHaveLength(1);
});

it('waits for the lease of an attempt whose holder died, then retries it with the same Message-ID', async () => {
  const m = message();
  const now = new Date();
  await t.runtime.outbox.enqueue(m, now);
  // What a holder leaves when it dies after its claim: the claim and nothing else.
  await t.runtime.stores.store.collection('outbox_claims').insertOne({ _id: `${m.id}#1`, messageId: m.id, attempt: 1, claimedAt: now, expiresAt: at(now, LEASE_MS), instance: 'dead' } as never);
  expect((await instance().deliverDue(at(now, LEASE_MS - 1000))).attempts.filter((a) => a.messageId === m.id)).toEqual([]);
  expect(receivedOf(m.id)).toHaveLength(0);
  const run = await instance().deliverDue(at(now, LEASE_MS + 1000));
  expect(run.attempts.filter((a) => a.messageId === m.id)).toEqual([{ messageId: m.id, attempt: 2, result: 'sent', error: null }]);
  expect(receivedOf(m.id)).toHaveLength(1);
  expect(receivedOf(m.id)[0].messageId).toBe(smtpMessageId(m.id, FROM));
});

it('sends each message exactly once when two instances deliver at the same moment', async () => {
  const batch = Array.from({ length: 8 }, () => message());
  for (const m of batch) await t.runtime.outbox.enqueue(m);
  const [a, b] = [instance(), instance()];
  const runs = await Promise.all([a.deliverDue(), b.deliverDue(), a.deliverDue(), b.deliverDue()]);
  const ids = new Set(batch.map((m) => m.id));
  const sentByRuns = runs.flatMap((r) => r.attempts).filter((x) => ids.has(x.messageId) && x.result === 'sent');
  expect(sentByRuns).toHaveLength(batch.length);
  for (const m of batch) expect([m.id, receivedOf(m.id).length]).toEqual([m.id, 1]);
});

it('retries a temporary refusal after its backoff, and the message arrives once', async () => {
  const m = message();
  const now = new Date();
  await t.runtime.outbox.enqueue(m, now);
  smtp.refuseNext(451, 'Try again later');
  const first = await t.runtime.outbox.deliverDue(now);
  expect(first.attempts.filter((a) => a.messageId === m.id)).toEqual([{ messageId: m.id, attempt: 1, result: 'failed', error: expect.stringContaining('451') }]);
  expect(receivedOf(m.id)).toHaveLength(0);
  // Before the backoff: still waiting.
  expect((await instance().deliverDue(at(now, BACKOFF_MS[0] - 1000))).attempts.filter((a) => a.messageId === m.id)).toEqual([]);
  const second = await instance().deliverDue(at(now, BACKOFF_MS[0] + 1000));
  expect(second.attempts.filter((a) => a.messageId === m.id)).toEqual([{ messageId: m.id, attempt: 2, result: 'sent', error: null }]);
  expect(receivedOf(m.id)).toHaveLength(1);
  const log = (await t.runtime.outbox.log({ limit: 1000 })).filter((e) => e.messageId === m.id);
  expect(log.map((e) => [e.attempt, e.result, e.retryAt?.getTime() ?? null])).toEqual([
    [2, 'sent', null],
    [1, 'failed', now.getTime() + BACKOFF_MS[0]],
  ]);
});

it('gives up on a permanent refusal at once, logs it, and never sends it', async () => {
  const m = message();
  const now = new Date();
  await t.runtime.outbox.enqueue(m, now);
  smtp.refuseNext(550, 'No such mailbox here');
  const run = await t.runtime.outbox.deliverDue(now);
  expect(run.attempts.filter((a) => a.messageId === m.id)).toEqual([{ messageId: m.id, attempt: 1, result: 'given-up', error: expect.stringMatching(/550.*No such mailbox/) }]);
  for (const later of [BACKOFF_MS[0], BACKOFF_MS[4], 24 * 3_600_000]) await t.runtime.outbox.deliverDue(at(now, later + 1000));
  expect(receivedOf(m.id)).toHaveLength(0);
  const log = (await t.runtime.outbox.log()).filter((e) => e.messageId === m.id);
  expect(log.map((e) => [e.attempt, e.result])).toEqual([[1, 'given-up']]);
});

it('tries a failing message six times on the backoff schedule, then gives it up', async () => {
  const m = message({ schoolUrn: '100002' });
  const now = new Date();
  await t.runtime.outbox.enqueue(m, now);
  smtp.refuseAll(451, 'Mailbox busy');
  try {
    let clock = now;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const run = await t.runtime.outbox.deliverDue(clock);
      expect(run.attempts.filter((a) => a.messageId === m.id).map((a) => [a.attempt, a.result])).toEqual([[attempt, attempt < MAX_ATTEMPTS ? 'failed' : 'given-up']]);
      if (attempt < MAX_ATTEMPTS) clock = at(clock, BACKOFF_MS[attempt - 1] + 1000);
    }
    expect((await t.runtime.outbox.deliverDue(at(clock, 24 * 3_600_000))).attempts.filter((a) => a.messageId === m.id)).toEqual([]);
  } finally {
    smtp.acceptAgain();
  }
  expect(receivedOf(m.id)).toHaveLength(0);
  expect((await t.runtime.outbox.log({ schoolUrn: '100002' })).map((e) => e.result)).toEqual(['given-up', 'failed', 'failed', 'failed', 'failed', 'failed']);
});

it('gives up a message that could not be sent within three days of being queued', async () => {
  const m = message();
  const queued = new Date();
  await t.runtime.outbox.enqueue(m, queued);
  const run = await t.runtime.outbox.deliverDue(at(queued, GIVE_UP_AFTER_MS + 60_000));
  expect(run.attempts.filter((a) => a.messageId === m.id)).toEqual([{ messageId: m.id, attempt: 1, result: 'given-up', error: expect.stringContaining('3 days') }]);
  expect(receivedOf(m.id)).toHaveLength(0);
});

it('sends nothing, and says email is off, without SMTP_URL', async () => {
  const off = new Outbox(t.runtime.stores.store, null, createLogger('silent'));
  const m = message();
  expect(await off.enqueue(m)).toBe('queued');
  const run = await off.deliverDue();
  expect(run).toMatchObject({ configured: false, sent: 0, failed: 0, attempts: [] });
  expect(off.configured).toBe(false);
  expect(receivedOf(m.id)).toHaveLength(0);
});

describe('an SMTP login that is refused', () => {
  let secured: TestSmtp;
  beforeAll(async () => {
    secured = await startSmtp({ credentials: { user: 'mailer', pass: 'right-pass' } });
  });
  afterAll(() => secured.close());

  it('is retried, and the log holds no credential', async () => {
    const url = `smtp://mailer:s3cret-Pa55@127.0.0.1:${secured.port}`;
    const outbox = new Outbox(t.runtime.stores.store, new SmtpMailer({ url, from: FROM }), createLogger('silent'));
    const m = message();
    await outbox.enqueue(m);
    const run = await outbox.deliverDue();
    const attempt = run.attempts.find((a) => a.messageId === m.id);
    expect(attempt).toMatchObject({ attempt: 1, result: 'failed' });
    const logged = JSON.stringify((await outbox.log({ limit: 1000 })).filter((e) => e.messageId === m.id));
    expect(logged).toContain('535');
    expect(logged).not.toContain('s3cret-Pa55');
    expect(secured.received).toHaveLength(0);
  });
});

it('forgets a message and its body once it is past keeping, and the log still says it was sent', async () => {
  const m = message({ kind: 'export', attachments: [{ filename: 'old.csv', contentType: 'text/csv', content: Buffer.from('x\n') }] });
  const queuedAt = new Date();
  await t.runtime.outbox.enqueue(m, queuedAt);
  await t.runtime.outbox.deliverDue(queuedAt);
  const { store } = t.runtime.stores;
  const kept = async () => ({
    envelope: await store.collection('outbox').countDocuments({ _id: m.id } as never),
    body: await store.collection('outbox_bodies').countDocuments({ _id: m.id } as never),
    claims: await store.collection('outbox_claims').countDocuments({ messageId: m.id }),
    results: await store.collection('outbox_results').countDocuments({ messageId: m.id }),
  });
  // Within the keeping time nothing goes (a second send is stopped by the stored id).
  await t.runtime.outbox.deliverDue(at(queuedAt, KEEP_MESSAGES_MS - 3_600_000));
  expect(await kept()).toEqual({ envelope: 1, body: 1, claims: 1, results: 1 });
  await t.runtime.outbox.deliverDue(at(queuedAt, KEEP_MESSAGES_MS + 3_600_000));
  expect(await kept()).toEqual({ envelope: 0, body: 0, claims: 0, results: 0 });
  expect(receivedOf(m.id)).toHaveLength(1);
  const log = await t.runtime.outbox.log({ schoolUrn: m.schoolUrn });
  expect(log.filter((e) => e.messageId === m.id).map((e) => [e.attempt, e.result, e.subject])).toEqual([[1, 'sent', m.subject]]);
});
