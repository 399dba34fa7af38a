import { messageRef, smtpMessageId } from '../../src/delivery';
import { startTestService, testConfig, type TestService } from '../support/service';
import { startSmtp, type TestSmtp } from './smtp';

/** The `deliveries` job of the running service with SMTP_URL set (test/delivery/scheduled.test.ts: none without it). */
const FROM = 'progress@ecf.example.org';
let smtp: TestSmtp;
let t: TestService | undefined;

beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(async () => {
  await t?.close();
  await smtp.close();
});

it('sends what is queued (a notification, say) when the job runs', async () => {
  t = await startTestService({ config: await testConfig({ SMTP_URL: smtp.url, MAIL_FROM: FROM }) });
  const id = 'notification:131245:change-answered:42:head@school.example.org';
  await t.runtime.outbox.enqueue({ id, kind: 'notification', schoolUrn: '131245', to: 'head@school.example.org', subject: 'Your change request was answered', text: 'It was approved.' });
  await t.service.jobs.perform('deliveries');
  expect(smtp.received.map((m) => m.messageId)).toEqual([smtpMessageId(id, FROM)]);
  await t.service.jobs.perform('deliveries');
  expect(smtp.received).toHaveLength(1);
  // The service log has ids and outcomes, never the address.
  expect(t.logs.text()).toContain(`"event":"delivery.sent","message":"${messageRef(id)}"`);
  expect(t.logs.text()).not.toContain('head@school.example.org');
});

it('keeps addresses in a refusal out of the service log, and in the delivery log', async () => {
  const id = 'notification:131245:weekly:refused@school.example.org';
  await t!.runtime.outbox.enqueue({ id, kind: 'notification', schoolUrn: '131245', to: 'refused@school.example.org', subject: 'Events next week', text: 'Two events.' });
  smtp.refuseNext(550, '<refused@school.example.org>: Recipient address rejected');
  await t!.service.jobs.perform('deliveries');
  expect(t!.logs.text()).toContain('"event":"delivery.given-up"');
  expect(t!.logs.text()).toContain('550 <<address>>: Recipient address rejected');
  expect(t!.logs.text()).not.toContain('refused@school.example.org');
  expect((await t!.runtime.outbox.log({ schoolUrn: '131245' }))[0]).toMatchObject({ to: 'refused@school.example.org', result: 'given-up', error: expect.stringContaining('refused@school.example.org') });
});
