/**
 * The stable-key table of restores into another tenant (src/engine/restore/mapping/keys.ts): every
 * registered type has a rule, and the rules are those the documentation states.
 */
import { describe, expect, it } from 'vitest';
import { allResources } from '../../src/connectors/index.js';
import { stableKeyOf } from '../../src/engine/restore/index.js';

describe('cross-tenant stable keys', () => {
  it('has a rule for every registered type', () => {
    for (const declaration of allResources()) expect(() => stableKeyOf(declaration.name), declaration.name).not.toThrow();
  });

  it('matches principals, policies and Intune objects by the documented keys', () => {
    const kinds = Object.fromEntries(allResources().map((d) => [d.name, stableKeyOf(d.name)]));
    expect(kinds.user).toEqual({ kind: 'upn' });
    expect(kinds.group).toEqual({ kind: 'name', property: 'displayName', tieBreak: 'mailNickname' });
    expect(kinds.servicePrincipal).toEqual({ kind: 'appId' });
    expect(kinds.application).toEqual({ kind: 'appId' });
    expect(kinds.directoryRole).toEqual({ kind: 'roleTemplate' });
    expect(kinds.unifiedRoleDefinition).toEqual({ kind: 'builtInOrName' });
    expect(kinds.distributionGroup).toEqual({ kind: 'alias' });
    expect(kinds.deviceManagementConfigurationPolicy).toEqual({ kind: 'name', property: 'name' });
    for (const type of ['conditionalAccessPolicy', 'namedLocation', 'deviceConfiguration', 'deviceCompliancePolicy', 'roleScopeTag', 'deviceAndAppManagementAssignmentFilter', 'mobileApp', 'administrativeUnit']) {
      expect(kinds[type], type).toEqual({ kind: 'name', property: 'displayName' });
    }
    for (const type of ['authenticationMethodsPolicy', 'authorizationPolicy', 'identitySecurityDefaultsEnforcementPolicy', 'crossTenantAccessPolicy', 'authenticationMethodConfiguration', 'crossTenantAccessPolicyConfigurationPartner']) {
      expect(kinds[type], type).toEqual({ kind: 'sameId' });
    }
    for (const type of ['oAuth2PermissionGrant', 'unifiedRoleAssignment', 'device', 'bitlockerRecoveryKey', 'directoryAudit']) expect(kinds[type]!.kind, type).toBe('none');
  });
});
