/**
 * Issue #5 acceptance 1: a soft-deleted user, Microsoft 365 group, application, service principal
 * and administrative unit come back from the recycle bin with the same ids and their memberships
 * — checked by backing the tenant up again and comparing every object of those types with the
 * snapshot taken before the deletions (server-managed properties aside).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listResources } from '../../src/connectors/index.js';
import { applyRestore, planRestore, recycleBinReason } from '../../src/engine/restore/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import type { Repository } from '../../src/repository/index.js';
import { comparable, snapshotDocs } from './compare.js';
import { listAll, startBench, type Bench, type Doc } from './helpers.js';

const TYPES = ['user', 'group', 'application', 'servicePrincipal', 'administrativeUnit'];

describe('restore from the recycle bin (acceptance 1)', () => {
  let bench: Bench;
  let repo: Repository;
  let before: BackupReport;

  beforeAll(async () => {
    bench = await startBench();
    repo = await bench.ws.repository();
    before = await bench.backup({ types: TYPES });
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('says for every type with a deleted-items container what restoring from it keeps', () => {
    const binned = listResources('azure').filter((r) => r.recycleBin).map((r) => r.name);
    expect(binned.length).toBeGreaterThan(5);
    const fallback = recycleBinReason('no such type');
    for (const type of binned) expect(recycleBinReason(type), type).not.toBe(fallback);
    for (const type of ['conditionalAccessPolicy', 'namedLocation', 'application', 'servicePrincipal']) expect(recycleBinReason(type), type).not.toMatch(/memberships|roles/);
  });

  it('brings back a user, a Microsoft 365 group, an application, a service principal and an administrative unit with their ids and memberships', async () => {
    const docs = await snapshotDocs(repo, before.snapshot);
    const groups = [...docs.get('group')!.values()];
    const unified = groups.find((g) => (g.groupTypes as string[]).includes('Unified') && !(g.groupTypes as string[]).includes('DynamicMembership') && (g.members as Doc[]).length > 1 && (g.owners as Doc[]).length > 0)!;
    const memberships = (id: string) => groups.filter((g) => (g.members as Doc[]).some((m) => m.id === id)).length;
    const user = [...docs.get('user')!.values()].find((u) => memberships(String(u.id)) >= 2 && u.userType === 'Member' && u.manager)!;
    const apps = [...docs.get('application')!.values()];
    const sps = [...docs.get('servicePrincipal')!.values()];
    const app = apps.find((a) => (a.owners as Doc[]).length > 0 && sps.some((s) => s.appId === a.appId))!;
    const appSp = sps.find((s) => s.appId === app.appId)!;
    const otherSp = sps.find((s) => s.id !== appSp.id && (s.appRoleAssignedTo as Doc[]).length > 0 && (s.owners as Doc[]).length > 0)!;
    const au = [...docs.get('administrativeUnit')!.values()].find((a) => (a.members as Doc[]).length > 0)!;
    expect({ status: before.status, warnings: before.warnings, unified: !!unified, user: !!user, app: !!app, appSp: !!appSp, otherSp: !!otherSp, au: !!au }).toEqual({ status: 'complete', warnings: [], unified: true, user: true, app: true, appSp: true, otherSp: true, au: true });

    for (const path of [`/users/${user.id}`, `/groups/${unified.id}`, `/applications/${app.id}`, `/servicePrincipals/${otherSp.id}`, `/directory/administrativeUnits/${au.id}`]) {
      await bench.admin.request(path, { method: 'DELETE' });
    }
    // Deleting an application takes its service principal with it; delete it anyway if not.
    await bench.admin.request(`/servicePrincipals/${appSp.id}`, { method: 'DELETE' }).catch(() => undefined);
    const binned = await listAll<Doc>(bench.admin, '/directory/deletedItems/microsoft.graph.servicePrincipal');
    expect(binned.map((s) => s.id)).toEqual(expect.arrayContaining([appSp.id, otherSp.id]));

    const chosen = [`user/${user.id}`, `group/${unified.id}`, `application/${app.id}`, `servicePrincipal/${appSp.id}`, `servicePrincipal/${otherSp.id}`, `administrativeUnit/${au.id}`];
    const plan = await planRestore(bench.ws, { snapshot: before.snapshot, selectors: chosen }, { clock: bench.clock });
    const main = plan.operations.filter((op) => op.action !== 'unsupported');
    expect(main.map((op) => `${op.action} ${op.type}/${op.id}`).sort()).toEqual(chosen.map((c) => `recycleBin ${c}`).sort());
    // Dependency order: applications before service principals, users before groups.
    const position = (type: string) => plan.operations.findIndex((op) => op.type === type);
    expect(position('application')).toBeLessThan(position('servicePrincipal'));
    expect(position('user')).toBeLessThan(position('group'));
    // Each reason says what the directory's recycle bin keeps for that type (facts §5.1).
    const reasonOf = (type: string) => main.find((op) => op.type === type)!.reason;
    expect(reasonOf('user')).toBe('Restored from the directory recycle bin with its id, group memberships, roles, licenses and application assignments.');
    expect(reasonOf('application')).toBe('Restored from the directory recycle bin with its id and properties (its service principal is restored on its own).');
    expect(reasonOf('administrativeUnit')).toBe('Restored from the directory recycle bin with its id and properties.');

    const report = await applyRestore(bench.ws, plan, { clock: bench.clock });
    expect(report.status).toBe('succeeded');
    expect(report.operations.filter((op) => op.action === 'recycleBin').every((op) => op.result === 'done' && op.verified === true)).toBe(true);
    expect(report.secrets).toBeUndefined();

    // The whole directory (these types) equals the snapshot again: same ids, same memberships.
    const after = await bench.backup({ types: TYPES });
    const now = await snapshotDocs(repo, after.snapshot);
    for (const type of TYPES) {
      const was = docs.get(type)!;
      const is = now.get(type)!;
      expect([...is.keys()].sort(), type).toEqual([...was.keys()].sort());
      for (const [id, doc] of was) expect(comparable(type, is.get(id)!), `${type}/${id}`).toEqual(comparable(type, doc));
    }
  });
});
