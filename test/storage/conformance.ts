/**
 * The one conformance suite every BlobStore passes: backends (memory, fs, later azure-blob) and
 * wrapped stacks alike. Each test gets a fresh, empty store from the factory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTenantVaultError } from '../../src/errors/index.js';
import type { BlobInfo, BlobStore } from '../../src/storage/index.js';
import { seededRandom } from '../../src/storage/index.js';

export interface StoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/** Deterministic pseudo-random bytes, so a wrong offset cannot hide behind a repeating pattern. */
export function bytes(length: number, seed = 1): Buffer {
  const random = seededRandom(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** The settled outcome of a call, for whole-object comparisons. */
export async function outcome(promise: Promise<unknown>): Promise<{ ok: true } | { code: string; retriable?: boolean } | { name: string }> {
  try {
    await promise;
    return { ok: true };
  } catch (err) {
    if (isTenantVaultError(err)) return { code: err.code, retriable: err.retriable };
    return { name: (err as Error).name };
  }
}

export async function collect(iterable: AsyncIterable<BlobInfo>): Promise<BlobInfo[]> {
  const out: BlobInfo[] = [];
  for await (const info of iterable) out.push(info);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function describeBlobStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: BlobStore;
    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    it('describes itself', () => {
      expect(store.description.length).toBeGreaterThan(0);
    });

    it('round-trips empty, small and 5 MB objects byte for byte', async () => {
      const objects = { 'empty': Buffer.alloc(0), 'small/one': Buffer.from('hello, vault'), 'big/five-mb.bin': bytes(5 * 1024 * 1024, 7) };
      for (const [key, data] of Object.entries(objects)) await store.put(key, data);
      for (const [key, data] of Object.entries(objects)) {
        const got = await store.get(key);
        expect(got.length, key).toBe(data.length);
        expect(got.equals(data), key).toBe(true);
        expect(await store.stat(key)).toEqual({ key, size: data.length });
      }
    });

    it('stores a copy: mutating the buffer put or the buffer got changes nothing stored', async () => {
      const data = Buffer.from('original');
      await store.put('k', data);
      data.fill(0);
      const got = await store.get('k');
      got.fill(1);
      expect((await store.get('k')).toString()).toBe('original');
    });

    it('reads byte ranges, including up to the end and empty ones, and accepts a Uint8Array', async () => {
      const data = bytes(100_000, 3);
      await store.put('r', new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      const cases = [
        { offset: 0, length: 10 },
        { offset: 12_345, length: 54_321 },
        { offset: 99_990, length: 10 },
        { offset: 0, length: 100_000 },
        { offset: 100_000, length: 0 },
        { offset: 500, length: 0 },
      ];
      for (const range of cases) {
        const got = await store.get('r', { range });
        expect(got.equals(data.subarray(range.offset, range.offset + range.length)), JSON.stringify(range)).toBe(true);
      }
    });

    it('refuses ranges beyond the end with a non-retriable STORAGE_IO', async () => {
      await store.put('r', bytes(100));
      for (const range of [{ offset: 91, length: 10 }, { offset: 100, length: 1 }, { offset: 1000, length: 0 }]) {
        expect(await outcome(store.get('r', { range })), JSON.stringify(range)).toEqual({ code: 'STORAGE_IO', retriable: false });
      }
      expect(await outcome(store.get('r', { range: { offset: -1, length: 1 } }))).toEqual({ name: 'TypeError' });
    });

    it('reports missing objects: get fails with STORAGE_NOT_FOUND, stat gives undefined', async () => {
      expect(await outcome(store.get('no/such/key'))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });
      expect(await outcome(store.get('no/such/key', { range: { offset: 0, length: 0 } }))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });
      expect(await store.stat('no/such/key')).toBeUndefined();
      await store.put('no/such/other', Buffer.from('x'));
      expect(await store.stat('no/such')).toBeUndefined(); // a "directory" is not an object
    });

    it('creates only once with ifNotExists and leaves the existing object unchanged', async () => {
      await store.put('config', Buffer.from('first'), { ifNotExists: true });
      expect(await outcome(store.put('config', Buffer.from('second'), { ifNotExists: true }))).toEqual({ code: 'STORAGE_EXISTS', retriable: false });
      expect((await store.get('config')).toString()).toBe('first');
    });

    it('lets exactly one of many concurrent create-only puts win', async () => {
      const contenders = Array.from({ length: 8 }, (_, i) => Buffer.from(`contender ${i} `.repeat(1000 * (i + 1))));
      const results = await Promise.all(contenders.map((data) => outcome(store.put('locks/race', data, { ifNotExists: true }))));
      const winners = results.flatMap((r, i) => ('ok' in r ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => 'code' in r && r.code === 'STORAGE_EXISTS')).toHaveLength(7);
      expect((await store.get('locks/race')).equals(contenders[winners[0]!]!)).toBe(true);
    });

    it('overwrites without ifNotExists, shorter or longer', async () => {
      await store.put('o', bytes(1000, 1));
      await store.put('o', Buffer.from('short'));
      expect((await store.get('o')).toString()).toBe('short');
      expect(await store.stat('o')).toEqual({ key: 'o', size: 5 });
      await store.put('o', bytes(2000, 2));
      expect((await store.get('o')).equals(bytes(2000, 2))).toBe(true);
    });

    it('deletes idempotently', async () => {
      await store.put('d/x', Buffer.from('x'));
      await store.delete('d/x');
      await store.delete('d/x');
      await store.delete('never/existed');
      expect(await store.stat('d/x')).toBeUndefined();
      expect(await outcome(store.get('d/x'))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('lists by plain string prefix, nested keys included, each once with its size', async () => {
      const keys = ['config', 'data/ab/ab01', 'data/ab/ab02', 'data/ac/ac01', 'data/b0/b001', 'index/0001', 'index/0002', 'snapshots/s1', 'da'];
      for (const [i, key] of keys.entries()) await store.put(key, bytes(i, i));
      const listed = async (prefix: string): Promise<string[]> => (await collect(store.list(prefix))).map((b) => b.key);
      expect(await collect(store.list(''))).toEqual(keys.map((key, i) => ({ key, size: i })).sort((a, b) => (a.key < b.key ? -1 : 1)));
      expect(await listed('data/')).toEqual(['data/ab/ab01', 'data/ab/ab02', 'data/ac/ac01', 'data/b0/b001']);
      expect(await listed('data/a')).toEqual(['data/ab/ab01', 'data/ab/ab02', 'data/ac/ac01']);
      expect(await listed('data/ab/ab0')).toEqual(['data/ab/ab01', 'data/ab/ab02']);
      expect(await listed('d')).toEqual(['da', 'data/ab/ab01', 'data/ab/ab02', 'data/ac/ac01', 'data/b0/b001']);
      expect(await listed('index')).toEqual(['index/0001', 'index/0002']);
      expect(await listed('config')).toEqual(['config']);
      expect(await listed('nothing/')).toEqual([]);
      expect(await listed('zz')).toEqual([]);
    });

    it('lists 2,000 keys exactly once, and only keys', async () => {
      const keys = Array.from({ length: 2000 }, (_, i) => `data/${(i % 37).toString(16).padStart(2, '0')}/${i.toString().padStart(6, '0')}`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, Buffer.from(key))));
      const listed = await collect(store.list('data/'));
      expect(listed.map((b) => b.key)).toEqual([...keys].sort());
      expect(listed.every((b) => b.size === b.key.length)).toBe(true);
    });

    it('rejects invalid keys and prefixes with a TypeError before touching storage', async () => {
      const invalid = ['', '/abs', 'trailing/', 'a//b', '..', '../up', 'a/../b', './a', 'a/.', 'sp ace', 'ümlaut', 'back\\slash', 'c:drive', 'tilde~', 'nul\0'];
      for (const key of invalid) {
        expect(await outcome(store.put(key, Buffer.from('x'))), key).toEqual({ name: 'TypeError' });
        expect(await outcome(store.get(key)), key).toEqual({ name: 'TypeError' });
        expect(await outcome(store.stat(key)), key).toEqual({ name: 'TypeError' });
        expect(await outcome(store.delete(key)), key).toEqual({ name: 'TypeError' });
      }
      for (const prefix of ['/abs', 'a//', '../', 'a/../', 'sp ace', 'x~']) {
        expect(await outcome(collect(store.list(prefix))), prefix).toEqual({ name: 'TypeError' });
      }
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('honours an aborted signal in every method and stores nothing', async () => {
      await store.put('present', Buffer.from('x'));
      const signal = AbortSignal.abort();
      const custom = new AbortController();
      custom.abort(new Error('shutting down'));
      for (const s of [signal, custom.signal]) {
        expect(await outcome(store.put('p', Buffer.from('x'), { signal: s }))).toEqual({ name: 'AbortError' });
        expect(await outcome(store.put('p2', Buffer.from('x'), { signal: s, ifNotExists: true }))).toEqual({ name: 'AbortError' });
        expect(await outcome(store.get('present', { signal: s }))).toEqual({ name: 'AbortError' });
        expect(await outcome(store.stat('present', { signal: s }))).toEqual({ name: 'AbortError' });
        expect(await outcome(store.delete('present', { signal: s }))).toEqual({ name: 'AbortError' });
        expect(await outcome(collect(store.list('', { signal: s })))).toEqual({ name: 'AbortError' });
      }
      expect(await collect(store.list(''))).toEqual([{ key: 'present', size: 1 }]);
    });

    it('stops a listing when its signal aborts midway', async () => {
      for (let i = 0; i < 20; i++) await store.put(`l/${i}`, Buffer.from('x'));
      const controller = new AbortController();
      const seen: string[] = [];
      const result = outcome(
        (async () => {
          for await (const info of store.list('l/', { signal: controller.signal })) {
            seen.push(info.key);
            if (seen.length === 5) controller.abort();
          }
        })(),
      );
      expect(await result).toEqual({ name: 'AbortError' });
      expect(seen.length).toBeLessThan(20);
    });
  });
}
