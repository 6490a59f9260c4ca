/**
 * MemoryBlobStore: the BlobStore port over a Map, for tests and the demo.
 *
 * Guarantees: everything the port promises except durability (the data lives as long as the
 * object). Bytes are copied on `put` and on `get`, so neither the writer nor a reader can change
 * what is stored by mutating its buffer. Every operation is synchronous between its first check
 * and its effect, so create-only puts race correctly within the process.
 * Not shared between processes or between `openBlobStore('memory:')` calls.
 */
import { alreadyExists, checkRange, notFound, throwIfAborted } from './errors.js';
import { assertValidKey, assertValidPrefix } from './port.js';
import type { BlobInfo, BlobStore, CallOptions, GetOptions, PutOptions } from './port.js';

export class MemoryBlobStore implements BlobStore {
  readonly description: string;
  private readonly blobs = new Map<string, Buffer>();

  constructor(name = '') {
    this.description = `memory:${name}`;
  }

  async get(key: string, options: GetOptions = {}): Promise<Buffer> {
    throwIfAborted(options.signal);
    assertValidKey(key);
    const blob = this.blobs.get(key);
    if (!blob) throw notFound(key, this.description);
    if (!options.range) return Buffer.from(blob);
    const end = checkRange(key, blob.length, options.range);
    return Buffer.from(blob.subarray(options.range.offset, end));
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    assertValidKey(key);
    if (options.ifNotExists && this.blobs.has(key)) throw alreadyExists(key, this.description);
    this.blobs.set(key, Buffer.from(data));
  }

  async stat(key: string, options: CallOptions = {}): Promise<BlobInfo | undefined> {
    throwIfAborted(options.signal);
    assertValidKey(key);
    const blob = this.blobs.get(key);
    return blob ? { key, size: blob.length } : undefined;
  }

  async delete(key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    assertValidKey(key);
    this.blobs.delete(key);
  }

  async *list(prefix: string, options: CallOptions = {}): AsyncIterable<BlobInfo> {
    throwIfAborted(options.signal);
    assertValidPrefix(prefix);
    // Snapshot the keys: the port allows concurrent puts/deletes, and a Map iterator would
    // otherwise yield keys added during the listing more than once after delete + re-add.
    for (const key of [...this.blobs.keys()]) {
      throwIfAborted(options.signal);
      if (!key.startsWith(prefix)) continue;
      const blob = this.blobs.get(key);
      if (blob) yield { key, size: blob.length };
    }
  }
}
