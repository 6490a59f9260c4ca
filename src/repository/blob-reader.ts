/**
 * Reading single blobs: index lookup, ranged `get` of the blob's bytes in its pack, decryption
 * with the blob's context as associated data, decompression, and recomputation of the content ID.
 *
 * Guarantees: `read` returns exactly the plaintext whose keyed ID is `id`, or throws REPO_CORRUPT
 * naming the blob and pack (not indexed, wrong kind, fails authentication, wrong length, wrong ID).
 * Storage errors pass through unchanged (retriable ones stay retriable).
 */
import type { BlobStore } from '../storage/index.js';
import { decompress } from './compression.js';
import { type BlobKind, type MasterKey, kindName, openBlob } from './crypto.js';
import { corrupt } from './errors.js';
import type { BlobLocation, MasterIndex } from './master-index.js';
import { packKey } from './pack.js';

/** Bytes between two blobs that `readMany` reads through rather than splitting the read. */
const READ_GAP = 64 * 1024;
/** Longest single read of `readMany`. */
const READ_RUN = 4 * 1024 * 1024;

export class BlobReader {
  constructor(
    private readonly store: BlobStore,
    private readonly master: MasterKey,
    private readonly index: MasterIndex,
  ) {}

  async read(id: string, kind: BlobKind, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    const loc = this.index.get(id);
    if (!loc) throw corrupt(`${kindName(kind)} blob ${id} is not in the index`, { blob: id });
    if (loc.kind !== kind) throw corrupt(`Blob ${id} is indexed as ${kindName(loc.kind)}, expected ${kindName(kind)}`, { blob: id, pack: loc.packId });
    const sealed = await this.store.get(packKey(loc.packId), { signal: options.signal, range: { offset: loc.offset, length: loc.length } });
    return this.decode(id, loc, sealed);
  }

  /**
   * Reads several blobs of one kind, each run of blobs that lie close together in a pack with one
   * ranged `get` (a gap of at most READ_GAP bytes, a run of at most READ_RUN): the leaves of a
   * base are written one after another, so a stream over them costs a few reads, not one per
   * leaf. Results are in the order of `ids`; the same guarantees as `read` for each.
   */
  async readMany(ids: readonly string[], kind: BlobKind, options: { signal?: AbortSignal } = {}): Promise<Buffer[]> {
    const wanted = ids.map((id, i) => {
      const loc = this.index.get(id);
      if (!loc) throw corrupt(`${kindName(kind)} blob ${id} is not in the index`, { blob: id });
      if (loc.kind !== kind) throw corrupt(`Blob ${id} is indexed as ${kindName(loc.kind)}, expected ${kindName(kind)}`, { blob: id, pack: loc.packId });
      return { id, i, loc };
    });
    wanted.sort((a, b) => (a.loc.packId < b.loc.packId ? -1 : a.loc.packId > b.loc.packId ? 1 : a.loc.offset - b.loc.offset));
    const out: Buffer[] = new Array<Buffer>(ids.length);
    for (let start = 0; start < wanted.length;) {
      const first = wanted[start] as (typeof wanted)[number];
      let end = start + 1;
      let runEnd = first.loc.offset + first.loc.length;
      for (; end < wanted.length; end++) {
        const next = (wanted[end] as (typeof wanted)[number]).loc;
        if (next.packId !== first.loc.packId || next.offset - runEnd > READ_GAP || next.offset + next.length - first.loc.offset > READ_RUN) break;
        runEnd = Math.max(runEnd, next.offset + next.length);
      }
      const bytes = await this.store.get(packKey(first.loc.packId), { signal: options.signal, range: { offset: first.loc.offset, length: runEnd - first.loc.offset } });
      for (let k = start; k < end; k++) {
        const w = wanted[k] as (typeof wanted)[number];
        const at = w.loc.offset - first.loc.offset;
        out[w.i] = this.decode(w.id, w.loc, bytes.subarray(at, at + w.loc.length));
      }
      start = end;
    }
    return out;
  }

  /** Decrypts, decompresses and verifies one blob's bytes as cut from its pack. */
  decode(id: string, loc: Omit<BlobLocation, 'offset'>, sealed: Buffer): Buffer {
    const details = { blob: id, pack: loc.packId };
    const idBytes = Buffer.from(id, 'hex');
    let plain: Buffer;
    try {
      plain = decompress(loc.compression, openBlob(this.master, loc.kind, loc.compression, idBytes, sealed), loc.rawLength, `Blob ${id}`);
    } catch (err) {
      throw corrupt(`Blob ${id} in pack ${loc.packId} is damaged: ${(err as Error).message}`, details, err);
    }
    if (!this.master.contentId(plain).equals(idBytes)) throw corrupt(`Blob ${id} in pack ${loc.packId} does not match its ID`, details);
    return plain;
  }
}
