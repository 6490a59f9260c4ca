/**
 * History and find: versions with their snapshot ranges, the properties each version changed,
 * removals, and who made each change according to the backed-up directory audit log — including
 * a record that reached the log late (stored by the next backup) and records that must not be
 * attributed (another target, a window without a new version). Find groups versions per item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../src/repository/index.js';
import { findItems, itemHistory, type Attribution } from '../../src/engine/browse/index.js';
import { auditRecord, createTestRepo, guid, user, type AuditSpec, type ModelItem, type TestRepo } from './helpers.js';

const U1 = guid(1, 'a');
const U2 = guid(2, 'a');
const ADMIN = { id: guid(99, 'a'), userPrincipalName: 'admin@contoso.example' };
const HELPDESK = { id: guid(98, 'a'), userPrincipalName: 'helpdesk@contoso.example' };
const HR_APP = { appId: guid(1, 'f'), displayName: 'HR Sync', servicePrincipalId: guid(2, 'f') };

const specs = {
  created: { id: 'Directory_a0', time: '2026-02-20T09:00:00Z', activity: 'Add user', operationType: 'Add', targets: [{ id: U1 }], user: ADMIN },
  renamed: { id: 'Directory_a1', time: '2026-03-01T15:00:00Z', activity: 'Update user', targets: [{ id: U1, properties: ['DisplayName', 'JobTitle'] }], user: HELPDESK },
  otherUser: { id: 'Directory_a2', time: '2026-03-01T16:00:00Z', activity: 'Update user', targets: [{ id: U2, properties: ['Department'] }], user: HELPDESK },
  late: { id: 'Directory_a3', time: '2026-03-02T09:59:00Z', activity: 'Update user', targets: [{ id: U1, properties: ['JobTitle'] }], app: HR_APP },
  noVersion: { id: 'Directory_a6', time: '2026-03-02T12:00:00Z', activity: 'Reset user password', targets: [{ id: U1 }], user: ADMIN },
  deleted: { id: 'Directory_a4', time: '2026-03-03T12:00:00Z', activity: 'Delete user', operationType: 'Delete', targets: [{ id: U1 }], user: ADMIN },
  restored: { id: 'Directory_a5', time: '2026-03-04T18:00:00Z', activity: 'Restore user', operationType: 'Restore', targets: [{ id: U1, properties: ['Department'] }], user: ADMIN },
} satisfies Record<string, AuditSpec>;

const audit = (...names: (keyof typeof specs)[]): ModelItem[] => names.map((n) => auditRecord(specs[n]));

let t: TestRepo;
const s: SnapshotInfo[] = [];

beforeAll(async () => {
  t = await createTestRepo();
  const adele = user(1, { displayName: 'Adele Vance' });
  const renamed = user(1, { displayName: 'Adele V.', jobTitle: 'Lead Engineer' });
  const moved = user(1, { displayName: 'Adele V.', jobTitle: 'Lead Engineer', department: 'Sales' });
  const other = user(2);
  s.push(await t.snapshot('contoso', '2026-03-01T10:00:00Z', [adele, other, ...audit('created')]));
  s.push(await t.snapshot('contoso', '2026-03-02T10:00:00Z', [renamed, other, ...audit('created', 'renamed', 'otherUser')]));
  // The record of 09:59 reached the log after the 10:00 backup: the next backup stores it.
  s.push(await t.snapshot('contoso', '2026-03-03T10:00:00Z', [renamed, other, ...audit('created', 'renamed', 'otherUser', 'late', 'noVersion')]));
  s.push(await t.snapshot('contoso', '2026-03-04T10:00:00Z', [other, ...audit('created', 'renamed', 'otherUser', 'late', 'noVersion', 'deleted')]));
  s.push(await t.snapshot('contoso', '2026-03-05T10:00:00Z', [moved, other, ...audit('created', 'renamed', 'otherUser', 'late', 'noVersion', 'deleted', 'restored')]));
  // Another profile with an item of the same ID must not leak into --profile answers.
  await t.snapshot('fabrikam', '2026-03-01T11:00:00Z', [user(1, { displayName: 'Adele in Fabrikam' })]);
});

afterAll(async () => t.close());

const point = (i: number) => ({ id: (s[i] as SnapshotInfo).id, time: new Date((s[i] as SnapshotInfo).time).toISOString() });

function expectedAttribution(name: keyof typeof specs): Attribution {
  const spec: AuditSpec = specs[name];
  const target = spec.targets.find((x) => x.id === U1);
  return {
    auditId: spec.id,
    time: spec.time,
    activity: spec.activity,
    operationType: spec.operationType ?? 'Update',
    result: 'success',
    by: spec.user
      ? { kind: 'user', id: spec.user.id, displayName: null, userPrincipalName: spec.user.userPrincipalName }
      : { kind: 'app', id: HR_APP.servicePrincipalId, displayName: HR_APP.displayName, appId: HR_APP.appId },
    properties: [...(target?.properties ?? [])],
  };
}

describe('itemHistory', () => {
  it('gives versions, changed properties, removals and who made each change', async () => {
    const versionBlob = async (i: number) => (await t.catalog.itemHistory({ profile: 'contoso', type: 'user', id: U1 }))[i]?.blobId;
    const history = await itemHistory({ catalog: t.catalog, repository: t.repo }, { type: 'user', id: U1 }, { profile: 'contoso' });
    expect(history).toEqual({
      type: 'user',
      id: U1,
      versions: [
        { profile: 'contoso', name: 'Adele Vance', blobId: await versionBlob(0), first: point(0), last: point(0), current: false, snapshots: 1, change: 'added', since: null, properties: null, changedBy: [expectedAttribution('created')] },
        {
          profile: 'contoso', name: 'Adele V.', blobId: await versionBlob(1), first: point(1), last: point(2), current: false, snapshots: 2, change: 'changed', since: point(0),
          properties: ['displayName', 'jobTitle'], changedBy: [expectedAttribution('renamed'), expectedAttribution('late')],
        },
        { profile: 'contoso', name: 'Adele V.', blobId: await versionBlob(2), first: point(4), last: point(4), current: true, snapshots: 1, change: 'added', since: point(3), properties: ['department'], changedBy: [expectedAttribution('restored')] },
      ],
      removals: [{ profile: 'contoso', last: point(2), removedIn: point(3), changedBy: [expectedAttribution('deleted')] }],
    });
  });

  it('without the lookahead misses the late record; without --profile covers every profile', async () => {
    const strict = await itemHistory({ catalog: t.catalog, repository: t.repo }, { type: 'user', id: U1 }, { profile: 'contoso', auditLookahead: 0 });
    expect(strict.versions[1]?.changedBy.map((e) => e.auditId)).toEqual(['Directory_a1']);
    const all = await itemHistory({ catalog: t.catalog, repository: t.repo }, { type: 'user', id: U1 });
    expect(all.versions.map((v) => [v.profile, v.name])).toEqual([
      ['contoso', 'Adele Vance'],
      ['contoso', 'Adele V.'],
      ['contoso', 'Adele V.'],
      ['fabrikam', 'Adele in Fabrikam'],
    ]);
    expect(all.versions[3]).toMatchObject({ change: 'added', since: null, properties: null, changedBy: [] });
  });

  it('fails with ITEM_NOT_FOUND and a hint for an item no snapshot holds', async () => {
    await expect(itemHistory({ catalog: t.catalog, repository: t.repo }, { type: 'user', id: guid(404, 'a') })).rejects.toMatchObject({
      code: 'ITEM_NOT_FOUND',
      hint: expect.stringContaining('tenant-vault find'),
    });
  });
});

describe('findItems', () => {
  it('groups matching versions per item with their snapshot ranges', async () => {
    const result = await findItems(t.catalog, 'adele');
    expect(result).toEqual({
      truncated: false,
      items: [
        {
          profile: 'contoso', type: 'user', id: U1, name: 'Adele V.',
          ranges: [
            { name: 'Adele Vance', first: point(0), last: point(0), current: false, snapshots: 1 },
            { name: 'Adele V.', first: point(1), last: point(2), current: false, snapshots: 2 },
            { name: 'Adele V.', first: point(4), last: point(4), current: true, snapshots: 1 },
          ],
        },
        {
          profile: 'fabrikam', type: 'user', id: U1, name: 'Adele in Fabrikam',
          ranges: [{ name: 'Adele in Fabrikam', first: expect.objectContaining({ time: '2026-03-01T11:00:00.000Z' }), last: expect.objectContaining({ time: '2026-03-01T11:00:00.000Z' }), current: true, snapshots: 1 }],
        },
      ],
    });
    expect((await findItems(t.catalog, 'adele', { profile: 'contoso', type: 'group' })).items).toEqual([]);
    expect(await findItems(t.catalog, 'user', { limit: 1 })).toMatchObject({ truncated: true, items: [expect.objectContaining({ type: 'directoryAudit' })] });
  });
});

describe('audit records with their targets in the entry metadata', () => {
  it('reads only the records whose metadata names the item, and attributes the same', async () => {
    const r = await createTestRepo();
    try {
      const withTargets = (spec: AuditSpec): ModelItem => ({ ...auditRecord(spec), meta: { targets: spec.targets.map((x) => x.id) } });
      await r.snapshot('contoso', '2026-03-01T10:00:00Z', [user(1), user(2)]);
      await r.snapshot('contoso', '2026-03-02T10:00:00Z', [user(1, { displayName: 'Adele V.' }), user(2), withTargets({ ...specs.renamed, targets: [{ id: guid(1, 'a'), properties: ['DisplayName'] }] }), withTargets(specs.otherUser)]);
      let reads = 0;
      const repository = { diff: r.repo.diff.bind(r.repo), readDocument: (e: Parameters<typeof r.repo.readDocument>[0], o?: { signal?: AbortSignal }) => ((reads += 1), r.repo.readDocument(e, o)) };
      const history = await itemHistory({ catalog: r.catalog, repository }, { type: 'user', id: guid(1, 'a') });
      expect(history.versions[1]?.changedBy.map((e) => [e.auditId, e.properties])).toEqual([['Directory_a1', ['DisplayName']]]);
      expect(reads).toBe(2 + 1); // the two versions' documents and the one record that names the user
    } finally {
      await r.close();
    }
  });
});
