/**
 * The stable key by which an object of each type is found in another tenant, where object ids
 * mean nothing (DESIGN "Restore"; issue #5):
 *
 * | type | key |
 * |---|---|
 * | user | userPrincipalName, domain mapped (domains.ts) |
 * | group | displayName; mailNickname decides between several |
 * | servicePrincipal, application | appId (Microsoft's first-party apps, and multi-tenant apps, have the same appId everywhere), then displayName |
 * | directoryRole | roleTemplateId (the same in every tenant) |
 * | unifiedRoleDefinition | built-in: its id (= template id, the same everywhere); custom: displayName |
 * | distributionGroup | Alias (the group's mailNickname) |
 * | organization | the target's one organization |
 * | singletons, authentication method configurations, cross-tenant partners, domains | the same id (a fixed name, a partner tenant id, a domain name) |
 * | deviceManagementConfigurationPolicy | name |
 * | every other type (named locations, CA and other policies, administrative units, Intune objects, scope tags, filters) | displayName |
 * | grants, role assignments, devices, BitLocker keys, audit records | none: they are identified by the objects they link, or cannot be restored |
 *
 * Guarantees: a pure table; every registered type has a rule.
 */
import { getResource } from '../../../connectors/index.js';

export type StableKey =
  | { readonly kind: 'sameId' }
  | { readonly kind: 'upn' }
  | { readonly kind: 'appId' }
  | { readonly kind: 'roleTemplate' }
  | { readonly kind: 'builtInOrName' }
  | { readonly kind: 'organization' }
  | { readonly kind: 'alias' }
  | { readonly kind: 'name'; readonly property: string; readonly tieBreak?: string }
  | { readonly kind: 'none'; readonly why: string };

const SAME_ID = new Set(['authenticationMethodConfiguration', 'crossTenantAccessPolicyConfigurationPartner', 'domain']);
const NO_KEY: Readonly<Record<string, string>> = {
  oAuth2PermissionGrant: 'a grant is identified by the client and resource it links',
  unifiedRoleAssignment: 'a role assignment is identified by the principal, role and scope it links',
  deviceAndAppManagementRoleAssignment: 'an Intune role assignment is identified by its role and groups',
  device: 'devices are registered by the devices themselves',
  bitlockerRecoveryKey: 'BitLocker keys belong to their device',
  organizationalBrandingLocalization: 'branding belongs to its organization',
};

export function stableKeyOf(type: string): StableKey {
  const declaration = getResource(type);
  if (declaration.change === 'singleton' || SAME_ID.has(type)) return { kind: 'sameId' };
  if (NO_KEY[type]) return { kind: 'none', why: NO_KEY[type] };
  if (declaration.change === 'appendOnly') return { kind: 'none', why: 'audit records are the service\'s own' };
  switch (type) {
    case 'user': return { kind: 'upn' };
    case 'group': return { kind: 'name', property: 'displayName', tieBreak: 'mailNickname' };
    case 'servicePrincipal':
    case 'application': return { kind: 'appId' };
    case 'directoryRole': return { kind: 'roleTemplate' };
    case 'unifiedRoleDefinition': return { kind: 'builtInOrName' };
    case 'organization': return { kind: 'organization' };
    case 'distributionGroup': return { kind: 'alias' };
    case 'deviceManagementConfigurationPolicy': return { kind: 'name', property: 'name' };
    default: return { kind: 'name', property: 'displayName' };
  }
}
