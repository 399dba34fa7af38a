import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AlreadyDecidedError, CHANGE_KINDS, CHANGE_LIMITS, CHANGE_STATES, ChangeInputError, type ChangeForm, type ChangeKind, type ReviewFilter } from '../../changes';
import { AuthorizationError, NotFoundError, ValidationError } from '../../errors';
import type { Viewer } from '../../participants/access';
import { filterChoices, KIND_LABELS, presentForm, presentPairings, presentRequest, presentReview } from '../change-presenters';
import { formatMoment } from '../format';
import { SCHOOL, STAFF, pageOn, schoolOf, viewerOf } from '../page-kit';
import { presentPerson } from '../presenters';
import type { PageDeps } from './pages';

type Deps = Pick<PageDeps, 'changes' | 'admin'>;

const UNREADABLE = 'The form could not be read. Reload the page and try again.';
const field = z.string().max(5_000).optional();

/** A school's posted form: one bounded string per field (an array, an object or a novel is not one of ours). */
const SchoolForm = z.object({
  kind: z.string().max(40),
  formId: z.string().max(64),
  participant: field,
  mentor: field,
  mentorName: field,
  mentorEmail: field,
  email: field,
  effectiveDate: field,
  reason: field,
  name: field,
  role: field,
  cohort: field,
  startDate: field,
  note: field,
});

const DecisionForm = z.object({ action: z.enum(['approve', 'reject']), reason: z.string().max(CHANGE_LIMITS.reason * 2).optional() });

const choice = <T extends readonly string[]>(values: T) => z.union([z.enum(values as unknown as [string, ...string[]]), z.literal('')]).optional();

/** The review's query string: a value of the wrong shape is a 400; an empty one means "any". */
const ReviewParams = z
  .object({
    state: choice(CHANGE_STATES),
    kind: choice(CHANGE_KINDS),
    school: z.string().regex(/^(\d{6})?$/).optional(),
    cohort: z.string().max(200).optional(),
    page: z.coerce.number().int().min(1).max(100_000).optional(),
    /** What the admin just did, for the page's confirmation. */
    decided: z.enum(['approved', 'rejected', 'unapplied']).optional(),
  })
  .strict();

const newFormId = () => crypto.randomBytes(18).toString('base64url');

/** The admin pages are the programme's: STAFF lets facilitators through the door, this does not. */
function adminOf(res: Response): Viewer {
  const viewer = viewerOf(res);
  if (viewer.kind !== 'admin') throw new AuthorizationError('This page is for programme administrators.');
  return viewer;
}

/** The cohorts linked on the admin's platform: the requests they may review are those of these cohorts. */
async function cohortsOf(deps: Deps, viewer: Viewer): Promise<string[]> {
  return [...new Set((await deps.admin.links.list(viewer.platform)).map((l) => l.cohort))];
}

/** What the session says about who asked: the contact's email, else the link or the Canvas user. */
function askedBy(res: Response): string {
  const session = viewerOf(res).session;
  const { contactEmail } = schoolOf(res);
  if (contactEmail) return contactEmail;
  if (session.schoolLinkId) return `school link ${session.schoolLinkId}`;
  return `Canvas user ${session.canvasUserId ?? 'unknown'}`;
}

function kindOf(value: unknown): ChangeKind {
  const kind = CHANGE_KINDS.find((k) => k === value);
  if (!kind) throw new NotFoundError('There is no form of that kind.');
  return kind;
}

async function renderSchoolChanges(deps: Deps, res: Response, sent: string | null): Promise<void> {
  const { urn, base } = schoolOf(res);
  const [requests, pairings] = await Promise.all([deps.changes.forSchool(urn), deps.changes.pairingsForSchool(urn)]);
  const justSent = sent ? requests.find((r) => r.id === `${urn}:${sent}`) : undefined;
  res.render('pages/school-changes', {
    title: 'Tell us about a change',
    kinds: CHANGE_KINDS.map((kind) => ({ label: KIND_LABELS[kind].ask, url: `${base}school/changes/new?kind=${kind}` })),
    requests: requests.map(presentRequest),
    pairings: presentPairings(pairings),
    sent: justSent ? presentRequest(justSent) : null,
    homeUrl: `${base}school`,
  });
}

async function renderForm(deps: Deps, res: Response, kind: ChangeKind, typed: Partial<ChangeForm> & { formId?: string }, error?: ChangeInputError): Promise<void> {
  const { urn, base } = schoolOf(res);
  const [people, cohorts] = await Promise.all([deps.changes.schoolPeople(urn), deps.changes.cohorts()]);
  const form = presentForm(kind, people, cohorts, typed, error?.fields);
  res.status(error ? 400 : 200).render('pages/school-changes-new', {
    title: `${error ? 'Error: ' : ''}${form.title}`,
    form,
    formId: typed.formId ?? newFormId(),
    formUrl: `${base}school/changes`,
    backUrl: `${base}school/changes`,
    nobody: kind !== 'new-participant' && people.length === 0,
  });
}

function reviewFilterOf(req: Request): ReviewFilter & { page: number } {
  const parsed = ReviewParams.safeParse(req.query);
  if (!parsed.success) throw new ValidationError('Those filters could not be read. Clear the filters and try again.');
  const p = parsed.data;
  return {
    state: (p.state || undefined) as ReviewFilter['state'],
    kind: (p.kind || undefined) as ReviewFilter['kind'],
    school: p.school || undefined,
    cohort: p.cohort || undefined,
    page: (p.page ?? 1) - 1,
  };
}

interface ReviewProblem {
  status: number;
  message: string;
  /** The request whose form the problem is about, to mark its reason field. */
  requestId?: string;
}

async function renderReview(deps: Deps, req: Request, res: Response, problem?: ReviewProblem): Promise<void> {
  const viewer = adminOf(res);
  const base = presentPerson(viewer.session).base;
  const filter = problem ? {} : reviewFilterOf(req);
  const review = await deps.changes.review(await cohortsOf(deps, viewer), filter);
  const query = new URLSearchParams(Object.entries(filter).filter(([k, v]) => k !== 'page' && typeof v === 'string') as [string, string][]);
  const shown = presentReview(review, base, query);
  const items = shown.items.map((item) => ({ ...item, error: problem?.requestId === item.id ? problem.message : null }));
  const decided = typeof req.query.decided === 'string' ? req.query.decided : null;
  res.status(problem?.status ?? 200).render('pages/admin-changes', {
    title: `${problem ? 'Error: ' : ''}Change requests`,
    ...shown,
    items,
    filters: filterChoices(review, filter),
    filtered: Object.values(filter).some((v) => typeof v === 'string'),
    formUrl: `${base}admin/changes`,
    homeUrl: base,
    errors: problem ? [{ href: problem.requestId ? `#${items.find((i) => i.id === problem.requestId)?.fieldId ?? ''}` : '#requests', message: problem.message }] : [],
    decided: decided === 'approved' || decided === 'rejected' || decided === 'unapplied' ? decided : null,
  });
}

/** School change requests (`/school/changes…`, school sessions) and their review (`/admin/changes…`, admins). */
export function changeRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);

  page('get', '/school/changes', SCHOOL, async (req, res) => {
    const sent = typeof req.query.sent === 'string' && req.query.sent.length <= 64 ? req.query.sent : null;
    await renderSchoolChanges(deps, res, sent);
  });

  page('get', '/school/changes/new', SCHOOL, async (req, res) => {
    await renderForm(deps, res, kindOf(req.query.kind), {});
  });

  page('post', '/school/changes', SCHOOL, async (req, res) => {
    const { urn, base } = schoolOf(res);
    const parsed = SchoolForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(UNREADABLE);
    const form = parsed.data;
    const kind = kindOf(form.kind);
    try {
      await deps.changes.ask(urn, form, { formId: form.formId, askedBy: askedBy(res) });
    } catch (error) {
      if (!(error instanceof ChangeInputError)) throw error;
      return renderForm(deps, res, kind, form, error);
    }
    res.redirect(303, `${base}school/changes?sent=${encodeURIComponent(form.formId)}#sent`);
  });

  page('get', '/admin/changes', STAFF, (req, res) => renderReview(deps, req, res));

  page('post', '/admin/changes/:id/decision', STAFF, async (req, res) => {
    const viewer = adminOf(res);
    const id = String(req.params.id);
    const parsed = DecisionForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(UNREADABLE);
    const { action } = parsed.data;
    const reason = (parsed.data.reason ?? '').trim();
    if (action === 'reject' && !reason) return renderReview(deps, req, res, { status: 400, message: 'Give the school a reason for not approving the request.', requestId: id });
    if (reason.length > CHANGE_LIMITS.reason) return renderReview(deps, req, res, { status: 400, message: `The reason must be ${CHANGE_LIMITS.reason} characters or fewer.`, requestId: id });
    const cohorts = await cohortsOf(deps, viewer);
    let decided;
    try {
      decided = await deps.changes.decide(id, { approve: action === 'approve', reason, by: viewer.session.name }, cohorts);
    } catch (error) {
      if (error instanceof AlreadyDecidedError) {
        const { decision } = error;
        const message = `This request was already ${decision.state === 'approved' ? 'approved' : 'not approved'} by ${decision.decidedBy} on ${formatMoment(decision.decidedAt)}.`;
        return renderReview(deps, req, res, { status: 409, message, requestId: id });
      }
      if (error instanceof ValidationError) return renderReview(deps, req, res, { status: 400, message: error.message, requestId: id });
      throw error;
    }
    const outcome = decided.state === 'approved' && !decided.applied ? 'unapplied' : decided.state;
    res.redirect(303, `${presentPerson(viewer.session).base}admin/changes?decided=${outcome}`);
  });

  page('post', '/admin/changes/:id/apply', STAFF, async (req, res) => {
    const viewer = adminOf(res);
    const done = await deps.changes.applyAgain(String(req.params.id), await cohortsOf(deps, viewer));
    res.redirect(303, `${presentPerson(viewer.session).base}admin/changes?decided=${done.applied ? 'approved' : 'unapplied'}`);
  });

  return router;
}
