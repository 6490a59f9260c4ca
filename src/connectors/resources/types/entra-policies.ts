/**
 * Entra ID policies: conditional access and named locations, the authentication methods policy
 * and its per-method configurations, the authorization policy, token lifetime / home realm
 * discovery / claims mapping policies, cross-tenant access (default and partners) and security
 * defaults. None of these has a delta query (facts §3.1): they are listed and hashed.
 *
 * Permissions as in entra-directory.ts: least privileged Application permission the seed grants.
 */
import { defineResource, type AuditCategory, type ReferenceSpec } from '../define.js';

const API = 'https://learn.microsoft.com/graph/api';

/**
 * Policy writes are audited (category Policy; conditional access under service "Conditional
 * Access", https://learn.microsoft.com/entra/identity/conditional-access/troubleshoot-policy-changes-audit-log);
 * records about users, groups, devices, keys, roles, administrative units and company settings
 * never change a policy. Policies that apply to apps also change when an app goes (its
 * `appliesTo`), so for them application records count.
 */
const NOT_POLICIES: AuditCategory[] = ['UserManagement', 'GroupManagement', 'Device', 'KeyManagement', 'RoleManagement', 'AdministrativeUnit', 'DirectoryManagement'];
const POLICY_AUDITED = { log: 'directoryAudit', unrelated: [...NOT_POLICIES, 'ApplicationManagement'] as AuditCategory[] };
const APPLIED_POLICY_AUDITED = { log: 'directoryAudit', unrelated: NOT_POLICIES };

/** Where conditional-access objects wait after a delete (facts §5.2). */
const caRecycleBin = (collection: 'policies' | 'namedLocations') => ({
  list: `/identity/conditionalAccess/deletedItems/${collection}`,
  restore: `/identity/conditionalAccess/deletedItems/${collection}/{id}/restore`,
});

const CA_READ_ONLY = ['createdDateTime', 'modifiedDateTime', 'deletedDateTime', 'templateId'];

export const namedLocation = defineResource({
  service: 'azure', name: 'namedLocation', path: '/identity/conditionalAccess/namedLocations', api: 'v1.0', change: 'list',
  // The create page requires both permissions.
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All'] },
  readOnly: CA_READ_ONLY,
  recycleBin: caRecycleBin('namedLocations'),
  // PATCH must carry @odata.type (facts §7.1), which is never stripped.
  sources: [`${API}/conditionalaccessroot-list-namedlocations`, `${API}/conditionalaccessroot-post-namedlocations`, `${API}/ipnamedlocation-update`],
});

export const conditionalAccessPolicy = defineResource({
  service: 'azure', name: 'conditionalAccessPolicy', path: '/identity/conditionalAccess/policies', api: 'v1.0', change: 'list',
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All'] },
  readOnly: CA_READ_ONLY,
  references: {
    // Markers such as All, None, GuestsOrExternalUsers, Office365, AllTrusted are not GUIDs and are skipped.
    'conditions.users.includeUsers[]': 'user',
    'conditions.users.excludeUsers[]': 'user',
    'conditions.users.includeGroups[]': 'group',
    'conditions.users.excludeGroups[]': 'group',
    // Directory role template ids, which are the ids of the built-in role definitions.
    'conditions.users.includeRoles[]': 'unifiedRoleDefinition',
    'conditions.users.excludeRoles[]': 'unifiedRoleDefinition',
    'conditions.applications.includeApplications[]': 'servicePrincipal.appId',
    'conditions.applications.excludeApplications[]': 'servicePrincipal.appId',
    'conditions.clientApplications.includeServicePrincipals[]': 'servicePrincipal',
    'conditions.clientApplications.excludeServicePrincipals[]': 'servicePrincipal',
    'conditions.locations.includeLocations[]': 'namedLocation',
    'conditions.locations.excludeLocations[]': 'namedLocation',
  },
  recycleBin: caRecycleBin('policies'),
  // Named locations must exist before the policies that name them (facts §7.1); references imply it.
  sources: [`${API}/conditionalaccessroot-list-policies`, `${API}/conditionalaccessroot-post-policies`, 'facts/graph-api.md §1.4, §5.2, §7.1'],
});

export const authenticationMethodsPolicy = defineResource({
  service: 'azure', name: 'authenticationMethodsPolicy', path: '/policies/authenticationMethodsPolicy', api: 'v1.0', change: 'singleton',
  singletonId: 'authenticationMethodsPolicy',
  // The per-method configurations are their own type; selecting the policy's own properties keeps them out of this document.
  // (`systemCredentialPreferences` is beta-only: v1.0 refuses it in `$select` — v1.0 CSDL authenticationMethodsPolicy.)
  select: ['id', 'description', 'displayName', 'lastModifiedDateTime', 'policyMigrationState', 'policyVersion', 'reconfirmationInDays', 'registrationEnforcement'],
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: ['Policy.ReadWrite.AuthenticationMethod'] },
  readOnly: ['lastModifiedDateTime', 'policyVersion'],
  references: {
    'registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets[].id': 'group',
    'registrationEnforcement.authenticationMethodsRegistrationCampaign.excludeTargets[].id': 'group',
  },
  sources: [`${API}/authenticationmethodspolicy-get`, `${API}/authenticationmethodspolicy-update`],
});

export const authenticationMethodConfiguration = defineResource({
  service: 'azure', name: 'authenticationMethodConfiguration',
  path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations', api: 'v1.0', change: 'list',
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: ['Policy.ReadWrite.AuthenticationMethod'] },
  // Ids are fixed method names (Fido2, Sms, …): restore only PATCHes.
  readOnly: [],
  references: {
    // `all_users` is a marker, not a group.
    'includeTargets[].id': 'group',
    'excludeTargets[].id': 'group',
  },
  sources: [`${API}/authenticationmethodconfiguration-get`, `${API}/microsoftauthenticatorauthenticationmethodconfiguration-update`, 'facts/graph-api.md §7.1'],
});

export const authorizationPolicy = defineResource({
  service: 'azure', name: 'authorizationPolicy', path: '/policies/authorizationPolicy', api: 'v1.0', change: 'singleton',
  singletonId: 'authorizationPolicy',
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: ['Policy.ReadWrite.Authorization'] },
  readOnly: [],
  sources: [`${API}/authorizationpolicy-get`, `${API}/authorizationpolicy-update`],
});

/** Token lifetime, home realm discovery and claims mapping policies share one shape: a definition plus the apps it applies to. */
function appliedPolicy(name: string, path: string, docs: string) {
  return defineResource({
    service: 'azure', name, path, api: 'v1.0', change: 'list',
    audited: APPLIED_POLICY_AUDITED,
    permissions: {
      read: ['Policy.Read.All'],
      write: [],
      note: 'Writes need Policy.ReadWrite.ApplicationConfiguration, which the seed does not grant.',
    },
    readOnly: [],
    // Read from the policy side: a handful of policies instead of one list per application.
    references: { 'appliesTo[].id': 'directoryObject' },
    subResources: [{ name: 'appliesTo', path: `${path}/{id}/appliesTo`, kind: 'collection', read: 'everyRun', select: ['id'] }],
    sources: [`${API}/${docs}-list`, `${API}/${docs}-list-appliesto`],
  });
}

export const tokenLifetimePolicy = appliedPolicy('tokenLifetimePolicy', '/policies/tokenLifetimePolicies', 'tokenlifetimepolicy');
export const homeRealmDiscoveryPolicy = appliedPolicy('homeRealmDiscoveryPolicy', '/policies/homeRealmDiscoveryPolicies', 'homerealmdiscoverypolicy');
export const claimsMappingPolicy = appliedPolicy('claimsMappingPolicy', '/policies/claimsMappingPolicies', 'claimsmappingpolicy');

/**
 * References inside a cross-tenant access configuration (default or partner). Only the sides
 * that name objects of this tenant: outbound users and groups (ours going out) and inbound
 * applications (ours being reached). Targets such as AllUsers / AllApplications are markers.
 */
function crossTenantReferences(prefix: string): Record<string, ReferenceSpec> {
  const out: Record<string, ReferenceSpec> = {};
  for (const setting of ['b2bCollaborationOutbound', 'b2bDirectConnectOutbound']) {
    out[`${prefix}${setting}.usersAndGroups.targets[].target`] = { target: 'directoryObject', typeFrom: 'targetType' };
  }
  for (const setting of ['b2bCollaborationInbound', 'b2bDirectConnectInbound']) {
    out[`${prefix}${setting}.applications.targets[].target`] = { target: 'servicePrincipal.appId' };
  }
  return out;
}

export const crossTenantAccessPolicy = defineResource({
  service: 'azure', name: 'crossTenantAccessPolicy', path: '/policies/crossTenantAccessPolicy', api: 'v1.0', change: 'singleton',
  singletonId: 'crossTenantAccessPolicy',
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: [], note: 'Writes need Policy.ReadWrite.CrossTenantAccess, which the seed does not grant.' },
  readOnly: [],
  references: crossTenantReferences('default.'),
  subResources: [{ name: 'default', path: '/policies/crossTenantAccessPolicy/default', kind: 'object', read: 'everyRun' }],
  sources: [`${API}/crosstenantaccesspolicy-get`, `${API}/crosstenantaccesspolicyconfigurationdefault-get`],
});

export const crossTenantAccessPolicyConfigurationPartner = defineResource({
  service: 'azure', name: 'crossTenantAccessPolicyConfigurationPartner', path: '/policies/crossTenantAccessPolicy/partners', api: 'v1.0', change: 'list',
  // A partner configuration has no `id`; the partner's tenant id is its key.
  idProperty: 'tenantId',
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: [], note: 'Writes need Policy.ReadWrite.CrossTenantAccess, which the seed does not grant.' },
  readOnly: ['isServiceProvider', 'isInMultiTenantOrganization', 'deletedDateTime'],
  references: crossTenantReferences(''),
  // Partners are policyDeletableItems (facts §5.2).
  recycleBin: { list: '/policies/deletedItems/crossTenantPartners', restore: '/policies/deletedItems/crossTenantPartners/{id}/restore' },
  sources: [`${API}/crosstenantaccesspolicy-list-partners`, 'facts/graph-api.md §5.2'],
});

export const identitySecurityDefaultsEnforcementPolicy = defineResource({
  service: 'azure', name: 'identitySecurityDefaultsEnforcementPolicy', path: '/policies/identitySecurityDefaultsEnforcementPolicy', api: 'v1.0',
  change: 'singleton', singletonId: 'identitySecurityDefaultsEnforcementPolicy',
  // The v1.0 update page takes Policy.ReadWrite.SecurityDefaults or Policy.ReadWrite.ConditionalAccess,
  // either alone (Policy.Read.All is no longer required with them); the seed grants the second.
  audited: POLICY_AUDITED,
  permissions: { read: ['Policy.Read.All'], write: ['Policy.ReadWrite.ConditionalAccess'] },
  readOnly: [],
  sources: [`${API}/identitysecuritydefaultsenforcementpolicy-get`, `${API}/identitysecuritydefaultsenforcementpolicy-update`],
});
