/**
 * Time as a dependency. Everything that waits or reads the time — the emulator's tokens, delta
 * links and throttle buckets, the request scheduler's backoff, the repository's lock refresh —
 * takes a `Clock`, so tests move time by hand instead of sleeping (habit 12).
 *
 * Guarantees: `sleep` resolves after at least `ms` of the clock's time, rejects with an ABORTED
 * TenantVaultError when its signal aborts (at once if already aborted), and leaves no timer
 * behind either way. Two manual clocks serve the two sides of a test:
 * - `ManualClock` (the service side): `advance` moves time at once and wakes every due sleeper,
 *   so a test that moves the emulator's time sees it moved on its next request;
 * - `SteppingClock` (the client side): `advance` walks from deadline to deadline and lets the
 *   woken code run at each (it may sleep again), for schedulers whose waits chain.
 * Not provided: time zones or calendars; callers format with `toISOString()`.
 */
import { TenantVaultError } from './errors/index.js';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with ABORTED when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The error a sleep rejects with when aborted: the signal's reason if it is ours, else ABORTED. */
export function abortError(signal?: AbortSignal): TenantVaultError {
  const reason: unknown = signal?.reason;
  if (reason instanceof TenantVaultError) return reason;
  return new TenantVaultError('ABORTED', 'The operation was aborted', { cause: reason });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError(signal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** The sleepers of a manual clock, in deadline order (then in the order they slept). */
abstract class TimerQueue implements Clock {
  protected current: number;
  #seq = 0;
  protected timers: Timer[] = [];

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    });
  }

  /** Number of sleeps not yet woken; lets tests await "the server is now waiting". */
  get sleepers(): number {
    return this.timers.length;
  }

  /** Deadline of the next sleeper, if any. */
  get nextDeadline(): number | undefined {
    return this.timers[0]?.at;
  }
}

/** A clock that only moves when told to, at once. Starts at `startMs` (default 2024-01-01T00:00:00Z). */
export class ManualClock extends TimerQueue {
  constructor(startMs = Date.UTC(2024, 0, 1)) {
    super(startMs);
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(nowMs: number): void {
    if (nowMs < this.current) throw new RangeError('ManualClock cannot go backwards');
    this.current = nowMs;
    const due = this.timers.filter((t) => t.at <= nowMs);
    this.timers = this.timers.filter((t) => t.at > nowMs);
    for (const t of due) t.resolve();
  }
}

/** A clock that moves only when told to, one deadline at a time; for schedulers and simulations. */
export class SteppingClock extends TimerQueue {
  constructor(startMs = Date.UTC(2025, 0, 1)) {
    super(startMs);
  }

  /** Number of sleeps not yet due. */
  get pendingTimers(): number {
    return this.sleepers;
  }

  /** Lets woken code run: pending promise callbacks and immediates, a few rounds deep. */
  async settle(rounds = 10): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await this.settle();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > target) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.resolve();
      await this.settle();
    }
    this.current = target;
    await this.settle();
  }

  /** Advances to each next deadline until `done()` holds or no timer is left; returns the time spent. */
  async runUntil(done: () => boolean, limitMs = 24 * 3600_000): Promise<number> {
    const start = this.current;
    await this.settle();
    while (!done()) {
      const next = this.nextDeadline;
      if (next === undefined || next - start > limitMs) break;
      await this.advance(next - this.current);
    }
    return this.current - start;
  }
}
