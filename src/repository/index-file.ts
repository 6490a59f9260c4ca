/**
 * Index files (spec §8): which blobs each pack holds. Written by snapshot writers every 16 packs or
 * 60 s and at commit, and by prune; read and merged into the MasterIndex on open.
 *
 * Guarantees: `loadIndexFiles` loads each index file at most once per MasterIndex and reports
 * index files it had loaded that no longer exist (a prune ran), so callers can rebuild; a file
 * that does not decrypt or parse is REPO_CORRUPT naming it.
 */
import type { BlobStore } from '../storage/index.js';
import { type BlobKind, isHexId, type MasterKey, KIND_DATA, KIND_TREE, sha256Hex } from './crypto.js';
import { openJson, sealJson } from './envelope.js';
import { corrupt, isNotFound } from './errors.js';
import type { MasterIndex } from './master-index.js';
import type { PackedBlob } from './pack.js';

export const INDEX_PREFIX = 'index/';
const DOMAIN = 'index';

export interface IndexedPackRecord {
  readonly id: string;
  readonly size: number;
  readonly blobs: readonly PackedBlob[];
}

type BlobTuple = [BlobKind, string, number, number, number, number];

export function encodeIndexFile(master: MasterKey, packs: readonly IndexedPackRecord[]): { id: string; key: string; bytes: Buffer } {
  const json = {
    version: 1,
    packs: packs.map((p) => ({ id: p.id, size: p.size, blobs: p.blobs.map((b): BlobTuple => [b.kind, b.id, b.offset, b.length, b.rawLength, b.compression]) })),
  };
  const bytes = sealJson(master, DOMAIN, json);
  const id = sha256Hex(bytes);
  return { id, key: INDEX_PREFIX + id, bytes };
}

export function decodeIndexFile(master: MasterKey, bytes: Buffer, fileId: string): IndexedPackRecord[] {
  const what = `Index file ${fileId}`;
  if (sha256Hex(bytes) !== fileId) throw corrupt(`${what} does not match its name (damaged)`, { index: fileId });
  const json = openJson(master, DOMAIN, bytes, what) as { version?: unknown; packs?: unknown };
  if (json.version !== 1 || !Array.isArray(json.packs)) throw corrupt(`${what} has an unknown layout`, { index: fileId });
  const out: IndexedPackRecord[] = [];
  for (const p of json.packs as { id?: unknown; size?: unknown; blobs?: unknown }[]) {
    if (!isHexId(p.id) || typeof p.size !== 'number' || !Array.isArray(p.blobs)) throw corrupt(`${what} lists a malformed pack`, { index: fileId });
    const blobs: PackedBlob[] = [];
    for (const t of p.blobs as unknown[]) {
      if (!Array.isArray(t) || t.length !== 6) throw corrupt(`${what} lists a malformed blob`, { index: fileId });
      const [kind, id, offset, length, rawLength, compression] = t as BlobTuple;
      if ((kind !== KIND_DATA && kind !== KIND_TREE) || !isHexId(id) || !isCount(offset) || !isCount(length) || !isCount(rawLength) || !isCount(compression)) {
        throw corrupt(`${what} lists a malformed blob`, { index: fileId });
      }
      blobs.push({ kind, id, offset, length, rawLength, compression });
    }
    out.push({ id: p.id, size: p.size, blobs });
  }
  return out;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

export async function listIndexFiles(store: BlobStore, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of store.list(INDEX_PREFIX, { signal })) {
    const id = info.key.slice(INDEX_PREFIX.length);
    if (isHexId(id)) ids.push(id);
  }
  return ids;
}

/**
 * Loads every index file the MasterIndex has not seen. Returns the IDs of files it had seen that
 * are gone. An index file deleted between listing and reading (prune) counts as gone.
 */
export async function loadIndexFiles(store: BlobStore, master: MasterKey, index: MasterIndex, options: { signal?: AbortSignal } = {}): Promise<{ loaded: number; vanished: string[] }> {
  const present = await listIndexFiles(store, options.signal);
  const presentSet = new Set(present);
  const vanished = [...index.files.keys()].filter((id) => !presentSet.has(id));
  let loaded = 0;
  for (const id of present) {
    if (index.files.has(id)) continue;
    let bytes: Buffer;
    try {
      bytes = await store.get(INDEX_PREFIX + id, { signal: options.signal });
    } catch (err) {
      if (isNotFound(err)) {
        vanished.push(id);
        continue;
      }
      throw err;
    }
    const packs = decodeIndexFile(master, bytes, id);
    for (const p of packs) index.addPack(p.id, p.size, p.blobs, id);
    index.recordIndexFile(id, packs.map((p) => p.id));
    loaded++;
  }
  return { loaded, vanished };
}
