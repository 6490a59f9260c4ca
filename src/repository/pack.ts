/**
 * Pack files (spec §7): encrypted blobs back to back, then an encrypted header listing them, then
 * the header's length. A pack's storage name is the SHA-256 of its bytes.
 *
 * Guarantees: `PackBuilder.finish` produces exactly the bytes whose blobs it reports, offsets
 * included; `readPackHeader` authenticates the header and checks that the blobs it lists tile the
 * pack exactly, so a header from another pack or a truncated pack is REPO_CORRUPT.
 * Not here: uploading (pack-writer.ts) or decrypting individual blobs (crypto.ts / blob-reader.ts).
 */
import { ID_BYTES, type BlobKind, type MasterKey, KIND_DATA, KIND_TREE, sha256Hex } from './crypto.js';
import { openBytes, sealBytes } from './envelope.js';
import { corrupt } from './errors.js';

export interface PackedBlob {
  readonly kind: BlobKind;
  /** Hex content ID. */
  readonly id: string;
  readonly offset: number;
  /** Encrypted bytes in the pack. */
  readonly length: number;
  /** Plaintext bytes before compression. */
  readonly rawLength: number;
  readonly compression: number;
}

const HEADER_VERSION = 1;
const ENTRY_BYTES = 2 + 4 + 4 + ID_BYTES;
const HEADER_DOMAIN = 'pack-header';

export function packKey(packId: string): string {
  return `data/${packId.slice(0, 2)}/${packId}`;
}

export class PackBuilder {
  /**
   * Blobs are copied into one growing buffer rather than kept as parts and concatenated at the
   * end: the parts and the 16 MiB copy would both be alive at once, and dead buffers outside the
   * V8 heap are what drives a writer's resident memory up.
   */
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private readonly blobs: PackedBlob[] = [];
  private bytes = 0;

  get size(): number {
    return this.bytes;
  }

  get count(): number {
    return this.blobs.length;
  }

  add(kind: BlobKind, id: string, compression: number, rawLength: number, sealed: Buffer): void {
    this.blobs.push({ kind, id, offset: this.bytes, length: sealed.length, rawLength, compression });
    this.reserve(sealed.length);
    sealed.copy(this.buf, this.bytes);
    this.bytes += sealed.length;
  }

  private reserve(extra: number): void {
    if (this.bytes + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.bytes + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.bytes);
    this.buf = grown;
  }

  finish(master: MasterKey): { id: string; bytes: Buffer; blobs: readonly PackedBlob[] } {
    const plain = Buffer.allocUnsafe(1 + this.blobs.length * ENTRY_BYTES);
    plain[0] = HEADER_VERSION;
    let at = 1;
    for (const b of this.blobs) {
      plain[at] = b.kind;
      plain[at + 1] = b.compression;
      plain.writeUInt32LE(b.length, at + 2);
      plain.writeUInt32LE(b.rawLength, at + 6);
      plain.write(b.id, at + 10, 'hex');
      at += ENTRY_BYTES;
    }
    const header = sealBytes(master, HEADER_DOMAIN, plain, { compress: false });
    this.reserve(header.length + 4);
    header.copy(this.buf, this.bytes);
    this.buf.writeUInt32LE(header.length, this.bytes + header.length);
    const bytes = this.buf.subarray(0, this.bytes + header.length + 4);
    return { id: sha256Hex(bytes), bytes, blobs: this.blobs };
  }
}

/** The blobs a whole pack holds, from its own header. */
export function readPackHeader(master: MasterKey, pack: Buffer, packId: string): PackedBlob[] {
  if (pack.length < 4) throw corrupt(`Pack ${packId} is truncated`, { pack: packId });
  const headerLength = pack.readUInt32LE(pack.length - 4);
  const headerStart = pack.length - 4 - headerLength;
  if (headerStart < 0) throw corrupt(`Pack ${packId} has an impossible header length`, { pack: packId });
  const plain = openBytes(master, HEADER_DOMAIN, pack.subarray(headerStart, pack.length - 4), `The header of pack ${packId}`);
  if (plain[0] !== HEADER_VERSION || (plain.length - 1) % ENTRY_BYTES !== 0) {
    throw corrupt(`The header of pack ${packId} has an unknown layout`, { pack: packId });
  }
  const blobs: PackedBlob[] = [];
  let offset = 0;
  for (let at = 1; at < plain.length; at += ENTRY_BYTES) {
    const kind = plain[at];
    if (kind !== KIND_DATA && kind !== KIND_TREE) throw corrupt(`Pack ${packId} lists a blob of unknown kind ${kind}`, { pack: packId });
    const length = plain.readUInt32LE(at + 2);
    blobs.push({ kind, compression: plain[at + 1] ?? 0, length, rawLength: plain.readUInt32LE(at + 6), id: plain.toString('hex', at + 10, at + 10 + ID_BYTES), offset });
    offset += length;
  }
  if (offset !== headerStart) throw corrupt(`The blobs listed in pack ${packId} do not fill it`, { pack: packId });
  return blobs;
}
