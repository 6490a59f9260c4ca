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
