import { EVENT_TYPE_LABELS } from '../attendance';
import { allModuleNumbers, moduleOf } from '../curriculum';
import { READINESS_STATE_LABELS, dayInWords, type MilestoneStatus, type ParticipantReadiness } from '../milestones';
import { NOTICE_KIND_LABELS, eventTitle, type MovedAway, type Notice, type NoticeListing, type SchoolEvent, type SchoolPerson, type SchoolSummary, type SchoolView, type TrustView } from '../schools';
import { formatDay, formatMoment } from './format';

const RAG_WORDS = { red: 'Red', amber: 'Amber', green: 'Green', none: 'Not rated' } as const;
const ROLE_WORDS = { ect: 'ECT', mentor: 'Mentor' } as const;
const STATUS_WORDS = { active: 'Active', deferred: 'Deferred', withdrawn: 'Withdrawn' } as const;

/**
 * DfE's "Register early career teachers" service, where schools register ECTs and mentors (it
 * replaced "Manage training for early career teachers" in April 2026); the address is the one
 * DfE's own service code links to.
 */
export const DFE_REGISTRATION_URL = 'https://www.register-early-career-teachers.education.gov.uk/';

/** Audit phases submitted, over every module: what a school can count without reading reflections. */
function auditsSubmitted(person: SchoolPerson): number {
  let count = 0;
  for (const phases of Object.values(person.records?.audits ?? {})) for (const status of Object.values(phases)) if (status === 'submitted') count += 1;
  return count;
}

function presentPerson(person: SchoolPerson) {
  const { row, rating, attendance, records } = person;
  const rag = rating.rag ?? 'none';
  return {
    key: row.key,
    name: row.name ?? 'Unnamed participant',
    role: ROLE_WORDS[row.role],
    isEct: row.role === 'ect',
    cohort: row.cohort,
    group: row.group,
    status: STATUS_WORDS[row.status as keyof typeof STATUS_WORDS] ?? row.status,
    active: row.status === 'active',
    pairing: row.role === 'ect' ? (person.mentorName ?? 'No mentor recorded') : person.menteeNames.length ? person.menteeNames.join(', ') : 'No ECTs at this school',
    pairingLabel: row.role === 'ect' ? 'Mentor' : 'ECTs',
    modules: allModuleNumbers().map((number) => {
      const figure = row.progress?.modules.find((m) => m.number === number);
      const applies = moduleOf(row.role, number) !== undefined;
      const words = !applies ? 'Not in this programme' : !figure ? 'No figures yet' : figure.percent === null ? 'No online items' : `${figure.percent}%`;
      return { number, applies, hasPercent: typeof figure?.percent === 'number', percent: figure?.percent ?? null, complete: figure?.state === 'completed', words };
    }),
    overall: typeof row.progress?.overall === 'number' ? `${row.progress.overall}%` : 'No figures yet',
    attendance: attendance && attendance.expected > 0 ? `${attendance.attended} of ${attendance.expected}` : 'None taken yet',
    audits: records ? auditsSubmitted(person) : null,
    meetings: row.role === 'ect' ? (records?.meetings ?? 0) : null,
    rag,
    ragWords: RAG_WORDS[rag],
    reasons: rating.reasons.map((r) => r.text),
    joined: person.joinedOn ? formatDay(person.joinedOn) : null,
  };
}

function presentMovedAway(moved: MovedAway) {
  return { name: moved.name, on: formatDay(moved.on), date: moved.on };
}

/** "retained-1" → "Retained 1": DfE's declaration types, as a school reads them. */
const declarationWords = (type: string) => (type.charAt(0).toUpperCase() + type.slice(1)).replace(/-/g, ' ');

const windowWords = (m: MilestoneStatus) => (m.window.closes ? `${dayInWords(m.window.opens)} to ${dayInWords(m.window.closes)}` : `from ${dayInWords(m.window.opens)}`);

/**
 * One person's milestone for their school: the open one, else the next. States and reasons in
 * words; never DfE's participant id, which is the provider's to use.
 */
function presentSchoolMilestone(p: ParticipantReadiness) {
  const milestone = p.open ?? p.next;
  return {
    key: p.row.key,
    name: p.row.name ?? 'Unnamed participant',
    role: ROLE_WORDS[p.row.role],
    schedule: p.scheduleName,
    problem: p.problem,
    isOpen: p.open !== null,
    milestone: milestone && {
      declaration: declarationWords(milestone.declarationType),
      window: windowWords(milestone),
      state: milestone.state,
      stateWords: READINESS_STATE_LABELS[milestone.state],
      reasons: milestone.reasons,
    },
  };
}

function presentRags(summary: SchoolSummary) {
  return [
    ...(['red', 'amber', 'green'] as const).map((rag) => ({ rag: rag as string, words: RAG_WORDS[rag] as string, count: summary[rag] })),
    ...(summary.notRated ? [{ rag: 'none', words: RAG_WORDS.none as string, count: summary.notRated }] : []),
  ];
}

/** What a school's section shows, on its own dashboard and on its trust's: its summary, people, moves, milestones and events. */
export function presentSchoolSection(view: SchoolView) {
  const events = view.events.map(presentEvent);
  return {
    school: { name: view.name ?? `School ${view.urn}`, urn: view.urn, known: view.name !== null },
    dataAsOf: view.dataAsOf,
    summary: [
      { label: 'ECTs', count: view.summary.ects },
      { label: 'Mentors', count: view.summary.mentors },
    ],
    rags: presentRags(view.summary),
    people: view.people.map(presentPerson),
    movedAway: view.movedAway.map(presentMovedAway),
    milestones: view.milestones.map(presentSchoolMilestone),
    moduleNumbers: allModuleNumbers(),
    upcoming: events.filter((_, i) => view.events[i].upcoming),
    past: events.filter((_, i) => !view.events[i].upcoming),
  };
}

function presentEvent(event: SchoolEvent) {
  return {
    id: event._id,
    day: formatDay(event.date),
    date: event.date,
    time: event.end ? `${event.start} to ${event.end}` : event.start,
    type: EVENT_TYPE_LABELS[event.type],
    title: eventTitle(event),
    group: event.group,
    cohort: event.cohort,
    location: event.location ?? 'Not given',
  };
}

export function presentNotice(notice: Notice | NoticeListing) {
  return {
    id: notice._id,
    title: notice.title,
    body: notice.body,
    link: notice.link,
    kind: NOTICE_KIND_LABELS[notice.kind],
    published: formatMoment(notice.publishedAt),
    publishedIso: notice.publishedAt.toISOString(),
    withdrawn: 'withdrawn' in notice ? notice.withdrawn : false,
  };
}

export interface DashboardExtras {
  base: string;
  notices: Notice[];
  canvasUrls: string[];
  openChanges: number | null;
}

/** The school dashboard's model: the school, its notices, its summary, its people and its events. */
export function presentSchoolDashboard(view: SchoolView, extras: DashboardExtras) {
  const { base } = extras;
  const school = `${base}school/`;
  return {
    ...presentSchoolSection(view),
    notices: extras.notices.map(presentNotice),
    links: {
      changes: `${school}changes`,
      notifications: `${school}notifications`,
      eventsCsv: `${school}events.csv`,
      eventsIcs: `${school}events.ics`,
      exports: [
        { label: 'CSV', url: `${school}export.csv` },
        { label: 'Excel', url: `${school}export.xlsx` },
        { label: 'PDF', url: `${school}export.pdf` },
      ],
      canvas: extras.canvasUrls,
      dfe: DFE_REGISTRATION_URL,
    },
    openChanges: extras.openChanges,
  };
}

/** The trust dashboard's model: the sums across its schools, then each school's section. */
export function presentTrustDashboard(view: TrustView, notices: Notice[]) {
  return {
    trust: view.trust,
    dataAsOf: view.dataAsOf,
    notices: notices.map(presentNotice),
    summary: [
      { label: view.summary.schools === 1 ? 'School' : 'Schools', count: view.summary.schools },
      { label: 'ECTs', count: view.summary.ects },
      { label: 'Mentors', count: view.summary.mentors },
      { label: 'Moved to another school', count: view.summary.movedAway },
    ],
    rags: presentRags(view.summary),
    schools: view.schools.map(presentSchoolSection),
  };
}
