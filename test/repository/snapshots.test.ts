import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';
import type { Item, ItemChange, ItemEntry, SnapshotInfo, SnapshotWarning } from '../../src/repository/index.js';
import { MemoryBlobStore, withCounting, withFaults } from '../../src/storage/index.js';
import { allObjects, collect, newRepository, reopen, SMALL, SyntheticTenant, tenantItems, toItem } from './helpers.js';

const TYPES = ['device', 'group', 'user'] as const;

async function writeTenant(repo: Awaited<ReturnType<typeof newRepository>>['repo'], tenant: SyntheticTenant, options: { parent?: SnapshotInfo | null; time?: Date; onFold?: (type: string) => void } = {}): Promise<SnapshotInfo> {
  const w = await repo.startSnapshot({ profile: 'contoso', ...options });
  for (const type of TYPES) if ((await w.replaceType(type, tenantItems(tenant, type))).folded) options.onFold?.(type);
  return w.commit();
}

/** Every item of the tenant as [type/id, document], sorted. */
function expected(tenant: SyntheticTenant): [string, unknown][] {
  return [...tenant.items()].map((i) => [`${i.type}/${i.id}`, i.document] as [string, unknown]).sort(([a], [b]) => (a < b ? -1 : 1));
}

async function actual(repo: Awaited<ReturnType<typeof newRepository>>['repo'], snapshot: SnapshotInfo): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  for await (const e of repo.entries(snapshot)) out.push([`${e.type}/${e.id}`, await repo.readDocument(e)]);
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('snapshots', () => {
  it('writes 20,000 items from async iterables and reads every document back equal; a 1 % change rewrites ~1 % of the tree', async () => {
    const store = withCounting(new MemoryBlobStore());
    const { repo } = await newRepository(store, { packSizeBytes: 1024 * 1024 });
    const tenant = new SyntheticTenant(11, 20_000);
    const first = await writeTenant(repo, tenant);
    expect(first.stats).toMatchObject({ items: 20_000, new: 20_000, changed: 0, deleted: 0 });
    expect(first.types).toEqual({ device: { count: [...tenant.items('device')].length }, group: { count: [...tenant.items('group')].length }, user: { count: [...tenant.items('user')].length } });
    expect(await actual(repo, first)).toEqual(expected(tenant));

    const churn = tenant.churn(1, 0.01);
    store.reset();
    const second = await writeTenant(repo, tenant);
    const changed = churn.modified.length + churn.created.length;
    expect(second.parent).toBe(first.id);
    expect(second.stats).toMatchObject({ items: tenant.size, new: churn.created.length, changed: churn.modified.length, deleted: churn.deleted.length });
    // Only the changed documents were stored…
    expect(second.stats.blobsAdded - second.stats.treeBlobsAdded).toBe(changed);
    // …and the tree bytes written are about 1 % of the full tree (one delta, type nodes, root).
    expect(second.stats.treeBytesAdded / first.stats.treeBytesAdded).toBeLessThan(0.03);
    expect(second.stats.treeBytesAdded / first.stats.treeBytesAdded).toBeGreaterThan(0.005);
    expect(store.counts.bytesWritten).toBeLessThan(second.stats.bytesAdded * 1.2 + 16_384);

    // A new repository object (no caches) reads the second snapshot whole.
    const again = await reopen(store);
    expect(await actual(again, await again.findSnapshot(second.id.slice(0, 8)))).toEqual(expected(tenant));
  });

  it('diff returns exactly the changes, cheaply for consecutive snapshots and correctly across folds', async () => {
    const store = withCounting(new MemoryBlobStore());
    const { repo } = await newRepository(store, { packSizeBytes: 256 * 1024 });
    const tenant = new SyntheticTenant(12, 3000);
    const snaps = [await writeTenant(repo, tenant)];
    let folds = 0;
    const truth: { modified: Set<string>; created: Set<string>; deleted: Set<string> }[] = [];
    for (let day = 1; day <= 8; day++) {
      // 5 % a day: the deltas outgrow a quarter of the base within the run, forcing a fold.
      const c = tenant.churn(day, 0.05);
      truth.push({ modified: new Set(c.modified.map((n) => tenant.idOf(n))), created: new Set(c.created.map((n) => tenant.idOf(n))), deleted: new Set(c.deleted.map((n) => tenant.idOf(n))) });
      snaps.push(await writeTenant(repo, tenant, { onFold: () => folds++ }));
    }
    expect(folds).toBeGreaterThan(0);
    const summarise = (changes: ItemChange[]): { added: string[]; removed: string[]; changed: string[] } => ({
      added: changes.filter((c) => c.kind === 'added').map((c) => c.id).sort(),
      removed: changes.filter((c) => c.kind === 'removed').map((c) => c.id).sort(),
      changed: changes.filter((c) => c.kind === 'changed').map((c) => c.id).sort(),
    });
    for (let i = 1; i < snaps.length; i++) {
      const t = truth[i - 1] as (typeof truth)[number];
      store.reset();
      const changes = await collect(repo.diff(snaps[i - 1] as SnapshotInfo, snaps[i] as SnapshotInfo));
      expect(summarise(changes)).toEqual({ added: [...t.created].sort(), removed: [...t.deleted].sort(), changed: [...t.modified].sort() });
      for (const c of changes) if (c.kind !== 'removed') expect(c.after?.id).toBe(c.id);
    }
    // Across several snapshots (and folds) the diff is the net change; withBefore fills `before`.
    const wide = await collect(repo.diff(snaps[0] as SnapshotInfo, snaps[8] as SnapshotInfo, { withBefore: true }));
    const firstIds = new Map((await collect(repo.entries(snaps[0] as SnapshotInfo))).map((e) => [`${e.type}/${e.id}`, e]));
    const lastIds = new Map((await collect(repo.entries(snaps[8] as SnapshotInfo))).map((e) => [`${e.type}/${e.id}`, e]));
    const net = { added: [...lastIds.keys()].filter((k) => !firstIds.has(k)).sort(), removed: [...firstIds.keys()].filter((k) => !lastIds.has(k)).sort(), changed: [...lastIds.keys()].filter((k) => firstIds.has(k) && firstIds.get(k)?.document.id !== lastIds.get(k)?.document.id).sort() };
    const key = (c: ItemChange): string => `${c.type}/${c.id}`;
    expect({ added: wide.filter((c) => c.kind === 'added').map(key).sort(), removed: wide.filter((c) => c.kind === 'removed').map(key).sort(), changed: wide.filter((c) => c.kind === 'changed').map(key).sort() }).toEqual(net);
    for (const c of wide) if (c.kind !== 'added') expect(c.before).toEqual(firstIds.get(key(c)));
    // From nothing, everything is added; between equal snapshots nothing changed.
    expect((await collect(repo.diff(undefined, snaps[0] as SnapshotInfo))).length).toBe(3000);
    expect(await collect(repo.diff(snaps[3] as SnapshotInfo, snaps[3] as SnapshotInfo))).toEqual([]);
  });

  it('the consecutive-snapshot diff reads only the new delta', async () => {
    const store = withCounting(new MemoryBlobStore());
    const { repo } = await newRepository(store, { packSizeBytes: 256 * 1024 });
    const tenant = new SyntheticTenant(13, 4000);
    const a = await writeTenant(repo, tenant);
    tenant.churn(1, 0.01);
    const b = await writeTenant(repo, tenant);
    const fresh = await reopen(store);
    store.reset();
    const changes = await collect(fresh.diff(a, b));
    expect(changes.length).toBe(40);
    // roots (2) + type nodes (2 per changed type) + one delta page per type: nothing else.
    expect(store.counts.calls.get).toBeLessThanOrEqual(2 + 2 * 3 + 3);
  });

  it('replaceType and patchType from the same parent give the same items', async () => {
    const { repo } = await newRepository();
    const tenant = new SyntheticTenant(14, 800);
    const base = await writeTenant(repo, tenant);
    const churn = tenant.churn(1, 0.05);
    const viaReplace = await writeTenant(repo, tenant, { parent: base });
    const w = await repo.startSnapshot({ profile: 'contoso', parent: base });
    for (const type of TYPES) {
      const changes: (Item | { type: string; id: string; deleted: true })[] = [
        ...[...churn.modified, ...churn.created].filter((n) => tenant.typeOf(n) === type).map((n) => toItem(tenant.item(n))),
        ...churn.deleted.filter((n) => tenant.typeOf(n) === type).map((n) => ({ type, id: tenant.idOf(n), deleted: true as const })),
        // A no-op upsert and a deletion of something that never existed change nothing.
        ...[...tenant.items(type)].slice(0, 1).map(toItem),
        { type, id: 'never-existed', deleted: true as const },
      ];
      const stats = await w.patchType(type, changes);
      expect(stats.count).toBe([...tenant.items(type)].length);
    }
    const viaPatch = await w.commit();
    const entries = async (s: SnapshotInfo): Promise<ItemEntry[]> => collect(repo.entries(s));
    expect(await entries(viaPatch)).toEqual(await entries(viaReplace));
    expect(viaPatch.stats).toMatchObject({ new: viaReplace.stats.new, changed: viaReplace.stats.changed, deleted: viaReplace.stats.deleted, items: viaReplace.stats.items });
    // Same content, same tree: the type nodes are the very same blobs.
    expect(await repo.types(viaPatch)).toEqual(await repo.types(viaReplace));
    expect(await collect(repo.diff(viaReplace, viaPatch))).toEqual([]);
  });

  it('markAbsent carries the parent’s items and records why; untouched types are carried; removeType drops a type', async () => {
    const { repo } = await newRepository();
    const tenant = new SyntheticTenant(15, 300);
    const base = await writeTenant(repo, tenant);
    const w = await repo.startSnapshot({ profile: 'contoso' });
    w.markAbsent('group', 'Missing permission GroupMember.Read.All');
    w.removeType('device');
    await w.patchType('user', []);
    w.setState({ user: { deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc' } });
    const next = await w.commit();
    expect(next.types).toEqual({ group: { count: base.types.group?.count, absent: 'Missing permission GroupMember.Read.All' }, user: { count: base.types.user?.count } });
    expect(next.state).toEqual({ user: { deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc' } });
    expect(await collect(repo.entries(next, { type: 'group' }))).toEqual(await collect(repo.entries(base, { type: 'group' })));
    expect(await collect(repo.entries(next, { type: 'device' }))).toEqual([]);
    expect(next.stats.treeBlobsAdded).toBe(1); // only the root: every type node is reused
    // The next writer sees the state as its parent's.
    const w2 = await repo.startSnapshot({ profile: 'contoso' });
    expect(w2.parent?.state).toEqual(next.state);
    await w2.abort();
  });

  it('round-trips binary streams; a small edit in a multi-MB stream stores only nearby chunks', async () => {
    const { repo } = await newRepository(undefined, { packSizeBytes: 512 * 1024 });
    const big = Buffer.alloc(3 * 1024 * 1024);
    let x = 12345;
    for (let i = 0; i < big.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      big[i] = x >>> 24;
    }
    async function* pieces(buf: Buffer): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < buf.length; i += 100_000) yield buf.subarray(i, i + 100_000);
    }
    const doc = { id: 'repo-1', name: 'infrastructure' };
    const w = await repo.startSnapshot({ profile: 'devops' });
    await w.replaceType('gitRepository', [{ type: 'gitRepository', id: 'repo-1', name: 'infrastructure', document: doc, streams: { bundle: pieces(big), readme: Buffer.from('# hello') } }]);
    const s1 = await w.commit();
    const read = async (s: SnapshotInfo, name: string): Promise<Buffer> => {
      const hit = await repo.readItem(s, 'gitRepository', 'repo-1');
      const chunks: Buffer[] = [];
      for await (const c of repo.readStream(hit?.entry as ItemEntry, name)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    expect((await read(s1, 'bundle')).equals(big)).toBe(true);
    expect((await read(s1, 'readme')).toString()).toBe('# hello');
    const chunkCount = (await repo.readItem(s1, 'gitRepository', 'repo-1'))?.entry.streams?.bundle?.length ?? 0;
    expect(chunkCount).toBeGreaterThan(20);

    const edited = Buffer.concat([big.subarray(0, 1_500_000), Buffer.from('an inserted line\n'), big.subarray(1_500_000)]);
    const w2 = await repo.startSnapshot({ profile: 'devops' });
    const stats = await w2.replaceType('gitRepository', [{ type: 'gitRepository', id: 'repo-1', document: doc, streams: { bundle: pieces(edited), readme: Buffer.from('# hello') } }]);
    const s2 = await w2.commit();
    expect((await read(s2, 'bundle')).equals(edited)).toBe(true);
    // New chunks: the one or two around the edit, the tree blobs; not the stream again.
    expect(stats.bytesAdded).toBeLessThan(big.length / 8);
    expect(stats.changed).toBe(1);
  });

  it('abort indexes what was uploaded, so the next snapshot re-uses it; types can be written concurrently', async () => {
    const { repo } = await newRepository(undefined, { packSizeBytes: 64 * 1024 });
    const tenant = new SyntheticTenant(17, 1200);
    const aborted = await repo.startSnapshot({ profile: 'contoso' });
    const firstStats = await aborted.replaceType('user', tenantItems(tenant, 'user'));
    expect(firstStats.blobsAdded).toBeGreaterThan(500);
    await aborted.abort();
    expect(await collect(repo.snapshots())).toEqual([]);
    expect(await repo.listLocks()).toEqual([]);

    const w = await repo.startSnapshot({ profile: 'contoso' });
    const [users, groups, devices] = await Promise.all(TYPES.slice().reverse().map((t) => w.replaceType(t, tenantItems(tenant, t))));
    await expect(w.replaceType('user', [])).rejects.toMatchObject({ code: 'USAGE' });
    const snap = await w.commit();
    // The users' documents were uploaded and indexed by the aborted run: only trees are new.
    expect(users?.new).toBe(firstStats.new);
    expect(users?.blobsAdded ?? 0).toBeLessThan(firstStats.blobsAdded / 10);
    expect((groups?.blobsAdded ?? 0) + (devices?.blobsAdded ?? 0)).toBeGreaterThan(0);
    expect(snap.stats.items).toBe(1200);
    expect(await actual(repo, snap)).toEqual(expected(tenant));
  });

  it('a damaged or undecryptable snapshot file is skipped by listings with a warning (logged once), and check names it', async () => {
    const { store, repo } = await newRepository();
    const made: SnapshotInfo[] = [];
    for (const [day, value] of [[1, 1], [2, 2]] as const) {
      const w = await repo.startSnapshot({ profile: 'contoso', time: new Date(Date.UTC(2026, 0, day)) });
      await w.patchType('user', [{ type: 'user', id: 'u1', document: { a: value } }]);
      made.push(await w.commit());
    }
    const [damaged, good] = made as [SnapshotInfo, SnapshotInfo];
    const damagedKey = `snapshots/${damaged.id}`;
    const bytes = await store.get(damagedKey);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 1;
    await store.put(damagedKey, bytes);
    // Named correctly (its SHA-256) but sealed under no key of this repository.
    const foreign = randomBytes(200);
    const foreignId = createHash('sha256').update(foreign).digest('hex');
    await store.put(`snapshots/${foreignId}`, foreign);

    const logged: Record<string, unknown>[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) } });
    const reader = await reopen(store, { ...SMALL, logger });
    const warnings: SnapshotWarning[] = [];
    const listed = await collect(reader.snapshots({ onWarning: (w) => warnings.push(w) }));
    expect(listed).toEqual([good]);
    expect(warnings.map((w) => ({ kind: w.kind, snapshot: w.snapshot }))).toEqual([damaged.id, foreignId].sort().map((snapshot) => ({ kind: 'snapshot-damaged', snapshot })));
    expect(warnings.find((w) => w.snapshot === damaged.id)?.message).toContain(`Snapshot file ${damaged.id}`);
    expect(logged.map((l) => [l.level, l.snapshot, l.code])).toEqual([damaged.id, foreignId].sort().map((id) => [40, id, 'REPO_CORRUPT']));

    // Every listing warns its caller; the log says it once per file. The readable rest works as usual.
    const again: SnapshotWarning[] = [];
    expect(await collect(reader.snapshots({ profile: 'contoso', onWarning: (w) => again.push(w) }))).toEqual([good]);
    expect(again).toEqual(warnings);
    expect(logged).toHaveLength(2);
    expect(await reader.findSnapshot('latest')).toEqual(good);
    await expect(reader.findSnapshot(damaged.id.slice(0, 12))).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    expect((await reader.readItem(good, 'user', 'u1'))?.document).toEqual({ a: 2 });
    const next = await reader.startSnapshot({ profile: 'contoso' });
    expect(next.parent).toEqual(good);
    await next.abort();

    const report = await reader.check();
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => ({ kind: e.kind, file: e.file })).sort((a, b) => (a.file as string).localeCompare(b.file as string)))
      .toEqual([damagedKey, `snapshots/${foreignId}`].sort().map((file) => ({ kind: 'snapshot-damaged', file })));
  });

  it('a storage failure while listing snapshots still fails the listing (only damage is skipped)', async () => {
    const { store } = await newRepository();
    const w = await (await reopen(store)).startSnapshot({ profile: 'contoso' });
    await w.patchType('user', [{ type: 'user', id: 'u1', document: { a: 1 } }]);
    const snap = await w.commit();
    const failing = withFaults(store, { decide: (op, key) => (op === 'get' && key === `snapshots/${snap.id}` ? 'fail' : undefined) });
    await expect(collect((await reopen(failing)).snapshots())).rejects.toMatchObject({ code: 'STORAGE_IO' });
  });

  it('resolves ID prefixes and latest; ambiguous and unknown references fail clearly', async () => {
    const { repo } = await newRepository();
    const tenant = new SyntheticTenant(16, 50);
    const made: SnapshotInfo[] = [];
    for (let i = 0; i < 20; i++) made.push(await writeTenant(repo, tenant, { time: new Date(Date.UTC(2026, 0, 1 + i)) }));
    const last = made[made.length - 1] as SnapshotInfo;
    expect((await repo.findSnapshot('latest')).id).toBe(last.id);
    expect((await repo.findSnapshot(last.id.slice(0, 8))).id).toBe(last.id);
    expect((await repo.findSnapshot(last.id.toUpperCase())).id).toBe(last.id);
    await expect(repo.findSnapshot('0000000000')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    await expect(repo.findSnapshot('not-hex')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    await expect(repo.findSnapshot('latest', { profile: 'other' })).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    // 20 snapshots share first hex digits somewhere: a one-character prefix is ambiguous for at least one.
    const byFirst = new Map<string, number>();
    for (const s of made) byFirst.set(s.id[0] as string, (byFirst.get(s.id[0] as string) ?? 0) + 1);
    const shared = [...byFirst].find(([, n]) => n > 1)?.[0] as string;
    await expect(repo.findSnapshot(shared)).rejects.toMatchObject({ code: 'USAGE' });
    expect((await collect(repo.snapshots())).map((s) => s.id)).toEqual(made.map((s) => s.id));
  });

  it('stores nothing in plaintext: no display name, no JSON key, no item ID, no profile or type name', async () => {
    const { store, repo } = await newRepository();
    const w = await repo.startSnapshot({ profile: 'Fabrikam-Production', tags: ['NightlyTag'] });
    await w.replaceType('conditionalAccessPolicy', [{ type: 'conditionalAccessPolicy', id: 'f1b2c3d4-policy-id', name: 'Zyxwvut Quokka Policy', document: { displayName: 'Zyxwvut Quokka Policy', quokkaSpecificSetting: true, state: 'enabled' } }]);
    w.setState({ deltaLinkMarker: 'DeltaTokenPlaintextMarker' });
    const snap = await w.commit();
    await repo.documents('profiles').put('PlaintextProfileName', { clientSecret: 'SuperSecretClientValue' });
    const objects = await allObjects(store);
    expect(objects.size).toBeGreaterThan(5);
    const needles = ['Zyxwvut', 'Quokka', 'quokkaSpecificSetting', 'displayName', 'f1b2c3d4-policy-id', 'Fabrikam', 'conditionalAccessPolicy', 'NightlyTag', 'DeltaTokenPlaintextMarker', 'PlaintextProfileName', 'SuperSecretClientValue', snap.tree];
    for (const [key, bytes] of objects) {
      for (const needle of needles) {
        expect(key.includes(needle), `${needle} in key ${key}`).toBe(false);
        for (const encoding of ['utf8', 'utf16le', 'base64', 'hex'] as const) {
          expect(bytes.includes(Buffer.from(needle, 'utf8').toString(encoding === 'utf8' ? 'utf8' : encoding === 'hex' ? 'hex' : encoding === 'base64' ? 'base64' : 'utf8')), `${needle} (${encoding}) in ${key}`).toBe(false);
        }
      }
    }
  });
});
