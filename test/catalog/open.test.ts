/**
 * Opening catalogs: how a location picks the dialect, what a damaged or unreachable catalog
 * reports, and SQLite's own settings and name index. The dialect-independent behaviour is in
 * catalog.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/index.js';
import { parsePostgresUrl } from '../../src/catalog/postgres.js';
import { TenantVaultError } from '../../src/errors/index.js';
import { diff, FakeSource, ingest, randomWorld, snapshotAt, stream } from './model.js';
import { rebuildCatalog } from '../../src/catalog/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tv-catalog-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<TenantVaultError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TenantVaultError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('SQLite catalog files', () => {
  it('creates missing directories, and uses WAL, foreign keys and a busy timeout', async () => {
    const path = join(dir, 'nested', 'deeper', 'catalog.db');
    const catalog = await openCatalog(path, { busyTimeoutMs: 1234 });
    expect(catalog.dialect).toBe('sqlite');
    expect((await catalog.info()).location).toBe(path);
    await catalog.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('reports a damaged file as CATALOG_ERROR with a hint to rebuild', async () => {
    const path = join(dir, 'damaged.db');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const err = await failure(openCatalog(path));
    expect(err.code).toBe('CATALOG_ERROR');
    expect(err.message).toContain(path);
    expect(err.hint).toContain(`Move ${path} away and run \`tenant-vault catalog rebuild\``);
    expect(err.details).toMatchObject({ dbCode: 'SQLITE_NOTADB' });
  });

  it('reports a location it cannot create', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const err = await failure(openCatalog(join(blocker, 'catalog.db')));
    expect(err).toBeInstanceOf(TenantVaultError);
    expect(err.code).toBe('CATALOG_ERROR');
  });

  it('works in memory', async () => {
    const catalog = await openCatalog(':memory:');
    await catalog.recordSnapshot(snapshotAt('s1', 'p', 1), stream([{ type: 'user', id: 'a', kind: 'added', blobId: 'b', name: 'A' }]));
    expect((await catalog.listItems('s1')).items).toHaveLength(1);
    await catalog.close();
  });

  it('keeps the FTS5 name index consistent through ingest, removal and rebuild', async () => {
    const path = join(dir, 'fts.db');
    const world = randomWorld(3, { profiles: 2, snapshots: 6, items: 40 });
    const catalog = await openCatalog(path);
    await ingest(catalog, world);
    await catalog.removeSnapshots([world[2]!.snapshot.id, world[7]!.snapshot.id, world.at(-1)!.snapshot.id]);
    const raw = new Database(path);
    // FTS5's own check compares the index with the content table (https://www.sqlite.org/fts5.html#the_integrity_check_command).
    const integrity = () => raw.prepare(`insert into item_names(item_names, rank) values ('integrity-check', 1)`).run();
    expect(integrity).not.toThrow();
    await rebuildCatalog(catalog, new FakeSource(world));
    expect(integrity).not.toThrow();
    expect(raw.prepare('select count(*) as n from item_names').get()).toEqual(raw.prepare('select count(*) as n from item_versions').get());
    raw.close();
    await catalog.close();
  });

  it('searches with the same folding whatever the length of the text', async () => {
    const catalog = await openCatalog(':memory:');
    const items = new Map(
      ['ÉMILE Zola', 'émile', 'Straße', 'İstanbul Office'].map((name, i) => [`user/${i}`, { type: 'user', id: `${i}`, blobId: `b${i}`, name, size: 1 }]),
    );
    await catalog.recordSnapshot(snapshotAt('s1', 'p', 1), stream(diff(undefined, items)));
    const names = async (text: string) => (await catalog.search(text)).map((v) => v.name);
    expect(await names('émi')).toEqual(['émile', 'ÉMILE Zola']);
    expect(await names('ém')).toEqual(['émile', 'ÉMILE Zola']);
    expect(await names('STRASSE')).toEqual([]); // toLowerCase, not full case folding: ß stays ß
    expect(await names('STRAßE')).toEqual(['Straße']);
    expect(await names('i̇stanbul')).toEqual(['İstanbul Office']);
    await catalog.close();
  });
});

describe('Postgres locations', () => {
  it('takes the schema from the option, else the URL, else tenant_vault, and hides the password', () => {
    expect(parsePostgresUrl('postgres://vault:s3cret@db.example:5433/tv?schema=prod&sslmode=require')).toEqual({
      connectionString: 'postgres://vault:s3cret@db.example:5433/tv?sslmode=require',
      schema: 'prod',
      location: 'postgres://vault:redacted@db.example:5433/tv (schema prod)',
    });
    expect(parsePostgresUrl('postgresql://h/db').schema).toBe('tenant_vault');
    expect(parsePostgresUrl('postgres://h/db?schema=a', 'b').schema).toBe('b');
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => parsePostgresUrl('postgres://h/db?schema=x";drop')).toThrow(TenantVaultError);
    try {
      parsePostgresUrl('postgres://h/db', 'Bad-Name');
    } catch (err) {
      expect((err as TenantVaultError).code).toBe('CONFIG_INVALID');
    }
  });

  it('reports an unreachable server as a retriable CATALOG_ERROR without the password', async () => {
    const err = await failure(openCatalog('postgres://u:topsecret@127.0.0.1:1/db', { connectTimeoutMs: 2_000 }));
    expect(err.code).toBe('CATALOG_ERROR');
    expect(err.retriable).toBe(true);
    expect(err.message).not.toContain('topsecret');
    expect(err.hint).toMatch(/Postgres server/);
  });
});
