import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';

/** An audit placed in Canvas as an assignment: where its score goes (AGS), recorded from the person's launch of it. */
export interface AuditPlacement {
  _id: string;
  ownerId: string;
  module: number;
  issuer: string;
  clientId: string;
  /** The LTI `sub`: AGS names the student by it. */
  userSub: string;
  /** The line item Canvas made for the assignment. */
  lineItem: string;
  recordedAt: Date;
}

/** A score waiting to reach Canvas's gradebook, or sent: inserted once per submission and line item. */
export interface PendingScore {
  _id: string;
  ownerId: string;
  module: number;
  issuer: string;
  clientId: string;
  lineItem: string;
  userSub: string;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: 'InProgress' | 'Completed';
  timestamp: string;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  lastError: string | null;
}

export type NewScore = Pick<PendingScore, 'scoreGiven' | 'scoreMaximum' | 'activityProgress' | 'timestamp'>;

/** Waits after each failed attempt: a minute, then longer, at most six hours. */
const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000];

export const placementId = (ownerId: string, module: number) => JSON.stringify(['placement', ownerId, module]);

/**
 * The scores outbox: a submitted audit's score is written here first (insert-only, so a retry or
 * a second instance never doubles it) and sent to Canvas by the `scores` job, which retries with
 * back-off until Canvas takes it. The audit itself never depends on Canvas answering.
 */
export class ScoreOutbox {
  constructor(private readonly store: Store) {}

  private get placements() {
    return this.store.collection<AuditPlacement>('audit_placements');
  }

  private get outbox() {
    return this.store.collection<PendingScore>('score_outbox');
  }

  /** One writer: the person's own launch of the assignment (a later launch may name a new line item). */
  async recordPlacement(placement: Omit<AuditPlacement, '_id' | 'recordedAt'>, now = new Date()): Promise<void> {
    const _id = placementId(placement.ownerId, placement.module);
    await this.placements.replaceOne({ _id }, { ...placement, recordedAt: now }, { upsert: true });
  }

  async placementOf(ownerId: string, module: number): Promise<AuditPlacement | null> {
    return this.placements.findOne({ _id: placementId(ownerId, module) });
  }

  /** Queues the score of one submission for the module's placement; nothing when the audit is not placed as an assignment. */
  async enqueue(ownerId: string, module: number, submissionId: string, score: NewScore, now = new Date()): Promise<PendingScore | null> {
    const placement = await this.placementOf(ownerId, module);
    if (!placement) return null;
    const pending: PendingScore = {
      _id: JSON.stringify(['score', submissionId, placement.lineItem]),
      ownerId,
      module,
      issuer: placement.issuer,
      clientId: placement.clientId,
      lineItem: placement.lineItem,
      userSub: placement.userSub,
      ...score,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
      deliveredAt: null,
      lastError: null,
    };
    try {
      await this.outbox.insertOne(pending);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    return pending;
  }

  async due(now = new Date(), limit = 50): Promise<PendingScore[]> {
    return this.outbox.find({ deliveredAt: null, nextAttemptAt: { $lte: now } }).sort({ nextAttemptAt: 1 }).limit(limit).toArray();
  }

  async markDelivered(id: string, now = new Date()): Promise<void> {
    await this.outbox.updateOne({ _id: id }, { $set: { deliveredAt: now, lastError: null } });
  }

  async markFailed(score: PendingScore, error: string, now = new Date()): Promise<Date> {
    const attempts = score.attempts + 1;
    const nextAttemptAt = new Date(now.getTime() + BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1]);
    await this.outbox.updateOne({ _id: score._id }, { $set: { attempts, nextAttemptAt, lastError: error } });
    return nextAttemptAt;
  }

  /** A removed platform's placements and scores: nowhere left to send them. */
  async deleteForPlatform(platform: { issuer: string; clientId: string }): Promise<number> {
    const filter = { issuer: platform.issuer, clientId: platform.clientId };
    return (await this.placements.deleteMany(filter)).deletedCount + (await this.outbox.deleteMany(filter)).deletedCount;
  }

  /** The newest score of a module's audit, for the page ("sent to Canvas" or "waiting to send"). */
  async latestFor(ownerId: string, module: number): Promise<PendingScore | null> {
    const scores = await this.outbox.find({ ownerId, module }).toArray();
    return scores.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0] ?? null;
  }
}
