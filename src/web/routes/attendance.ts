import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  AttendanceConflictError,
  EVENT_ID,
  EVENT_TYPES,
  EVENT_TYPE_LABELS,
  EventInputError,
  LIMITS,
  RegisterInputError,
  type EventColumn,
  type EventDraft,
  type FieldError,
  type RegisterHistoryItem,
  type TrainingEvent,
} from '../../attendance';
import { allModuleNumbers, moduleOf, ukDate } from '../../curriculum';
import { NotFoundError, ValidationError } from '../../errors';
import type { Viewer } from '../../participants/access';
import { formatDay } from '../format';
import { STAFF, pageOn, viewerOf } from '../page-kit';
import { presentPerson } from '../presenters';
import type { PageDeps } from './pages';

/** The people of one roster group, as the read model has them: the register lists the active ones. */
export type GroupMembers = (cohort: string, group: string) => Promise<{ key: string; name: string | null; role: 'ect' | 'mentor'; status: string }[]>;

type Deps = Pick<PageDeps, 'attendance' | 'groupMembers'>;

const NOTHING_HERE = 'There is nothing here that you can see.';
const UNREADABLE = 'The form could not be read. Reload the page and try again.';

/** A posted form: one string per field (a repeated or nested field is not one of ours). */
const FormBody = z.record(z.string(), z.string().max(5_000));

function formBody(req: Request): Record<string, string> {
  const parsed = FormBody.safeParse(req.body ?? {});
  if (!parsed.success) throw new ValidationError(UNREADABLE);
  return parsed.data;
}

/** A facilitator runs the groups assigned to them; an admin any group of the cohort they launched from. */
function runs(viewer: Viewer, group: string): boolean {
  if (viewer.kind === 'admin') return true;
  return viewer.kind === 'facilitator' && (viewer.groups?.includes(group) ?? false);
}

interface GroupScope {
  cohort: string;
  group: string;
}

/**
 * The group named in the path, when this viewer runs it: otherwise a 404 that says nothing of
 * whether it exists. An admin's group must be one the cohort has (people or events in it).
 */
async function groupFromPath(deps: Deps, req: Request, res: Response): Promise<GroupScope> {
  const viewer = viewerOf(res);
  const group = req.params.group;
  if (!viewer.cohort || typeof group !== 'string' || group.trim() === '' || group.length > LIMITS.group || !runs(viewer, group)) throw new NotFoundError(NOTHING_HERE);
  const scope = { cohort: viewer.cohort, group };
  if (viewer.kind === 'admin') {
    const known = (await deps.groupMembers(scope.cohort, group)).length > 0 || (await deps.attendance.eventsOf(scope.cohort, group)).length > 0;
    if (!known) throw new NotFoundError(NOTHING_HERE);
  }
  return scope;
}

/** The event named in the path, when it is one of a group this viewer runs, in their cohort. */
async function eventFromPath(deps: Deps, req: Request, res: Response): Promise<TrainingEvent> {
  const viewer = viewerOf(res);
  const id = req.params.event;
  const event = typeof id === 'string' && EVENT_ID.test(id) ? await deps.attendance.event(id) : null;
  if (!event || !viewer.cohort || event.cohort !== viewer.cohort || !runs(viewer, event.group)) throw new NotFoundError(NOTHING_HERE);
  return event;
}

function urls(res: Response, group: string, event?: TrainingEvent) {
  const base = presentPerson(viewerOf(res).session).base;
  const groupUrl = `${base}groups/${encodeURIComponent(group)}/events`;
  return { groupUrl, eventUrl: event ? `${base}events/${event._id}` : '', registerUrl: event ? `${base}events/${event._id}/register` : '' };
}

/** Now in England: the date and the HH:MM time. */
function ukNow(now: Date): { date: string; time: string } {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
  return { date: ukDate(now), time };
}

const timeText = (start: string, end: string | null) => (end ? `${start} to ${end}` : start);
const moduleText = (module: number | null) => (module === null ? 'None' : `Module ${module}`);

// --- The group's events and the new-event form ---

const FORM_FIELDS = ['date', 'start_time', 'end_time', 'type', 'module', 'title', 'location', 'facilitator_email'] as const satisfies readonly EventColumn[];
type FormValues = Record<(typeof FORM_FIELDS)[number], string>;

const blankForm = (): FormValues => ({ date: '', start_time: '', end_time: '', type: 'face-to-face', module: '', title: '', location: '', facilitator_email: '' });

function valuesFrom(body: Record<string, string>): FormValues {
  return Object.fromEntries(FORM_FIELDS.map((f) => [f, body[f] ?? ''])) as FormValues;
}

function moduleOptions(selected: string) {
  const none = { value: '', label: 'No particular module', selected: selected.trim() === '' };
  return [none, ...allModuleNumbers().map((n) => ({ value: String(n), label: `Module ${n}${moduleOf('ect', n) ? `: ${moduleOf('ect', n)!.title}` : ''}`, selected: selected.trim() === String(n) }))];
}

/** The form's fields with what was typed and each field's problem. */
function eventForm(values: FormValues, errors: FieldError[], problem?: string) {
  const at = Object.fromEntries(errors.map((e) => [e.field, e.message]));
  const field = (name: keyof FormValues) => ({ value: values[name], error: at[name] ?? null });
  return {
    date: field('date'),
    start_time: field('start_time'),
    end_time: field('end_time'),
    type: { ...field('type'), options: EVENT_TYPES.map((t) => ({ value: t, label: EVENT_TYPE_LABELS[t], selected: values.type === t })) },
    module: { ...field('module'), options: moduleOptions(values.module) },
    title: field('title'),
    location: field('location'),
    facilitator_email: field('facilitator_email'),
    errors: [...(problem ? [{ message: problem, href: '#date' }] : []), ...errors.map((e) => ({ message: e.message, href: `#${e.field}` }))],
    max: { title: LIMITS.title, location: LIMITS.location },
  };
}

const NOTICES: Record<string, string> = { added: 'Training event added.', cancelled: 'Training event cancelled.' };

async function renderGroup(deps: Deps, res: Response, scope: GroupScope, form: ReturnType<typeof eventForm>, status = 200, notice: string | null = null) {
  const summary = await deps.attendance.groupAttendance(scope.cohort, scope.group);
  const { date, time } = ukNow(new Date());
  const { groupUrl } = urls(res, scope.group);
  const base = presentPerson(viewerOf(res).session).base;
  const rows = summary.events.map((e) => ({
    id: e.id,
    day: formatDay(e.date),
    time: timeText(e.start, e.end),
    typeLabel: e.typeLabel,
    module: moduleText(e.module),
    title: e.title,
    register: e.registerTaken ? `Taken: ${e.present} of ${e.expected} present` : 'Not taken yet',
    registerTaken: e.registerTaken,
    registerUrl: `${base}events/${e.id}/register`,
    upcoming: e.date > date || (e.date === date && (e.end ?? e.start) >= time),
  }));
  const heading = `Training events: ${scope.group}`;
  res.status(status).render('pages/group-events', {
    title: `${form.errors.length ? 'Error: ' : ''}${heading}`,
    heading,
    cohort: scope.cohort,
    group: scope.group,
    notice,
    upcoming: rows.filter((r) => r.upcoming),
    past: rows.filter((r) => !r.upcoming).reverse(),
    action: groupUrl,
    form,
  });
}

// --- The register ---

interface RegisterRow {
  i: number;
  key: string;
  name: string;
  roleLabel: string;
  present: boolean;
  reason: string;
  error: string | null;
  /** Joined the group since the register was last saved. */
  isNew: boolean;
}

interface Person {
  key: string;
  name: string | null;
  role: 'ect' | 'mentor';
}

/** Who the register lists: the group's active ECTs and mentors, and anyone already on its latest version. */
async function registerPeople(deps: Deps, event: TrainingEvent, latest: RegisterHistoryItem | undefined): Promise<{ person: Person; present: boolean; reason: string | null; isNew: boolean }[]> {
  const members = (await deps.groupMembers(event.cohort, event.group)).filter((m) => m.status === 'active');
  const names = new Map(members.map((m) => [m.key, m.name]));
  const listed = new Map<string, { person: Person; present: boolean; reason: string | null; isNew: boolean }>();
  for (const e of latest?.entries ?? []) listed.set(e.key, { person: { key: e.key, name: names.get(e.key) ?? e.name, role: e.role }, present: e.present, reason: e.reason, isNew: false });
  for (const m of members) {
    if (!listed.has(m.key)) listed.set(m.key, { person: { key: m.key, name: m.name, role: m.role }, present: true, reason: null, isNew: latest !== undefined });
  }
  return [...listed.values()].sort((a, b) => (a.person.name ?? '').localeCompare(b.person.name ?? '') || a.person.key.localeCompare(b.person.key));
}

const ROLE_LABELS = { ect: 'ECT', mentor: 'Mentor' } as const;

interface RegisterState {
  /** What was typed, by key, when the form comes back with problems. */
  typed?: Map<string, { present: boolean; reason: string }>;
  problems?: { key: string; message: string }[];
  editValues?: FormValues;
  editErrors?: FieldError[];
  status?: number;
  savedVersion?: number;
}

async function renderRegister(deps: Deps, res: Response, event: TrainingEvent, state: RegisterState = {}) {
  const history = await deps.attendance.history(event._id);
  const latest = history.at(-1);
  const people = await registerPeople(deps, event, latest);
  const problemOf = new Map((state.problems ?? []).map((p) => [p.key, p.message]));
  const rows: RegisterRow[] = people.map(({ person, present, reason, isNew }, i) => {
    const typed = state.typed?.get(person.key);
    return {
      i,
      key: person.key,
      name: person.name ?? 'Name not known',
      roleLabel: ROLE_LABELS[person.role],
      present: typed ? typed.present : present,
      reason: typed ? typed.reason : (reason ?? ''),
      error: problemOf.get(person.key) ?? null,
      isNew,
    };
  });
  const saved = state.savedVersion !== undefined ? history.find((v) => v.version === state.savedVersion) : undefined;
  const u = urls(res, event.group, event);
  const heading = `Register: ${EVENT_TYPE_LABELS[event.type]}, ${formatDay(event.date)}`;
  const editValues = state.editValues ?? {
    ...blankForm(),
    end_time: event.end ?? '',
    module: event.module === null ? '' : String(event.module),
    title: event.title ?? '',
    location: event.location ?? '',
    facilitator_email: event.facilitatorEmail ?? '',
  };
  const failed = rows.some((r) => r.error) || Boolean(state.editErrors?.length);
  res.status(state.status ?? 200).render('pages/register', {
    title: `${failed ? 'Error: ' : ''}${heading} – ${event.group}`,
    heading,
    group: event.group,
    urls: u,
    event: {
      day: formatDay(event.date),
      time: timeText(event.start, event.end),
      typeLabel: EVENT_TYPE_LABELS[event.type],
      module: moduleText(event.module),
      title: event.title,
      location: event.location,
      facilitatorEmail: event.facilitatorEmail,
    },
    saved: saved ? { present: saved.present, expected: saved.expected } : null,
    version: latest?.version ?? 0,
    lastSaved: latest ? { name: latest.takenBy.name, at: latest.takenAt } : null,
    rows,
    errors: rows.filter((r) => r.error).map((r) => ({ message: r.error, href: `#reason_${r.i}` })),
    history: [...history].reverse().map((v) => ({ version: v.version, by: v.takenBy.name, at: v.takenAt, present: v.present, expected: v.expected, changes: v.changes })),
    edit: { open: Boolean(state.editErrors?.length), form: eventForm(editValues, state.editErrors ?? []) },
    canCancel: history.length === 0,
  });
}

/** The marks the register form posted, in the order it listed people. */
function marksFrom(body: Record<string, string>): { basedOn: number; marks: { key: string; present: boolean; reason: string }[] } {
  const version = body.version ?? '';
  if (!/^\d{1,6}$/.test(version)) throw new ValidationError(UNREADABLE);
  const marks: { key: string; present: boolean; reason: string }[] = [];
  for (let i = 0; i < LIMITS.people; i += 1) {
    const key = body[`key_${i}`];
    if (key === undefined) break;
    const present = body[`present_${i}`];
    if (present !== undefined && present !== 'yes') throw new ValidationError(UNREADABLE);
    marks.push({ key, present: present === 'yes', reason: body[`reason_${i}`] ?? '' });
  }
  if (marks.length === 0) throw new ValidationError('The register has nobody on it. Reload the page and try again.');
  return { basedOn: Number(version), marks };
}

/** Training events and registers: `/s/:sessionId/groups/:group/events`, `/s/:sessionId/events/:event…`. Staff only. */
export function attendanceRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);

  page('get', '/groups/:group/events', STAFF, async (req, res) => {
    const scope = await groupFromPath(deps, req, res);
    const notice = typeof req.query.done === 'string' ? (NOTICES[req.query.done] ?? null) : null;
    await renderGroup(deps, res, scope, eventForm(blankForm(), []), 200, notice);
  });

  page('post', '/groups/:group/events', STAFF, async (req, res) => {
    const body = formBody(req);
    const scope = await groupFromPath(deps, req, res);
    const values = valuesFrom(body);
    const draft: EventDraft = { ...values, cohort: scope.cohort, group: scope.group };
    try {
      const created = await deps.attendance.createEvent(draft);
      req.log.info({ event: 'attendance.event_created', eventId: created._id }, 'training event created');
      res.redirect(303, `${urls(res, scope.group).groupUrl}?done=added`);
    } catch (error) {
      if (error instanceof EventInputError) return renderGroup(deps, res, scope, eventForm(values, error.errors), 400);
      if (error instanceof AttendanceConflictError) return renderGroup(deps, res, scope, eventForm(values, [], error.message), 409);
      throw error;
    }
  });

  page('get', '/events/:event/register', STAFF, async (req, res) => {
    const event = await eventFromPath(deps, req, res);
    const saved = typeof req.query.saved === 'string' && /^\d{1,6}$/.test(req.query.saved) ? Number(req.query.saved) : undefined;
    await renderRegister(deps, res, event, { savedVersion: saved });
  });

  page('post', '/events/:event/register', STAFF, async (req, res) => {
    const body = formBody(req);
    const event = await eventFromPath(deps, req, res);
    const { basedOn, marks } = marksFrom(body);
    const latest = (await deps.attendance.history(event._id)).at(-1);
    const people = new Map((await registerPeople(deps, event, latest)).map((p) => [p.person.key, p.person]));
    const entries = marks.map((mark) => {
      const person = people.get(mark.key);
      if (!person) throw new ValidationError('The register lists someone who is not in this group. Reload the page and take it again.');
      return { ...person, present: mark.present, reason: mark.reason };
    });
    const viewer = viewerOf(res);
    try {
      const saved = await deps.attendance.saveRegister({ eventId: event._id, basedOn, entries, takenBy: { ownerId: viewer.ownerId ?? 'unknown', name: viewer.session.name } });
      req.log.info({ event: 'attendance.register_saved', eventId: event._id, version: saved.version }, 'register saved');
      res.redirect(303, `${urls(res, event.group, event).registerUrl}?saved=${saved.version}`);
    } catch (error) {
      if (!(error instanceof RegisterInputError)) throw error;
      const typed = new Map(marks.map((m) => [m.key, { present: m.present, reason: m.reason }]));
      await renderRegister(deps, res, event, { typed, problems: error.problems, status: 400 });
    }
  });

  page('post', '/events/:event', STAFF, async (req, res) => {
    const body = formBody(req);
    const event = await eventFromPath(deps, req, res);
    const values = valuesFrom(body);
    try {
      await deps.attendance.editEvent(event._id, values);
      res.redirect(303, urls(res, event.group, event).registerUrl);
    } catch (error) {
      if (!(error instanceof EventInputError)) throw error;
      await renderRegister(deps, res, event, { editValues: values, editErrors: error.errors, status: 400 });
    }
  });

  page('post', '/events/:event/cancel', STAFF, async (req, res) => {
    formBody(req);
    const event = await eventFromPath(deps, req, res);
    await deps.attendance.cancelEvent(event._id);
    req.log.info({ event: 'attendance.event_cancelled', eventId: event._id }, 'training event cancelled');
    res.redirect(303, `${urls(res, event.group).groupUrl}?done=cancelled`);
  });

  return router;
}
