/**
 * The people and the records of `npm run bench:reports`: a roster of every simulator student in
 * groups of about 25 (an ECT course's students with their mentors from the paired mentor
 * course) across schools and delivery partners, a facilitator for two groups, training events
 * with registers, audits and meetings for a few groups, and weeks of progress snapshots. Written
 * through the tool's own imports and services, as an admin, a facilitator and ECTs would.
 */
import { AuditService } from '../src/audits';
import { GroupBoards } from '../src/cohort';
import { moduleOf } from '../src/curriculum';
import { personKeyId, type PlatformKey } from '../src/domain';
import { createLogger } from '../src/log/logger';
import { GROUP_COLUMNS, ROSTER_COLUMNS, SCHOOL_COLUMNS } from '../src/people';
import { WeeklySnapshots } from '../src/trends';
import { COHORT_NAME, programmeOfCourse } from './cohort';
import type { SimStudent } from './sim-protocol';
import { benchStores } from './stores';

/** About 25 a group: half of them ECTs of one course, half the mentors of the paired course. */
export const GROUP_SIZE = 25;
/** One school for every 50 participants, in 5 delivery partners. */
const PEOPLE_PER_SCHOOL = 50;
const DELIVERY_PARTNERS = 5;
/** Groups with registers, audits and meetings: the facilitator's two and two more. */
const ACTIVE_GROUPS = 4;
/** ECTs of each active group who submitted audits and had a meeting recorded. */
const ECTS_WITH_RECORDS = 3;
const DAY_MS = 24 * 3600 * 1000;

export interface BenchPerson {
  userId: string;
  key: string;
  name: string;
  email: string;
  role: 'ect' | 'mentor';
  courseId: string;
  group: string;
  schoolUrn: string;
  /** An ECT's mentor (the mentor course's student at the same place), by user id. */
  mentorUserId: string | null;
}

export interface BenchPeople {
  people: BenchPerson[];
  /** Members of each group, in roster order. */
  groups: Map<string, BenchPerson[]>;
  schools: number;
}

const groupName = (n: number) => `Hub group ${String(n).padStart(3, '0')}`;
const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * Everyone the simulator has, paired as courses are linked (0 and 2 deliver the ECT programme,
 * 1 and 3 the mentor one): ECT i of course 0 has mentor i of course 1, and both sit in the same
 * group of about 25 with their neighbours.
 */
export function benchPeople(courses: { courseId: string; students: SimStudent[] }[]): BenchPeople {
  const people: BenchPerson[] = [];
  const total = courses.reduce((n, c) => n + c.students.length, 0);
  const schools = Math.max(1, Math.round(total / PEOPLE_PER_SCHOOL));
  let groupsBefore = 0;
  for (let ectIndex = 0; ectIndex < courses.length; ectIndex += 2) {
    const ects = courses[ectIndex];
    const mentors = courses[ectIndex + 1];
    if (programmeOfCourse(ectIndex) !== 'ect' || !mentors) throw new Error('the bench cohort pairs an ECT course with the mentor course after it');
    const pairSize = ects.students.length + mentors.students.length;
    const groupOf = (i: number) => groupName(groupsBefore + Math.floor((i * 2) / GROUP_SIZE) + 1);
    for (const [role, course] of [
      ['ect', ects],
      ['mentor', mentors],
    ] as const) {
      course.students.forEach((student, i) => {
        const mentor = role === 'ect' ? mentors.students[i % mentors.students.length] : null;
        people.push({
          userId: student.userId,
          key: `canvas:${student.userId}`,
          name: student.name,
          email: student.email,
          role,
          courseId: course.courseId,
          group: groupOf(i),
          schoolUrn: String(130000 + (people.length % schools)),
          mentorUserId: mentor?.userId ?? null,
        });
      });
    }
    groupsBefore += Math.ceil(pairSize / GROUP_SIZE);
  }
  const groups = new Map<string, BenchPerson[]>();
  for (const person of people) groups.set(person.group, [...(groups.get(person.group) ?? []), person]);
  return { people, groups, schools };
}

export function schoolsCsv(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => `${130000 + i},Bench School ${i + 1},Bench Partner ${(i % DELIVERY_PARTNERS) + 1},office${i + 1}@school.example.org`);
  return [SCHOOL_COLUMNS.join(','), ...rows].join('\n');
}

/** A DfE participant id (a UUID) made from the person's place in the roster, so every run gives the same ones. */
const dfeParticipantId = (n: number) => `00000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`;

/** One row per person, named by Canvas id and email, with a DfE participant id; ECTs name their mentor by email. */
export function rosterCsv(people: BenchPeople['people']): string {
  const emailOf = new Map(people.map((p) => [p.userId, p.email]));
  const rows = people.map((p, n) => [p.userId, '', p.email, quoted(p.name), p.role, p.schoolUrn, quoted(COHORT_NAME), quoted(p.group), p.mentorUserId ? (emailOf.get(p.mentorUserId) ?? '') : '', 'active', dfeParticipantId(n)].join(','));
  return [[...ROSTER_COLUMNS, 'dfe_participant_id'].join(','), ...rows].join('\n');
}

export function groupsCsv(groups: string[], facilitatorEmail: string): string {
  return [GROUP_COLUMNS.join(','), ...groups.map((group) => [quoted(COHORT_NAME), quoted(group), facilitatorEmail].join(','))].join('\n');
}

/** What a participant of an active group should show in the grid, worked out here from what was written. */
export interface ExpectedRecords {
  attended: number;
  expected: number;
  meetings: number;
  /** Module → which audit phases were submitted. */
  audits: Map<number, { start: boolean; end: boolean }>;
}

export interface ActivityWritten {
  groups: string[];
  events: number;
  registers: number;
  audits: number;
  meetings: number;
  /** By read-model key, for everyone in the active groups. */
  expected: Map<string, ExpectedRecords>;
}

/** Two events per active group, one absentee in five at the first and one in seven at the second. */
const EVENTS = [
  { date: '2025-09-20', start_time: '09:30', end_time: '15:30', type: 'face-to-face', module: '1', absent: (i: number) => i % 5 === 0 },
  { date: '2025-10-14', start_time: '16:00', end_time: '17:30', type: 'online-workshop', module: '1', absent: (i: number) => i % 7 === 3 },
] as const;

/** Module 1 audited at both ends, module 7 (open when the bench was written) at its start. */
const AUDITED: { module: number; phases: ('start' | 'end')[] }[] = [
  { module: 1, phases: ['start', 'end'] },
  { module: 7, phases: ['start'] },
];

function answersFor(module: number, shift: number) {
  const statements = moduleOf('ect', module)?.auditStatements ?? [];
  return { ratings: statements.map((_s, i) => ((i + shift) % 4) + 1), reflections: statements.map(() => 'What went well, and what I will try next.') };
}

/**
 * Registers, audits and meetings for the first ACTIVE_GROUPS groups (the facilitator's two
 * among them), through the tool's services: what a facilitator and their ECTs would have done.
 */
export async function writeActivity(people: BenchPeople, platform: PlatformKey, facilitator: { canvasUserId: string; name: string }): Promise<ActivityWritten> {
  const stores = benchStores();
  const audits = new AuditService(stores.store, stores.scoreOutbox);
  const groups = [...people.groups.keys()].slice(0, ACTIVE_GROUPS);
  const written: ActivityWritten = { groups, events: 0, registers: 0, audits: 0, meetings: 0, expected: new Map() };
  const byId = new Map(people.people.map((p) => [p.userId, p]));
  for (const group of groups) {
    const members = people.groups.get(group) ?? [];
    for (const member of members) written.expected.set(member.key, { attended: 0, expected: 0, meetings: 0, audits: new Map() });
    for (const event of EVENTS) {
      const created = await stores.attendance.createEvent({ cohort: COHORT_NAME, group, date: event.date, start_time: event.start_time, end_time: event.end_time, type: event.type, module: event.module, title: `Bench ${event.type}` });
      written.events += 1;
      const entries = members.map((m, i) => ({ key: m.key, name: m.name, role: m.role, present: !event.absent(i), reason: event.absent(i) ? 'Unwell' : null }));
      await stores.attendance.saveRegister({ eventId: created._id, basedOn: 0, entries, takenBy: { ownerId: personKeyId(platform, facilitator.canvasUserId), name: facilitator.name } });
      written.registers += 1;
      members.forEach((m, i) => {
        const seen = written.expected.get(m.key)!;
        seen.expected += 1;
        if (!event.absent(i)) seen.attended += 1;
      });
    }
    const ects = members.filter((m) => m.role === 'ect').slice(0, ECTS_WITH_RECORDS);
    for (const [n, ect] of ects.entries()) {
      const ownerId = personKeyId(platform, ect.userId);
      const owner = { ownerId, cohort: COHORT_NAME, programme: 'ect' as const };
      const seen = written.expected.get(ect.key)!;
      for (const { module, phases } of AUDITED) {
        for (const phase of phases) {
          await audits.submit(owner, module, phase, 1, answersFor(module, n));
          written.audits += 1;
        }
        seen.audits.set(module, { start: phases.includes('start'), end: phases.includes('end') });
      }
      const mentor = ect.mentorUserId ? byId.get(ect.mentorUserId) : undefined;
      await stores.meetings.record({
        ectOwnerId: ownerId,
        ectKey: ect.key,
        ectName: ect.name,
        mentorOwnerId: personKeyId(platform, mentor?.userId ?? 'unknown'),
        mentorName: mentor?.name ?? 'Mentor',
        cohort: COHORT_NAME,
        module: 1,
        session: 1,
        date: '2025-10-01',
        focus: 'Expectations and belonging',
        notes: 'Talked through the audit and agreed two priorities.',
        actions: [{ step: 'Use the routine three times', owner: 'ect', due: '2025-10-15' }],
      });
      written.meetings += 1;
      seen.meetings = 1;
    }
  }
  return written;
}

/** Every group's board, as `boards refresh` (and the pages' background healing) builds them. */
export async function buildBoards(): Promise<void> {
  const stores = benchStores();
  const boards = new GroupBoards({ ...stores, audits: new AuditService(stores.store, stores.scoreOutbox), logger: createLogger('silent') });
  await boards.refreshCohort(COHORT_NAME);
}

/**
 * The cohort's weekly snapshots for this week and the `weeks - 1` before it, as the `snapshots`
 * job would have taken them (each from today's figures: the trend is flat, its cost is not).
 */
export async function takeSnapshots(weeks: number, now = new Date()): Promise<number> {
  const stores = benchStores();
  const snapshots = new WeeklySnapshots(stores.store, { readModel: stores.readModel });
  let taken = 0;
  for (let back = weeks - 1; back >= 0; back -= 1) {
    if ((await snapshots.take(COHORT_NAME, new Date(now.getTime() - back * 7 * DAY_MS))) === 'taken') taken += 1;
  }
  return taken;
}
