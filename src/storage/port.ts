/**
 * The BlobStore port: a dumb byte store that the repository writes through. Backends (fs,
 * memory, azure-blob) implement exactly these five methods; retry, concurrency limits, fault
 * injection and read-only mode are wrappers (see `wrappers/`), stacked in `open.ts`.
 *
 * Guarantees every backend gives (the conformance suite in test/storage checks them):
 * - Keys are `/`-separated relative paths of `[A-Za-z0-9._-]` segments. No other characters.
 * - `put` is atomic: a reader sees either nothing or the whole object, never a prefix, even if
 *   the writer crashes. After `put` resolves, the object is durable (fsync'd / acknowledged).
 * - `put` with `ifNotExists` fails with `STORAGE_EXISTS` if the key exists and leaves it unchanged.
 *   Without it, `put` replaces the object atomically.
 * - `get` of a missing key fails with `STORAGE_NOT_FOUND`; a `range` beyond the end fails with
 *   `STORAGE_IO` (not retriable). `get` returns exactly the bytes last put.
 * - `stat` returns `undefined` for a missing key.
 * - `delete` of a missing key succeeds (deletes are idempotent, so retries are safe).
 * - `list(prefix)` yields every key that starts with `prefix` (a plain string prefix: `data/` lists
 *   everything under `data`, `data/a` also matches `data/ab/c`, `''` lists all) exactly once, in no
 *   particular order; keys put or deleted while listing may or may not appear. It never yields
 *   temporary files.
 * - Every method honours `signal`: once aborted, it rejects with an AbortError as soon as it can.
 *   An abort after a `put` has committed may still resolve or reject; the object is then whole.
 *
 * Obligations of callers:
 * - No key may also be a directory of other keys (`a` and `a/b` must not both exist): the file
 *   system cannot hold both. Backends may refuse such a put with a non-retriable `STORAGE_IO`.
 * - Invalid keys and prefixes are programming errors and throw a `TypeError`.
 */

export interface BlobInfo {
  readonly key: string;
  readonly size: number;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface GetOptions extends CallOptions {
  readonly range?: ByteRange;
}

export interface PutOptions extends CallOptions {
  readonly ifNotExists?: boolean;
}

/** The five methods, by name: wrappers key their counters, faults and logs by it. */
export type BlobOp = 'get' | 'put' | 'stat' | 'delete' | 'list';

export interface BlobStore {
  get(key: string, options?: GetOptions): Promise<Buffer>;
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<void>;
  stat(key: string, options?: CallOptions): Promise<BlobInfo | undefined>;
  delete(key: string, options?: CallOptions): Promise<void>;
  list(prefix: string, options?: CallOptions): AsyncIterable<BlobInfo>;
  /** A short human description, e.g. `local:/srv/backups`. Never contains credentials. */
  readonly description: string;
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Rejects keys outside the documented alphabet; backends call it so none can escape its root. */
export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new TypeError(`Invalid blob key: ${JSON.stringify(key)}`);
  }
}

/** A prefix is `''`, or a valid key optionally followed by `/`, or such a key cut anywhere. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const slash = prefix.lastIndexOf('/');
  const dir = prefix.slice(0, slash === -1 ? 0 : slash);
  const rest = prefix.slice(slash + 1);
  if ((slash !== -1 && !isValidKey(dir)) || !/^[A-Za-z0-9._-]*$/.test(rest)) {
    throw new TypeError(`Invalid blob key prefix: ${JSON.stringify(prefix)}`);
  }
}

function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}
