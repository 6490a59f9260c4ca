/**
 * FsBlobStore: the BlobStore port on a local (or mounted) directory. A key `a/b/c` is the file
 * `<root>/a/b/c`; `assertValidKey` keeps every path inside the root.
 *
 * Guarantees:
 * - `put` is atomic and durable: the bytes go to a temporary file in the target's directory,
 *   which is fsync'd and then renamed into place (or hard-linked, for `ifNotExists`), and the
 *   directory is fsync'd. A crash leaves the old object or the new one, plus at most a stale
 *   temporary file.
 * - `ifNotExists` has no race: `link()` fails with EEXIST if the name exists, so of two
 *   concurrent create-only puts (across processes too) exactly one wins.
 * - Temporary files are named `<name>.~tmp-<random>`. `~` is outside the key alphabet, so a
 *   temporary file can never collide with a key and `list` never yields one;
 *   `cleanupTempFiles` removes the stale ones a crash left behind.
 * - Range reads read only the requested bytes (`open` + positioned `read`).
 * - Directories are created on demand (mode 0700, files 0600: a repository is private).
 * - Errors: ENOENT → STORAGE_NOT_FOUND (reads), EEXIST → STORAGE_EXISTS, EACCES/EPERM/EROFS →
 *   STORAGE_IO not retriable with a hint naming the path, ENOSPC/EDQUOT → STORAGE_IO not retriable
 *   with a hint about disk space (space rarely frees up within a retry's backoff), anything else
 *   → STORAGE_IO retriable.
 *
 * Not guaranteed: `delete` is not fsync'd (a crash right after may bring the object back; deletes
 * are idempotent, so the caller repeats them); empty directories are left behind; a file system
 * without hard links (some network shares) cannot do `ifNotExists` and fails with STORAGE_IO.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { TenantVaultError } from '../errors/index.js';
import { alreadyExists, isAbortError, notFound, throwIfAborted, checkRange } from './errors.js';
import { assertValidKey, assertValidPrefix } from './port.js';
import type { BlobInfo, BlobStore, CallOptions, GetOptions, PutOptions } from './port.js';

const TEMP_MARK = '.~tmp-';
const SEGMENT = /^[A-Za-z0-9._-]+$/;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** Older temporary files belong to a crashed writer: no put takes an hour. */
const DEFAULT_TEMP_AGE_MS = 60 * 60 * 1000;

export interface CleanupOptions extends CallOptions {
  /** Only temporary files last modified at least this long ago are removed. Default one hour. */
  readonly olderThanMs?: number;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

type Op = 'get' | 'put' | 'stat' | 'delete' | 'list' | 'cleanup';

export class FsBlobStore implements BlobStore {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.description = `local:${this.root}`;
  }

  async get(key: string, options: GetOptions = {}): Promise<Buffer> {
    const { signal, range } = options;
    throwIfAborted(signal);
    const file = this.pathOf(key);
    try {
      const handle = await fsp.open(file, 'r');
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw notFound(key, this.description);
        const offset = range?.offset ?? 0;
        const end = range ? checkRange(key, info.size, range) : info.size;
        const buffer = Buffer.allocUnsafe(end - offset);
        let done = 0;
        while (done < buffer.length) {
          throwIfAborted(signal);
          const { bytesRead } = await handle.read(buffer, done, buffer.length - done, offset + done);
          if (bytesRead === 0) {
            // Objects are replaced by rename, never truncated in place, so this is outside interference.
            throw new TenantVaultError('STORAGE_IO', `${file} became shorter while it was read`, { details: { key, path: file } });
          }
          done += bytesRead;
        }
        return buffer;
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'EISDIR') throw notFound(key, this.description);
      throw mapFsError(err, 'get', key, file, this.description);
    }
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<void> {
    const { signal, ifNotExists = false } = options;
    throwIfAborted(signal);
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const temp = `${file}${TEMP_MARK}${randomBytes(6).toString('hex')}`;
    try {
      // Cheap early answer for the common "already stored" case; `link` below is what decides.
      if (ifNotExists && (await this.stat(key, { signal })) !== undefined) throw alreadyExists(key, this.description);
      await this.writeTemp(temp, dir, data, signal);
      throwIfAborted(signal);
      if (ifNotExists) {
        await fsp.link(temp, file);
        await fsp.unlink(temp).catch(() => undefined); // a leftover is invisible and cleaned later
      } else {
        await fsp.rename(temp, file);
      }
    } catch (err) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      throw mapFsError(err, 'put', key, file, this.description);
    }
    try {
      await syncDir(dir);
    } catch (err) {
      throw mapFsError(err, 'put', key, file, this.description);
    }
  }

  async stat(key: string, options: CallOptions = {}): Promise<BlobInfo | undefined> {
    throwIfAborted(options.signal);
    const file = this.pathOf(key);
    try {
      const info = await fsp.stat(file);
      return info.isFile() ? { key, size: info.size } : undefined;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw mapFsError(err, 'stat', key, file, this.description);
    }
  }

  async delete(key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const file = this.pathOf(key);
    try {
      await fsp.unlink(file);
    } catch (err) {
      const errno = errnoOf(err);
      // A directory is not an object, so there is nothing to delete under that key.
      if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EISDIR') return;
      throw mapFsError(err, 'delete', key, file, this.description);
    }
  }

  async *list(prefix: string, options: CallOptions = {}): AsyncIterable<BlobInfo> {
    const { signal } = options;
    throwIfAborted(signal);
    assertValidPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash === -1 ? '' : prefix.slice(0, slash);
    const namePrefix = prefix.slice(slash + 1);
    for await (const { key, file } of this.files(dirKey, (name) => name.startsWith(namePrefix), signal)) {
      if (!SEGMENT.test(key.slice(key.lastIndexOf('/') + 1))) continue; // temporary file
      try {
        const info = await fsp.stat(file);
        if (info.isFile()) yield { key, size: info.size };
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') continue; // deleted while listing
        throw mapFsError(err, 'list', key, file, this.description);
      }
    }
  }

  /**
   * Removes temporary files left by crashed writers and returns how many it removed. Safe to
   * run while other processes write, as long as `olderThanMs` exceeds the longest put.
   */
  async cleanupTempFiles(options: CleanupOptions = {}): Promise<number> {
    const { signal, olderThanMs = DEFAULT_TEMP_AGE_MS, now = Date.now } = options;
    throwIfAborted(signal);
    const cutoffMs = now() - olderThanMs;
    let removed = 0;
    for await (const { key, file } of this.files('', () => true, signal)) {
      if (!key.slice(key.lastIndexOf('/') + 1).includes(TEMP_MARK)) continue;
      try {
        const info = await fsp.stat(file);
        if (info.mtimeMs > cutoffMs) continue;
        await fsp.unlink(file);
        removed++;
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw mapFsError(err, 'cleanup', key, file, this.description);
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  /** Every file below `dirKey` (recursively), where first-level names must pass `accept`. */
  private async *files(dirKey: string, accept: (name: string) => boolean, signal: AbortSignal | undefined): AsyncGenerator<{ key: string; file: string }> {
    const dirPath = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let dir;
    try {
      dir = await fsp.opendir(dirPath);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
      throw mapFsError(err, 'list', dirKey, dirPath, this.description);
    }
    for await (const entry of dir) {
      throwIfAborted(signal);
      if (!accept(entry.name)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      const file = path.join(dirPath, entry.name);
      // Follow symbolic links so a user may put part of the tree on another disk.
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await fsp.stat(file).catch(() => undefined))?.isDirectory() === true);
      if (isDir) {
        if (SEGMENT.test(entry.name)) yield* this.files(key, () => true, signal);
      } else {
        yield { key, file };
      }
    }
  }

  private async writeTemp(temp: string, dir: string, data: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    let handle;
    try {
      handle = await fsp.open(temp, 'wx', FILE_MODE);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
      await makeDirs(dir);
      handle = await fsp.open(temp, 'wx', FILE_MODE);
    }
    try {
      await handle.writeFile(data, { signal });
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Creates `dir` and its missing parents, and makes the new directory entries durable. */
async function makeDirs(dir: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (first === undefined) return;
  // Each new directory's entry lives in its parent; `dir` itself is synced after the rename.
  const top = path.dirname(first);
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    await syncDir(d);
    if (d === top || d === path.dirname(d)) break;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; their renames are as durable as they get.
    if (errnoOf(err) !== 'EINVAL' && errnoOf(err) !== 'ENOTSUP') throw err;
  } finally {
    await handle.close();
  }
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a Node.js file-system error to the storage vocabulary. Exported for tests. */
export function mapFsError(err: unknown, op: Op, key: string, file: string, description: string): unknown {
  if (err instanceof TenantVaultError || err instanceof TypeError || isAbortError(err)) return err;
  const errno = errnoOf(err);
  const details = { op, key, path: file, errno };
  const message = `Storage ${op} of ${key} failed: ${err instanceof Error ? err.message : String(err)}`;
  switch (errno) {
    case 'ENOENT':
      // Only a read's missing file means a missing object; elsewhere something vanished under us.
      if (op === 'get') return notFound(key, description);
      return new TenantVaultError('STORAGE_IO', message, { cause: err, details });
    case 'EEXIST':
      return alreadyExists(key, description);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new TenantVaultError('STORAGE_IO', message, {
        cause: err, details, retriable: false,
        hint: `Tenant Vault may not ${op === 'get' || op === 'stat' || op === 'list' ? 'read' : 'write'} ${file}. Check the permissions and that the file system is not mounted read-only.`,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new TenantVaultError('STORAGE_IO', message, {
        cause: err, details, retriable: false,
        hint: `The disk holding ${file} is full (or the quota is used up). Free some space or run \`tenant-vault prune\`, then run the command again; it resumes.`,
      });
    case 'EISDIR':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
      return new TenantVaultError('STORAGE_IO', message, {
        cause: err, details, retriable: false,
        hint: `The key ${key} cannot be stored at ${file}: a key may not also be a directory of other keys, and names must fit the file system.`,
      });
    default:
      return new TenantVaultError('STORAGE_IO', message, { cause: err, details, retriable: true });
  }
}
