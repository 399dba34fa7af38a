import crypto from 'node:crypto';
import { isDuplicateKey, type Collection } from '../db/collections';
import type { Store } from '../db/store';

/**
 * One holder per course at a time, across app instances. FerretDB lets several clients win a
 * conditional update, so a lease is a set of insert-only documents, one per time slot
 * (`lease:<key>:<slot>`); inserting a unique `_id` has exactly one winner. The holder keeps
 * the current and the next slot; a crashed holder's slots simply pass, and another instance
 * takes over at most two slots later.
 */
export interface LeaseDoc {
  _id: string;
  key: string;
  holder: string;
  slot: number;
  takenAt: Date;
}

export const LEASE_SLOT_MS = 60_000;

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export class Lease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private lost = false;
  private released = false;

  constructor(
    private readonly leases: Collection<LeaseDoc>,
    readonly key: string,
    readonly holder: string,
    private heldThrough: number,
    private readonly slotMs: number,
  ) {}

  /** Throws when the lease was lost, so long work stops before writing over a new holder. */
  assertHeld(): void {
    if (this.lost) throw new LeaseLostError(`lease ${this.key} was lost`);
  }

  /** Gives the slots back so the next run need not wait for them to pass. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    this.released = true;
    // A renewal under way may still insert a slot: wait for it, so release deletes that one too.
    await this.renewing;
    for (let slot = this.heldThrough; slot >= this.heldThrough - 2; slot -= 1) {
      await this.leases.deleteOne({ _id: `lease:${this.key}:${slot}`, holder: this.holder });
    }
  }

  /** Started by `Leases.acquire`. */
  keepAlive(now: () => number): void {
    this.timer = setInterval(() => {
      // One renewal at a time: a second one racing the first would take its own slot for a rival's.
      this.renewing ??= this.renew(now).finally(() => {
        this.renewing = undefined;
      });
    }, Math.max(100, Math.floor(this.slotMs / 4)));
    this.timer.unref();
  }

  private async renew(now: () => number): Promise<void> {
    const wanted = Math.floor(now() / this.slotMs) + 1;
    while (!this.lost && !this.released && this.heldThrough < wanted) {
      if (await insertSlot(this.leases, this.key, this.holder, this.heldThrough + 1).catch(() => false)) this.heldThrough += 1;
      else this.lost = true;
    }
  }
}

async function insertSlot(leases: Collection<LeaseDoc>, key: string, holder: string, slot: number): Promise<boolean> {
  try {
    await leases.insertOne({ _id: `lease:${key}:${slot}`, key, holder, slot, takenAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** The leases, in `ecf_sync_leases`: the sync's per course, the read model's per cohort. */
export class Leases {
  constructor(private readonly store: Store) {}

  private get leases() {
    return this.store.collection<LeaseDoc>('sync_leases');
  }

  /** Takes the lease for `key`, or returns null when another holder has it now. */
  async acquire(key: string, options: { slotMs?: number; now?: () => number } = {}): Promise<Lease | null> {
    const slotMs = options.slotMs ?? LEASE_SLOT_MS;
    const now = options.now ?? Date.now;
    const holder = crypto.randomUUID();
    const slot = Math.floor(now() / slotMs);
    if (!(await insertSlot(this.leases, key, holder, slot))) return null;
    // The next slot too, so a rival can't take over at the slot boundary while we still run.
    if (!(await insertSlot(this.leases, key, holder, slot + 1))) return null;
    const lease = new Lease(this.leases, key, holder, slot + 1, slotMs);
    lease.keepAlive(now);
    return lease;
  }

  async purgeOld(now = new Date()): Promise<number> {
    return (await this.leases.deleteMany({ takenAt: { $lt: new Date(now.getTime() - 24 * 3600 * 1000) } })).deletedCount;
  }
}
