import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import { SignJWT } from 'jose';
import type { Outbox } from '../../src/delivery';
import { personKeyId } from '../../src/domain';
import { COHORT, GROUP_A, GROUP_B, startWorld, type World } from '../participants/world';
import { ukDay, useProgrammeFiles } from '../cohort/support';
import { formId } from '../changes/support';
import { csrfFrom } from '../support/forms';
import { digestMorningOf, secondNotifier, sendingOutbox, startSmtp, type TestSmtp } from './support';

const URN = '131245';
const SCHOOL = 'Brookfield Primary School';
const OTHER_URN = '654321';
/** Keeps the usual choices: change answered, newly red and schedule changes at once; the coming week in the digest. */
const TUTOR = 'tutor@brookfield.example.org';
/** Everything in the Monday digest. */
const HEAD = 'head@brookfield.example.org';
/** The schools list's contact address: everything off. */
const OFFICE = 'office@example.org';
/** The only contact of another school. */
const OLLY = 'olly@other.example.org';

const KINDS = ['change-answered', 'newly-red', 'schedule-changed', 'event-coming-week'] as const;
const all = (mode: string) => Object.fromEntries(KINDS.map((kind) => [kind, mode]));

/*
 * No module window has opened and Canvas inactivity never counts, so everyone starts green; a
 * missed training event is red. Whoever turns red below does so from the registers the test takes.
 */
const SCHEDULE = { cohorts: { [COHORT]: { ect: [{ module: 1, opens: ukDay(100), closes: ukDay(150) }], mentor: [{ module: 1, opens: ukDay(100), closes: ukDay(150) }] } } };
const RISK = {
  behindSchedule: { amberPoints: 20, redPoints: 40 },
  noCanvasActivity: { amberDays: 3600, redDays: 3650 },
  startAuditMissing: { amberDays: 30, redDays: 60 },
  trainingEvents: { missedLast: 'red', redBelowAttendancePct: 50, minimumEventsForPct: 2 },
};

let restore: () => void;
let w: World;
let smtp: TestSmtp;
let sender: Outbox;

interface StoredNotification {
  _id: string;
  kind: string;
  email: string;
  mode: string;
  digestWeek: string | null;
}

/** The notification records, read from the database itself. */
const stored = (filter: Record<string, unknown>) => w.t.runtime.stores.store.collection<StoredNotification>('notifications').find(filter).toArray();

/** A contact's newest stored choices, straight from the database. */
async function storedChoices(urn: string, email: string): Promise<{ version: number; choices: Record<string, string> } | null> {
  const [latest] = await w.t.runtime.stores.store.collection<{ _id: string; schoolUrn: string; email: string; version: number; choices: Record<string, string> }>('notification_prefs').find({ schoolUrn: urn, email }).sort({ version: -1 }).limit(1).toArray();
  return latest ?? null;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** "27 December 2026" from YYYY-MM-DD: the test's own words for a date. */
const inWords = (iso: string) => `${Number(iso.slice(8))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
const subjects = (mails: ParsedMail[]) => mails.map((m) => m.subject ?? '');
const about = (mails: ParsedMail[], words: string) => mails.filter((m) => (m.subject ?? '').includes(words));

beforeAll(async () => {
  restore = useProgrammeFiles({ schedule: SCHEDULE, risk: RISK });
  w = await startWorld(41);
  smtp = await startSmtp();
  sender = sendingOutbox(w.t.runtime, smtp);
  const schools = await w.t.runtime.stores.schools.import(`urn,name,delivery_partner,contact_emails\n${OTHER_URN},Other Academy,Northern Lights,`);
  if (schools.bad.length) throw new Error(JSON.stringify(schools.bad));
  const contacts = await w.t.runtime.schoolContacts.import(
    ['urn,name,email,canvas_user_id,role', `${URN},Tess Tutor,${TUTOR},,induction tutor`, `${URN},Hana Head,${HEAD},,headteacher`, `${OTHER_URN},Olly Other,${OLLY},,induction tutor`].join('\n'),
  );
  if (contacts.bad.length) throw new Error(JSON.stringify(contacts.bad));
  await w.t.runtime.notifications.preferences.save(URN, HEAD, all('digest') as never);
  await w.t.runtime.notifications.preferences.save(URN, OFFICE, all('off') as never);
  // The first look records what is there (schedules, red sets) without telling anyone.
  await w.t.runtime.notifications.runDue();
}, 180_000);

afterAll(async () => {
  await smtp?.close();
  await w?.close();
  restore?.();
});

describe('notifications for school contacts', () => {
  it('tells the school of a change request answered, with the reason: at once, in the digest, or not at all, as each contact chose', async () => {
    const { changes } = w.t.runtime;
    const { request: rejected } = await changes.ask(URN, { kind: 'email-change', participant: `canvas:${w.otherEct.id}`, email: 'other.ect.new@example.org' }, { formId: formId(), askedBy: TUTOR });
    await changes.decide(rejected.id, { approve: false, reason: 'That address already belongs to another participant.', by: 'admin' }, [COHORT]);
    await sender.deliverDue();

    const toTutor = about(smtp.to(TUTOR), 'not approved');
    expect(toTutor).toHaveLength(1);
    expect(toTutor[0].subject).toContain(SCHOOL);
    expect(toTutor[0].text).toContain('That address already belongs to another participant.');
    expect(toTutor[0].text).toContain('What to do');
    expect(toTutor[0].text).toContain(`${w.t.url}/notifications/settings?token=`);
    // Digest and off: nothing at once.
    expect(smtp.to(HEAD)).toEqual([]);
    expect(smtp.to(OFFICE)).toEqual([]);
    const records = await stored({ _id: { $in: [TUTOR, HEAD, OFFICE].map((email) => `change:${rejected.id}:${email}`) } });
    expect(Object.fromEntries(records.map((r) => [r.email, r.mode]))).toEqual({ [TUTOR]: 'instant', [HEAD]: 'digest', [OFFICE]: 'off' });

    const { request: approved } = await changes.ask(URN, { kind: 'email-change', participant: `canvas:${w.otherMentor.id}`, email: 'other.mentor.new@example.org' }, { formId: formId(), askedBy: TUTOR });
    await changes.decide(approved.id, { approve: true, reason: 'Updated in the national register too.', by: 'admin' }, [COHORT]);
    await sender.deliverDue();
    expect(about(smtp.to(TUTOR), 'request was approved')).toHaveLength(1);
    expect(smtp.to(HEAD)).toEqual([]);

    // The Monday digest: one message to the digest contact with both answers, nothing to the others.
    const [headRecord] = await stored({ _id: `change:${approved.id}:${HEAD}` });
    const tutorBefore = smtp.to(TUTOR).length;
    const run = await w.t.runtime.notifications.sendDigests(digestMorningOf(headRecord.digestWeek as string));
    expect(run.weeks).toContain(headRecord.digestWeek);
    await sender.deliverDue();
    const digests = smtp.to(HEAD);
    expect(digests).toHaveLength(1);
    expect(digests[0].subject).toContain('weekly');
    expect(digests[0].subject).toContain(SCHOOL);
    expect(digests[0].text).toContain('That address already belongs to another participant.');
    expect(digests[0].text).toContain('Updated in the national register too.');
    expect(digests[0].text).toContain(`${w.t.url}/notifications/settings?token=`);
    expect(smtp.to(TUTOR)).toHaveLength(tutorBefore);
    expect(smtp.to(OFFICE)).toEqual([]);
    // Run again (another instance, or the next hour): nothing more.
    await secondNotifier(w.t.runtime).sendDigests(digestMorningOf(headRecord.digestWeek as string));
    await sender.deliverDue();
    expect(smtp.to(HEAD)).toHaveLength(1);
  }, 60_000);

  it('tells the school once of a participant newly red, naming them with the reasons, across two instances and not again the next day', async () => {
    const { attendance } = w.t.runtime.stores;
    const otherEct = { key: `canvas:${w.otherEct.id}`, name: 'Other Ect', role: 'ect' as const };
    const otherMentor = { key: `canvas:${w.otherMentor.id}`, name: 'Other Mentor', role: 'mentor' as const };
    const takenBy = { ownerId: personKeyId(w.platform, w.platform.users.facilitator.canvasUserId), name: w.platform.users.facilitator.name };
    // Missing the last training event is red under these rules (and so is attending below 50% of 2 or more).
    for (const date of [ukDay(-14), ukDay(-7)]) {
      const event = await attendance.createEvent({ cohort: COHORT, group: GROUP_B, date, start_time: '09:30', type: 'face-to-face' });
      await attendance.saveRegister({ eventId: event._id, basedOn: 0, entries: [{ ...otherEct, present: false }, { ...otherMentor, present: true }], takenBy });
    }
    await w.t.runtime.notifications.flush();
    const redBefore = about(smtp.to(TUTOR), 'needs attention').length;

    const second = secondNotifier(w.t.runtime);
    await Promise.all([w.t.runtime.notifications.checkNewlyRed(), second.checkNewlyRed()]);
    await Promise.all([sender.deliverDue(), sendingOutbox(w.t.runtime, smtp).deliverDue()]);
    const red = about(smtp.to(TUTOR), 'needs attention');
    expect(red).toHaveLength(redBefore + 1);
    const mail = red.at(-1)!;
    expect(mail.subject).toContain('Other Ect');
    expect(mail.text).toContain('Attended 0 of 2 training events (0%)');
    expect(mail.text).toContain(`Missed the last training event on ${inWords(ukDay(-7))}`);
    expect(mail.text).toContain(SCHOOL);
    expect(mail.text).toContain('/notifications/settings?token=');
    const records = await stored({ kind: 'newly-red', email: { $in: [TUTOR, HEAD, OFFICE] } });
    expect(records.map((r) => r._id).sort()).toEqual([HEAD, OFFICE, TUTOR].map((email) => `red:${otherEct.key}:${ukDay(0)}:${email}`).sort());
    expect(records.find((r) => r.email === OFFICE)?.mode).toBe('off');

    // Still red the next day: not news.
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    await Promise.all([w.t.runtime.notifications.checkNewlyRed(undefined, tomorrow), second.checkNewlyRed(undefined, tomorrow)]);
    await sender.deliverDue();
    expect(about(smtp.to(TUTOR), 'needs attention')).toHaveLength(redBefore + 1);
    expect(await stored({ kind: 'newly-red' })).toHaveLength(3);
  }, 60_000);

  it('tells the school when an event of its participants’ group is added, and when it moves', async () => {
    const { attendance } = w.t.runtime.stores;
    const before = about(smtp.to(TUTOR), 'schedule changed').length;
    const event = await attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(20), start_time: '09:30', end_time: '15:00', type: 'face-to-face', title: 'Module 2 training day', location: 'Leeds' });
    await w.t.runtime.notifications.flush();
    await sender.deliverDue();
    const added = about(smtp.to(TUTOR), 'schedule changed');
    expect(added).toHaveLength(before + 1);
    expect(added.at(-1)!.subject).toContain(GROUP_A);
    expect(added.at(-1)!.text).toContain('Added: Face-to-face session “Module 2 training day”');
    expect(added.at(-1)!.text).toContain('Leeds');

    // Moving an event is cancelling it and adding it on another day: one message says it moved.
    await attendance.cancelEvent(event._id);
    await attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(27), start_time: '09:30', end_time: '15:00', type: 'face-to-face', title: 'Module 2 training day', location: 'Leeds' });
    await w.t.runtime.notifications.flush();
    await sender.deliverDue();
    const moved = about(smtp.to(TUTOR), 'schedule changed');
    expect(moved).toHaveLength(before + 2);
    const text = moved.at(-1)!.text ?? '';
    expect(text).toMatch(/Moved: Face-to-face session/);
    expect(text.indexOf(inWords(ukDay(20)))).toBeGreaterThan(text.indexOf('Moved:'));
    expect(text.indexOf(inWords(ukDay(27)))).toBeGreaterThan(text.indexOf('is now:'));
    // Digest and off contacts: recorded, not sent.
    expect(subjects(smtp.to(HEAD)).filter((s) => s.includes('schedule changed'))).toEqual([]);
    expect((await stored({ kind: 'schedule-changed', email: OFFICE })).every((r) => r.mode === 'off')).toBe(true);
  }, 60_000);

  it('records an event of the coming week once per contact, however many instances check', async () => {
    const event = await w.t.runtime.stores.attendance.createEvent({ cohort: COHORT, group: GROUP_A, date: ukDay(3), start_time: '13:00', type: 'online-workshop' });
    await w.t.runtime.notifications.flush();
    const instances = [w.t.runtime.notifications, secondNotifier(w.t.runtime), secondNotifier(w.t.runtime)];
    await Promise.all(instances.map((n) => n.checkComingWeek()));
    await Promise.all(instances.map((n) => n.checkComingWeek()));
    const records = await stored({ _id: { $regex: `^soon:${event._id}:` } });
    expect(records.map((r) => `${r.email} ${r.mode}`).sort()).toEqual([`${HEAD} digest`, `${OFFICE} off`, `${TUTOR} digest`]);
  }, 60_000);
});

describe('the settings link in every message', () => {
  const path = (url: string) => new URL(url).pathname + new URL(url).search;

  it('opens without a session, shows the contact’s choices and saves them', async () => {
    const url = await w.t.runtime.notifications.links.url({ urn: OTHER_URN, email: OLLY });
    const page = await request(w.t.url).get(path(url)).expect(200);
    expect(page.text).toContain(OLLY);
    expect(page.text).toContain('Other Academy');
    expect(page.headers['cache-control']).toContain('no-store');
    const token = new URL(url).searchParams.get('token')!;
    const csrf = csrfFrom(page.text);
    const choices = { ...all('off'), 'change-answered': 'instant', 'newly-red': 'digest' };
    const saved = await request(w.t.url).post('/notifications/settings').type('form').send({ token, _csrf: csrf, ...choices }).expect(200);
    expect(saved.text).toContain('Saved');
    expect((await storedChoices(OTHER_URN, OLLY))?.choices).toEqual(choices);
    // The page shows what was saved.
    expect(saved.text).toMatch(/id="newly-red-digest"[^>]*checked/);
  });

  it('refuses a changed, expired or foreign link, and a form without its token, showing nothing of the contact', async () => {
    const url = await w.t.runtime.notifications.links.url({ urn: OTHER_URN, email: OLLY });
    const token = new URL(url).searchParams.get('token')!;
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const otherSchool = Buffer.from(JSON.stringify({ ...claims, urn: URN })).toString('base64url');
    const tampered = [`${header}.${otherSchool}.${signature}`, `${header}.${payload}.${signature.slice(0, -2)}AA`, 'not-a-token'];
    for (const bad of tampered) {
      const refused = await request(w.t.url).get(`/notifications/settings?token=${encodeURIComponent(bad)}`).expect(400);
      expect(refused.text).toContain('cannot be opened');
      expect(refused.text).not.toContain(OLLY);
      expect(refused.text).not.toContain('name="_csrf"');
    }
    const old = await w.t.runtime.notifications.links.url({ urn: OTHER_URN, email: OLLY }, new Date(Date.now() - 181 * 24 * 3600 * 1000));
    const expired = await request(w.t.url).get(path(old)).expect(410);
    expect(expired.text).toContain('expired');
    expect(expired.text).not.toContain(OLLY);
    const foreign = await new SignJWT({ urn: OTHER_URN, email: OLLY }).setProtectedHeader({ alg: 'HS256' }).setAudience('ecf-progress:notification-settings').setExpirationTime('1d').sign(new Uint8Array(32));
    await request(w.t.url).get(`/notifications/settings?token=${foreign}`).expect(400);

    const before = await storedChoices(OTHER_URN, OLLY);
    const page = await request(w.t.url).get(path(url)).expect(200);
    const csrf = csrfFrom(page.text);
    await request(w.t.url).post('/notifications/settings').type('form').send({ token, ...all('instant') }).expect(400);
    await request(w.t.url).post('/notifications/settings').type('form').send({ token: tampered[0], _csrf: csrf, ...all('instant') }).expect(400);
    // A token for someone else with this page's CSRF token: the CSRF token is bound to the link.
    const otherToken = new URL(await w.t.runtime.notifications.links.url({ urn: URN, email: TUTOR })).searchParams.get('token')!;
    await request(w.t.url).post('/notifications/settings').type('form').send({ token: otherToken, _csrf: csrf, ...all('off') }).expect(400);
    expect(await storedChoices(OTHER_URN, OLLY)).toEqual(before);
    expect(await storedChoices(URN, TUTOR)).toBeNull();
  });
});

describe('the settings page of a school session', () => {
  async function openSchool(email: string | null) {
    const { url } = await w.t.runtime.schoolLinks.create({ urn: URN, email });
    const opened = await request(w.t.url).get(new URL(url).pathname + new URL(url).search).expect(303);
    return String(opened.headers.location).replace(/school$/, '');
  }

  it('lets a session made for the school choose among that school’s contacts only', async () => {
    const base = await openSchool(null);
    const page = await request(w.t.url).get(`${base}school/notifications`).expect(200);
    for (const email of [TUTOR, HEAD, OFFICE]) expect(page.text).toContain(`value="${email}"`);
    expect(page.text).not.toContain(OLLY);
    await request(w.t.url).get(`${base}school/notifications?contact=${encodeURIComponent(OLLY)}`).expect(404);
    const csrf = csrfFrom(page.text);
    const ollyBefore = await storedChoices(OTHER_URN, OLLY);
    await request(w.t.url).post(`${base}school/notifications`).type('form').send({ _csrf: csrf, contact: OLLY, ...all('instant') }).expect(404);
    expect(await storedChoices(OTHER_URN, OLLY)).toEqual(ollyBefore);

    const officeBefore = await storedChoices(URN, OFFICE);
    const saved = await request(w.t.url).post(`${base}school/notifications`).type('form').send({ _csrf: csrf, contact: OFFICE, ...all('off'), 'change-answered': 'digest' }).expect(200);
    expect(saved.text).toContain('Saved');
    const officeAfter = await storedChoices(URN, OFFICE);
    expect(officeAfter?.version).toBe((officeBefore?.version ?? 0) + 1);
    expect(officeAfter?.choices).toEqual({ ...all('off'), 'change-answered': 'digest' });
    // Without the session's CSRF token nothing is saved.
    await request(w.t.url).post(`${base}school/notifications`).type('form').send({ contact: OFFICE, ...all('instant') }).expect(403);
    expect(await storedChoices(URN, OFFICE)).toEqual(officeAfter);
  });

  it('shows a session made for one contact that contact’s settings only', async () => {
    const base = await openSchool(HEAD);
    const page = await request(w.t.url).get(`${base}school/notifications`).expect(200);
    expect(page.text).toContain(HEAD);
    expect(page.text).not.toContain(TUTOR);
    expect(page.text).not.toContain('<select');
    expect(page.text).toMatch(/id="schedule-changed-digest"[^>]*checked/);
  });

  it('is refused to staff sessions', async () => {
    const admin = await w.launch('admin');
    await request(w.t.url).get(`${w.baseOf(admin)}school/notifications`).expect(403);
  });
});
