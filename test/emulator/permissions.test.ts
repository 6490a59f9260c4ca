/**
 * Permission enforcement from the token: an app granted only `User.Read.All` reads users and gets
 * Graph's 403 everywhere else — directory, conditional access, policies, BitLocker keys, audit
 * logs and Intune (v1.0 and beta-only collections).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, graph, startTest, type TestEmulator } from './helpers.js';

describe('permissions', () => {
  let em: TestEmulator;
  let token: string;
  beforeAll(async () => {
    em = await startTest();
    const app = em.control.registerApp(em.t.tenantId, { displayName: 'Users only', applicationPermissions: ['User.Read.All'] });
    token = await clientToken(em, { tenantId: em.t.tenantId, clientId: app.clientId, clientSecret: app.clientSecret });
  });
  afterAll(async () => {
    await em?.close();
  });

  const allowed = ['/users', '/users/delta', '/v1.0/beta-placeholder'].filter((p) => !p.includes('placeholder'));
  const denied: [string, string?][] = [
    ['/groups'],
    ['/groups/delta'],
    ['/applications'],
    ['/servicePrincipals'],
    ['/devices'],
    ['/directoryRoles'],
    ['/directory/administrativeUnits'],
    ['/oauth2PermissionGrants'],
    ['/roleManagement/directory/roleDefinitions'],
    ['/domains'],
    ['/organization'],
    ['/directory/deletedItems/microsoft.graph.group'],
    ['/identity/conditionalAccess/policies', 'conditional access'],
    ['/identity/conditionalAccess/namedLocations', 'conditional access'],
    ['/identity/conditionalAccess/deletedItems/policies', 'conditional access'],
    ['/identity/conditionalAccess/deletedItems/namedLocations', 'conditional access'],
    ['/policies/authorizationPolicy', 'policies'],
    ['/policies/authenticationMethodsPolicy', 'policies'],
    ['/policies/authenticationMethodsPolicy/authenticationMethodConfigurations', 'policies'],
    ['/policies/tokenLifetimePolicies', 'policies'],
    ['/policies/homeRealmDiscoveryPolicies', 'policies'],
    ['/policies/claimsMappingPolicies', 'policies'],
    ['/policies/crossTenantAccessPolicy', 'policies'],
    ['/policies/crossTenantAccessPolicy/default', 'policies'],
    ['/policies/crossTenantAccessPolicy/partners', 'policies'],
    ['/policies/identitySecurityDefaultsEnforcementPolicy', 'policies'],
    ['/informationProtection/bitlocker/recoveryKeys', 'BitLocker keys'],
    ['/auditLogs/directoryAudits', 'audit logs'],
    ['/deviceManagement/deviceConfigurations', 'Intune'],
    ['/deviceManagement/deviceCompliancePolicies', 'Intune'],
    ['/beta/deviceManagement/configurationPolicies', 'Intune'],
    ['/beta/deviceManagement/deviceManagementScripts', 'Intune'],
    ['/beta/deviceManagement/deviceShellScripts', 'Intune'],
    ['/beta/deviceManagement/deviceHealthScripts', 'Intune'],
    ['/beta/deviceManagement/deviceCustomAttributeShellScripts', 'Intune'],
    ['/deviceManagement/roleDefinitions', 'Intune'],
    ['/deviceManagement/roleAssignments', 'Intune'],
    ['/beta/deviceManagement/roleScopeTags', 'Intune'],
    ['/beta/deviceManagement/assignmentFilters', 'Intune'],
    ['/deviceAppManagement/mobileApps', 'Intune'],
    ['/deviceAppManagement/managedAppPolicies', 'Intune'],
    ['/deviceAppManagement/iosManagedAppProtections', 'Intune'],
    ['/deviceAppManagement/androidManagedAppProtections', 'Intune'],
    ['/deviceAppManagement/targetedManagedAppConfigurations', 'Intune'],
    ['/deviceAppManagement/mobileAppConfigurations', 'Intune'],
  ];

  it('reads users with User.Read.All', async () => {
    for (const path of allowed) expect({ path, status: (await graph(em, token, path)).status }).toEqual({ path, status: 200 });
    const user = (await graph(em, token, '/users?$top=1&$select=id')).body.value[0];
    expect((await graph(em, token, `/users/${user.id}`)).status).toBe(200);
  });

  it.each(denied)('gets 403 Authorization_RequestDenied on %s', async (path) => {
    const res = await graph(em, token, path);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect(res.headers.get('x-emulator-required-permissions')).toBeTruthy();
  });

  it('cannot write with read permissions only', async () => {
    const user = (await graph(em, token, '/users?$top=1&$select=id')).body.value[0];
    expect((await graph(em, token, `/users/${user.id}`, { method: 'PATCH', body: { jobTitle: 'x' } })).status).toBe(403);
    expect((await graph(em, token, `/users/${user.id}`, { method: 'DELETE' })).status).toBe(403);
  });

  it('Directory.ReadWrite.All does not delete users (User.ReadWrite.All does)', async () => {
    const app = em.control.registerApp(em.t.tenantId, { displayName: 'Directory writer', applicationPermissions: ['Directory.ReadWrite.All'] });
    const dw = await clientToken(em, { tenantId: em.t.tenantId, clientId: app.clientId, clientSecret: app.clientSecret });
    const user = (await graph(em, dw, '/users?$top=2&$select=id')).body.value[1];
    expect((await graph(em, dw, `/users/${user.id}`, { method: 'PATCH', body: { jobTitle: 'ok' } })).status).toBe(204);
    expect((await graph(em, dw, `/users/${user.id}`, { method: 'DELETE' })).status).toBe(403);
  });

  it('a delegated token is judged by its scopes', async () => {
    const app = em.control.registerApp(em.t.tenantId, { displayName: 'Signed-in app', publicClient: true, delegatedPermissions: ['User.Read'] });
    const dc = (await (await fetch(`${em.url}/${em.t.tenantId}/oauth2/v2.0/devicecode`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: app.clientId, scope: 'User.Read' }),
    })).json()) as { user_code: string; device_code: string };
    em.control.approveDeviceCode(dc.user_code);
    const tok = (await (await fetch(`${em.url}/${em.t.tenantId}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'device_code', client_id: app.clientId, device_code: dc.device_code }),
    })).json()) as { access_token: string };
    expect((await graph(em, tok.access_token, '/me')).status).toBe(200);
    expect((await graph(em, tok.access_token, '/users')).status).toBe(403);
    expect((await graph(em, token, '/me')).body.error.message).toBe('/me request is only valid with delegated authentication flow.');
  });
});
