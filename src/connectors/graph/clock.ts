/**
 * Time as a dependency: the scheduler and the retry logic read `clock.now()` and wait with
 * `clock.sleep(ms, signal)`, so tests can drive time by hand (`ManualClock`) and never wait.
 *
 * Guarantees: `sleep` resolves after at least `ms` of the clock's time, rejects with an
 * ABORTED TenantVaultError when its signal aborts (at once if already aborted), and leaves no
 * timer behind in either case. `ManualClock.advance` fires due timers in deadline order and
 * lets the code they wake run (microtasks and immediates) before moving on.
 */
import { TenantVaultError } from '../../errors/index.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

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
      const onAbort = () => {
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

/** A clock that moves only when told to; for tests and simulations. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Number of sleeps not yet due. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Deadline of the next timer, if any. */
  get nextDeadline(): number | undefined {
    return this.#timers[0]?.at;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    });
  }

  /** Lets woken code run: pending promise callbacks and immediates, a few rounds deep. */
  async settle(rounds = 10): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /** Advances to each next deadline until `done()` holds or no timer is left; returns the time spent. */
  async runUntil(done: () => boolean, limitMs = 24 * 3600_000): Promise<number> {
    const start = this.#now;
    await this.settle();
    while (!done()) {
      const next = this.nextDeadline;
      if (next === undefined || next - start > limitMs) break;
      await this.advance(next - this.#now);
    }
    return this.#now - start;
  }
}
