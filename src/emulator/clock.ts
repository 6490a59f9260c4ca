/**
 * Time for the emulator. Everything that depends on time (token lifetimes, delta-link expiry,
 * throttle buckets, slow-response faults) reads it from one injected `Clock`, so tests can move
 * time forward instead of sleeping.
 *
 * Guarantees: `ManualClock.advance(ms)` fires every sleep whose deadline has passed, in deadline
 * order, before it returns its promise's resolution. `systemClock` uses real timers.
 * Not provided: time zones or calendars; callers format with `toISOString()`.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, options = {}) =>
    new Promise<void>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

interface PendingSleep {
  readonly dueMs: number;
  readonly resolve: () => void;
}

/** A clock that only moves when told to. Starts at `startMs` (default 2024-01-01T00:00:00Z). */
export class ManualClock implements Clock {
  private current: number;
  private pending: PendingSleep[] = [];

  constructor(startMs = Date.UTC(2024, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry: PendingSleep = {
        dueMs: this.current + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.pending = this.pending.filter((p) => p !== entry);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push(entry);
    });
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(nowMs: number): void {
    if (nowMs < this.current) throw new RangeError('ManualClock cannot go backwards');
    this.current = nowMs;
    const due = this.pending.filter((p) => p.dueMs <= nowMs).sort((a, b) => a.dueMs - b.dueMs);
    this.pending = this.pending.filter((p) => p.dueMs > nowMs);
    for (const p of due) p.resolve();
  }

  /** Number of sleeps not yet woken; lets tests await "the server is now waiting". */
  get sleepers(): number {
    return this.pending.length;
  }
}
