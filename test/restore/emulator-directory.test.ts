/**
 * The emulator directory fixes restore relies on: a userPrincipalName lookup (create uniqueness,
 * `GET /users/{upn}`) that stays right across renames, deletes and recycle-bin restores; a scoped
 * role membership and the role assignment scoped to its unit being one object; and a hard-deleted
 * principal taking its app role assignments, grants, role assignments and scoped role memberships
 * with it (a soft-deleted one keeps them for its restore).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll, startBench, type Bench, type Doc } from './helpers.js';

describe('emulator directory behaviour restore relies on', () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench?.close();
  });

  const newUser = (nick: string) => ({
    accountEnabled: true, displayName: nick, mailNickname: nick, userPrincipalName: `${nick}@${bench.tenant.domain}`,
    passwordProfile: { password: 'Xy!9-long-enough-password', forceChangePasswordNextSignIn: true },
  });

  it('finds users by UPN across creates, renames, deletes and restores', async () => {
    const admin = bench.admin;
    const a = (await admin.request<Doc>('/users', { method: 'POST', body: newUser('upn.a') })).body;
    await expect(admin.request('/users', { method: 'POST', body: { ...newUser('upn.a2'), userPrincipalName: `UPN.A@${bench.tenant.domain}` } })).rejects.toMatchObject({ code: 'SERVICE_ERROR' });
    expect((await admin.request<Doc>(`/users/UPN.A@${bench.tenant.domain}`, { query: { $select: 'id' } })).body.id).toBe(a.id);
    // Renamed: the old name is free, the new one found.
    await admin.request(`/users/${a.id}`, { method: 'PATCH', body: { userPrincipalName: `upn.renamed@${bench.tenant.domain}` } });
    await expect(admin.request(`/users/upn.a@${bench.tenant.domain}`)).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
    expect((await admin.request<Doc>(`/users/upn.renamed@${bench.tenant.domain}`, { query: { $select: 'id' } })).body.id).toBe(a.id);
    const b = (await admin.request<Doc>('/users', { method: 'POST', body: newUser('upn.a') })).body;
    // Deleted: gone by UPN; restored: found again.
    await admin.request(`/users/${a.id}`, { method: 'DELETE' });
    await expect(admin.request(`/users/upn.renamed@${bench.tenant.domain}`)).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
    await admin.request(`/directory/deletedItems/${a.id}/restore`, { method: 'POST', body: {} });
    expect((await admin.request<Doc>(`/users/upn.renamed@${bench.tenant.domain}`, { query: { $select: 'id' } })).body.id).toBe(a.id);
    expect((await admin.request<Doc>(`/users/upn.a@${bench.tenant.domain}`, { query: { $select: 'id' } })).body.id).toBe(b.id);
  });

  it('treats a scoped role membership and the role assignment scoped to its unit as one object', async () => {
    const admin = bench.admin;
    const au = (await listAll<Doc>(admin, '/directory/administrativeUnits'))[0]!;
    const role = (await listAll<Doc>(admin, '/directoryRoles')).find((r) => r.roleTemplateId === 'fe930be7-5e62-47db-91af-98c3a49a38b1')!;
    const user = (await admin.request<Doc>('/users', { method: 'POST', body: newUser('scoped.one') })).body;
    const scope = `/administrativeUnits/${au.id}`;
    const assignmentsOf = async () => (await listAll<Doc>(admin, '/roleManagement/directory/roleAssignments')).filter((a) => a.principalId === user.id && a.directoryScopeId === scope);
    const membersOf = async () => (await listAll<Doc>(admin, `/directory/administrativeUnits/${au.id}/scopedRoleMembers`)).filter((m) => (m.roleMemberInfo as Doc).id === user.id);
    // Through the assignment API: the unit shows the scoped member.
    const assignment = (await admin.request<Doc>('/roleManagement/directory/roleAssignments', { method: 'POST', body: { principalId: user.id, roleDefinitionId: role.roleTemplateId, directoryScopeId: scope } })).body;
    expect(await membersOf()).toHaveLength(1);
    // Adding it again through the unit is a conflict, not a second assignment.
    await expect(admin.request(`/directory/administrativeUnits/${au.id}/scopedRoleMembers`, { method: 'POST', body: { roleId: role.id, roleMemberInfo: { id: user.id } } })).rejects.toMatchObject({ message: expect.stringMatching(/conflicting object/) });
    expect(await assignmentsOf()).toHaveLength(1);
    // Removing the assignment removes the membership.
    await admin.request(`/roleManagement/directory/roleAssignments/${assignment.id}`, { method: 'DELETE' });
    expect(await membersOf()).toEqual([]);
  });

  it('removes the app role assignments, grants and role assignments of a hard-deleted principal only', async () => {
    const admin = bench.admin;
    const graphSp = (await listAll<Doc>(admin, '/servicePrincipals')).find((s) => s.appId === '00000003-0000-0000-c000-000000000000')!;
    const scope = 'User.Read';
    const users: Doc[] = [];
    for (const nick of ['assoc.soft', 'assoc.hard']) {
      const u = (await admin.request<Doc>('/users', { method: 'POST', body: newUser(nick) })).body;
      await admin.request(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { method: 'POST', body: { principalId: u.id, resourceId: graphSp.id, appRoleId: '00000000-0000-0000-0000-000000000000' } });
      const client = (await listAll<Doc>(admin, '/servicePrincipals')).find((s) => s.displayName === 'CRM Mobile')!;
      await admin.request('/oauth2PermissionGrants', { method: 'POST', body: { clientId: client.id, consentType: 'Principal', principalId: u.id, resourceId: graphSp.id, scope } });
      await admin.request('/roleManagement/directory/roleAssignments', { method: 'POST', body: { principalId: u.id, roleDefinitionId: '729827e3-9c14-49f7-bb1b-9608f156bbb8', directoryScopeId: '/' } });
      users.push(u);
    }
    const [soft, hard] = users as [Doc, Doc];
    await admin.request(`/users/${soft.id}`, { method: 'DELETE' });
    await admin.request(`/users/${hard.id}`, { method: 'DELETE' });
    await admin.request(`/directory/deletedItems/${hard.id}`, { method: 'DELETE' });
    await admin.request(`/directory/deletedItems/${soft.id}/restore`, { method: 'POST', body: {} });
    const assigned = (await listAll<Doc>(admin, `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`)).map((a) => a.principalId);
    const grants = (await listAll<Doc>(admin, '/oauth2PermissionGrants')).map((g) => g.principalId);
    const roles = (await listAll<Doc>(admin, '/roleManagement/directory/roleAssignments')).map((r) => r.principalId);
    for (const list of [assigned, grants, roles]) {
      expect(list).toContain(soft.id);
      expect(list).not.toContain(hard.id);
    }
  });
});
