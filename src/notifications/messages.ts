import { EVENT_TYPE_LABELS, type EventType } from '../attendance';
import { KIND_LABELS, NOTIFICATION_KINDS, type NotificationRecord } from './model';

/** The few fields of a change request a message needs (ChangeRequestView has them). */
export interface AnsweredRequest {
  id: string;
  urn: string;
  kind: string;
  details: { participantName?: string | null; name?: string; mentorName?: string; email?: string; effectiveDate?: string; startDate?: string };
  decision: { state: 'approved' | 'rejected'; reason: string } | null;
}

/** An event as the schedule messages describe it. */
export interface EventFacts {
  id: string;
  date: string;
  start: string;
  end: string | null;
  type: EventType;
  title: string | null;
  location: string | null;
}

const dayWords = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
/** "Monday 12 January 2027", from YYYY-MM-DD. */
export const dayInWords = (isoDate: string) => dayWords.format(new Date(`${isoDate}T00:00:00Z`));

const CHANGE_WORDS: Record<string, string> = {
  'mentor-change': 'change of mentor',
  'email-change': 'change of email address',
  withdrawal: 'withdrawal',
  deferral: 'deferral',
  'new-participant': 'new participant',
};

/** "Face-to-face session “Module 3 review” on Monday 12 January 2027, 09:30 to 12:00, at Town Hall". */
export function eventInWords(event: EventFacts): string {
  const title = event.title ? ` “${event.title}”` : '';
  const time = event.end ? `${event.start} to ${event.end}` : `from ${event.start}`;
  const place = event.location ? `, at ${event.location}` : '';
  return `${EVENT_TYPE_LABELS[event.type]}${title} on ${dayInWords(event.date)}, ${time}${place}`;
}

const whoOf = (request: AnsweredRequest) => request.details.participantName ?? request.details.name ?? null;

export function changeAnsweredMessage(request: AnsweredRequest): { headline: string; body: string } {
  const what = CHANGE_WORDS[request.kind] ?? 'change';
  const who = whoOf(request);
  const about = who ? `${what} for ${who}` : what;
  const approved = request.decision?.state === 'approved';
  const reason = request.decision?.reason?.trim() || 'No reason was given.';
  const next = approved
    ? 'What to do: nothing more is needed. The change shows on your school dashboard.'
    : 'What to do: read the reason above. If something needs correcting, send a new request from your school dashboard (“Tell us about a change”).';
  return {
    headline: `Your request was ${approved ? 'approved' : 'not approved'}: ${about}`,
    body: [`The programme team has ${approved ? 'approved' : 'not approved'} your request: ${about}.`, `Their reason: ${reason}`, next].join('\n\n'),
  };
}

export function newlyRedMessage(person: { name: string | null; role: string; group: string | null }, reasons: readonly string[], day: string): { headline: string; body: string } {
  const name = person.name ?? 'One of your participants';
  const role = person.role === 'mentor' ? 'mentor' : 'ECT';
  const group = person.group ? `, ${person.group}` : '';
  return {
    headline: `${name} needs attention: now rated red`,
    body: [
      `${name} (${role}${group}) was rated red in ECF Progress on ${dayInWords(day)}. Red means they are at risk of falling behind the programme.`,
      `Why:\n${reasons.map((r) => `- ${r}`).join('\n')}`,
      `What to do: talk with ${person.name ?? 'them'}${role === 'ECT' ? ' and their mentor' : ''} about what is getting in the way, and tell the programme team about any change of circumstances (“Tell us about a change” on your school dashboard).`,
    ].join('\n\n'),
  };
}

/** One change to a group's schedule, as a line of the message. */
export type ScheduleChange =
  | { change: 'added'; event: EventFacts }
  | { change: 'cancelled'; event: EventFacts }
  | { change: 'moved'; from: EventFacts; to: EventFacts }
  | { change: 'updated'; event: EventFacts };

function changeLine(change: ScheduleChange): string {
  switch (change.change) {
    case 'added':
      return `- Added: ${eventInWords(change.event)}`;
    case 'cancelled':
      return `- Cancelled: ${eventInWords(change.event)}`;
    case 'moved':
      return `- Moved: ${eventInWords(change.from)}\n  is now: ${eventInWords(change.to)}`;
    case 'updated':
      return `- Details changed, now: ${eventInWords(change.event)}`;
  }
}

export function scheduleChangedMessage(group: string, changes: readonly ScheduleChange[], participants: readonly string[]): { headline: string; body: string } {
  return {
    headline: `Training schedule changed for ${group}`,
    body: [
      `The training schedule of ${group} has changed:\n${changes.map(changeLine).join('\n')}`,
      `Your participants in ${group}: ${participants.join(', ') || 'none listed'}.`,
      'What to do: check the new dates and times against your school’s timetable and arrange cover so they can attend.',
    ].join('\n\n'),
  };
}

export function comingWeekMessage(group: string, event: EventFacts, participants: readonly string[]): { headline: string; body: string } {
  return {
    headline: `Training on ${dayInWords(event.date)}: ${group}`,
    body: [
      `Coming up in the next 7 days: ${eventInWords(event)}, for ${group}.`,
      `Your participants in ${group}: ${participants.join(', ') || 'none listed'}.`,
      'What to do: make sure they are released to attend, and arrange cover if needed.',
    ].join('\n\n'),
  };
}

/** The school's name with its URN, as every message names it. */
export const schoolInWords = (urn: string, name: string | null) => (name ? `${name} (URN ${urn})` : `school URN ${urn}`);

function footer(school: string, settingsUrl: string): string {
  return [
    `You receive this because you are a contact of ${school} in ECF Progress, the Early Career Framework programme’s progress tool.`,
    `Choose which notifications you get, and whether they come at once, in a Monday summary or not at all: ${settingsUrl}`,
  ].join('\n');
}

/** One notification as its own email. */
export function instantEmail(record: Pick<NotificationRecord, 'headline' | 'body'>, school: string, settingsUrl: string): { subject: string; text: string } {
  return {
    subject: `${record.headline} – ${school}`,
    text: [`Hello,`, `This is about ${school}.`, record.body, '—', footer(school, settingsUrl)].join('\n\n'),
  };
}

/** A contact's weekly summary: every item the week collected, grouped by kind. */
export function digestEmail(items: readonly Pick<NotificationRecord, 'kind' | 'headline' | 'body' | 'recordedAt'>[], school: string, week: string, settingsUrl: string): { subject: string; text: string } {
  const sections: string[] = [];
  for (const kind of NOTIFICATION_KINDS) {
    const ofKind = items.filter((i) => i.kind === kind).sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
    if (ofKind.length === 0) continue;
    sections.push([`== ${KIND_LABELS[kind].title} (${ofKind.length}) ==`, ...ofKind.map((i) => `* ${i.headline}\n\n${i.body}`)].join('\n\n'));
  }
  const count = items.length === 1 ? '1 thing' : `${items.length} things`;
  return {
    subject: `Your weekly ECF Progress summary – ${school}`,
    text: [`Hello,`, `Here is your summary for ${school} (week ${week}): ${count} to know about.`, ...sections, '—', footer(school, settingsUrl)].join('\n\n'),
  };
}
