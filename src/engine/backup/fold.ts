/**
 * Folding a delta round into one change per object, on disk. Graph may send the same object
 * several times in one round — replays, and a large group's `members@delta` split in slices
 * across pages (facts §3.2–3.3) — and the slices are not always adjacent, so the round is staged
 * in a temporary SQLite table keyed by id before anything is written: later properties win,
 * relationship slices accumulate (`mergeDeltaItems`), a removal replaces what came before and an
 * upsert after a removal (a restore) replaces the removal.
 *
 * Guarantees: memory stays flat in the size of the round (rows are buffered 500 at a time);
 * `rows()` yields each object once, in order of first appearance. The table is a scratch database
 * (repository/scratch.ts) in `dir`, removed by `close()`.
 */
import type Database from 'better-sqlite3';
import { mergeDeltaItems, type DeltaEvent } from '../../connectors/index.js';
import type { JsonObject } from './documents.js';
import { ScratchDatabase } from '../../repository/index.js';

export type FoldedChange =
  | { readonly kind: 'upsert'; readonly id: string; readonly item: JsonObject }
  | { readonly kind: 'removed'; readonly id: string; readonly reason: string };

interface Row {
  readonly id: string;
  readonly removed: number;
  readonly reason: string | null;
  readonly json: string | null;
}

const BATCH = 500;

export class DeltaFold {
  readonly #scratch: ScratchDatabase;
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], Row>;
  readonly #put: Database.Statement<[string, number, number, string | null, string | null]>;
  #pending = new Map<string, FoldedChange>();
  #seq = 0;

  constructor(dir?: string) {
    this.#scratch = new ScratchDatabase(dir, 'delta', 'CREATE TABLE changes (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, removed INTEGER NOT NULL, reason TEXT, json TEXT) WITHOUT ROWID');
    this.#db = this.#scratch.db;
    this.#get = this.#db.prepare('SELECT id, removed, reason, json FROM changes WHERE id = ?');
    // The first appearance fixes the order; later ones replace the content.
    this.#put = this.#db.prepare(
      'INSERT INTO changes (id, seq, removed, reason, json) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET removed = excluded.removed, reason = excluded.reason, json = excluded.json',
    );
  }

  add(event: DeltaEvent<JsonObject>): void {
    if (event.kind === 'deltaLink') return;
    const id = event.kind === 'upsert' ? String(event.item.id) : event.id;
    const previous = this.#pending.get(id) ?? this.#stored(id);
    let next: FoldedChange;
    if (event.kind === 'removed') next = { kind: 'removed', id, reason: event.reason };
    else if (previous?.kind === 'upsert') next = { kind: 'upsert', id, item: mergeDeltaItems(previous.item, event.item) };
    else next = { kind: 'upsert', id, item: event.item };
    this.#pending.set(id, next);
    if (this.#pending.size >= BATCH) this.#flush();
  }

  *rows(): Generator<FoldedChange> {
    this.#flush();
    for (const row of this.#db.prepare('SELECT id, removed, reason, json FROM changes ORDER BY seq').iterate() as Iterable<Row>) {
      yield row.removed ? { kind: 'removed', id: row.id, reason: row.reason ?? 'deleted' } : { kind: 'upsert', id: row.id, item: JSON.parse(row.json as string) as JsonObject };
    }
  }

  /** Whether the round holds a change for this id. */
  has(id: string): boolean {
    return this.#pending.has(id) || this.#get.get(id) !== undefined;
  }

  close(): void {
    this.#pending.clear();
    this.#scratch.close();
  }

  #stored(id: string): FoldedChange | undefined {
    const row = this.#get.get(id);
    if (!row) return undefined;
    return row.removed ? { kind: 'removed', id, reason: row.reason ?? 'deleted' } : { kind: 'upsert', id, item: JSON.parse(row.json as string) as JsonObject };
  }

  #flush(): void {
    if (this.#pending.size === 0) return;
    const rows = this.#pending;
    this.#pending = new Map();
    this.#db.transaction(() => {
      for (const change of rows.values()) {
        this.#put.run(change.id, this.#seq++, change.kind === 'removed' ? 1 : 0, change.kind === 'removed' ? change.reason : null, change.kind === 'upsert' ? JSON.stringify(change.item) : null);
      }
    })();
  }
}
