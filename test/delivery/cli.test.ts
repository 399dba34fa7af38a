import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';
import { ukDay } from '../cohort/support';
import { startSmtp, type TestSmtp } from './smtp';

/** `ecf-progress delivery run` and `delivery log`, as an operator runs them, against a real SMTP server. */
const URN = '131245';
const COHORT = 'September 2026';
const PEOPLE = [
  { email: 'ada.ect@brookfield.example.org', name: 'Ada Ect', role: 'ect' },
  { email: 'max.mentor@brookfield.example.org', name: 'Max Mentor', role: 'mentor' },
];
const MAIL_VARIABLES = ['SMTP_URL', 'MAIL_FROM', 'DELIVERIES_FILE'] as const;
let env: CliEnvironment;
let smtp: TestSmtp;
const saved = Object.fromEntries(MAIL_VARIABLES.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  smtp = await startSmtp();
  env = await useCliEnvironment();
  process.env.DELIVERIES_FILE = writeTempFile('deliveries.json', JSON.stringify({ default: { schedule: { dates: [ukDay(0)] }, time: '00:00', format: 'csv' } }));
  const schools = await cli(['schools', 'import', writeTempFile('schools.csv', `urn,name,delivery_partner,contact_emails\n${URN},Brookfield Primary School,Northern Lights,office@brookfield.example.org`)]);
  expect(schools.code).toBe(0);
  // A course linked to the cohort, as `programme link` leaves it (the roster import checks the cohort exists).
  await env.db.collection('ecf_course_links').insertOne({
    _id: JSON.stringify(['https://canvas.example.org', '10000000000001', '4001']) as never,
    issuer: 'https://canvas.example.org',
    clientId: '10000000000001',
    courseId: '4001',
    programme: 'ect',
    cohort: COHORT,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  });
  const rows = PEOPLE.map((p, i) => [String(9001 + i), '', p.email, p.name, p.role, URN, COHORT, 'Group A', p.role === 'ect' ? PEOPLE[1].email : '', 'active'].join(','));
  const roster = await cli(['roster', 'import', writeTempFile('roster.csv', ['canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status', ...rows].join('\n'))]);
  expect([roster.code, roster.stderr]).toEqual([0, expect.stringContaining('"added":2')]);
}, 120_000);
afterAll(async () => {
  fs.rmSync(process.env.DELIVERIES_FILE!, { force: true });
  for (const name of MAIL_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await env?.close();
  await smtp?.close();
});

it('says email is not set up, and sends nothing, without SMTP_URL', async () => {
  const run = await cli(['delivery', 'run']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('Email is not set up (SMTP_URL)');
  const log = await cli(['delivery', 'log']);
  expect(log.code).toBe(0);
  expect(log.stderr).toContain('Email is not set up (SMTP_URL)');
  expect(log.stdout).toContain('No email has been attempted.');
  expect(smtp.received).toHaveLength(0);
});

it('refuses a malformed SMTP_URL at start, without echoing it', async () => {
  process.env.SMTP_URL = 'http://user:hunter22@mail.example.org';
  process.env.MAIL_FROM = 'ECF Progress <progress@ecf.example.org>';
  const run = await cli(['delivery', 'run']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('SMTP_URL: must start with smtp:// or smtps://');
  expect(run.stderr).not.toContain('hunter22');
  delete process.env.MAIL_FROM;
  process.env.SMTP_URL = smtp.url;
  expect((await cli(['delivery', 'run'])).stderr).toContain('MAIL_FROM: required when SMTP_URL is set');
});

it('performs the due deliveries, says what it did, and does not repeat them', async () => {
  process.env.SMTP_URL = smtp.url;
  process.env.MAIL_FROM = 'ECF Progress <progress@ecf.example.org>';
  const run = await cli(['delivery', 'run']);
  expect(run).toMatchObject({ code: 0 });
  expect(run.stdout).toMatch(new RegExp(`${ukDay(0)}\\s+${URN}\\s+Brookfield Primary School\\s+csv attachment\\s+2\\s+1\\s+1 queued`));
  expect(run.stdout).toContain('Emails: 1 sent, 0 failed');
  expect(smtp.received).toHaveLength(1);
  const [mail] = smtp.received;
  expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('office@brookfield.example.org');
  const rows: Record<string, string>[] = parse(mail.attachments[0].content, { columns: true, bom: true });
  expect(rows.map((r) => ({ email: r.email, name: r.participant_name, role: r.role })).sort((a, b) => a.email.localeCompare(b.email))).toEqual(PEOPLE);
  expect(rows.every((r) => r.school_urn === URN)).toBe(true);

  const again = await cli(['delivery', 'run']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('Scheduled exports: none due');
  expect(again.stdout).toContain('Emails: 0 sent');
  expect(smtp.received).toHaveLength(1);
});

it('lists the log, one school when asked, and refuses odd options', async () => {
  const log = await cli(['delivery', 'log', '--urn', URN, '--limit', '10']);
  expect(log.code).toBe(0);
  const lines = log.stdout.trim().split('\n');
  expect(lines).toHaveLength(3); // header, rule, one attempt
  expect(lines[2]).toMatch(new RegExp(`${URN}\\s+office@brookfield\\.example\\.org\\s+export\\s+.*\\s+1\\s+sent`));
  expect((await cli(['delivery', 'log', '--urn', '100001'])).stdout).toContain('No email to school 100001 has been attempted.');
  expect((await cli(['delivery', 'log', '--limit', '0'])).code).toBe(2);
  expect((await cli(['delivery', 'log', '--urn', '12'])).code).toBe(2);
});
