/**
 * The repository: opening and creating one, keys, snapshots (write, list, read, diff), check,
 * forget, prune, locks and named documents — the API the engine, the catalog and the CLI build on.
 * The format is specified in docs/design/repository-format.md; this module wires its parts.
 *
 * Guarantees:
 * - `openRepository` fails with REPO_NOT_FOUND (no config), REPO_WRONG_PASSWORD (no key opens
 *   with the password) or REPO_VERSION (a newer format), and otherwise loads the whole index.
 * - Readers take no lock; they reload the index when a snapshot newer than it is met, so a
 *   snapshot listed is always readable (spec §10: list snapshots, then index).
 * - Writers hold a shared lock from `startSnapshot` to `commit`/`abort`; forget and check hold a
 *   shared lock; prune an exclusive lock from `planPrune` to `executePrune`/`abandonPrune`.
 * - `close` aborts open writers and releases every lock this object holds.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Secret } from '../config/index.js';
import { TenantVaultError } from '../errors/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import type { BlobStore } from '../storage/index.js';
import { BlobReader } from './blob-reader.js';
import { Chunker, type ChunkerParams, DEFAULT_CHUNKER, gearTable, validateChunker } from './chunker.js';
import { type CheckOptions, type CheckReport, checkRepository } from './check.js';
import { type Clock, systemClock } from '../clock.js';
import { KIND_DATA, MasterKey } from './crypto.js';
import { type DiffOptions, diffRoots, type ItemChange } from './diff.js';
import { documentStore, type DocumentStore } from './documents.js';
import { tryOpenBytes, sealJson } from './envelope.js';
import { isDamage, isExists, isNotFound, throwIfAborted, usage } from './errors.js';
import { loadIndexFiles } from './index-file.js';
import { createKeyFile, DEFAULT_KDF, type KdfParams, parseKeyFile, readKeyMeta, unwrapKeyFile } from './keys.js';
import { DEFAULT_LOCK_OPTIONS, type LockInfo, LockManager, type LockOptions } from './locks.js';
import { MasterIndex } from './master-index.js';
import { PackWriter } from './pack-writer.js';
import { executePrune, type PlanState, planPrune, type PrunePlan, type PruneProgress, type PruneResult } from './prune.js';
import { applyRetention, isEmptyPolicy, type RetentionPolicy } from './retention.js';
import { decodeSnapshot, SNAPSHOT_PREFIX, type SnapshotInfo } from './snapshot-file.js';
import { type SnapshotWriter, SnapshotWriterImpl } from './snapshot-writer.js';
import { decodeEntry, type ItemEntry, type RootNode, sortKey, TreeLoader, TypeCursor, typeRows } from './tree.js';

/** 2: tree entries carry input fingerprints (spec §15). Format 1 is still read and written as 1. */
export const FORMAT_VERSION = 2;
const CONFIG_KEY = 'config';
const KEY_PREFIX = 'keys/';

export interface RepositoryOptions {
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Directory for the temporary staging databases; default SQLite's temporary directory (TMPDIR). */
  readonly tempDir?: string;
  /** Target pack size; default 16 MiB. */
  readonly packSizeBytes?: number;
  /** Write an index file every this many packs (default 16) or this often (default 60 s). */
  readonly indexEveryPacks?: number;
  readonly indexEveryMs?: number;
  readonly lock?: Partial<LockOptions>;
  /** Where warnings go (a damaged snapshot file skipped by a listing); default silent. */
  readonly logger?: Logger;
}

/** A snapshot file a listing skipped because it cannot be read; `check` reports it as an error. */
export interface SnapshotWarning {
  readonly kind: 'snapshot-damaged';
  /** The snapshot file's name (its ID). */
  readonly snapshot: string;
  readonly message: string;
}

export interface SnapshotListOptions {
  readonly profile?: string;
  readonly signal?: AbortSignal;
  /** Called for each snapshot file skipped by this listing (it is also logged, once per file). */
  readonly onWarning?: (warning: SnapshotWarning) => void;
}

export interface InitOptions extends RepositoryOptions {
  /** scrypt parameters of the first key; tests pass cheap ones. */
  readonly kdf?: KdfParams;
  /** Label of the first key. */
  readonly label?: string;
  readonly chunker?: ChunkerParams;
}

export interface KeyInfo {
  readonly id: string;
  readonly created: string;
  readonly host: string;
  readonly username: string;
  readonly label?: string;
  /** Whether this repository object was opened with this key. */
  readonly current: boolean;
}

export interface StartSnapshotOptions {
  readonly profile: string;
  /** The parent: a snapshot or reference; `null` for none; default the latest of the profile. */
  readonly parent?: SnapshotInfo | string | null;
  readonly time?: Date;
  readonly tags?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface ForgetOptions {
  readonly dryRun?: boolean;
  /** Only this profile's snapshots; default every profile (each grouped separately). */
  readonly profile?: string;
  /** IANA time zone of the calendar buckets; default the process's. */
  readonly timeZone?: string;
  readonly signal?: AbortSignal;
}

export interface ForgetGroup {
  readonly profile: string;
  readonly keep: readonly { readonly snapshot: SnapshotInfo; readonly reasons: readonly string[] }[];
  readonly remove: readonly SnapshotInfo[];
}

export interface ForgetResult {
  readonly dryRun: boolean;
  readonly groups: readonly ForgetGroup[];
  /** IDs of the snapshots removed (or that would be, on a dry run). */
  readonly removed: readonly string[];
}

export type SnapshotRef = SnapshotInfo | string;

export interface RepositoryConfig {
  readonly version: number;
  readonly id: string;
  readonly created: string;
  readonly chunker: ChunkerParams;
}

export interface Repository {
  readonly id: string;
  readonly config: RepositoryConfig;
  /** Human description of the store, e.g. `local:/srv/backups`. */
  readonly location: string;

  addKey(password: Secret, options?: { kdf?: KdfParams; label?: string; signal?: AbortSignal }): Promise<KeyInfo>;
  listKeys(options?: { signal?: AbortSignal }): Promise<KeyInfo[]>;
  /** `id` may be a unique prefix. Refuses the last key (REPO_LAST_KEY) and the current one unless `allowCurrent`. */
  removeKey(id: string, options?: { allowCurrent?: boolean; signal?: AbortSignal }): Promise<void>;

  /** Oldest first. A snapshot file that cannot be read is skipped with a warning (`onWarning`, log). */
  snapshots(options?: SnapshotListOptions): AsyncIterable<SnapshotInfo>;
  /** A full ID, a unique prefix, or `latest`. */
  findSnapshot(ref: string, options?: { profile?: string; signal?: AbortSignal }): Promise<SnapshotInfo>;
  startSnapshot(options: StartSnapshotOptions): Promise<SnapshotWriter>;

  /** The types of a snapshot and their item counts, from its tree. */
  types(snapshot: SnapshotRef, options?: { signal?: AbortSignal }): Promise<Record<string, number>>;
  entries(snapshot: SnapshotRef, options?: { type?: string; signal?: AbortSignal }): AsyncIterable<ItemEntry>;
  readItem(snapshot: SnapshotRef, type: string, id: string, options?: { signal?: AbortSignal }): Promise<{ entry: ItemEntry; document: unknown } | undefined>;
  readDocument(entry: ItemEntry, options?: { signal?: AbortSignal }): Promise<unknown>;
  readStream(entry: ItemEntry, name: string, options?: { signal?: AbortSignal }): Readable;
  diff(from: SnapshotRef | undefined, to: SnapshotRef, options?: DiffOptions): AsyncIterable<ItemChange>;

  check(options?: CheckOptions): Promise<CheckReport>;
  forget(policy: RetentionPolicy, options?: ForgetOptions): Promise<ForgetResult>;
  planPrune(options?: { signal?: AbortSignal }): Promise<PrunePlan>;
  executePrune(plan: PrunePlan, options?: { signal?: AbortSignal; onProgress?: (p: PruneProgress) => void }): Promise<PruneResult>;
  /** Releases the exclusive lock of a plan that will not be executed. */
  abandonPrune(plan: PrunePlan): Promise<void>;

  listLocks(options?: { signal?: AbortSignal }): Promise<LockInfo[]>;
  removeStaleLocks(options?: { signal?: AbortSignal }): Promise<number>;
  removeAllLocks(options?: { signal?: AbortSignal }): Promise<number>;

  documents(kind: string): DocumentStore;
  close(): Promise<void>;
}

interface Resolved {
  readonly clock: Clock;
  readonly tempDir: string | undefined;
  readonly packSizeBytes: number;
  readonly indexEveryPacks: number;
  readonly indexEveryMs: number;
  readonly lock: LockOptions;
  readonly logger: Logger;
}

function resolveOptions(options: RepositoryOptions): Resolved {
  const packSizeBytes = options.packSizeBytes ?? 16 * 1024 * 1024;
  if (!(packSizeBytes >= 4096 && packSizeBytes <= 1024 * 1024 * 1024)) throw new TypeError(`packSizeBytes must be between 4 KiB and 1 GiB, not ${packSizeBytes}`);
  return {
    clock: options.clock ?? systemClock,
    tempDir: options.tempDir,
    packSizeBytes,
    indexEveryPacks: options.indexEveryPacks ?? 16,
    indexEveryMs: options.indexEveryMs ?? 60_000,
    lock: { ...DEFAULT_LOCK_OPTIONS, ...options.lock },
    logger: options.logger ?? silentLogger,
  };
}

function readConfig(master: MasterKey, bytes: Buffer): RepositoryConfig | undefined {
  const payload = tryOpenBytes(master, 'config', bytes);
  if (!payload) return undefined;
  const json = JSON.parse(payload.toString('utf8')) as RepositoryConfig;
  if (typeof json.version !== 'number' || typeof json.id !== 'string') throw new TenantVaultError('REPO_CORRUPT', 'The repository config is malformed');
  if (json.version > FORMAT_VERSION) throw new TenantVaultError('REPO_VERSION', `The repository has format version ${json.version}; this Tenant Vault reads up to ${FORMAT_VERSION}`);
  if (json.version < 1) throw new TenantVaultError('REPO_CORRUPT', `The repository config has an invalid version ${json.version}`);
  validateChunker(json.chunker);
  return json;
}

async function getConfigBytes(store: BlobStore, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await store.get(CONFIG_KEY, { signal });
  } catch (err) {
    if (isNotFound(err)) throw new TenantVaultError('REPO_NOT_FOUND', `No repository at ${store.description}`, { details: { location: store.description } });
    throw err;
  }
}

export async function initRepository(store: BlobStore, password: Secret, options: InitOptions = {}): Promise<Repository> {
  const resolved = resolveOptions(options);
  if (await store.stat(CONFIG_KEY, { signal: options.signal })) throw new TenantVaultError('REPO_EXISTS', `A repository already exists at ${store.description}`);
  const chunker = options.chunker ?? DEFAULT_CHUNKER;
  validateChunker(chunker);
  const master = MasterKey.generate();
  const now = new Date(resolved.clock.now()).toISOString();
  const config: RepositoryConfig = { version: FORMAT_VERSION, id: randomBytes(32).toString('hex'), created: now, chunker };
  const key = await createKeyFile(master, password, options.kdf ?? DEFAULT_KDF, { created: now, host: resolved.lock.hostname, username: resolved.lock.username, ...(options.label ? { label: options.label } : {}) }, options.signal);
  // Key first, config second (spec §6): a crash in between leaves "no repository", not a locked one.
  await store.put(key.key, key.bytes, { ifNotExists: true, signal: options.signal });
  try {
    await store.put(CONFIG_KEY, sealJson(master, 'config', config), { ifNotExists: true, signal: options.signal });
  } catch (err) {
    await store.delete(key.key).catch(() => undefined);
    if (isExists(err)) throw new TenantVaultError('REPO_EXISTS', `A repository already exists at ${store.description}`);
    throw err;
  }
  return new RepositoryImpl(store, master, config, key.id, resolved, new MasterIndex());
}

export async function openRepository(store: BlobStore, password: Secret, options: RepositoryOptions = {}): Promise<Repository> {
  const resolved = resolveOptions(options);
  const configBytes = await getConfigBytes(store, options.signal);
  let keyFiles = 0;
  for await (const info of store.list(KEY_PREFIX, { signal: options.signal })) {
    keyFiles++;
    const id = info.key.slice(KEY_PREFIX.length);
    let file;
    try {
      file = parseKeyFile(await store.get(info.key, { signal: options.signal }), id);
    } catch (err) {
      if (isDamage(err)) continue; // check reports it
      throw err;
    }
    const master = await unwrapKeyFile(file, password, options.signal);
    if (!master) continue;
    const config = readConfig(master, configBytes);
    if (!config) continue; // a key of an earlier repository at this place
    const index = new MasterIndex();
    await loadIndexFiles(store, master, index, { signal: options.signal });
    return new RepositoryImpl(store, master, config, id, resolved, index);
  }
  if (keyFiles === 0) throw new TenantVaultError('REPO_CORRUPT', `The repository at ${store.description} has no key files`, { hint: 'Restore the keys/ directory from a copy; without a key the repository cannot be opened.' });
  throw new TenantVaultError('REPO_WRONG_PASSWORD', `No key of the repository at ${store.description} opens with this password`);
}

class RepositoryImpl implements Repository {
  private reader: BlobReader;
  private loader: TreeLoader;
  private readonly locks: LockManager;
  private readonly chunker: Chunker;
  private readonly snapshotCache = new Map<string, SnapshotInfo>();
  /** Snapshot files found unreadable (ID → why), retried at every listing, logged once each. */
  private readonly damagedSnapshots = new Map<string, string>();
  private readonly writers = new Set<SnapshotWriter>();
  private readonly plans = new WeakMap<PrunePlan, PlanState>();
  private readonly openPlans = new Set<PlanState>();
  private closed = false;

  constructor(
    private readonly store: BlobStore,
    private readonly master: MasterKey,
    readonly config: RepositoryConfig,
    private readonly keyId: string,
    private readonly options: Resolved,
    private index: MasterIndex,
  ) {
    this.reader = new BlobReader(store, master, index);
    this.loader = new TreeLoader(this.reader, master.shardKey);
    this.locks = new LockManager(store, master, options.clock, options.lock);
    this.chunker = new Chunker(gearTable(master.chunkerKey), config.chunker);
  }

  get id(): string {
    return this.config.id;
  }

  get location(): string {
    return this.store.description;
  }

  private assertOpen(): void {
    if (this.closed) throw usage('The repository is closed');
  }

  /** Loads index files written since; rebuilds from scratch if some vanished (a prune ran). */
  private async refreshIndex(signal?: AbortSignal): Promise<void> {
    const { vanished } = await loadIndexFiles(this.store, this.master, this.index, { signal });
    if (vanished.length === 0) return;
    const index = new MasterIndex();
    await loadIndexFiles(this.store, this.master, index, { signal });
    this.index = index;
    this.reader = new BlobReader(this.store, this.master, index);
    this.loader = new TreeLoader(this.reader, this.master.shardKey);
  }

  private async root(snapshot: SnapshotInfo, signal?: AbortSignal): Promise<RootNode> {
    if (!this.index.has(snapshot.tree)) await this.refreshIndex(signal);
    return this.loader.root(snapshot.tree, signal);
  }

  private async resolve(ref: SnapshotRef, signal?: AbortSignal): Promise<SnapshotInfo> {
    return typeof ref === 'string' ? this.findSnapshot(ref, { signal }) : ref;
  }

  // ---- keys ----------------------------------------------------------------------------------

  async addKey(password: Secret, options: { kdf?: KdfParams; label?: string; signal?: AbortSignal } = {}): Promise<KeyInfo> {
    this.assertOpen();
    const meta = { created: new Date(this.options.clock.now()).toISOString(), host: this.options.lock.hostname, username: this.options.lock.username, ...(options.label ? { label: options.label } : {}) };
    const key = await createKeyFile(this.master, password, options.kdf ?? DEFAULT_KDF, meta, options.signal);
    await this.store.put(key.key, key.bytes, { ifNotExists: true, signal: options.signal });
    return { id: key.id, ...meta, current: false };
  }

  async listKeys(options: { signal?: AbortSignal } = {}): Promise<KeyInfo[]> {
    const keys: KeyInfo[] = [];
    for await (const info of this.store.list(KEY_PREFIX, options)) {
      const id = info.key.slice(KEY_PREFIX.length);
      const file = parseKeyFile(await this.store.get(info.key, options), id);
      const meta = readKeyMeta(this.master, file, id);
      keys.push({ id, ...meta, current: id === this.keyId });
    }
    return keys.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  async removeKey(ref: string, options: { allowCurrent?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    const keys = await this.listKeys(options);
    const matches = keys.filter((k) => k.id.startsWith(ref.toLowerCase()));
    if (ref.length === 0 || matches.length === 0) throw usage(`No key ${ref}`, 'List keys with `tenant-vault key list`.');
    if (matches.length > 1) throw usage(`Key prefix ${ref} is ambiguous`, 'Give more characters of the key ID.');
    const key = matches[0] as KeyInfo;
    if (keys.length === 1) throw new TenantVaultError('REPO_LAST_KEY', `Key ${key.id.slice(0, 8)} is the repository's last key`);
    if (key.current && !options.allowCurrent) throw usage(`Key ${key.id.slice(0, 8)} is the one this session opened the repository with`, 'Open the repository with another password first, or confirm removing the key in use.');
    await this.store.delete(KEY_PREFIX + key.id, options);
  }

  // ---- snapshots -----------------------------------------------------------------------------

  /**
   * Every readable snapshot, oldest first. One damaged file must not hide the others (a listing
   * also picks the parent of the next backup), so it is skipped with a warning; `check` reports
   * it as `snapshot-damaged`. Storage failures (not damage) still fail the listing.
   */
  private async listSnapshots(signal?: AbortSignal, onWarning?: (w: SnapshotWarning) => void): Promise<SnapshotInfo[]> {
    const ids: string[] = [];
    for await (const info of this.store.list(SNAPSHOT_PREFIX, { signal })) ids.push(info.key.slice(SNAPSHOT_PREFIX.length));
    const listed = new Set(ids);
    for (const id of this.snapshotCache.keys()) if (!listed.has(id)) this.snapshotCache.delete(id);
    const damaged = new Map<string, string>();
    const missing = ids.filter((id) => !this.snapshotCache.has(id));
    for (let i = 0; i < missing.length; i += 16) {
      await Promise.all(missing.slice(i, i + 16).map(async (id) => {
        let bytes: Buffer;
        try {
          bytes = await this.store.get(SNAPSHOT_PREFIX + id, { signal });
        } catch (err) {
          if (isNotFound(err)) return; // forgotten while we listed
          throw err;
        }
        try {
          this.snapshotCache.set(id, decodeSnapshot(this.master, bytes, id));
        } catch (err) {
          if (!isDamage(err)) throw err;
          damaged.set(id, (err as Error).message);
        }
      }));
    }
    for (const id of [...this.damagedSnapshots.keys()]) if (!damaged.has(id)) this.damagedSnapshots.delete(id);
    for (const id of [...damaged.keys()].sort()) {
      const message = damaged.get(id) as string;
      if (!this.damagedSnapshots.has(id)) {
        this.damagedSnapshots.set(id, message);
        this.options.logger.warn({ code: 'REPO_CORRUPT', snapshot: id, location: this.store.description }, 'skipping a damaged snapshot file; run `tenant-vault check`');
      }
      onWarning?.({ kind: 'snapshot-damaged', snapshot: id, message: `${message}; skipped (run \`tenant-vault check\`)` });
    }
    return [...this.snapshotCache.values()].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  }

  async *snapshots(options: SnapshotListOptions = {}): AsyncGenerator<SnapshotInfo> {
    for (const s of await this.listSnapshots(options.signal, options.onWarning)) if (options.profile === undefined || s.profile === options.profile) yield s;
  }

  async findSnapshot(ref: string, options: { profile?: string; signal?: AbortSignal } = {}): Promise<SnapshotInfo> {
    const all = (await this.listSnapshots(options.signal)).filter((s) => options.profile === undefined || s.profile === options.profile);
    const notFound = (): TenantVaultError => new TenantVaultError('SNAPSHOT_NOT_FOUND', `No snapshot ${ref}${options.profile === undefined ? '' : ` of profile ${options.profile}`}`, { details: { ref } });
    if (ref === 'latest') {
      const latest = all[all.length - 1];
      if (!latest) throw notFound();
      return latest;
    }
    const prefix = ref.toLowerCase();
    if (!/^[0-9a-f]{1,64}$/.test(prefix)) throw notFound();
    const matches = all.filter((s) => s.id.startsWith(prefix));
    if (matches.length === 0) throw notFound();
    if (matches.length > 1) throw usage(`Snapshot prefix ${ref} is ambiguous (${matches.length} snapshots)`, 'Give more characters of the snapshot ID.', { ref, matches: matches.map((m) => m.id) });
    return matches[0] as SnapshotInfo;
  }

  async startSnapshot(options: StartSnapshotOptions): Promise<SnapshotWriter> {
    this.assertOpen();
    if (typeof options.profile !== 'string' || options.profile.length === 0) throw usage('A snapshot needs a profile');
    throwIfAborted(options.signal);
    const lock = await this.locks.acquire(false, 'backup', { signal: options.signal });
    try {
      await this.refreshIndex(options.signal);
      let parent: SnapshotInfo | undefined;
      if (options.parent === undefined) {
        const all = await this.listSnapshots(options.signal);
        parent = all.filter((s) => s.profile === options.profile).pop();
      } else if (options.parent !== null) parent = await this.resolve(options.parent, options.signal);
      const parentRoot = parent ? await this.root(parent, options.signal) : undefined;
      const packs = new PackWriter({
        store: this.store, master: this.master, index: this.index, clock: this.options.clock, packSizeBytes: this.options.packSizeBytes,
        indexEveryPacks: this.options.indexEveryPacks, indexEveryMs: this.options.indexEveryMs, signal: options.signal,
        beforeIndexWrite: () => lock.assertHeld(options.signal),
      });
      const writer: SnapshotWriter = new SnapshotWriterImpl({
        store: this.store, master: this.master, packs, loader: this.loader, chunker: this.chunker, clock: this.options.clock, lock,
        tempDir: this.options.tempDir, fingerprints: this.config.version >= 2, parent, parentRoot, profile: options.profile, time: options.time ?? new Date(this.options.clock.now()),
        tags: options.tags ?? [], hostname: this.options.lock.hostname, username: this.options.lock.username, signal: options.signal,
        onClose: () => this.writers.delete(writer),
        onCommit: (info) => this.snapshotCache.set(info.id, info),
      });
      this.writers.add(writer);
      return writer;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  async types(snapshot: SnapshotRef, options: { signal?: AbortSignal } = {}): Promise<Record<string, number>> {
    const root = await this.root(await this.resolve(snapshot, options.signal), options.signal);
    return Object.fromEntries(Object.entries(root.types).map(([t, r]) => [t, r.count]));
  }

  async *entries(snapshot: SnapshotRef, options: { type?: string; signal?: AbortSignal } = {}): AsyncGenerator<ItemEntry> {
    const root = await this.root(await this.resolve(snapshot, options.signal), options.signal);
    for (const type of Object.keys(root.types).sort()) {
      if (options.type !== undefined && type !== options.type) continue;
      const node = await this.loader.typeNode((root.types[type] as { node: string }).node, options.signal);
      for await (const row of typeRows(this.loader, type, node, options.signal)) yield decodeEntry(type, row.tuple);
    }
  }

  async readItem(snapshot: SnapshotRef, type: string, id: string, options: { signal?: AbortSignal } = {}): Promise<{ entry: ItemEntry; document: unknown } | undefined> {
    const root = await this.root(await this.resolve(snapshot, options.signal), options.signal);
    const ref = root.types[type];
    if (!ref) return undefined;
    const cursor = new TypeCursor(this.loader, type, await this.loader.typeNode(ref.node, options.signal), options.signal);
    const row = await cursor.get(sortKey(this.master.shardKey, type, id), id);
    if (!row) return undefined;
    const entry = decodeEntry(type, row.tuple);
    return { entry, document: await this.readDocument(entry, options) };
  }

  private async readData(id: string, signal?: AbortSignal): Promise<Buffer> {
    if (!this.index.has(id)) await this.refreshIndex(signal);
    return this.reader.read(id, KIND_DATA, { signal });
  }

  async readDocument(entry: ItemEntry, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    const bytes = await this.readData(entry.document.id, options.signal);
    return JSON.parse(bytes.toString('utf8'));
  }

  readStream(entry: ItemEntry, name: string, options: { signal?: AbortSignal } = {}): Readable {
    const chunks = entry.streams?.[name];
    if (!chunks) throw new TenantVaultError('ITEM_NOT_FOUND', `Item ${entry.type}/${entry.id} has no stream ${JSON.stringify(name)}`, { details: { type: entry.type, id: entry.id, stream: name } });
    const read = (id: string): Promise<Buffer> => this.readData(id, options.signal);
    return Readable.from((async function* () {
      for (const chunk of chunks) yield await read(chunk.id);
    })(), { objectMode: false });
  }

  async *diff(from: SnapshotRef | undefined, to: SnapshotRef, options: DiffOptions = {}): AsyncGenerator<ItemChange> {
    const a = from === undefined ? undefined : await this.root(await this.resolve(from, options.signal), options.signal);
    const b = await this.root(await this.resolve(to, options.signal), options.signal);
    yield* diffRoots(this.loader, a, b, options);
  }

  // ---- maintenance ---------------------------------------------------------------------------

  async check(options: CheckOptions = {}): Promise<CheckReport> {
    this.assertOpen();
    const lock = await this.locks.acquire(false, options.readData ? 'check --read-data' : 'check', { signal: options.signal });
    try {
      return await checkRepository(this.store, this.master, this.locks, options);
    } finally {
      await lock.release();
    }
  }

  async forget(policy: RetentionPolicy, options: ForgetOptions = {}): Promise<ForgetResult> {
    this.assertOpen();
    if (isEmptyPolicy(policy)) throw usage('An empty retention policy would remove every snapshot', 'Give at least one --keep-* option.');
    const dryRun = options.dryRun === true;
    const lock = dryRun ? undefined : await this.locks.acquire(false, 'forget', { signal: options.signal });
    try {
      const all = (await this.listSnapshots(options.signal)).filter((s) => options.profile === undefined || s.profile === options.profile);
      const profiles = [...new Set(all.map((s) => s.profile))].sort();
      const groups: ForgetGroup[] = profiles.map((profile) => {
        const decision = applyRetention(all.filter((s) => s.profile === profile), (s) => s.time, policy, options.timeZone);
        return { profile, keep: decision.keep, remove: decision.remove };
      });
      const removed = groups.flatMap((g) => g.remove.map((s) => s.id));
      if (!dryRun) {
        for (const id of removed) {
          await lock?.assertHeld(options.signal);
          await this.store.delete(SNAPSHOT_PREFIX + id, { signal: options.signal });
          this.snapshotCache.delete(id);
        }
      }
      return { dryRun, groups, removed };
    } finally {
      await lock?.release();
    }
  }

  private get pruneDeps(): { store: BlobStore; master: MasterKey; clock: Clock; packSizeBytes: number } {
    return { store: this.store, master: this.master, clock: this.options.clock, packSizeBytes: this.options.packSizeBytes };
  }

  async planPrune(options: { signal?: AbortSignal } = {}): Promise<PrunePlan> {
    this.assertOpen();
    const lock = await this.locks.acquire(true, 'prune', { signal: options.signal });
    try {
      const snapshots = await this.listSnapshots(options.signal);
      const { plan, state } = await planPrune(this.pruneDeps, lock, snapshots, options.signal);
      this.plans.set(plan, state);
      this.openPlans.add(state);
      return plan;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async executePrune(plan: PrunePlan, options: { signal?: AbortSignal; onProgress?: (p: PruneProgress) => void } = {}): Promise<PruneResult> {
    this.assertOpen();
    const state = this.plans.get(plan);
    if (!state || !this.openPlans.has(state)) throw usage('This prune plan was not made by this repository object, or was already executed or abandoned', 'Make a new plan with planPrune().');
    try {
      await state.lock.assertHeld(options.signal);
      return await executePrune(this.pruneDeps, plan, state, options);
    } finally {
      this.openPlans.delete(state);
      await state.lock.release();
      await this.refreshIndex(options.signal).catch(() => undefined);
    }
  }

  async abandonPrune(plan: PrunePlan): Promise<void> {
    const state = this.plans.get(plan);
    if (!state || !this.openPlans.has(state)) return;
    this.openPlans.delete(state);
    await state.lock.release();
  }

  listLocks(options: { signal?: AbortSignal } = {}): Promise<LockInfo[]> {
    return this.locks.list(options);
  }

  removeStaleLocks(options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.locks.removeStale(options);
  }

  removeAllLocks(options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.locks.removeAll(options);
  }

  documents(kind: string): DocumentStore {
    return documentStore(this.store, this.master, this.options.clock, kind);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.writers].map((w) => w.abort()));
    for (const state of this.openPlans) await state.lock.release();
    this.openPlans.clear();
  }
}

