/**
 * A hard-deleted application and its service principal are recreated: the application gets a new
 * appId, which its service principal is created with; its owners, the app role assignments made
 * on it and to it, and its delegated permission grant (gone with it, so recreated) come back
 * repointed to the new ids. Client secrets cannot be read: with --new-secrets new ones are created
 * and listed once; the plan says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_ID, applyRestore, planRestore } from '../../src/engine/restore/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { comparable, snapshotDocs } from './compare.js';
import { listAll, startBench, type Bench, type Doc } from './helpers.js';

const TYPES = ['user', 'group', 'application', 'servicePrincipal', 'oAuth2PermissionGrant'];

describe('recreating an application and its service principal', () => {
  let bench: Bench;
  let before: BackupReport;
  let app: Doc;
  let sp: Doc;
  let graphSp: Doc;

  beforeAll(async () => {
    bench = await startBench();
    const admin = bench.admin;
    const sps = await listAll<Doc>(admin, '/servicePrincipals');
    graphSp = sps.find((s) => s.appId === '00000003-0000-0000-c000-000000000000')!;
    sp = sps.find((s) => s.displayName === 'CRM Mobile' && (s.appRoles as Doc[]).length > 0) ?? sps.find((s) => s.displayName === 'CRM Mobile')!;
    app = (await admin.request<Doc>(`/applications(appId='${String(sp.appId)}')`)).body;
    // Its own application permission on Graph, and a delegated grant.
    const role = (graphSp.appRoles as Doc[]).find((r) => r.value === 'User.Read.All')!;
    await admin.request(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { method: 'POST', body: { principalId: sp.id, resourceId: graphSp.id, appRoleId: role.id } });
    const grants = await listAll<Doc>(admin, '/oauth2PermissionGrants', { $filter: `clientId eq '${String(sp.id)}'` });
    if (grants.length === 0) await admin.request('/oauth2PermissionGrants', { method: 'POST', body: { clientId: sp.id, consentType: 'AllPrincipals', resourceId: graphSp.id, scope: 'User.Read openid' } });
    await admin.request(`/applications/${app.id}/addPassword`, { method: 'POST', body: { passwordCredential: { displayName: 'deploy key' } } });
    before = await bench.backup({ types: TYPES });
    app = (await snapshotDocs(await bench.ws.repository(), before.snapshot, 'application')).get('application')!.get(String(app.id))!;
    // Deleted, then purged from the recycle bin: gone for good.
    await admin.request(`/servicePrincipals/${sp.id}`, { method: 'DELETE' });
    await admin.request(`/applications/${app.id}`, { method: 'DELETE' });
    await admin.request(`/directory/deletedItems/${sp.id}`, { method: 'DELETE' });
    await admin.request(`/directory/deletedItems/${app.id}`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('comes back with a new appId, its links repointed and new secrets listed', async () => {
    const plan = await planRestore(bench.ws, { snapshot: before.snapshot, selectors: [`application/${app.id}`, `servicePrincipal/${sp.id}`], newSecrets: true }, { clock: bench.clock });
    const ops = plan.operations;
    const index = (type: string, action: string) => ops.findIndex((op) => op.type === type && op.action === action);
    expect(index('application', 'create')).toBeGreaterThanOrEqual(0);
    expect(index('application', 'create')).toBeLessThan(index('servicePrincipal', 'create'));
    // The service principal is created with the application's new appId.
    expect(ops[index('servicePrincipal', 'create')]!.references).toEqual(expect.arrayContaining([{ path: 'appId', targetType: 'application', change: 'rewrite', from: app.appId, to: NEW_ID, key: 'appId' }]));
    // The grant went with the service principal: recreated, pointing at the new one.
    expect(ops.find((op) => op.type === 'oAuth2PermissionGrant')).toMatchObject({ action: 'create', reason: expect.stringContaining(String(sp.id)) });
    // Graph's service principal holds the app role assignment to it: repointed.
    const assigned = ((await snapshotDocs(await bench.ws.repository(), before.snapshot, 'servicePrincipal')).get('servicePrincipal')!.get(String(graphSp.id))!.appRoleAssignedTo as Doc[]).filter((a) => a.principalId === sp.id);
    expect(assigned.length).toBeGreaterThan(0);
    expect(ops.find((op) => op.type === 'servicePrincipal' && op.id === graphSp.id)).toMatchObject({
      action: 'relink', references: assigned.map(() => ({ path: 'appRoleAssignedTo', targetType: 'servicePrincipal', change: 'add', from: sp.id, to: NEW_ID })),
    });
    expect(ops.find((op) => op.type === 'application' && op.action === 'unsupported' && op.properties?.[0]?.name === 'passwordCredentials')?.reason).toMatch(/new secrets/);

    const report = await applyRestore(bench.ws, plan, { clock: bench.clock });
    expect(report.operations.filter((op) => op.result === 'failed')).toEqual([]);
    expect(report.status).toBe('succeeded');
    const secrets = (report.secrets ?? []).filter((s) => s.kind === 'clientSecret');
    expect(secrets).toHaveLength((app.passwordCredentials as Doc[]).length);
    expect(secrets.every((s) => s.value.length > 10)).toBe(true);

    const newApp = report.operations.find((op) => op.type === 'application' && op.action === 'create')!.newId!;
    const newSp = report.operations.find((op) => op.type === 'servicePrincipal' && op.action === 'create')!.newId!;
    const was = await snapshotDocs(await bench.ws.repository(), before.snapshot);
    const now = await snapshotDocs(await bench.ws.repository(), (await bench.backup({ types: TYPES })).snapshot);
    const newAppId = String(now.get('application')!.get(newApp)!.appId);
    expect(newAppId).not.toBe(app.appId);
    expect(now.get('servicePrincipal')!.get(newSp)!.appId).toBe(newAppId);
    const map = new Map([[String(app.id), newApp], [String(sp.id), newSp], [`appId:${String(app.appId)}`, newAppId]]);
    // Secrets are new (and never comparable); everything else equals the snapshot, ids mapped.
    const noSecrets = (d: Doc): Doc => ({ ...d, passwordCredentials: undefined });
    expect(comparable('application', noSecrets(now.get('application')!.get(newApp)!))).toEqual(comparable('application', noSecrets(app), map));
    expect(comparable('servicePrincipal', now.get('servicePrincipal')!.get(newSp)!)).toEqual(comparable('servicePrincipal', was.get('servicePrincipal')!.get(String(sp.id))!, map));
    expect(comparable('servicePrincipal', now.get('servicePrincipal')!.get(String(graphSp.id))!)).toEqual(comparable('servicePrincipal', was.get('servicePrincipal')!.get(String(graphSp.id))!, map));
    const grants = (docs: Map<string, Map<string, Doc>>, client: string) => [...docs.get('oAuth2PermissionGrant')!.values()].filter((g) => g.clientId === client);
    expect(grants(now, newSp).map((g) => comparable('oAuth2PermissionGrant', g))).toEqual(grants(was, String(sp.id)).map((g) => comparable('oAuth2PermissionGrant', g, map)));
  });
});
