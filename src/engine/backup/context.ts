/**
 * What every part of one backup (or live read) shares: the connection (one scheduler for the
 * app and tenant), the parent snapshot, the change signals, the warnings, which sub-resources are
 * skipped and why, and progress. One `RunContext` per run; the type readers receive it.
 *
 * Change signals: ids of directory objects the service says changed since the parent snapshot —
 * from the directory audit log (each record's target resources) and from this run's delta rounds.
 * Sub-resources Graph gives no change signal for (`everyRun`: owners, app-role assignments, …)
 * are read again only for signalled items, when signals are `available` (the audit log was read
 * from the parent's high-water mark); otherwise for every item.
 */
import type { ExchangeClient, GraphClient, SubResourceSpec } from '../../connectors/index.js';
import { isTenantVaultError } from '../../errors/index.js';
import type { Logger } from '../../logging/index.js';
import type { Repository, SnapshotInfo, ItemEntry } from '../../repository/index.js';
import type { Connection } from '../profiles/index.js';
import { isObject, type JsonObject } from './documents.js';

export interface BackupWarning {
  readonly type?: string;
  /** Error code (`PERMISSION_MISSING`, `DELTA_EXPIRED`, …) or a short word (`skipped`). */
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export class Warnings {
  readonly #list: BackupWarning[] = [];
  readonly #seen = new Set<string>();
  constructor(private readonly logger: Logger) {}

  add(warning: BackupWarning): void {
    const key = `${warning.type ?? ''}\0${warning.code}\0${warning.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#list.push(warning);
    this.logger.warn({ type: warning.type, code: warning.code, hint: warning.hint }, warning.message);
  }

  get list(): readonly BackupWarning[] {
    return this.#list;
  }
}

export class ChangeSignals {
  /** Lower-cased id → the id as the service wrote it. */
  readonly #ids = new Map<string, string>();
  /** Per audit log, the categories of the records read in this run, reads excepted (quiet.ts). */
  readonly #categories = new Map<string, Set<string>>();
  /** The audit logs read in this run, each with its `readAtMs` as its new state keeps it. */
  readonly logsRead = new Map<string, number | undefined>();
  /** Whether the signals cover everything since the parent snapshot (the audit log was read from its mark). */
  available = false;

  add(id: string): void {
    const key = id.toLowerCase();
    if (!this.#ids.has(key)) this.#ids.set(key, id);
  }

  has(id: string): boolean {
    return this.#ids.has(id.toLowerCase());
  }

  /** The categories seen in a log (a live set, filled while the log is read). */
  categories(log: string): Set<string> {
    let set = this.#categories.get(log);
    if (!set) this.#categories.set(log, (set = new Set()));
    return set;
  }

  get size(): number {
    return this.#ids.size;
  }

  /** The signalled ids, as a snapshot of the set now. */
  ids(): string[] {
    return [...this.#ids.values()];
  }
}

/** Per-type state kept in the snapshot (opaque to the repository; visible only with the snapshot). */
export interface TypeState {
  /** `delta`: the link the next round starts from. */
  readonly deltaLink?: string;
  /** `appendOnly`: the newest record time seen (ISO 8601). */
  readonly highWaterMark?: string;
  /** `appendOnly`: a lower bound of the service's clock when the last read started (read-audit.ts). */
  readonly settledAt?: string;
  /** `appendOnly`: our clock when the last read started (ms), to measure the time between reads. */
  readonly readAtMs?: number;
  /** When the type was last read in full (ISO 8601). */
  readonly fullAt?: string;
  /** `list` / `singleton`: when the type was last listed, by our clock (ISO 8601; quiet.ts). */
  readonly listedAt?: string;
  /**
   * Audited types: the `readAtMs` of the audit log's last read when the type was last listed or
   * found quiet — the next window covers since then only if it still is the log's (quiet.ts).
   */
  readonly logReadAtMs?: number;
}

export interface BackupState {
  readonly version: 1;
  readonly types: Readonly<Record<string, TypeState>>;
}

export function readState(snapshot: SnapshotInfo | undefined): BackupState {
  const raw = snapshot?.state as Partial<BackupState> | undefined;
  if (!raw || raw.version !== 1 || !isObject(raw.types)) return { version: 1, types: {} };
  return { version: 1, types: raw.types as Record<string, TypeState> };
}

/** The parent snapshot as the readers need it: its items by point lookup or stream, and its state. */
export class ParentView {
  readonly #state: BackupState;
  constructor(
    private readonly repo: Repository | undefined,
    readonly snapshot: SnapshotInfo | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.#state = readState(snapshot);
  }

  /** Whether the parent holds the type (it may hold zero items of it). */
  hasType(type: string): boolean {
    return this.snapshot?.types[type] !== undefined;
  }

  count(type: string): number | undefined {
    return this.snapshot?.types[type]?.count;
  }

  typeState(type: string): TypeState | undefined {
    return this.#state.types[type];
  }

  async document(type: string, id: string): Promise<JsonObject | undefined> {
    if (!this.repo || !this.snapshot || !this.hasType(type)) return undefined;
    const found = await this.repo.readItem(this.snapshot, type, id, { signal: this.signal });
    return found && isObject(found.document) ? found.document : undefined;
  }

  async *entries(type: string): AsyncGenerator<ItemEntry> {
    if (!this.repo || !this.snapshot || !this.hasType(type)) return;
    yield* this.repo.entries(this.snapshot, { type, signal: this.signal });
  }

  async read(entry: ItemEntry): Promise<JsonObject | undefined> {
    if (!this.repo) return undefined;
    const document = await this.repo.readDocument(entry, { signal: this.signal });
    return isObject(document) ? document : undefined;
  }
}

export interface RunOptionsInContext {
  /** Sub-resources read only on request (`user.authenticationMethods`: 5 requests per 10 s). */
  readonly optIn: ReadonlySet<string>;
  /** How long an audited type may go without being listed (quiet.ts; default a day). */
  readonly relistAfterMs?: number;
}

/**
 * What this run learned about owners of `ownedBy` types (devices of BitLocker keys): their keys
 * (the property the owned items refer to) as seen in this run, which were removed, and whether
 * the owner type was read in full (then its owned type is listed in full too).
 */
export class OwnerChanges {
  readonly keys = new Map<string, string>();
  readonly removed = new Set<string>();
  full = false;
}

export class RunContext {
  readonly #skipped = new Map<string, Map<string, string>>();
  readonly #owners = new Map<string, OwnerChanges>();
  /** Types written successfully in this run so far. */
  readonly completed = new Set<string>();
  #exchange: Promise<ExchangeClient> | undefined;

  constructor(
    readonly connection: Connection,
    readonly parent: ParentView,
    readonly logger: Logger,
    readonly warnings: Warnings,
    readonly signals: ChangeSignals,
    readonly settings: RunOptionsInContext & { readonly tempDir?: string; readonly signal?: AbortSignal; readonly consentUrl: string },
    readonly onItems: (type: string, done: number) => void,
  ) {}

  get graph(): GraphClient {
    return this.connection.graph;
  }

  get signal(): AbortSignal | undefined {
    return this.settings.signal;
  }

  /**
   * Whether the change signals cover every change of this type's items since the parent: they
   * must be complete, and the parent must hold the type as read then (not carried over from an
   * older snapshot because it could not be read).
   */
  signalsCover(type: string): boolean {
    return this.signals.available && this.parent.snapshot?.types[type]?.absent === undefined;
  }

  readonly #once = new Map<string, Promise<unknown>>();

  /** The result of `make`, computed once per run and key (parent ids several types list by). */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let promise = this.#once.get(key) as Promise<T> | undefined;
    if (!promise) this.#once.set(key, (promise = make()));
    return promise;
  }

  /** The owner changes of a type other types are `ownedBy` (created on first use). */
  owners(type: string): OwnerChanges {
    let owners = this.#owners.get(type);
    if (!owners) this.#owners.set(type, (owners = new OwnerChanges()));
    return owners;
  }

  /** A sub-resource is not read in this run (missing permission, opt-in); its key stays absent. */
  skipSub(type: string, sub: string, reason: string): void {
    let map = this.#skipped.get(type);
    if (!map) this.#skipped.set(type, (map = new Map()));
    if (!map.has(sub)) map.set(sub, reason);
  }

  isSkipped(type: string, sub: SubResourceSpec): boolean {
    return this.#skipped.get(type)?.has(sub.name) === true;
  }

  skippedSubs(type: string): Record<string, string> {
    return Object.fromEntries(this.#skipped.get(type) ?? []);
  }

  /** The Exchange client, routed through the tenant's initial domain (read once from Graph). */
  exchange(): Promise<ExchangeClient> {
    this.#exchange ??= (async () => {
      let initialDomain: string | undefined;
      try {
        for await (const domain of this.graph.items<{ id?: string; isInitial?: boolean }>('/domains', { type: 'domain', ...(this.signal ? { signal: this.signal } : {}) })) {
          if (domain.isInitial && typeof domain.id === 'string') initialDomain = domain.id;
        }
      } catch (err) {
        if (!isTenantVaultError(err)) throw err;
        this.logger.debug({ err: err.message }, 'initial domain unknown; Exchange calls go without X-AnchorMailbox');
      }
      return this.connection.exchange(initialDomain);
    })();
    return this.#exchange;
  }
}
