/**
 * On-disk staging of tree entries while a type is written (spec §9.5), so that memory stays flat
 * however many items stream through: rows go to a temporary SQLite database keyed by (sort key,
 * id) and come back in key order.
 *
 * Guarantees: `sorted()` yields every row put, one per (h, id) — the last put wins — ordered by h
 * then id as UTF-8 bytes (SQLite's BINARY collation), the order of spec §9.2. Rows are buffered
 * in batches of at most 1,000 and appended in one transaction per batch; the order is made once,
 * by SQLite's external sorter, when they are read (appending is several times faster than
 * inserting into a B-tree keyed by a random hash). The table is a scratch database (scratch.ts)
 * in `dir`, removed by `close()`. Each table has its own connection, because a connection that is
 * iterating cannot write.
 */
import type Database from 'better-sqlite3';
import { ScratchDatabase } from './scratch.js';

export interface StagedRow {
  readonly h: string;
  readonly id: string;
  /** Delta op (0 added, 1 changed, 2 deleted) or -1 for a plain entry. */
  readonly op: number;
  /** Entry tuple JSON; null for a deletion. */
  readonly json: string | null;
  /** The caller's sequence number of the row (e.g. its position in a listing); default 0. */
  readonly seq?: number;
}

const BATCH = 1000;

export class StagingTable {
  private readonly scratch: ScratchDatabase;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, number, string | null, number]>;
  private readonly insertMany: (rows: StagedRow[]) => void;
  private batch: StagedRow[] = [];
  private rows = -1;

  constructor(dir?: string) {
    this.scratch = new ScratchDatabase(dir, 'staging', 'CREATE TABLE rows (h TEXT NOT NULL, id TEXT NOT NULL, op INTEGER NOT NULL, json TEXT, seq INTEGER NOT NULL)', { cacheKib: 8192 });
    this.db = this.scratch.db;
    this.insert = this.db.prepare('INSERT INTO rows (h, id, op, json, seq) VALUES (?, ?, ?, ?, ?)');
    this.insertMany = this.db.transaction((rows: StagedRow[]) => {
      for (const r of rows) this.insert.run(r.h, r.id, r.op, r.json, r.seq ?? 0);
    });
  }

  put(row: StagedRow): void {
    this.batch.push(row);
    this.rows = -1;
    if (this.batch.length >= BATCH) this.flush();
  }

  /** Rows put (equal to the keys staged when the caller puts each key once). */
  count(): number {
    this.flush();
    if (this.rows < 0) this.rows = (this.db.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n;
    return this.rows;
  }

  *sorted(): Generator<StagedRow> {
    this.flush();
    let pending: StagedRow | undefined;
    // Equal keys arrive together, in insertion order: keep the last of each run.
    for (const r of this.db.prepare('SELECT h, id, op, json, seq FROM rows ORDER BY h, id, rowid').iterate() as IterableIterator<StagedRow>) {
      if (pending && (pending.h !== r.h || pending.id !== r.id)) yield pending;
      pending = r;
    }
    if (pending) yield pending;
  }

  close(): void {
    this.batch = [];
    this.scratch.close();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.insertMany(rows);
  }
}
