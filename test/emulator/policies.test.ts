/**
 * Tenant policies over HTTP: the authentication methods policy with its configurations inline,
 * method configuration updates, the authorization policy (singleton in v1.0, collection of one in
 * beta), token-lifetime policies with appliesTo and app assignment, cross-tenant partners with
 * their bin, security defaults, and the permissions each write needs.
 */
import { describe, expect, it } from 'vitest';
import { clientToken, graph, useTestEmulator, type TestEmulator } from './helpers.js';

describe('policies', () => {
  let em: TestEmulator;
  let token: string;
  useTestEmulator((e, t) => {
    em = e;
    token = t;
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

  it('a method configuration PATCH may replace includeTargets, checked against the configuration\'s target type', async () => {
    const base = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations';
    const group = (await graph(em, token, '/groups?$top=1&$select=id')).body.value[0].id as string;
    const type = '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration';
    const targets = [
      { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodTarget', targetType: 'group', id: group, isRegistrationRequired: true, authenticationMode: 'push' },
      { targetType: 'group', id: 'all_users', authenticationMode: 'any' },
    ];
    for (const version of ['/v1.0', '/beta']) {
      const before = (await graph(em, token, `${version}${base}/MicrosoftAuthenticator`)).body;
      const patched = await graph(em, token, `${version}${base}/microsoftAuthenticator`, { method: 'PATCH', body: { '@odata.type': type, includeTargets: targets } });
      expect(patched.status).toBe(204);
      const after = (await graph(em, token, `${version}${base}/MicrosoftAuthenticator`)).body;
      // The list is replaced; an unset isRegistrationRequired comes back false; nothing else moves.
      expect(after).toEqual({ ...before, includeTargets: [targets[0], { ...targets[1], isRegistrationRequired: false }] });
    }
    // FIDO2 takes plain targets (passkeyAuthenticationMethodTarget) too.
    expect((await graph(em, token, `${base}/fido2`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', includeTargets: [{ targetType: 'group', id: group }] } })).status).toBe(204);
    expect((await graph(em, token, `${base}/Fido2`)).body.includeTargets).toEqual([{ targetType: 'group', id: group, isRegistrationRequired: false, allowedPasskeyProfiles: [] }]);

    // Every configuration takes back the targets it serves (what a restore sends), unchanged.
    for (const version of ['/v1.0', '/beta']) {
      for (const config of (await graph(em, token, `${version}/policies/authenticationMethodsPolicy`)).body.authenticationMethodConfigurations) {
        const before = (await graph(em, token, `${version}${base}/${config.id}`)).body;
        const back = await graph(em, token, `${version}${base}/${config.id}`, { method: 'PATCH', body: { '@odata.type': before['@odata.type'], includeTargets: before.includeTargets } });
        expect(back.status, `${version} ${config.id} ${JSON.stringify(back.body)}`).toBe(204);
        expect((await graph(em, token, `${version}${base}/${config.id}`)).body).toEqual(before);
      }
    }

    const refused = async (includeTargets: unknown, id = 'microsoftAuthenticator') => {
      const res = await graph(em, token, `${base}/${id}`, { method: 'PATCH', body: { includeTargets } });
      expect(res.status, JSON.stringify(includeTargets)).toBe(400);
      return res.body.error.message as string;
    };
    const unchanged = (await graph(em, token, `${base}/MicrosoftAuthenticator`)).body;
    expect(await refused({ targetType: 'group', id: group })).toMatch(/must be a collection/);
    expect(await refused([{ targetType: 'group' }])).toMatch(/'id' of 'includeTargets\[0\]'/);
    expect(await refused([{ targetType: 'everyone', id: group }])).toMatch(/targetType' must be one of user, group/);
    expect(await refused([{ targetType: 'group', id: group, isRegistrationRequired: 'yes' }])).toMatch(/isRegistrationRequired' must be a Boolean/);
    expect(await refused([{ targetType: 'group', id: group, colour: 'blue' }])).toMatch(/'colour' does not exist on type 'microsoft.graph.microsoftAuthenticatorAuthenticationMethodTarget'/);
    // An SMS target is not an Authenticator target; authenticationMode is not a FIDO2 target's.
    expect(await refused([{ '@odata.type': '#microsoft.graph.smsAuthenticationMethodTarget', targetType: 'group', id: group }])).toMatch(/not a type derived from/);
    expect(await refused([{ targetType: 'group', id: group, authenticationMode: 'push' }], 'fido2')).toMatch(/'authenticationMode' does not exist/);
    expect((await graph(em, token, `${base}/MicrosoftAuthenticator`)).body).toEqual(unchanged);
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

  it('security defaults: read with Policy.Read.All; a PATCH needs Policy.ReadWrite.SecurityDefaults or .ConditionalAccess', async () => {
    const path = '/policies/identitySecurityDefaultsEnforcementPolicy';
    const current = await graph(em, token, path);
    expect(current.body).toMatchObject({ id: '00000000-0000-0000-0000-000000000005', isEnabled: false });
    const app = async (displayName: string, applicationPermissions: string[]) => {
      const registered = em.control.registerApp(em.t.tenantId, { displayName, applicationPermissions });
      return clientToken(em, { tenantId: em.t.tenantId, clientId: registered.clientId, clientSecret: registered.clientSecret });
    };
    const reader = await app('Policy reader', ['Policy.Read.All']);
    const denied = await graph(em, reader, path, { method: 'PATCH', body: { isEnabled: true } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-emulator-required-permissions')).toBe('Policy.ReadWrite.SecurityDefaults,Policy.ReadWrite.ConditionalAccess');
    // Either write permission is enough on its own (the v1.0 page lists them as alternatives).
    expect((await graph(em, await app('CA writer', ['Policy.ReadWrite.ConditionalAccess']), path, { method: 'PATCH', body: { isEnabled: true } })).status).toBe(204);
    expect((await graph(em, reader, path)).body.isEnabled).toBe(true);
    expect((await graph(em, await app('Security defaults writer', ['Policy.ReadWrite.SecurityDefaults']), path, { method: 'PATCH', body: { isEnabled: false } })).status).toBe(204);
    expect((await graph(em, token, path, { method: 'PATCH', body: { isEnabled: true } })).status).toBe(204);
    expect((await graph(em, reader, path)).body.isEnabled).toBe(true);
  });
});
