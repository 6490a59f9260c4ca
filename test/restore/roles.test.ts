/**
 * Directory roles and RBAC around recreated users: a user who held an activated directory role, a
 * tenant-wide role assignment and an administrative-unit-scoped role (scoped role member) is
 * deleted for good and recreated — the role membership, the scoped role membership and the role
 * assignments (gone with the user, so recreated) point to the new id. A deleted custom role
 * definition is recreated; a device is reported as not restorable, with why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRestore, planRestore } from '../../src/engine/restore/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { comparable, snapshotDocs } from './compare.js';
import { startBench, type Bench, type Doc } from './helpers.js';

const TYPES = ['user', 'group', 'administrativeUnit', 'directoryRole', 'unifiedRoleDefinition', 'unifiedRoleAssignment', 'device'];

describe('roles around recreated users', () => {
  let bench: Bench;
  let before: BackupReport;
  let docs: Map<string, Map<string, Doc>>;

  beforeAll(async () => {
    bench = await startBench();
    before = await bench.backup({ types: TYPES });
    docs = await snapshotDocs(await bench.ws.repository(), before.snapshot);
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('recreates the users with their role memberships and assignments, and a custom role definition', async () => {
    const admin = bench.admin;
    // Chosen in a fixed order (by display name), never the Global Administrator the admin app signs in as.
    const byName = (a: Doc, b: Doc) => String(a.displayName).localeCompare(String(b.displayName));
    const globalAdmin = [...docs.get('unifiedRoleAssignment')!.values()].find((a) => a.roleDefinitionId === '62e90394-69f5-4237-9190-012177145e10')!.principalId;
    const au = [...docs.get('administrativeUnit')!.values()].sort(byName).find((a) => (a.scopedRoleMembers as Doc[]).some((m) => (m.roleMemberInfo as Doc).id !== globalAdmin))!;
    const scoped = String(((au.scopedRoleMembers as Doc[]).find((m) => (m.roleMemberInfo as Doc).id !== globalAdmin)!.roleMemberInfo as Doc).id);
    const role = [...docs.get('directoryRole')!.values()].sort(byName).find((r) => (r.members as Doc[]).some((m) => m.id !== globalAdmin && m.id !== scoped && String(m['@odata.type']).endsWith('user')))!;
    const member = String((role.members as Doc[]).find((m) => m.id !== globalAdmin && m.id !== scoped && String(m['@odata.type']).endsWith('user'))!.id);
    const custom = [...docs.get('unifiedRoleDefinition')!.values()].find((d) => d.isBuiltIn === false)!;
    const device = [...docs.get('device')!.values()][0]!;
    for (const id of [scoped, member]) {
      await admin.request(`/users/${id}`, { method: 'DELETE' });
      await admin.request(`/directory/deletedItems/${id}`, { method: 'DELETE' });
    }
    await admin.request(`/roleManagement/directory/roleDefinitions/${custom.id}`, { method: 'DELETE' });

    const plan = await planRestore(bench.ws, { snapshot: before.snapshot, selectors: [`user/${scoped}`, `user/${member}`, `unifiedRoleDefinition/${custom.id}`, `device/${device.id}`] }, { clock: bench.clock });
    const ops = plan.operations;
    expect(ops.find((op) => op.type === 'device')).toMatchObject({ action: 'unsupported', reason: expect.stringMatching(/device registration/) });
    expect(ops.find((op) => op.type === 'unifiedRoleDefinition')).toMatchObject({ action: 'create' });
    expect(ops.filter((op) => op.type === 'unifiedRoleAssignment').every((op) => op.action === 'create')).toBe(true);
    expect(ops.filter((op) => op.type === 'unifiedRoleAssignment').length).toBeGreaterThanOrEqual(2);
    expect(ops.find((op) => op.type === 'directoryRole' && op.id === role.id)).toMatchObject({ action: 'relink' });
    expect(ops.find((op) => op.type === 'administrativeUnit' && op.id === au.id)?.references?.map((r) => r.path).sort()).toEqual(expect.arrayContaining(['scopedRoleMembers']));

    const report = await applyRestore(bench.ws, plan, { clock: bench.clock });
    expect(report.operations.filter((op) => op.result === 'failed')).toEqual([]);
    expect(report.status).toBe('succeeded');

    const map = new Map(report.operations.filter((op) => op.action === 'create').map((op) => [op.id, op.newId!]));
    const now = await snapshotDocs(await bench.ws.repository(), (await bench.backup({ types: TYPES })).snapshot);
    expect(comparable('directoryRole', now.get('directoryRole')!.get(String(role.id))!)).toEqual(comparable('directoryRole', role, map));
    expect(comparable('administrativeUnit', now.get('administrativeUnit')!.get(String(au.id))!)).toEqual(comparable('administrativeUnit', au, map));
    expect(comparable('unifiedRoleDefinition', now.get('unifiedRoleDefinition')!.get(map.get(String(custom.id))!)!)).toEqual(comparable('unifiedRoleDefinition', custom, map));
    // Role assignments: the same (principal, role, scope) triples as in the snapshot, ids mapped.
    const triples = (all: Iterable<Doc>, m?: Map<string, string>) => [...all].map((a) => `${m?.get(String(a.principalId)) ?? String(a.principalId)}|${String(a.roleDefinitionId)}|${String(a.directoryScopeId)}`).sort();
    expect(triples(now.get('unifiedRoleAssignment')!.values())).toEqual(triples(docs.get('unifiedRoleAssignment')!.values(), map));
  });
});
