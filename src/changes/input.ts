import { z } from 'zod';
import { AppError } from '../errors';
import { ROLES } from '../people';
import type { GridRow } from '../progress/grid';
import { CHANGE_KINDS, type ChangeDetails, type ChangeKind } from './model';

/** What a school's form sends, every field a string the web edge has already bounded. */
export interface ChangeForm {
  kind: string;
  participant?: string;
  /** A mentor of the school (their key), or `new` with mentorName and mentorEmail. */
  mentor?: string;
  mentorName?: string;
  mentorEmail?: string;
  email?: string;
  effectiveDate?: string;
  reason?: string;
  name?: string;
  role?: string;
  cohort?: string;
  startDate?: string;
  note?: string;
}

export interface FieldError {
  field: keyof ChangeForm;
  message: string;
}

export const LIMITS = { name: 200, email: 254, reason: 500, note: 1000 } as const;

/** A form the service refuses: each field's problem, in the form's order, for the page to show beside it. */
export class ChangeInputError extends AppError {
  constructor(readonly fields: FieldError[]) {
    super('change_input', 400, fields.map((f) => f.message).join(' '));
  }
}

/** What a valid form becomes, before it is stored. */
export interface ChangeDraft {
  kind: ChangeKind;
  participantKey: string | null;
  cohort: string;
  details: ChangeDetails;
  note: string;
}

/** The school's people (grid rows with its URN) and what else a form is checked against. */
export interface FormContext {
  people: readonly GridRow[];
  /** Cohorts a new participant may join. */
  cohorts: readonly string[];
  /** Whether anyone in the cohort (any school) has this email. */
  emailTaken(cohort: string, email: string): Promise<boolean>;
}

const emailFormat = z.email();
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(value: string | undefined): string | null {
  const match = value ? DATE.exec(value.trim()) : null;
  if (!match) return null;
  const [, y, m, d] = match.map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 2000 || y > 2100 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return match[0];
}

function validEmail(value: string | undefined): string | null {
  const email = (value ?? '').trim().toLowerCase();
  return email.length <= LIMITS.email && emailFormat.safeParse(email).success ? email : null;
}

const text = (value: string | undefined) => (value ?? '').trim();

class Checks {
  readonly errors: FieldError[] = [];

  add(field: keyof ChangeForm, message: string): void {
    if (!this.errors.some((e) => e.field === field)) this.errors.push({ field, message });
  }

  date(form: ChangeForm, field: 'effectiveDate' | 'startDate', label: string): string {
    const date = validDate(form[field]);
    if (!date) this.add(field, `Enter ${label} as a real date, for example 2027-01-04.`);
    return date ?? '';
  }

  email(form: ChangeForm, field: 'email' | 'mentorEmail', label: string): string {
    const email = validEmail(form[field]);
    if (!email) this.add(field, `Enter ${label} as an email address, like name@school.org.uk.`);
    return email ?? '';
  }

  required(form: ChangeForm, field: 'name' | 'mentorName' | 'reason', label: string, max: number): string {
    const value = text(form[field]);
    if (!value) this.add(field, `Enter ${label}.`);
    else if (value.length > max) this.add(field, `${label[0].toUpperCase()}${label.slice(1)} must be ${max} characters or fewer.`);
    return value;
  }
}

function participantOf(form: ChangeForm, context: FormContext, checks: Checks, role?: 'ect'): GridRow | null {
  const found = context.people.find((p) => p.key === form.participant && (!role || p.role === role));
  if (!found) checks.add('participant', role === 'ect' ? 'Choose one of your school’s early career teachers.' : 'Choose someone from your school.');
  return found ?? null;
}

function mentorChange(form: ChangeForm, context: FormContext, checks: Checks): Omit<ChangeDraft, 'note'> | null {
  const ect = participantOf(form, context, checks, 'ect');
  let mentorName = '';
  let mentorEmail = '';
  if (form.mentor === 'new') {
    mentorName = checks.required(form, 'mentorName', 'the new mentor’s name', LIMITS.name);
    mentorEmail = checks.email(form, 'mentorEmail', 'the new mentor’s email');
  } else {
    const mentor = context.people.find((p) => p.key === form.mentor && p.role === 'mentor' && (!ect || p.cohort === ect.cohort));
    if (!mentor?.email) checks.add('mentor', 'Choose one of your school’s mentors in the ECT’s cohort, or give a new mentor’s name and email.');
    mentorName = mentor?.name ?? '';
    mentorEmail = mentor?.email?.toLowerCase() ?? '';
  }
  if (ect && mentorEmail && ect.mentorEmail === mentorEmail) checks.add('mentor', `${mentorName || 'That mentor'} already mentors ${ect.name ?? 'this ECT'}.`);
  const effectiveDate = checks.date(form, 'effectiveDate', 'the date the new mentor starts');
  if (!ect) return null;
  return {
    kind: 'mentor-change',
    participantKey: ect.key,
    cohort: ect.cohort,
    details: { kind: 'mentor-change', participantName: ect.name, mentorName, mentorEmail, effectiveDate, previousMentorEmail: ect.mentorEmail },
  };
}

async function emailChange(form: ChangeForm, context: FormContext, checks: Checks): Promise<Omit<ChangeDraft, 'note'> | null> {
  const person = participantOf(form, context, checks);
  const email = checks.email(form, 'email', 'the new email address');
  if (person && email && person.email?.toLowerCase() === email) checks.add('email', `${person.name ?? 'They'} already ${person.name ? 'has' : 'have'} that email address.`);
  else if (person && email && (await context.emailTaken(person.cohort, email))) checks.add('email', 'Someone else in the programme has that email address already.');
  if (!person) return null;
  return { kind: 'email-change', participantKey: person.key, cohort: person.cohort, details: { kind: 'email-change', participantName: person.name, email, previousEmail: person.email } };
}

function statusChange(kind: 'withdrawal' | 'deferral', form: ChangeForm, context: FormContext, checks: Checks): Omit<ChangeDraft, 'note'> | null {
  const person = participantOf(form, context, checks);
  const status = kind === 'withdrawal' ? 'withdrawn' : 'deferred';
  if (person?.status === status) checks.add('participant', `${person.name ?? 'They'} ${person.name ? 'is' : 'are'} ${status} already.`);
  const effectiveDate = checks.date(form, 'effectiveDate', `the date the ${kind} takes effect`);
  const reason = checks.required(form, 'reason', `the reason for the ${kind}`, LIMITS.reason);
  if (!person) return null;
  return { kind, participantKey: person.key, cohort: person.cohort, details: { kind, participantName: person.name, effectiveDate, reason, previousStatus: person.status } };
}

async function newParticipant(form: ChangeForm, context: FormContext, checks: Checks): Promise<Omit<ChangeDraft, 'note'> | null> {
  const name = checks.required(form, 'name', 'their full name', LIMITS.name);
  const email = checks.email(form, 'email', 'their email address');
  const role = ROLES.find((r) => r === form.role) ?? null;
  if (!role) checks.add('role', 'Choose whether they are an early career teacher or a mentor.');
  const cohort = context.cohorts.find((c) => c === form.cohort) ?? null;
  if (!cohort) checks.add('cohort', 'Choose the cohort they join.');
  let mentorEmail: string | null = null;
  if (text(form.mentorEmail)) {
    if (role === 'mentor') checks.add('mentorEmail', 'Only an early career teacher has a mentor: leave the mentor’s email empty for a mentor.');
    else mentorEmail = checks.email(form, 'mentorEmail', 'their mentor’s email');
  }
  const startDate = checks.date(form, 'startDate', 'the date they start');
  if (cohort && email && (await context.emailTaken(cohort, email))) checks.add('email', 'Someone in that cohort has that email address already.');
  if (!role || !cohort) return null;
  return { kind: 'new-participant', participantKey: null, cohort, details: { kind: 'new-participant', name, email, role, mentorEmail, startDate } };
}

/** Checks a school's form against its own people; throws ChangeInputError naming every problem. */
export async function draftOf(form: ChangeForm, context: FormContext): Promise<ChangeDraft> {
  const checks = new Checks();
  const kind = CHANGE_KINDS.find((k) => k === form.kind);
  if (!kind) throw new ChangeInputError([{ field: 'kind', message: 'Choose what kind of change to tell us about.' }]);
  const note = text(form.note);
  if (note.length > LIMITS.note) checks.add('note', `The note must be ${LIMITS.note} characters or fewer.`);
  let draft: Omit<ChangeDraft, 'note'> | null;
  if (kind === 'mentor-change') draft = mentorChange(form, context, checks);
  else if (kind === 'email-change') draft = await emailChange(form, context, checks);
  else if (kind === 'new-participant') draft = await newParticipant(form, context, checks);
  else draft = statusChange(kind, form, context, checks);
  if (checks.errors.length > 0 || !draft) throw new ChangeInputError(checks.errors);
  return { ...draft, note };
}
