import axe from 'axe-core';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import { createLogger } from '../../src/log/logger';
import { Outbox, ScheduledExports, SmtpMailer, parseDeliveries, rosterSchools, type DeliveriesConfig } from '../../src/delivery';
import { UnknownJobError } from '../../src/jobs';
import { SchoolContacts } from '../../src/schools';
import { COHORT, startWorld, type World } from '../participants/world';
import { ukDay } from '../cohort/support';
import { launchChromium } from '../support/browser';
import { startSmtp, type TestSmtp } from './smtp';

/**
 * Scheduled export emails against the real app on a synced world (school 131245, Brookfield
 * Primary School: the platform's ECT and mentor and another ECT and mentor) and a real SMTP
 * server. The school's contacts are the schools list's office address and one imported contact.
 */
const URN = '131245';
const SCHOOL = 'Brookfield Primary School';
const FROM = 'ECF Progress <progress@ecf.example.org>';
const HEAD = 'head@brookfield.example.org';
let w: World;
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtp();
  w = await startWorld(41);
  const contacts = new SchoolContacts(w.t.runtime.stores.store, w.t.runtime.stores.schools);
  const report = await contacts.import(`urn,name,email,canvas_user_id,role\n${URN},Pat Head,${HEAD},,Headteacher`);
  if (report.bad.length) throw new Error(JSON.stringify(report.bad));
}, 120_000);
afterAll(async () => {
  await w?.close();
  await smtp?.close();
});

/** The scheduled exports with this config, sending to the test SMTP server (as a runtime with SMTP_URL set builds them). */
function scheduled(config: DeliveriesConfig): ScheduledExports {
  const { runtime } = w.t;
  const { store, roster, schools } = runtime.stores;
  const logger = createLogger('silent');
  return new ScheduledExports({
    store,
    outbox: new Outbox(store, new SmtpMailer({ url: smtp.url, from: FROM }), logger),
    exports: runtime.exports,
    contacts: new SchoolContacts(store, schools),
    schools: rosterSchools(roster, schools),
    links: runtime.deliveryLinks,
    publicUrl: w.t.url,
    logger,
    config,
  });
}

/** The roster the world imported for the school: who the export must list (from the world's own data). */
function rosterPeople() {
  const u = w.platform.users;
  return [
    { email: u.mentor.email, name: u.mentor.name, role: 'mentor' },
    { email: w.otherMentor.email, name: 'Other Mentor', role: 'mentor' },
    { email: u.ect.email, name: u.ect.name, role: 'ect' },
    { email: w.otherEct.email, name: 'Other Ect', role: 'ect' },
  ].sort((a, b) => a.email.localeCompare(b.email));
}

const recipientsOf = (mail: ParsedMail) => (mail.to && 'text' in mail.to ? mail.to.text : '');
const newSince = (count: number) => smtp.received.slice(count);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
const ukDayOf = (date: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
const dayWords = (date: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(`${date}T00:00:00Z`));

function csvRows(content: Buffer): Record<string, string>[] {
  return parse(content, { columns: true, bom: true, skip_empty_lines: true });
}

function expectRowsOfTheSchool(rows: Record<string, string>[]) {
  expect(rows.map((r) => ({ email: r.email, name: r.participant_name, role: r.role })).sort((a, b) => a.email.localeCompare(b.email))).toEqual(rosterPeople());
  expect(new Set(rows.map((r) => r.school_urn))).toEqual(new Set([URN]));
  expect(new Set(rows.map((r) => r.cohort))).toEqual(new Set([COHORT]));
  // The figures are the simulator's: the platform's ECT's overall online completion.
  const ect = rows.find((r) => r.email === w.platform.users.ect.email)!;
  const truth = w.truth('ect', w.platform.users.ect.canvasUserId);
  expect(ect.overall_online_pct.replace('%', '')).toBe(String(truth.overall));
}

it('has no deliveries job, and says email is off, in a service without SMTP_URL', async () => {
  expect(w.t.runtime.mailer).toBeNull();
  await expect(w.t.service.jobs.perform('deliveries')).rejects.toThrow(UnknownJobError);
  const run = await w.t.runtime.deliveries.run();
  expect(run).toMatchObject({ configured: false, occurrences: [] });
  expect(smtp.received).toHaveLength(0);
});

describe('a set date, as CSV attachments', () => {
  const today = ukDay(0);
  let first: Awaited<ReturnType<ScheduledExports['run']>>;
  let mails: ParsedMail[];

  beforeAll(async () => {
    const before = smtp.received.length;
    first = await scheduled(parseDeliveries({ default: { schedule: { dates: [today, '2020-01-01'] }, time: '00:00', format: 'csv' } })).run();
    mails = newSince(before);
  });

  it('queues one message per contact of the school and sends each', () => {
    expect(first.occurrences).toEqual([{ urn: URN, school: SCHOOL, date: today, format: 'csv', as: 'attachment', rows: 4, recipients: 2, queued: 2, note: null }]);
    expect(first.delivery).toMatchObject({ sent: 2, failed: 0 });
    expect(mails.map(recipientsOf).sort()).toEqual([HEAD, 'office@example.org']);
  });

  it('attaches the school’s export, whose rows are the school’s participants', () => {
    for (const mail of mails) {
      expect(mail.attachments).toHaveLength(1);
      const [file] = mail.attachments;
      expect(file.contentType).toBe('text/csv');
      expect(file.filename).toMatch(new RegExp(`^ecf-progress-school-${URN}-.*\\.csv$`));
      expectRowsOfTheSchool(csvRows(file.content));
    }
  });

  it('says in plain words which school, which data date and what is attached', async () => {
    const text = mails[0].text ?? '';
    expect(mails[0].subject).toBe(`ECF progress for ${SCHOOL}: ${dayWords(today)}`);
    expect(text).toContain(`${SCHOOL} (URN ${URN})`);
    expect(text).toContain(`for ${dayWords(today)}.`);
    // The data date is the world's sync's (its run record), in UK words.
    const [sync] = await w.t.runtime.stores.runs.latest(1);
    expect(text).toContain(`The figures are as of ${dayWords(ukDayOf(sync.finishedAt!))} at`);
    expect(text).toContain(`Attached: ${mails[0].attachments[0].filename}, a CSV file`);
    expect(text).toContain('4 participants');
  });

  it('is not sent again by the next runs, nor by another instance', async () => {
    const before = smtp.received.length;
    const again = await scheduled(parseDeliveries({ default: { schedule: { dates: [today] }, time: '00:00', format: 'csv' } })).run(new Date(Date.now() + 5 * 60_000));
    expect(again.occurrences).toEqual([]);
    expect(again.delivery.sent).toBe(0);
    // A run that missed the marks (they are an optimisation) still cannot send twice: the message ids are fixed.
    await w.t.runtime.stores.store.collection('delivery_occurrences').deleteMany({});
    const unmarked = await scheduled(parseDeliveries({ default: { schedule: { dates: [today] }, time: '00:00', format: 'csv' } })).run();
    expect(unmarked.occurrences.map((o) => [o.date, o.queued])).toEqual([[today, 0]]);
    expect(newSince(before)).toHaveLength(0);
  });
});

describe('a monthly schedule, as the default PDF', () => {
  it('sends the occurrence due on a given day once, and not on the next runs', async () => {
    const day = inDays(40);
    const occurrence = ukDayOf(day);
    const config = parseDeliveries({ default: { schedule: { monthly: { day: Number(occurrence.slice(8)) } }, time: '00:00' } });
    const before = smtp.received.length;
    const run = await scheduled(config).run(day);
    expect(run.occurrences.map((o) => [o.urn, o.date, o.format, o.queued])).toEqual([[URN, occurrence, 'pdf', 2]]);
    const mails = newSince(before);
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      expect(mail.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);
      expect(mail.attachments[0].content.subarray(0, 5).toString()).toBe('%PDF-');
      expect(mail.text).toContain('a PDF file');
    }
    for (const later of [5 * 60_000, 86_400_000, 6 * 86_400_000]) {
      const next = await scheduled(config).run(new Date(day.getTime() + later));
      expect([later, next.occurrences.length, next.delivery.sent]).toEqual([later, 0, 0]);
    }
    expect(newSince(before)).toHaveLength(2);
  });

  it('sends nothing to a school whose entry says enabled: false', async () => {
    const day = inDays(80);
    const config = parseDeliveries({ default: { schedule: { monthly: { day: Number(ukDayOf(day).slice(8)) } }, time: '00:00' }, schools: { [URN]: { enabled: false } } });
    const before = smtp.received.length;
    const run = await scheduled(config).run(day);
    expect(run.occurrences).toEqual([]);
    expect(newSince(before)).toHaveLength(0);
  });
});

describe('a download link instead of an attachment', () => {
  let link: string;

  beforeAll(async () => {
    const day = inDays(120);
    const before = smtp.received.length;
    const run = await scheduled(parseDeliveries({ default: { schedule: { dates: [ukDayOf(day)] }, time: '00:00', format: 'csv', as: 'link' } })).run(day);
    expect(run.delivery.sent).toBe(2);
    const [mail] = newSince(before);
    expect(mail.attachments).toHaveLength(0);
    const found = new RegExp(`${w.t.url}/deliveries/[\\w.-]+`).exec(mail.text ?? '');
    expect(found).not.toBeNull();
    expect(mail.text).toContain('works for 30 days');
    link = found![0];
  });

  it('downloads the school’s export', async () => {
    const res = await request(link).get('').buffer(true).parse((r, done) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => done(null, Buffer.concat(parts)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`attachment; filename="ecf-progress-school-${URN}-`));
    expect(res.headers['cache-control']).toContain('no-store');
    expectRowsOfTheSchool(csvRows(res.body as Buffer));
  });

  it('refuses a changed link with a clear page and no data', async () => {
    const [header, payload, signature] = link.slice(link.lastIndexOf('/') + 1).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, urn: '100001' })).toString('base64url');
    for (const token of [`${header}.${forged}.${signature}`, `${header}.${payload}.${signature.slice(0, -2)}xx`, 'not-a-token', 'a.b.c']) {
      const res = await request(w.t.url).get(`/deliveries/${token}`);
      expect([token, res.status]).toEqual([token, 403]);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.text).toContain('This download link is not valid');
      expect(res.text).not.toContain(w.otherEct.email);
    }
  });

  it('refuses an expired link with a page that says so', async () => {
    const old = await w.t.runtime.deliveryLinks.sign({ urn: URN, format: 'csv', occurrence: '2026-01-01' }, new Date(Date.now() - 31 * 86_400_000));
    const res = await request(w.t.url).get(`/deliveries/${old}`);
    expect(res.status).toBe(403);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.text).toContain('This download link has expired');
    expect(res.text).not.toContain(w.otherEct.email);
    const fresh = await w.t.runtime.deliveryLinks.sign({ urn: URN, format: 'csv', occurrence: '2026-01-01' }, new Date(Date.now() - 29 * 86_400_000));
    expect((await request(w.t.url).get(`/deliveries/${fresh}`)).status).toBe(200);
  });
});

describe('the admin delivery log page', () => {
  // Its own occurrence, so the page has rows whatever ran before.
  beforeAll(async () => {
    const day = inDays(160);
    const run = await scheduled(parseDeliveries({ default: { schedule: { dates: [ukDayOf(day)] }, time: '00:00', format: 'csv' } })).run(day);
    expect(run.delivery.sent).toBe(2);
  });

  const launchBase = async (user: 'admin' | 'facilitator' | 'ect' | 'mentor') => {
    const launched = await w.launch(user);
    expect(launched.status).toBe(200);
    return { base: w.baseOf(launched), home: launched.body };
  };

  it('lists every attempt, newest first, for an admin, and filters by school', async () => {
    const { base, home } = await launchBase('admin');
    expect(home).toContain(`href="${base}admin/deliveries"`);
    const res = await request(w.t.url).get(`${base}admin/deliveries`);
    expect(res.status).toBe(200);
    const log = await w.t.runtime.outbox.log({ limit: 200 });
    expect(log.slice(0, 2).map((e) => [e.to, e.result, e.kind]).sort()).toEqual([[HEAD, 'sent', 'export'], ['office@example.org', 'sent', 'export']]);
    // Rows in the page's order are the log's, newest first.
    const shown = [...res.text.matchAll(/<td data-label="To">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(shown).toEqual(log.map((e) => e.to));
    expect(log.map((e) => e.at.getTime())).toEqual([...log.map((e) => e.at.getTime())].sort((a, b) => b - a));
    expect(res.text).toContain('Email is not set up (SMTP_URL)'); // the world's own runtime has no SMTP_URL
    const one = await request(w.t.url).get(`${base}admin/deliveries?urn=${URN}`);
    expect(one.text).toContain(`Emails to ${SCHOOL}`);
    expect([...one.text.matchAll(/<td data-label="To">/g)]).toHaveLength(log.length);
    const none = await request(w.t.url).get(`${base}admin/deliveries?urn=100001`);
    expect(none.text).toContain('No email has been sent to this school yet');
    expect((await request(w.t.url).get(`${base}admin/deliveries?urn=abc`)).status).toBe(400);
  });

  it('is accessible (axe-core, WCAG 2.2 AA) and fits a 320 px screen', async () => {
    const { base } = await launchBase('admin');
    const browser = await launchChromium();
    try {
      for (const width of [320, 1280]) {
        const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
        expect((await page.goto(`${w.t.url}${base}admin/deliveries?urn=${URN}`))?.status()).toBe(200);
        expect(await page.locator('td[data-label="To"]').count()).toBeGreaterThan(0);
        await page.evaluate(axe.source);
        const result = await page.evaluate<{ violations: { id: string }[] }>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`);
        expect([width, result.violations.map((v) => v.id)]).toEqual([width, []]);
        expect([width, await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')]).toEqual([width, 0]);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('is for admins only', async () => {
    for (const user of ['facilitator', 'ect', 'mentor'] as const) {
      const { base } = await launchBase(user);
      const res = await request(w.t.url).get(`${base}admin/deliveries`);
      expect([user, res.status]).toEqual([user, 403]);
      expect(res.text).not.toContain(HEAD);
    }
  });
});
