/**
 * `generateFamilies(ctx)`: the data of every family the `azure` profile backs up besides the
 * directory objects — conditional access, policies, BitLocker keys, audit history,
 * Intune (device and app management) and Exchange distribution groups — for one tenant.
 *
 * Guarantees:
 * - deterministic for a given context (seed and directory): each family draws from its own fork
 *   of `ctx.random`, so adding data to one family never changes another;
 * - every ID that points outside a family comes from the context (users, groups, role templates,
 *   service principals' appIds, devices' deviceIds) — tests check this;
 * - every entity validates against the Graph schema of each version that defines its type (beta
 *   by property names plus the beta typings' complex types; v1.0 after `GraphSchema.project`);
 * - sizes follow the tenant's size class: tens of CA policies, hundreds of Intune objects in
 *   large tenants, one BitLocker key per Windows device (produced lazily);
 * - BitLocker recovery passwords are not in the entities; `secrets.bitlockerRecoveryPassword`
 *   derives them on demand, as Graph returns them only with `$select=key`.
 *
 * Store names (the emulator's `tenant.store(name)`), child collections (`children`: store name →
 * parent ID → items, for assignments, settings, scheduled actions, apps, partners and the Intune role assignment → role definition link) and the entity type of each are listed
 * in `FAMILY_STORES` / `FAMILY_CHILDREN`, which the serving layer and the tests share.
 */
import type { FamilyContext, FamilyData, GeneratedEntity } from '../context.js';
import { generateAuditHistory } from './audit.js';
import { bitlockerKeys, bitlockerRecoveryPassword } from './bitlocker.js';
import { generateConditionalAccess } from './conditional-access.js';
import { generateExchange, type ExchangeData } from './exchange.js';
import { generateIntuneApps } from './intune-apps.js';
import { intuneBasics } from './intune-common.js';
import { generateIntuneDevice } from './intune-device.js';
import type { FamilyPart } from './output.js';
import { generatePolicies } from './policies.js';
import type { GraphEntity, JsonObject } from './util.js';

export type { ExchangeData } from './exchange.js';
export type { GraphEntity, JsonObject, JsonValue } from './util.js';
export { bitlockerRecoveryPassword } from './bitlocker.js';

/** Where a store's entities are served and what type they are. */
export interface FamilyStoreInfo {
  /** Entity type as the schema names it (short, `microsoft.graph.` implied). */
  type: string;
  /** Graph path(s) of the collection or singleton. */
  paths: readonly string[];
  /** Versions in which Graph serves it. */
  versions: ReadonlyArray<'v1.0' | 'beta'>;
  singleton?: boolean;
}

const BOTH = ['v1.0', 'beta'] as const;
const BETA = ['beta'] as const;

export const FAMILY_STORES = {
  conditionalAccessPolicies: { type: 'conditionalAccessPolicy', paths: ['/identity/conditionalAccess/policies'], versions: BOTH },
  namedLocations: { type: 'namedLocation', paths: ['/identity/conditionalAccess/namedLocations'], versions: BOTH },
  authenticationMethodsPolicy: { type: 'authenticationMethodsPolicy', paths: ['/policies/authenticationMethodsPolicy'], versions: BOTH, singleton: true },
  authenticationMethodConfigurations: { type: 'authenticationMethodConfiguration', paths: ['/policies/authenticationMethodsPolicy/authenticationMethodConfigurations'], versions: BOTH },
  authorizationPolicy: { type: 'authorizationPolicy', paths: ['/policies/authorizationPolicy'], versions: BOTH, singleton: true },
  tokenLifetimePolicies: { type: 'tokenLifetimePolicy', paths: ['/policies/tokenLifetimePolicies'], versions: BOTH },
  homeRealmDiscoveryPolicies: { type: 'homeRealmDiscoveryPolicy', paths: ['/policies/homeRealmDiscoveryPolicies'], versions: BOTH },
  claimsMappingPolicies: { type: 'claimsMappingPolicy', paths: ['/policies/claimsMappingPolicies'], versions: BOTH },
  crossTenantAccessPolicy: { type: 'crossTenantAccessPolicy', paths: ['/policies/crossTenantAccessPolicy'], versions: BOTH, singleton: true },
  crossTenantAccessPolicyDefault: { type: 'crossTenantAccessPolicyConfigurationDefault', paths: ['/policies/crossTenantAccessPolicy/default'], versions: BOTH, singleton: true },
  identitySecurityDefaultsEnforcementPolicy: { type: 'identitySecurityDefaultsEnforcementPolicy', paths: ['/policies/identitySecurityDefaultsEnforcementPolicy'], versions: BOTH, singleton: true },
  bitlockerRecoveryKeys: { type: 'bitlockerRecoveryKey', paths: ['/informationProtection/bitlocker/recoveryKeys'], versions: BOTH },
  deviceConfigurations: { type: 'deviceConfiguration', paths: ['/deviceManagement/deviceConfigurations'], versions: BOTH },
  deviceCompliancePolicies: { type: 'deviceCompliancePolicy', paths: ['/deviceManagement/deviceCompliancePolicies'], versions: BOTH },
  configurationPolicies: { type: 'deviceManagementConfigurationPolicy', paths: ['/deviceManagement/configurationPolicies'], versions: BETA },
  deviceManagementScripts: { type: 'deviceManagementScript', paths: ['/deviceManagement/deviceManagementScripts'], versions: BETA },
  deviceShellScripts: { type: 'deviceShellScript', paths: ['/deviceManagement/deviceShellScripts'], versions: BETA },
  deviceHealthScripts: { type: 'deviceHealthScript', paths: ['/deviceManagement/deviceHealthScripts'], versions: BETA },
  deviceCustomAttributeShellScripts: { type: 'deviceCustomAttributeShellScript', paths: ['/deviceManagement/deviceCustomAttributeShellScripts'], versions: BETA },
  intuneRoleDefinitions: { type: 'roleDefinition', paths: ['/deviceManagement/roleDefinitions'], versions: BOTH },
  intuneRoleAssignments: { type: 'roleAssignment', paths: ['/deviceManagement/roleAssignments'], versions: BOTH },
  roleScopeTags: { type: 'roleScopeTag', paths: ['/deviceManagement/roleScopeTags'], versions: BETA },
  assignmentFilters: { type: 'deviceAndAppManagementAssignmentFilter', paths: ['/deviceManagement/assignmentFilters'], versions: BETA },
  mobileApps: { type: 'mobileApp', paths: ['/deviceAppManagement/mobileApps'], versions: BOTH },
  managedAppPolicies: {
    type: 'managedAppPolicy',
    paths: ['/deviceAppManagement/managedAppPolicies', '/deviceAppManagement/iosManagedAppProtections', '/deviceAppManagement/androidManagedAppProtections'],
    versions: BOTH,
  },
  targetedManagedAppConfigurations: { type: 'targetedManagedAppConfiguration', paths: ['/deviceAppManagement/targetedManagedAppConfigurations'], versions: BOTH },
  mobileAppConfigurations: { type: 'managedDeviceMobileAppConfiguration', paths: ['/deviceAppManagement/mobileAppConfigurations'], versions: BOTH },
} as const satisfies Record<string, FamilyStoreInfo>;

export type FamilyStoreName = keyof typeof FAMILY_STORES;

/** Child collections: entity type of the items (the parent is the store before the slash). */
export const FAMILY_CHILDREN = {
  'crossTenantAccessPolicy/partners': 'crossTenantAccessPolicyConfigurationPartner',
  'deviceConfigurations/assignments': 'deviceConfigurationAssignment',
  'deviceCompliancePolicies/assignments': 'deviceCompliancePolicyAssignment',
  'deviceCompliancePolicies/scheduledActionsForRule': 'deviceComplianceScheduledActionForRule',
  'configurationPolicies/settings': 'deviceManagementConfigurationSetting',
  'configurationPolicies/assignments': 'deviceManagementConfigurationPolicyAssignment',
  'deviceManagementScripts/assignments': 'deviceManagementScriptAssignment',
  'deviceShellScripts/assignments': 'deviceManagementScriptAssignment',
  'deviceHealthScripts/assignments': 'deviceHealthScriptAssignment',
  'deviceCustomAttributeShellScripts/assignments': 'deviceManagementScriptAssignment',
  'roleScopeTags/assignments': 'roleScopeTagAutoAssignment',
  'intuneRoleAssignments/roleDefinition': 'roleDefinition',
  'mobileApps/assignments': 'mobileAppAssignment',
  'managedAppPolicies/apps': 'managedMobileApp',
  'managedAppPolicies/assignments': 'targetedManagedAppPolicyAssignment',
  'targetedManagedAppConfigurations/apps': 'managedMobileApp',
  'targetedManagedAppConfigurations/assignments': 'targetedManagedAppPolicyAssignment',
  'mobileAppConfigurations/assignments': 'managedDeviceMobileAppConfigurationAssignment',
} as const;

export type FamilyChildName = keyof typeof FAMILY_CHILDREN;

export interface GeneratedFamilyData extends FamilyData {
  readonly stores: Readonly<Record<FamilyStoreName, Iterable<GeneratedEntity>>>;
  /** Directory audit history (`directoryAudit`), oldest first. */
  readonly audit: readonly GeneratedEntity[];
  /** Child collections: name → parent ID → items (items of `intuneRoleAssignments/roleDefinition` are `{ id }` references). */
  readonly children: Readonly<Record<FamilyChildName, ReadonlyMap<string, readonly JsonObject[]>>>;
  readonly secrets: {
    /** The 48-digit recovery password of a BitLocker key generated for this tenant. */
    bitlockerRecoveryPassword(keyId: string): string;
  };
  readonly exchange: ExchangeData;
}

function merge(parts: FamilyPart[]): { stores: Record<string, Iterable<GraphEntity>>; children: Record<string, Map<string, JsonObject[]>> } {
  const stores: Record<string, Iterable<GraphEntity>> = {};
  const children: Record<string, Map<string, JsonObject[]>> = {};
  for (const part of parts) {
    Object.assign(stores, part.stores);
    Object.assign(children, part.children ?? {});
  }
  return { stores, children };
}

export function generateFamilies(ctx: FamilyContext): GeneratedFamilyData {
  const ca = generateConditionalAccess(ctx);
  const basics = intuneBasics(ctx);
  const { stores, children } = merge([ca, generatePolicies(ctx), generateIntuneDevice(ctx, basics), generateIntuneApps(ctx, basics)]);
  stores['bitlockerRecoveryKeys'] = bitlockerKeys(ctx);
  for (const name of Object.keys(FAMILY_CHILDREN)) children[name] ??= new Map();
  const seed = ctx.seed;
  return {
    stores: stores as Record<FamilyStoreName, Iterable<GeneratedEntity>>,
    audit: generateAuditHistory(ctx, { conditionalAccessPolicies: [...(ca.stores['conditionalAccessPolicies'] ?? [])] }),
    children: children as Record<FamilyChildName, Map<string, JsonObject[]>>,
    secrets: { bitlockerRecoveryPassword: (keyId) => bitlockerRecoveryPassword(seed, keyId) },
    exchange: generateExchange(ctx),
  };
}
