import crypto from 'node:crypto';
import { isDuplicateKey, type Collection } from '../db/collections';
import type { Store } from '../db/store';

/**
 * One holder per course at a time, across app instances. FerretDB lets several clients win a
 * conditional update, so a lease is a set of insert-only documents, one per time step
 * (`lease:<key>:<step>`); inserting a unique `_id` has exactly one winner.
 *
 * The holder keeps the next slot (`slotMs`) reserved, in steps of a third of a slot, renewing
 * every quarter step. So a live holder can go almost a whole slot without renewing before it
 * could lose the lease (a busy event loop or a slow store does not cost it its course), while a
 * crashed holder's reservation runs out within a slot and a third and another instance takes over.
 * Every instance must use the same slot length: the steps are numbered from it.
 */
export interface LeaseDoc {
  _id: string;
  key: string;
  holder: string;
  step: number;
  takenAt: Date;
}

/**
 * SYNC_LEASE_SLOT's default: a crashed holder's courses are free again within 16 s, leaving the
 * rest of the 30 s a takeover is allowed for another instance's sync of them; a live holder can
 * go 11 s without renewing.
 */
export const LEASE_SLOT_MS = 12_000;
const STEPS_PER_SLOT = 3;
/** Far beyond any reservation (SYNC_LEASE_SLOT is at most 10 minutes), so only passed steps are purged. */
const PURGE_AFTER_MS = 3600 * 1000;

/** How long after its holder died a lease of slot `slotMs` is free again: the reservation plus the step under way. */
export function takeoverBoundMs(slotMs = LEASE_SLOT_MS): number {
  return slotMs + Math.ceil(slotMs / STEPS_PER_SLOT);
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export class Lease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly firstStep: number;
  private heldThrough: number;
  private lost = false;
  private released = false;
  /** A step whose insert failed without an answer: it may have landed, so a duplicate of it may be ours. */
  private uncertainStep: number | undefined;
  private renewalError: unknown;

  constructor(
    private readonly leases: Collection<LeaseDoc>,
    readonly key: string,
    readonly holder: string,
    private readonly slotMs: number,
    private readonly now: () => number,
  ) {
    this.firstStep = this.stepAt(now());
    this.heldThrough = this.firstStep - 1;
  }

  /** Throws when the lease was lost or ran out unrenewed, so long work stops before writing over a new holder. */
  assertHeld(): void {
    if (this.lost) throw new LeaseLostError(`lease ${this.key} was lost`);
    if (this.lapsed()) throw new LeaseLostError(`lease ${this.key} ran out before it was renewed`, { cause: this.renewalError });
  }

  /** Gives the reserved steps back so the next run need not wait for them to pass. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    this.released = true;
    // A renewal under way may still insert a step: wait for it, so release deletes that one too.
    await this.renewing;
    await this.deleteSteps(Math.max(this.firstStep, this.stepAt(this.now())));
  }

  /** Reserves from now through the next slot; false (with what it took given back) when another holder has a step of it. */
  async take(): Promise<boolean> {
    if (await this.extend()) return true;
    await this.deleteSteps(this.firstStep);
    return false;
  }

  /**
   * By `_id` alone (a filter on `holder` too makes FerretDB decode every document: 6–9 times
   * slower): each step through `heldThrough` was inserted by this holder, and no one else can
   * insert that `_id` while it exists.
   */
  private async deleteSteps(from: number): Promise<void> {
    const steps = Array.from({ length: Math.max(0, this.heldThrough - from + 1) }, (_, i) => from + i);
    await Promise.all(steps.map((step) => this.leases.deleteOne({ _id: stepId(this.key, step) })));
  }

  /** Started once `take` succeeded. */
  keepAlive(): void {
    this.timer = setInterval(() => {
      // One renewal at a time: a second one racing the first would take its own step for a rival's.
      this.renewing ??= this.renew().finally(() => {
        this.renewing = undefined;
      });
    }, Math.max(100, Math.floor(this.slotMs / STEPS_PER_SLOT / 4)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    // Once the reservation has run out a rival may have held the course meanwhile: never resume.
    if (this.lost || this.released || this.lapsed()) return;
    try {
      if (!(await this.extend())) this.lost = true;
      this.renewalError = undefined;
    } catch (error) {
      // Tried again on the next tick; `assertHeld` reports it if the reservation runs out first.
      this.renewalError = error;
    }
  }

  private async extend(): Promise<boolean> {
    const wanted = this.stepAt(this.now() + this.slotMs);
    while (!this.released && this.heldThrough < wanted) {
      if (!(await this.takeStep(this.heldThrough + 1))) return false;
      this.heldThrough += 1;
    }
    return true;
  }

  private async takeStep(step: number): Promise<boolean> {
    const _id = stepId(this.key, step);
    try {
      await this.leases.insertOne({ _id, key: this.key, holder: this.holder, step, takenAt: new Date() });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) {
        this.uncertainStep = step;
        throw error;
      }
      return step === this.uncertainStep && (await this.leases.findOne({ _id }))?.holder === this.holder;
    }
  }

  private lapsed(): boolean {
    return this.now() >= ((this.heldThrough + 1) * this.slotMs) / STEPS_PER_SLOT;
  }

  private stepAt(time: number): number {
    return Math.floor((time * STEPS_PER_SLOT) / this.slotMs);
  }
}

function stepId(key: string, step: number): string {
  return `lease:${key}:${step}`;
}

/** The leases, in `ecf_sync_leases`: the sync's per course, the read model's per cohort. */
export class Leases {
  constructor(private readonly store: Store) {}

  private get leases() {
    return this.store.collection<LeaseDoc>('sync_leases');
  }

  /** Takes the lease for `key`, or returns null when another holder has it now. */
  async acquire(key: string, options: { slotMs?: number; now?: () => number } = {}): Promise<Lease | null> {
    const lease = new Lease(this.leases, key, crypto.randomUUID(), options.slotMs ?? LEASE_SLOT_MS, options.now ?? Date.now);
    if (!(await lease.take())) return null;
    lease.keepAlive();
    return lease;
  }

  /** Steps that have passed; the collection stays small, so every lease's inserts and deletes stay cheap on FerretDB. */
  async purgeOld(now = new Date()): Promise<number> {
    return (await this.leases.deleteMany({ takenAt: { $lt: new Date(now.getTime() - PURGE_AFTER_MS) } })).deletedCount;
  }
}
