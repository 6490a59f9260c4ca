import { describe, expect, it } from 'vitest';
import type { Repository, SnapshotInfo } from '../../src/repository/index.js';
import { MemoryBlobStore, type BlobStore } from '../../src/storage/index.js';
import { collect, newRepository, SyntheticTenant, tenantItems } from './helpers.js';

const TYPES = ['device', 'group', 'user'] as const;

async function twoSnapshots(): Promise<{ store: BlobStore; repo: Repository; tenant: SyntheticTenant; snaps: SnapshotInfo[] }> {
  const { store, repo } = await newRepository(new MemoryBlobStore(), { packSizeBytes: 128 * 1024 });
  const tenant = new SyntheticTenant(21, 600);
  const snaps: SnapshotInfo[] = [];
  for (let day = 0; day < 2; day++) {
    if (day > 0) tenant.churn(day, 0.02);
    const w = await repo.startSnapshot({ profile: 'contoso' });
    for (const type of TYPES) await w.replaceType(type, tenantItems(tenant, type));
    snaps.push(await w.commit());
  }
  return { store, repo, tenant, snaps };
}

async function packs(store: BlobStore): Promise<{ key: string; size: number }[]> {
  return (await collect(store.list('data/'))).sort((a, b) => b.size - a.size || a.key.localeCompare(b.key));
}

async function flipByte(store: BlobStore, key: string, at: number): Promise<void> {
  const bytes = await store.get(key);
  bytes[at] = (bytes[at] ?? 0) ^ 0x40;
  await store.put(key, bytes);
}

describe('check', () => {
  it('passes on a clean repository, with and without reading the data', async () => {
    const { repo } = await twoSnapshots();
    const structure = await repo.check();
    expect(structure).toMatchObject({ ok: true, readData: false, errors: [], warnings: [] });
    const full = await repo.check({ readData: true });
    expect(full).toMatchObject({ ok: true, readData: true, errors: [], warnings: [], stats: { snapshots: 2 } });
    expect(full.stats.bytesRead).toBeGreaterThan(structure.stats.bytesRead);
  });

  it('one flipped byte in a data pack: read-data names exactly that blob, its items and snapshots; everything else restores', async () => {
    const { store, repo, tenant, snaps } = await twoSnapshots();
    const [biggest] = await packs(store); // a data pack: documents far outweigh trees
    await flipByte(store, biggest?.key as string, Math.floor((biggest?.size ?? 0) / 3));

    expect((await repo.check()).ok).toBe(true); // structure alone does not read documents
    const report = await repo.check({ readData: true });
    expect(report.ok).toBe(false);
    expect(report.errors).toHaveLength(1);
    const [error] = report.errors;
    expect(error).toMatchObject({ kind: 'blob-damaged', pack: biggest?.key.split('/').pop() });
    expect(error?.items).toHaveLength(1);
    const item = error?.items[0] as { type: string; id: string; snapshots: string[] };
    // The item is in one snapshot or both, depending on whether it changed on day 1.
    expect(item.snapshots.length).toBeGreaterThan(0);
    expect([...error?.snapshots ?? []].sort()).toEqual([...item.snapshots].sort());

    // That item fails with REPO_CORRUPT; every other item of every snapshot reads back equal.
    const current = new Map([...tenant.items()].map((i) => [`${i.type}/${i.id}`, i.document]));
    let read = 0;
    for (const snap of snaps) {
      for await (const entry of repo.entries(snap)) {
        if (entry.type === item.type && entry.id === item.id) {
          await expect(repo.readDocument(entry)).rejects.toMatchObject({ code: 'REPO_CORRUPT', details: { blob: error?.blob } });
          continue;
        }
        const doc = await repo.readDocument(entry);
        if (snap === snaps[1]) expect(doc).toEqual(current.get(`${entry.type}/${entry.id}`));
        read++;
      }
    }
    expect(read).toBeGreaterThan(1000);
  });

  it('a damaged tree blob makes the items below it unknown, and says where', async () => {
    const { store, repo, snaps } = await twoSnapshots();
    // A snapshot that only drops a type writes exactly one new tree blob (its root), in its own pack.
    const before = new Set((await packs(store)).map((p) => p.key));
    const w = await repo.startSnapshot({ profile: 'contoso' });
    w.removeType('device');
    const rootOnly = await w.commit();
    const added = (await packs(store)).filter((p) => !before.has(p.key));
    expect(added).toHaveLength(1);
    await flipByte(store, added[0]?.key as string, 5);

    const report = await repo.check();
    expect(report.ok).toBe(false);
    expect(report.errors).toMatchObject([{ kind: 'tree-damaged', blob: rootOnly.tree, snapshots: [rootOnly.id], unknown: [{ snapshot: rootOnly.id, level: 'root' }] }]);
    // The older snapshots are unaffected.
    expect(await collect(repo.entries(snaps[1] as SnapshotInfo))).toHaveLength(snaps[1]?.stats.items ?? -1);
    await expect(collect(repo.entries(rootOnly))).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
  });

  it('reports a missing pack with what depends on it, and an unindexed pack as a warning only', async () => {
    const { store, repo } = await twoSnapshots();
    await store.put('data/ab/' + 'ab'.repeat(32), Buffer.from('left by a crashed run'));
    const warned = await repo.check();
    expect(warned).toMatchObject({ ok: true, warnings: [{ kind: 'pack-unindexed' }] });

    const [biggest] = await packs(store);
    await store.delete(biggest?.key as string);
    const report = await repo.check();
    expect(report.ok).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ kind: 'pack-missing', pack: biggest?.key.split('/').pop() });
    expect(report.errors[0]?.items.length).toBeGreaterThan(10);
    expect(report.errors[0]?.snapshots.length).toBeGreaterThan(0);
  });
});
