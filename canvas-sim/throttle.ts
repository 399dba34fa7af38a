export interface BucketSettings {
  highWaterMark: number;
  maximum: number;
  outflowPerSecond: number;
  upfrontCost: number;
}

/**
 * Canvas's per-token leaky bucket (app/middleware/request_throttle.rb). The bucket drains at
 * `outflowPerSecond`; a request first reserves `upfrontCost`, is refused if the bucket is
 * then at or above the high-water mark, and on completion swaps the reservation for its real
 * cost. The level is capped at `maximum`, so a flood cannot push recovery out indefinitely.
 */
export class LeakyBucket {
  private level = 0;
  private touched = Date.now();

  constructor(private readonly settings: BucketSettings) {}

  private add(amount: number): void {
    const now = Date.now();
    const drained = ((now - this.touched) / 1000) * this.settings.outflowPerSecond;
    this.level = Math.min(this.settings.maximum, Math.max(0, this.level - drained + amount));
    this.touched = now;
  }

  /** Reserves the up-front cost; false means the request must be refused as throttled. */
  reserve(): boolean {
    this.add(this.settings.upfrontCost);
    return this.level < this.settings.highWaterMark;
  }

  /** Ends a request: releases its reservation and charges what it really cost. */
  settle(cost: number): void {
    this.add(cost - this.settings.upfrontCost);
  }

  /** What Canvas reports in `X-Rate-Limit-Remaining`: negative once past the mark. */
  remaining(): number {
    this.add(0);
    return this.settings.highWaterMark - this.level;
  }

  /** Seconds until one more reservation would fit under the mark. */
  secondsUntilAvailable(): number {
    this.add(0);
    const excess = this.level + this.settings.upfrontCost - this.settings.highWaterMark;
    return Math.max(0, excess / this.settings.outflowPerSecond);
  }
}
