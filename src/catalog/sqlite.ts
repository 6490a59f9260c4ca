/**
 * Opens the SQLite flavour of the catalog: one better-sqlite3 connection in WAL mode (readers in
 * other processes never wait for a writer), foreign keys on, and a busy timeout so a second
 * writer waits rather than fails. Transactions begin IMMEDIATE: the write lock is taken at BEGIN,
 * so a transaction that reads and then writes cannot fail half-way with SQLITE_BUSY_SNAPSHOT
 * (https://www.sqlite.org/lang_transaction.html). Every catalog transaction writes, so nothing is
 * lost by taking the lock up front.
 *
 * Not handled here: the schema (see `migrations.ts`) and error translation (`errors.ts`).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig } from 'kysely';
import type { CatalogDatabase } from './schema.js';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export interface SqliteOptions {
  /** How long a writer waits for another process's write lock. Default 5 000 ms. */
  readonly busyTimeoutMs?: number;
  /** A read-only connection to an existing catalog file (no settings are changed). */
  readonly readOnly?: boolean;
}

/** `path` is a file path or `:memory:`. Throws the driver's error if the file is not a database. */
export function openSqlite(path: string, options: SqliteOptions = {}): Kysely<CatalogDatabase> {
  const timeout = options.busyTimeoutMs ?? 5_000;
  if (options.readOnly === true) {
    const database = new Database(path, { timeout, readonly: true, fileMustExist: true });
    return new Kysely<CatalogDatabase>({ dialect: new SqliteDialect({ database }) });
  }
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new Database(path, { timeout });
  try {
    // Reading the journal mode reads the header: a damaged or foreign file fails here.
    database.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; a power loss may drop the last
    // transactions, which a rebuild recovers (the catalog is derived data).
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (err) {
    database.close();
    throw err;
  }
  return new Kysely<CatalogDatabase>({ dialect: new ImmediateSqliteDialect({ database }) });
}
