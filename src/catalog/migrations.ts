/**
 * The catalog's schema, as numbered migrations applied at open in one transaction (DDL is
 * transactional on both SQLite and Postgres, so a failed upgrade leaves the previous schema) and
 * recorded in `catalog_migrations`. A catalog whose recorded version is newer than the newest
 * migration here was written by a newer Tenant Vault and is refused rather than guessed at.
 *
 * Migrations are append-only: never edit one that has shipped; add the next number.
 *
 * Dialect differences live only in DDL: Postgres text columns use the "C" collation so ordering is
 * bytewise as on SQLite; ID columns are identities on Postgres and rowids on SQLite; name search
 * is an FTS5 trigram index on SQLite (https://www.sqlite.org/fts5.html#the_trigram_tokenizer)
 * and a pg_trgm GIN index on Postgres (https://www.postgresql.org/docs/current/pgtrgm.html). If
 * pg_trgm cannot be installed (no privilege), search still works by scanning, and `info()` says so.
 */
import { sql, type Expression, type Kysely, type Transaction } from 'kysely';
import { TenantVaultError } from '../errors/index.js';
import { nowIso, writeTransaction, type CatalogContext } from './context.js';
import type { CatalogDatabase, Dialect } from './schema.js';

// Migrations create tables the typed schema describes; inside them the builder is untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTrx = Transaction<any>;

interface Migration {
  readonly version: number;
  readonly name: string;
  up(trx: AnyTrx, dialect: Dialect): Promise<void>;
}

function text(dialect: Dialect): Expression<unknown> | 'text' {
  return dialect === 'postgres' ? sql`text collate "C"` : 'text';
}

async function initial(trx: AnyTrx, dialect: Dialect): Promise<void> {
  const t = text(dialect);
  await trx.schema
    .createTable('catalog_meta')
    .addColumn('key', t, (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await trx.schema
    .createTable('snapshots')
    .addColumn('id', t, (c) => c.primaryKey())
    .addColumn('profile', t, (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('time', t, (c) => c.notNull())
    .addColumn('parent', t)
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addUniqueConstraint('snapshots_profile_seq', ['profile', 'seq'])
    .execute();
  await trx.schema.createIndex('snapshots_time').on('snapshots').columns(['time', 'id']).execute();

  let versions = trx.schema.createTable('item_versions');
  versions =
    dialect === 'postgres'
      ? versions.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
      : versions.addColumn('id', 'integer', (c) => c.primaryKey());
  await versions
    .addColumn('profile', t, (c) => c.notNull())
    .addColumn('type', t, (c) => c.notNull())
    .addColumn('item_id', t, (c) => c.notNull())
    .addColumn('first_seq', 'integer', (c) => c.notNull())
    .addColumn('last_seq', 'integer')
    .addColumn('blob_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', t, (c) => c.notNull())
    .addColumn('size', 'bigint')
    .addCheckConstraint('item_versions_range', sql`last_seq is null or last_seq >= first_seq`)
    .execute();
  // History of one item (in one profile or all), and the place each version starts.
  await trx.schema.createIndex('item_versions_item').unique().on('item_versions').columns(['type', 'item_id', 'profile', 'first_seq']).execute();
  // At most one current version per item: an 'added' for an item the catalog already holds fails.
  await trx.schema
    .createIndex('item_versions_open')
    .unique()
    .on('item_versions')
    .columns(['profile', 'type', 'item_id'])
    .where(sql.ref('last_seq'), 'is', null)
    .execute();
  // Listing a snapshot in display order.
  await trx.schema.createIndex('item_versions_list').on('item_versions').columns(['profile', 'type', 'name_lower', 'item_id']).execute();
  // Forgetting snapshots touches only versions that start or end in them.
  await trx.schema.createIndex('item_versions_first').on('item_versions').columns(['profile', 'first_seq']).execute();
  await trx.schema
    .createIndex('item_versions_last')
    .on('item_versions')
    .columns(['profile', 'last_seq'])
    .where(sql.ref('last_seq'), 'is not', null)
    .execute();

  await trx.schema
    .createTable('jobs')
    .addColumn('id', t, (c) => c.primaryKey())
    .addColumn('kind', t, (c) => c.notNull())
    .addColumn('profile', t)
    .addColumn('status', t, (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('created_at', t, (c) => c.notNull())
    .addColumn('updated_at', t, (c) => c.notNull())
    .addColumn('started_at', t)
    .addColumn('finished_at', t)
    .addColumn('progress', 'text')
    .addColumn('report', 'text')
    .addColumn('error', 'text')
    .execute();
  await trx.schema.createIndex('jobs_created').on('jobs').columns(['created_at', 'id']).execute();

  let audit = trx.schema.createTable('audit_events');
  audit =
    dialect === 'postgres'
      ? audit.addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
      : audit.addColumn('id', 'integer', (c) => c.primaryKey());
  await audit
    .addColumn('time', t, (c) => c.notNull())
    .addColumn('actor', t, (c) => c.notNull())
    .addColumn('action', t, (c) => c.notNull())
    .addColumn('profile', t)
    .addColumn('target', t, (c) => c.notNull())
    .addColumn('result', t, (c) => c.notNull())
    .addColumn('job_id', t)
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await trx.schema.createIndex('audit_events_target').on('audit_events').columns(['target', 'id']).execute();
  await trx.schema.createIndex('audit_events_job').on('audit_events').columns(['job_id']).execute();

  const searchIndex = dialect === 'sqlite' ? await createFts5(trx) : await createTrigramIndex(trx);
  await trx.insertInto('catalog_meta').values({ key: 'search_index', value: searchIndex }).execute();
}

/** An external-content FTS5 table over `item_versions.name_lower`, kept in step by triggers. */
async function createFts5(trx: AnyTrx): Promise<string> {
  // case_sensitive 1: the column is already folded by JavaScript, and the query is folded the same
  // way, so SQLite's own folding (ASCII-only in LIKE, different in FTS) never gets a say.
  await sql`create virtual table item_names using fts5(name_lower, content='item_versions', content_rowid='id', tokenize='trigram case_sensitive 1')`.execute(trx);
  await sql`create trigger item_versions_names_ai after insert on item_versions begin
    insert into item_names(rowid, name_lower) values (new.id, new.name_lower);
  end`.execute(trx);
  await sql`create trigger item_versions_names_ad after delete on item_versions begin
    insert into item_names(item_names, rowid, name_lower) values ('delete', old.id, old.name_lower);
  end`.execute(trx);
  await sql`create trigger item_versions_names_au after update of name_lower on item_versions begin
    insert into item_names(item_names, rowid, name_lower) values ('delete', old.id, old.name_lower);
    insert into item_names(rowid, name_lower) values (new.id, new.name_lower);
  end`.execute(trx);
  return 'fts5-trigram';
}

async function createTrigramIndex(trx: AnyTrx): Promise<string> {
  // In a savepoint: without the privilege to install pg_trgm the rest of the schema still applies.
  await sql`savepoint catalog_trgm`.execute(trx);
  try {
    await sql`create extension if not exists pg_trgm`.execute(trx);
    // The extension may already live in another schema; name its operator class explicitly.
    const found = await sql<{ nspname: string }>`
      select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(trx);
    const namespace = found.rows[0]?.nspname;
    if (namespace === undefined) throw new Error('pg_trgm is not installed');
    await sql`create index item_versions_name_trgm on item_versions using gin (name_lower ${sql.id(namespace)}.gin_trgm_ops)`.execute(trx);
    await sql`release savepoint catalog_trgm`.execute(trx);
    return 'pg_trgm';
  } catch {
    await sql`rollback to savepoint catalog_trgm`.execute(trx);
    return 'none';
  }
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'snapshots, item versions, name search, jobs, audit', up: initial }];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Brings the catalog's schema up to `SCHEMA_VERSION`; returns the version it was at before. */
export async function migrate(ctx: CatalogContext): Promise<number> {
  return writeTransaction(ctx, async (trx) => {
    const db = trx as unknown as Kysely<CatalogDatabase>;
    if (ctx.dialect === 'postgres') await sql`create schema if not exists ${sql.id(ctx.schema)}`.execute(trx);
    await trx.schema
      .createTable('catalog_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
    const row = await db.selectFrom('catalog_migrations').select((eb) => eb.fn.max('version').as('version')).executeTakeFirst();
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new TenantVaultError('CATALOG_ERROR', `The catalog at ${ctx.location} has schema version ${current}; this Tenant Vault knows versions up to ${SCHEMA_VERSION}`, {
        hint: 'It was written by a newer Tenant Vault: upgrade this one, or point --catalog at a new location and run `tenant-vault catalog rebuild`.',
        details: { schemaVersion: current, supported: SCHEMA_VERSION },
      });
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await migration.up(trx, ctx.dialect);
      await db.insertInto('catalog_migrations').values({ version: migration.version, name: migration.name, applied_at: nowIso(ctx) }).execute();
    }
    return current;
  });
}
