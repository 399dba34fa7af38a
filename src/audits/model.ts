import type { Programme } from '../domain';

export const AUDIT_PHASES = ['start', 'end'] as const;
export type AuditPhase = (typeof AUDIT_PHASES)[number];

/** The four-point confidence scale of every audit statement. */
export const CONFIDENCE_SCALE = [
  { value: 1, label: 'Not yet confident' },
  { value: 2, label: 'Becoming confident' },
  { value: 3, label: 'Confident' },
  { value: 4, label: 'Very confident' },
] as const;

export const REFLECTION_MAX = 2000;
export const COMMENT_MAX = 2000;

/** Whose audit: their records' key and what a score needs to name them in Canvas. */
export interface AuditOwner {
  ownerId: string;
  cohort: string | null;
  programme: Programme;
}

export interface AuditAnswers {
  /** One per statement, in the curriculum's order: 1–4, or null while not rated. */
  ratings: (number | null)[];
  reflections: string[];
}

/** One phase of one module's audit, one version: the ECT's draft, written only by them. */
export interface AuditDraft extends AuditAnswers {
  _id: string;
  ownerId: string;
  cohort: string | null;
  programme: Programme;
  module: number;
  phase: AuditPhase;
  version: number;
  /** The statements as they read when rated, so a later curriculum edit cannot change what was answered. */
  statements: string[];
  createdAt: Date;
  savedAt: Date;
}

/** A submitted audit, inserted once with the draft's `_id`: exactly one submission wins, and it never changes. */
export interface AuditSubmission extends Omit<AuditDraft, 'savedAt'> {
  submittedAt: Date;
}

export interface AuditComment {
  _id: string;
  ownerId: string;
  module: number;
  authorName: string;
  authorRole: 'mentor' | 'facilitator' | 'admin';
  text: string;
  at: Date;
}

export type PhaseStatus = 'not-started' | 'draft' | 'submitted';

/** The latest version of one phase as the page shows it. */
export interface PhaseState extends AuditAnswers {
  phase: AuditPhase;
  version: number;
  status: PhaseStatus;
  statements: string[];
  savedAt: Date | null;
  submittedAt: Date | null;
}

/** A module's audit as its pages show it: both phases, every earlier submission, the mentor's comments. */
export interface ModuleAudit {
  module: number;
  start: PhaseState;
  end: PhaseState;
  /** Each phase's latest submission, whatever is in draft: what the side-by-side view compares. */
  lastSubmitted: Record<AuditPhase, AuditSubmission | null>;
  /** Earlier submitted versions, newest first. */
  history: AuditSubmission[];
  comments: AuditComment[];
}

/** Per module, each phase's status: for overviews and the mentor's list. */
export type AuditSummary = Map<number, Record<AuditPhase, PhaseStatus>>;

export const auditId = (ownerId: string, module: number, phase: AuditPhase, version: number): string => JSON.stringify(['audit', ownerId, module, phase, version]);
