/**
 * Prune (spec §14.3), plan then execute (habit 6): find what no snapshot references, delete packs
 * that hold only unused blobs, repack packs that are partly used, and rewrite the index.
 *
 * Guarantees:
 * - The plan is made and executed under one exclusive lock, so no writer can start deduplicating
 *   against a blob the plan is about to delete.
 * - Execution order is new packs → new index files → delete old index files → delete old packs;
 *   a crash at any step leaves a repository in which every snapshot reads fully (at worst with
 *   duplicate index entries or unindexed packs, both removed by the next prune).
 * - Every blob that is copied is verified (decrypted, ID recomputed) first; a damaged used blob
 *   stops the prune with REPO_CORRUPT instead of spreading the damage.
 * - A used blob whose only pack is missing stops the plan with REPO_CORRUPT: run check first.
 * The margins live in PRUNE_SAFETY and nowhere else.
 */
import type { BlobStore } from '../storage/index.js';
import { BlobReader } from './blob-reader.js';
import type { Clock } from '../clock.js';
import { corrupt } from './errors.js';
import { encodeIndexFile, INDEX_PREFIX, type IndexedPackRecord, loadIndexFiles } from './index-file.js';
import type { HeldLock } from './locks.js';
import { type MasterKey } from './crypto.js';
import { MasterIndex } from './master-index.js';
import { packKey } from './pack.js';
import { PackWriter } from './pack-writer.js';
import type { SnapshotInfo } from './snapshot-file.js';
import { entryBlobs, TreeLoader } from './tree.js';
import { walkLive } from './walk.js';

export const PRUNE_SAFETY = {
  /** Repack a partly used pack once more than this fraction of its bytes is unused. */
  repackUnusedFraction: 0.1,
  /** Packs listed in no index are deleted (safe: the exclusive lock excludes running writers). */
  deleteUnindexedPacks: true,
  /** Refuse to prune while a used blob exists only in a missing pack. */
  refuseOnMissingUsedBlobs: true,
  /** Packs per rewritten index file. */
  packsPerIndexFile: 256,
} as const;

export interface PrunePlan {
  readonly snapshots: number;
  readonly blobs: { readonly used: number; readonly unused: number; readonly duplicates: number };
  readonly packs: { readonly total: number; readonly keep: number; readonly repack: number; readonly delete: number; readonly unindexed: number; readonly missing: number };
  readonly bytes: { readonly total: number; readonly unused: number; readonly delete: number; readonly repack: number; readonly repackKeep: number; readonly after: number };
  /** Packs to delete outright: unused, and unindexed. */
  readonly deletePacks: readonly string[];
  /** Partly used packs whose used blobs are copied into new packs before deletion. */
  readonly repackPacks: readonly string[];
  /** Index entries of packs that no longer exist, dropped by the new index. */
  readonly missingPacks: readonly string[];
  /** Index files replaced by the new index. */
  readonly indexFiles: readonly string[];
  /** Whether executing would change anything. */
  readonly empty: boolean;
}

export interface PruneResult {
  readonly packsDeleted: number;
  readonly packsWritten: number;
  readonly indexFilesDeleted: number;
  readonly indexFilesWritten: number;
  readonly bytesDeleted: number;
  readonly bytesWritten: number;
}

export interface PruneProgress {
  readonly phase: 'repack' | 'index' | 'delete-index' | 'delete-packs';
  readonly done: number;
  readonly total: number;
}

/** What the plan needs at execution but does not show. */
export interface PlanState {
  readonly lock: HeldLock;
  readonly index: MasterIndex;
  /** For each pack to repack, the IDs of the blobs to copy out of it. */
  readonly copy: Map<string, string[]>;
  /** Stored size of every pack on storage, indexed or not. */
  readonly sizes: Map<string, number>;
}

export interface PruneDeps {
  readonly store: BlobStore;
  readonly master: MasterKey;
  readonly clock: Clock;
  readonly packSizeBytes: number;
}

export async function planPrune(deps: PruneDeps, lock: HeldLock, snapshots: readonly SnapshotInfo[], signal?: AbortSignal): Promise<{ plan: PrunePlan; state: PlanState }> {
  const { store, master } = deps;
  const index = new MasterIndex();
  await loadIndexFiles(store, master, index, { signal });

  const used = new Set<string>();
  const loader = new TreeLoader(new BlobReader(store, master, index), master.shardKey);
  await walkLive(loader, snapshots, {
    onTree: (id) => used.add(id),
    onLive: (_type, row) => {
      for (const ref of entryBlobs(row.tuple)) used.add(ref);
    },
    onTreeError: (err) => {
      throw corrupt(`Prune cannot read every snapshot's trees: ${(err as Error).message}`, {}, err);
    },
  }, signal);

  const stored = new Map<string, number>();
  for await (const info of store.list('data/', { signal })) stored.set(info.key.slice(info.key.lastIndexOf('/') + 1), info.size);

  const packs = index.packs();
  const missing = packs.filter((p) => !stored.has(p.id)).map((p) => p.id);
  const present = packs.filter((p) => stored.has(p.id));
  const kept = new Set<string>();
  const keepPacks: string[] = [];
  const deletePacks: string[] = [];
  const repackPacks: string[] = [];
  const copy = new Map<string, string[]>();
  let total = 0;
  let unusedBytes = 0;
  let deleteBytes = 0;
  let repackBytes = 0;
  let repackKeep = 0;
  let duplicates = 0;
  let unusedBlobs = 0;

  // Pass 1: packs whose blobs are all used are kept as they are, and their blobs count as kept.
  const rest = [];
  for (const pack of present) {
    total += pack.size;
    const blobs = [...index.blobsOf(pack)];
    if (blobs.every((b) => used.has(b.id) && !kept.has(b.id))) {
      for (const b of blobs) kept.add(b.id);
      keepPacks.push(pack.id);
    } else rest.push({ pack, blobs });
  }
  // Pass 2: the others hold unused or duplicate blobs; keep, repack or delete.
  for (const { pack, blobs } of rest) {
    const needed = blobs.filter((b) => used.has(b.id) && !kept.has(b.id));
    for (const b of blobs) {
      if (!used.has(b.id)) unusedBlobs++;
      else if (kept.has(b.id)) duplicates++;
    }
    const neededBytes = needed.reduce((n, b) => n + b.length, 0);
    const waste = pack.size - neededBytes;
    unusedBytes += waste;
    for (const b of needed) kept.add(b.id);
    if (needed.length === 0) {
      deletePacks.push(pack.id);
      deleteBytes += pack.size;
    } else if (waste / pack.size > PRUNE_SAFETY.repackUnusedFraction) {
      repackPacks.push(pack.id);
      copy.set(pack.id, needed.map((b) => b.id));
      repackBytes += pack.size;
      repackKeep += neededBytes;
    } else keepPacks.push(pack.id);
  }

  const lost = [...used].filter((id) => !kept.has(id));
  if (lost.length > 0 && PRUNE_SAFETY.refuseOnMissingUsedBlobs) {
    throw corrupt(`${lost.length} blobs that snapshots use are not in any existing pack (first: ${lost[0]}); prune would make that permanent`, { blobs: lost.slice(0, 20) });
  }

  const unindexed = [...stored.keys()].filter((id) => !index.hasPack(id));
  if (PRUNE_SAFETY.deleteUnindexedPacks) {
    for (const id of unindexed) {
      deletePacks.push(id);
      deleteBytes += stored.get(id) ?? 0;
      total += stored.get(id) ?? 0;
    }
  }

  const indexFiles = [...index.files.keys()];
  const changes = deletePacks.length + repackPacks.length + missing.length;
  const plan: PrunePlan = {
    snapshots: snapshots.length,
    blobs: { used: used.size, unused: unusedBlobs, duplicates },
    packs: { total: present.length + unindexed.length, keep: keepPacks.length, repack: repackPacks.length, delete: deletePacks.length, unindexed: unindexed.length, missing: missing.length },
    bytes: { total, unused: unusedBytes, delete: deleteBytes, repack: repackBytes, repackKeep, after: total - deleteBytes - repackBytes + repackKeep },
    deletePacks, repackPacks, missingPacks: missing, indexFiles,
    // Several index files are consolidated even when no pack changes.
    empty: changes === 0 && indexFiles.length <= 1,
  };
  return { plan, state: { lock, index, copy, sizes: stored } };
}

export async function executePrune(deps: PruneDeps, plan: PrunePlan, state: PlanState, options: { signal?: AbortSignal; onProgress?: (p: PruneProgress) => void } = {}): Promise<PruneResult> {
  const { store, master } = deps;
  const { signal, onProgress } = options;
  const { index, lock } = state;
  const reader = new BlobReader(store, master, index);
  const result = { packsDeleted: 0, packsWritten: 0, indexFilesDeleted: 0, indexFilesWritten: 0, bytesDeleted: 0, bytesWritten: 0 };
  if (plan.empty) return result;

  // (a) Copy the used blobs of partly used packs into new packs, each verified first.
  const fresh = new MasterIndex();
  const writer = new PackWriter({
    store, master, index: fresh, clock: deps.clock, packSizeBytes: deps.packSizeBytes, signal,
    // The new packs are indexed in step (b), together with the kept ones.
    indexEveryPacks: Number.POSITIVE_INFINITY, indexEveryMs: Number.POSITIVE_INFINITY,
    beforeIndexWrite: () => lock.assertHeld(signal),
  });
  let done = 0;
  for (const packId of plan.repackPacks) {
    const bytes = await store.get(packKey(packId), { signal });
    for (const id of state.copy.get(packId) ?? []) {
      const loc = index.get(id);
      const own = loc && loc.packId === packId ? loc : [...index.blobsOf(index.pack(packId) as NonNullable<ReturnType<MasterIndex['pack']>>)].find((b) => b.id === id);
      if (!own) throw corrupt(`Blob ${id} is not in pack ${packId} as planned`, { blob: id, pack: packId });
      const sealed = bytes.subarray(own.offset, own.offset + own.length);
      reader.decode(id, { ...own, packId }, sealed);
      await writer.addSealed(own.kind, id, own.compression, own.rawLength, Buffer.from(sealed));
    }
    onProgress?.({ phase: 'repack', done: ++done, total: plan.repackPacks.length });
  }
  await writer.flush({ writeIndex: false });
  result.packsWritten = writer.stats.packsWritten;
  result.bytesWritten += writer.stats.packBytesWritten;

  // (b) New index files: every kept pack, plus the new ones.
  const gone = new Set([...plan.deletePacks, ...plan.repackPacks, ...plan.missingPacks]);
  const records: IndexedPackRecord[] = [];
  for (const pack of index.packs()) if (!gone.has(pack.id)) records.push({ id: pack.id, size: pack.size, blobs: [...index.blobsOf(pack)] });
  for (const pack of fresh.packs()) records.push({ id: pack.id, size: pack.size, blobs: [...fresh.blobsOf(pack)] });
  for (let i = 0; i < records.length; i += PRUNE_SAFETY.packsPerIndexFile) {
    await lock.assertHeld(signal);
    const file = encodeIndexFile(master, records.slice(i, i + PRUNE_SAFETY.packsPerIndexFile));
    await store.put(file.key, file.bytes, { ifNotExists: true, signal });
    result.indexFilesWritten++;
    result.bytesWritten += file.bytes.length;
    onProgress?.({ phase: 'index', done: Math.min(i + PRUNE_SAFETY.packsPerIndexFile, records.length), total: records.length });
  }

  // (c) Old index files, then (d) old packs.
  done = 0;
  for (const id of plan.indexFiles) {
    await store.delete(INDEX_PREFIX + id, { signal });
    result.indexFilesDeleted++;
    onProgress?.({ phase: 'delete-index', done: ++done, total: plan.indexFiles.length });
  }
  done = 0;
  const doomed = [...plan.deletePacks, ...plan.repackPacks];
  for (const id of doomed) {
    await lock.assertHeld(signal);
    const size = state.sizes.get(id) ?? 0;
    await store.delete(packKey(id), { signal });
    result.packsDeleted++;
    result.bytesDeleted += size;
    onProgress?.({ phase: 'delete-packs', done: ++done, total: doomed.length });
  }
  return result;
}
