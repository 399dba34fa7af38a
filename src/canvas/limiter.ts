export interface AdaptiveLimiterOptions {
  initial?: number;
  min?: number;
  max?: number;
  /** Canvas's throttle settings (request_throttle.rb defaults); they size the model below. */
  highWaterMark?: number;
  upfrontCost?: number;
  outflowPerSecond?: number;
  /** Bucket units kept free for other users of the same token and for estimate error. */
  margin?: number;
  maxPauseMs?: number;
}

export interface LimiterFeedback {
  /** `X-Rate-Limit-Remaining` from the response, when Canvas sent it. */
  remaining?: number;
  throttled?: boolean;
  retryAfterMs?: number;
}

/** Canvas's bucket (600, 50 up front, 100 kept free) fits ten reservations when nothing else draws on it. */
export const DEFAULT_MAX_IN_FLIGHT = 10;

/** Shortest pause after a throttled response when Canvas gives no better hint. */
const MIN_THROTTLE_PAUSE_MS = 500;

/**
 * Keeps as many requests in flight as Canvas's leaky bucket can take. Every in-flight
 * request holds `upfrontCost` of the bucket, so from `X-Rate-Limit-Remaining` and our own
 * in-flight count we estimate the bucket's real debt and from that how many concurrent
 * requests still fit under the high-water mark. Above that ceiling the limit drops at once;
 * below it the limit grows to the ceiling. When not even one request fits,
 * dispatch pauses until the bucket has drained enough. A throttled response halves the limit
 * and pauses, so throttling stays the exception rather than the control signal.
 */
export class AdaptiveLimiter {
  private current: number;
  private running = 0;
  private peak = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: (() => void)[] = [];
  private readonly min: number;
  private readonly max: number;
  private readonly highWaterMark: number;
  private readonly upfrontCost: number;
  private readonly outflowPerSecond: number;
  private readonly margin: number;
  private readonly maxPauseMs: number;

  constructor(opts: AdaptiveLimiterOptions = {}) {
    this.min = Math.max(1, opts.min ?? 1);
    this.max = Math.max(this.min, opts.max ?? DEFAULT_MAX_IN_FLIGHT);
    this.current = Math.min(this.max, Math.max(this.min, opts.initial ?? 4));
    this.highWaterMark = opts.highWaterMark ?? 600;
    this.upfrontCost = opts.upfrontCost ?? 50;
    this.outflowPerSecond = opts.outflowPerSecond ?? 10;
    this.margin = opts.margin ?? 100;
    this.maxPauseMs = opts.maxPauseMs ?? 15_000;
  }

  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.running;
  }

  get maxInFlight(): number {
    return this.peak;
  }

  /** Resolves when the caller may send one request; pair every call with `release`. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
  }

  release(feedback: LimiterFeedback = {}): void {
    const others = this.running - 1;
    this.running -= 1;
    this.adjust(feedback, others);
    this.pump();
  }

  private pump(): void {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      if (this.timer === null && this.queue.length > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
      }
      return;
    }
    while (this.running < this.current && this.queue.length > 0) {
      const next = this.queue.shift();
      this.running += 1;
      this.peak = Math.max(this.peak, this.running);
      next?.();
    }
  }

  private pause(ms: number): void {
    const until = Date.now() + Math.min(this.maxPauseMs, Math.max(0, ms));
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Bucket level not explained by reservations of our other in-flight requests. */
  private debt(remaining: number, others: number): number {
    return Math.max(0, this.highWaterMark - remaining - this.upfrontCost * Math.max(0, others));
  }

  /** Time for the bucket to drain until one more reservation fits with the margin kept. */
  private drainMs(debt: number): number {
    const excess = debt - (this.highWaterMark - this.margin - this.upfrontCost);
    return (excess / this.outflowPerSecond) * 1000;
  }

  private adjust(feedback: LimiterFeedback, others: number): void {
    if (feedback.throttled) {
      this.current = Math.max(this.min, Math.floor(this.current / 2));
      // The server's own hint beats our estimate, which cannot see other clients' reservations.
      const estimate = feedback.remaining === undefined ? 0 : this.drainMs(this.debt(feedback.remaining, others));
      this.pause(feedback.retryAfterMs ?? Math.max(estimate, MIN_THROTTLE_PAUSE_MS));
      return;
    }
    if (feedback.remaining === undefined) return;
    const debt = this.debt(feedback.remaining, others);
    const ceiling = Math.floor((this.highWaterMark - this.margin - debt) / this.upfrontCost);
    if (ceiling < 1) {
      this.current = this.min;
      this.pause(this.drainMs(debt));
    } else if (ceiling < this.current) {
      this.current = Math.max(this.min, ceiling);
    } else if (ceiling > this.current && this.current < this.max) {
      // The ceiling comes from the bucket's own level, so growing to it at once is as safe as
      // growing by one: probing step by step only kept a large sync below what Canvas allows.
      this.current = Math.min(this.max, ceiling);
    }
  }
}
