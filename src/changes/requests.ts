import type { GroupBoards } from '../cohort';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { AppError, NotFoundError } from '../errors';
import type { Logger } from '../log/logger';
import type { RosterChanges, Schools } from '../people';
import type { CourseLinks } from '../programme';
import type { GridRow } from '../progress/grid';
import type { ReadModel } from '../progress/read-model';
import { planEffects, type CurrentRow } from './effects';
import { draftOf, type ChangeForm } from './input';
import type { ChangeDecisionDoc, ChangeEffectDoc, ChangeKind, ChangeRequestDoc, ChangeRequestView, ChangeState, PairingDoc, PairingView } from './model';

export const REVIEW_PAGE_SIZE = 20;
/** A form's own id: the page makes one per form, so sending it twice stores one request. */
export const FORM_ID = /^[A-Za-z0-9_-]{16,64}$/;

export interface ChangeDeps {
  store: Store;
  roster: RosterChanges;
  schools: Pick<Schools, 'load'>;
  readModel: Pick<ReadModel, 'readCurrentGrid' | 'refreshCohorts'>;
  boards: Pick<GroupBoards, 'refreshCohort'>;
  links: Pick<CourseLinks, 'cohortsWithLinks'>;
  logger: Logger;
}

export interface ReviewFilter {
  state?: ChangeState;
  kind?: ChangeKind;
  school?: string;
  cohort?: string;
  /** From 0. */
  page?: number;
}

/** The participant a request names, as the read model has them now. */
export interface CurrentValues {
  name: string | null;
  email: string | null;
  status: string;
  mentorEmail: string | null;
  mentorName: string | null;
}

export interface ReviewItem {
  request: ChangeRequestView;
  schoolName: string | null;
  current: CurrentValues | null;
  /** An ECT's mentors over time (mentor changes only), oldest first. */
  pairings: PairingView[];
}

export interface ReviewPage {
  items: ReviewItem[];
  matched: number;
  page: number;
  pages: number;
  /** What the filters offer: the schools and cohorts of the requests in scope. */
  schools: { urn: string; name: string | null }[];
  cohorts: string[];
}

/** A second decision on a request: the one that was stored first stands. */
export class AlreadyDecidedError extends AppError {
  constructor(readonly decision: ChangeDecisionDoc) {
    super('already_decided', 409, `This request was already ${decision.state === 'approved' ? 'approved' : 'not approved'} by ${decision.decidedBy}.`);
  }
}

export type AnsweredListener = (request: ChangeRequestView) => void | Promise<void>;

const byNewest = (a: { askedAt: Date; id: string }, b: { askedAt: Date; id: string }) => b.askedAt.getTime() - a.askedAt.getTime() || b.id.localeCompare(a.id);

function presentPairing(doc: PairingDoc): PairingView {
  return { participantKey: doc.participantKey, rosterId: doc.rosterId, participantName: doc.participantName, mentorEmail: doc.mentorEmail, mentorName: doc.mentorName, from: doc.from, sourceRequest: doc.sourceRequest };
}

/** Oldest first: the roster's pairing (no date) before the dated changes, then by when each was recorded. */
const byFrom = (a: PairingDoc, b: PairingDoc) => (a.from ?? '').localeCompare(b.from ?? '') || a.recordedAt.getTime() - b.recordedAt.getTime();

/**
 * Change requests from schools (change of mentor or email, withdrawal, deferral, a new
 * participant) and their review. Everything is insert-only, the one design FerretDB keeps
 * correct under concurrency: a request (`ecf_change_requests`) is stored once per form; its
 * decision (`ecf_change_decisions`) has the request's `_id`, so of two admins (or a double
 * submit) exactly one decides and the other hears who did; an approval's roster changes are
 * idempotent and marked done in `ecf_change_effects`, so one cut short is applied again.
 * Requests are few (hundreds a year), so a list reads the three collections whole.
 */
export class ChangeRequests {
  private readonly listeners: AnsweredListener[] = [];

  constructor(private readonly deps: ChangeDeps) {}

  private get requests() {
    return this.deps.store.collection<ChangeRequestDoc>('change_requests');
  }

  private get decisions() {
    return this.deps.store.collection<ChangeDecisionDoc>('change_decisions');
  }

  private get effects() {
    return this.deps.store.collection<ChangeEffectDoc>('change_effects');
  }

  private get pairings() {
    return this.deps.store.collection<PairingDoc>('pairings');
  }

  /** Listener called once a request is approved or rejected (notifications use it to tell the school). */
  onAnswered(listener: AnsweredListener): void {
    this.listeners.push(listener);
  }

  /** The cohorts of every linked course, on any platform: where a school's participants are. */
  async cohorts(): Promise<string[]> {
    return [...(await this.deps.links.cohortsWithLinks())].sort((a, b) => a.localeCompare(b));
  }

  /** The school's participants on the roster, in every linked cohort, as the grid has them, by name. */
  async schoolPeople(urn: string): Promise<GridRow[]> {
    const rows: GridRow[] = [];
    for (const cohort of await this.cohorts()) {
      const grid = await this.deps.readModel.readCurrentGrid(cohort);
      rows.push(...(grid?.rows ?? []).filter((row) => row.rostered && row.schoolUrn === urn));
    }
    return rows.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.key.localeCompare(b.key));
  }

  private async emailTaken(cohort: string, email: string): Promise<boolean> {
    const rows = (await this.deps.readModel.readCurrentGrid(cohort))?.rows ?? [];
    return rows.some((row) => row.email?.toLowerCase() === email);
  }

  /**
   * Stores a school's request after checking it names only the school's own people; a form
   * sent twice (same form id) is stored once. Throws ChangeInputError with each field's problem.
   */
  async ask(urn: string, form: ChangeForm, meta: { formId: string; askedBy: string }, now = new Date()): Promise<{ request: ChangeRequestView; created: boolean }> {
    if (!FORM_ID.test(meta.formId)) throw new NotFoundError('This form has expired. Reload the page and try again.');
    const people = await this.schoolPeople(urn);
    const draft = await draftOf(form, { people, cohorts: await this.cohorts(), emailTaken: (cohort, email) => this.emailTaken(cohort, email) });
    const doc: ChangeRequestDoc = { _id: `${urn}:${meta.formId}`, urn, ...draft, askedBy: meta.askedBy, askedAt: now };
    try {
      await this.requests.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.requests.findOne({ _id: doc._id });
      if (!stored) throw error;
      return { request: (await this.viewsOf([stored]))[0], created: false };
    }
    this.deps.logger.info({ event: 'changes.asked', request: doc._id, kind: doc.kind }, 'change request stored');
    return { request: this.viewOf(doc, null, null), created: true };
  }

  private viewOf(doc: ChangeRequestDoc, decision: ChangeDecisionDoc | null, effect: ChangeEffectDoc | null): ChangeRequestView {
    return {
      id: doc._id,
      urn: doc.urn,
      kind: doc.kind,
      participantKey: doc.participantKey,
      cohort: doc.cohort,
      details: doc.details,
      note: doc.note,
      askedBy: doc.askedBy,
      askedAt: doc.askedAt,
      state: decision?.state ?? 'open',
      decision: decision && { state: decision.state, reason: decision.reason, decidedBy: decision.decidedBy, decidedAt: decision.decidedAt },
      applied: decision?.state === 'approved' && effect !== null,
    };
  }

  private async viewsOf(docs: ChangeRequestDoc[]): Promise<ChangeRequestView[]> {
    if (docs.length === 0) return [];
    // Every decision in one read: an `$in` on `_id` scans on FerretDB all the same.
    const [decisions, effects] = await Promise.all([this.decisions.find({}).toArray(), this.effects.find({}).toArray()]);
    const decided = new Map(decisions.map((d) => [d._id, d]));
    const applied = new Map(effects.map((e) => [e._id, e]));
    return docs.map((doc) => this.viewOf(doc, decided.get(doc._id) ?? null, applied.get(doc._id) ?? null)).sort(byNewest);
  }

  /** A school's requests, newest first, with their state and the admin's reason. */
  async forSchool(urn: string): Promise<ChangeRequestView[]> {
    return this.viewsOf(await this.requests.find({ urn }).toArray());
  }

  /** The school's recorded mentor pairings, oldest first within each ECT. */
  async pairingsForSchool(urn: string): Promise<PairingView[]> {
    return (await this.pairings.find({ urn }).toArray()).sort(byFrom).map(presentPairing);
  }

  /** Requests of these cohorts (an admin's: those linked on their platform), filtered, newest first, one page. */
  async review(cohorts: readonly string[], filter: ReviewFilter = {}): Promise<ReviewPage> {
    const inScope = new Set(cohorts);
    const all = (await this.viewsOf(await this.requests.find({}).toArray())).filter((r) => inScope.has(r.cohort));
    const matched = all.filter(
      (r) => (!filter.state || r.state === filter.state) && (!filter.kind || r.kind === filter.kind) && (!filter.school || r.urn === filter.school) && (!filter.cohort || r.cohort === filter.cohort),
    );
    const pages = Math.max(1, Math.ceil(matched.length / REVIEW_PAGE_SIZE));
    const page = Math.min(Math.max(0, filter.page ?? 0), pages - 1);
    const shown = matched.slice(page * REVIEW_PAGE_SIZE, (page + 1) * REVIEW_PAGE_SIZE);
    const schoolNames = new Map((await this.deps.schools.load()).map((s) => [s._id, s.name]));
    const pairings = shown.some((r) => r.kind === 'mentor-change') ? await this.pairings.find({}).toArray() : [];
    const grids = new Map<string, readonly GridRow[]>();
    const rowsOf = async (cohort: string) => {
      if (!grids.has(cohort)) grids.set(cohort, (await this.deps.readModel.readCurrentGrid(cohort))?.rows ?? []);
      return grids.get(cohort)!;
    };
    const items = await Promise.all(
      shown.map(async (request) => ({
        request,
        schoolName: schoolNames.get(request.urn) ?? null,
        current: request.participantKey ? currentValues(await rowsOf(request.cohort), request.participantKey) : null,
        pairings: request.kind === 'mentor-change' ? pairings.filter((p) => p.participantKey === request.participantKey && p.cohort === request.cohort).sort(byFrom).map(presentPairing) : [],
      })),
    );
    const urns = [...new Set(all.map((r) => r.urn))];
    return {
      items,
      matched: matched.length,
      page,
      pages,
      schools: urns.map((urn) => ({ urn, name: schoolNames.get(urn) ?? null })).sort((a, b) => (a.name ?? a.urn).localeCompare(b.name ?? b.urn)),
      cohorts: [...new Set(all.map((r) => r.cohort))].sort((a, b) => a.localeCompare(b)),
    };
  }

  /** How many requests of these cohorts wait for a decision. */
  async openCount(cohorts: readonly string[]): Promise<number> {
    const inScope = new Set(cohorts);
    const docs = (await this.requests.find({}, { projection: { _id: 1, cohort: 1 } }).toArray()).filter((r) => inScope.has(r.cohort));
    if (docs.length === 0) return 0;
    const decided = new Set((await this.decisions.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    return docs.filter((r) => !decided.has(r._id)).length;
  }

  /** One request of these cohorts; a 404 for any other, so nothing says it exists. */
  private async requestIn(id: string, cohorts: readonly string[]): Promise<ChangeRequestDoc> {
    const doc = id.length <= 200 ? await this.requests.findOne({ _id: id }) : null;
    if (!doc || !cohorts.includes(doc.cohort)) throw new NotFoundError('There is no change request here that you can see.');
    return doc;
  }

  private currentRow: CurrentRow = async (request) => {
    const rows = (await this.deps.readModel.readCurrentGrid(request.cohort))?.rows ?? [];
    const row = rows.find((r) => r.key === request.participantKey && r.schoolUrn === request.urn && r.rostered);
    return row ? { row, rows } : null;
  };

  /**
   * Approves or rejects a request of these cohorts, once: the decision is an insert with the
   * request's `_id`, so a second one (another admin, a double submit) gets AlreadyDecidedError.
   * An approval is checked against the roster first (nothing is stored if it cannot apply),
   * then applied, and the cohort's read model and boards rebuilt so every page shows it.
   */
  async decide(id: string, answer: { approve: boolean; reason: string; by: string }, cohorts: readonly string[], now = new Date()): Promise<ChangeRequestView> {
    const doc = await this.requestIn(id, cohorts);
    const earlier = await this.decisions.findOne({ _id: doc._id });
    if (earlier) throw new AlreadyDecidedError(earlier);
    const plan = answer.approve ? await planEffects({ roster: this.deps.roster, pairings: this.pairings }, doc, this.currentRow, false) : null;
    const decision: ChangeDecisionDoc = { _id: doc._id, state: answer.approve ? 'approved' : 'rejected', reason: answer.reason, decidedBy: answer.by, decidedAt: now };
    try {
      await this.decisions.insertOne(decision);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const winner = await this.decisions.findOne({ _id: doc._id });
      throw winner ? new AlreadyDecidedError(winner) : error;
    }
    this.deps.logger.info({ event: 'changes.decided', request: doc._id, state: decision.state }, 'change request decided');
    let effect: ChangeEffectDoc | null = null;
    if (plan) effect = await this.applyPlan(doc, plan, now);
    const view = this.viewOf(doc, decision, effect);
    await this.tell(view);
    return view;
  }

  /** Applies again an approval whose changes were cut short (they are idempotent). */
  async applyAgain(id: string, cohorts: readonly string[], now = new Date()): Promise<ChangeRequestView> {
    const doc = await this.requestIn(id, cohorts);
    const decision = await this.decisions.findOne({ _id: doc._id });
    if (decision?.state !== 'approved') throw new NotFoundError('Only an approved request can be applied.');
    const done = await this.effects.findOne({ _id: doc._id });
    if (done) return this.viewOf(doc, decision, done);
    const plan = await planEffects({ roster: this.deps.roster, pairings: this.pairings }, doc, this.currentRow, true);
    return this.viewOf(doc, decision, await this.applyPlan(doc, plan, now));
  }

  private async applyPlan(doc: ChangeRequestDoc, plan: Awaited<ReturnType<typeof planEffects>>, now: Date): Promise<ChangeEffectDoc | null> {
    const effect: ChangeEffectDoc = { _id: doc._id, rosterId: plan.rosterId, appliedAt: now };
    try {
      await plan.apply(now);
      try {
        await this.effects.insertOne(effect);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    } catch (error) {
      // The decision stands; the page offers to apply it again.
      this.deps.logger.error({ event: 'changes.apply_failed', request: doc._id, err: error }, 'applying an approved change request failed');
      return null;
    }
    // The roster has it; a failed rebuild is healed by the next sync or roster import.
    await this.refresh(doc.cohort).catch((error: unknown) => this.deps.logger.error({ event: 'changes.refresh_failed', request: doc._id, err: error }, 'rebuilding the read model after a change failed'));
    return effect;
  }

  /** The grid, the dashboards and the exports read the read model and the boards: both are rebuilt now. */
  private async refresh(cohort: string): Promise<void> {
    await this.deps.readModel.refreshCohorts([cohort]);
    await this.deps.boards.refreshCohort(cohort);
  }

  private async tell(view: ChangeRequestView): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(view);
      } catch (error) {
        this.deps.logger.error({ event: 'changes.listener_failed', request: view.id, err: error }, 'a change request listener failed');
      }
    }
  }
}

function currentValues(rows: readonly GridRow[], key: string): CurrentValues | null {
  const row = rows.find((r) => r.key === key);
  if (!row) return null;
  const mentor = row.mentorKey ? rows.find((r) => r.key === row.mentorKey) : undefined;
  return { name: row.name, email: row.email, status: row.status, mentorEmail: row.mentorEmail, mentorName: mentor?.name ?? null };
}
