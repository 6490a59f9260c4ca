/**
 * A token bucket driven by an injected clock: `capacity` tokens refill continuously over
 * `windowMs`. Requests take their cost; a request that finds too few tokens is throttled, and —
 * like Graph, which "keeps counting usage while a client is throttled" (facts §1.5) — still
 * takes its cost, down to one window's worth of debt. So a client that retries at once stays
 * throttled longer, and one that waits `retryAfterMs` gets through.
 */

export interface TakeResult {
  readonly ok: boolean;
  /** Fraction of the capacity in use after this request (Graph reports 0.8–1.8 above 80 %). */
  readonly used: number;
  /** When throttled: how long until `cost` tokens are available again. */
  readonly retryAfterMs: number;
}

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(readonly capacity: number, readonly windowMs: number, nowMs: number) {
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.lastMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.capacity) / this.windowMs);
      this.lastMs = nowMs;
    }
  }

  /** Would `cost` pass now? Does not take anything. */
  check(cost: number, nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= cost;
  }

  take(cost: number, nowMs: number): TakeResult {
    this.refill(nowMs);
    const ok = this.tokens >= cost;
    this.tokens = Math.max(-this.capacity, this.tokens - cost);
    const used = (this.capacity - this.tokens) / this.capacity;
    const retryAfterMs = ok ? 0 : ((cost - this.tokens) * this.windowMs) / this.capacity;
    return { ok, used, retryAfterMs };
  }

  /** Fraction in use without taking anything. */
  usage(nowMs: number): number {
    this.refill(nowMs);
    return (this.capacity - this.tokens) / this.capacity;
  }
}
