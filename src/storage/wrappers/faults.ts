/**
 * withFaults: a BlobStore that fails on purpose, for tests of everything above storage.
 *
 * Each call is decided before it reaches the store, in this order: the `decide` hook if given
 * (a test's own per-call choice), then `failNth` (the n-th call of a method, or of all calls),
 * then `rates` (a fraction of calls per method, drawn from a seeded RNG). Decisions:
 * - `ok`: the call goes through.
 * - `fail`: rejects with a retriable STORAGE_IO; the store is not touched.
 * - `fail-after`: the call goes through, then rejects with a retriable STORAGE_IO — an answer
 *   lost on the way back (a `put` that stored its object but reported failure). For `list` the
 *   first entry (if any) is yielded, then it fails.
 * - `hang`: never settles, until the call's `signal` aborts (then AbortError) — a stuck request,
 *   or a process killed mid-call when the test simply walks away.
 *
 * Deterministic: the same seed and the same sequence of calls give the same faults (one draw per
 * call, whoever decides it, so a hook does not shift the faults of other calls). Calls are
 * counted from 1, per method and in all.
 */
import { TenantVaultError } from '../../errors/index.js';
import { abortError, throwIfAborted } from '../errors.js';
import type { BlobInfo, BlobOp, BlobStore, CallOptions, GetOptions, PutOptions } from '../port.js';

export type FaultDecision = 'ok' | 'fail' | 'fail-after' | 'hang';

export interface FaultOptions {
  /** Seed of the RNG behind `rates`. Default 1. */
  readonly seed?: number;
  /** Fraction of calls (0..1) per method that fail with `fail`. */
  readonly rates?: Partial<Record<BlobOp, number>>;
  /** Fail (`fail`) these calls: the n-th call of `op`, or the n-th call of any method if `op` is omitted. */
  readonly failNth?: ReadonlyArray<{ readonly op?: BlobOp; readonly n: number }>;
  /**
   * A test's own decision per call (`call` counts the calls of `op`, from 1); returning
   * `undefined` defers to `failNth` and `rates`. For `list`, `key` is the prefix.
   */
  readonly decide?: (op: BlobOp, key: string, call: number) => FaultDecision | undefined;
}

export interface FaultyBlobStore extends BlobStore {
  /** Calls seen per method and in all, and faults injected. */
  readonly stats: { calls: Record<BlobOp, number>; total: number; faults: number };
}

/** mulberry32: tiny, fast and good enough to spread faults; never for anything secret. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function withFaults(inner: BlobStore, options: FaultOptions = {}): FaultyBlobStore {
  const random = seededRandom(options.seed ?? 1);
  const stats = { calls: { get: 0, put: 0, stat: 0, delete: 0, list: 0 }, total: 0, faults: 0 };

  function decide(op: BlobOp, key: string): FaultDecision {
    stats.total++;
    const call = ++stats.calls[op];
    const draw = random();
    const nth = options.failNth?.some((f) => (f.op === undefined ? f.n === stats.total : f.op === op && f.n === call)) ?? false;
    const decision = options.decide?.(op, key, call) ?? (nth || draw < (options.rates?.[op] ?? 0) ? 'fail' : 'ok');
    if (decision !== 'ok') stats.faults++;
    return decision;
  }

  async function run<T>(op: BlobOp, key: string, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const decision = decide(op, key);
    if (decision === 'fail') throw injected(op, key, 'before');
    if (decision === 'hang') return hang(signal);
    const result = await call();
    if (decision === 'fail-after') throw injected(op, key, 'after');
    return result;
  }

  return {
    description: inner.description,
    stats,
    get: (key: string, opts: GetOptions = {}) => run('get', key, opts.signal, () => inner.get(key, opts)),
    put: (key: string, data: Uint8Array, opts: PutOptions = {}) => run('put', key, opts.signal, () => inner.put(key, data, opts)),
    stat: (key: string, opts: CallOptions = {}) => run('stat', key, opts.signal, () => inner.stat(key, opts)),
    delete: (key: string, opts: CallOptions = {}) => run('delete', key, opts.signal, () => inner.delete(key, opts)),
    async *list(prefix: string, opts: CallOptions = {}): AsyncGenerator<BlobInfo> {
      throwIfAborted(opts.signal);
      const decision = decide('list', prefix);
      if (decision === 'fail') throw injected('list', prefix, 'before');
      if (decision === 'hang') await hang(opts.signal);
      for await (const info of inner.list(prefix, opts)) {
        yield info;
        if (decision === 'fail-after') throw injected('list', prefix, 'after');
      }
      if (decision === 'fail-after') throw injected('list', prefix, 'after'); // an empty listing
    },
  };
}

function injected(op: BlobOp, key: string, when: 'before' | 'after'): TenantVaultError {
  return new TenantVaultError('STORAGE_IO', `Injected fault: ${op} ${key} (${when} the call)`, { retriable: true, details: { op, key, injected: when } });
}

function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(abortError(signal)), { once: true }));
}
