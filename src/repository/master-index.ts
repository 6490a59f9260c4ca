/**
 * The in-memory index: content ID → pack location, merged from every index file (spec §8), plus
 * the bookkeeping prune and check need (which packs each index file lists, which blobs each pack
 * holds). It grows with the repository; to stay compact the per-blob fields live in typed arrays
 * and the only per-blob object is the hex key string, shared with the per-pack slot lists.
 *
 * Guarantees: `get` returns the first location added for an ID (duplicates are kept for the
 * per-pack listings but never shadow an earlier location); every pack added is listed exactly
 * once. Not here: reading or writing index files (index-file.ts).
 */
import type { BlobKind } from './crypto.js';
import type { PackedBlob } from './pack.js';

export interface BlobLocation {
  readonly packId: string;
  readonly kind: BlobKind;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
  readonly compression: number;
}

export interface IndexedPack {
  readonly id: string;
  readonly size: number;
  /** Slots of this pack's blobs, in pack order. */
  readonly first: number;
  readonly count: number;
  /** The index files that list this pack (a pack may be listed by several). */
  readonly indexFiles: Set<string>;
}

export class MasterIndex {
  private readonly slotById = new Map<string, number>();
  private ids: string[] = [];
  private packOf = new Uint32Array(1024);
  private offsets = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  private rawLengths = new Uint32Array(1024);
  private flags = new Uint8Array(1024);
  private slots = 0;
  private readonly packList: IndexedPack[] = [];
  private readonly packById = new Map<string, number>();
  /** Index file ID → pack IDs it lists. */
  readonly files = new Map<string, string[]>();

  get blobCount(): number {
    return this.slotById.size;
  }

  get packCount(): number {
    return this.packList.length;
  }

  has(id: string): boolean {
    return this.slotById.has(id);
  }

  hasPack(packId: string): boolean {
    return this.packById.has(packId);
  }

  get(id: string): BlobLocation | undefined {
    const slot = this.slotById.get(id);
    return slot === undefined ? undefined : this.location(slot);
  }

  /** Records a pack (once) and, if given, the index file that lists it. */
  addPack(packId: string, size: number, blobs: readonly PackedBlob[], indexFile?: string): void {
    const existing = this.packById.get(packId);
    if (existing !== undefined) {
      if (indexFile) this.packList[existing]?.indexFiles.add(indexFile);
      return;
    }
    const packNo = this.packList.length;
    this.ensure(this.slots + blobs.length);
    const first = this.slots;
    for (const b of blobs) {
      const slot = this.slots++;
      this.ids[slot] = b.id;
      this.packOf[slot] = packNo;
      this.offsets[slot] = b.offset;
      this.lengths[slot] = b.length;
      this.rawLengths[slot] = b.rawLength;
      this.flags[slot] = (b.kind << 4) | b.compression;
      if (!this.slotById.has(b.id)) this.slotById.set(b.id, slot);
    }
    this.packById.set(packId, packNo);
    this.packList.push({ id: packId, size, first, count: blobs.length, indexFiles: new Set(indexFile ? [indexFile] : []) });
  }

  recordIndexFile(fileId: string, packIds: readonly string[]): void {
    this.files.set(fileId, [...packIds]);
    for (const p of packIds) {
      const n = this.packById.get(p);
      if (n !== undefined) this.packList[n]?.indexFiles.add(fileId);
    }
  }

  packs(): readonly IndexedPack[] {
    return this.packList;
  }

  pack(packId: string): IndexedPack | undefined {
    const n = this.packById.get(packId);
    return n === undefined ? undefined : this.packList[n];
  }

  /** The blobs of a pack with their IDs, in pack order. */
  *blobsOf(pack: IndexedPack): Generator<PackedBlob> {
    for (let slot = pack.first; slot < pack.first + pack.count; slot++) {
      const loc = this.location(slot);
      yield { id: this.ids[slot] as string, kind: loc.kind, offset: loc.offset, length: loc.length, rawLength: loc.rawLength, compression: loc.compression };
    }
  }

  private location(slot: number): BlobLocation {
    const flags = this.flags[slot] ?? 0;
    return {
      packId: (this.packList[this.packOf[slot] ?? 0] as IndexedPack).id,
      kind: (flags >> 4) as BlobKind,
      compression: flags & 0x0f,
      offset: this.offsets[slot] ?? 0,
      length: this.lengths[slot] ?? 0,
      rawLength: this.rawLengths[slot] ?? 0,
    };
  }

  private ensure(n: number): void {
    if (n <= this.packOf.length) return;
    let size = this.packOf.length;
    while (size < n) size *= 2;
    const grow = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.packOf = grow(this.packOf, (k) => new Uint32Array(k));
    this.offsets = grow(this.offsets, (k) => new Uint32Array(k));
    this.lengths = grow(this.lengths, (k) => new Uint32Array(k));
    this.rawLengths = grow(this.rawLengths, (k) => new Uint32Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
  }
}
