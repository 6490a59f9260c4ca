/**
 * `check` (spec §14.1): verifies the repository's structure and, with `readData`, every byte of
 * every pack; names each damaged blob with the snapshots and items that depend on it.
 *
 * Guarantees:
 * - Reads the store afresh (its own index and tree loader), so it reports what is stored, not what
 *   an open repository has cached.
 * - Never stops at the first problem: every damaged object is reported once, with what depends on it.
 * - `ok` is false iff there is at least one error; warnings (unindexed packs, stale locks) are
 *   not damage.
 * - Read-only: check writes nothing (the caller holds a shared lock so prune cannot run meanwhile).
 */
import { TenantVaultError } from '../errors/index.js';
import type { BlobStore } from '../storage/index.js';
import { BlobReader } from './blob-reader.js';
import { type MasterKey, sha256Hex } from './crypto.js';
import { isDamage, throwIfAborted } from './errors.js';
import { decodeIndexFile, INDEX_PREFIX, listIndexFiles } from './index-file.js';
import { parseKeyFile } from './keys.js';
import type { LockManager } from './locks.js';
import { MasterIndex } from './master-index.js';
import { packKey, readPackHeader } from './pack.js';
import { decodeSnapshot, SNAPSHOT_PREFIX, type SnapshotInfo } from './snapshot-file.js';
import { entryBlobs, TreeLoader } from './tree.js';
import { type TreeLevel, walkLive } from './walk.js';

export type CheckErrorKind =
  | 'key-damaged' | 'index-damaged' | 'snapshot-damaged'
  | 'pack-missing' | 'pack-size' | 'pack-hash' | 'pack-header'
  | 'blob-damaged' | 'blob-missing' | 'tree-damaged';

export interface AffectedItem {
  readonly type: string;
  readonly id: string;
  /** Snapshots in which this item depends on the damaged data. */
  readonly snapshots: string[];
}

export interface CheckError {
  readonly kind: CheckErrorKind;
  readonly message: string;
  readonly pack?: string;
  readonly blob?: string;
  readonly file?: string;
  /** Every snapshot affected. */
  readonly snapshots: string[];
  /** Items whose document or stream depends on the damaged data. */
  readonly items: AffectedItem[];
  /** For damaged tree blobs: where the items below it can no longer be listed. */
  readonly unknown: { snapshot: string; type?: string; level: TreeLevel }[];
}

export interface CheckWarning {
  readonly kind: 'pack-unindexed' | 'lock-stale';
  readonly message: string;
  readonly pack?: string;
  readonly lock?: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly readData: boolean;
  readonly errors: CheckError[];
  readonly warnings: CheckWarning[];
  readonly stats: { snapshots: number; indexFiles: number; packs: number; blobs: number; treeBlobs: number; bytesRead: number };
}

export interface CheckProgress {
  readonly phase: 'index' | 'packs' | 'read-data' | 'snapshots' | 'trees' | 'entries';
  readonly done: number;
  readonly total: number;
}

export interface CheckOptions {
  readonly readData?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CheckProgress) => void;
}

function newError(kind: CheckErrorKind, message: string, ids: { pack?: string; blob?: string; file?: string } = {}): CheckError {
  return { kind, message, ...ids, snapshots: [], items: [], unknown: [] };
}

function addSnapshot(err: CheckError, snapshot: string): void {
  if (!err.snapshots.includes(snapshot)) err.snapshots.push(snapshot);
}

export async function checkRepository(store: BlobStore, master: MasterKey, locks: LockManager, options: CheckOptions = {}): Promise<CheckReport> {
  const { signal, onProgress } = options;
  const errors: CheckError[] = [];
  const warnings: CheckWarning[] = [];
  let bytesRead = 0;

  // Keys: each must at least parse (a damaged key file can no longer open the repository).
  for await (const info of store.list('keys/', { signal })) {
    const id = info.key.slice('keys/'.length);
    try {
      const bytes = await store.get(info.key, { signal });
      if (sha256Hex(bytes) !== id) throw new TenantVaultError('REPO_CORRUPT', `Key file ${id} does not match its name`);
      parseKeyFile(bytes, id);
    } catch (err) {
      if (!isDamage(err)) throw err;
      errors.push(newError('key-damaged', (err as Error).message, { file: info.key }));
    }
  }

  // Index files, loaded afresh; a damaged one is reported and skipped.
  const index = new MasterIndex();
  const indexFiles = await listIndexFiles(store, signal);
  let done = 0;
  for (const id of indexFiles) {
    try {
      const bytes = await store.get(INDEX_PREFIX + id, { signal });
      bytesRead += bytes.length;
      const packs = decodeIndexFile(master, bytes, id);
      for (const p of packs) index.addPack(p.id, p.size, p.blobs, id);
      index.recordIndexFile(id, packs.map((p) => p.id));
    } catch (err) {
      if (!isDamage(err)) throw err;
      errors.push(newError('index-damaged', `Index file ${id} is unreadable: ${(err as Error).message}`, { file: INDEX_PREFIX + id }));
    }
    onProgress?.({ phase: 'index', done: ++done, total: indexFiles.length });
  }

  // Packs: every indexed pack must exist with its recorded size.
  const stored = new Map<string, number>();
  for await (const info of store.list('data/', { signal })) stored.set(info.key.slice(info.key.lastIndexOf('/') + 1), info.size);
  /** Damaged or missing data blob → the error its dependents are attached to. */
  const damaged = new Map<string, CheckError>();
  const markPack = (err: CheckError, packId: string): void => {
    const pack = index.pack(packId);
    if (pack) for (const b of index.blobsOf(pack)) if (!damaged.has(b.id)) damaged.set(b.id, err);
  };
  const readable: string[] = [];
  for (const pack of index.packs()) {
    const size = stored.get(pack.id);
    if (size === undefined) {
      const err = newError('pack-missing', `Pack ${pack.id} is listed in the index but missing from storage (${pack.count} blobs)`, { pack: pack.id });
      errors.push(err);
      markPack(err, pack.id);
    } else if (size !== pack.size && !options.readData) {
      const err = newError('pack-size', `Pack ${pack.id} has ${size} bytes, the index says ${pack.size}`, { pack: pack.id });
      errors.push(err);
      markPack(err, pack.id);
    } else readable.push(pack.id);
  }
  onProgress?.({ phase: 'packs', done: index.packCount, total: index.packCount });
  for (const [id] of stored) {
    if (!index.hasPack(id)) warnings.push({ kind: 'pack-unindexed', pack: id, message: `Pack ${id} is in no index (left by an interrupted run; prune removes it)` });
  }

  const reader = new BlobReader(store, master, index);
  if (options.readData) {
    done = 0;
    for (const packId of readable) {
      throwIfAborted(signal);
      const pack = index.pack(packId);
      if (!pack) continue;
      const bytes = await store.get(packKey(packId), { signal });
      bytesRead += bytes.length;
      let damagedHere = 0;
      for (const b of index.blobsOf(pack)) {
        try {
          if (b.offset + b.length > bytes.length) throw new TenantVaultError('REPO_CORRUPT', `Blob ${b.id} lies beyond the end of pack ${packId}`);
          reader.decode(b.id, { ...b, packId }, bytes.subarray(b.offset, b.offset + b.length));
        } catch (err) {
          if (!isDamage(err)) throw err;
          damagedHere++;
          const e = newError('blob-damaged', `Blob ${b.id} in pack ${packId} is damaged: ${(err as Error).message}`, { pack: packId, blob: b.id });
          errors.push(e);
          if (!damaged.has(b.id)) damaged.set(b.id, e);
        }
      }
      if (bytes.length !== pack.size) errors.push(newError('pack-size', `Pack ${packId} has ${bytes.length} bytes, the index says ${pack.size}`, { pack: packId }));
      else if (damagedHere === 0 && sha256Hex(bytes) !== packId) {
        errors.push(newError('pack-hash', `Pack ${packId} does not match its name, but every indexed blob in it reads correctly (the damage is in its header)`, { pack: packId }));
      }
      try {
        const header = readPackHeader(master, bytes, packId);
        const byId = new Map(header.map((h) => [h.id, h]));
        for (const b of index.blobsOf(pack)) {
          const h = byId.get(b.id);
          if (!h || h.offset !== b.offset || h.length !== b.length || h.kind !== b.kind) throw new TenantVaultError('REPO_CORRUPT', `The header of pack ${packId} disagrees with the index about blob ${b.id}`);
        }
      } catch (err) {
        if (!isDamage(err)) throw err;
        if (damagedHere === 0) errors.push(newError('pack-header', (err as Error).message, { pack: packId }));
      }
      onProgress?.({ phase: 'read-data', done: ++done, total: readable.length });
    }
  }

  // Snapshots.
  const snapshots: SnapshotInfo[] = [];
  for await (const info of store.list(SNAPSHOT_PREFIX, { signal })) {
    const id = info.key.slice(SNAPSHOT_PREFIX.length);
    try {
      snapshots.push(decodeSnapshot(master, await store.get(info.key, { signal }), id));
    } catch (err) {
      if (!isDamage(err)) throw err;
      errors.push(newError('snapshot-damaged', `Snapshot file ${id} is unreadable: ${(err as Error).message}`, { file: info.key }));
    }
  }
  snapshots.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  onProgress?.({ phase: 'snapshots', done: snapshots.length, total: snapshots.length });

  // Trees: every reachable tree blob, and every live entry with the snapshots it is live in.
  const loader = new TreeLoader(reader, master.shardKey);
  const treeErrors = new Map<string, CheckError>();
  let treeBlobs = 0;
  await walkLive(loader, snapshots, {
    onTree: () => {
      treeBlobs++;
    },
    onLive: (type, row, live) => {
      for (const ref of entryBlobs(row.tuple)) {
        let err = damaged.get(ref);
        if (!err && !index.has(ref)) {
          err = newError('blob-missing', `Blob ${ref} is referenced but in no index`, { blob: ref });
          errors.push(err);
          damaged.set(ref, err);
        }
        if (!err) continue;
        for (const s of live) addSnapshot(err, s);
        const item = err.items.find((i) => i.type === type && i.id === row.id);
        if (item) {
          for (const s of live) if (!item.snapshots.includes(s)) item.snapshots.push(s);
        } else err.items.push({ type, id: row.id, snapshots: [...live] });
      }
    },
    onTreeError: (err, where) => {
      let e = treeErrors.get(where.blob) ?? damaged.get(where.blob);
      if (!e) {
        e = newError('tree-damaged', `Tree blob ${where.blob} (${where.level}) is unreadable: ${(err as Error).message}`, { blob: where.blob });
        errors.push(e);
      }
      treeErrors.set(where.blob, e);
      addSnapshot(e, where.snapshot);
      e.unknown.push({ snapshot: where.snapshot, level: where.level, ...(where.type === undefined ? {} : { type: where.type }) });
    },
    onProgress: (phase, n, total) => onProgress?.({ phase: phase === 'nodes' ? 'trees' : 'entries', done: n, total }),
  }, signal);

  for (const lock of await locks.list({ signal })) {
    if (lock.stale) warnings.push({ kind: 'lock-stale', lock: lock.id, message: `Stale lock ${lock.id} (${lock.staleReason}) of pid ${lock.pid} on ${lock.hostname}; remove it with unlock` });
  }

  return { ok: errors.length === 0, readData: options.readData === true, errors, warnings, stats: { snapshots: snapshots.length, indexFiles: indexFiles.length, packs: index.packCount, blobs: index.blobCount, treeBlobs, bytesRead } };
}
