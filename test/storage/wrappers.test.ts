import { describe, expect, it } from 'vitest';
import { TenantVaultError } from '../../src/errors/index.js';
import {
  MemoryBlobStore,
  openBlobStore,
  stackBlobStore,
  withConcurrencyLimit,
  withCounting,
  withFaults,
  withReadOnly,
  withRetry,
  type BlobStore,
  type FaultDecision,
  type RetryEvent,
} from '../../src/storage/index.js';
import { collect, describeBlobStoreConformance, outcome } from './conformance.js';

/** A sleep that returns at once and records what it was asked to wait. */
function fakeSleep(): { sleep: (ms: number, signal?: AbortSignal) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

/** A memory store with some methods replaced. */
function storeWith(overrides: Partial<BlobStore>): BlobStore {
  const base = new MemoryBlobStore();
  return {
    description: 'test',
    get: (key, opts) => base.get(key, opts),
    put: (key, data, opts) => base.put(key, data, opts),
    stat: (key, opts) => base.stat(key, opts),
    delete: (key, opts) => base.delete(key, opts),
    list: (prefix, opts) => base.list(prefix, opts),
    ...overrides,
  };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('withRetry', () => {
  it('retries retriable failures with exponential backoff and jitter, then succeeds', async () => {
    const backend = new MemoryBlobStore();
    await backend.put('k', Buffer.from('v'));
    const faulty = withFaults(backend, { failNth: [{ op: 'get', n: 1 }, { op: 'get', n: 2 }, { op: 'get', n: 3 }] });
    const { sleep, delays } = fakeSleep();
    const events: RetryEvent[] = [];
    const store = withRetry(faulty, { sleep, random: () => 0.5, baseDelayMs: 100, maxDelayMs: 300, onRetry: (e) => events.push(e) });
    expect((await store.get('k')).toString()).toBe('v');
    expect(faulty.stats.calls.get).toBe(4);
    // cap = min(300, 100 * 2^(n-1)); delay = cap/2 + 0.5 * cap/2
    expect(delays).toEqual([75, 150, 225]);
    expect(events.map(({ op, key, attempt, delayMs }) => ({ op, key, attempt, delayMs }))).toEqual([
      { op: 'get', key: 'k', attempt: 1, delayMs: 75 },
      { op: 'get', key: 'k', attempt: 2, delayMs: 150 },
      { op: 'get', key: 'k', attempt: 3, delayMs: 225 },
    ]);
  });

  it('keeps the jitter between half and all of the capped delay', async () => {
    const faulty = withFaults(new MemoryBlobStore(), { rates: { stat: 1 } });
    for (const [random, expected] of [[0, [50, 100, 200, 400]], [0.999999, [100, 200, 400, 800]]] as const) {
      const { sleep, delays } = fakeSleep();
      await withRetry(faulty, { sleep, random: () => random, baseDelayMs: 100, maxDelayMs: 10_000 }).stat('k').catch(() => undefined);
      expect(delays).toEqual(expected);
    }
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    const faulty = withFaults(new MemoryBlobStore(), { rates: { put: 1 } });
    const { sleep, delays } = fakeSleep();
    const err = await withRetry(faulty, { sleep, maxAttempts: 3 }).put('k', Buffer.from('v')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantVaultError);
    expect(err).toMatchObject({ code: 'STORAGE_IO', retriable: true });
    expect(faulty.stats.calls.put).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it('does not retry non-retriable errors', async () => {
    const counted = withCounting(new MemoryBlobStore());
    const { sleep, delays } = fakeSleep();
    const store = withRetry(counted, { sleep });
    expect(await outcome(store.get('missing'))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });
    expect(await outcome(store.get('bad key'))).toEqual({ name: 'TypeError' });
    await counted.put('k', Buffer.from('v'));
    expect(await outcome(store.get('k', { range: { offset: 5, length: 1 } }))).toEqual({ code: 'STORAGE_IO', retriable: false });
    expect(await outcome(withRetry(withReadOnly(counted), { sleep }).put('k', Buffer.from('w')))).toEqual({ code: 'STORAGE_READ_ONLY', retriable: false });
    expect(counted.counts.calls.get).toBe(3);
    expect(delays).toEqual([]);
  });

  it('stops at once when the signal aborts during a backoff', async () => {
    const faulty = withFaults(new MemoryBlobStore(), { rates: { get: 1 } });
    const controller = new AbortController();
    const waiting = deferred();
    const sleep = (_ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((_, reject) => {
        waiting.resolve();
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    const result = outcome(withRetry(faulty, { sleep }).get('k', { signal: controller.signal }));
    await waiting.promise;
    controller.abort();
    expect(await result).toEqual({ name: 'AbortError' });
    expect(faulty.stats.calls.get).toBe(1);
  });

  it('never retries an AbortError or ABORTED, though ABORTED is retriable for whole jobs', async () => {
    for (const error of [new DOMException('stop', 'AbortError'), new TenantVaultError('ABORTED', 'stop')]) {
      let calls = 0;
      const inner = storeWith({ get: async () => ((calls += 1), Promise.reject(error)) });
      expect(await withRetry(inner, fakeSleep()).get('k').catch((e: unknown) => e)).toBe(error);
      expect(calls).toBe(1);
    }
  });

  it('treats "exists with identical bytes" after a lost answer as a successful create-only put', async () => {
    const backend = withCounting(new MemoryBlobStore());
    // The first put stores the object, then its answer is lost.
    const faulty = withFaults(backend, { decide: (op, _key, call) => (op === 'put' && call === 1 ? 'fail-after' : undefined) });
    await withRetry(faulty, fakeSleep()).put('data/pack', Buffer.from('content'), { ifNotExists: true });
    expect(backend.counts.calls.put).toBe(2);
    expect((await backend.get('data/pack')).toString()).toBe('content');
  });

  it('still reports STORAGE_EXISTS when the bytes differ, or when the first attempt found the object', async () => {
    const backend = withCounting(new MemoryBlobStore());
    await backend.put('config', Buffer.from('someone else'));
    backend.reset();
    const failFirstPut = withFaults(backend, { failNth: [{ op: 'put', n: 1 }] });
    expect(await outcome(withRetry(failFirstPut, fakeSleep()).put('config', Buffer.from('ours'), { ifNotExists: true }))).toEqual({ code: 'STORAGE_EXISTS', retriable: false });
    expect(backend.counts.calls.get).toBe(0); // sizes differ: the stat answers

    const sameSize = withFaults(backend, { failNth: [{ op: 'put', n: 1 }] });
    expect(await outcome(withRetry(sameSize, fakeSleep()).put('config', Buffer.from('someone ELSE'), { ifNotExists: true }))).toEqual({ code: 'STORAGE_EXISTS', retriable: false });
    expect(backend.counts.calls.get).toBe(1);

    backend.reset();
    expect(await outcome(withRetry(backend, fakeSleep()).put('config', Buffer.from('someone else'), { ifNotExists: true }))).toEqual({ code: 'STORAGE_EXISTS', retriable: false });
    expect(backend.counts.calls).toMatchObject({ put: 1, get: 0, stat: 0 });
  });

  it('restarts a failed listing without yielding any key twice', async () => {
    const backend = new MemoryBlobStore();
    for (const k of ['a', 'b', 'c']) await backend.put(k, Buffer.from(k));
    const faulty = withFaults(backend, { decide: (op, _key, call) => (op === 'list' && call === 1 ? 'fail-after' : undefined) });
    const keys: string[] = [];
    for await (const { key } of withRetry(faulty, fakeSleep()).list('')) keys.push(key);
    expect(keys).toEqual(['a', 'b', 'c']);
    expect(faulty.stats.calls.list).toBe(2);
  });
});

describe('withConcurrencyLimit', () => {
  /** A store whose gets wait until the test releases them, recording how many are in flight. */
  function gatedStore(): { store: BlobStore; gates: Map<string, () => void>; started: string[]; maxInFlight: () => number; nextStart: () => Promise<void> } {
    let inFlight = 0;
    let max = 0;
    const gates = new Map<string, () => void>();
    const started: string[] = [];
    let onStart = deferred();
    const store = storeWith({
      get: async (key) => {
        inFlight++;
        max = Math.max(max, inFlight);
        started.push(key);
        const gate = deferred();
        gates.set(key, () => gate.resolve());
        onStart.resolve();
        onStart = deferred();
        await gate.promise;
        inFlight--;
        return Buffer.from(key);
      },
    });
    return { store, gates, started, maxInFlight: () => max, nextStart: () => onStart.promise };
  }

  it('never has more than N calls in flight, and serves waiters in order', async () => {
    const gated = gatedStore();
    const store = withConcurrencyLimit(gated.store, 3);
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const results = Promise.all(keys.map((k) => store.get(k)));
    while (gated.started.length < 3) await gated.nextStart();
    expect(gated.started).toEqual(['k0', 'k1', 'k2']);
    for (let i = 0; i < keys.length; i++) {
      const started = gated.nextStart();
      gated.gates.get(`k${i}`)!();
      if (i + 3 < keys.length) await started;
      expect(gated.started.length).toBe(Math.min(keys.length, i + 4));
    }
    expect((await results).map(String)).toEqual(keys);
    expect(gated.maxInFlight()).toBe(3);
    expect(gated.started).toEqual(keys);
  });

  it('drops a waiter whose signal aborts, without it ever reaching the store', async () => {
    const gated = gatedStore();
    const store = withConcurrencyLimit(gated.store, 1);
    const first = store.get('first');
    await gated.nextStart();
    const controller = new AbortController();
    const queued = outcome(store.get('queued', { signal: controller.signal }));
    const third = store.get('third');
    controller.abort();
    expect(await queued).toEqual({ name: 'AbortError' });
    const thirdStarted = gated.nextStart();
    gated.gates.get('first')!();
    await thirdStarted;
    gated.gates.get('third')!();
    expect([String(await first), String(await third)]).toEqual(['first', 'third']);
    expect(gated.started).toEqual(['first', 'third']);
  });

  it('does not deadlock a consumer that writes while it lists, at limit 1', async () => {
    const store = withConcurrencyLimit(new MemoryBlobStore(), 1);
    for (const k of ['a', 'b', 'c']) await store.put(`src/${k}`, Buffer.from(k));
    for await (const { key } of store.list('src/')) await store.put(key.replace('src/', 'dst/'), await store.get(key));
    expect((await collect(store.list('dst/'))).map((b) => b.key)).toEqual(['dst/a', 'dst/b', 'dst/c']);
  });

  it('refuses a limit below 1', () => {
    expect(() => withConcurrencyLimit(new MemoryBlobStore(), 0)).toThrow(RangeError);
  });
});

describe('withFaults', () => {
  async function pattern(seed: number): Promise<string> {
    const store = withFaults(new MemoryBlobStore(), { seed, rates: { put: 0.3, get: 0.5 } });
    let out = '';
    for (let i = 0; i < 200; i++) {
      out += 'ok' in (await outcome(store.put(`k${i % 10}`, Buffer.from('x')))) ? '.' : 'P';
      out += 'code' in (await outcome(store.stat(`k${i % 10}`))) ? 'S' : '.';
      const got = await outcome(store.get(`k${i % 10}`));
      out += 'code' in got && got.code === 'STORAGE_IO' ? 'G' : '.';
    }
    return out;
  }

  it('fails the same calls for the same seed, other calls for another seed, at about the rate', async () => {
    const a = await pattern(42);
    expect(await pattern(42)).toBe(a);
    expect(await pattern(43)).not.toBe(a);
    const count = (c: string): number => a.split('').filter((x) => x === c).length;
    expect(count('S')).toBe(0);
    expect(count('P')).toBeGreaterThan(40);
    expect(count('P')).toBeLessThan(80);
    expect(count('G')).toBeGreaterThan(80);
    expect(count('G')).toBeLessThan(120);
  });

  it('fails the n-th call of a method or of all calls, with a retriable STORAGE_IO', async () => {
    const store = withFaults(new MemoryBlobStore(), { failNth: [{ op: 'stat', n: 2 }, { n: 4 }] });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(store.stat('k')));
    const io = { code: 'STORAGE_IO', retriable: true };
    expect(results).toEqual([{ ok: true }, io, { ok: true }, io, { ok: true }]);
    expect(store.stats).toEqual({ calls: { get: 0, put: 0, stat: 5, delete: 0, list: 0 }, total: 5, faults: 2 });
  });

  it('lets a test decide per call: fail before, fail after (the write happened), or hang until aborted', async () => {
    const backend = new MemoryBlobStore();
    const decisions: Record<string, FaultDecision> = { before: 'fail', after: 'fail-after', stuck: 'hang' };
    const seen: string[] = [];
    const store = withFaults(backend, { decide: (op, key) => (seen.push(`${op} ${key}`), decisions[key]) });
    expect(await outcome(store.put('before', Buffer.from('x')))).toEqual({ code: 'STORAGE_IO', retriable: true });
    expect(await backend.stat('before')).toBeUndefined();
    expect(await outcome(store.put('after', Buffer.from('x')))).toEqual({ code: 'STORAGE_IO', retriable: true });
    expect(await backend.stat('after')).toEqual({ key: 'after', size: 1 });
    const controller = new AbortController();
    const stuck = outcome(store.put('stuck', Buffer.from('x'), { signal: controller.signal }));
    controller.abort();
    expect(await stuck).toEqual({ name: 'AbortError' });
    expect(await backend.stat('stuck')).toBeUndefined();
    await store.put('other', Buffer.from('y'));
    expect(seen).toEqual(['put before', 'put after', 'put stuck', 'put other']);
  });
});

describe('withReadOnly', () => {
  it('refuses put and delete with STORAGE_READ_ONLY and passes reads through', async () => {
    const backend = withCounting(new MemoryBlobStore());
    await backend.put('k', Buffer.from('v'));
    backend.reset();
    const store = withReadOnly(backend);
    expect(await outcome(store.put('k', Buffer.from('w')))).toEqual({ code: 'STORAGE_READ_ONLY', retriable: false });
    expect(await outcome(store.delete('k'))).toEqual({ code: 'STORAGE_READ_ONLY', retriable: false });
    expect((await store.get('k')).toString()).toBe('v');
    expect(await store.stat('k')).toEqual({ key: 'k', size: 1 });
    expect(await collect(store.list(''))).toEqual([{ key: 'k', size: 1 }]);
    expect(backend.counts.calls).toEqual({ get: 1, put: 0, stat: 1, delete: 0, list: 1 });
    expect(store.description).toBe('memory: (read-only)');
  });
});

describe('withCounting', () => {
  it('counts calls, bytes, listed entries and writes per key', async () => {
    const store = withCounting(new MemoryBlobStore());
    await store.put('a', Buffer.from('12345'));
    await store.put('a', Buffer.from('123'));
    await store.put('b', Buffer.from('1'), { ifNotExists: true });
    await outcome(store.put('b', Buffer.from('2'), { ifNotExists: true }));
    await store.get('a');
    await store.get('a', { range: { offset: 1, length: 1 } });
    await outcome(store.get('missing'));
    await store.stat('a');
    await store.delete('b');
    await collect(store.list(''));
    expect(store.counts).toEqual({
      calls: { get: 3, put: 4, stat: 1, delete: 1, list: 1 },
      bytesRead: 4,
      bytesWritten: 9,
      listed: 1,
      writes: new Map([['a', 2], ['b', 1]]),
    });
    store.reset();
    expect(store.counts.calls.put).toBe(0);
  });
});

describe('openBlobStore', () => {
  it('refuses unknown schemes and empty locations with USAGE and a hint listing the supported ones', () => {
    for (const location of ['s3://bucket/x', 'azblob://account/container', 'ftp:x', '', '  ']) {
      const err = (() => {
        try {
          openBlobStore(location);
        } catch (e) {
          return e;
        }
      })() as TenantVaultError;
      expect(err, location).toBeInstanceOf(TenantVaultError);
      expect({ code: err.code, hintListsFile: err.hint.includes('file://'), hintListsMemory: err.hint.includes('memory:') }).toEqual({ code: 'USAGE', hintListsFile: true, hintListsMemory: true });
    }
    expect(() => openBlobStore('file://remote-host/share')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('opens a fresh memory store per call, and a Windows-style drive path as a path', async () => {
    const a = openBlobStore('memory:');
    await a.put('k', Buffer.from('v'));
    expect(await openBlobStore('memory:').stat('k')).toBeUndefined();
    expect(openBlobStore('memory:test').description).toBe('memory:test');
    expect(openBlobStore('C:\\backups').description).toMatch(/^local:/);
  });

  it('stacks read-only outside everything, so a refused write never reaches the backend', async () => {
    const backend = withCounting(new MemoryBlobStore());
    const store = stackBlobStore(backend, { readOnly: true, retry: { sleep: async () => {} } });
    expect(await outcome(store.put('k', Buffer.from('v')))).toEqual({ code: 'STORAGE_READ_ONLY', retriable: false });
    expect(backend.counts.calls.put).toBe(0);
    expect(store.description).toBe('memory: (read-only)');
  });

  it('retries under the concurrency limit: a backoff keeps its slot', async () => {
    let inFlight = 0;
    let max = 0;
    const faulty = withFaults(new MemoryBlobStore(), { seed: 5, rates: { put: 0.5 } });
    const { sleep } = fakeSleep();
    const observed: BlobStore = {
      ...faulty,
      put: async (key, data, opts) => {
        inFlight++;
        max = Math.max(max, inFlight);
        try {
          await Promise.resolve();
          return await faulty.put(key, data, opts);
        } finally {
          inFlight--;
        }
      },
    };
    const store = stackBlobStore(observed, { concurrency: 2, retry: { sleep, maxAttempts: 20 } });
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.put(`k${i}`, Buffer.from('v'))));
    expect(faulty.stats.faults).toBeGreaterThan(5);
    expect(max).toBe(2);
    expect((await collect(store.list(''))).length).toBe(30);
  });
});

describeBlobStoreConformance('openBlobStore("memory:") with the standard stack', async () => ({
  store: openBlobStore('memory:', { concurrency: 4, retry: { sleep: async () => {} } }),
  cleanup: async () => {},
}));

describeBlobStoreConformance('stacked store over a backend failing 20 % of all calls', async () => ({
  store: stackBlobStore(withFaults(new MemoryBlobStore(), { seed: 9, rates: { get: 0.2, put: 0.2, stat: 0.2, delete: 0.2, list: 0.2 } }), {
    concurrency: 4,
    retry: { sleep: async () => {}, maxAttempts: 12 },
  }),
  cleanup: async () => {},
}));
