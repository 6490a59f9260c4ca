/**
 * PackWriter: turns blobs into uploaded packs and index files, in the order the format requires
 * (spec §8, §10): a blob is only announced by an index file after the pack holding it is durably
 * stored, and an index file is written every `indexEveryPacks` packs or `indexEveryMs`, so a
 * crashed run's complete packs are reused by the next run.
 *
 * Guarantees:
 * - A blob whose ID is already indexed, or already in a pack of this writer, is not stored again.
 * - One open pack per kind (data, tree); a pack is closed at `packSizeBytes` and at `flush`.
 * - At most `maxUploadsInFlight` uploads run at once; `add` waits for a slot (bounded memory).
 * - `flush` resolves only when every blob added so far is in an uploaded pack listed by an index
 *   file. `beforeIndexWrite` runs before every index file (the lock check).
 * - The first upload failure is rethrown by the next `add` or `flush`.
 * Not here: what the blobs mean; deduplication against data that is not indexed.
 */
import type { BlobStore } from '../storage/index.js';
import type { Clock } from '../clock.js';
import { compress } from './compression.js';
import { type BlobKind, KIND_TREE, type MasterKey, sealBlob } from './crypto.js';
import { isExists } from './errors.js';
import { encodeIndexFile, type IndexedPackRecord } from './index-file.js';
import type { MasterIndex } from './master-index.js';
import { PackBuilder, packKey } from './pack.js';

export interface PackWriterOptions {
  readonly store: BlobStore;
  readonly master: MasterKey;
  readonly index: MasterIndex;
  readonly clock: Clock;
  readonly packSizeBytes: number;
  readonly indexEveryPacks: number;
  readonly indexEveryMs: number;
  readonly maxUploadsInFlight?: number;
  readonly signal?: AbortSignal;
  readonly beforeIndexWrite?: () => Promise<void>;
}

export interface PackWriterStats {
  /** New blobs stored (both kinds) and their stored (encrypted) bytes. */
  blobsAdded: number;
  bytesAdded: number;
  /** The same for tree blobs only. */
  treeBlobsAdded: number;
  treeBytesAdded: number;
  /** Plaintext bytes of the new blobs. */
  rawBytesAdded: number;
  packsWritten: number;
  packBytesWritten: number;
  indexFilesWritten: number;
}

export interface AddResult {
  readonly id: string;
  /** False when the blob was already stored (dedup). */
  readonly added: boolean;
  /** Stored (encrypted) bytes this call added; 0 on dedup. */
  readonly storedBytes: number;
}

export class PackWriter {
  readonly stats: PackWriterStats = { blobsAdded: 0, bytesAdded: 0, treeBlobsAdded: 0, treeBytesAdded: 0, rawBytesAdded: 0, packsWritten: 0, packBytesWritten: 0, indexFilesWritten: 0 };
  private readonly open: [PackBuilder, PackBuilder] = [new PackBuilder(), new PackBuilder()];
  private readonly pending = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private unindexed: IndexedPackRecord[] = [];
  private lastIndexAtMs: number;
  private indexChain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(private readonly options: PackWriterOptions) {
    this.lastIndexAtMs = options.clock.now();
  }

  /** Whether a blob is already stored or queued in this writer. */
  has(id: string): boolean {
    return this.options.index.has(id) || this.pending.has(id);
  }

  async add(kind: BlobKind, plaintext: Buffer, knownId?: string): Promise<AddResult> {
    this.throwIfFailed();
    const id = knownId ?? this.options.master.contentId(plaintext).toString('hex');
    if (this.has(id)) return { id, added: false, storedBytes: 0 };
    const packed = compress(plaintext);
    const sealed = sealBlob(this.options.master, kind, packed.compression, Buffer.from(id, 'hex'), packed.data);
    await this.append(kind, id, packed.compression, plaintext.length, sealed);
    return { id, added: true, storedBytes: sealed.length };
  }

  /**
   * Appends a blob that is already sealed (prune's repack: copied as is, after verification),
   * even if the ID is indexed elsewhere; only a copy queued in this writer is skipped.
   */
  async addSealed(kind: BlobKind, id: string, compression: number, rawLength: number, sealed: Buffer): Promise<void> {
    this.throwIfFailed();
    if (this.pending.has(id)) return;
    await this.append(kind, id, compression, rawLength, sealed);
  }

  private async append(kind: BlobKind, id: string, compression: number, rawLength: number, sealed: Buffer): Promise<void> {
    const builder = this.open[kind];
    builder.add(kind, id, compression, rawLength, sealed);
    this.pending.add(id);
    this.stats.blobsAdded++;
    this.stats.bytesAdded += sealed.length;
    this.stats.rawBytesAdded += rawLength;
    if (kind === KIND_TREE) {
      this.stats.treeBlobsAdded++;
      this.stats.treeBytesAdded += sealed.length;
    }
    if (builder.size >= this.options.packSizeBytes) await this.closePack(kind);
  }

  /**
   * Uploads every open pack and writes an index file for every pack not yet in one — unless
   * `writeIndex` is false (prune writes its own index covering old and new packs).
   */
  async flush(options: { writeIndex?: boolean } = {}): Promise<void> {
    await this.closePack(0);
    await this.closePack(1);
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    if (options.writeIndex !== false) await this.queueIndexWrite();
  }

  /** Waits for uploads in flight and drops open packs; for abort paths. Never throws. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await this.indexChain.catch(() => undefined);
    this.open[0] = new PackBuilder();
    this.open[1] = new PackBuilder();
    this.pending.clear();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async closePack(kind: BlobKind): Promise<void> {
    const builder = this.open[kind];
    if (builder.count === 0) return;
    this.open[kind] = new PackBuilder();
    const task = this.upload(builder).catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
    while (this.inFlight.size >= (this.options.maxUploadsInFlight ?? 2)) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private async upload(builder: PackBuilder): Promise<void> {
    const { id, bytes, blobs } = builder.finish(this.options.master);
    try {
      await this.options.store.put(packKey(id), bytes, { ifNotExists: true, signal: this.options.signal });
    } catch (err) {
      // Same name, same bytes: a pack with identical content is already stored.
      if (!isExists(err)) throw err;
    }
    this.options.index.addPack(id, bytes.length, blobs);
    for (const b of blobs) this.pending.delete(b.id);
    this.unindexed.push({ id, size: bytes.length, blobs });
    this.stats.packsWritten++;
    this.stats.packBytesWritten += bytes.length;
    const due = this.unindexed.length >= this.options.indexEveryPacks || this.options.clock.now() - this.lastIndexAtMs >= this.options.indexEveryMs;
    if (due) await this.queueIndexWrite();
  }

  /** Index writes are serialised so that two never announce the same packs. */
  private queueIndexWrite(): Promise<void> {
    const run = this.indexChain.then(() => this.writeIndex());
    this.indexChain = run.catch(() => undefined);
    return run;
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    await this.options.beforeIndexWrite?.();
    const packs = this.unindexed;
    this.unindexed = [];
    const file = encodeIndexFile(this.options.master, packs);
    try {
      await this.options.store.put(file.key, file.bytes, { ifNotExists: true, signal: this.options.signal });
    } catch (err) {
      if (!isExists(err)) {
        this.unindexed = [...packs, ...this.unindexed];
        throw err;
      }
    }
    this.options.index.recordIndexFile(file.id, packs.map((p) => p.id));
    this.lastIndexAtMs = this.options.clock.now();
    this.stats.indexFilesWritten++;
  }
}
