/**
 * `openCatalog`: the one way to get a `Catalog`. A `postgres://` (or `postgresql://`) URL opens
 * Postgres; anything else is a SQLite file path (`:memory:` for a throw-away catalog). The schema
 * is migrated before the catalog is returned, so every method can rely on it.
 *
 * `KyselyCatalog` implements the port once for both dialects over the modules beside it; every
 * method goes through `guard`, so database failures surface as `CATALOG_ERROR`s with hints.
 */
import { guard, translate, writeTransaction, type CatalogContext } from './context.js';
import { throwIfAborted } from './errors.js';
import { forgetSnapshots } from './forget.js';
import { ingestSnapshot, claimRepository } from './ingest.js';
import { appendAudit, createJob, finishJob, getJob, listAudit, listJobs, updateJob } from './jobs.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import type {
  AuditEvent,
  CallOptions,
  Catalog,
  CatalogInfo,
  CatalogItemChange,
  CatalogSnapshot,
  ItemPage,
  ItemVersion,
  Job,
  JobOutcome,
  JobUpdate,
  ListAuditOptions,
  ListItemsOptions,
  ListJobsOptions,
  NewAuditEvent,
  NewJob,
  RecordOptions,
  RecordResult,
  RemoveResult,
  SearchOptions,
  SnapshotRecord,
  SnapshotRecorder,
} from './port.js';
import { isPostgresUrl, openPostgres, parsePostgresUrl, type PostgresOptions } from './postgres.js';
import { getSnapshot, itemHistory, listItems, listSnapshots, search } from './queries.js';
import { toNumber } from './schema.js';
import { openSqlite, type SqliteOptions } from './sqlite.js';

export interface OpenCatalogOptions extends SqliteOptions, PostgresOptions {
  /** The clock for job and audit times. Default: the system clock. */
  readonly now?: () => Date;
}

export async function openCatalog(location: string, options: OpenCatalogOptions = {}): Promise<Catalog> {
  const now = options.now ?? (() => new Date());
  let ctx: CatalogContext;
  if (isPostgresUrl(location)) {
    const target = parsePostgresUrl(location, options.schema);
    const db = openPostgres(target, options);
    ctx = { db, reader: db, dialect: 'postgres', location: target.location, schema: target.schema, now };
  } else {
    try {
      const db = openSqlite(location, options);
      ctx = { db, reader: db, dialect: 'sqlite', location, schema: 'main', now };
    } catch (err) {
      throw translate({ location }, 'open', err);
    }
  }
  try {
    await guard(ctx, 'migration', () => migrate(ctx));
    // The reader opens after the migration: a read-only connection cannot create the file.
    if (ctx.dialect === 'sqlite' && location !== ':memory:') {
      const reader = await guard(ctx, 'open', async () => openSqlite(location, { ...options, readOnly: true }));
      ctx = { ...ctx, reader };
    }
  } catch (err) {
    await ctx.db.destroy().catch(() => undefined);
    throw err;
  }
  return new KyselyCatalog(ctx);
}

class KyselyCatalog implements Catalog {
  readonly dialect: 'sqlite' | 'postgres';
  readonly #ctx: CatalogContext;

  constructor(ctx: CatalogContext) {
    this.#ctx = ctx;
    this.dialect = ctx.dialect;
  }

  info(): Promise<CatalogInfo> {
    const ctx = this.#ctx;
    return guard(ctx, 'info', async () => {
      const meta = new Map((await ctx.reader.selectFrom('catalog_meta').select(['key', 'value']).execute()).map((r) => [r.key, r.value]));
      const version = await ctx.reader.selectFrom('catalog_migrations').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst();
      const count = async (table: 'snapshots' | 'item_versions' | 'jobs' | 'audit_events'): Promise<number> => {
        const row = await ctx.reader.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
        return toNumber(row.n);
      };
      const searchIndex = meta.get('search_index');
      return {
        dialect: ctx.dialect,
        location: ctx.location,
        schemaVersion: version?.v ?? SCHEMA_VERSION,
        repositoryId: meta.get('repository_id') ?? null,
        searchIndex: searchIndex === 'fts5-trigram' || searchIndex === 'pg_trgm' ? searchIndex : 'none',
        snapshots: await count('snapshots'),
        itemVersions: await count('item_versions'),
        jobs: await count('jobs'),
        auditEvents: await count('audit_events'),
      };
    });
  }

  recordSnapshot(snapshot: CatalogSnapshot, changes: AsyncIterable<CatalogItemChange>, options?: RecordOptions): Promise<RecordResult> {
    const ctx = this.#ctx;
    return guard(ctx, 'recordSnapshot', () => writeTransaction(ctx, (trx) => ingestSnapshot(trx, ctx, snapshot, changes, options)));
  }

  removeSnapshots(ids: readonly string[], options?: CallOptions): Promise<RemoveResult> {
    const ctx = this.#ctx;
    return guard(ctx, 'removeSnapshots', () => writeTransaction(ctx, (trx) => forgetSnapshots(trx, ids, options)));
  }

  replaceSnapshots(repositoryId: string, replay: (record: SnapshotRecorder) => Promise<void>, options: CallOptions = {}): Promise<void> {
    const ctx = this.#ctx;
    return guard(ctx, 'replaceSnapshots', () =>
      writeTransaction(ctx, async (trx) => {
        throwIfAborted(options.signal);
        // DELETE rather than TRUNCATE: readers keep seeing the old index until commit, and the
        // SQLite triggers keep the name index in step.
        await trx.deleteFrom('item_versions').execute();
        await trx.deleteFrom('snapshots').execute();
        await trx.deleteFrom('catalog_meta').where('key', '=', 'repository_id').execute();
        await claimRepository(trx, repositoryId, ctx);
        await replay((snapshot, changes, recordOptions) =>
          ingestSnapshot(trx, ctx, snapshot, changes, { ...recordOptions, signal: recordOptions?.signal ?? options.signal }),
        );
        throwIfAborted(options.signal);
      }),
    );
  }

  listSnapshots(options?: { readonly profile?: string }): Promise<SnapshotRecord[]> {
    return guard(this.#ctx, 'listSnapshots', () => listSnapshots(this.#ctx, options));
  }

  getSnapshot(idOrPrefix: string): Promise<SnapshotRecord> {
    return guard(this.#ctx, 'getSnapshot', () => getSnapshot(this.#ctx, idOrPrefix));
  }

  listItems(snapshotIdOrPrefix: string, options?: ListItemsOptions): Promise<ItemPage> {
    return guard(this.#ctx, 'listItems', () => listItems(this.#ctx, snapshotIdOrPrefix, options));
  }

  itemHistory(item: { readonly profile?: string; readonly type: string; readonly id: string }): Promise<ItemVersion[]> {
    return guard(this.#ctx, 'itemHistory', () => itemHistory(this.#ctx, item));
  }

  search(text: string, options?: SearchOptions): Promise<ItemVersion[]> {
    return guard(this.#ctx, 'search', () => search(this.#ctx, text, options));
  }

  createJob(job: NewJob): Promise<Job> {
    return guard(this.#ctx, 'createJob', () => createJob(this.#ctx, job));
  }

  updateJob(id: string, update: JobUpdate): Promise<Job> {
    return guard(this.#ctx, 'updateJob', () => updateJob(this.#ctx, id, update));
  }

  finishJob(id: string, outcome: JobOutcome): Promise<Job> {
    return guard(this.#ctx, 'finishJob', () => finishJob(this.#ctx, id, outcome));
  }

  getJob(id: string): Promise<Job | undefined> {
    return guard(this.#ctx, 'getJob', () => getJob(this.#ctx, id));
  }

  listJobs(options?: ListJobsOptions): Promise<Job[]> {
    return guard(this.#ctx, 'listJobs', () => listJobs(this.#ctx, options));
  }

  appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    return guard(this.#ctx, 'appendAudit', () => appendAudit(this.#ctx, event));
  }

  listAudit(options?: ListAuditOptions): Promise<AuditEvent[]> {
    return guard(this.#ctx, 'listAudit', () => listAudit(this.#ctx, options));
  }

  async close(): Promise<void> {
    if (this.#ctx.reader !== this.#ctx.db) await this.#ctx.reader.destroy();
    await this.#ctx.db.destroy();
  }
}
