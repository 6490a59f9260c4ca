/**
 * Shared helpers for the repository tests: cheap key derivation (habit 12), a fresh repository on
 * a memory or fs store, synthetic items, and small utilities.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from '../../src/config/index.js';
import { initRepository, openRepository, type Item, type Repository, type RepositoryOptions, type KdfParams } from '../../src/repository/index.js';
import { FsBlobStore, MemoryBlobStore, type BlobStore } from '../../src/storage/index.js';
import { SyntheticTenant, type SyntheticItem } from './fixtures/synthetic-tenant.js';

export const CHEAP_KDF: KdfParams = { N: 16, r: 1, p: 1 };
export const PASSWORD = new Secret('correct horse battery staple');
/** Small packs and chunks so that small tests still produce several packs and chunks. */
export const SMALL: RepositoryOptions = { packSizeBytes: 64 * 1024 };
export const SMALL_CHUNKER = { minSize: 16 * 1024, avgSize: 32 * 1024, maxSize: 128 * 1024 };

export async function newRepository(store: BlobStore = new MemoryBlobStore(), options: RepositoryOptions = SMALL): Promise<{ store: BlobStore; repo: Repository }> {
  const repo = await initRepository(store, PASSWORD, { kdf: CHEAP_KDF, chunker: SMALL_CHUNKER, ...options });
  return { store, repo };
}

export function reopen(store: BlobStore, options: RepositoryOptions = SMALL): Promise<Repository> {
  return openRepository(store, PASSWORD, options);
}

export function tempDir(prefix = 'tv-repo-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function fsStore(path: string): BlobStore {
  return new FsBlobStore(path);
}

export function toItem(s: SyntheticItem): Item {
  return { type: s.type, id: s.id, name: s.name, document: s.document };
}

export function* tenantItems(tenant: SyntheticTenant, type: 'user' | 'group' | 'device'): Generator<Item> {
  for (const s of tenant.items(type)) yield toItem(s);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Every stored object's bytes, for "nothing in plaintext" and tampering tests. */
export async function allObjects(store: BlobStore): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const info of store.list('')) out.set(info.key, await store.get(info.key));
  return out;
}

export { SyntheticTenant };
