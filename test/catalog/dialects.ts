/**
 * The dialects the catalog suite runs on (habit 10). Each gives fresh, isolated catalogs — a new
 * SQLite file, or a new Postgres schema — and raw read access to their tables for comparisons.
 *
 * Postgres is at TENANT_VAULT_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
 * When it cannot be reached the Postgres suite is skipped with the reason, unless CI is set:
 * then it fails, so a broken CI database cannot pass silently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openCatalog, type Catalog, type OpenCatalogOptions } from '../../src/catalog/index.js';

export const POSTGRES_URL = process.env.TENANT_VAULT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Row = Record<string, unknown>;

export interface TestCatalog {
  readonly catalog: Catalog;
  /** The location string `openCatalog` was given. */
  readonly location: string;
  /** Opens another catalog on the same database (the first stays open). */
  reopen(options?: OpenCatalogOptions): Promise<Catalog>;
  /** Raw rows of a query, for checks the port cannot express. */
  query(text: string): Promise<Row[]>;
  /** Runs a statement directly (e.g. to damage or age the schema). */
  exec(text: string): Promise<void>;
}

export interface DialectFixture {
  readonly name: 'sqlite' | 'postgres';
  /** Why the dialect cannot run here; undefined when it can. */
  readonly unavailable: string | undefined;
  fresh(options?: OpenCatalogOptions): Promise<TestCatalog>;
  /** Closes everything `fresh` opened and removes its databases. */
  cleanup(): Promise<void>;
}

export function sqliteFixture(): DialectFixture {
  const dir = mkdtempSync(join(tmpdir(), 'tv-catalog-'));
  const open: { close(): Promise<void> | void }[] = [];
  let counter = 0;
  return {
    name: 'sqlite',
    unavailable: undefined,
    async fresh(options) {
      counter += 1;
      const location = join(dir, `catalog-${counter}.db`);
      const catalog = await openCatalog(location, options);
      open.push(catalog);
      const raw = new Database(location);
      open.push({ close: () => void raw.close() });
      return {
        catalog,
        location,
        reopen: async (more) => {
          const again = await openCatalog(location, more ?? options);
          open.push(again);
          return again;
        },
        query: async (text) => raw.prepare(text).all() as Row[],
        exec: async (text) => {
          raw.exec(text);
        },
      };
    },
    async cleanup() {
      for (const handle of open.reverse()) await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    // Installed once in public so every test schema can use it (the catalog migration would
    // otherwise install it into the first test schema, and dropping that would take it away).
    await client.query('create extension if not exists pg_trgm with schema public').catch(() => undefined);
    return undefined;
  } catch (err) {
    return `Postgres unreachable at ${POSTGRES_URL}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function postgresFixture(): Promise<DialectFixture> {
  const unavailable = await probePostgres();
  const run = `tv_test_${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  const open: { close(): Promise<void> }[] = [];
  let admin: pg.Client | undefined;
  const adminClient = async (): Promise<pg.Client> => {
    if (admin === undefined) {
      admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
    }
    return admin;
  };
  return {
    name: 'postgres',
    unavailable,
    async fresh(options) {
      const schema = `${run}_${schemas.length + 1}`;
      schemas.push(schema);
      const location = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
      const catalog = await openCatalog(location, options);
      open.push(catalog);
      const client = await adminClient();
      return {
        catalog,
        location,
        reopen: async (more) => {
          const again = await openCatalog(location, more ?? options);
          open.push(again);
          return again;
        },
        query: async (text) => {
          await client.query(`set search_path to "${schema}"`);
          return (await client.query(text)).rows as Row[];
        },
        exec: async (text) => {
          await client.query(`set search_path to "${schema}"`);
          await client.query(text);
        },
      };
    },
    async cleanup() {
      for (const handle of open.reverse()) await handle.close().catch(() => undefined);
      if (schemas.length > 0) {
        const client = await adminClient();
        for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
      }
      await admin?.end();
    },
  };
}
