/**
 * withCounting: counts the calls of a BlobStore and the bytes they moved, for tests ("no object
 * was rewritten") and benchmarks. Calls are counted when made, bytes and entries when a call
 * succeeds. `writes` counts successful puts per key, so it grows with the keys written: meant for
 * tests and benchmarks, not for production stacks.
 */
import type { BlobInfo, BlobOp, BlobStore, CallOptions, GetOptions, PutOptions } from '../port.js';

export interface BlobStoreCounts {
  calls: Record<BlobOp, number>;
  bytesRead: number;
  bytesWritten: number;
  /** Entries yielded by `list`. */
  listed: number;
  /** Successful puts per key. */
  writes: Map<string, number>;
}

export interface CountingBlobStore extends BlobStore {
  readonly counts: BlobStoreCounts;
  /** Zeroes every counter, e.g. between the phases of a test. */
  reset(): void;
}

function zero(): BlobStoreCounts {
  return { calls: { get: 0, put: 0, stat: 0, delete: 0, list: 0 }, bytesRead: 0, bytesWritten: 0, listed: 0, writes: new Map() };
}

export function withCounting(inner: BlobStore): CountingBlobStore {
  let counts = zero();
  return {
    description: inner.description,
    get counts() {
      return counts;
    },
    reset() {
      counts = zero();
    },
    async get(key: string, opts?: GetOptions) {
      counts.calls.get++;
      const data = await inner.get(key, opts);
      counts.bytesRead += data.length;
      return data;
    },
    async put(key: string, data: Uint8Array, opts?: PutOptions) {
      counts.calls.put++;
      await inner.put(key, data, opts);
      counts.bytesWritten += data.byteLength;
      counts.writes.set(key, (counts.writes.get(key) ?? 0) + 1);
    },
    async stat(key: string, opts?: CallOptions) {
      counts.calls.stat++;
      return inner.stat(key, opts);
    },
    async delete(key: string, opts?: CallOptions) {
      counts.calls.delete++;
      return inner.delete(key, opts);
    },
    async *list(prefix: string, opts?: CallOptions): AsyncGenerator<BlobInfo> {
      counts.calls.list++;
      for await (const info of inner.list(prefix, opts)) {
        counts.listed++;
        yield info;
      }
    },
  };
}
