/**
 * withConcurrencyLimit: at most `limit` calls of the wrapped store are in flight at once; the
 * others wait in FIFO order.
 *
 * Guarantees: a caller whose `signal` aborts while it waits leaves the queue at once with an
 * AbortError and never reaches the store. `list` holds a slot only while it fetches the next
 * entry, not while the consumer handles it, so a consumer that writes while it lists cannot
 * deadlock itself at `limit` 1.
 */
import { abortError, throwIfAborted } from '../errors.js';
import type { BlobInfo, BlobStore, CallOptions, GetOptions, PutOptions } from '../port.js';

/** A counting semaphore. Exported for reuse and tests. */
export class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`Concurrency limit must be a positive integer, got ${limit}`);
    this.available = limit;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i !== -1) this.waiting.splice(i, 1);
        reject(abortError(signal));
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter, so a newcomer cannot overtake the queue.
    if (next) next();
    else this.available++;
  }

  async run<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    await this.acquire(signal);
    try {
      return await call();
    } finally {
      this.release();
    }
  }
}

export function withConcurrencyLimit(inner: BlobStore, limit: number): BlobStore {
  const slots = new Semaphore(limit);
  return {
    description: inner.description,
    get: (key: string, opts: GetOptions = {}) => slots.run(opts.signal, () => inner.get(key, opts)),
    put: (key: string, data: Uint8Array, opts: PutOptions = {}) => slots.run(opts.signal, () => inner.put(key, data, opts)),
    stat: (key: string, opts: CallOptions = {}) => slots.run(opts.signal, () => inner.stat(key, opts)),
    delete: (key: string, opts: CallOptions = {}) => slots.run(opts.signal, () => inner.delete(key, opts)),
    async *list(prefix: string, opts: CallOptions = {}): AsyncGenerator<BlobInfo> {
      const entries = inner.list(prefix, opts)[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await slots.run(opts.signal, () => entries.next());
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await entries.return?.();
      }
    },
  };
}
