import { moduleOf } from '../curriculum';
import { mongo } from 'mongoose';
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
  type AuditPhase as Phase,
  type AuditOwner,
  type AuditSubmission,
  type AuditSummary,
  type ModuleAudit,
  type PhaseState,
  type PhaseStatus,
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

const notStarted = (phase: Phase, statements: string[]): PhaseState => ({
  phase,
  version: 1,
  status: 'not-started',
  statements,
  ratings: statements.map(() => null),
  reflections: statements.map(() => ''),
  savedAt: null,
  submittedAt: null,
});

/** One phase of one module as the owner's record holds it: the version being worked on, its draft, and the versions submitted. */
interface PhaseRecord {
  version: number;
  draft: { ratings: (number | null)[]; reflections: string[]; statements: string[]; createdAt: string; savedAt: string } | null;
  submitted: number[];
}

/** Everything an owner has drafted, by module and phase: one document, written only by its owner. */
type OwnerAudits = Record<string, Partial<Record<Phase, PhaseRecord>>>;

interface AuditRecordDoc {
  /** The owner id. */
  _id: string;
  ownerId: string;
  cohort: string | null;
  programme: Programme;
  /** OwnerAudits as JSON: one Binary decodes far faster on FerretDB than many small fields. */
  audits: mongo.Binary;
  updatedAt: Date;
}

interface StoredSubmission {
  _id: string;
  ownerId: string;
  cohort: string | null;
  programme: Programme;
  module: number;
  phase: Phase;
  version: number;
  submittedAt: Date;
  createdAt: Date;
  /** `{ statements, ratings, reflections }` as JSON. */
  answers: mongo.Binary;
}

const packJson = (value: unknown) => new mongo.Binary(Buffer.from(JSON.stringify(value)));
const unpackJson = <T>(binary: mongo.Binary): T => JSON.parse(Buffer.from(binary.buffer).toString('utf8')) as T;

function unpackSubmission(doc: StoredSubmission): AuditSubmission {
  const { answers, ...rest } = doc;
  return { ...rest, ...unpackJson<{ statements: string[]; ratings: (number | null)[]; reflections: string[] }>(answers) };
}

const commentId = (ownerId: string, module: number, n: number) => JSON.stringify(['comment', ownerId, module, n]);

/**
 * Module audits: an ECT (or mentor, on their own programme) rates each of a module's statements
 * at the start of the module and again at the end. Stored for FerretDB's costs (reads by `_id`
 * only, in collections split by owner: db/partitions.ts) and for its one-writer-per-document rule:
 * - the owner's record (one document, written only by them) holds their drafts and which
 *   versions they submitted: a first page reads that one document;
 * - each submission is inserted once with a deterministic `_id` and never changes, so exactly
 *   one submit wins, even from two tabs, and a submission is never lost to a later write of the
 *   record; a record that missed one (a crash in between) is put right the next time it is read;
 * - comments are inserted once each, numbered, by their authors.
 */
export class AuditService {
  constructor(
    private readonly store: Store,
    private readonly scores: ScoreOutbox,
  ) {}

  private records(ownerId: string) {
    return this.store.ownedBy<AuditRecordDoc>('audit_records', ownerId);
  }
  private submissions(ownerId: string) {
    return this.store.ownedBy<StoredSubmission>('audit_submissions', ownerId);
  }
  private comments(ownerId: string) {
    return this.store.ownedBy<AuditComment>('audit_comments', ownerId);
  }

  private async load(ownerId: string): Promise<OwnerAudits> {
    const doc = await this.records(ownerId).findOne({ _id: ownerId });
    return doc ? unpackJson<OwnerAudits>(doc.audits) : {};
  }

  private async save(owner: AuditOwner, audits: OwnerAudits, now: Date): Promise<void> {
    const doc: AuditRecordDoc = { _id: owner.ownerId, ownerId: owner.ownerId, cohort: owner.cohort, programme: owner.programme, audits: packJson(audits), updatedAt: now };
    try {
      await this.records(owner.ownerId).replaceOne({ _id: owner.ownerId }, doc, { upsert: true });
    } catch (error) {
      // Two tabs creating the record at once: the other insert won, and this write replaces it (one owner, last write wins).
      if (!isDuplicateKey(error)) throw error;
      await this.records(owner.ownerId).replaceOne({ _id: owner.ownerId }, doc);
    }
  }

  private async submission(ownerId: string, module: number, phase: Phase, version: number): Promise<AuditSubmission | null> {
    const doc = await this.submissions(ownerId).findOne({ _id: auditId(ownerId, module, phase, version) });
    return doc ? unpackSubmission(doc) : null;
  }

  /**
   * A module's phases, with a submission the record missed put back: a crash between the insert
   * and the record's write, or the owner's draft saved from another tab over the record at that
   * moment. Only a phase with a draft not marked submitted costs a read.
   */
  private async healed(ownerId: string, audits: OwnerAudits, module: number): Promise<Partial<Record<Phase, PhaseRecord>>> {
    const phases = audits[module] ?? {};
    for (const phase of AUDIT_PHASES) {
      const record = phases[phase];
      if (!record?.draft || record.submitted.includes(record.version)) continue;
      if (await this.submission(ownerId, module, phase, record.version)) record.submitted.push(record.version);
    }
    return phases;
  }

  /** The owner's record with every module healed (see `healed`). */
  private async loadHealed(ownerId: string, modules: Iterable<number>): Promise<OwnerAudits> {
    const audits = await this.load(ownerId);
    for (const module of modules) if (audits[module]) audits[module] = await this.healed(ownerId, audits, module);
    return audits;
  }

  private static statusOf(record: PhaseRecord | undefined): PhaseStatus {
    if (!record) return 'not-started';
    if (record.submitted.includes(record.version)) return 'submitted';
    return record.draft ? 'draft' : 'not-started';
  }

  /** The phase as the page shows it, from the submissions already read. */
  private static phaseState(phase: Phase, record: PhaseRecord | undefined, submissions: readonly AuditSubmission[], statements: string[]): PhaseState {
    const status = AuditService.statusOf(record);
    if (!record || status === 'not-started') return { ...notStarted(phase, statements), version: record?.version ?? 1 };
    const submitted = status === 'submitted' ? submissions.find((s) => s.phase === phase && s.version === record.version) : undefined;
    if (submitted) return { ...submitted, phase, status, savedAt: submitted.submittedAt };
    const draft = record.draft!;
    return { phase, version: record.version, status: 'draft', statements: draft.statements, ratings: draft.ratings, reflections: draft.reflections, savedAt: new Date(draft.savedAt), submittedAt: null };
  }

  private async commentsOf(ownerId: string, module: number): Promise<AuditComment[]> {
    const found: AuditComment[] = [];
    for (let n = 0; ; n += 1) {
      const comment = await this.comments(ownerId).findOne({ _id: commentId(ownerId, module, n) });
      if (!comment) return found;
      found.push(comment);
    }
  }

  async moduleAudit(ownerId: string, programme: Programme, module: number): Promise<ModuleAudit> {
    const statements = statementsOf(programme, module);
    const phases = await this.healed(ownerId, await this.load(ownerId), module);
    // Every submitted version once, and the comments, at the same time: each is one read by `_id`.
    const [submissions, comments] = await Promise.all([
      Promise.all(AUDIT_PHASES.flatMap((phase) => (phases[phase]?.submitted ?? []).map((version) => this.submission(ownerId, module, phase, version)))),
      this.commentsOf(ownerId, module),
    ]);
    const all = submissions.filter((s): s is AuditSubmission => s !== null);
    const start = AuditService.phaseState('start', phases.start, all, statements);
    const end = AuditService.phaseState('end', phases.end, all, statements);
    const lastOf = (phase: Phase) => all.filter((s) => s.phase === phase).sort((a, b) => b.version - a.version)[0] ?? null;
    const current = new Set([start, end].filter((p) => p.status === 'submitted').map((p) => `${p.phase}:${p.version}`));
    const history = all.filter((s) => !current.has(`${s.phase}:${s.version}`)).sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime());
    return { module, start, end, lastSubmitted: { start: lastOf('start'), end: lastOf('end') }, history, comments };
  }

  /** Every module's phase statuses from the owner's one record: one read whatever the number of modules (and one more per draft not marked submitted). */
  async summary(ownerId: string, _programme: Programme, modules: readonly number[]): Promise<AuditSummary> {
    const audits = await this.loadHealed(ownerId, modules);
    return new Map(modules.map((module) => [module, { start: AuditService.statusOf(audits[module]?.start), end: AuditService.statusOf(audits[module]?.end) }]));
  }

  /** The owner's record with this phase checked as editable at `version`. */
  private async editable(owner: AuditOwner, module: number, phase: Phase, version: number) {
    const statements = statementsOf(owner.programme, module);
    const audits = await this.load(owner.ownerId);
    const before = JSON.stringify(audits[module] ?? {});
    const phases = (audits[module] = await this.healed(owner.ownerId, audits, module));
    const record = (phases[phase] ??= { version: 1, draft: null, submitted: [] });
    if (record.submitted.includes(record.version)) {
      // The owner is the record's one writer: a submission it had missed is written back now.
      if (JSON.stringify(phases) !== before) await this.save(owner, audits, new Date());
      throw new AuditLockedError('This audit has been submitted, so it can no longer be changed. Start a new version to rate the statements again.');
    }
    if (version !== record.version) throw new AuditLockedError('A newer version of this audit exists. Reload the page to see it.');
    return { audits, phases, record, statements: record.draft?.statements ?? statements };
  }

  /** Saves the owner's draft as it stands (autosave): refused once that version is submitted. */
  async saveDraft(owner: AuditOwner, module: number, phase: Phase, version: number, answers: AuditAnswers, now = new Date()): Promise<AuditDraft> {
    const { audits, record, statements } = await this.editable(owner, module, phase, version);
    const checked = checkAnswers(answers, statements);
    const createdAt = record.draft?.createdAt ?? now.toISOString();
    record.draft = { ...checked, statements, createdAt, savedAt: now.toISOString() };
    await this.save(owner, audits, now);
    return { _id: auditId(owner.ownerId, module, phase, version), ownerId: owner.ownerId, cohort: owner.cohort, programme: owner.programme, module, phase, version, statements, ...checked, createdAt: new Date(createdAt), savedAt: now };
  }

  /** Submits a phase: every statement rated; the end of a module comes after its start. */
  async submit(owner: AuditOwner, module: number, phase: Phase, version: number, answers: AuditAnswers, now = new Date()): Promise<AuditSubmission> {
    if (phase === 'end') {
      const phases = await this.healed(owner.ownerId, await this.load(owner.ownerId), module);
      if (!phases.start?.submitted.length) throw new ValidationError('Submit the start-of-module audit first: the end-of-module audit is compared with it.');
    }
    const draft = await this.saveDraft(owner, module, phase, version, answers, now);
    const unrated = draft.ratings.flatMap((r, i) => (r === null ? [i + 1] : []));
    if (unrated.length) throw new ValidationError(`Rate every statement before you submit: statement${unrated.length > 1 ? 's' : ''} ${unrated.join(', ')} ${unrated.length > 1 ? 'have' : 'has'} no rating yet. Your answers are saved.`);
    const stored: StoredSubmission = {
      _id: draft._id,
      ownerId: owner.ownerId,
      cohort: owner.cohort,
      programme: owner.programme,
      module,
      phase,
      version,
      submittedAt: now,
      createdAt: draft.createdAt,
      answers: packJson({ statements: draft.statements, ratings: draft.ratings, reflections: draft.reflections }),
    };
    try {
      await this.submissions(owner.ownerId).insertOne(stored);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new AuditLockedError('This audit was already submitted.');
    }
    const audits = await this.load(owner.ownerId);
    const record = (audits[module] ??= {})[phase];
    if (record && !record.submitted.includes(version)) record.submitted.push(version);
    await this.save(owner, audits, now);
    await this.queueScore(owner.ownerId, module, stored._id, audits, now);
    return unpackSubmission(stored);
  }

  /**
   * The score Canvas's gradebook shows for a module's audit placed as an assignment: one point per
   * phase submitted, out of two (a module requirement "score at least 1" is met by the start audit, 2 by both).
   */
  private async queueScore(ownerId: string, module: number, submissionId: string, audits: OwnerAudits, now: Date): Promise<void> {
    const scoreGiven = AUDIT_PHASES.filter((phase) => (audits[module]?.[phase]?.submitted.length ?? 0) > 0).length;
    if (scoreGiven === 0) return;
    await this.scores.enqueue(ownerId, module, submissionId, { scoreGiven, scoreMaximum: AUDIT_PHASES.length, activityProgress: scoreGiven === AUDIT_PHASES.length ? 'Completed' : 'InProgress', timestamp: now.toISOString() }, now);
  }

  /** A placement recorded after submissions: their score is owed to the new line item. */
  async queueScoreOfLatest(ownerId: string, _programme: Programme, module: number, now = new Date()): Promise<void> {
    const audits = await this.load(ownerId);
    const phases = await this.healed(ownerId, audits, module);
    const phase = [...AUDIT_PHASES].reverse().find((p) => (phases[p]?.submitted.length ?? 0) > 0);
    if (!phase) return;
    await this.queueScore(ownerId, module, auditId(ownerId, module, phase, Math.max(...phases[phase]!.submitted)), audits, now);
  }

  /** Starts the next version of a submitted phase, prefilled with the submitted answers. */
  async startNewVersion(owner: AuditOwner, module: number, phase: Phase, now = new Date()): Promise<AuditDraft> {
    const audits = await this.load(owner.ownerId);
    const record = (audits[module] = await this.healed(owner.ownerId, audits, module))[phase];
    const submitted = record && record.submitted.includes(record.version) ? await this.submission(owner.ownerId, module, phase, record.version) : null;
    if (!record || !submitted) throw new AuditLockedError('Finish and submit this version before starting another.');
    record.version += 1;
    const statements = statementsOf(owner.programme, module);
    record.draft = { ratings: submitted.ratings, reflections: submitted.reflections, statements, createdAt: now.toISOString(), savedAt: now.toISOString() };
    await this.save(owner, audits, now);
    return { _id: auditId(owner.ownerId, module, phase, record.version), ownerId: owner.ownerId, cohort: owner.cohort, programme: owner.programme, module, phase, version: record.version, statements, ratings: submitted.ratings, reflections: submitted.reflections, createdAt: now, savedAt: now };
  }

  /** A mentor's (or facilitator's) comment the ECT sees: inserted once under the next free number, never edited. */
  async comment(author: Pick<AuditComment, 'authorName' | 'authorRole'>, ownerId: string, module: number, text: string, now = new Date()): Promise<AuditComment> {
    const trimmed = text.trim();
    if (!trimmed) throw new ValidationError('Write a comment before you add it.');
    if (trimmed.length > COMMENT_MAX) throw new ValidationError(`Keep the comment under ${COMMENT_MAX} characters (it has ${trimmed.length}).`);
    for (let n = (await this.commentsOf(ownerId, module)).length; ; n += 1) {
      const comment: AuditComment = { _id: commentId(ownerId, module, n), ownerId, module, ...author, text: trimmed, at: now };
      try {
        await this.comments(ownerId).insertOne(comment);
        return comment;
      } catch (error) {
        // Someone else's comment took this number a moment ago: take the next.
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  /** Every audit record, submission and comment of a removed platform's people, with their scores. */
  async deleteForPlatform(platform: PlatformKey): Promise<number> {
    const filter = { ownerId: { $regex: personKeysOf(platform) } };
    let deleted = 0;
    for (const kind of ['audit_records', 'audit_submissions', 'audit_comments'] as const) {
      for (const part of this.store.allParts(kind)) deleted += (await part.deleteMany(filter)).deletedCount;
    }
    return deleted + (await this.scores.deleteForPlatform(platform));
  }
}
