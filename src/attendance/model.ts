import crypto from 'node:crypto';
import { z } from 'zod';
import { allModuleNumbers } from '../curriculum';
import { AppError, ValidationError } from '../errors';
import { isRealDate, listOf, optionalEmail } from '../people/fields';

/** The kinds of training event a group meets for, as stored and as the CSV may name them. */
export const EVENT_TYPES = ['face-to-face', 'online-workshop', 'peer-network', 'induction-conference'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_TYPE_LABELS: Record<EventType, string> = {
  'face-to-face': 'Face-to-face session',
  'online-workshop': 'Online workshop',
  'peer-network': 'Peer network',
  'induction-conference': 'Induction conference',
};

export const LIMITS = { cohort: 200, group: 200, title: 200, location: 200, reason: 200, name: 200, people: 500 } as const;

/**
 * One training event of one group of a cohort, in `ecf_training_events`. Its `_id` follows from
 * what makes it that event (see `eventId`), so importing a file twice or creating it twice
 * finds the one already stored instead of adding another.
 */
export interface TrainingEvent {
  /** `ev_` and 16 hex characters (see `eventId`). */
  _id: string;
  cohort: string;
  /** The roster group's name, as `viewer.groups` and the read model's `participant.group` name it. */
  group: string;
  /** YYYY-MM-DD. */
  date: string;
  /** HH:MM, UK local time. */
  start: string;
  /** HH:MM, UK local time, after `start`; null when not given. */
  end: string | null;
  type: EventType;
  /** A module of the curriculum, or null for an event about none in particular. */
  module: number | null;
  /** Lowercased. */
  facilitatorEmail: string | null;
  title: string | null;
  location: string | null;
  updatedAt: Date;
}

/** What makes an event that event: changing any of these is cancelling it and creating another. */
export type EventIdentity = Pick<TrainingEvent, 'cohort' | 'group' | 'date' | 'start' | 'type'>;
/** What may be changed on an event once it exists. */
export type EventDetails = Pick<TrainingEvent, 'end' | 'module' | 'facilitatorEmail' | 'title' | 'location'>;
export type EventFields = EventIdentity & EventDetails;

export const EVENT_ID = /^ev_[0-9a-f]{16}$/;

/** `ev_` + the first 16 hex characters of sha256 of JSON [cohort, group, date, start, type]. */
export function eventId(identity: EventIdentity): string {
  const json = JSON.stringify([identity.cohort, identity.group, identity.date, identity.start, identity.type]);
  return `ev_${crypto.createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
}

/** One person on a register: `key` is their key in the cohort's read model. */
export interface RegisterEntry {
  key: string;
  name: string | null;
  role: 'ect' | 'mentor';
  present: boolean;
  /** Trimmed, at most LIMITS.reason characters; null when none was given. */
  reason: string | null;
}

export interface RegisterTaker {
  ownerId: string;
  name: string;
}

/** One saved version of an event's register: versions are inserted, never changed. */
export interface RegisterVersion {
  /** `${eventId}#${version}`. */
  _id: string;
  eventId: string;
  cohort: string;
  group: string;
  /** 1, 2, … */
  version: number;
  entries: RegisterEntry[];
  takenBy: RegisterTaker;
  takenAt: Date;
}

/** A version with what changed since the one before, in words. */
export interface RegisterHistoryItem extends RegisterVersion {
  present: number;
  expected: number;
  changes: string[];
}

export const registerId = (event: string, version: number) => `${event}#${version}`;

/** One problem with what was typed; `field` is the form's (and the CSV's) name for it. */
export interface FieldError {
  field: string;
  message: string;
}

/** The event as typed cannot be saved; each problem names its field. */
export class EventInputError extends ValidationError {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.message).join(' '));
  }
}

/** A register as typed cannot be saved; each problem names the person (by key) it is about. */
export class RegisterInputError extends ValidationError {
  constructor(readonly problems: { key: string; message: string }[]) {
    super(problems.map((p) => p.message).join(' '));
  }
}

/** What is stored stands in the way: a register saved meanwhile, an event that exists, a cancel refused. */
export class AttendanceConflictError extends AppError {
  constructor(message: string) {
    super('attendance_conflict', 409, message);
  }
}

export const STALE_REGISTER = 'Someone else saved this register while you had it open. Reload to see their changes.';

// --- Checking what was typed (the form and the CSV share these checks and their words) ---

/** "9:30" or "09:30" as "09:30"; null when it is not a time of day from 00:00 to 23:59. */
export function parseTime(value: string): string | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  if (hours > 23 || minutes > 59) return null;
  return `${String(hours).padStart(2, '0')}:${match[2]}`;
}

const TYPE_NAMES = new Map<string, EventType>(
  EVENT_TYPES.flatMap((type) => [
    [type, type],
    [type.replace(/-/g, ' '), type],
    [EVENT_TYPE_LABELS[type].toLowerCase(), type],
  ]),
);

/** A type by its value or its label, in any case ("Online workshop", "online-workshop"). */
export function parseEventType(value: string): EventType | null {
  return TYPE_NAMES.get(value.trim().toLowerCase().replace(/\s+/g, ' ')) ?? null;
}

const TYPE_WORDS = `must be ${listOf(EVENT_TYPES, 'or')} (or its label, such as “${EVENT_TYPE_LABELS['face-to-face']}”)`;

const oneLine = (max: number) =>
  z
    .string()
    .transform((value) => value.trim().replace(/\s+/g, ' '))
    .refine((value) => value.length <= max, { error: `must be ${max} characters or fewer` })
    .transform((value) => value || null);

const requiredLine = (max: number) =>
  z
    .string()
    .transform((value) => value.trim().replace(/\s+/g, ' '))
    .refine((value) => value.length > 0, { error: 'is required', abort: true })
    .refine((value) => value.length <= max, { error: `must be ${max} characters or fewer` });

const date = z
  .string()
  .transform((value) => value.trim())
  .refine((value) => value.length > 0, { error: 'is required', abort: true })
  .refine(isRealDate, { error: 'must be a real date written YYYY-MM-DD, such as 2026-12-07' });

const TIME_WORDS = 'must be a time from 00:00 to 23:59, written HH:MM';

const requiredTime = z
  .string()
  .refine((value) => value.trim().length > 0, { error: 'is required', abort: true })
  .transform((value, ctx) => {
    const time = parseTime(value);
    if (time) return time;
    ctx.addIssue({ code: 'custom', message: TIME_WORDS });
    return z.NEVER;
  });

const optionalTime = z.string().transform((value, ctx) => {
  if (value.trim() === '') return null;
  const time = parseTime(value);
  if (time) return time;
  ctx.addIssue({ code: 'custom', message: TIME_WORDS });
  return z.NEVER;
});

const eventType = z
  .string()
  .refine((value) => value.trim().length > 0, { error: 'is required', abort: true })
  .transform((value, ctx) => {
    const type = parseEventType(value);
    if (type) return type;
    ctx.addIssue({ code: 'custom', message: TYPE_WORDS });
    return z.NEVER;
  });

const moduleNumber = z.string().transform((value, ctx) => {
  const text = value.trim().replace(/^module\s*/i, '');
  if (text === '') return null;
  const modules = allModuleNumbers();
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (modules.includes(n)) return n;
  ctx.addIssue({ code: 'custom', message: `must be a module of the programme (${modules[0]} to ${modules[modules.length - 1]}), or blank` });
  return z.NEVER;
});

/** Every column of the events CSV (and field of the event form), as strings. */
export const EVENT_COLUMNS = ['cohort', 'group', 'date', 'start_time', 'end_time', 'type', 'module', 'facilitator_email', 'title', 'location'] as const;
export type EventColumn = (typeof EVENT_COLUMNS)[number];

const endAfterStart = (row: { start_time?: string; end_time?: string | null }) => !row.end_time || !row.start_time || row.end_time > row.start_time;

const detailsShape = {
  end_time: optionalTime,
  module: moduleNumber,
  facilitator_email: optionalEmail,
  title: oneLine(LIMITS.title),
  location: oneLine(LIMITS.location),
};

/** A row of the events CSV, or the new-event form: column names as keys, values as typed. */
export const EventRow = z
  .object({
    cohort: requiredLine(LIMITS.cohort),
    group: requiredLine(LIMITS.group),
    date,
    start_time: requiredTime,
    type: eventType,
    ...detailsShape,
  })
  .refine(endAfterStart, { error: 'must be after start_time', path: ['end_time'] })
  .transform(
    (row): EventFields => ({
      cohort: row.cohort,
      group: row.group,
      date: row.date,
      start: row.start_time,
      end: row.end_time,
      type: row.type,
      module: row.module,
      facilitatorEmail: row.facilitator_email,
      title: row.title,
      location: row.location,
    }),
  );

/** What may be changed on an event; `start_time` comes from the stored event, to check the end against. */
const DetailsRow = z
  .object({ start_time: z.string(), ...detailsShape })
  .refine(endAfterStart, { error: 'must be after start_time', path: ['end_time'] })
  .transform((row): EventDetails => ({ end: row.end_time, module: row.module, facilitatorEmail: row.facilitator_email, title: row.title, location: row.location }));

/** The words a field is called on the form. */
export const FIELD_LABELS: Record<EventColumn, string> = {
  cohort: 'Cohort',
  group: 'Group',
  date: 'Date',
  start_time: 'Start time',
  end_time: 'End time',
  type: 'Type',
  module: 'Module',
  facilitator_email: 'Facilitator email',
  title: 'Title',
  location: 'Location',
};

/** An event as a person types it (every field text; blank for what is optional). */
export type EventDraft = Partial<Record<EventColumn, string>>;

function fieldErrors(error: z.ZodError): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (seen.has(field)) continue;
    seen.add(field);
    const label = FIELD_LABELS[field as EventColumn] ?? 'This form';
    // "must be after start_time" reads as "End time must be after the start time" on the form.
    out.push({ field, message: `${label} ${issue.message.replace('start_time', 'the start time')}` });
  }
  const order = (f: FieldError) => EVENT_COLUMNS.indexOf(f.field as EventColumn);
  return out.sort((a, b) => order(a) - order(b));
}

const asText = (draft: EventDraft) => Object.fromEntries(EVENT_COLUMNS.map((c) => [c, typeof draft[c] === 'string' ? draft[c] : '']));

/** Checks a whole event as typed on the form. */
export function validateEvent(draft: EventDraft): { ok: true; fields: EventFields } | { ok: false; errors: FieldError[] } {
  const parsed = EventRow.safeParse(asText(draft));
  return parsed.success ? { ok: true, fields: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}

/** Checks the details of an event that starts at `start` (HH:MM). */
export function validateDetails(draft: EventDraft, start: string): { ok: true; details: EventDetails } | { ok: false; errors: FieldError[] } {
  const parsed = DetailsRow.safeParse({ ...asText(draft), start_time: start });
  return parsed.success ? { ok: true, details: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}

/** A reason as stored: trimmed, inner whitespace made single spaces, null when blank. */
export function cleanReason(reason: string | null | undefined): string | null {
  const text = (reason ?? '').trim().replace(/\s+/g, ' ');
  return text === '' ? null : text;
}

/** "Sam Patel", or words for a person the read model has no name for. */
export const personName = (entry: Pick<RegisterEntry, 'name' | 'key'>) => entry.name ?? `the participant ${entry.key}`;

/** What changed from one version of a register to the next, in words a facilitator reads. */
export function describeChanges(before: readonly RegisterEntry[] | null, after: readonly RegisterEntry[]): string[] {
  if (before === null) {
    const present = after.filter((e) => e.present).length;
    const lines = [`Took the register: ${present} of ${after.length} present`];
    for (const e of after) if (!e.present) lines.push(`Marked ${personName(e)} absent${e.reason ? ` (${e.reason})` : ''}`);
    for (const e of after) if (e.present && e.reason) lines.push(`Noted for ${personName(e)}: ${e.reason}`);
    return lines;
  }
  const earlier = new Map(before.map((e) => [e.key, e]));
  const now = new Set(after.map((e) => e.key));
  const lines: string[] = [];
  for (const e of after) {
    const was = earlier.get(e.key);
    const why = e.reason ? ` (${e.reason})` : '';
    if (!was) lines.push(e.present ? `Added ${personName(e)}${why}` : `Added ${personName(e)} as absent${why}`);
    else if (was.present !== e.present) lines.push(`Marked ${personName(e)} ${e.present ? 'present' : 'absent'}${why}`);
    else if (was.reason !== e.reason) lines.push(e.reason ? `Changed the reason for ${personName(e)} to “${e.reason}”` : `Removed the reason for ${personName(e)}`);
  }
  for (const e of before) if (!now.has(e.key)) lines.push(`Removed ${personName(e)}`);
  return lines.length ? lines : ['No changes'];
}
