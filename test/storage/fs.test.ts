import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantVaultError } from '../../src/errors/index.js';
import { FsBlobStore, openBlobStore } from '../../src/storage/index.js';
import { mapFsError } from '../../src/storage/fs.js';
import { bytes, collect, describeBlobStoreConformance, outcome } from './conformance.js';

async function tempRoot(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'tv-storage-'));
}

/** Every file under `dir`, relative, temporary files included. */
async function rawFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describeBlobStoreConformance('FsBlobStore', async () => {
  const root = await tempRoot();
  return { store: new FsBlobStore(root), cleanup: () => fsp.rm(root, { recursive: true, force: true }) };
});

describe('FsBlobStore', () => {
  let root: string;
  let store: FsBlobStore;
  beforeEach(async () => {
    root = await tempRoot();
    store = new FsBlobStore(path.join(root, 'repo'));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('maps keys to files under the root, creating directories on demand, private to the owner', async () => {
    await store.put('data/ab/abcdef', Buffer.from('pack'));
    expect(await rawFiles(path.join(root, 'repo'))).toEqual([path.join('data', 'ab', 'abcdef')]);
    expect(await fsp.readFile(path.join(root, 'repo', 'data', 'ab', 'abcdef'), 'utf8')).toBe('pack');
    expect((await fsp.stat(path.join(root, 'repo', 'data', 'ab', 'abcdef'))).mode & 0o777).toBe(0o600);
    expect((await fsp.stat(path.join(root, 'repo', 'data'))).mode & 0o777).toBe(0o700);
    expect(store.description).toBe(`local:${path.join(root, 'repo')}`);
  });

  it('leaves no temporary file behind after puts, overwrites and refused create-only puts', async () => {
    await store.put('a/k', Buffer.from('1'));
    await store.put('a/k', Buffer.from('2'));
    await store.put('a/c', Buffer.from('3'), { ifNotExists: true });
    expect(await outcome(store.put('a/c', Buffer.from('4'), { ifNotExists: true }))).toEqual({ code: 'STORAGE_EXISTS', retriable: false });
    await Promise.all([1, 2, 3, 4].map((i) => outcome(store.put('a/race', Buffer.from(String(i)), { ifNotExists: true }))));
    expect(await rawFiles(path.join(root, 'repo'))).toEqual(['a/c', 'a/k', 'a/race']);
  });

  it('hides a torn write (a leftover temporary file) and cleans it up once stale', async () => {
    await store.put('data/ab/whole', Buffer.from('complete object'));
    const dir = path.join(root, 'repo', 'data', 'ab');
    // What a crash between write and rename leaves: a prefix of the new bytes under a temp name.
    await fsp.writeFile(path.join(dir, 'whole.~tmp-0123456789ab'), 'compl');
    await fsp.writeFile(path.join(dir, 'torn.~tmp-ba9876543210'), 'half of a new ob');
    expect(await collect(store.list(''))).toEqual([{ key: 'data/ab/whole', size: 15 }]);
    expect((await store.get('data/ab/whole')).toString()).toBe('complete object');
    expect(await store.stat('data/ab/torn')).toBeUndefined();
    expect(await outcome(store.get('data/ab/torn'))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });

    const now = Date.now();
    expect(await store.cleanupTempFiles({ olderThanMs: 60_000, now: () => now })).toBe(0); // could be a live writer's
    expect(await store.cleanupTempFiles({ olderThanMs: 60_000, now: () => now + 61_000 })).toBe(2);
    expect(await rawFiles(path.join(root, 'repo'))).toEqual(['data/ab/whole']);
  });

  it('lets exactly one create-only put win across two stores on one directory (two processes)', async () => {
    const other = new FsBlobStore(path.join(root, 'repo'));
    const results = await Promise.all([
      outcome(store.put('locks/exclusive', Buffer.from('mine'), { ifNotExists: true })),
      outcome(other.put('locks/exclusive', Buffer.from('theirs'), { ifNotExists: true })),
    ]);
    expect(results.filter((r) => 'ok' in r)).toHaveLength(1);
    expect(results.filter((r) => 'code' in r && r.code === 'STORAGE_EXISTS')).toHaveLength(1);
    expect(['mine', 'theirs']).toContain((await store.get('locks/exclusive')).toString());
  });

  it('reads a range without reading the whole file (an 8 GiB sparse file)', async () => {
    const file = path.join(root, 'repo', 'huge');
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const handle = await fsp.open(file, 'w');
    await handle.truncate(8 * 1024 ** 3);
    await handle.write(Buffer.from('tail'), 0, 4, 8 * 1024 ** 3 - 4);
    await handle.close();
    expect((await store.get('huge', { range: { offset: 8 * 1024 ** 3 - 6, length: 6 } })).toString('latin1')).toBe('\0\0tail');
    expect(await store.stat('huge')).toEqual({ key: 'huge', size: 8 * 1024 ** 3 });
  });

  it('treats directories as non-objects and refuses a key that is also a directory', async () => {
    await store.put('a/b', Buffer.from('x'));
    expect(await store.stat('a')).toBeUndefined();
    expect(await outcome(store.get('a'))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });
    await store.delete('a'); // nothing to delete, and the directory stays
    expect(await store.stat('a/b')).toEqual({ key: 'a/b', size: 1 });
    expect(await outcome(store.put('a', Buffer.from('y')))).toEqual({ code: 'STORAGE_IO', retriable: false });
    expect(await outcome(store.put('a/b/c', Buffer.from('z')))).toEqual({ code: 'STORAGE_IO', retriable: false });
    expect(await outcome(store.get('a/b/c'))).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false });
    expect(await store.stat('a/b/c')).toBeUndefined();
    expect(await rawFiles(path.join(root, 'repo'))).toEqual(['a/b']);
  });

  it('lists nothing when the root does not exist yet', async () => {
    expect(await collect(new FsBlobStore(path.join(root, 'missing')).list(''))).toEqual([]);
  });

  it('follows a symbolic link to a directory on another disk', async () => {
    await fsp.mkdir(path.join(root, 'elsewhere', 'ab'), { recursive: true });
    await fsp.writeFile(path.join(root, 'elsewhere', 'ab', 'p1'), 'pack');
    await fsp.mkdir(path.join(root, 'repo'), { recursive: true });
    await fsp.symlink(path.join(root, 'elsewhere'), path.join(root, 'repo', 'data'));
    expect(await collect(store.list('data/'))).toEqual([{ key: 'data/ab/p1', size: 4 }]);
  });

  it.skipIf(process.getuid?.() === 0)('turns a real permission error into a non-retriable STORAGE_IO naming the path', async () => {
    await fsp.mkdir(path.join(root, 'repo'));
    await fsp.mkdir(path.join(root, 'repo', 'locked'), { mode: 0o500 });
    const err = await store.put('locked/x', Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantVaultError);
    expect(err).toMatchObject({ code: 'STORAGE_IO', retriable: false });
    expect((err as TenantVaultError).hint).toContain(path.join(root, 'repo', 'locked', 'x'));
  });

  it('maps file-system errors to the storage vocabulary', () => {
    const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });
    const file = '/srv/vault/data/ab/k';
    const mapped = (code: string, op: 'get' | 'put' = 'put'): unknown => {
      const e = mapFsError(errno(code), op, 'data/ab/k', file, 'local:/srv/vault') as TenantVaultError;
      return { code: e.code, retriable: e.retriable, hintNamesPath: e.hint.includes(file), details: e.details };
    };
    const details = (errnoCode: string, op = 'put'): object => ({ op, key: 'data/ab/k', path: file, errno: errnoCode });
    expect(mapped('ENOENT', 'get')).toEqual({ code: 'STORAGE_NOT_FOUND', retriable: false, hintNamesPath: false, details: { key: 'data/ab/k' } });
    expect(mapped('ENOENT')).toEqual({ code: 'STORAGE_IO', retriable: true, hintNamesPath: false, details: details('ENOENT') });
    expect(mapped('EEXIST')).toEqual({ code: 'STORAGE_EXISTS', retriable: false, hintNamesPath: false, details: { key: 'data/ab/k' } });
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      expect(mapped(code), code).toEqual({ code: 'STORAGE_IO', retriable: false, hintNamesPath: true, details: details(code) });
    }
    for (const code of ['ENOSPC', 'EDQUOT']) {
      expect(mapped(code), code).toEqual({ code: 'STORAGE_IO', retriable: false, hintNamesPath: true, details: details(code) });
      expect((mapFsError(errno(code), 'put', 'k', file, 'x') as TenantVaultError).hint).toMatch(/full/);
    }
    for (const code of ['EIO', 'EMFILE', 'ETIMEDOUT', 'EBUSY']) {
      expect(mapped(code), code).toEqual({ code: 'STORAGE_IO', retriable: true, hintNamesPath: false, details: details(code) });
    }
    const abort = new DOMException('aborted', 'AbortError');
    expect(mapFsError(abort, 'get', 'k', file, 'x')).toBe(abort);
  });
});

describe('openBlobStore on a directory', () => {
  it('opens a plain path and a file:// URL as the same store', async () => {
    const root = await tempRoot();
    try {
      await openBlobStore(root).put('x/y', bytes(10));
      const viaUrl = openBlobStore(pathToFileURL(root).href);
      expect(viaUrl.description).toBe(`local:${root}`);
      expect((await viaUrl.get('x/y')).equals(bytes(10))).toBe(true);
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});
