/**
 * Tenant policies over HTTP: the authentication methods policy with its configurations inline,
 * method configuration updates, the authorization policy (singleton in v1.0, collection of one in
 * beta), token-lifetime policies with appliesTo and app assignment, cross-tenant partners with
 * their bin, security defaults, and the permissions each write needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, graph, startTest, type TestEmulator } from './helpers.js';

describe('policies', () => {
  let em: TestEmulator;
  let token: string;
  beforeAll(async () => {
    em = await startTest();
    token = await clientToken(em, em.t);
  });
  afterAll(async () => {
    await em?.close();
  });

  it('the authentication methods policy carries its configurations unless $select is used', async () => {
    const policy = await graph(em, token, '/policies/authenticationMethodsPolicy');
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ id: 'authenticationMethodsPolicy', displayName: 'Authentication Methods Policy' });
    expect(policy.body.authenticationMethodConfigurations.map((c: { id: string }) => c.id)).toEqual(['Fido2', 'MicrosoftAuthenticator', 'Sms', 'TemporaryAccessPass', 'Email', 'Voice', 'SoftwareOath', 'X509Certificate']);
    const selected = await graph(em, token, '/policies/authenticationMethodsPolicy?$select=id,policyVersion');
    expect(Object.keys(selected.body).sort()).toEqual(['@odata.context', 'id', 'policyVersion']);
  });

  it('updates a method configuration by a case-insensitive ID and stamps the policy', async () => {
    const base = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations';
    em.clock.advance(5_000);
    const patched = await graph(em, token, `${base}/fido2`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', state: 'disabled', isAttestationEnforced: true } });
    expect(patched.status).toBe(204);
    expect((await graph(em, token, `${base}/Fido2`)).body).toMatchObject({ id: 'Fido2', state: 'disabled', isAttestationEnforced: true });
    expect((await graph(em, token, '/policies/authenticationMethodsPolicy?$select=lastModifiedDateTime')).body.lastModifiedDateTime).toBe(new Date(em.clock.now()).toISOString());
    expect((await graph(em, token, `${base}/sms`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', state: 'disabled' } })).status).toBe(400);
    expect((await graph(em, token, `${base}/nope`)).status).toBe(404);
  });

  it('authorization policy: a singleton in v1.0, a collection of one in beta', async () => {
    const v1 = await graph(em, token, '/policies/authorizationPolicy');
    expect(v1.body).toMatchObject({ id: 'authorizationPolicy', defaultUserRolePermissions: expect.any(Object) });
    expect((await graph(em, token, '/policies/authorizationPolicy', { method: 'PATCH', body: { blockMsolPowerShell: true } })).status).toBe(204);
    const beta = await graph(em, token, '/beta/policies/authorizationPolicy');
    expect(beta.body.value).toHaveLength(1);
    expect(beta.body.value[0]).toMatchObject({ id: 'authorizationPolicy', blockMsolPowerShell: true });
    expect((await graph(em, token, '/beta/policies/authorizationPolicy/authorizationPolicy', { method: 'PATCH', body: { allowedToUseSSPR: false } })).status).toBe(204);
    expect((await graph(em, token, '/policies/authorizationPolicy')).body.allowedToUseSSPR).toBe(false);
  });

  it('token lifetime policies: list and appliesTo; writes need Policy.ReadWrite.ApplicationConfiguration', async () => {
    const policies = await graph(em, token, '/policies/tokenLifetimePolicies');
    expect(policies.body.value.length).toBeGreaterThan(0);
    const policy = policies.body.value[0];
    expect(JSON.parse(policy.definition[0])).toHaveProperty('TokenLifetimePolicy');
    const denied = await graph(em, token, '/policies/tokenLifetimePolicies', { method: 'POST', body: { displayName: 'x', definition: ['{}'] } });
    expect(denied.status).toBe(403);
    const app = (await graph(em, token, '/applications?$top=1&$select=id')).body.value[0];
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/${policy.id}` };
    expect((await graph(em, token, `/applications/${app.id}/tokenLifetimePolicies/$ref`, { method: 'POST', body: ref })).status).toBe(204);
    expect((await graph(em, token, `/policies/tokenLifetimePolicies/${policy.id}/appliesTo`)).body.value).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.application', id: app.id })]);
    expect((await graph(em, token, `/applications/${app.id}/tokenLifetimePolicies`)).body.value.map((p: { id: string }) => p.id)).toEqual([policy.id]);
    expect((await graph(em, token, `/applications/${app.id}/tokenLifetimePolicies/$ref`, { method: 'POST', body: ref })).status).toBe(400);
    expect((await graph(em, token, `/applications/${app.id}/tokenLifetimePolicies/${policy.id}/$ref`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `/policies/tokenLifetimePolicies/${policy.id}/appliesTo`)).body.value).toEqual([]);
  });

  it('cross-tenant partners are keyed by tenantId, carry no id, and wait in the policy bin after a delete', async () => {
    const partners = await graph(em, token, '/policies/crossTenantAccessPolicy/partners');
    expect(partners.body.value.length).toBeGreaterThan(0);
    const partner = partners.body.value[0];
    expect(partner).not.toHaveProperty('id');
    expect((await graph(em, token, `/policies/crossTenantAccessPolicy/partners/${partner.tenantId}`)).body.tenantId).toBe(partner.tenantId);
    expect((await graph(em, token, '/policies/crossTenantAccessPolicy/default')).body).toMatchObject({ id: 'default', inboundTrust: expect.any(Object) });
    // The seed grants no Policy.ReadWrite.CrossTenantAccess: an app with it deletes and restores.
    const app = em.control.registerApp(em.t.tenantId, { displayName: 'Cross-tenant admin', applicationPermissions: ['Policy.Read.All', 'Policy.ReadWrite.CrossTenantAccess'] });
    const admin = await clientToken(em, { tenantId: em.t.tenantId, clientId: app.clientId, clientSecret: app.clientSecret });
    expect((await graph(em, token, `/policies/crossTenantAccessPolicy/partners/${partner.tenantId}`, { method: 'DELETE' })).status).toBe(403);
    expect((await graph(em, admin, `/policies/crossTenantAccessPolicy/partners/${partner.tenantId}`, { method: 'DELETE' })).status).toBe(204);
    // v1.0's partner type has no deletedDateTime; beta's (a policyDeletableItem) has.
    expect((await graph(em, admin, '/policies/deletedItems/crossTenantPartners')).body.value.map((p: { tenantId: string }) => p.tenantId)).toEqual([partner.tenantId]);
    const bin = await graph(em, admin, '/beta/policies/deletedItems/crossTenantPartners');
    expect(bin.body.value).toEqual([expect.objectContaining({ tenantId: partner.tenantId, deletedDateTime: expect.any(String) })]);
    expect((await graph(em, admin, `/policies/deletedItems/crossTenantPartners/${partner.tenantId}/restore`, { method: 'POST' })).status).toBe(200);
    expect((await graph(em, token, `/policies/crossTenantAccessPolicy/partners/${partner.tenantId}`)).status).toBe(200);
  });

  it('security defaults: read with Policy.Read.All; a PATCH needs Policy.ReadWrite.ConditionalAccess too', async () => {
    const current = await graph(em, token, '/policies/identitySecurityDefaultsEnforcementPolicy');
    expect(current.body).toMatchObject({ id: '00000000-0000-0000-0000-000000000005', isEnabled: false });
    const reader = em.control.registerApp(em.t.tenantId, { displayName: 'Policy reader', applicationPermissions: ['Policy.Read.All'] });
    const r = await clientToken(em, { tenantId: em.t.tenantId, clientId: reader.clientId, clientSecret: reader.clientSecret });
    expect((await graph(em, r, '/policies/identitySecurityDefaultsEnforcementPolicy', { method: 'PATCH', body: { isEnabled: true } })).status).toBe(403);
    expect((await graph(em, token, '/policies/identitySecurityDefaultsEnforcementPolicy', { method: 'PATCH', body: { isEnabled: true } })).status).toBe(204);
    expect((await graph(em, r, '/policies/identitySecurityDefaultsEnforcementPolicy')).body.isEnabled).toBe(true);
  });
});
