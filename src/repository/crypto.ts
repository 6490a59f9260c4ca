/**
 * Cryptographic primitives of the repository format (docs/design/repository-format.md §3):
 * the master key and the keys derived from it, keyed content IDs, blob sealing and envelopes.
 *
 * Guarantees: AES-256-GCM with a fresh random 96-bit nonce per message; every ciphertext is bound
 * to its context through the associated data (blob kind, compression flag and content ID for
 * blobs; a domain string for files), so ciphertext moved to another context fails to open with
 * REPO_CORRUPT. Content IDs are HMAC-SHA256 under the MAC key, never plain hashes.
 * Not here: compression (compression.ts), key files and the password KDF (keys.ts).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { corrupt } from './errors.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const ID_BYTES = 32;
/** Bytes a sealed message adds to its payload. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

export const KIND_DATA = 0;
export const KIND_TREE = 1;
export type BlobKind = typeof KIND_DATA | typeof KIND_TREE;

const HEX_ID = /^[0-9a-f]{64}$/;

/** Whether a value is a 64-hex ID (content ID, file ID, name ID). */
export function isHexId(value: unknown): value is string {
  return typeof value === 'string' && HEX_ID.test(value);
}

export function kindName(kind: BlobKind): 'data' | 'tree' {
  return kind === KIND_TREE ? 'tree' : 'data';
}

const BLOB_AAD_PREFIX = Buffer.from('tv1\0blob\0', 'latin1');

export class MasterKey {
  readonly encKey: Buffer;
  readonly macKey: Buffer;
  /** Sort keys and shards of tree entries (§9.2), as hex: it prefixes a one-shot hash. */
  readonly shardKey: string;
  /** Storage names of named documents (§12). */
  readonly documentNameKey: Buffer;
  /** Gear table of the chunker (§9.4). */
  readonly chunkerKey: Buffer;
  /** Input fingerprints of tree entries (§9.1, format 2), as hex: it prefixes a one-shot hash. */
  readonly fingerprintKey: string;

  private constructor(bytes: Buffer) {
    this.encKey = Buffer.from(bytes.subarray(0, 32));
    this.macKey = Buffer.from(bytes.subarray(32, 64));
    this.shardKey = derive(this.macKey, 'shard').toString('hex');
    this.documentNameKey = derive(this.macKey, 'document-name');
    this.chunkerKey = derive(this.macKey, 'chunker');
    this.fingerprintKey = derive(this.macKey, 'fingerprint').toString('hex');
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(64));
  }

  static fromBytes(bytes: Uint8Array): MasterKey {
    if (bytes.length !== 64) throw corrupt('A key file holds a master key of the wrong length');
    return new MasterKey(Buffer.from(bytes));
  }

  toBytes(): Buffer {
    return Buffer.concat([this.encKey, this.macKey]);
  }

  /** The keyed content ID of a blob's plaintext (a string is hashed as its UTF-8 bytes). */
  contentId(plaintext: Uint8Array | string): Buffer {
    return typeof plaintext === 'string' ? createHmac('sha256', this.macKey).update(plaintext, 'utf8').digest() : createHmac('sha256', this.macKey).update(plaintext).digest();
  }
}

function derive(ikm: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), `tenant-vault/v1/${purpose}`, 32));
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** nonce ‖ AES-256-GCM(key, payload, aad) ‖ tag. */
export function seal(key: Buffer, payload: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(payload);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

/** Opens what `seal` produced; `undefined` if authentication fails (wrong key, tampering, wrong context). */
export function tryOpen(key: Buffer, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    const body = decipher.update(buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES));
    const final = decipher.final();
    return final.length === 0 ? body : Buffer.concat([body, final]);
  } catch {
    return undefined;
  }
}

export function blobAad(kind: BlobKind, compression: number, id: Buffer): Buffer {
  const aad = Buffer.allocUnsafe(BLOB_AAD_PREFIX.length + 2 + ID_BYTES);
  BLOB_AAD_PREFIX.copy(aad, 0);
  aad[BLOB_AAD_PREFIX.length] = kind;
  aad[BLOB_AAD_PREFIX.length + 1] = compression;
  id.copy(aad, BLOB_AAD_PREFIX.length + 2);
  return aad;
}

export function sealBlob(master: MasterKey, kind: BlobKind, compression: number, id: Buffer, payload: Uint8Array): Buffer {
  return seal(master.encKey, payload, blobAad(kind, compression, id));
}

/** The blob's payload (still compressed); REPO_CORRUPT if it does not authenticate. */
export function openBlob(master: MasterKey, kind: BlobKind, compression: number, id: Buffer, sealed: Uint8Array): Buffer {
  const payload = tryOpen(master.encKey, sealed, blobAad(kind, compression, id));
  if (!payload) throw corrupt(`Blob ${id.toString('hex')} does not authenticate`, { blob: id.toString('hex') });
  return payload;
}
