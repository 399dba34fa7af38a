import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { moduleOf, modulesOf, scheduledModule, ukDate } from '../../curriculum';
import { AuthorizationError, NotFoundError, ValidationError } from '../../errors';
import {
  MEETING_ID,
  MeetingInputError,
  draftFromForm,
  draftFromPlan,
  draftFromRecord,
  errorSummary,
  meetingFormView,
  meetingListItems,
  newMeetingId,
  presentMeeting,
  sessionPlanLinks,
  type FieldError,
  type MeetingDraft,
  type MeetingFormBody,
  type MeetingWithReflection,
} from '../../meetings';
import type { Readable } from '../../participants/access';
import { formatDay } from '../format';
import { sessionThisWeek } from '../participant-presenters';
import { EVERYONE, PARTICIPANTS, pageOn, readableFromPath, viewerOf } from '../page-kit';
import { presentPerson } from '../presenters';
import type { PageDeps } from './pages';

/** A posted form: one string per field (a repeated or nested field is not one of ours). */
const FormBody = z.record(z.string(), z.string().max(20_000));

/**
 * `?module=N&session=S` on the new-meeting form: which session plan to start from. Without a
 * module, the ECT's current one; without a session, this week's of that module; `session=none`
 * for a meeting that follows no plan.
 */
const PlanQuery = z.object({
  module: z.string().regex(/^\d{1,3}$/).transform(Number).optional(),
  session: z.union([z.literal('none'), z.string().regex(/^\d{1,3}$/).transform(Number)]).optional(),
});

function formBody(req: Request): MeetingFormBody {
  const parsed = FormBody.safeParse(req.body ?? {});
  if (!parsed.success) throw new ValidationError('The form could not be read. Reload the page and try again.');
  return parsed.data;
}

/** The ECT named in the path, when this viewer may read them: meetings are kept for ECTs only. */
async function ectFromPath(deps: PageDeps, req: Request, res: Response): Promise<Readable> {
  const readable = await readableFromPath(deps.access, req, res);
  if (readable.participant.role !== 'ect') throw new NotFoundError('There is no record here that you can see.');
  return readable;
}

/** The viewer as this ECT's mentor, the only one who records their meetings. */
function asMentor(res: Response, ect: Readable): { ownerId: string; name: string } {
  const viewer = viewerOf(res);
  if (!ect.asMentor || !viewer.ownerId) throw new AuthorizationError('Only this ECT’s mentor can record their meetings.');
  return { ownerId: viewer.ownerId, name: viewer.self?.name ?? viewer.session.name };
}

/** The meeting named in the path, found only among this ECT's: anything else is a 404. */
async function meetingFromPath(deps: PageDeps, req: Request, ect: Readable): Promise<MeetingWithReflection> {
  const id = req.params.meeting;
  const meeting = typeof id === 'string' && MEETING_ID.test(id) ? await deps.meetings.get(ect.ownerId, id) : null;
  if (!meeting) throw new NotFoundError('There is no meeting record here that you can see.');
  return meeting;
}

function urlsOf(res: Response, ect: Readable) {
  const base = presentPerson(viewerOf(res).session).base;
  const person = `${base}people/${encodeURIComponent(ect.participant.key)}`;
  return { person, list: `${person}/meetings` };
}

const ectName = (ect: Readable) => ect.participant.name ?? 'your ECT';

/** The module a new meeting starts in: by the cohort's schedule, else the first one not complete. */
function currentModule(ect: Readable, now: Date): number {
  const scheduled = scheduledModule(ect.participant.cohort, 'ect', now);
  if (scheduled) return scheduled.window.module;
  const figures = new Map(ect.participant.progress?.modules.map((m) => [m.number, m.percent]) ?? []);
  const numbers = modulesOf('ect').map((m) => m.number);
  return numbers.find((n) => (figures.get(n) ?? 0) !== 100) ?? numbers[0];
}

/** The current module's session plans to record from, this week's marked. */
function planLinks(ect: Readable, list: string) {
  const module = moduleOf('ect', currentModule(ect, new Date()));
  return module ? sessionPlanLinks(module.number, list, sessionThisWeek(module, ect.participant.cohort, 'ect')) : null;
}

/** The form for a new meeting, filled in from a session plan or with what was sent. */
function renderForm(res: Response, ect: Readable, draft: MeetingDraft, errors: FieldError[], options: { meetingId: string; status?: number }) {
  const urls = urlsOf(res, ect);
  const heading = `Record a meeting with ${ectName(ect)}`;
  const plans = draft.module === null ? [] : (moduleOf('ect', draft.module)?.sessionPlans ?? []);
  res.status(options.status ?? 200).render('pages/meeting-record', {
    title: `${errors.length ? 'Error: ' : ''}${heading}`,
    heading,
    isNew: true,
    ectName: ectName(ect),
    urls,
    form: meetingFormView(draft, errors, ukDate(new Date())),
    action: urls.list,
    meetingId: options.meetingId,
    sessionPlan: plans.find((p) => p.session === draft.session) ?? null,
  });
}

interface RecordPageState {
  editDraft?: MeetingDraft;
  editErrors?: FieldError[];
  reflectionText?: string;
  reflectionErrors?: FieldError[];
  status?: number;
}

function renderRecord(res: Response, ect: Readable, meeting: MeetingWithReflection, state: RecordPageState = {}) {
  const viewer = viewerOf(res);
  const urls = urlsOf(res, ect);
  const canEdit = ect.asMentor && viewer.ownerId === meeting.mentorOwnerId;
  const canReflect = ect.asSelf;
  const shown = presentMeeting(meeting);
  const heading = `Meeting on ${formatDay(meeting.date)}`;
  const failed = Boolean(state.editErrors?.length || state.reflectionErrors?.length);
  res.status(state.status ?? 200).render('pages/meeting-record', {
    title: `${failed ? 'Error: ' : ''}${heading} – ${ectName(ect)}`,
    heading,
    ectName: ectName(ect),
    isSelf: ect.asSelf,
    urls,
    meeting: shown,
    meetingUrl: `${urls.list}/${meeting._id}`,
    canEdit,
    editOpen: Boolean(state.editErrors?.length),
    form: canEdit ? meetingFormView(state.editDraft ?? draftFromRecord(meeting), state.editErrors ?? [], ukDate(new Date())) : null,
    canReflect,
    reflection: canReflect
      ? { text: state.reflectionText ?? meeting.reflection?.text ?? '', ...errorSummary(state.reflectionErrors ?? []) }
      : null,
  });
}

/** Meeting records: `/s/:sessionId/people/:person/meetings…`. Handlers: auth → validate → authorise → service → render. */
export function meetingRoutes(deps: PageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);
  const LIST = '/people/:person/meetings';

  page('get', LIST, EVERYONE, async (req, res) => {
    const ect = await ectFromPath(deps, req, res);
    const meetings = await deps.meetings.listFor(ect.ownerId);
    const urls = urlsOf(res, ect);
    const heading = ect.asSelf ? 'My mentor meetings' : `Mentor meetings: ${ectName(ect)}`;
    res.render('pages/meeting-list', {
      title: heading,
      heading,
      ectName: ectName(ect),
      isSelf: ect.asSelf,
      urls,
      meetings: meetingListItems(meetings),
      canRecord: ect.asMentor,
      plan: ect.asMentor ? planLinks(ect, urls.list) : null,
    });
  });

  page('get', `${LIST}/new`, PARTICIPANTS, async (req, res) => {
    const query = PlanQuery.safeParse({ module: req.query.module, session: req.query.session });
    if (!query.success) throw new NotFoundError('There is no session plan with that number.');
    const ect = await ectFromPath(deps, req, res);
    asMentor(res, ect);
    const module = moduleOf('ect', query.data.module ?? currentModule(ect, new Date()));
    if (!module) throw new NotFoundError('There is no module with that number.');
    const wanted = query.data.session;
    const session = wanted === 'none' ? null : (wanted ?? sessionThisWeek(module, ect.participant.cohort, 'ect'));
    if (session !== null && !module.sessionPlans.some((p) => p.session === session)) throw new NotFoundError('There is no session plan with that number.');
    renderForm(res, ect, draftFromPlan(module.number, session, ukDate(new Date())), [], { meetingId: newMeetingId() });
  });

  page('post', LIST, PARTICIPANTS, async (req, res) => {
    const body = formBody(req);
    const ect = await ectFromPath(deps, req, res);
    const mentor = asMentor(res, ect);
    const draft = draftFromForm(body);
    const meetingId = body.meetingId && MEETING_ID.test(body.meetingId) ? body.meetingId : newMeetingId();
    try {
      const saved = await deps.meetings.record({
        ...draft,
        id: meetingId,
        ectOwnerId: ect.ownerId,
        ectKey: ect.participant.key,
        ectName: ect.participant.name,
        mentorOwnerId: mentor.ownerId,
        mentorName: mentor.name,
        cohort: ect.participant.cohort,
      });
      await deps.activity.changed(ect.participant.cohort, ect.participant.group);
      res.redirect(303, `${urlsOf(res, ect).list}/${saved._id}`);
    } catch (error) {
      if (!(error instanceof MeetingInputError)) throw error;
      renderForm(res, ect, draft, error.errors, { meetingId, status: 400 });
    }
  });

  page('get', `${LIST}/:meeting`, EVERYONE, async (req, res) => {
    const ect = await ectFromPath(deps, req, res);
    renderRecord(res, ect, await meetingFromPath(deps, req, ect));
  });

  page('post', `${LIST}/:meeting`, PARTICIPANTS, async (req, res) => {
    const body = formBody(req);
    const ect = await ectFromPath(deps, req, res);
    const mentor = asMentor(res, ect);
    const meeting = await meetingFromPath(deps, req, ect);
    const draft = draftFromForm(body);
    try {
      await deps.meetings.update(meeting._id, ect.ownerId, mentor.ownerId, draft);
      res.redirect(303, `${urlsOf(res, ect).list}/${meeting._id}`);
    } catch (error) {
      if (!(error instanceof MeetingInputError)) throw error;
      renderRecord(res, ect, meeting, { editDraft: draft, editErrors: error.errors, status: 400 });
    }
  });

  page('post', `${LIST}/:meeting/reflection`, PARTICIPANTS, async (req, res) => {
    const body = formBody(req);
    const ect = await ectFromPath(deps, req, res);
    if (!ect.asSelf) throw new AuthorizationError('Only the ECT can add their reflection.');
    const meeting = await meetingFromPath(deps, req, ect);
    const text = body.reflection ?? '';
    try {
      await deps.meetings.reflect(ect.ownerId, meeting._id, text);
      res.redirect(303, `${urlsOf(res, ect).list}/${meeting._id}#your-reflection`);
    } catch (error) {
      if (!(error instanceof MeetingInputError)) throw error;
      renderRecord(res, ect, meeting, { reflectionText: text, reflectionErrors: error.errors, status: 400 });
    }
  });

  return router;
}
