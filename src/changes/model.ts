import type { Role } from '../people';

export const CHANGE_KINDS = ['mentor-change', 'email-change', 'withdrawal', 'deferral', 'new-participant'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const CHANGE_STATES = ['open', 'approved', 'rejected'] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

/** What each kind asks for, as stored; names and earlier values are kept as they were when asked. */
export type ChangeDetails =
  | { kind: 'mentor-change'; participantName: string | null; mentorName: string; mentorEmail: string; effectiveDate: string; previousMentorEmail: string | null }
  | { kind: 'email-change'; participantName: string | null; email: string; previousEmail: string | null }
  | { kind: 'withdrawal' | 'deferral'; participantName: string | null; effectiveDate: string; reason: string; previousStatus: string }
  | { kind: 'new-participant'; name: string; email: string; role: Role; mentorEmail: string | null; startDate: string };

/** One request (`ecf_change_requests`), insert-only: `<urn>:<form id>`, so a form sent twice is stored once. */
export interface ChangeRequestDoc {
  _id: string;
  urn: string;
  kind: ChangeKind;
  /** The participant's read-model key when asked; null for a new participant. */
  participantKey: string | null;
  cohort: string;
  details: ChangeDetails;
  note: string;
  /** The contact's email, or "school link <id>" / "Canvas user <id>". */
  askedBy: string;
  askedAt: Date;
}

/** The one decision on a request (`ecf_change_decisions`), insert-only with the request's `_id`: a second decision is a duplicate key. */
export interface ChangeDecisionDoc {
  _id: string;
  state: Exclude<ChangeState, 'open'>;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
}

/** Written once an approval's changes are in the roster (`ecf_change_effects`): a decision without one is applied again. */
export interface ChangeEffectDoc {
  _id: string;
  rosterId: string | null;
  appliedAt: Date;
}

/** Who mentored an ECT from when (`ecf_pairings`), insert-only, written by approved mentor changes. */
export interface PairingDoc {
  /** `<request id>`, or `<request id>:before` for the pairing the change ended. */
  _id: string;
  urn: string;
  cohort: string;
  participantKey: string;
  rosterId: string;
  participantName: string | null;
  mentorEmail: string | null;
  mentorName: string | null;
  /** YYYY-MM-DD; null for the pairing the roster had before the first recorded change. */
  from: string | null;
  /** The change request that made it, or null for the roster's earlier pairing. */
  sourceRequest: string | null;
  recordedAt: Date;
}

export interface ChangeDecisionView {
  state: Exclude<ChangeState, 'open'>;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
}

/** A request as pages, listeners and notifications see it. */
export interface ChangeRequestView extends Omit<ChangeRequestDoc, '_id'> {
  id: string;
  state: ChangeState;
  decision: ChangeDecisionView | null;
  /** An approval whose changes are in the roster; false while open, rejected, or not yet applied. */
  applied: boolean;
}

export type PairingView = Pick<PairingDoc, 'participantKey' | 'rosterId' | 'participantName' | 'mentorEmail' | 'mentorName' | 'from' | 'sourceRequest'>;
