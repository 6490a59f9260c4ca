/**
 * Tenant policies restored through the real pipeline, compared as whole objects with the snapshot
 * (issue #5 acceptance 3): the authentication methods policy, a method configuration, the
 * authorization policy and security defaults are singletons or fixed objects, reverted by a
 * PATCH of the changed properties; `--properties` limits that to the named ones. Policies the
 * seed's permissions cannot write are planned `unsupported`, naming the permission.
 */
import { describe, expect, it } from 'vitest';
import { benchPerTest, type Bench, type Doc } from '../helpers.js';
import { expectRestored, liveDocs, planAndApply, snapshotDoc } from './helpers.js';

const TYPES = ['authenticationMethodsPolicy', 'authenticationMethodConfiguration', 'authorizationPolicy', 'identitySecurityDefaultsEnforcementPolicy', 'tokenLifetimePolicy', 'crossTenantAccessPolicy', 'group'];
/** Singletons are stored under their type's fixed id (the registry's singletonId). */
const SECURITY_DEFAULTS = 'identitySecurityDefaultsEnforcementPolicy';

describe('tenant policy restore', () => {
  let bench: Bench;
  benchPerTest((b) => (bench = b));

  it('reverts modified authentication-methods, authorization and security-defaults policies (acceptance 3)', async () => {
    const { snapshot } = await bench.backup({ types: TYPES });
    const methods = await snapshotDoc(bench, snapshot, 'authenticationMethodsPolicy', 'authenticationMethodsPolicy');
    const fido2 = await snapshotDoc(bench, snapshot, 'authenticationMethodConfiguration', 'Fido2');
    const campaign = (methods.registrationEnforcement as Doc).authenticationMethodsRegistrationCampaign as Doc;
    await bench.admin.request('/policies/authenticationMethodsPolicy', {
      method: 'PATCH', body: { reconfirmationInDays: 90, registrationEnforcement: { authenticationMethodsRegistrationCampaign: { ...campaign, state: 'disabled', includeTargets: [] } } },
    });
    await bench.admin.request('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2', {
      method: 'PATCH', body: { '@odata.type': fido2['@odata.type'], state: 'disabled', includeTargets: [], excludeTargets: [] },
    });
    await bench.admin.request('/policies/authorizationPolicy', { method: 'PATCH', body: { allowInvitesFrom: 'none', blockMsolPowerShell: true } });
    await bench.admin.request('/policies/identitySecurityDefaultsEnforcementPolicy', { method: 'PATCH', body: { isEnabled: true } });

    const selectors = ['authenticationMethodsPolicy', 'authenticationMethodConfiguration/Fido2', 'authorizationPolicy', 'identitySecurityDefaultsEnforcementPolicy'];
    const { plan, report } = await planAndApply(bench, { snapshot, selectors });
    const planned = plan.operations.map((op) => [op.type, op.action, op.targetId, op.properties?.map((p) => p.name).sort()]);
    expect(planned.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['authenticationMethodConfiguration', 'update', 'Fido2', ['excludeTargets', 'includeTargets', 'state']],
      ['authenticationMethodsPolicy', 'update', 'authenticationMethodsPolicy', ['reconfirmationInDays', 'registrationEnforcement']],
      ['authorizationPolicy', 'update', 'authorizationPolicy', ['allowInvitesFrom', 'blockMsolPowerShell']],
      ['identitySecurityDefaultsEnforcementPolicy', 'update', SECURITY_DEFAULTS, ['isEnabled']],
    ]);
    expect(report.operations.filter((op) => op.result !== 'done' || op.verified !== true)).toEqual([]);
    expect(report.status).toBe('succeeded');

    const live = await liveDocs(bench, TYPES.slice(0, 4));
    expectRestored(live.get('authenticationMethodsPolicy/authenticationMethodsPolicy'), methods);
    expectRestored(live.get('authenticationMethodConfiguration/Fido2'), fido2);
    expectRestored(live.get('authorizationPolicy/authorizationPolicy'), await snapshotDoc(bench, snapshot, 'authorizationPolicy', 'authorizationPolicy'));
    expectRestored(live.get(`identitySecurityDefaultsEnforcementPolicy/${SECURITY_DEFAULTS}`), await snapshotDoc(bench, snapshot, 'identitySecurityDefaultsEnforcementPolicy', SECURITY_DEFAULTS));

    // A second apply of the same request has nothing to do.
    const again = await planAndApply(bench, { snapshot, selectors });
    expect(again.plan.operations.map((op) => op.action)).toEqual(['skip', 'skip', 'skip', 'skip']);
  });

  it('with --properties changes only the named properties', async () => {
    const { snapshot } = await bench.backup({ types: TYPES });
    const original = await snapshotDoc(bench, snapshot, 'authorizationPolicy', 'authorizationPolicy');
    await bench.admin.request('/policies/authorizationPolicy', { method: 'PATCH', body: { allowInvitesFrom: 'none', blockMsolPowerShell: !original.blockMsolPowerShell } });

    const { plan, report } = await planAndApply(bench, { snapshot, selectors: ['authorizationPolicy'], properties: ['allowInvitesFrom'] });
    expect(plan.operations.map((op) => [op.action, op.properties])).toEqual([['update', [{ name: 'allowInvitesFrom', from: 'none', to: original.allowInvitesFrom }]]]);
    expect(report.status).toBe('succeeded');
    const live = await liveDocs(bench, ['authorizationPolicy']);
    expectRestored(live.get('authorizationPolicy/authorizationPolicy'), { ...original, blockMsolPowerShell: !original.blockMsolPowerShell });
  });

  it('plans policies the seed cannot write as unsupported, naming the permission', async () => {
    const { snapshot } = await bench.backup({ types: TYPES });
    const { plan, report } = await planAndApply(bench, { snapshot, selectors: ['tokenLifetimePolicy', 'crossTenantAccessPolicy'] });
    expect(plan.operations.map((op) => [op.type, op.action])).toEqual([['tokenLifetimePolicy', 'unsupported'], ['crossTenantAccessPolicy', 'unsupported']]);
    expect(plan.operations[0]!.reason).toContain('Policy.ReadWrite.ApplicationConfiguration');
    expect(plan.operations[1]!.reason).toContain('Policy.ReadWrite.CrossTenantAccess');
    expect(report.operations.map((op) => op.result)).toEqual(['skipped', 'skipped']);
    expect(report.writes).toBe(0);
  });
});
