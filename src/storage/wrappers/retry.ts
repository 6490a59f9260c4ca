/**
 * withRetry: retries the calls of a BlobStore that failed with a retriable error (`isRetriable`,
 * the one place that decides), with exponential backoff and jitter.
 *
 * Guarantees:
 * - Only retriable errors are retried, at most `maxAttempts` attempts in all; the last error is
 *   rethrown unchanged. Aborts are never retried, and an abort during a backoff rejects at once.
 * - Delay before attempt n+1 is `min(maxDelayMs, baseDelayMs * 2^(n-1))`, of which a random half
 *   is jitter ("equal jitter"), so concurrent callers spread out yet always back off.
 * - `put` with `ifNotExists`: an earlier attempt may have stored the object and lost only its
 *   answer, so a later attempt's STORAGE_EXISTS is checked — if the stored bytes equal the ones
 *   being put, the put succeeded; otherwise STORAGE_EXISTS is rethrown. The repository names packs
 *   by content hash, so identical bytes are the normal case. A STORAGE_EXISTS on the first attempt
 *   is always rethrown: nothing of ours can have written it.
 * - `list` restarts from the beginning after a retriable failure and skips keys it already
 *   yielded, so each key is still yielded once (it remembers the yielded keys, O(keys) memory).
 *
 * Time is injected (`sleep`), so tests need no real timers.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isRetriable, isTenantVaultError } from '../../errors/index.js';
import { isAbortError, throwIfAborted } from '../errors.js';
import type { BlobInfo, BlobOp, BlobStore, CallOptions, GetOptions, PutOptions } from '../port.js';

export interface RetryEvent {
  readonly op: BlobOp;
  readonly key: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  /** Attempts in all, including the first. Default 5. */
  readonly maxAttempts?: number;
  /** Default 200. */
  readonly baseDelayMs?: number;
  /** Default 10,000. */
  readonly maxDelayMs?: number;
  /** Waits `ms` or rejects with an AbortError when `signal` aborts. Default: real timers. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Called before each backoff, e.g. to log the failure. */
  readonly onRetry?: (event: RetryEvent) => void;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {});

export function withRetry(inner: BlobStore, options: RetryOptions = {}): BlobStore {
  const { maxAttempts = 5, baseDelayMs = 200, maxDelayMs = 10_000, sleep = realSleep, random = Math.random, onRetry } = options;

  /** After failed attempt `n`: rethrows `error` if retrying cannot or may not help, else waits. */
  async function backoff(op: BlobOp, key: string, n: number, error: unknown, signal: AbortSignal | undefined): Promise<void> {
    // ABORTED is "retriable" for a whole job, never for the call that was told to stop.
    if (n >= maxAttempts || !isRetriable(error) || isAbortError(error) || isTenantVaultError(error, 'ABORTED') || signal?.aborted) throw error;
    const capMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
    const delayMs = Math.round(capMs / 2 + (random() * capMs) / 2);
    onRetry?.({ op, key, attempt: n, delayMs, error });
    await sleep(delayMs, signal);
    throwIfAborted(signal);
  }

  async function attempt<T>(op: BlobOp, key: string, signal: AbortSignal | undefined, call: (attempt: number) => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await call(n);
      } catch (error) {
        await backoff(op, key, n, error, signal);
      }
    }
  }

  return {
    description: inner.description,
    get: (key: string, opts: GetOptions = {}) => attempt('get', key, opts.signal, () => inner.get(key, opts)),
    stat: (key: string, opts: CallOptions = {}) => attempt('stat', key, opts.signal, () => inner.stat(key, opts)),
    delete: (key: string, opts: CallOptions = {}) => attempt('delete', key, opts.signal, () => inner.delete(key, opts)),
    put: (key: string, data: Uint8Array, opts: PutOptions = {}) =>
      attempt('put', key, opts.signal, async (n) => {
        try {
          await inner.put(key, data, opts);
        } catch (error) {
          if (n > 1 && opts.ifNotExists && isTenantVaultError(error, 'STORAGE_EXISTS') && (await holds(inner, key, data, opts.signal))) return;
          throw error;
        }
      }),
    async *list(prefix: string, opts: CallOptions = {}): AsyncGenerator<BlobInfo> {
      const seen = new Set<string>();
      for (let n = 1; ; n++) {
        try {
          for await (const info of inner.list(prefix, opts)) {
            if (seen.has(info.key)) continue;
            seen.add(info.key);
            yield info;
          }
          return;
        } catch (error) {
          await backoff('list', prefix, n, error, opts.signal);
        }
      }
    },
  };
}

/** Whether `key` holds exactly `data` (a cheap size check first). */
async function holds(store: BlobStore, key: string, data: Uint8Array, signal: AbortSignal | undefined): Promise<boolean> {
  const info = await store.stat(key, { signal });
  if (info?.size !== data.byteLength) return false;
  const stored = await store.get(key, { signal });
  return stored.equals(data);
}
