/**
 * Sub-resource values taken from `$expand` listings (sub-reads.ts `bulkExpand`): sub-resource
 * name → item id → the value as JSON text, kept in a scratch database (repository/scratch.ts)
 * until the type's items are completed. There is one per object of the type — a tenant's
 * managers, its devices' owners — so memory does not hold them; writes are buffered 500 at a time.
 */
import type Database from 'better-sqlite3';
import { ScratchDatabase } from '../../repository/index.js';

const BATCH = 500;

export class BulkValues {
  readonly #scratch: ScratchDatabase;
  readonly #put: Database.Statement<[string, string, string]>;
  readonly #get: Database.Statement<[string, string], { json: string }>;
  #pending: Array<[string, string, string]> = [];

  constructor(dir: string | undefined) {
    this.#scratch = new ScratchDatabase(dir, 'expand', 'CREATE TABLE bulk (sub TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (sub, id)) WITHOUT ROWID');
    this.#put = this.#scratch.db.prepare('INSERT OR REPLACE INTO bulk (sub, id, json) VALUES (?, ?, ?)');
    this.#get = this.#scratch.db.prepare('SELECT json FROM bulk WHERE sub = ? AND id = ?');
  }

  set(sub: string, id: string, json: string): void {
    this.#pending.push([sub, id, json]);
    if (this.#pending.length >= BATCH) this.#flush();
  }

  get(sub: string, id: string): string | undefined {
    this.#flush();
    return this.#get.get(sub, id)?.json;
  }

  has(sub: string, id: string): boolean {
    return this.get(sub, id) !== undefined;
  }

  close(): void {
    this.#pending = [];
    this.#scratch.close();
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#pending = [];
    this.#scratch.db.transaction(() => {
      for (const row of rows) this.#put.run(...row);
    })();
  }
}
