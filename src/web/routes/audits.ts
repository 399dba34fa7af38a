import { Router, type Request, type Response } from 'express';
import { AUDIT_PHASES, CONFIDENCE_SCALE, REFLECTION_MAX, type AuditAnswers, type AuditOwner, type AuditPhase, type ModuleAudit } from '../../audits';
import { moduleOf } from '../../curriculum';
import { AppError, AuthorizationError, NotFoundError, ValidationError } from '../../errors';
import { programmeOf, type Readable, type Viewer } from '../../participants/access';
import { EVERYONE, PARTICIPANTS, pageOn, readableFromPath, viewerOf } from '../page-kit';
import { sessionOf } from '../session-auth';
import type { PageDeps } from './pages';

const PHASE_TITLES: Record<AuditPhase, string> = { start: 'Start of module', end: 'End of module' };

function moduleFrom(req: Request, programme: 'ect' | 'mentor') {
  const module = moduleOf(programme, Number(req.params.module));
  if (!module) throw new NotFoundError('There is no module with that number in your programme.');
  return module;
}

function phaseFrom(req: Request): AuditPhase {
  const phase = req.params.phase;
  if (!AUDIT_PHASES.includes(phase as AuditPhase)) throw new NotFoundError();
  return phase as AuditPhase;
}

/** The answers in a form post or an autosave: `rating_<n>`/`reflection_<n>` fields, or `{ ratings, reflections }` JSON. */
function answersFrom(body: Record<string, unknown>, count: number): AuditAnswers {
  const rating = (value: unknown) => (value === undefined || value === null || value === '' ? null : Number(value));
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  if (Array.isArray(body.ratings) || Array.isArray(body.reflections)) {
    const ratings = Array.isArray(body.ratings) ? body.ratings : [];
    const reflections = Array.isArray(body.reflections) ? body.reflections : [];
    return { ratings: Array.from({ length: count }, (_, i) => rating(ratings[i])), reflections: Array.from({ length: count }, (_, i) => text(reflections[i])) };
  }
  return {
    ratings: Array.from({ length: count }, (_, i) => rating(body[`rating_${i}`])),
    reflections: Array.from({ length: count }, (_, i) => text(body[`reflection_${i}`])),
  };
}

function versionFrom(body: Record<string, unknown>): number {
  const version = Number(body.version);
  if (!Number.isInteger(version) || version < 1) throw new ValidationError('This form is missing its version. Reload the page and try again.');
  return version;
}

/** The phase a person works on now: the start until it is submitted, then the end. */
function activePhase(audit: ModuleAudit): AuditPhase | null {
  if (audit.start.status !== 'submitted') return 'start';
  if (audit.end.status !== 'submitted') return 'end';
  return null;
}

/** Statement rows for the page: both phases side by side, with the change. */
function presentRows(audit: ModuleAudit, editing: AuditPhase | null, typed?: AuditAnswers) {
  const label = (value: number | null) => CONFIDENCE_SCALE.find((c) => c.value === value)?.label ?? null;
  const { start: startSubmission, end: endSubmission } = audit.lastSubmitted;
  return audit.start.statements.map((statement, i) => {
    const start = startSubmission?.ratings[i] ?? null;
    const end = endSubmission?.ratings[i] ?? null;
    const editingState = editing ? audit[editing] : null;
    const current = typed ? typed.ratings[i] : (editingState?.ratings[i] ?? null);
    const change = start !== null && end !== null ? end - start : null;
    return {
      index: i,
      number: i + 1,
      statement,
      start: label(start),
      startValue: start,
      end: label(end),
      change,
      changeText: change === null ? '' : change > 0 ? `up ${change}` : change < 0 ? `down ${-change}` : 'no change',
      startReflection: startSubmission?.reflections[i] ?? '',
      endReflection: endSubmission?.reflections[i] ?? '',
      reflection: typed ? typed.reflections[i] : (editingState?.reflections[i] ?? ''),
      options: CONFIDENCE_SCALE.map((c) => ({ ...c, checked: c.value === current })),
    };
  });
}

function ownerOf(viewer: Viewer): AuditOwner {
  if (!viewer.ownerId) throw new AuthorizationError('Your Canvas account did not identify you to this tool. Reopen it from your Canvas course.');
  return { ownerId: viewer.ownerId, cohort: viewer.cohort, programme: programmeOf(viewer) };
}

/** Module audits: the ECT's own form (`/modules/:module/audit`) and the read view for their mentor and facilitators (`/people/:person/modules/:module/audit`). */
export function auditRoutes(deps: PageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);

  async function renderOwn(res: Response, moduleNumber: number, problem?: { message: string; phase: AuditPhase; typed: AuditAnswers }) {
    const viewer = viewerOf(res);
    const owner = ownerOf(viewer);
    const module = moduleOf(owner.programme, moduleNumber)!;
    const [audit, score] = await Promise.all([deps.audits.moduleAudit(owner.ownerId, owner.programme, module.number), deps.scoreOutbox.latestFor(owner.ownerId, module.number)]);
    const editing = problem?.phase ?? activePhase(audit);
    res.status(problem ? 400 : 200).render('pages/audit', {
      title: `Module ${module.number} audit`,
      module,
      audit,
      editing,
      editingTitle: editing ? PHASE_TITLES[editing] : null,
      editingState: editing ? audit[editing] : null,
      rows: presentRows(audit, editing, problem?.typed),
      problem: problem?.message,
      bothSubmitted: audit.lastSubmitted.end !== null,
      score: score && { sent: score.deliveredAt !== null, given: score.scoreGiven, maximum: score.scoreMaximum },
      reflectionMax: REFLECTION_MAX,
      formAction: editing ? `${res.locals.person?.base}modules/${module.number}/audit/${editing}` : null,
      draftUrl: editing ? `${res.locals.person?.base}modules/${module.number}/audit/${editing}/draft` : null,
      storageKey: editing ? `audit:${sessionOf(res).sub}:${module.number}:${editing}:${audit[editing].version}` : null,
      newVersionUrl: `${res.locals.person?.base}modules/${module.number}/audit`,
      isOwn: true,
    });
  }

  page('get', '/modules/:module/audit', EVERYONE, async (req, res) => {
    const viewer = viewerOf(res);
    if (viewer.kind === 'facilitator' || viewer.kind === 'admin') {
      const module = moduleFrom(req, 'ect');
      return res.render('pages/module-audit', { title: `Module ${module.number} audit`, module });
    }
    await renderOwn(res, moduleFrom(req, programmeOf(viewer)).number);
  });

  page('post', '/modules/:module/audit/:phase', PARTICIPANTS, async (req, res) => {
    const viewer = viewerOf(res);
    const owner = ownerOf(viewer);
    const module = moduleFrom(req, owner.programme);
    const phase = phaseFrom(req);
    const body = req.body as Record<string, unknown>;
    if (body.action === 'new-version') {
      await deps.audits.startNewVersion(owner, module.number, phase);
      await deps.activity.changed(viewer.cohort, viewer.self?.group ?? null);
      return res.redirect(303, `${res.locals.person?.base}modules/${module.number}/audit`);
    }
    const answers = answersFrom(body, module.auditStatements.length);
    try {
      const version = versionFrom(body);
      if (body.action === 'submit') {
        await deps.audits.submit(owner, module.number, phase, version, answers);
        await deps.activity.changed(viewer.cohort, viewer.self?.group ?? null);
        deps.scores.deliverSoon();
      } else {
        await deps.audits.saveDraft(owner, module.number, phase, version, answers);
      }
    } catch (error) {
      if (error instanceof ValidationError) return renderOwn(res, module.number, { message: error.message, phase, typed: answers });
      throw error;
    }
    res.redirect(303, `${res.locals.person?.base}modules/${module.number}/audit${body.action === 'submit' ? '?submitted=1' : '?saved=1'}`);
  });

  // Autosave from the page's script: JSON in, JSON out, the same rules as the form.
  page('post', '/modules/:module/audit/:phase/draft', PARTICIPANTS, async (req, res) => {
    const owner = ownerOf(viewerOf(res));
    const module = moduleFrom(req, owner.programme);
    const body = req.body as Record<string, unknown>;
    try {
      const draft = await deps.audits.saveDraft(owner, module.number, phaseFrom(req), versionFrom(body), answersFrom(body, module.auditStatements.length));
      res.json({ savedAt: draft.savedAt.toISOString() });
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return void res.status(error.status).json({ error: error.message });
      throw error;
    }
  });

  async function renderTheirs(res: Response, readable: Readable, moduleNumber: number, problem?: string) {
    const programme = readable.participant.role;
    const module = moduleOf(programme, moduleNumber);
    if (!module) throw new NotFoundError('There is no module with that number in their programme.');
    const audit = await deps.audits.moduleAudit(readable.ownerId, programme, module.number);
    res.status(problem ? 400 : 200).render('pages/audit', {
      title: `${readable.participant.name ?? 'Participant'}: module ${module.number} audit`,
      module,
      audit,
      editing: null,
      rows: presentRows(audit, null),
      bothSubmitted: audit.lastSubmitted.end !== null,
      subject: readable.participant.name,
      subjectUrl: `${res.locals.person?.base}people/${encodeURIComponent(readable.participant.key)}`,
      canComment: readable.asMentor || viewerOf(res).kind === 'facilitator' || viewerOf(res).kind === 'admin',
      commentUrl: `${res.locals.person?.base}people/${encodeURIComponent(readable.participant.key)}/modules/${module.number}/audit/comments`,
      problem,
    });
  }

  page('get', '/people/:person/modules/:module/audit', EVERYONE, async (req, res) => {
    const readable = await readableFromPath(deps.access, req, res);
    await renderTheirs(res, readable, Number(req.params.module));
  });

  page('post', '/people/:person/modules/:module/audit/comments', EVERYONE, async (req, res) => {
    const viewer = viewerOf(res);
    const readable = await readableFromPath(deps.access, req, res);
    const authorRole = readable.asMentor ? 'mentor' : viewer.kind === 'facilitator' || viewer.kind === 'admin' ? viewer.kind : null;
    if (!authorRole) throw new AuthorizationError('Only their mentor or a facilitator can comment on this audit.');
    const module = moduleOf(readable.participant.role, Number(req.params.module));
    if (!module) throw new NotFoundError('There is no module with that number in their programme.');
    const text = (req.body as Record<string, unknown>).comment;
    try {
      await deps.audits.comment({ authorName: sessionOf(res).name, authorRole }, readable.ownerId, module.number, typeof text === 'string' ? text : '');
    } catch (error) {
      if (error instanceof ValidationError) return renderTheirs(res, readable, module.number, error.message);
      throw error;
    }
    res.redirect(303, `${res.locals.person?.base}people/${encodeURIComponent(readable.participant.key)}/modules/${module.number}/audit#comments`);
  });

  return router;
}
