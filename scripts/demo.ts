/**
 * `npm run demo`: the tool, the development LTI platform (mounted at /dev-platform) and the
 * Canvas simulator with a generated cohort, linked and synced, so every page shows realistic
 * data on a fresh machine. Development only: never run with NODE_ENV=production.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateCohort, startCanvasSimulator, type Cohort } from '../canvas-sim';
import { createDevPlatform, type DemoUser } from '../dev-platform';
import { loadDotEnv } from '../src/config/dotenv';
import { loadConfig } from '../src/config/env';
import { eventId, type EventType } from '../src/attendance';
import { AuditLockedError } from '../src/audits';
import { MILESTONES_FILE, moduleOf, moduleWindows, ukDate, type MilestonesConfig } from '../src/curriculum';
import { personKeyId } from '../src/domain';
import { startDemoMailbox } from './demo-mailbox';
import { DEV_PLATFORM_PATH, openRuntime, startService, startupMessage, type Runtime } from '../src/service';

/** The cohort in its first year: modules 1 and 2 have opened by December 2026 (config/schedule.json). */
const COHORT = 'September 2026';
const SCHOOLS = [
  ['131245', 'Brookfield Primary School'],
  ['142876', 'Millbrook Academy'],
  ['150331', 'Riverside High School'],
] as const;

const DEMO_TRUST = 'Pennine Learning Trust';

/** Schools and a roster for the simulator's people: a school each, and a mentor for every ECT (the demo mentor has the demo ECT). */
function demoPeople(cohort: Cohort, demo: { ectUserId: string; mentorUserId: string; facilitatorEmail: string }): { schools: string; roster: string; groups: string } {
  // The first two schools are one multi-academy trust, so the demo has a trust's view too.
  const schools = ['urn,name,delivery_partner,contact_emails,trust', ...SCHOOLS.map(([urn, name], i) => `${urn},${name},Northern Lights Teaching School Hub,induction.${urn}@example.org,${i < 2 ? DEMO_TRUST : ''}`)];
  const students = (course: Cohort['courses'][number]) => course.enrollments.filter((e) => e.type === 'StudentEnrollment').map((e) => cohort.users.get(e.userId)!);
  const [ectCourse, mentorCourse] = cohort.courses;
  const mentors = students(mentorCourse);
  const demoMentor = mentors.find((m) => m.id === demo.mentorUserId)!;
  const mentorOf = (ect: { id: string }, i: number) => (ect.id === demo.ectUserId ? demoMentor : mentors[i % mentors.length]);
  // One ECT in ten is on the extended schedule, as a school that extends an induction would say.
  const scheduleOf = (role: string, i: number) => (role === 'ect' && i % 10 === 9 ? 'ecf-extended-september' : '');
  const row = (user: ReturnType<typeof students>[number], role: string, i: number, mentorEmail = '') =>
    [user.id, user.sisUserId, user.email, `"${user.name}"`, role, SCHOOLS[i % SCHOOLS.length][0], COHORT, '', mentorEmail, 'active', scheduleOf(role, i), demoDfeId(user.id)].join(',');
  const roster = [
    'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status,schedule,dfe_participant_id',
    ...mentors.map((m, i) => row(m, 'mentor', i)),
    ...students(ectCourse).map((e, i) => row(e, 'ect', mentors.indexOf(mentorOf(e, i)), mentorOf(e, i).email)),
  ];
  // The demo facilitator runs every group (the Canvas sections the sync names them after).
  const sections = [...new Set(ectCourse.sections.map((section) => section.name))];
  const groups = ['cohort,group,facilitator_emails', ...sections.map((group) => `${COHORT},${group},${demo.facilitatorEmail}`)];
  return { schools: schools.join('\n'), roster: roster.join('\n'), groups: groups.join('\n') };
}

/** A stable made-up DfE participant id (a UUID) per simulator user. */
function demoDfeId(userId: string): string {
  const hex = crypto.createHash('sha256').update(`demo-dfe:${userId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * DfE has not published the 2026 year's windows in the data the shipped config comes from, so the
 * demo runs on a copy of config/milestones.json with the 2025 windows moved on a year (DfE's own
 * pattern from year to year), labelled as the demo's, and its cohort added.
 */
function demoMilestonesFile(dataDir: string): string {
  const config = JSON.parse(fs.readFileSync(MILESTONES_FILE, 'utf8')) as MilestonesConfig;
  const nextYear = (date: string | null) => (date ? `${Number(date.slice(0, 4)) + 1}${date.slice(4)}` : null);
  for (const schedule of Object.values(config.schedules)) {
    const windows = schedule.cohortYears['2025'];
    if (windows) schedule.cohortYears['2026'] = windows.map((w) => ({ ...w, opens: nextYear(w.opens)!, closes: nextYear(w.closes), paymentDate: nextYear(w.paymentDate ?? null) }));
  }
  config.cohorts[COHORT] = { cohortYear: 2026, schedule: 'ecf-standard-september' };
  config.source = 'Demo only: the shipped schedules with the 2025 windows moved on a year for the 2026 cohort. Not DfE data.';
  const file = path.join(dataDir, 'milestones.json');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** The provider's declaration list as DfE would return it: `started` already declared for a third of the ECTs, one of them voided. */
async function demoDeclarations(runtime: Runtime): Promise<void> {
  const ects = ((await runtime.stores.readModel.readAllParticipants(COHORT)) ?? []).filter((p) => p.role === 'ect' && p.dfeParticipantId);
  const rows = ects
    .filter((_, i) => i % 3 === 0)
    .map((p, i) => [p.dfeParticipantId, 'started', dayFromToday(-10 - i), 'ecf-induction', i === 1 ? 'voided' : 'eligible'].join(','));
  const report = await runtime.declarations.import(['participant_id,declaration_type,declaration_date,course_identifier,state', ...rows].join('\n'), 'demo-declarations.csv');
  if (report.bad.length > 0) throw new Error(`demo declarations have bad rows: ${JSON.stringify(report.bad.slice(0, 3))}`);
}

/** Gives the platform's demo people and course the ids the simulator uses, so launches find their data. */
function adoptDemoIds(cohort: Cohort, ids: { ectCourseId: string; mentorCourseId: string; ect: DemoUser; mentor: DemoUser }): void {
  const [ectCourse, mentorCourse] = cohort.courses;
  const rename = (course: typeof ectCourse, from: string, person: DemoUser) => {
    const to = person.canvasUserId;
    const user = cohort.users.get(from)!;
    cohort.users.delete(from);
    // The launch's name and email, so the roster and every page name the demo person alike.
    cohort.users.set(to, { ...user, id: to, name: person.name, email: person.email });
    for (const enrollment of course.enrollments) if (enrollment.userId === from) enrollment.userId = to;
    const done = course.completions.get(from);
    course.completions.delete(from);
    if (done) course.completions.set(to, done);
  };
  // The student about halfway through the course, so the demo shows a realistic page.
  const typicalStudent = (course: typeof ectCourse) => {
    const students = course.enrollments.filter((e) => e.type === 'StudentEnrollment').map((e) => e.userId);
    students.sort((a, b) => (course.completions.get(a)?.size ?? 0) - (course.completions.get(b)?.size ?? 0));
    return students[Math.floor(students.length / 2)];
  };
  rename(ectCourse, typicalStudent(ectCourse), ids.ect);
  rename(mentorCourse, typicalStudent(mentorCourse), ids.mentor);
  ectCourse.id = ids.ectCourseId;
  mentorCourse.id = ids.mentorCourseId;
}

const DAY_MS = 24 * 3600 * 1000;
const dayFromToday = (days: number) => ukDate(new Date(Date.now() + days * DAY_MS));

/**
 * Per group: a face-to-face session three weeks ago and an online workshop last week, each with
 * a register (most present, a few absent with a reason), and a peer network next week with
 * none yet, so the grid, the ratings and the register pages show real content. Kept on a
 * restart (the events' ids are fixed by their details).
 */
async function demoTrainingEvents(runtime: Runtime, facilitator: { issuer: string; clientId: string; canvasUserId: string; name: string }): Promise<void> {
  const participants = (await runtime.stores.readModel.readAllParticipants(COHORT)) ?? [];
  const groups = [...new Set(participants.map((p) => p.group).filter((g): g is string => g !== null))];
  const takenBy = { ownerId: personKeyId(facilitator, facilitator.canvasUserId), name: facilitator.name };
  const plans = [
    { days: -21, type: 'face-to-face', start: '09:30', end: '15:30', module: '1', title: 'Module 1 training day', location: 'Leeds Teaching School Hub' },
    { days: -7, type: 'online-workshop', start: '16:00', end: '17:30', module: '2', title: 'Module 2 online workshop', location: 'Online' },
    { days: 7, type: 'peer-network', start: '16:00', end: '17:00', module: '2', title: 'Peer network meeting', location: 'Online' },
  ];
  for (const group of groups) {
    const members = participants.filter((p) => p.group === group && p.status === 'active');
    for (const [n, plan] of plans.entries()) {
      const draft = { cohort: COHORT, group, date: dayFromToday(plan.days), start_time: plan.start, end_time: plan.end, type: plan.type, module: plan.module, title: plan.title, location: plan.location };
      const existing = await runtime.stores.attendance.event(eventId({ cohort: COHORT, group, date: draft.date, start: plan.start, type: plan.type as EventType }));
      const event = existing ?? (await runtime.stores.attendance.createEvent(draft));
      if (plan.days > 0 || (await runtime.stores.attendance.register(event._id))) continue;
      const entries = members.map((p, i) => {
        const absent = (i + n) % 7 === 3;
        return { key: p.key, name: p.name, role: p.role, present: !absent, reason: absent ? ['illness', 'school trip', 'cover shortage'][i % 3] : null };
      });
      await runtime.stores.attendance.saveRegister({ eventId: event._id, basedOn: 0, entries, takenBy });
    }
  }
}

/**
 * Start-of-module audits for three in four of the other participants, for every module opened so
 * far, so ratings show the mix a real cohort has. The demo ECT and mentor are left to do their own.
 */
async function demoAudits(runtime: Runtime, platform: { issuer: string; clientId: string }, demoUserIds: string[]): Promise<void> {
  const today = ukDate(new Date());
  const participants = (await runtime.stores.readModel.readAllParticipants(COHORT)) ?? [];
  for (const [i, p] of participants.entries()) {
    if (!p.canvasUserId || demoUserIds.includes(p.canvasUserId) || i % 4 === 3) continue;
    const owner = { ownerId: personKeyId(platform, p.canvasUserId), cohort: COHORT, programme: p.role };
    for (const window of moduleWindows(COHORT, p.role).filter((w) => w.opens <= today)) {
      const statements = moduleOf(p.role, window.module)?.auditStatements ?? [];
      const answers = { ratings: statements.map((_, j) => ((i + j) % 4) + 1), reflections: statements.map(() => '') };
      try {
        await runtime.audits.submit(owner, window.module, 'start', 1, answers);
      } catch (error) {
        // Submitted by an earlier run of the demo on the same data.
        if (!(error instanceof AuditLockedError)) throw error;
      }
    }
  }
}

/**
 * What a school sees: contacts (the development platform's induction tutor launches as one),
 * two provider notices, a change request waiting and one answered, and a signed link for the
 * first school's headteacher.
 */
async function demoSchools(runtime: Runtime, tutor: DemoUser): Promise<{ linkUrl: string; trustLinkUrl: string }> {
  const [urn] = SCHOOLS[0];
  const contacts = ['urn,name,email,canvas_user_id,role', `${urn},${tutor.name},${tutor.email},${tutor.canvasUserId},induction tutor`, `${urn},Priya Shah,head.${urn}@example.org,,headteacher`].join('\n');
  const report = await runtime.schoolContacts.import(contacts);
  if (report.bad.length > 0) throw new Error(`demo school contacts have bad rows: ${JSON.stringify(report.bad)}`);
  await runtime.stores.importRuns.record('school-contacts', 'demo-school-contacts.csv', report);
  await runtime.notices.publish({ kind: 'guidance', title: 'Planning cover for the spring term', body: 'The spring term training dates are on your dashboard. Download them as a calendar file to plan cover.', link: 'https://www.gov.uk/government/publications/induction-for-early-career-teachers-england' });
  await runtime.notices.publish({ kind: 'newsletter', title: 'December newsletter', body: 'Thank you to every mentor who recorded a meeting this half term. Module 2 closes before Christmas.' });
  const people = await runtime.changes.schoolPeople(urn);
  const ects = people.filter((p) => p.role === 'ect' && p.email);
  if (ects.length >= 2) {
    const asked = (kind: string, extra: Record<string, string>, formId: string) => runtime.changes.ask(urn, { kind, note: '', ...extra }, { formId, askedBy: tutor.email });
    await asked('email-change', { participant: ects[0].key, email: `new.${ects[0].email}`, note: 'They changed their surname.' }, 'demo-email-change-01');
    const deferral = await asked('deferral', { participant: ects[1].key, effectiveDate: ukDate(new Date()), reason: 'Long-term illness' }, 'demo-deferral-000001');
    const cohorts = await runtime.changes.cohorts();
    await runtime.changes.decide(deferral.request.id, { approve: false, reason: 'Please ask your appropriate body first, then tell us the date they agreed.', by: 'Dana Admin' }, cohorts);
  }
  const link = await runtime.schoolLinks.create({ urn, email: `head.${urn}@example.org`, days: 30 });
  const trustLink = await runtime.schoolLinks.create({ trust: DEMO_TRUST, email: 'ceo@pennine-trust.example.org', days: 30 });
  return { linkUrl: link.url, trustLinkUrl: trustLink.url };
}

async function main(): Promise<void> {
  loadDotEnv();
  if (process.env.NODE_ENV === 'production') throw new Error('npm run demo is for development only');
  process.env.DATA_DIR ??= path.join('data', 'demo');
  process.env.MILESTONES_FILE ??= demoMilestonesFile(process.env.DATA_DIR);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // Without a mail server of your own, the demo keeps what the tool sends in a local mailbox.
  const mailbox = process.env.SMTP_URL ? null : await startDemoMailbox(path.join(process.env.DATA_DIR, 'mail'), say);
  if (mailbox) Object.assign(process.env, { SMTP_URL: mailbox.url, MAIL_FROM: 'ECF Progress demo <ecf-progress@example.org>' });
  const config = loadConfig();
  const runtime = await openRuntime(config);

  const platform = await createDevPlatform({ issuer: `${config.publicUrl}${DEV_PLATFORM_PATH}`, toolUrl: config.publicUrl, keyFile: path.join(config.dataDir, 'dev-platform-key.json') });
  await runtime.registry.add(platform.registrationForTool);

  // Activity and completion times lead up to today, as a live course's would.
  const cohort = generateCohort({ seed: 2025, courses: 2, studentsPerCourse: 30, sectionsPerCourse: 3, induction: true, now: new Date() });
  const { ect, mentor } = platform.users;
  adoptDemoIds(cohort, { ectCourseId: ect.course.canvasCourseId, mentorCourseId: mentor.course.canvasCourseId, ect, mentor });
  const sim = await startCanvasSimulator({ data: cohort, latencyMs: 5 });
  const key = { issuer: platform.issuer, clientId: platform.clientId };
  await runtime.stores.connections.save(key, { baseUrl: sim.url, token: sim.token });
  // A demo database from an earlier version may hold links to other course ids.
  const demoCourseIds = new Set(cohort.courses.map((course) => course.id));
  for (const link of await runtime.stores.links.list(key)) if (!demoCourseIds.has(link.courseId)) await runtime.retention.unlinkCourseAndData(key, link.courseId);
  for (const [i, course] of cohort.courses.entries()) {
    await runtime.linking.link({ platform: key, courseId: course.id, programme: i === 0 ? 'ect' : 'mentor', cohort: COHORT });
  }
  const people = demoPeople(cohort, { ectUserId: ect.canvasUserId, mentorUserId: mentor.canvasUserId, facilitatorEmail: platform.users.facilitator.email });
  for (const [kind, text] of [['schools', people.schools], ['roster', people.roster], ['groups', people.groups]] as const) {
    const report = await runtime.stores[kind].import(text);
    if (report.bad.length > 0) throw new Error(`demo people have bad rows: ${JSON.stringify(report.bad.slice(0, 3))}`);
    await runtime.stores.importRuns.record(kind, `demo-${kind}.csv`, report);
  }
  const run = await runtime.syncService.run({ trigger: 'demo', full: true });
  say(`Synced ${run.participants} demo participants from the Canvas simulator (${run.requests} requests).`);
  await demoTrainingEvents(runtime, { issuer: platform.issuer, clientId: platform.clientId, canvasUserId: platform.users.facilitator.canvasUserId, name: platform.users.facilitator.name });
  await demoAudits(runtime, key, [ect.canvasUserId, mentor.canvasUserId]);
  await demoDeclarations(runtime);
  await runtime.boards.refreshCohort(COHORT);
  await runtime.snapshots.takeAll();
  const { linkUrl, trustLinkUrl } = await demoSchools(runtime, platform.users.school);

  const service = await startService(runtime, { devPlatform: platform.router });
  runtime.logger.info(startupMessage(config, service.url, runtime.database), 'demo started');
  const registrationLink = await runtime.stores.registrationLinks.create(config.publicUrl);
  // This month's progress reports go to the school contacts now, as the `deliveries` job would send them.
  const delivered = await runtime.deliveries.run();
  runtime.logger.info({ event: 'demo.deliveries', sent: delivered.delivery.sent, failed: delivered.delivery.failed }, 'scheduled exports sent');
  say(`\nECF Progress demo is running.\n  Open ${config.publicUrl}${DEV_PLATFORM_PATH}/ and press a button to launch as an ECT, a mentor, a facilitator, an admin or a school's induction tutor.\n  A school's headteacher opens their dashboard without Canvas by a signed link: ${linkUrl}\n  The ${DEMO_TRUST} (two of the schools) has one view across them: ${trustLinkUrl}\n  To try dynamic registration, paste this one-time link into the page's registration box: ${registrationLink.url}\n  (more with \`DATA_DIR=${process.env.DATA_DIR} npx ecf-progress platform registration-link\`)\n  Canvas simulator: ${sim.url}\n${mailbox ? `  Emails the tool sends are kept in ${path.join(process.env.DATA_DIR, 'mail')} (a local mailbox; set SMTP_URL to use your own server).\n` : ''}  Press Ctrl+C to stop.\n`);
  const stop = async () => {
    await service.close();
    await sim.close();
    await mailbox?.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`The demo could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
