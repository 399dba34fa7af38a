import crypto from 'node:crypto';
import { moduleOf } from '../curriculum';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { personKeysOf, type PlatformKey, type Programme } from '../domain';
import { AppError, NotFoundError, ValidationError } from '../errors';
import {
  AUDIT_PHASES,
  COMMENT_MAX,
  REFLECTION_MAX,
  auditId,
  type AuditAnswers,
  type AuditComment,
  type AuditDraft,
  type AuditOwner,
  type AuditPhase,
  type AuditSubmission,
  type AuditSummary,
  type ModuleAudit,
  type PhaseState,
} from './model';
import type { ScoreOutbox } from './scores';

export class AuditLockedError extends AppError {
  constructor(message: string) {
    super('audit_locked', 409, message);
  }
}

function statementsOf(programme: Programme, module: number): string[] {
  const found = moduleOf(programme, module);
  if (!found) throw new NotFoundError('There is no module with that number.');
  return found.auditStatements;
}

/** Ratings and reflections checked against the statements; messages name the statement by number. */
function checkAnswers(answers: AuditAnswers, statements: readonly string[]): AuditAnswers {
  const ratings = statements.map((_, i) => answers.ratings[i] ?? null);
  const reflections = statements.map((_, i) => (answers.reflections[i] ?? '').trim());
  const problems: string[] = [];
  ratings.forEach((r, i) => {
    if (r !== null && !(Number.isInteger(r) && r >= 1 && r <= 4)) problems.push(`Statement ${i + 1}: choose one of the four confidence levels.`);
  });
  reflections.forEach((text, i) => {
    if (text.length > REFLECTION_MAX) problems.push(`Statement ${i + 1}: keep the reflection under ${REFLECTION_MAX} characters (it has ${text.length}).`);
  });
  if (problems.length) throw new ValidationError(problems.join(' '));
  return { ratings, reflections };
}

const notStarted = (phase: AuditPhase, statements: string[]): PhaseState => ({
  phase,
  version: 1,
  status: 'not-started',
  statements,
  ratings: statements.map(() => null),
  reflections: statements.map(() => ''),
  savedAt: null,
  submittedAt: null,
});

/**
 * Module audits: an ECT (or mentor, on their own programme) rates each of a module's statements
 * at the start of the module and again at the end. Drafts are written only by their owner;
 * submitting inserts an unchangeable copy (insert-only: one submission wins, even from two
 * tabs), after which a new version may be started and the old one stays in the history.
 */
export class AuditService {
  constructor(
    private readonly store: Store,
    private readonly scores: ScoreOutbox,
  ) {}

  private get drafts() {
    return this.store.collection<AuditDraft>('audits');
  }
  private get submissions() {
    return this.store.collection<AuditSubmission>('audit_submissions');
  }
  private get comments() {
    return this.store.collection<AuditComment>('audit_comments');
  }

  private async rows(ownerId: string, module?: number) {
    const filter = module === undefined ? { ownerId } : { ownerId, module };
    const [drafts, submissions] = await Promise.all([this.drafts.find(filter).toArray(), this.submissions.find(filter).toArray()]);
    return { drafts, submissions };
  }

  /** The latest version of a phase from its rows: the highest version drafted or submitted. */
  private latest(rows: { drafts: AuditDraft[]; submissions: AuditSubmission[] }, module: number, phase: AuditPhase, statements: string[]): PhaseState {
    const mine = <T extends { module: number; phase: AuditPhase; version: number }>(list: T[]) => list.filter((r) => r.module === module && r.phase === phase).sort((a, b) => b.version - a.version)[0];
    const draft = mine(rows.drafts);
    const submission = mine(rows.submissions);
    if (submission && (!draft || submission.version >= draft.version)) return { ...submission, status: 'submitted', savedAt: submission.submittedAt };
    if (draft) return { ...draft, status: 'draft', submittedAt: null };
    return notStarted(phase, statements);
  }

  async moduleAudit(ownerId: string, programme: Programme, module: number): Promise<ModuleAudit> {
    const statements = statementsOf(programme, module);
    const [rows, comments] = await Promise.all([this.rows(ownerId, module), this.comments.find({ ownerId, module }).toArray()]);
    const start = this.latest(rows, module, 'start', statements);
    const end = this.latest(rows, module, 'end', statements);
    const current = new Set([start, end].filter((p) => p.status === 'submitted').map((p) => `${p.phase}:${p.version}`));
    const history = rows.submissions.filter((s) => !current.has(`${s.phase}:${s.version}`)).sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime());
    comments.sort((a, b) => a.at.getTime() - b.at.getTime());
    const lastOf = (phase: AuditPhase) => rows.submissions.filter((s) => s.phase === phase).sort((a, b) => b.version - a.version)[0] ?? null;
    return { module, start, end, lastSubmitted: { start: lastOf('start'), end: lastOf('end') }, history, comments };
  }

  /** Every module's phase statuses: two reads whatever the number of modules. */
  async summary(ownerId: string, programme: Programme, modules: readonly number[]): Promise<AuditSummary> {
    const rows = await this.rows(ownerId);
    const summary: AuditSummary = new Map();
    for (const module of modules) {
      const statements = moduleOf(programme, module)?.auditStatements ?? [];
      summary.set(module, { start: this.latest(rows, module, 'start', statements).status, end: this.latest(rows, module, 'end', statements).status });
    }
    return summary;
  }

  private async editable(owner: AuditOwner, module: number, phase: AuditPhase, version: number) {
    const statements = statementsOf(owner.programme, module);
    const current = this.latest(await this.rows(owner.ownerId, module), module, phase, statements);
    if (current.status === 'submitted') throw new AuditLockedError('This audit has been submitted, so it can no longer be changed. Start a new version to rate the statements again.');
    if (version !== current.version) throw new AuditLockedError('A newer version of this audit exists. Reload the page to see it.');
    return current;
  }

  /** Saves the owner's draft as it stands (autosave): refused once that version is submitted. */
  async saveDraft(owner: AuditOwner, module: number, phase: AuditPhase, version: number, answers: AuditAnswers, now = new Date()): Promise<AuditDraft> {
    const current = await this.editable(owner, module, phase, version);
    const checked = checkAnswers(answers, current.statements);
    const _id = auditId(owner.ownerId, module, phase, version);
    const draft: AuditDraft = { _id, ownerId: owner.ownerId, cohort: owner.cohort, programme: owner.programme, module, phase, version, statements: current.statements, ...checked, createdAt: current.savedAt ?? now, savedAt: now };
    await this.drafts.replaceOne({ _id }, draft, { upsert: true });
    return draft;
  }

  /** Submits a phase: every statement rated; the end of a module comes after its start. */
  async submit(owner: AuditOwner, module: number, phase: AuditPhase, version: number, answers: AuditAnswers, now = new Date()): Promise<AuditSubmission> {
    if (phase === 'end') {
      const start = this.latest(await this.rows(owner.ownerId, module), module, 'start', statementsOf(owner.programme, module));
      if (start.submittedAt === null && start.version === 1) throw new ValidationError('Submit the start-of-module audit first: the end-of-module audit is compared with it.');
    }
    const draft = await this.saveDraft(owner, module, phase, version, answers, now);
    const unrated = draft.ratings.flatMap((r, i) => (r === null ? [i + 1] : []));
    if (unrated.length) throw new ValidationError(`Rate every statement before you submit: statement${unrated.length > 1 ? 's' : ''} ${unrated.join(', ')} ${unrated.length > 1 ? 'have' : 'has'} no rating yet. Your answers are saved.`);
    const submission: AuditSubmission = { ...draft, submittedAt: now };
    delete (submission as Partial<AuditDraft>).savedAt;
    try {
      await this.submissions.insertOne(submission);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new AuditLockedError('This audit was already submitted.');
    }
    await this.queueScore(owner.ownerId, owner.programme, module, submission._id, now);
    return submission;
  }

  /**
   * The score Canvas's gradebook shows for a module's audit placed as an assignment: one point per
   * phase submitted, out of two (a module requirement "score at least 1" is met by the start audit, 2 by both).
   */
  async queueScore(ownerId: string, programme: Programme, module: number, submissionId: string, now = new Date()): Promise<void> {
    const rows = await this.rows(ownerId, module);
    const phases = new Set(rows.submissions.map((s) => s.phase));
    const scoreGiven = AUDIT_PHASES.filter((p) => phases.has(p)).length;
    if (scoreGiven === 0) return;
    await this.scores.enqueue(ownerId, module, submissionId, { scoreGiven, scoreMaximum: AUDIT_PHASES.length, activityProgress: scoreGiven === AUDIT_PHASES.length ? 'Completed' : 'InProgress', timestamp: now.toISOString() }, now);
  }

  /** A placement recorded after submissions: their score is owed to the new line item. */
  async queueScoreOfLatest(ownerId: string, programme: Programme, module: number, now = new Date()): Promise<void> {
    const latest = (await this.rows(ownerId, module)).submissions.sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime())[0];
    if (latest) await this.queueScore(ownerId, programme, module, latest._id, now);
  }

  /** Starts the next version of a submitted phase, prefilled with the submitted answers. */
  async startNewVersion(owner: AuditOwner, module: number, phase: AuditPhase, now = new Date()): Promise<AuditDraft> {
    const current = this.latest(await this.rows(owner.ownerId, module), module, phase, statementsOf(owner.programme, module));
    if (current.status !== 'submitted') throw new AuditLockedError('Finish and submit this version before starting another.');
    const version = current.version + 1;
    const _id = auditId(owner.ownerId, module, phase, version);
    const draft: AuditDraft = { _id, ownerId: owner.ownerId, cohort: owner.cohort, programme: owner.programme, module, phase, version, statements: statementsOf(owner.programme, module), ratings: current.ratings, reflections: current.reflections, createdAt: now, savedAt: now };
    try {
      await this.drafts.insertOne(draft);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    return draft;
  }

  /** Every audit, submission and comment of a removed platform's people. */
  async deleteForPlatform(platform: PlatformKey): Promise<number> {
    const filter = { ownerId: { $regex: personKeysOf(platform) } };
    let deleted = 0;
    for (const collection of [this.drafts, this.submissions, this.comments] as const) deleted += (await (collection as typeof this.drafts).deleteMany(filter)).deletedCount;
    return deleted + (await this.scores.deleteForPlatform(platform));
  }

  /** A mentor's (or facilitator's) comment the ECT sees: insert-only, never edited. */
  async comment(author: Pick<AuditComment, 'authorName' | 'authorRole'>, ownerId: string, module: number, text: string, now = new Date()): Promise<AuditComment> {
    const trimmed = text.trim();
    if (!trimmed) throw new ValidationError('Write a comment before you add it.');
    if (trimmed.length > COMMENT_MAX) throw new ValidationError(`Keep the comment under ${COMMENT_MAX} characters (it has ${trimmed.length}).`);
    const comment: AuditComment = { _id: `comment:${crypto.randomUUID()}`, ownerId, module, ...author, text: trimmed, at: now };
    await this.comments.insertOne(comment);
    return comment;
  }
}
