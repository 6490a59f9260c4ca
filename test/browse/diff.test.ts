/**
 * Diffs report exactly the changes and nothing else: snapshot to snapshot (with the top-level
 * property names, embedded sub-resources under their key), entry-only changes and canonically
 * equal documents are not changes, documents are read only for changed items, and the live
 * diff has the same shape and leaves append-only logs out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemChange, ItemEntry, SnapshotInfo } from '../../src/repository/index.js';
import { changedProperties, collectDifferences, diffLive, diffSnapshots, liveDiffTypes, snapshotIncludes, toDiffReport, type DiffSource, type LiveItem } from '../../src/engine/browse/index.js';
import { auditRecord, createTestRepo, guid, user, type ModelItem, type TestRepo } from './helpers.js';

describe('changedProperties', () => {
  it('reports top-level names for nested changes, ignores key order and absent-versus-undefined', () => {
    const before = { id: '1', conditions: { users: { includeGroups: ['a'], excludeUsers: [] } }, state: 'enabled', note: undefined, members: [{ id: 'm1' }] };
    const after = { state: 'enabled', id: '1', conditions: { users: { excludeUsers: [], includeGroups: ['a', 'b'] } }, members: [{ id: 'm1' }, { id: 'm2' }] };
    expect(changedProperties(before, after)).toEqual(['conditions', 'members']);
    expect(changedProperties({ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 })).toEqual([]);
    expect(changedProperties({ a: 1 }, { a: 1, b: null })).toEqual(['b']);
    expect(changedProperties({ a: 1, gone: 'x' }, { a: 1 })).toEqual(['gone']);
    expect(changedProperties([1], [2])).toEqual(['(document)']);
  });
});

const group = (n: number, members: readonly number[], extra: Record<string, unknown> = {}): ModelItem => {
  const id = guid(n, 'b');
  const document = { id, displayName: `Group ${n}`, securityEnabled: true, members: members.map((m) => ({ '@odata.type': '#microsoft.graph.user', id: guid(m, 'a') })), ...extra };
  return { type: 'group', id, name: `Group ${n}`, document };
};

const policy = (includeGroups: readonly string[]): ModelItem => {
  const id = guid(1, 'c');
  return {
    type: 'conditionalAccessPolicy',
    id,
    name: 'Require MFA for admins',
    document: { id, displayName: 'Require MFA for admins', state: 'enabled', conditions: { users: { includeGroups, excludeUsers: [] }, applications: { includeApplications: ['All'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } },
  };
};

const configuration = (groupId: string): ModelItem => {
  const id = guid(1, 'd');
  return {
    type: 'deviceConfiguration',
    id,
    name: 'Windows baseline',
    document: { id, displayName: 'Windows baseline', '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', passwordRequired: true, assignments: [{ id: `${id}_1`, target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } }] },
  };
};

const audit1 = auditRecord({ id: 'Directory_1', time: '2026-05-01T08:00:00Z', activity: 'Add user', operationType: 'Add', targets: [{ id: guid(1, 'a') }] });
const audit2 = auditRecord({ id: 'Directory_2', time: '2026-05-01T12:00:00Z', activity: 'Update user', targets: [{ id: guid(5, 'a'), properties: ['DisplayName'] }] });

function stateA(): ModelItem[] {
  const users = Array.from({ length: 50 }, (_, i) => user(i + 1));
  return [...users, group(1, [1, 2, 3]), group(2, [4]), group(3, []), policy([guid(1, 'b')]), configuration(guid(1, 'b')), audit1];
}

/** The changes the test makes, and the report they must give — written out, not computed. */
function stateB(): ModelItem[] {
  return stateA().flatMap((item): ModelItem[] => {
    switch (item.id) {
      case guid(5, 'a'): // rename a user
        return [user(5, { displayName: 'Renamed Five' })];
      case guid(6, 'a'): // same document, another entry name: not a change
        return [{ ...item, name: 'Display name from elsewhere' }];
      case guid(7, 'a'): // only the entry's metadata: not a change
        return [{ ...item, meta: { etag: 'W/"2"' } }];
      case guid(8, 'a'): // same document with its keys in another order: not a change
        return [{ ...item, document: Object.fromEntries(Object.entries(item.document).reverse()) }];
      case guid(2, 'b'): // delete a group
        return [];
      case guid(1, 'b'): // remove a member
        return [group(1, [1, 2])];
      case guid(1, 'c'): // a change deep inside the conditions
        return [policy([guid(1, 'b'), guid(3, 'b')])];
      case guid(1, 'd'): // an Intune assignment change
        return [configuration(guid(3, 'b'))];
      default:
        return [item];
    }
  }).concat([user(51), audit2]);
}

const EXPECTED_AB = {
  added: [
    { type: 'directoryAudit', id: 'Directory_2' },
    { type: 'user', id: guid(51, 'a') },
  ],
  removed: [{ type: 'group', id: guid(2, 'b') }],
  changed: [
    { type: 'conditionalAccessPolicy', id: guid(1, 'c'), properties: ['conditions'] },
    { type: 'deviceConfiguration', id: guid(1, 'd'), properties: ['assignments'] },
    { type: 'group', id: guid(1, 'b'), properties: ['members'] },
    { type: 'user', id: guid(5, 'a'), properties: ['displayName'] },
  ],
};

let t: TestRepo;
let a: SnapshotInfo;
let b: SnapshotInfo;

beforeAll(async () => {
  t = await createTestRepo();
  a = await t.snapshot('contoso', '2026-05-01T10:00:00Z', stateA());
  b = await t.snapshot('contoso', '2026-05-02T10:00:00Z', stateB());
});

afterAll(async () => t.close());

describe('diffSnapshots', () => {
  it('reports exactly the added, removed and changed items with their changed properties', async () => {
    const differences = await collectDifferences(diffSnapshots(t.repo, a, b));
    expect(toDiffReport(differences)).toEqual(EXPECTED_AB);
    // The repository did see the entry-only changes (so the filter above is what removed them).
    const entryChanges = [];
    for await (const c of t.repo.diff(a, b, { type: 'user' })) if (c.kind === 'changed') entryChanges.push(c.id);
    expect(entryChanges.sort()).toEqual([guid(5, 'a'), guid(6, 'a'), guid(7, 'a')]);
  });

  it('names items, orders by type then kind, and narrows to one type', async () => {
    const differences = await collectDifferences(diffSnapshots(t.repo, a, b, { type: 'user' }));
    expect(differences).toEqual([
      { type: 'user', id: guid(51, 'a'), kind: 'added', name: 'User 51' },
      { type: 'user', id: guid(5, 'a'), kind: 'changed', name: 'Renamed Five', properties: ['displayName'] },
    ]);
    const reverse = toDiffReport(await collectDifferences(diffSnapshots(t.repo, b, a)));
    expect(reverse.added).toEqual([{ type: 'group', id: guid(2, 'b') }]);
    expect(reverse.removed).toEqual(EXPECTED_AB.added);
    expect(reverse.changed).toEqual(EXPECTED_AB.changed);
  });

  it('does not report a changed blob whose documents are equal after canonicalisation; reports changed streams', async () => {
    const entry = (id: string, doc: string, streams?: ItemEntry['streams']): ItemEntry => ({ type: 'script', id, name: id, document: { id: doc, size: 10 }, ...(streams ? { streams } : {}) });
    const documents: Record<string, unknown> = {
      ['1'.repeat(64)]: { id: 's1', settings: { a: 1, b: [1, 2] }, enabled: true },
      ['2'.repeat(64)]: { enabled: true, settings: { b: [1, 2], a: 1 }, id: 's1' },
      ['3'.repeat(64)]: { id: 's2' },
    };
    const changes: ItemChange[] = [
      { type: 'script', id: 's1', kind: 'changed', before: entry('s1', '1'.repeat(64)), after: entry('s1', '2'.repeat(64)) },
      { type: 'script', id: 's2', kind: 'changed', before: entry('s2', '3'.repeat(64), { content: [{ id: 'c1', size: 5 }] }), after: entry('s2', '3'.repeat(64), { content: [{ id: 'c2', size: 5 }] }) },
    ];
    const fake: DiffSource = {
      async *diff() {
        yield* changes;
      },
      async readDocument(e) {
        return documents[e.document.id];
      },
    };
    expect(await collectDifferences(diffSnapshots(fake, 'x', 'y'))).toEqual([{ type: 'script', id: 's2', kind: 'changed', name: 's2', properties: ['content'] }]);
  });

  it('reads documents only for changed items (2 per change), none for added or removed ones', async () => {
    const many = (changed: ReadonlySet<number>, extra: number): ModelItem[] =>
      Array.from({ length: 2000 + extra }, (_, i) => (changed.has(i) ? user(1000 + i, { jobTitle: 'Manager' }) : user(1000 + i)));
    const changed = new Set(Array.from({ length: 20 }, (_, k) => k * 97));
    const s1 = await t.snapshot('bulk', '2026-05-01T10:00:00Z', many(new Set(), 0));
    const s2 = await t.snapshot('bulk', '2026-05-02T10:00:00Z', many(changed, 5).filter((i) => i.id !== user(1001).id));
    let reads = 0;
    const counting: DiffSource = { diff: (f, to, o) => t.repo.diff(f, to, o), readDocument: (e, o) => ((reads += 1), t.repo.readDocument(e, o)) };
    const report = toDiffReport(await collectDifferences(diffSnapshots(counting, s1, s2)));
    expect(report.added.map((x) => x.id)).toEqual([3000, 3001, 3002, 3003, 3004].map((n) => user(n).id));
    expect(report.removed).toEqual([{ type: 'user', id: user(1001).id }]);
    expect(report.changed).toEqual([...changed].map((i) => ({ type: 'user', id: user(1000 + i).id, properties: ['jobTitle'] })).sort((x, y) => (x.id < y.id ? -1 : 1)));
    expect(reads).toBe(2 * changed.size);
  });
});

describe('diffLive', () => {
  const liveOf = (items: readonly ModelItem[]) => {
    const asked: string[][] = [];
    const source = (types: readonly string[]): AsyncIterable<LiveItem> => {
      asked.push([...types]);
      return (async function* () {
        for (const i of items) yield { type: i.type, id: i.id, name: i.name, document: structuredClone(i.document) };
      })();
    };
    return { source, asked };
  };

  it('compares the snapshot with the live items in the same shape, without the append-only audit log', async () => {
    const live = stateB()
      .filter((i) => i.type !== 'directoryAudit') // the service aged the old records out
      .concat([{ type: 'namedLocation', id: guid(1, 'e'), name: 'Office', document: { id: guid(1, 'e') } }]); // a type the snapshot lacks
    const { source, asked } = liveOf(live);
    const report = toDiffReport(await collectDifferences(diffLive(t.repo, a, source)));
    expect(asked).toEqual([['conditionalAccessPolicy', 'deviceConfiguration', 'group', 'user']]);
    expect(report).toEqual({ added: [{ type: 'user', id: guid(51, 'a') }], removed: EXPECTED_AB.removed, changed: EXPECTED_AB.changed });
  });

  it('finds no difference between a snapshot and an unchanged tenant, and narrows to chosen types', async () => {
    const { source } = liveOf(stateB());
    expect(toDiffReport(await collectDifferences(diffLive(t.repo, b, source)))).toEqual({ added: [], removed: [], changed: [] });
    const narrow = liveOf(stateA());
    const report = toDiffReport(await collectDifferences(diffLive(t.repo, b, narrow.source, { types: ['group', 'directoryAudit'] })));
    expect(narrow.asked).toEqual([['group']]);
    expect(report).toEqual({ added: [{ type: 'group', id: guid(2, 'b') }], removed: [], changed: [{ type: 'group', id: guid(1, 'b'), properties: ['members'] }] });
    expect(liveDiffTypes(b)).toEqual(['conditionalAccessPolicy', 'deviceConfiguration', 'group', 'user']);
  });

  it('does not compare a type the live read skips (its items are not reported removed)', async () => {
    const skippedTypes: unknown[] = [];
    const source = (types: readonly string[], options: { onSkipped?: (s: { type: string; reason: string }) => void }): AsyncIterable<LiveItem> =>
      (async function* () {
        options.onSkipped?.({ type: 'conditionalAccessPolicy', reason: 'PERMISSION_MISSING: Policy.Read.All' });
        options.onSkipped?.({ type: 'namedLocation', reason: 'not in the snapshot: not passed on' });
        for (const i of stateB()) if (types.includes(i.type) && i.type !== 'conditionalAccessPolicy') yield { type: i.type, id: i.id, name: i.name, document: i.document };
      })();
    const report = toDiffReport(await collectDifferences(diffLive(t.repo, b, source, { onSkipped: (s) => skippedTypes.push(s) })));
    expect(report).toEqual({ added: [], removed: [], changed: [] });
    expect(skippedTypes).toEqual([{ type: 'conditionalAccessPolicy', reason: 'PERMISSION_MISSING: Policy.Read.All' }]);
  });

  it("reads the opt-in sub-resources the snapshot's backup job used", async () => {
    const job = await t.catalog.createJob({ kind: 'backup', profile: 'contoso', status: 'running', params: { types: null, full: false, include: ['user.authenticationMethods'] } });
    await t.catalog.finishJob(job.id, { status: 'succeeded', report: { snapshot: b.id } });
    const other = await t.catalog.createJob({ kind: 'backup', profile: 'contoso', status: 'running', params: { include: ['group.other'] } });
    await t.catalog.finishJob(other.id, { status: 'succeeded', report: { snapshot: 'f'.repeat(64) } });
    expect(await snapshotIncludes(t.catalog, b)).toEqual(['user.authenticationMethods']);
    expect(await snapshotIncludes(t.catalog, a)).toEqual([]);
  });
});
