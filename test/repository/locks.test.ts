import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Repository } from '../../src/repository/index.js';
import { MemoryBlobStore, type BlobStore } from '../../src/storage/index.js';
import { collect, newRepository, reopen, SMALL } from './helpers.js';

/** Lets queued promise callbacks and store calls run; not a sleep (no time passes on any clock). */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function open(store: BlobStore, clock: ManualClock, lock: { hostname?: string; pid?: number; isProcessAlive?: (pid: number) => boolean } = {}): Promise<Repository> {
  return reopen(store, { ...SMALL, clock, lock: { hostname: 'host-a', pid: 1000, isProcessAlive: () => true, ...lock } });
}

describe('locks', () => {
  it('shared locks coexist; an exclusive lock conflicts both ways and names the holder', async () => {
    const { store } = await newRepository(new MemoryBlobStore());
    const clock = new ManualClock();
    const a = await open(store, clock, { pid: 1 });
    const b = await open(store, clock, { pid: 2 });
    const wa = await a.startSnapshot({ profile: 'p' });
    const wb = await b.startSnapshot({ profile: 'p' });
    expect((await a.listLocks()).map((l) => [l.pid, l.exclusive, l.stale])).toEqual([[1, false, false], [2, false, false]]);
    await expect(b.planPrune()).rejects.toMatchObject({ code: 'REPO_LOCKED', details: { pid: 1, hostname: 'host-a', operation: 'backup', exclusive: false } });
    await wa.commit();
    await wb.abort();
    expect(await a.listLocks()).toEqual([]);

    const plan = await b.planPrune();
    await expect(a.startSnapshot({ profile: 'p' })).rejects.toMatchObject({ code: 'REPO_LOCKED', details: { pid: 2, exclusive: true, operation: 'prune' } });
    await expect(a.check()).rejects.toMatchObject({ code: 'REPO_LOCKED' });
    await b.abandonPrune(plan);
    await (await a.startSnapshot({ profile: 'p' })).abort();
  });

  it('refreshes a held lock on the injected clock; an unrefreshed lock turns stale and can be removed', async () => {
    const { store } = await newRepository(new MemoryBlobStore());
    const holderClock = new ManualClock();
    const holder = await open(store, holderClock, { pid: 1 });
    const writer = await holder.startSnapshot({ profile: 'p' });
    const [first] = await holder.listLocks();

    holderClock.advance(5 * 60_000);
    await settle();
    const [refreshed] = await holder.listLocks();
    expect(refreshed?.id).not.toBe(first?.id);
    expect(Date.parse(refreshed?.refreshed ?? '') - Date.parse(first?.refreshed ?? '')).toBe(5 * 60_000);
    expect((await holder.listLocks()).length).toBe(1);

    // Another host whose clock is 40 minutes ahead: the lock was not refreshed for 35 minutes.
    const otherClock = new ManualClock(holderClock.now() + 40 * 60_000);
    const other = await open(store, otherClock, { hostname: 'host-b', pid: 7 });
    expect(await other.listLocks()).toMatchObject([{ pid: 1, hostname: 'host-a', stale: true, staleReason: 'expired' }]);
    // A stale lock does not block an exclusive one…
    const plan = await other.planPrune();
    await other.abandonPrune(plan);
    // …and removing it makes its owner fail before it writes anything.
    expect(await other.removeStaleLocks()).toBe(1);
    expect(await other.listLocks()).toEqual([]);
    await expect(writer.commit()).rejects.toMatchObject({ code: 'REPO_LOCKED' });
    expect(await collect(other.snapshots())).toEqual([]);
    expect(await other.removeStaleLocks()).toBe(0);
  });

  it('a lock of a process that is gone on the same host is stale at once', async () => {
    const { store } = await newRepository(new MemoryBlobStore());
    const clock = new ManualClock();
    const dead = await open(store, clock, { pid: 4242 });
    await dead.startSnapshot({ profile: 'p' }); // never committed: the process "dies"
    const alive = (pid: number): boolean => pid !== 4242;
    const sameHost = await open(store, clock, { pid: 5, isProcessAlive: alive });
    expect(await sameHost.listLocks()).toMatchObject([{ pid: 4242, stale: true, staleReason: 'process-gone' }]);
    const otherHost = await open(store, clock, { hostname: 'host-b', pid: 5, isProcessAlive: alive });
    expect(await otherHost.listLocks()).toMatchObject([{ pid: 4242, stale: false }]);
    await expect(otherHost.planPrune()).rejects.toMatchObject({ code: 'REPO_LOCKED' });
    await sameHost.abandonPrune(await sameHost.planPrune());
    expect(await otherHost.removeAllLocks()).toBe(1);
  });

  it('a lock file that does not decrypt is listed as stale (unreadable) and removable', async () => {
    const { store, repo } = await newRepository(new MemoryBlobStore());
    await store.put('locks/' + 'ab'.repeat(32), Buffer.from('garbage'));
    expect(await repo.listLocks()).toMatchObject([{ stale: true, staleReason: 'unreadable' }]);
    expect(await repo.removeStaleLocks()).toBe(1);
  });
});
