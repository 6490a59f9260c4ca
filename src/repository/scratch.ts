/**
 * A throwaway SQLite database that stages data on disk instead of in memory (the snapshot
 * writer's staging.ts; the backup's delta fold and expand values): a named file in `dir`,
 * removed by `close()`, or without `dir` SQLite's
 * anonymous temporary database, which the OS reclaims even if the process dies. Durability is
 * off — the data is rebuilt by the next run if this one dies, and that run removes the files a
 * dead process left (`removeStaleScratch`).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const NAME = /^tenant-vault-[a-z]+-(\d+)-[0-9a-f]{12}\.sqlite$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch files of processes that died before closing them (a killed backup); returns how many. */
export function removeStaleScratch(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = NAME.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

export class ScratchDatabase {
  readonly db: Database.Database;
  readonly #path: string | undefined;

  /** `cacheKib`: SQLite's page cache, for tables sorted on read (SQLite's default is 2,000 KiB). */
  constructor(dir: string | undefined, label: string, schema: string, options: { cacheKib?: number } = {}) {
    this.#path = dir === undefined ? undefined : join(dir, `tenant-vault-${label}-${process.pid}-${randomBytes(6).toString('hex')}.sqlite`);
    this.db = new Database(this.#path ?? '');
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    if (options.cacheKib !== undefined) this.db.pragma(`cache_size = -${options.cacheKib}`);
    this.db.pragma('temp_store = FILE');
    this.db.exec(schema);
  }

  close(): void {
    if (this.db.open) this.db.close();
    if (this.#path) rmSync(this.#path, { force: true });
  }
}
