import { describe, expect, it } from 'vitest';
import type { Repository, SnapshotInfo } from '../../src/repository/index.js';
import { MemoryBlobStore, withFaults, type BlobStore } from '../../src/storage/index.js';
import { collect, newRepository, reopen, SMALL, SyntheticTenant, tenantItems } from './helpers.js';

const TYPES = ['device', 'group', 'user'] as const;
const DAY = 86_400_000;

async function history(store: BlobStore, days: number): Promise<{ repo: Repository; snaps: SnapshotInfo[] }> {
  const { repo } = await newRepository(store, { packSizeBytes: 96 * 1024 });
  const tenant = new SyntheticTenant(31, 500);
  const snaps: SnapshotInfo[] = [];
  for (let day = 0; day < days; day++) {
    if (day > 0) tenant.churn(day, 0.06);
    const w = await repo.startSnapshot({ profile: 'contoso', time: new Date(Date.UTC(2026, 0, 1) + day * DAY) });
    for (const type of TYPES) await w.replaceType(type, tenantItems(tenant, type));
    snaps.push(await w.commit());
  }
  return { repo, snaps };
}

/** Every snapshot's items with their documents, for before/after comparisons. */
async function contents(repo: Repository, snaps: readonly SnapshotInfo[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const s of snaps) for await (const e of repo.entries(s)) out.set(`${s.id}/${e.type}/${e.id}`, await repo.readDocument(e));
  return out;
}

async function storedBytes(store: BlobStore): Promise<number> {
  let n = 0;
  for await (const info of store.list('')) n += info.size;
  return n;
}

describe('forget', () => {
  it('applies the policy per profile, keeps with reasons, and a dry run changes nothing', async () => {
    const { repo } = await newRepository();
    const times = ['2026-01-01T10:00:00Z', '2026-01-01T18:00:00Z', '2026-01-02T10:00:00Z', '2026-01-03T09:00:00Z', '2026-01-03T21:00:00Z', '2026-01-10T10:00:00Z', '2026-02-01T10:00:00Z'];
    for (const profile of ['a', 'b']) {
      for (const t of times) {
        const w = await repo.startSnapshot({ profile, time: new Date(t) });
        await w.patchType('user', [{ type: 'user', id: `u-${t}`, document: { t } }]);
        await w.commit();
      }
    }
    const all = await collect(repo.snapshots());
    expect(all).toHaveLength(14);
    const dry = await repo.forget({ keepLast: 2, keepDaily: 3 }, { dryRun: true, timeZone: 'UTC' });
    expect(await collect(repo.snapshots())).toHaveLength(14);
    const timesOf = (list: readonly SnapshotInfo[]): string[] => list.map((s) => s.time).sort();
    for (const group of dry.groups) {
      // Newest first: Feb 1 (last, daily), Jan 10 (last, daily), Jan 3 21:00 (daily); the rest go.
      expect(group.keep.map((k) => [k.snapshot.time, k.reasons])).toEqual([
        ['2026-02-01T10:00:00.000Z', ['last snapshot', 'daily snapshot']],
        ['2026-01-10T10:00:00.000Z', ['last snapshot', 'daily snapshot']],
        ['2026-01-03T21:00:00.000Z', ['daily snapshot']],
      ]);
      expect(timesOf(group.remove)).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T18:00:00.000Z', '2026-01-02T10:00:00.000Z', '2026-01-03T09:00:00.000Z']);
    }
    expect(dry.groups.map((g) => g.profile)).toEqual(['a', 'b']);

    const onlyA = await repo.forget({ keepLast: 2, keepDaily: 3 }, { profile: 'a', timeZone: 'UTC' });
    expect(onlyA.removed).toHaveLength(4);
    expect(await collect(repo.snapshots({ profile: 'a' }))).toHaveLength(3);
    expect(await collect(repo.snapshots({ profile: 'b' }))).toHaveLength(7);
    await expect(repo.forget({})).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('prune', () => {
  it('after forget, deletes only unreferenced data, repacks partly used packs, and every remaining snapshot reads fully', async () => {
    const store = new MemoryBlobStore();
    const { repo, snaps } = await history(store, 6);
    // A second profile whose data ends up referenced by no snapshot at all: whole packs to delete.
    const scratch = await repo.startSnapshot({ profile: 'scratch' });
    await scratch.replaceType('user', tenantItems(new SyntheticTenant(99, 400), 'user'));
    const scratchSnapshot = await scratch.commit();
    const emptied = await repo.startSnapshot({ profile: 'scratch' });
    emptied.removeType('user');
    await emptied.commit();
    const orphan = (await collect(repo.entries(scratchSnapshot)))[0];
    const keep = snaps.slice(-2);
    const before = await contents(repo, keep);
    await repo.forget({ keepLast: 2 }, { profile: 'contoso' });
    await repo.forget({ keepLast: 1 }, { profile: 'scratch' });
    const sizeBefore = await storedBytes(store);

    const plan = await repo.planPrune();
    expect(plan.snapshots).toBe(3);
    expect(plan.deletePacks.length).toBeGreaterThan(0);
    expect(plan.repackPacks.length).toBeGreaterThan(0);
    expect(plan.blobs.unused).toBeGreaterThan(0);
    expect(plan.bytes.after).toBeLessThan(plan.bytes.total);
    const result = await repo.executePrune(plan);
    expect(result.packsDeleted).toBe(plan.deletePacks.length + plan.repackPacks.length);
    expect(result.packsWritten).toBeGreaterThan(0);
    expect(await storedBytes(store)).toBeLessThan(sizeBefore);

    // Everything the kept snapshots reference is still there, through this object and a fresh one.
    expect(await contents(repo, keep)).toEqual(before);
    const fresh = await reopen(store);
    expect(await contents(fresh, keep)).toEqual(before);
    expect(await fresh.check({ readData: true })).toMatchObject({ ok: true, errors: [], warnings: [] });
    // What no snapshot references is gone.
    await expect(fresh.readDocument(orphan as NonNullable<typeof orphan>)).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    // A nothing-to-do prune plans nothing.
    const again = await fresh.planPrune();
    expect(again).toMatchObject({ empty: true, deletePacks: [], repackPacks: [] });
    await fresh.executePrune(again);
  });

  it('a crash between any two prune steps leaves a valid repository, and the next prune finishes the job', async () => {
    const steps = [
      { op: 'put' as const, prefix: 'index/', n: 1 }, // before the new index
      { op: 'delete' as const, prefix: 'index/', n: 1 }, // new index written, old ones not yet deleted
      { op: 'delete' as const, prefix: 'data/', n: 1 }, // old index deleted, no pack yet
      { op: 'delete' as const, prefix: 'data/', n: 3 }, // halfway through the packs
    ];
    for (const step of steps) {
      const inner = new MemoryBlobStore();
      const { repo, snaps } = await history(inner, 5);
      await repo.forget({ keepLast: 2 });
      const keep = snaps.slice(-2);
      const before = await contents(repo, keep);
      let armed = false;
      let seen = 0;
      const faulty = withFaults(inner, {
        decide: (op, key) => {
          if (!armed || op !== step.op || !key.startsWith(step.prefix)) return undefined;
          return ++seen === step.n ? 'fail' : undefined;
        },
      });
      const crashing = await reopen(faulty, { ...SMALL, lock: { pid: 99_999, isProcessAlive: () => false } });
      const plan = await crashing.planPrune();
      armed = true;
      // The process "dies" at the failing call: nothing after it runs.
      await expect(crashing.executePrune(plan)).rejects.toMatchObject({ code: 'STORAGE_IO' });

      const after = await reopen(inner);
      await after.removeStaleLocks();
      expect(await contents(after, keep), JSON.stringify(step)).toEqual(before);
      const report = await after.check({ readData: true });
      expect(report.errors, JSON.stringify(step)).toEqual([]);
      await after.executePrune(await after.planPrune());
      expect(await after.check({ readData: true }), JSON.stringify(step)).toMatchObject({ ok: true, warnings: [] });
      expect(await contents(await reopen(inner), keep)).toEqual(before);
    }
  });

  it('refuses to prune while a used blob exists only in a missing pack', async () => {
    const store = new MemoryBlobStore();
    const { repo } = await history(store, 2);
    const [biggest] = (await collect(store.list('data/'))).sort((a, b) => b.size - a.size);
    await store.delete(biggest?.key as string);
    await expect(repo.planPrune()).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    expect(await repo.listLocks()).toEqual([]); // the plan's lock was released
  });
});
