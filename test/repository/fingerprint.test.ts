import { afterEach, describe, expect, it, vi } from 'vitest';
import { MasterKey } from '../../src/repository/crypto.js';
import { sealJson } from '../../src/repository/envelope.js';
import { itemFingerprint, ParentFingerprints } from '../../src/repository/fingerprint.js';
import { type Item, type ItemChange, type Repository, type SnapshotInfo } from '../../src/repository/index.js';
import { parseKeyFile, unwrapKeyFile } from '../../src/repository/keys.js';
import { entryTuple, sameEntry } from '../../src/repository/tree.js';
import { MemoryBlobStore, withCounting, type BlobStore } from '../../src/storage/index.js';
import { collect, newRepository, PASSWORD, reopen, SyntheticTenant, tenantItems } from './helpers.js';

const TYPES = ['device', 'group', 'user'] as const;

afterEach(() => vi.restoreAllMocks());

async function writeAll(repo: Repository, items: (type: (typeof TYPES)[number]) => Iterable<Item>, parent?: SnapshotInfo): Promise<SnapshotInfo> {
  const w = await repo.startSnapshot({ profile: 'contoso', ...(parent ? { parent } : {}) });
  for (const type of TYPES) await w.replaceType(type, items(type));
  return w.commit();
}

/** The same object with its keys in reverse order at every depth (equal canonical JSON). */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
}

/** Rewrites the config of a repository as format 1 (what an older Tenant Vault created). */
async function downgradeToFormat1(store: BlobStore): Promise<void> {
  const [keyInfo] = await collect(store.list('keys/'));
  const id = (keyInfo?.key ?? '').slice('keys/'.length);
  const master = await unwrapKeyFile(parseKeyFile(await store.get(`keys/${id}`), id), PASSWORD);
  if (!master) throw new Error('the password must open the key');
  const config = JSON.parse(JSON.stringify((await reopen(store)).config)) as Record<string, unknown>;
  await store.put('config', sealJson(master, 'config', { ...config, version: 1 }));
}

describe('input fingerprints (format 2)', () => {
  it('a full listing of an unchanged tenant computes no content ID and stages nothing; a change is still found', async () => {
    const { store, repo } = await newRepository(new MemoryBlobStore(), { packSizeBytes: 256 * 1024 });
    const tenant = new SyntheticTenant(31, 1500);
    const first = await writeAll(repo, (t) => tenantItems(tenant, t));
    expect(repo.config.version).toBe(2);

    const ids = vi.spyOn(MasterKey.prototype, 'contentId');
    const same = await writeAll(repo, (t) => tenantItems(tenant, t), first);
    expect(same.stats).toMatchObject({ items: 1500, new: 0, changed: 0, deleted: 0, unchanged: 1500 });
    // Documents are hashed as text (tree blobs read back are verified as bytes): none was.
    const documentsHashed = (): number => ids.mock.calls.filter(([plaintext]) => typeof plaintext === 'string').length;
    expect(documentsHashed()).toBe(0);
    expect(await collect(repo.diff(first, same))).toEqual([]);

    const churn = tenant.churn(1, 0.02);
    ids.mockClear();
    const next = await writeAll(repo, (t) => tenantItems(tenant, t), same);
    const upserts = churn.modified.length + churn.created.length;
    expect(next.stats).toMatchObject({ items: [...tenant.items()].length, new: churn.created.length, changed: churn.modified.length, deleted: churn.deleted.length });
    expect(documentsHashed()).toBe(upserts); // only the changed and new documents
    const expected = [...tenant.items()].map((i) => [`${i.type}/${i.id}`, i.document] as const).sort(([a], [b]) => (a < b ? -1 : 1));
    const read: (readonly [string, unknown])[] = [];
    const fresh = await reopen(store);
    for await (const e of fresh.entries(next)) read.push([`${e.type}/${e.id}`, await fresh.readDocument(e)]);
    expect(read.sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(expected);
  });

  it('keys in another order are not a change: the new fingerprint is recorded and matches next time; a new name or meta is a change', async () => {
    const { repo } = await newRepository();
    const doc = { id: 'u1', displayName: 'Adele', assignedLicenses: [{ skuId: 's1', disabledPlans: [] }], mail: 'adele@contoso.test' };
    const item = (over: Partial<Item> = {}): Item => ({ type: 'user', id: 'u1', name: 'Adele', document: doc, meta: { listed: 'a' }, ...over });
    const write = async (parent: SnapshotInfo | undefined, items: Item[]): Promise<SnapshotInfo> => {
      const w = await repo.startSnapshot({ profile: 'contoso', parent: parent ?? null });
      await w.replaceType('user', items);
      return w.commit();
    };
    const a = await write(undefined, [item()]);
    const b = await write(a, [item({ document: reversed(doc) })]);
    expect(b.stats).toMatchObject({ changed: 0, unchanged: 1 });
    expect(await collect(repo.diff(a, b))).toEqual([]);
    expect((await repo.readItem(b, 'user', 'u1'))?.entry).toEqual((await repo.readItem(a, 'user', 'u1'))?.entry);
    const ids = vi.spyOn(MasterKey.prototype, 'contentId');
    const again = await write(b, [item({ document: reversed(doc) })]);
    expect(ids.mock.calls.filter(([plaintext]) => typeof plaintext === 'string')).toEqual([]); // matched by the refreshed fingerprint
    expect(await repo.types(again)).toEqual(await repo.types(b));
    ids.mockRestore();
    const c = await write(b, [item({ name: 'Adele V.' })]);
    const d = await write(c, [item({ name: 'Adele V.', meta: { listed: 'b' } })]);
    const changes: ItemChange[] = [...await collect(repo.diff(b, c)), ...await collect(repo.diff(c, d))];
    expect(changes.map((x) => [x.kind, x.after?.name, x.after?.meta])).toEqual([['changed', 'Adele V.', { listed: 'a' }], ['changed', 'Adele V.', { listed: 'b' }]]);
    expect(c.stats.bytesAdded).toBeLessThan(2000); // the document blob was not stored again
  });

  it('with and without the parent table, a listing gives the very same tree (same root ID), over a delta chain and with streams', async () => {
    const { repo } = await newRepository(new MemoryBlobStore(), { packSizeBytes: 256 * 1024 });
    const tenant = new SyntheticTenant(33, 900);
    const attachment: Item = { type: 'device', id: 'with-stream', document: { kind: 'report' }, streams: { content: Buffer.alloc(40_000, 7) } };
    const listing = (t: (typeof TYPES)[number]): Item[] => [...tenantItems(tenant, t), ...(t === 'device' ? [attachment] : [])];
    let parent = await writeAll(repo, listing);
    for (let day = 1; day <= 3; day++) {
      tenant.churn(day, 0.03); // modified, created and deleted items: the parent has a chain of deltas
      parent = await writeAll(repo, listing, parent);
    }
    tenant.churn(4, 0.05);
    const loaded = vi.spyOn(ParentFingerprints, 'load');
    const withTable = await writeAll(repo, listing, parent);
    const tables = await Promise.all(loaded.mock.results.map((r) => r.value as Promise<ParentFingerprints | undefined>));
    expect(tables.map((t) => t?.rows !== undefined)).toEqual([true, true, true]); // every type used its table
    expect(withTable.stats.changed).toBeGreaterThan(0);
    expect(withTable.stats.deleted).toBeGreaterThan(0);
    loaded.mockRestore();
    const load = vi.spyOn(ParentFingerprints, 'load').mockResolvedValue(undefined);
    const withoutTable = await writeAll(repo, listing, parent);
    expect(load).toHaveBeenCalled();
    expect(withoutTable.tree).toBe(withTable.tree);
    expect(withoutTable.stats).toEqual({ ...withTable.stats, blobsAdded: 0, bytesAdded: 0, treeBlobsAdded: 0, treeBytesAdded: 0, packsWritten: 0, durationMs: withoutTable.stats.durationMs });
  });

  it('an item listed twice: the last copy wins, whether it matches the parent or not', async () => {
    const { repo } = await newRepository();
    const v1: Item = { type: 'user', id: 'u1', document: { v: 1 } };
    const v2: Item = { type: 'user', id: 'u1', document: { v: 2 } };
    const other: Item = { type: 'user', id: 'u2', document: { v: 0 } };
    const w0 = await repo.startSnapshot({ profile: 'p' });
    await w0.replaceType('user', [v1, other]);
    const base = await w0.commit();
    const write = async (items: Item[]): Promise<unknown> => {
      const w = await repo.startSnapshot({ profile: 'p', parent: base });
      await w.replaceType('user', items);
      const s = await w.commit();
      return (await repo.readItem(s, 'user', 'u1'))?.document;
    };
    expect(await write([v1, other, v2])).toEqual({ v: 2 });
    expect(await write([v2, other, v1])).toEqual({ v: 1 });
  });

  it('a format-1 repository is still written as format 1: no fingerprints, every document hashed', async () => {
    const { store, repo } = await newRepository();
    await repo.close();
    await downgradeToFormat1(store);
    const old = await reopen(store);
    expect(old.config.version).toBe(1);
    const tenant = new SyntheticTenant(32, 200);
    const first = await writeAll(old, (t) => tenantItems(tenant, t));
    const ids = vi.spyOn(MasterKey.prototype, 'contentId');
    const second = await writeAll(old, (t) => tenantItems(tenant, t), first);
    expect(ids.mock.calls.filter(([plaintext]) => typeof plaintext === 'string').length).toBe(200);
    expect(second.stats).toMatchObject({ changed: 0, unchanged: 200 });
    expect(await old.types(second)).toEqual(await old.types(first));
  });
});

describe('reading a base', () => {
  it('reads neighbouring leaves with one ranged get per run, and every entry equal to leaf-by-leaf reading', async () => {
    const store = withCounting(new MemoryBlobStore());
    const { repo } = await newRepository(store, { packSizeBytes: 4 * 1024 * 1024 });
    const tenant = new SyntheticTenant(34, 3000);
    const snap = await writeAll(repo, (t) => tenantItems(tenant, t));
    const fresh = await reopen(store, { packSizeBytes: 4 * 1024 * 1024 });
    store.reset();
    const entries = await collect(fresh.entries(snap, { type: 'user' }));
    expect(entries).toHaveLength([...tenant.items('user')].length);
    // root, type node, base, then the user leaves (≈ 16, 128 entries each) in one run of the tree pack.
    expect(store.counts.calls.get).toBeLessThanOrEqual(3 + 2);
    const byLookup = await Promise.all(entries.map(async (e) => (await fresh.readItem(snap, 'user', e.id))?.entry));
    expect(byLookup).toEqual(entries);
  });
});

describe('reading a delta chain', () => {
  it('yields the latest state: later deltas win, tombstones remove, a re-added item comes back', async () => {
    const { repo } = await newRepository();
    const doc = (id: string, v: number): Item => ({ type: 'user', id, document: { v } });
    const w0 = await repo.startSnapshot({ profile: 'p' });
    await w0.replaceType('user', Array.from({ length: 300 }, (_, i) => doc(`u${i}`, 0)));
    let snap = await w0.commit();
    const expected = new Map(Array.from({ length: 300 }, (_, i) => [`u${i}`, { v: 0 }]));
    for (let day = 1; day <= 5; day++) {
      const w = await repo.startSnapshot({ profile: 'p', parent: snap });
      const changes: (Item | { type: string; id: string; deleted: true })[] = [doc(`u${day}`, day), doc(`u1`, day), doc(`new${day}`, day), { type: 'user', id: `u${10 + day}`, deleted: true }];
      if (day === 4) changes.push(doc('u12', 4)); // deleted on day 2, back on day 4
      const stats = await w.patchType('user', changes);
      expect(stats.folded).toBe(false);
      snap = await w.commit();
      for (const c of changes) {
        if ('deleted' in c) expected.delete(c.id);
        else expected.set(c.id, c.document as { v: number });
      }
    }
    const read = new Map<string, unknown>();
    for await (const e of repo.entries(snap)) read.set(e.id, await repo.readDocument(e));
    expect([...read].sort()).toEqual([...expected].sort());
  });
});

describe('itemFingerprint', () => {
  const key = 'ab'.repeat(32);

  it('covers ID, name, meta and document, but not the fingerprint key order of meta; streams have none', () => {
    const base = { id: 'x', name: 'n', document: { a: 1 }, meta: { p: 1, q: 2 } };
    const same = itemFingerprint(key, base);
    expect(same).toMatch(/^[\w-]{22}$/);
    expect(itemFingerprint(key, { ...base, meta: { q: 2, p: 1 } })).toBe(same);
    for (const other of [{ ...base, id: 'y' }, { ...base, name: undefined }, { ...base, meta: undefined }, { ...base, document: { a: 2 } }]) expect(itemFingerprint(key, other)).not.toBe(same);
    expect(itemFingerprint('cd'.repeat(32), base)).not.toBe(same);
    expect(itemFingerprint(key, { ...base, streams: { content: Buffer.from('x') } })).toBeUndefined();
    expect(sameEntry(entryTuple('x', 'n', { id: 'c'.repeat(64), size: 1 }, undefined, undefined, same), entryTuple('x', 'n', { id: 'c'.repeat(64), size: 1 }, undefined, undefined))).toBe(true);
  });
});
