/**
 * Repository locks (spec §11): shared for writers, exclusive for prune; stale locks are detected
 * and removable; held locks are refreshed on a timer of the injected clock.
 *
 * Guarantees:
 * - `acquire` fails with REPO_LOCKED naming the holder when a live conflicting lock exists, checked
 *   both before and after writing our own lock file (two lockers racing cannot both win an
 *   exclusive lock; both may lose and retry).
 * - Stale = not refreshed for `staleAfterMs`, or written on this host by a pid that no longer
 *   exists, or unreadable. Stale locks never conflict.
 * - A held lock refreshes every `refreshIntervalMs`. `assertHeld` throws REPO_LOCKED when the lock
 *   file was removed by someone else or could not be refreshed in time, so callers check it before
 *   announcing data (index files) or snapshots.
 * Not guaranteed: mutual exclusion against a process whose clock is far off, or across hosts that
 * share a host name (see the spec).
 */
import { randomBytes } from 'node:crypto';
import { hostname as osHostname, userInfo } from 'node:os';
import { TenantVaultError } from '../errors/index.js';
import type { BlobStore } from '../storage/index.js';
import type { Clock } from '../clock.js';
import { type MasterKey, sha256Hex } from './crypto.js';
import { openJson, sealJson } from './envelope.js';
import { isNotFound } from './errors.js';

export const LOCK_PREFIX = 'locks/';
const DOMAIN = 'lock';

export interface LockOptions {
  readonly staleAfterMs: number;
  readonly refreshIntervalMs: number;
  readonly hostname: string;
  readonly username: string;
  readonly pid: number;
  /** Whether a pid on this host is alive; injectable for tests. */
  readonly isProcessAlive: (pid: number) => boolean;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = {
  staleAfterMs: 30 * 60_000,
  refreshIntervalMs: 5 * 60_000,
  hostname: osHostname(),
  username: safeUsername(),
  pid: process.pid,
  isProcessAlive,
};

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LockInfo {
  readonly id: string;
  readonly exclusive: boolean;
  readonly pid: number;
  readonly hostname: string;
  readonly username: string;
  readonly operation: string;
  readonly created: string;
  readonly refreshed: string;
  /** Milliseconds since the last refresh, by this process's clock. */
  readonly ageMs: number;
  readonly stale: boolean;
  /** Why the lock counts as stale. */
  readonly staleReason?: 'expired' | 'process-gone' | 'unreadable';
}

interface LockFile {
  version: 1;
  pid: number;
  hostname: string;
  username: string;
  created: string;
  refreshed: string;
  exclusive: boolean;
  operation: string;
  nonce: string;
}

export class LockManager {
  constructor(
    private readonly store: BlobStore,
    private readonly master: MasterKey,
    private readonly clock: Clock,
    readonly options: LockOptions,
  ) {}

  async list(options: { signal?: AbortSignal } = {}): Promise<LockInfo[]> {
    const out: LockInfo[] = [];
    for await (const info of this.store.list(LOCK_PREFIX, options)) {
      const id = info.key.slice(LOCK_PREFIX.length);
      let bytes: Buffer;
      try {
        bytes = await this.store.get(info.key, options);
      } catch (err) {
        if (isNotFound(err)) continue; // released while we listed
        throw err;
      }
      out.push(this.describe(id, bytes));
    }
    return out.sort((a, b) => a.created.localeCompare(b.created));
  }

  private describe(id: string, bytes: Buffer): LockInfo {
    let file: LockFile;
    try {
      file = openJson(this.master, DOMAIN, bytes, `Lock ${id}`) as LockFile;
      if (file.version !== 1 || typeof file.pid !== 'number' || typeof file.refreshed !== 'string') throw new Error('layout');
    } catch {
      return { id, exclusive: false, pid: 0, hostname: '', username: '', operation: '', created: '', refreshed: '', ageMs: 0, stale: true, staleReason: 'unreadable' };
    }
    const ageMs = Math.max(0, this.clock.now() - Date.parse(file.refreshed));
    let staleReason: LockInfo['staleReason'];
    if (ageMs > this.options.staleAfterMs) staleReason = 'expired';
    else if (file.hostname === this.options.hostname && file.pid !== this.options.pid && !this.options.isProcessAlive(file.pid)) staleReason = 'process-gone';
    return {
      id, exclusive: file.exclusive, pid: file.pid, hostname: file.hostname, username: file.username, operation: file.operation,
      created: file.created, refreshed: file.refreshed, ageMs, stale: staleReason !== undefined, ...(staleReason ? { staleReason } : {}),
    };
  }

  async acquire(exclusive: boolean, operation: string, options: { signal?: AbortSignal } = {}): Promise<HeldLock> {
    this.throwOnConflict(await this.list(options), exclusive, undefined);
    const lock = new HeldLock({ store: this.store, clock: this.clock, options: this.options, encode: (f) => this.encode(f) }, exclusive, operation);
    await lock.write(options.signal);
    try {
      this.throwOnConflict(await this.list(options), exclusive, lock.id);
    } catch (err) {
      await lock.release();
      throw err;
    }
    lock.startRefreshing();
    return lock;
  }

  private throwOnConflict(locks: LockInfo[], exclusive: boolean, ownId: string | undefined): void {
    const holder = locks.find((l) => l.id !== ownId && !l.stale && (exclusive || l.exclusive));
    if (!holder) return;
    const ageS = Math.round(holder.ageMs / 1000);
    throw new TenantVaultError('REPO_LOCKED', `The repository is locked ${holder.exclusive ? 'exclusively' : ''} by pid ${holder.pid} on ${holder.hostname} (${holder.operation}, refreshed ${ageS} s ago)`.replace('  ', ' '), {
      details: { lock: holder.id, pid: holder.pid, hostname: holder.hostname, username: holder.username, operation: holder.operation, exclusive: holder.exclusive, ageMs: holder.ageMs },
    });
  }

  async removeStale(options: { signal?: AbortSignal } = {}): Promise<number> {
    let n = 0;
    for (const l of await this.list(options)) {
      if (!l.stale) continue;
      await this.store.delete(LOCK_PREFIX + l.id, options);
      n++;
    }
    return n;
  }

  async removeAll(options: { signal?: AbortSignal } = {}): Promise<number> {
    let n = 0;
    for await (const info of this.store.list(LOCK_PREFIX, options)) {
      await this.store.delete(info.key, options);
      n++;
    }
    return n;
  }

  private encode(file: LockFile): { id: string; bytes: Buffer } {
    const bytes = sealJson(this.master, DOMAIN, file);
    return { id: sha256Hex(bytes), bytes };
  }
}

interface LockDeps {
  readonly store: BlobStore;
  readonly clock: Clock;
  readonly options: LockOptions;
  readonly encode: (file: LockFile) => { id: string; bytes: Buffer };
}

/** A lock this process holds. */
export class HeldLock {
  id = '';
  private readonly created: string;
  private refreshedAtMs = 0;
  private lost: string | undefined;
  private released = false;
  private readonly stop = new AbortController();
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: LockDeps,
    readonly exclusive: boolean,
    readonly operation: string,
  ) {
    this.created = new Date(deps.clock.now()).toISOString();
  }

  /** @internal Writes a fresh lock file and deletes the previous one. */
  async write(signal?: AbortSignal): Promise<void> {
    const now = this.deps.clock.now();
    const o = this.deps.options;
    const { id, bytes } = this.deps.encode({
      version: 1, pid: o.pid, hostname: o.hostname, username: o.username, created: this.created,
      refreshed: new Date(now).toISOString(), exclusive: this.exclusive, operation: this.operation, nonce: randomBytes(8).toString('hex'),
    });
    const { store } = this.deps;
    await store.put(LOCK_PREFIX + id, bytes, { signal });
    const previous = this.id;
    this.id = id;
    this.refreshedAtMs = now;
    if (previous) await store.delete(LOCK_PREFIX + previous, { signal });
  }

  /** @internal */
  startRefreshing(): void {
    const { clock } = this.deps;
    const { refreshIntervalMs } = this.deps.options;
    const loop = async (): Promise<void> => {
      while (!this.released) {
        try {
          await clock.sleep(refreshIntervalMs, this.stop.signal);
        } catch {
          return; // released
        }
        if (this.released) return;
        await this.refresh();
      }
    };
    this.refreshing = loop();
  }

  private async refresh(): Promise<void> {
    const { store } = this.deps;
    try {
      if (!(await store.stat(LOCK_PREFIX + this.id))) {
        this.lost ??= 'its lock file was removed by another process (unlock)';
        return;
      }
      await this.write();
    } catch {
      // A failed refresh is tolerated until the lock would look stale to others.
      if (this.deps.clock.now() - this.refreshedAtMs > this.deps.options.staleAfterMs) this.lost ??= 'it could not be refreshed in time';
    }
  }

  /** Throws REPO_LOCKED unless the lock is still ours and fresh; checks the store. */
  async assertHeld(signal?: AbortSignal): Promise<void> {
    if (this.released) this.lost ??= 'it was released';
    if (!this.lost && this.deps.clock.now() - this.refreshedAtMs > this.deps.options.staleAfterMs) this.lost = 'it was not refreshed in time';
    if (!this.lost && !(await this.deps.store.stat(LOCK_PREFIX + this.id, { signal }))) this.lost = 'its lock file was removed by another process (unlock)';
    if (this.lost) {
      throw new TenantVaultError('REPO_LOCKED', `The repository lock of this ${this.operation} was lost: ${this.lost}`, {
        hint: 'Another process may have removed the lock as stale. Run the operation again.',
        details: { lock: this.id },
      });
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stop.abort();
    await this.refreshing;
    if (this.id) await this.deps.store.delete(LOCK_PREFIX + this.id).catch(() => undefined);
  }
}
