import { z } from 'zod';
import { moduleOf } from '../curriculum';
import { ValidationError } from '../errors';

/** Who an agreed action step is for. */
export const ACTION_OWNERS = ['ect', 'mentor', 'both'] as const;
export type ActionOwner = (typeof ACTION_OWNERS)[number];

export const LIMITS = { focus: 200, notes: 5000, actions: 10, step: 300, reflection: 5000 } as const;

export interface ActionStep {
  step: string;
  owner: ActionOwner;
  /** YYYY-MM-DD, or null when no date was agreed. */
  due: string | null;
}

/** Who a meeting is between: from the launch and the read model, never from the form. */
export interface MeetingParties {
  /** The ECT's own records' key (platform and Canvas user id): every lookup is scoped by it. */
  ectOwnerId: string;
  /** The ECT's key in the cohort's read model (`canvas:<id>`), as the pages' URLs name them. */
  ectKey: string;
  ectName: string | null;
  /** The only writer of the record. */
  mentorOwnerId: string;
  mentorName: string;
  cohort: string;
}

/**
 * A mentor's record of one meeting with their ECT, kept with the ECT's other meetings in their
 * one `meeting_records` document, which only their mentor writes (FerretDB loses concurrent
 * updates of one document); the ECT's reflections are in their own `meeting_reflections`
 * document, which only the ECT writes (see meetings.ts).
 */
export interface MeetingRecord extends MeetingParties {
  /** `meeting:<random>`. */
  _id: string;
  /** The ECT programme module the meeting belongs to. */
  module: number;
  /** The curriculum session plan it follows; null for a meeting outside the plans. */
  session: number | null;
  /** YYYY-MM-DD. */
  date: string;
  focus: string;
  notes: string;
  actions: ActionStep[];
  createdAt: Date;
  updatedAt: Date;
}

/** The ECT's reflection on one meeting: `_id` is the meeting's, and only that ECT writes it (in their `meeting_reflections` document). */
export interface MeetingReflection {
  _id: string;
  ectOwnerId: string;
  text: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface MeetingWithReflection extends MeetingRecord {
  reflection: MeetingReflection | null;
}


/** What the mentor typed, before validation: dates as typed, owners as chosen. */
export interface MeetingDraft {
  module: number | null;
  session: number | null;
  date: string;
  focus: string;
  notes: string;
  actions: { step: string; owner: string; due: string | null }[];
}

export type NewMeeting = MeetingParties &
  MeetingDraft & {
    /** The id the form was given when it was shown, so a resubmitted form saves once; a fresh one otherwise. */
    id?: string;
  };

/** The validated fields of a meeting. */
export type MeetingFields = Pick<MeetingRecord, 'module' | 'session' | 'date' | 'focus' | 'notes' | 'actions'>;

/** One problem with what was typed: `field` is `date`, `focus`, `notes`, `module`, `session`, `actions`, `actions.<i>.step|owner|due` or `reflection`. */
export interface FieldError {
  field: string;
  message: string;
}

/** What was typed cannot be saved; each problem names its field in words a person can act on. */
export class MeetingInputError extends ValidationError {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.message).join(' '));
  }
}

export const MEETING_ID = /^meeting:[A-Za-z0-9_-]{16}$/;

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function realDay(year: number, month: number, day: number): string | null {
  if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * A calendar date as people type it, as YYYY-MM-DD: "2026-12-07" (what a date picker sends),
 * "7/12/2026" (day first, as in England), "7 December 2026" or "Monday 7 Dec 2026".
 * Null when it is not a real date.
 */
export function parseDay(text: string): string | null {
  const value = text.trim().toLowerCase().replace(/,/g, ' ').replace(/\s+/g, ' ');
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (match) return realDay(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (match) return realDay(Number(match[3]), Number(match[2]), Number(match[1]));
  match = /^(?:[a-z]+ )?(\d{1,2})(?:st|nd|rd|th)? ([a-z]{3,9}) (\d{4})$/.exec(value);
  if (match) {
    const month = MONTHS.findIndex((name) => name === match![2] || (match![2].length === 3 && name.startsWith(match![2])));
    return month < 0 ? null : realDay(Number(match[3]), month + 1, Number(match[1]));
  }
  return null;
}

/** The same calendar day a year on (29 February becomes 28 February or 1 March as Date.UTC rolls it). */
export function yearAfter(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year + 1, month - 1, date)).toISOString().slice(0, 10);
}

const tooLong = (max: number) => (issue: { input?: unknown }) =>
  `use ${max.toLocaleString('en-GB')} characters or fewer (you used ${String(issue.input ?? '').length.toLocaleString('en-GB')})`;

const EXAMPLE = 'such as 7 December 2026';

function dayText(text: string, latest?: string): { day: string } | { problem: string } {
  const parsed = parseDay(text);
  if (!parsed) return { problem: `enter a real date, ${EXAMPLE}` };
  if (latest && parsed > latest) return { problem: 'the date must be no more than a year from today' };
  return { day: parsed };
}

const meetingDay = (latest: string) =>
  z.string({ error: 'enter the date of the meeting' }).transform((text, ctx) => {
    if (text.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'enter the date of the meeting' });
      return z.NEVER;
    }
    const found = dayText(text, latest);
    if ('day' in found) return found.day;
    ctx.addIssue({ code: 'custom', message: found.problem });
    return z.NEVER;
  });

const dueDay = z
  .string({ error: `enter a real date, ${EXAMPLE}` })
  .nullable()
  .transform((text, ctx) => {
    if (text === null || text.trim() === '') return null;
    const found = dayText(text);
    if ('day' in found) return found.day;
    ctx.addIssue({ code: 'custom', message: found.problem });
    return z.NEVER;
  });

const Action = z.object({
  step: z.string({ error: 'describe the step' }).trim().min(1, { error: 'describe the step, or clear its due date' }).max(LIMITS.step, { error: tooLong(LIMITS.step) }),
  owner: z.enum(ACTION_OWNERS, { error: 'choose the ECT, the mentor or both' }),
  due: dueDay,
});

function fieldsSchema(today: string) {
  return z.object({
    module: z
      .number({ error: 'choose the module this meeting belongs to' })
      .int({ error: 'choose the module this meeting belongs to' })
      .refine((n) => moduleOf('ect', n) !== undefined, { error: 'choose a module of the ECT programme' }),
    session: z.number({ error: 'choose a session plan, or none' }).int({ error: 'choose a session plan, or none' }).nullable(),
    date: meetingDay(yearAfter(today)),
    focus: z.string({ error: 'enter what the meeting focused on' }).trim().min(1, { error: 'enter what the meeting focused on' }).max(LIMITS.focus, { error: tooLong(LIMITS.focus) }),
    notes: z.string({ error: 'enter the notes as text' }).trim().max(LIMITS.notes, { error: tooLong(LIMITS.notes) }),
    actions: z.array(Action, { error: 'list the action steps' }).max(LIMITS.actions, { error: `record ${LIMITS.actions} action steps or fewer` }),
  });
}

/** A session the module has no plan for; checked apart so it shows with every other problem at once. */
function sessionProblem(draft: unknown): FieldError | null {
  const { module, session } = (draft ?? {}) as { module?: unknown; session?: unknown };
  if (typeof module !== 'number' || typeof session !== 'number') return null;
  const plans = moduleOf('ect', module)?.sessionPlans;
  if (!plans || plans.some((p) => p.session === session)) return null;
  return { field: 'session', message: `${labelOf(['session'])}: module ${module} has no session plan ${session}` };
}

/** The words a field's problems start with. */
function labelOf(path: readonly PropertyKey[]): string {
  const [field, index, part] = path;
  if (field === 'actions' && typeof index === 'number') {
    const step = `Action step ${index + 1}`;
    return part === 'owner' ? `${step} owner` : part === 'due' ? `${step} due date` : step;
  }
  return ({ module: 'Module', session: 'Session plan', date: 'Date', focus: 'Focus', notes: 'Notes', actions: 'Action steps', reflection: 'Reflection' } as Record<string, string>)[String(field)] ?? 'This form';
}

function fieldErrors(error: z.ZodError): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form';
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message: `${labelOf(issue.path)}: ${issue.message}` });
  }
  return out;
}

const FIELD_ORDER = ['module', 'session', 'date', 'focus', 'notes', 'actions'];

/** Checks what the mentor typed; `today` is England's date (YYYY-MM-DD), for "no more than a year ahead". */
export function validateMeeting(draft: unknown, today: string): { ok: true; fields: MeetingFields } | { ok: false; errors: FieldError[] } {
  const parsed = fieldsSchema(today).safeParse(draft);
  const errors = parsed.success ? [] : fieldErrors(parsed.error);
  const session = sessionProblem(draft);
  if (session && !errors.some((e) => e.field === 'session')) errors.push(session);
  if (parsed.success && errors.length === 0) return { ok: true, fields: parsed.data };
  const rank = (e: FieldError) => FIELD_ORDER.indexOf(e.field.split('.')[0]);
  // Stable: action steps keep their own order.
  return { ok: false, errors: errors.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i).map(({ e }) => e) };
}

const Reflection = z.object({
  reflection: z.string().trim().min(1, { error: 'write your reflection before saving it' }).max(LIMITS.reflection, { error: tooLong(LIMITS.reflection) }),
});

export function validateReflection(text: unknown): { ok: true; text: string } | { ok: false; errors: FieldError[] } {
  const parsed = Reflection.safeParse({ reflection: text });
  return parsed.success ? { ok: true, text: parsed.data.reflection } : { ok: false, errors: fieldErrors(parsed.error) };
}

