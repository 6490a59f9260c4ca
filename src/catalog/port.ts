/**
 * The Catalog port: the derived index of snapshots and item versions that browsing (`ls`),
 * search (`find`), history, job reports and the restore audit trail query. The repository is
 * the source of truth (DESIGN invariant 1); everything under "snapshots and item versions" here
 * can be thrown away and recreated with `rebuildCatalog`. Jobs and audit events are the only
 * records that live in the catalog alone, and a rebuild keeps them.
 *
 * Guarantees every implementation gives (the suite in test/catalog runs against each dialect):
 * - One catalog indexes one repository; a snapshot from another repository is refused.
 * - Item versions carry the range of snapshots in which they are current (invariant 5): a version
 *   is current in every snapshot of its profile with `firstSeq <= seq <= (lastSeq ?? Infinity)`.
 *   Unchanged items add no rows, whatever the number of snapshots.
 * - `firstSeq` and a non-null `lastSeq` always name an existing snapshot of the profile (ranges
 *   are tightened when snapshots are removed), so answers never point at a forgotten snapshot.
 * - `recordSnapshot` is atomic and idempotent; snapshots of a profile must arrive in time order.
 * - `replaceSnapshots` swaps the whole snapshot index atomically: readers see the old catalog
 *   until the new one is complete, and an abort or failure leaves the old one untouched.
 * - Names are compared after JavaScript's `toLowerCase()` on every dialect, so ordering and
 *   search answer the same on SQLite and Postgres.
 * - Failures of the database are `TenantVaultError`s with code `CATALOG_ERROR` and a hint;
 *   errors thrown by a caller's iterable pass through unchanged.
 *
 * Not guaranteed: no tenant documents are stored (names, IDs and content IDs only), so the catalog
 * can never answer "what did this item contain" — the repository does, from `blobId`.
 */

/** The catalog's view of a snapshot, as the repository (or the backup engine) describes it. */
export interface CatalogSnapshot {
  /** Snapshot ID (a content ID, hex); prefixes of it are accepted where a user types one. */
  readonly id: string;
  /** ID of the repository the snapshot lives in. */
  readonly repositoryId: string;
  /** The app profile whose items the snapshot holds. */
  readonly profile: string;
  /** When the snapshot was taken, ISO 8601; stored normalised to UTC milliseconds. */
  readonly time: string;
  /** The snapshot this one was based on, as recorded in the repository (informational). */
  readonly parent?: string | undefined;
  /** `partial` when some resource types could not be read (the summary says which). */
  readonly state?: SnapshotState | undefined;
  readonly tags?: readonly string[] | undefined;
  /** Counts and notes from the backup; must be JSON-serialisable and hold no tenant data. */
  readonly summary?: Readonly<Record<string, unknown>> | undefined;
}

export type SnapshotState = 'complete' | 'partial';

/** One item that differs between a profile's previous snapshot and the one being recorded. */
export interface CatalogItemChange {
  /** Resource type, e.g. `user`, `conditionalAccessPolicy`. */
  readonly type: string;
  /** The item's ID within its type. */
  readonly id: string;
  readonly kind: 'added' | 'changed' | 'removed';
  /** Content ID of the item's document in the repository; required unless `removed`. */
  readonly blobId?: string | undefined;
  /** Display name (or UPN, name …) used for listing and search. Not inherited: give it on every change. */
  readonly name?: string | undefined;
  /** Size in bytes of the stored document, if known. */
  readonly size?: number | undefined;
}

/** What the catalog stores about a snapshot. */
export interface SnapshotRecord {
  readonly id: string;
  readonly profile: string;
  /** Position of the snapshot among its profile's snapshots; gaps appear when snapshots are removed. */
  readonly seq: number;
  readonly time: string;
  readonly parent: string | null;
  readonly state: SnapshotState;
  readonly tags: readonly string[];
  readonly summary: Readonly<Record<string, unknown>>;
}

/** A snapshot named in an answer about versions. */
export interface SnapshotRef {
  readonly id: string;
  readonly seq: number;
  readonly time: string;
}

/** One item as it is in one snapshot. */
export interface CatalogItem {
  readonly profile: string;
  readonly type: string;
  readonly id: string;
  readonly name: string;
  readonly blobId: string;
  readonly size: number | null;
}

/** One version of an item and the snapshots in which it is current. */
export interface ItemVersion extends CatalogItem {
  /** First snapshot in which this version is current. */
  readonly first: SnapshotRef;
  /** Last snapshot in which it is current; for a current version, the profile's latest snapshot. */
  readonly last: SnapshotRef;
  /** True when the version is current in the profile's latest snapshot. */
  readonly current: boolean;
  /** How many (remaining) snapshots the version is current in. */
  readonly snapshotCount: number;
}

export interface ItemPage {
  readonly items: readonly CatalogItem[];
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: string;
}

export interface ListItemsOptions {
  readonly type?: string;
  /** Page size, 1 … 10 000; default 1 000. */
  readonly limit?: number;
  /** The `next` cursor of the previous page. */
  readonly after?: string;
}

export interface SearchOptions {
  readonly profile?: string;
  readonly type?: string;
  /** Maximum number of versions returned, 1 … 10 000; default 100. */
  readonly limit?: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface RecordOptions extends CallOptions {
  /**
   * The snapshot the changes are relative to: its ID, or `null` for "relative to nothing" (the
   * profile's first snapshot). When given, the catalog refuses the changes if its latest snapshot
   * of the profile is a different one — the sign that it missed a snapshot and needs a rebuild.
   * When absent, the changes are taken to be relative to the catalog's latest snapshot.
   */
  readonly base?: string | null;
}

export interface RecordResult {
  /** False when the snapshot was already in the catalog (nothing was read or written). */
  readonly recorded: boolean;
  readonly seq: number;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface RemoveResult {
  /** Snapshots removed (IDs not in the catalog are ignored). */
  readonly snapshots: number;
  /** Item versions deleted because no remaining snapshot holds them. */
  readonly versions: number;
}

/** Records one snapshot inside `replaceSnapshots`; same contract as `Catalog.recordSnapshot`. */
export type SnapshotRecorder = (
  snapshot: CatalogSnapshot,
  changes: AsyncIterable<CatalogItemChange>,
  options?: RecordOptions,
) => Promise<RecordResult>;

// ---- jobs and audit -------------------------------------------------------------------------

export type JobKind = 'backup' | 'restore' | 'check' | 'prune' | 'rebuild' | (string & {});
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FINISHED_JOB_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export type FinishedJobStatus = (typeof FINISHED_JOB_STATUSES)[number];

/** The error a failed job ended with; a `TenantVaultError` fits this shape as it is. */
export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly profile: string | null;
  readonly status: JobStatus;
  readonly params: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly progress: Readonly<Record<string, unknown>> | null;
  readonly report: Readonly<Record<string, unknown>> | null;
  readonly error: JobError | null;
}

export interface NewJob {
  /** Generated (a UUID) when absent. */
  readonly id?: string;
  readonly kind: JobKind;
  readonly profile?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Default `queued`. */
  readonly status?: 'queued' | 'running';
}

export interface JobUpdate {
  readonly status?: 'queued' | 'running';
  /** Replaces the job's progress. */
  readonly progress?: Readonly<Record<string, unknown>>;
}

export interface JobOutcome {
  readonly status: FinishedJobStatus;
  readonly report?: Readonly<Record<string, unknown>>;
  readonly error?: JobError;
}

export interface ListJobsOptions {
  readonly kind?: JobKind;
  readonly profile?: string;
  readonly status?: JobStatus;
  /** Default 50, at most 1 000. */
  readonly limit?: number;
  /** ID of the last job of the previous page: the answer continues with older jobs. */
  readonly before?: string;
}

export interface AuditEvent {
  /** Increases with every event appended. */
  readonly id: number;
  readonly time: string;
  /** Who: a user principal name, `cli:<os user>`, `scheduler` … */
  readonly actor: string;
  /** What was done, e.g. `restore.apply`, `snapshot.forget`. */
  readonly action: string;
  readonly profile: string | null;
  /** What it was done to, e.g. `user/3f1c…` or a snapshot ID. */
  readonly target: string;
  /** e.g. `succeeded`, `failed`, `partial`. */
  readonly result: string;
  readonly jobId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface NewAuditEvent {
  readonly actor: string;
  readonly action: string;
  readonly profile?: string;
  readonly target: string;
  readonly result: string;
  readonly jobId?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ListAuditOptions {
  readonly actor?: string;
  readonly action?: string;
  readonly profile?: string;
  readonly target?: string;
  readonly jobId?: string;
  /** Default 100, at most 1 000. */
  readonly limit?: number;
  /** Continue with events older than this event ID. */
  readonly before?: number;
}

export interface CatalogInfo {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the catalog is, without credentials. */
  readonly location: string;
  readonly schemaVersion: number;
  readonly repositoryId: string | null;
  /** How `search` finds names: an index, or a scan when none could be created. */
  readonly searchIndex: 'fts5-trigram' | 'pg_trgm' | 'none';
  readonly snapshots: number;
  readonly itemVersions: number;
  readonly jobs: number;
  readonly auditEvents: number;
}

export interface Catalog {
  readonly dialect: 'sqlite' | 'postgres';

  info(): Promise<CatalogInfo>;

  /**
   * Records a snapshot and the changes relative to the profile's previous snapshot, in one
   * transaction, reading `changes` as a stream. Recording a snapshot already present is a no-op
   * that does not read `changes`.
   *
   * `changes` runs inside the write transaction and must not write to the catalog: on SQLite
   * there is one writer connection, so other writes (jobs, audit, snapshots) wait until this one
   * commits — reads do not wait. Feed it from data already at hand rather than a slow source.
   */
  recordSnapshot(snapshot: CatalogSnapshot, changes: AsyncIterable<CatalogItemChange>, options?: RecordOptions): Promise<RecordResult>;

  /** Forgets snapshots (unknown IDs are ignored) and deletes versions no remaining snapshot holds. */
  removeSnapshots(ids: readonly string[], options?: CallOptions): Promise<RemoveResult>;

  /**
   * Empties the snapshot index, lets `replay` record snapshots into it, and commits all of it at
   * once. Jobs and audit events are kept. Used by `rebuildCatalog`.
   */
  replaceSnapshots(repositoryId: string, replay: (record: SnapshotRecorder) => Promise<void>, options?: CallOptions): Promise<void>;

  /** Snapshots, oldest first (ties broken by ID). */
  listSnapshots(options?: { readonly profile?: string }): Promise<SnapshotRecord[]>;

  /** The snapshot with this ID or unique ID prefix; `SNAPSHOT_NOT_FOUND` or `USAGE` (ambiguous) otherwise. */
  getSnapshot(idOrPrefix: string): Promise<SnapshotRecord>;

  /** The items of a snapshot, ordered by type, lower-cased name, ID. */
  listItems(snapshotIdOrPrefix: string, options?: ListItemsOptions): Promise<ItemPage>;

  /** Every version of an item (in every profile unless one is given), oldest first. */
  itemHistory(item: { readonly profile?: string; readonly type: string; readonly id: string }): Promise<ItemVersion[]>;

  /**
   * Versions whose name contains `text` (case-insensitive), with the snapshots in which each is
   * current; ordered by profile, type, name, ID, age.
   */
  search(text: string, options?: SearchOptions): Promise<ItemVersion[]>;

  createJob(job: NewJob): Promise<Job>;
  updateJob(id: string, update: JobUpdate): Promise<Job>;
  finishJob(id: string, outcome: JobOutcome): Promise<Job>;
  getJob(id: string): Promise<Job | undefined>;
  /** Newest first. */
  listJobs(options?: ListJobsOptions): Promise<Job[]>;

  /** Appends to the audit trail; events are never changed or deleted. */
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Newest first. */
  listAudit(options?: ListAuditOptions): Promise<AuditEvent[]>;

  close(): Promise<void>;
}

/**
 * What `rebuildCatalog` needs from the repository (habit 3: the consumer declares the narrow
 * interface; the repository satisfies it through a thin adapter).
 */
export interface CatalogSource {
  readonly repositoryId: string;
  /** Every snapshot, in any order. */
  snapshots(options?: CallOptions): AsyncIterable<CatalogSnapshot>;
  /** The tree diff from `from` (or from nothing) to `to`. */
  changes(from: CatalogSnapshot | undefined, to: CatalogSnapshot, options?: CallOptions): AsyncIterable<CatalogItemChange>;
}
