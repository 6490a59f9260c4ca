/**
 * The catalog suite, run on every dialect (habit 10): SQLite always, Postgres when reachable
 * (see dialects.ts). Answers are checked against a model computed from full states (model.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, TenantVaultError } from '../../src/errors/index.js';
import { rebuildCatalog, SCHEMA_VERSION, type Catalog, type CatalogItem, type CatalogItemChange, type ItemVersion } from '../../src/catalog/index.js';
import { postgresFixture, sqliteFixture, type DialectFixture, type TestCatalog } from './dialects.js';
import {
  diff,
  expectedItems,
  expectedVersions,
  FakeSource,
  ingest,
  keyOf,
  randomWorld,
  REPO,
  snapshotAt,
  sortVersions,
  stream,
  withoutSeq,
  type ModelItem,
  type ModelSnapshot,
} from './model.js';

const fixtures: DialectFixture[] = [sqliteFixture(), await postgresFixture()];

/** Snapshot and version tables, without surrogate keys, in a fixed order. */
async function dump(tc: TestCatalog): Promise<{ snapshots: unknown[]; versions: unknown[] }> {
  const snapshots = await tc.query('select id, profile, seq, time, parent, state, tags, summary from snapshots order by profile, seq');
  const versions = await tc.query(
    'select profile, type, item_id, first_seq, last_seq, blob_id, name, name_lower, size from item_versions order by profile, type, item_id, first_seq',
  );
  return { snapshots, versions: versions.map((v) => ({ ...v, size: v.size === null ? null : Number(v.size) })) };
}

/** Versions with their bounding snapshots named by ID: comparable across catalogs whose seqs differ. */
async function versionsById(tc: TestCatalog): Promise<unknown[]> {
  const rows = await tc.query(`
    select v.profile, v.type, v.item_id, v.blob_id, v.name, f.id as first_id, l.id as last_id
    from item_versions v
    join snapshots f on f.profile = v.profile and f.seq = v.first_seq
    left join snapshots l on l.profile = v.profile and l.seq = v.last_seq
    order by v.profile, v.type, v.item_id, f.time`);
  return rows;
}

async function allItems(catalog: Catalog, snapshotId: string, options: { type?: string; limit?: number } = {}): Promise<CatalogItem[]> {
  const out: CatalogItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await catalog.listItems(snapshotId, { ...options, ...(after === undefined ? {} : { after }) });
    out.push(...page.items);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

function item(type: string, id: string, blobId: string, name: string, size = 10): ModelItem {
  return { type, id, blobId, name, size };
}

function state(...items: ModelItem[]): Map<string, ModelItem> {
  return new Map(items.map((i) => [keyOf(i), i]));
}

async function rejection(promise: Promise<unknown>): Promise<TenantVaultError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TenantVaultError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** An iterable that fails the test if anything reads it. */
const untouchable: AsyncIterable<CatalogItemChange> = {
  [Symbol.asyncIterator]() {
    throw new Error('the changes were read');
  },
};

const world = randomWorld(7, { profiles: 3, snapshots: 8, items: 60 });

for (const fixture of fixtures) {
  if (fixture.unavailable !== undefined) {
    if (process.env.CI) {
      describe(`catalog on ${fixture.name}`, () => {
        it('has its database', () => {
          throw new Error(`${fixture.unavailable} — CI is set, so the ${fixture.name} suite must run`);
        });
      });
    } else {
      describe.skip(`catalog on ${fixture.name} — SKIPPED: ${fixture.unavailable} (with CI set this fails)`, () => {
        it('runs the suite', () => undefined);
      });
    }
    continue;
  }

  describe(`catalog on ${fixture.name}`, () => {
    afterAll(() => fixture.cleanup());

    describe('migrations', () => {
      it('creates the schema on an empty database and reopens it without migrating again', async () => {
        const tc = await fixture.fresh();
        expect(await tc.catalog.info()).toEqual({
          dialect: fixture.name,
          location: expect.any(String),
          schemaVersion: SCHEMA_VERSION,
          repositoryId: null,
          searchIndex: fixture.name === 'sqlite' ? 'fts5-trigram' : 'pg_trgm',
          snapshots: 0,
          itemVersions: 0,
          jobs: 0,
          auditEvents: 0,
        });
        await tc.catalog.recordSnapshot(snapshotAt('s1', 'p', 1), stream(diff(undefined, state(item('user', 'a', 'b1', 'Alice')))));
        const again = await tc.reopen();
        expect((await again.listSnapshots()).map((s) => s.id)).toEqual(['s1']);
        expect(await tc.query('select version, name from catalog_migrations')).toEqual([
          { version: 1, name: 'snapshots, item versions, name search, jobs, audit' },
        ]);
        expect((await again.info()).repositoryId).toBe(REPO);
      });

      it('refuses a catalog written by a newer version', async () => {
        const tc = await fixture.fresh();
        await tc.exec(`insert into catalog_migrations (version, name, applied_at) values (${SCHEMA_VERSION + 1}, 'future', '2030-01-01T00:00:00.000Z')`);
        const err = await rejection(tc.reopen());
        expect(err.code).toBe('CATALOG_ERROR');
        expect(err.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
        expect(err.hint).toMatch(/newer Tenant Vault/);
      });
    });

    describe('recording snapshots', () => {
      const a1 = item('user', 'a', 'blob-a1', 'Alice', 11);
      const b1 = item('user', 'b', 'blob-b1', 'Bob', 12);
      const b2 = item('user', 'b', 'blob-b2', 'Bobby', 13);
      const c1 = item('user', 'c', 'blob-c1', 'Carol', 14);
      const g1 = item('group', 'g', 'blob-g1', 'Admins', 15);
      const g2 = item('group', 'g', 'blob-g2', 'Admins', 16);
      const states = [state(a1, b1, g1), state(a1, b2, c1), state(a1, b2, c1), state(b2, c1, g2)];
      const snaps = states.map((_, i) => snapshotAt(`snap-${i + 1}`, 'p', i + 1));

      async function recordAll(catalog: Catalog) {
        const results = [];
        for (let i = 0; i < states.length; i += 1) {
          results.push(await catalog.recordSnapshot(snaps[i]!, stream(diff(states[i - 1], states[i]!))));
        }
        return results;
      }

      it('adds, changes and removes items, producing exactly these version rows', async () => {
        const tc = await fixture.fresh();
        expect(await recordAll(tc.catalog)).toEqual([
          { recorded: true, seq: 1, added: 3, changed: 0, removed: 0 },
          { recorded: true, seq: 2, added: 1, changed: 1, removed: 1 },
          { recorded: true, seq: 3, added: 0, changed: 0, removed: 0 },
          { recorded: true, seq: 4, added: 1, changed: 0, removed: 1 },
        ]);
        const row = (i: ModelItem, first: number, last: number | null) => ({
          profile: 'p',
          type: i.type,
          item_id: i.id,
          first_seq: first,
          last_seq: last,
          blob_id: i.blobId,
          name: i.name,
          name_lower: i.name.toLowerCase(),
          size: i.size,
        });
        const { versions, snapshots } = await dump(tc);
        expect(versions).toEqual([row(g1, 1, 1), row(g2, 4, null), row(a1, 1, 3), row(b1, 1, 1), row(b2, 2, null), row(c1, 2, null)]);
        expect(snapshots).toEqual(
          snaps.map((s, i) => ({ id: s.id, profile: 'p', seq: i + 1, time: s.time, parent: null, state: 'complete', tags: '[]', summary: '{}' })),
        );
        expect(await tc.catalog.listSnapshots()).toEqual(
          snaps.map((s, i) => ({ id: s.id, profile: 'p', seq: i + 1, time: s.time, parent: null, state: 'complete', tags: [], summary: {} })),
        );
      });

      it('adds no version rows for snapshots without changes', async () => {
        const tc = await fixture.fresh();
        const first = state(a1, b1, c1, g1);
        await tc.catalog.recordSnapshot(snapshotAt('s0', 'p', 0), stream(diff(undefined, first)));
        const before = await dump(tc);
        for (let i = 1; i <= 10; i += 1) {
          expect(await tc.catalog.recordSnapshot(snapshotAt(`s${i}`, 'p', i), stream([]))).toEqual({ recorded: true, seq: i + 1, added: 0, changed: 0, removed: 0 });
        }
        const after = await dump(tc);
        expect(after.versions).toEqual(before.versions);
        expect(after.snapshots).toHaveLength(11);
        expect((await tc.catalog.listItems('s10')).items).toEqual(expectedItems({ snapshot: snapshotAt('s10', 'p', 10), items: first }));
      });

      it('keeps the snapshot metadata it is given', async () => {
        const tc = await fixture.fresh();
        const snapshot = snapshotAt('meta', 'p', 1, { parent: 'earlier', state: 'partial', tags: ['manual', 'before-restore'], summary: { items: 3, skippedTypes: ['bitlockerKey'] } });
        await tc.catalog.recordSnapshot({ ...snapshot, time: '2026-01-01T01:01:00+01:00' }, stream([]));
        expect(await tc.catalog.getSnapshot('meta')).toEqual({
          id: 'meta',
          profile: 'p',
          seq: 1,
          time: '2026-01-01T00:01:00.000Z',
          parent: 'earlier',
          state: 'partial',
          tags: ['manual', 'before-restore'],
          summary: { items: 3, skippedTypes: ['bitlockerKey'] },
        });
      });

      it('treats recording a snapshot again as a no-op that does not read the changes', async () => {
        const tc = await fixture.fresh();
        await recordAll(tc.catalog);
        const before = await dump(tc);
        expect(await tc.catalog.recordSnapshot(snaps[1]!, untouchable)).toEqual({ recorded: false, seq: 2, added: 0, changed: 0, removed: 0 });
        expect(await dump(tc)).toEqual(before);
      });

      it('refuses a snapshot older than the profile\'s latest, suggesting a rebuild', async () => {
        const tc = await fixture.fresh();
        await tc.catalog.recordSnapshot(snapshotAt('late', 'p', 5), stream(diff(undefined, state(a1))));
        const err = await rejection(tc.catalog.recordSnapshot(snapshotAt('early', 'p', 3), stream([])));
        expect(err.code).toBe('CATALOG_ERROR');
        expect(err.message).toMatch(/older than the latest snapshot.*late/);
        expect(err.hint).toContain('tenant-vault catalog rebuild');
        // Other profiles have their own order.
        await tc.catalog.recordSnapshot(snapshotAt('other', 'q', 1), stream([]));
        expect((await tc.catalog.listSnapshots()).map((s) => s.id)).toEqual(['other', 'late']);
      });

      it('refuses changes relative to a snapshot that is not the profile\'s latest', async () => {
        const tc = await fixture.fresh();
        await tc.catalog.recordSnapshot(snaps[0]!, stream(diff(undefined, states[0]!)), { base: null });
        const wrongBase = await rejection(tc.catalog.recordSnapshot(snaps[1]!, stream(diff(states[0], states[1]!)), { base: 'missing-one' }));
        expect(wrongBase.code).toBe('CATALOG_ERROR');
        expect(wrongBase.hint).toContain('catalog rebuild');
        const notFirst = await rejection(tc.catalog.recordSnapshot(snaps[1]!, stream([]), { base: null }));
        expect(notFirst.message).toContain('snap-1');
        expect(await tc.catalog.recordSnapshot(snaps[1]!, stream(diff(states[0], states[1]!)), { base: 'snap-1' })).toMatchObject({ recorded: true, seq: 2 });
      });

      it('refuses changes the catalog contradicts, and rolls the snapshot back', async () => {
        const tc = await fixture.fresh();
        await tc.catalog.recordSnapshot(snaps[0]!, stream(diff(undefined, states[0]!)));
        const before = await dump(tc);
        const cases: [CatalogItemChange[], RegExp][] = [
          [[{ type: 'user', id: 'nobody', kind: 'changed', blobId: 'x' }], /changed or removed.*user\/nobody/],
          [[{ type: 'user', id: 'nobody', kind: 'removed' }], /changed or removed.*user\/nobody/],
          [[{ type: 'user', id: 'a', kind: 'added', blobId: 'x', name: 'Alice' }], /added.*already holds.*user\/a/],
          [
            [
              { type: 'user', id: 'a', kind: 'changed', blobId: 'x' },
              { type: 'user', id: 'a', kind: 'changed', blobId: 'y' },
            ],
            /user\/a twice/,
          ],
        ];
        for (const [changes, message] of cases) {
          const err = await rejection(tc.catalog.recordSnapshot(snaps[1]!, stream(changes)));
          expect(err.code).toBe('CATALOG_ERROR');
          expect(err.message).toMatch(message);
          expect(err.hint).toContain('catalog rebuild');
          expect(await dump(tc)).toEqual(before);
        }
        const first = await rejection(tc.catalog.recordSnapshot(snapshotAt('q1', 'q', 1), stream([{ type: 'user', id: 'a', kind: 'removed' }])));
        expect(first.message).toMatch(/first of profile q/);
      });

      it('refuses a snapshot of another repository, and malformed input as a bug', async () => {
        const tc = await fixture.fresh();
        await tc.catalog.recordSnapshot(snaps[0]!, stream([]));
        const other = await rejection(tc.catalog.recordSnapshot({ ...snaps[1]!, repositoryId: 'repo-other' }, stream([])));
        expect(other.code).toBe('CATALOG_ERROR');
        expect(other.message).toContain('repo-other');
        const noBlob = await rejection(tc.catalog.recordSnapshot(snaps[1]!, stream([{ type: 'user', id: 'z', kind: 'added' }])));
        expect(noBlob.code).toBe('INTERNAL');
        const badTime = await rejection(tc.catalog.recordSnapshot({ ...snaps[1]!, time: 'yesterday' }, stream([])));
        expect(badTime.code).toBe('INTERNAL');
        expect((await tc.catalog.listSnapshots()).map((s) => s.id)).toEqual(['snap-1']);
      });

      it('passes a failure of the changes through unchanged and records nothing', async () => {
        const tc = await fixture.fresh();
        const failure = new TenantVaultError('REPO_CORRUPT', 'tree blob damaged');
        async function* failing(): AsyncGenerator<CatalogItemChange> {
          for (let i = 0; i < 1_200; i += 1) yield { type: 'user', id: `u${i}`, kind: 'added', blobId: `b${i}`, name: `User ${i}` };
          throw failure;
        }
        await expect(tc.catalog.recordSnapshot(snaps[0]!, failing())).rejects.toBe(failure);
        expect(await dump(tc)).toEqual({ snapshots: [], versions: [] });
      });

      it('reports an abort with a reason of the caller\'s own as an AbortError', async () => {
        const tc = await fixture.fresh();
        const controller = new AbortController();
        const reason = new Error('user pressed Ctrl-C');
        async function* changes(): AsyncGenerator<CatalogItemChange> {
          for (let i = 0; i < 600; i += 1) {
            if (i === 550) controller.abort(reason);
            yield { type: 'user', id: `u${i}`, kind: 'added', blobId: `b${i}`, name: `User ${i}` };
          }
        }
        await expect(tc.catalog.recordSnapshot(snaps[0]!, changes(), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError', cause: reason });
        expect(await dump(tc)).toEqual({ snapshots: [], versions: [] });
      });

      it('stops on abort and records nothing', async () => {
        const tc = await fixture.fresh();
        const controller = new AbortController();
        let finallyRan = false;
        async function* changes(): AsyncGenerator<CatalogItemChange> {
          try {
            for (let i = 0; i < 5_000; i += 1) {
              if (i === 700) controller.abort();
              yield { type: 'user', id: `u${i}`, kind: 'added', blobId: `b${i}`, name: `User ${i}` };
            }
          } finally {
            finallyRan = true;
          }
        }
        await expect(tc.catalog.recordSnapshot(snaps[0]!, changes(), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
        expect(finallyRan).toBe(true);
        expect(await dump(tc)).toEqual({ snapshots: [], versions: [] });
      });
    });

    it('answers reads while a snapshot is being recorded, from the last commit', async () => {
      const tc = await fixture.fresh();
      await tc.catalog.recordSnapshot(snapshotAt('r1', 'p', 1), stream([{ type: 'user', id: 'a', kind: 'added', blobId: 'b1', name: 'Alice' }]));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reading!: () => void;
      const inside = new Promise<void>((resolve) => (reading = resolve));
      async function* held(): AsyncGenerator<CatalogItemChange> {
        yield { type: 'user', id: 'a', kind: 'changed', blobId: 'b2', name: 'Alice 2' };
        reading();
        await gate;
      }
      const writing = tc.catalog.recordSnapshot(snapshotAt('r2', 'p', 2), held());
      await inside;
      expect((await tc.catalog.listSnapshots()).map((s) => s.id)).toEqual(['r1']);
      expect((await tc.catalog.search('alice')).map((v) => v.name)).toEqual(['Alice']);
      // Writes queue behind the snapshot's transaction on SQLite (one writer) and do not on Postgres.
      const job = tc.catalog.createJob({ kind: 'check' });
      release();
      await writing;
      expect(await job).toMatchObject({ status: 'queued' });
      expect((await tc.catalog.listSnapshots()).map((s) => s.id)).toEqual(['r1', 'r2']);
    });

    describe('queries over a random world', () => {
      let tc: TestCatalog;
      const versions = expectedVersions(world);

      it('ingests the world', async () => {
        tc = await fixture.fresh();
        await ingest(tc.catalog, world);
        expect((await tc.catalog.info()).itemVersions).toBe(versions.length);
      });

      it('lists exactly the items of every snapshot, old ones included, page by page', async () => {
        for (const m of world) {
          expect(await allItems(tc.catalog, m.snapshot.id, { limit: 7 })).toEqual(expectedItems(m));
        }
        for (const m of world.slice(0, 6)) {
          expect(await allItems(tc.catalog, m.snapshot.id.slice(0, 10), { type: 'group', limit: 5 })).toEqual(expectedItems(m, 'group'));
        }
      });

      it('lists snapshots oldest first, by profile, and finds them by unique prefix', async () => {
        expect((await tc.catalog.listSnapshots()).map((s) => s.id)).toEqual(world.map((m) => m.snapshot.id));
        expect((await tc.catalog.listSnapshots({ profile: 'profile-1' })).map((s) => [s.id, s.seq])).toEqual(
          world.filter((m) => m.snapshot.profile === 'profile-1').map((m, i) => [m.snapshot.id, i + 1]),
        );
        const target = world[5]!.snapshot;
        expect((await tc.catalog.getSnapshot(target.id.slice(0, 8))).id).toBe(target.id);
        const missing = await rejection(tc.catalog.getSnapshot('not-there'));
        expect(missing.code).toBe('SNAPSHOT_NOT_FOUND');
        expect((await rejection(tc.catalog.listItems('not-there'))).code).toBe('SNAPSHOT_NOT_FOUND');
        const tc2 = await fixture.fresh();
        await tc2.catalog.recordSnapshot(snapshotAt('abc111', 'p', 1), stream([]));
        await tc2.catalog.recordSnapshot(snapshotAt('abc222', 'p', 2), stream([]));
        const ambiguous = await rejection(tc2.catalog.getSnapshot('abc'));
        expect(ambiguous.code).toBe('USAGE');
        expect(ambiguous.message).toContain('abc111, abc222');
      });

      it('gives the history of every item', async () => {
        for (const m of world.slice(-3)) {
          for (const i of m.items.values()) {
            const expected = versions.filter((v) => v.type === i.type && v.id === i.id);
            expect(await tc.catalog.itemHistory({ profile: m.snapshot.profile, type: i.type, id: i.id })).toEqual(expected);
            expect(await tc.catalog.itemHistory({ type: i.type, id: i.id })).toEqual(expected);
          }
        }
        expect(await tc.catalog.itemHistory({ type: 'user', id: 'never' })).toEqual([]);
      });

      it('searches names by substring, ignoring case, with the snapshots each version is current in', async () => {
        const expectFor = (text: string, filter: (v: ItemVersion) => boolean = () => true) =>
          sortVersions(versions.filter((v) => v.name.toLowerCase().includes(text.toLowerCase()) && filter(v)));
        for (const text of ['ALI', 'li', 'é', 'ölund', '50%_', '%', '_', 'o"te', 'back\\sl', 'n der b', 'smith 1', 'r3']) {
          const expected = expectFor(text);
          expect(await tc.catalog.search(text, { limit: 10_000 }), text).toEqual(expected);
        }
        expect(await tc.catalog.search('zzz-nothing')).toEqual([]);
        expect(await tc.catalog.search('ali', { type: 'group', limit: 10_000 })).toEqual(expectFor('ali', (v) => v.type === 'group'));
        expect(await tc.catalog.search('ALI', { profile: 'profile-2', limit: 10_000 })).toEqual(expectFor('ali', (v) => v.profile === 'profile-2'));
        expect(await tc.catalog.search('a', { limit: 5 })).toEqual(expectFor('a').slice(0, 5));
        expect(expectFor('ali').some((v) => !v.current) && expectFor('ali').some((v) => v.current)).toBe(true);
        expect((await rejection(tc.catalog.search(''))).code).toBe('USAGE');
      });
    });

    describe('removing snapshots', () => {
      it('keeps every remaining snapshot\'s items and the versions a rebuild would make', async () => {
        const tc = await fixture.fresh();
        await ingest(tc.catalog, world);
        const of = (profile: string) => world.filter((m) => m.snapshot.profile === profile);
        const removed = new Set([
          of('profile-0')[3]!.snapshot.id, // a middle one
          of('profile-0')[4]!.snapshot.id, // and its neighbour
          of('profile-1')[0]!.snapshot.id, // the first
          ...of('profile-2').slice(-2).map((m) => m.snapshot.id), // the newest two
        ]);
        const remaining = world.filter((m) => !removed.has(m.snapshot.id));
        const rowsBefore = (await dump(tc)).versions.length;
        const result = await tc.catalog.removeSnapshots([...removed, 'unknown-id']);
        expect(result.snapshots).toBe(5);
        expect(result.versions).toBe(rowsBefore - (await dump(tc)).versions.length);
        expect(result.versions).toBeGreaterThan(0);

        const check = async (expectedWorld: ModelSnapshot[]) => {
          for (const m of expectedWorld) expect(await allItems(tc.catalog, m.snapshot.id, { limit: 50 })).toEqual(expectedItems(m));
          const rebuilt = await fixture.fresh();
          await rebuildCatalog(rebuilt.catalog, new FakeSource(expectedWorld));
          expect(await versionsById(tc)).toEqual(await versionsById(rebuilt));
          expect(withoutSeq(await tc.catalog.search('a', { limit: 10_000 }))).toEqual(withoutSeq(await rebuilt.catalog.search('a', { limit: 10_000 })));
          expect(withoutSeq(await tc.catalog.search('a', { limit: 10_000 }))).toEqual(
            withoutSeq(sortVersions(expectedVersions(expectedWorld).filter((v) => v.name.toLowerCase().includes('a')))),
          );
        };
        await check(remaining);

        // The next snapshot of the profile that lost its newest ones is relative to the newest remaining.
        const base = of('profile-2').at(-3)!;
        const next: ModelSnapshot = { snapshot: snapshotAt('next-p2', 'profile-2', 10_000), items: new Map([...base.items].slice(5)) };
        await tc.catalog.recordSnapshot(next.snapshot, stream(diff(base.items, next.items)), { base: base.snapshot.id });
        await check([...remaining, next]);
      });

      it('merges versions that only a removed snapshot told apart', async () => {
        const tc = await fixture.fresh();
        const a = item('user', 'a', 'blob-a', 'Alice');
        const b = item('user', 'b', 'blob-b', 'Bob');
        const g = item('group', 'g', 'blob-g', 'Group');
        // s2 is a partial snapshot: groups and user b are missing, then back unchanged in s3.
        const w: ModelSnapshot[] = [state(a, b, g), state(a), state(a, b, g), state(a, b, g)].map((items, i) => ({ snapshot: snapshotAt(`m${i + 1}`, 'p', i), items }));
        await ingest(tc.catalog, w);
        expect((await tc.catalog.itemHistory({ type: 'user', id: 'b' })).length).toBe(2);
        expect(await tc.catalog.removeSnapshots(['m2'])).toEqual({ snapshots: 1, versions: 2 });
        const remaining = w.filter((m) => m.snapshot.id !== 'm2');
        expect(withoutSeq(await tc.catalog.itemHistory({ type: 'user', id: 'b' }))).toEqual(withoutSeq(expectedVersions(remaining).filter((v) => v.id === 'b')));
        expect(await tc.catalog.itemHistory({ type: 'user', id: 'b' })).toMatchObject([{ first: { id: 'm1' }, last: { id: 'm4' }, current: true, snapshotCount: 3 }]);
        const rebuilt = await fixture.fresh();
        await rebuildCatalog(rebuilt.catalog, new FakeSource(remaining));
        expect(await versionsById(tc)).toEqual(await versionsById(rebuilt));
      });

      it('deletes every version of a profile whose snapshots are all gone', async () => {
        const tc = await fixture.fresh();
        await ingest(tc.catalog, world);
        const p1 = world.filter((m) => m.snapshot.profile === 'profile-1').map((m) => m.snapshot.id);
        await tc.catalog.removeSnapshots(p1);
        expect(await tc.query(`select count(*) as n from item_versions where profile = 'profile-1'`)).toEqual([{ n: fixture.name === 'postgres' ? '0' : 0 }]);
        expect(await tc.catalog.listSnapshots({ profile: 'profile-1' })).toEqual([]);
        // The profile starts over.
        expect(await tc.catalog.recordSnapshot(snapshotAt('p1-new', 'profile-1', 50_000), stream([]), { base: null })).toMatchObject({ seq: 1 });
      });
    });

    describe('rebuild', () => {
      it('produces exactly what incremental ingestion produced, keeping jobs and audit', async () => {
        const incremental = await fixture.fresh();
        await ingest(incremental.catalog, world);
        const expected = await dump(incremental);

        const fresh = await fixture.fresh();
        const progress: unknown[] = [];
        const source = new FakeSource(world);
        const totalChanges = world.reduce((n, m, i) => {
          const prev = world.slice(0, i).reverse().find((p) => p.snapshot.profile === m.snapshot.profile);
          return n + diff(prev?.items, m.items).length;
        }, 0);
        expect(await rebuildCatalog(fresh.catalog, source, { onProgress: (p) => progress.push(p) })).toEqual({ profiles: 3, snapshots: world.length, changes: totalChanges });
        expect(await dump(fresh)).toEqual(expected);
        expect(progress[0]).toEqual({ snapshotsDone: 0, snapshotsTotal: world.length, changes: 0 });
        expect(progress.at(-1)).toEqual({ snapshotsDone: world.length, snapshotsTotal: world.length, changes: totalChanges });
        expect(source.changesCalls).toBe(world.length);

        // In place, over a catalog that also holds jobs and audit events.
        const job = await incremental.catalog.createJob({ kind: 'backup', profile: 'profile-0' });
        const event = await incremental.catalog.appendAudit({ actor: 'alice@example.com', action: 'restore.apply', target: 'user/1', result: 'succeeded' });
        await incremental.catalog.removeSnapshots([world[4]!.snapshot.id]);
        await rebuildCatalog(incremental.catalog, new FakeSource(world));
        expect(await dump(incremental)).toEqual(expected);
        expect(await incremental.catalog.getJob(job.id)).toEqual(job);
        expect(await incremental.catalog.listAudit()).toEqual([event]);
      });

      it('leaves the catalog as it was when aborted', async () => {
        const tc = await fixture.fresh();
        await ingest(tc.catalog, world.slice(0, 6));
        const before = await dump(tc);
        const controller = new AbortController();
        const run = rebuildCatalog(tc.catalog, new FakeSource(world), {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.snapshotsDone === 10) controller.abort();
          },
        });
        await expect(run).rejects.toMatchObject({ name: 'AbortError' });
        expect(await dump(tc)).toEqual(before);
      });

      it('re-indexes the catalog for another repository', async () => {
        const tc = await fixture.fresh();
        await tc.catalog.recordSnapshot({ ...snapshotAt('old', 'p', 1), repositoryId: 'repo-old' }, stream([]));
        await rebuildCatalog(tc.catalog, new FakeSource(world.slice(0, 3)));
        expect((await tc.catalog.info()).repositoryId).toBe(REPO);
        expect((await tc.catalog.listSnapshots()).map((s) => s.id)).toEqual(world.slice(0, 3).map((m) => m.snapshot.id));
      });
    });

    describe('jobs and audit', () => {
      it('creates, updates, finishes and lists jobs', async () => {
        let now = Date.UTC(2026, 5, 1, 12, 0, 0);
        const at = (ms: number) => new Date(ms).toISOString();
        const tc = await fixture.fresh({ now: () => new Date(now) });
        const job = await tc.catalog.createJob({ kind: 'backup', profile: 'contoso', params: { types: ['user'] } });
        expect(job).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          kind: 'backup',
          profile: 'contoso',
          status: 'queued',
          params: { types: ['user'] },
          createdAt: at(now),
          updatedAt: at(now),
          startedAt: null,
          finishedAt: null,
          progress: null,
          report: null,
          error: null,
        });
        const created = now;
        now += 1_000;
        const running = await tc.catalog.updateJob(job.id, { status: 'running', progress: { done: 0, total: 10 } });
        expect(running).toEqual({ ...job, status: 'running', startedAt: at(now), updatedAt: at(now), progress: { done: 0, total: 10 } });
        const started = now;
        now += 1_000;
        await tc.catalog.updateJob(job.id, { status: 'queued' });
        now += 1_000;
        expect((await tc.catalog.updateJob(job.id, { status: 'running' })).startedAt).toBe(at(started));
        now += 1_000;
        const failed = await tc.catalog.finishJob(job.id, { status: 'failed', report: { items: 3 }, error: new TenantVaultError('THROTTLED', 'Too many requests') });
        expect(failed).toEqual({
          ...job,
          status: 'failed',
          createdAt: at(created),
          startedAt: at(started),
          updatedAt: at(now),
          finishedAt: at(now),
          progress: { done: 0, total: 10 },
          report: { items: 3 },
          error: { code: 'THROTTLED', message: 'Too many requests', hint: ERROR_CODES.THROTTLED.hint },
        });
        expect(await tc.catalog.getJob(job.id)).toEqual(failed);
        for (const attempt of [tc.catalog.updateJob(job.id, { progress: {} }), tc.catalog.finishJob(job.id, { status: 'succeeded' })]) {
          const err = await rejection(attempt);
          expect(err.code).toBe('CATALOG_ERROR');
          expect(err.message).toContain('already ended (failed)');
        }
        expect((await rejection(tc.catalog.updateJob('no-such-job', {}))).message).toContain('No job no-such-job');
        expect(await tc.catalog.getJob('no-such-job')).toBeUndefined();

        const more = [];
        for (const [kind, profile] of [['check', 'contoso'], ['restore', 'fabrikam'], ['backup', 'fabrikam']] as const) {
          now += 1_000;
          more.push(await tc.catalog.createJob({ kind, profile, status: 'running' }));
        }
        expect((await tc.catalog.listJobs()).map((j) => j.kind)).toEqual(['backup', 'restore', 'check', 'backup']);
        expect((await tc.catalog.listJobs({ kind: 'backup' })).map((j) => j.profile)).toEqual(['fabrikam', 'contoso']);
        expect((await tc.catalog.listJobs({ profile: 'contoso', status: 'running' })).map((j) => j.kind)).toEqual(['check']);
        const page1 = await tc.catalog.listJobs({ limit: 2 });
        const page2 = await tc.catalog.listJobs({ limit: 2, before: page1.at(-1)!.id });
        expect([...page1, ...page2].map((j) => j.id)).toEqual([...more].reverse().map((j) => j.id).concat(job.id));
        expect(more[0]!.startedAt).toBe(more[0]!.createdAt);
      });

      it('appends audit events and lists them newest first', async () => {
        let now = Date.UTC(2026, 5, 1, 12, 0, 0);
        const tc = await fixture.fresh({ now: () => new Date(now) });
        const events = [];
        for (const [actor, action, target, result] of [
          ['alice@contoso.com', 'restore.plan', 'user/1', 'succeeded'],
          ['alice@contoso.com', 'restore.apply', 'user/1', 'failed'],
          ['bob@contoso.com', 'snapshot.forget', 'snap-1', 'succeeded'],
        ] as const) {
          now += 60_000;
          events.push(await tc.catalog.appendAudit({ actor, action, target, result, profile: 'contoso', jobId: 'job-1', details: { note: action } }));
        }
        expect(events[0]).toEqual({
          id: expect.any(Number),
          time: new Date(Date.UTC(2026, 5, 1, 12, 1, 0)).toISOString(),
          actor: 'alice@contoso.com',
          action: 'restore.plan',
          profile: 'contoso',
          target: 'user/1',
          result: 'succeeded',
          jobId: 'job-1',
          details: { note: 'restore.plan' },
        });
        expect(events[1]!.id).toBeGreaterThan(events[0]!.id);
        expect(await tc.catalog.listAudit()).toEqual([...events].reverse());
        expect(await tc.catalog.listAudit({ actor: 'alice@contoso.com', target: 'user/1' })).toEqual([events[1], events[0]]);
        expect(await tc.catalog.listAudit({ action: 'snapshot.forget' })).toEqual([events[2]]);
        expect(await tc.catalog.listAudit({ limit: 1, before: events[2]!.id })).toEqual([events[1]]);
        expect(await tc.catalog.listAudit({ jobId: 'job-2' })).toEqual([]);
        expect((await rejection(tc.catalog.appendAudit({ actor: '', action: 'x', target: 'y', result: 'z' }))).code).toBe('INTERNAL');
      });
    });

    it.runIf(fixture.name === 'postgres')('serialises two writers of the same profile across connections', async () => {
      const tc = await fixture.fresh();
      const second = await tc.reopen();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      async function* slow(): AsyncGenerator<CatalogItemChange> {
        yield { type: 'user', id: 'a', kind: 'added', blobId: 'b', name: 'A' };
        await gate;
      }
      const first = tc.catalog.recordSnapshot(snapshotAt('w1', 'p', 1), slow());
      // Wait until the first writer holds the lock, then start the second and wait until it queues.
      const waiting = async (granted: boolean, n: number) => {
        for (let polls = 0; polls < 20_000; polls += 1) {
          const rows = await tc.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and granted = ${granted}`);
          if (rows[0]?.n === n) return;
          await new Promise((resolve) => setImmediate(resolve));
        }
        throw new Error(`never saw ${n} ${granted ? 'granted' : 'waiting'} advisory lock(s): is the write lock taken?`);
      };
      await waiting(true, 1);
      const next = second.recordSnapshot(snapshotAt('w2', 'p', 2), stream([{ type: 'user', id: 'a', kind: 'changed', blobId: 'c', name: 'A' }]));
      await waiting(false, 1);
      release();
      expect(await first).toMatchObject({ recorded: true, seq: 1 });
      expect(await next).toMatchObject({ recorded: true, seq: 2, changed: 1 });
    });
  });
}
