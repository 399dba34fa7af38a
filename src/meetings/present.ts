import { moduleOf, modulesOf } from '../curriculum';
import { ACTION_OWNERS, LIMITS, yearAfter, type ActionOwner, type FieldError, type MeetingDraft, type MeetingRecord, type MeetingWithReflection } from './model';

/**
 * What `{{> meetings}}` lists for each meeting: plain values, so any page can pass them
 * without a presenter of its own (`meetingListItems(await meetings.listFor(ownerId))`).
 */
export interface MeetingListItem {
  /** The meeting's id: the last segment of its URL (`<base>/<id>`). */
  id: string;
  /** YYYY-MM-DD (the partial shows it with `formatDay`). */
  date: string;
  module: number;
  session: number | null;
  focus: string;
  actionCount: number;
  reflected: boolean;
}

export function meetingListItems(meetings: readonly MeetingWithReflection[]): MeetingListItem[] {
  return meetings.map((m) => ({ id: m._id, date: m.date, module: m.module, session: m.session, focus: m.focus, actionCount: m.actions.length, reflected: m.reflection !== null }));
}

export const OWNER_LABELS: Record<ActionOwner, string> = { ect: 'ECT', mentor: 'Mentor', both: 'ECT and mentor' };

/** The form fields as posted: one string each (the route refuses anything else). */
export type MeetingFormBody = Partial<Record<string, string>>;

/** `plan` is "<module>" (no session plan) or "<module>.<session>". */
function parsePlan(value: string): { module: number | null; session: number | null } {
  const match = /^(\d{1,3})(?:\.(\d{1,3}))?$/.exec(value.trim());
  return match ? { module: Number(match[1]), session: match[2] === undefined ? null : Number(match[2]) } : { module: null, session: null };
}

const planValue = (module: number | null, session: number | null) => (module === null ? '' : session === null ? String(module) : `${module}.${session}`);

/**
 * What the meeting form posted, as a draft for `Meetings.record`/`update`. Action rows are
 * `step-N`, `owner-N`, `due-N` (N from 1); a row with neither a step nor a due date is empty.
 */
export function draftFromForm(body: MeetingFormBody): MeetingDraft {
  const actions: MeetingDraft['actions'] = [];
  for (let n = 1; n <= LIMITS.actions; n += 1) {
    const step = body[`step-${n}`] ?? '';
    const due = body[`due-${n}`] ?? '';
    if (step.trim() === '' && due.trim() === '') continue;
    actions.push({ step, owner: body[`owner-${n}`] ?? '', due: due.trim() === '' ? null : due });
  }
  return { ...parsePlan(body.plan ?? ''), date: body.date ?? '', focus: body.focus ?? '', notes: body.notes ?? '', actions };
}

/** A new meeting's draft from a session plan: its title as the focus, its action steps for the ECT. */
export function draftFromPlan(module: number, session: number | null, today: string): MeetingDraft {
  const plan = session === null ? undefined : moduleOf('ect', module)?.sessionPlans.find((p) => p.session === session);
  return {
    module,
    session: plan ? session : null,
    date: today,
    focus: plan?.title ?? '',
    notes: '',
    actions: (plan?.actionSteps ?? []).slice(0, LIMITS.actions).map((step) => ({ step, owner: 'ect', due: null })),
  };
}

export function draftFromRecord(meeting: MeetingRecord): MeetingDraft {
  const { module, session, date, focus, notes, actions } = meeting;
  return { module, session, date, focus, notes, actions: actions.map((a) => ({ ...a })) };
}

/** The id of the control a field's problem is shown at. */
export function controlOf(field: string): string {
  const [name, index, part] = field.split('.');
  if (name === 'module' || name === 'session') return 'plan';
  if (name === 'actions') return index === undefined ? 'step-1' : `${part ?? 'step'}-${Number(index) + 1}`;
  return name;
}

export interface ErrorSummary {
  /** In form order, each linking to its control (`#date`). */
  list: { href: string; message: string }[];
  /** By control id: the message shown next to it. */
  at: Record<string, string>;
}

export function errorSummary(errors: readonly FieldError[]): ErrorSummary {
  const at: Record<string, string> = {};
  for (const e of errors) at[controlOf(e.field)] ??= e.message;
  return { list: errors.map((e) => ({ href: `#${controlOf(e.field)}`, message: e.message })), at };
}

interface Option {
  value: string;
  label: string;
  selected: boolean;
}

/** The meeting form, ready for `views/pages/meeting-record.hbs`. */
export interface MeetingFormView {
  plan: { groups: { label: string; options: Option[] }[]; error: string | null };
  date: { value: string; max: string; error: string | null };
  focus: { value: string; max: number; error: string | null };
  notes: { value: string; max: number; error: string | null };
  actions: { error: string | null; rows: { n: number; step: string; stepError: string | null; owners: Option[]; ownerError: string | null; due: string; dueError: string | null }[] };
  errors: ErrorSummary['list'];
}

/** Blank rows under the steps already there, so a step can be added without a script. */
const SPARE_ROWS = 2;
const MIN_ROWS = 3;

export function meetingFormView(draft: MeetingDraft, errors: readonly FieldError[], today: string): MeetingFormView {
  const { list, at } = errorSummary(errors);
  const chosen = planValue(draft.module, draft.session);
  const groups = modulesOf('ect').map((m) => ({
    label: `Module ${m.number}: ${m.title}`,
    options: [
      { value: String(m.number), label: `Module ${m.number}, no session plan` },
      ...m.sessionPlans.map((p) => ({ value: `${m.number}.${p.session}`, label: `Module ${m.number}, session ${p.session}: ${p.title}` })),
    ].map((o) => ({ ...o, selected: o.value === chosen })),
  }));
  const count = Math.min(LIMITS.actions, Math.max(MIN_ROWS, draft.actions.length + SPARE_ROWS));
  const rows = Array.from({ length: count }, (_, i) => {
    const action = draft.actions[i] ?? { step: '', owner: 'ect', due: null };
    const n = i + 1;
    return {
      n,
      step: action.step,
      stepError: at[`step-${n}`] ?? null,
      owners: ACTION_OWNERS.map((value) => ({ value, label: OWNER_LABELS[value], selected: value === action.owner })),
      ownerError: at[`owner-${n}`] ?? null,
      due: action.due ?? '',
      dueError: at[`due-${n}`] ?? null,
    };
  });
  const actionsError = errors.find((e) => e.field === 'actions')?.message ?? null;
  return {
    plan: { groups, error: at.plan ?? null },
    date: { value: draft.date, max: yearAfter(today), error: at.date ?? null },
    focus: { value: draft.focus, max: LIMITS.focus, error: at.focus ?? null },
    notes: { value: draft.notes, max: LIMITS.notes, error: at.notes ?? null },
    actions: { error: actionsError, rows },
    errors: list,
  };
}

/** A meeting as its page shows it. */
export function presentMeeting(meeting: MeetingWithReflection) {
  const module = moduleOf('ect', meeting.module);
  const plan = meeting.session === null ? undefined : module?.sessionPlans.find((p) => p.session === meeting.session);
  return {
    id: meeting._id,
    date: meeting.date,
    module: module ? `Module ${module.number}: ${module.title}` : `Module ${meeting.module}`,
    session: plan ? `Session ${plan.session}: ${plan.title}` : meeting.session === null ? null : `Session ${meeting.session}`,
    focus: meeting.focus,
    notes: meeting.notes,
    actions: meeting.actions.map((a) => ({ step: a.step, owner: OWNER_LABELS[a.owner], due: a.due })),
    mentorName: meeting.mentorName,
    ectName: meeting.ectName,
    createdAt: meeting.createdAt,
    updatedAt: meeting.updatedAt,
    edited: meeting.updatedAt.getTime() !== meeting.createdAt.getTime(),
    reflection: meeting.reflection ? { text: meeting.reflection.text, updatedAt: meeting.reflection.updatedAt } : null,
  };
}

/** A module's session plans, each with a link to record a meeting that follows it (`base`: the ECT's meetings URL). */
export function sessionPlanLinks(module: number, base: string, thisWeek: number | null = null) {
  const found = moduleOf('ect', module);
  if (!found) return null;
  return {
    number: found.number,
    title: found.title,
    sessions: found.sessionPlans.map((p) => ({ session: p.session, title: p.title, isThisWeek: p.session === thisWeek, recordUrl: `${base}/new?module=${found.number}&session=${p.session}` })),
    otherUrl: `${base}/new?module=${found.number}&session=none`,
  };
}
