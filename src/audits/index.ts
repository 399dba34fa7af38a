export { AUDIT_PHASES, CONFIDENCE_SCALE, COMMENT_MAX, REFLECTION_MAX, type AuditAnswers, type AuditOwner, type AuditPhase, type AuditSummary, type ModuleAudit, type PhaseState, type PhaseStatus } from './model';
export { AuditLockedError, AuditService } from './service';
export { ScoreOutbox, type AuditPlacement, type PendingScore } from './scores';
