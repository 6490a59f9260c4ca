/**
 * A throwaway SQLite database that stages one type's data on disk instead of in memory (fold.ts,
 * bulk-values.ts): a named file in `dir`, removed by `close()`, or without `dir` SQLite's
 * anonymous temporary database, which the OS reclaims even if the process dies. Durability is
 * off — the data is rebuilt by the next run if this one dies.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export class ScratchDatabase {
  readonly db: Database.Database;
  readonly #path: string | undefined;

  constructor(dir: string | undefined, label: string, schema: string) {
    this.#path = dir === undefined ? undefined : join(dir, `tenant-vault-${label}-${process.pid}-${randomBytes(6).toString('hex')}.sqlite`);
    this.db = new Database(this.#path ?? '');
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('temp_store = FILE');
    this.db.exec(schema);
  }

  close(): void {
    if (this.db.open) this.db.close();
    if (this.#path) rmSync(this.#path, { force: true });
  }
}
