import crypto from 'node:crypto';
import { ukDate } from '../curriculum';

/** What a school contact can be told about. */
export const NOTIFICATION_KINDS = ['change-answered', 'newly-red', 'schedule-changed', 'event-coming-week'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** How a contact wants each kind: by email at once, in the Monday digest, or not at all. */
export const DELIVERY_MODES = ['instant', 'digest', 'off'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export type NotificationChoices = Record<NotificationKind, DeliveryMode>;

/** What a contact who has never chosen gets: what needs acting on at once, the week's events in the digest. */
export const DEFAULT_CHOICES: Readonly<NotificationChoices> = Object.freeze({
  'change-answered': 'instant',
  'newly-red': 'instant',
  'schedule-changed': 'instant',
  'event-coming-week': 'digest',
});

/** The words the settings page and the messages use for each kind. */
export const KIND_LABELS: Record<NotificationKind, { title: string; hint: string }> = {
  'change-answered': { title: 'Change requests answered', hint: 'When the provider approves or rejects a change you asked for, with their reason.' },
  'newly-red': { title: 'A participant needs attention (newly red)', hint: 'When one of your school’s ECTs or mentors is newly rated red, with the reasons.' },
  'schedule-changed': { title: 'Training schedule changes', hint: 'When a training event of your participants’ groups is added, moved or cancelled.' },
  'event-coming-week': { title: 'Training events in the coming week', hint: 'A reminder of your participants’ training events in the next 7 days.' },
};

export const MODE_LABELS: Record<DeliveryMode, string> = {
  instant: 'Email me straight away',
  digest: 'Include in the Monday summary',
  off: 'Do not tell me',
};

/** One notification for one recipient, as recorded once in `ecf_notifications`. */
export interface NotificationRecord {
  /** Deterministic per occasion and recipient (see `notificationIds`): a second record of it is a duplicate key. */
  _id: string;
  kind: NotificationKind;
  schoolUrn: string;
  /** Lowercased. */
  email: string;
  /** The contact's choice when it was recorded; 'off' means recorded and never sent. */
  mode: DeliveryMode;
  /** One line: the email's subject, and the digest item's heading. */
  headline: string;
  /** What happened and what to do, in plain words: the message's body, and the digest item's text. */
  body: string;
  /** The ISO week (UK) of the digest that carries it; null unless `mode` is 'digest'. */
  digestWeek: string | null;
  recordedAt: Date;
}

/** A happening to tell a school about, before it is split per recipient. */
export interface Occasion {
  kind: NotificationKind;
  schoolUrn: string;
  /** Names the occasion; the recipient's email is added to make each record's `_id`. */
  occasionId: string;
  headline: string;
  body: string;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** A short, stable name for a text that may hold any character (a cohort, a group, a participant key). */
export const shortHash = (...parts: string[]) => crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

/** The occasion ids: with `:<email>` they are the records' `_id`s (docs/notifications.md lists them). */
export const occasionIds = {
  changeAnswered: (requestId: string) => `change:${requestId}`,
  newlyRed: (participantKey: string, day: string) => `red:${participantKey}:${day}`,
  scheduleChanged: (cohort: string, group: string, version: number) => `schedule:${shortHash(cohort, group)}:${version}`,
  comingWeek: (eventId: string) => `soon:${eventId}`,
};

export const recordId = (occasionId: string, email: string) => `${occasionId}:${normaliseEmail(email)}`;
/** The outbox message of an instant notification. */
export const instantMessageId = (record: Pick<NotificationRecord, '_id'>) => `notify:${record._id}`;
/** The outbox message of one contact's digest of one week. */
export const digestMessageId = (urn: string, email: string, week: string) => `digest:${urn}:${normaliseEmail(email)}:${week}`;

// --- Weeks and days in UK time ---

const DAY_MS = 24 * 60 * 60 * 1000;

/** YYYY-MM-DD plus `days`. */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The ISO week of a UK calendar date, "2026-W49". */
export function isoWeekOfDate(isoDate: string): string {
  const date = Date.parse(`${isoDate}T00:00:00Z`);
  const monday = date - ((new Date(date).getUTCDay() + 6) % 7) * DAY_MS;
  // The ISO week-year is the year of the week's Thursday; its week 1 holds 4 January.
  const isoYear = new Date(monday + 3 * DAY_MS).getUTCFullYear();
  const jan4 = Date.UTC(isoYear, 0, 4);
  const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const number = Math.round((monday - firstMonday) / (7 * DAY_MS)) + 1;
  return `${isoYear}-W${String(number).padStart(2, '0')}`;
}

/** The Monday (YYYY-MM-DD) of the UK week holding `isoDate`. */
export function mondayOf(isoDate: string): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  return addDays(isoDate, -((date.getUTCDay() + 6) % 7));
}

/** The digest goes out from this UK hour on Mondays. */
export const DIGEST_HOUR = 8;
const UK_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' });
const ukHour = (now: Date) => Number(UK_HOUR.format(now));

/**
 * The ISO week of the digest that carries something recorded at `now`: this Monday's when it is
 * recorded on a Monday before the digest hour, else next Monday's.
 */
export function digestWeekFor(now: Date): string {
  const today = ukDate(now);
  const monday = mondayOf(today);
  const beforeThisDigest = today === monday && ukHour(now) < DIGEST_HOUR;
  return isoWeekOfDate(beforeThisDigest ? monday : addDays(monday, 7));
}

/** Something recorded just before the digest hour may still be landing when the digest starts; the digest waits this long. */
const DIGEST_MARGIN_MS = 10 * 60_000;

/**
 * The latest week whose digest is due at `now` (its Monday's digest hour, and a margin, have
 * passed in UK time), and the one before it, so a digest missed while no instance ran still goes.
 */
export function dueDigestWeeks(now: Date): { current: string; previous: string } {
  const settled = new Date(now.getTime() - DIGEST_MARGIN_MS);
  const today = ukDate(settled);
  const monday = mondayOf(today);
  if (today === monday && ukHour(settled) < DIGEST_HOUR) {
    return { current: isoWeekOfDate(addDays(monday, -7)), previous: isoWeekOfDate(addDays(monday, -14)) };
  }
  return { current: isoWeekOfDate(monday), previous: isoWeekOfDate(addDays(monday, -7)) };
}
