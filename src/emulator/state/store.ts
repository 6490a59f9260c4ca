/**
 * `EntityStore`: one in-memory collection of entities (users, conditional-access policies, Intune
 * scripts, …) keyed by `id`, kept in insertion order, with an optional change log for delta.
 *
 * Guarantees:
 * - Entities are treated as immutable values: `update` and `replace` store a new object, so an
 *   entity handed to a response is never changed afterwards.
 * - Iteration is in insertion order and resumable by ordinal (`scan(fromOrdinal)`), which is what
 *   server-driven paging needs; ordinals stay valid across inserts and deletes (holes are skipped).
 *   When the store compacts its holes it bumps `epoch`, and `ordinalOf(id)` gives the new place.
 * - Every write records a change when the store tracks changes; writes made while loading
 *   generated data (`{ silent: true }`) record nothing, so the initial state is the baseline.
 * Not here: validation, projection or permissions (the resource layer does those).
 */
import { ChangeKind, ChangeLog, type ChangeKindCode } from './change-log.js';

export interface Entity {
  id: string;
  [property: string]: unknown;
}

export interface StoreOptions {
  /** Keep a change log for delta queries. */
  trackChanges?: boolean;
  /** The emulator clock (ms since the epoch); change-log entries are stamped with it. */
  now?: () => number;
}

export interface WriteOptions {
  /** Do not record a change (used when loading generated data). */
  silent?: boolean;
}

export class EntityStore<T extends Entity = Entity> {
  readonly changes: ChangeLog | undefined;
  private rows: (T | undefined)[] = [];
  private ordinals = new Map<string, number>();
  private holes = 0;
  private epochValue = 0;
  private readonly now: () => number;

  constructor(readonly name: string, options: StoreOptions = {}) {
    this.changes = options.trackChanges ? new ChangeLog() : undefined;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.ordinals.size;
  }

  /** Changes whenever ordinals are renumbered. */
  get epoch(): number {
    return this.epochValue;
  }

  get(id: string): T | undefined {
    const o = this.ordinals.get(id);
    return o === undefined ? undefined : this.rows[o];
  }

  has(id: string): boolean {
    return this.ordinals.has(id);
  }

  ordinalOf(id: string): number | undefined {
    return this.ordinals.get(id);
  }

  /** One past the highest ordinal in use. */
  get end(): number {
    return this.rows.length;
  }

  insert(entity: T, options: WriteOptions = {}): T {
    if (this.ordinals.has(entity.id)) throw new Error(`duplicate id ${entity.id} in store ${this.name}`);
    this.ordinals.set(entity.id, this.rows.length);
    this.rows.push(entity);
    this.log(entity.id, ChangeKind.upsert, options);
    return entity;
  }

  /** Shallow-merges `patch` into a copy of the entity; returns both versions. */
  update(id: string, patch: Partial<T>, options: WriteOptions = {}): { before: T; after: T } | undefined {
    const o = this.ordinals.get(id);
    const before = o === undefined ? undefined : this.rows[o];
    if (o === undefined || !before) return undefined;
    const after = { ...before, ...patch, id: before.id } as T;
    this.rows[o] = after;
    this.log(id, ChangeKind.upsert, options);
    return { before, after };
  }

  replace(entity: T, options: WriteOptions = {}): T | undefined {
    const o = this.ordinals.get(entity.id);
    if (o === undefined) return undefined;
    const before = this.rows[o];
    this.rows[o] = entity;
    this.log(entity.id, ChangeKind.upsert, options);
    return before;
  }

  /**
   * Removes the entity. `reason` decides what delta reports: `softDelete` (restorable,
   * `@removed: changed`) or `hardDelete` (`@removed: deleted`).
   */
  remove(id: string, reason: 'softDelete' | 'hardDelete' = 'hardDelete', options: WriteOptions = {}): T | undefined {
    const o = this.ordinals.get(id);
    if (o === undefined) return undefined;
    const before = this.rows[o];
    this.rows[o] = undefined;
    this.ordinals.delete(id);
    this.holes++;
    this.log(id, reason === 'softDelete' ? ChangeKind.softDelete : ChangeKind.hardDelete, options);
    this.maybeCompact();
    return before;
  }

  /** Records a relationship change (e.g. `members` add/remove) for delta. */
  recordLink(id: string, nav: string, targetId: string, added: boolean): void {
    this.changes?.record(id, added ? ChangeKind.linkAdd : ChangeKind.linkRemove, this.now(), nav, targetId);
  }

  /** Records an object-level change without modifying the entity (e.g. a derived property changed). */
  touch(id: string): void {
    this.changes?.record(id, ChangeKind.upsert, this.now());
  }

  /** Entities in insertion order starting at `fromOrdinal`, with their ordinals. */
  *scan(fromOrdinal = 0): IterableIterator<[number, T]> {
    const rows = this.rows;
    for (let i = Math.max(0, fromOrdinal); i < rows.length; i++) {
      const row = rows[i];
      if (row !== undefined) yield [i, row];
    }
  }

  *values(): IterableIterator<T> {
    for (const row of this.rows) if (row !== undefined) yield row;
  }

  clear(): void {
    this.rows = [];
    this.ordinals.clear();
    this.holes = 0;
    this.epochValue++;
  }

  private log(id: string, kind: ChangeKindCode, options: WriteOptions): void {
    if (!this.changes || options.silent) return;
    const now = this.now();
    this.changes.record(id, kind, now);
    this.changes.compact(now);
  }

  private maybeCompact(): void {
    if (this.holes < 1024 || this.holes < this.rows.length / 2) return;
    const rows: (T | undefined)[] = [];
    for (const row of this.rows) {
      if (row === undefined) continue;
      this.ordinals.set(row.id, rows.length);
      rows.push(row);
    }
    this.rows = rows;
    this.holes = 0;
    this.epochValue++;
  }
}
