/**
 * What every catalog module shares: the Kysely handles, the dialect, a credential-free location
 * for messages, the clock, and the one way to write the snapshot index (`writeTransaction`).
 *
 * Writers of the snapshot index are serialised across processes: SQLite transactions begin
 * IMMEDIATE (the dialect in `sqlite.ts` does that), so a second writer waits for the busy timeout
 * instead of failing half-way; on Postgres each such transaction first takes a transaction-scoped
 * advisory lock named after the catalog's schema, so two workers recording snapshots of the same
 * profile cannot both pick the same sequence number.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { TenantVaultError } from '../errors/index.js';
import { catalogDbError, isAbortError, SourceFailure } from './errors.js';
import type { CatalogDatabase, Dialect } from './schema.js';

export interface CatalogContext {
  /** Writes, and reads that must see the writer's own transaction. */
  readonly db: Kysely<CatalogDatabase>;
  /**
   * Plain reads. On a SQLite file this is a second, read-only connection: the one writer
   * connection is held for the whole of a snapshot's transaction, and browsing should not wait
   * for it (WAL lets readers see the last commit meanwhile). Elsewhere it is `db`.
   */
  readonly reader: Kysely<CatalogDatabase>;
  readonly dialect: Dialect;
  /** Location without credentials, for messages. */
  readonly location: string;
  /** Postgres schema holding the catalog (unused on SQLite). */
  readonly schema: string;
  readonly now: () => Date;
}

export type Trx = Transaction<CatalogDatabase>;

/** Runs `fn` in a transaction that holds the catalog's write lock. */
export async function writeTransaction<T>(ctx: CatalogContext, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    if (ctx.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext(${`tenant-vault catalog ${ctx.schema}`}))`.execute(trx);
    }
    return fn(trx);
  });
}

/**
 * The boundary of every public method: TenantVaultErrors and aborts pass through, failures of a
 * caller's iterable come out as they went in, and anything else is a database failure.
 */
export async function guard<T>(ctx: CatalogContext, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translate(ctx, operation, err);
  }
}

export function translate(ctx: Pick<CatalogContext, 'location'>, operation: string, err: unknown): unknown {
  if (err instanceof SourceFailure) return err.original;
  if (err instanceof TenantVaultError || isAbortError(err)) return err;
  return catalogDbError(err, operation, ctx.location);
}

export function nowIso(ctx: CatalogContext): string {
  return ctx.now().toISOString();
}
