/**
 * Intune: device configuration and compliance, the settings catalog, scripts, RBAC, scope tags,
 * assignment filters, apps, app protection and app configuration. Intune has no delta query
 * (facts §3.1): every type is listed (with `$expand=assignments` where Graph allows it) and hashed.
 * v1.0 vs beta follows facts §7.2. Writes of assignments go through `/assign`, which replaces the
 * whole set (facts §7 "Assign semantics").
 *
 * Choices recorded in docs/decisions/0003-resource-registry.md:
 * - Intune RBAC role definitions are `deviceAndAppManagementRoleDefinition`, so that `roleDefinition`
 *   never clashes with the directory's `unifiedRoleDefinition`.
 * - App protection is declared per platform (`iosManagedAppProtection`, `androidManagedAppProtection`):
 *   `managedAppPolicies` is only a read view, while apps, assignments and writes live on the
 *   typed collections (facts §7.2).
 */
import { defineResource, type ReferenceSpec } from '../define.js';

const API = 'https://learn.microsoft.com/graph/api';

/** Assignment targets name groups and, optionally, an assignment filter (facts §7). */
const ASSIGNMENT_REFERENCES: Record<string, string | ReferenceSpec> = {
  'assignments[].target.groupId': 'group',
  'assignments[].target.deviceAndAppManagementAssignmentFilterId': 'deviceAndAppManagementAssignmentFilter',
};
/** Scope tag ids are small integers as strings ("0" is Default). */
const SCOPE_TAGS: Record<string, ReferenceSpec> = { 'roleScopeTagIds[]': { target: 'roleScopeTag', match: 'any' } };
const INTUNE_READ_ONLY = ['version', 'isAssigned', 'supportsScopeTags', 'assignments', 'assignments@odata.context', 'createdDateTime', 'lastModifiedDateTime'];

const CONFIG = ['DeviceManagementConfiguration.ReadWrite.All'];
// Scripts: the seed grants DeviceManagementScripts.ReadWrite.All ("device management scripts, device
// shell scripts, device custom attribute shell scripts and device health scripts"); older pages name
// DeviceManagementConfiguration.ReadWrite.All, which also works.
const SCRIPTS = [['DeviceManagementScripts.ReadWrite.All', 'DeviceManagementConfiguration.ReadWrite.All']] as const;
const APPS = ['DeviceManagementApps.ReadWrite.All'];
const RBAC_READ = ['DeviceManagementRBAC.Read.All'];
const RBAC_NOTE = 'Writes need DeviceManagementRBAC.ReadWrite.All; the seed grants DeviceManagementRBAC.Read.All only.';

const expanded = { name: 'assignments', kind: 'collection', read: 'expand' } as const;

/**
 * Intune records every create, update, delete and action in its own audit log (`auditEvent`
 * below), so a run lists these types only after a record, and at least daily (quiet.ts). Its
 * categories are coarse and not all documented, so any record counts for every Intune type.
 */
const INTUNE_AUDITED = { log: 'auditEvent', unrelated: [] };

export const deviceConfiguration = defineResource({
  service: 'azure', name: 'deviceConfiguration', path: '/deviceManagement/deviceConfigurations', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  expand: 'assignments',
  permissions: { read: CONFIG, write: CONFIG },
  readOnly: INTUNE_READ_ONLY,
  references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
  subResources: [expanded],
  write: { assign: { path: '/deviceManagement/deviceConfigurations/{id}/assign', bodyKey: 'assignments', status: 200 } },
  sources: [`${API}/intune-deviceconfig-deviceconfiguration-list`, `${API}/intune-deviceconfig-deviceconfiguration-assign`, 'facts/graph-api.md §7.2'],
});

export const deviceCompliancePolicy = defineResource({
  service: 'azure', name: 'deviceCompliancePolicy', path: '/deviceManagement/deviceCompliancePolicies', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  // Nested expand as used by Salto (facts §2.3).
  expand: 'assignments,scheduledActionsForRule($expand=scheduledActionConfigurations)',
  permissions: { read: CONFIG, write: CONFIG },
  readOnly: INTUNE_READ_ONLY,
  references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
  subResources: [expanded, { name: 'scheduledActionsForRule', kind: 'collection', read: 'expand' }],
  write: {
    assign: { path: '/deviceManagement/deviceCompliancePolicies/{id}/assign', bodyKey: 'assignments', status: 200 },
    // Sent inline on create; changed later only through this action (facts §6.3).
    actions: { scheduleActionsForRules: '/deviceManagement/deviceCompliancePolicies/{id}/scheduleActionsForRules' },
  },
  sources: [`${API}/intune-deviceconfig-devicecompliancepolicy-list`, `${API}/intune-deviceconfig-devicecompliancepolicy-assign`, 'facts/graph-api.md §7.2'],
});

export const deviceManagementConfigurationPolicy = defineResource({
  service: 'azure', name: 'deviceManagementConfigurationPolicy', path: '/deviceManagement/configurationPolicies', api: 'beta', change: 'list', audited: INTUNE_AUDITED,
  // No pageSize: no page documents a $top for this list; the service's pages of 25 (facts §2.1) are followed by nextLink.
  expand: 'assignments',
  permissions: { read: CONFIG, write: CONFIG },
  readOnly: [...INTUNE_READ_ONLY, 'settingCount', 'creationSource'],
  references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
  subResources: [
    expanded,
    // Settings change only with the policy (a PUT replaces the whole policy), so they are read for new or changed policies.
    { name: 'settings', path: '/deviceManagement/configurationPolicies/{id}/settings', api: 'beta', kind: 'collection', read: 'whenChanged' },
  ],
  // The whole policy, settings inline, is replaced with PUT; PATCH on settings fails (facts §7.2).
  write: { update: 'PUT', assign: { path: '/deviceManagement/configurationPolicies/{id}/assign', bodyKey: 'assignments', status: 200 } },
  sources: [`${API}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-list?view=graph-rest-beta`, `${API}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-assign?view=graph-rest-beta`, 'facts/graph-api.md §2.1, §7.2'],
});

/** The four Intune script collections share a shape: base64 content returned only by GET by id, assignments, `/assign` answering 204. */
function script(name: string, collection: string, contentProperties: readonly string[], assignKey: string, docs: string) {
  const path = `/deviceManagement/${collection}`;
  return defineResource({
    service: 'azure', name, path, api: 'beta', change: 'list', audited: INTUNE_AUDITED,
    expand: 'assignments',
    permissions: { read: SCRIPTS, write: SCRIPTS },
    readOnly: [...INTUNE_READ_ONLY, 'isGlobalScript', 'highestAvailableVersion'],
    references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
    subResources: [
      expanded,
      { name: 'content', path: `${path}/{id}`, api: 'beta', kind: 'properties', select: contentProperties, read: 'whenChanged' },
    ],
    write: { assign: { path: `${path}/{id}/assign`, bodyKey: assignKey, status: 204 } },
    sources: [`${API}/intune-${docs}-create?view=graph-rest-beta`, `${API}/intune-${docs}-assign?view=graph-rest-beta`, 'facts/graph-api.md §6.3, §7.2'],
  });
}

export const deviceManagementScript = script('deviceManagementScript', 'deviceManagementScripts', ['scriptContent'], 'deviceManagementScriptAssignments', 'shared-devicemanagementscript');
export const deviceShellScript = script('deviceShellScript', 'deviceShellScripts', ['scriptContent'], 'deviceManagementScriptAssignments', 'devices-deviceshellscript');
// Microsoft's global scripts (isGlobalScript) cannot be recreated [I]; restore skips them.
export const deviceHealthScript = script('deviceHealthScript', 'deviceHealthScripts', ['detectionScriptContent', 'remediationScriptContent'], 'deviceHealthScriptAssignments', 'devices-devicehealthscript');
export const deviceCustomAttributeShellScript = script('deviceCustomAttributeShellScript', 'deviceCustomAttributeShellScripts', ['scriptContent'], 'deviceManagementScriptAssignments', 'devices-devicecustomattributeshellscript');

export const deviceAndAppManagementRoleDefinition = defineResource({
  service: 'azure', name: 'deviceAndAppManagementRoleDefinition', path: '/deviceManagement/roleDefinitions', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  permissions: { read: RBAC_READ, write: [], note: RBAC_NOTE },
  readOnly: ['isBuiltIn'],
  sources: [`${API}/intune-rbac-roledefinition-list`, `${API}/intune-rbac-roledefinition-create`],
});

export const deviceAndAppManagementRoleAssignment = defineResource({
  service: 'azure', name: 'deviceAndAppManagementRoleAssignment', path: '/deviceManagement/roleAssignments', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  // The role definition is a navigation property; expanding it stores its id in the document.
  expand: 'roleDefinition',
  permissions: { read: RBAC_READ, write: [], note: RBAC_NOTE },
  readOnly: [],
  references: {
    // Members and scopes are Entra security group ids.
    'members[]': 'group',
    'resourceScopes[]': 'group',
    'roleDefinition.id': 'deviceAndAppManagementRoleDefinition',
  },
  subResources: [{ name: 'roleDefinition', kind: 'object', read: 'expand' }],
  sources: [`${API}/intune-rbac-deviceandappmanagementroleassignment-list`],
});

export const roleScopeTag = defineResource({
  service: 'azure', name: 'roleScopeTag', path: '/deviceManagement/roleScopeTags', api: 'beta', change: 'list', audited: INTUNE_AUDITED,
  expand: 'assignments',
  permissions: { read: RBAC_READ, write: [], note: RBAC_NOTE },
  readOnly: ['isBuiltIn', 'assignments'],
  references: { 'assignments[].target.groupId': 'group' },
  subResources: [expanded],
  write: { assign: { path: '/deviceManagement/roleScopeTags/{id}/assign', bodyKey: 'assignments', status: 200 } },
  sources: [`${API}/intune-rbac-rolescopetag-create?view=graph-rest-beta`, `${API}/intune-rbac-rolescopetag-assign?view=graph-rest-beta`, 'facts/graph-api.md §7.2'],
});

export const deviceAndAppManagementAssignmentFilter = defineResource({
  service: 'azure', name: 'deviceAndAppManagementAssignmentFilter', path: '/deviceManagement/assignmentFilters', api: 'beta', change: 'list', audited: INTUNE_AUDITED,
  permissions: { read: CONFIG, write: CONFIG },
  readOnly: ['createdDateTime', 'lastModifiedDateTime', 'payloads'],
  references: { 'roleScopeTags[]': { target: 'roleScopeTag', match: 'any' } },
  sources: [`${API}/intune-policyset-deviceandappmanagementassignmentfilter-list?view=graph-rest-beta`, 'facts/graph-api.md §7.2'],
});

export const mobileApp = defineResource({
  service: 'azure', name: 'mobileApp', path: '/deviceAppManagement/mobileApps', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  expand: 'assignments',
  permissions: { read: APPS, write: APPS, note: 'LOB app binaries cannot be read through Graph; restore needs the original package (facts §6.1).' },
  readOnly: [
    ...INTUNE_READ_ONLY, 'publishingState', 'uploadState', 'size', 'committedContentVersion', 'dependentAppCount',
    'supersedingAppCount', 'supersededAppCount', 'contentVersions', 'packageId', 'appIdentifier', 'appStoreUrl', 'bundleId',
  ],
  references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
  subResources: [expanded],
  write: { assign: { path: '/deviceAppManagement/mobileApps/{id}/assign', bodyKey: 'mobileAppAssignments', status: 204 } },
  sources: [`${API}/intune-apps-mobileapp-list`, `${API}/intune-apps-mobileapp-assign`, 'facts/graph-api.md §6.3, §7.2'],
});

/** App protection per platform: the typed collections carry the apps and assignments and take the writes. */
function appProtection(name: string, collection: string, docs: string) {
  const path = `/deviceAppManagement/${collection}`;
  return defineResource({
    service: 'azure', name, path, api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
    expand: 'apps,assignments',
    permissions: { read: APPS, write: APPS },
    readOnly: [...INTUNE_READ_ONLY, 'deployedAppCount', 'isAssigned', 'apps', 'deploymentSummary'],
    references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
    subResources: [expanded, { name: 'apps', kind: 'collection', read: 'expand' }],
    write: { assign: { path: `${path}/{id}/assign`, bodyKey: 'assignments', status: 204 }, actions: { targetApps: `${path}/{id}/targetApps` } },
    sources: [`${API}/intune-mam-${docs}-list`, `${API}/intune-mam-${docs}-create`, 'facts/graph-api.md §7.2'],
  });
}

export const iosManagedAppProtection = appProtection('iosManagedAppProtection', 'iosManagedAppProtections', 'iosmanagedappprotection');
export const androidManagedAppProtection = appProtection('androidManagedAppProtection', 'androidManagedAppProtections', 'androidmanagedappprotection');

export const targetedManagedAppConfiguration = defineResource({
  service: 'azure', name: 'targetedManagedAppConfiguration', path: '/deviceAppManagement/targetedManagedAppConfigurations', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  expand: 'apps,assignments',
  permissions: { read: APPS, write: APPS },
  readOnly: [...INTUNE_READ_ONLY, 'deployedAppCount', 'isAssigned', 'apps', 'deploymentSummary'],
  references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS },
  subResources: [expanded, { name: 'apps', kind: 'collection', read: 'expand' }],
  write: {
    assign: { path: '/deviceAppManagement/targetedManagedAppConfigurations/{id}/assign', bodyKey: 'assignments', status: 204 },
    actions: { targetApps: '/deviceAppManagement/targetedManagedAppConfigurations/{id}/targetApps' },
  },
  sources: [`${API}/intune-mam-targetedmanagedappconfiguration-create`, `${API}/intune-mam-targetedmanagedappconfiguration-assign`],
});

export const managedDeviceMobileAppConfiguration = defineResource({
  service: 'azure', name: 'managedDeviceMobileAppConfiguration', path: '/deviceAppManagement/mobileAppConfigurations', api: 'v1.0', change: 'list', audited: INTUNE_AUDITED,
  expand: 'assignments',
  permissions: { read: APPS, write: APPS },
  readOnly: INTUNE_READ_ONLY,
  references: { ...ASSIGNMENT_REFERENCES, ...SCOPE_TAGS, 'targetedMobileApps[]': 'mobileApp' },
  subResources: [expanded],
  write: { assign: { path: '/deviceAppManagement/mobileAppConfigurations/{id}/assign', bodyKey: 'assignments', status: 204 } },
  sources: [`${API}/intune-apps-manageddevicemobileappconfiguration-list`, `${API}/intune-apps-manageddevicemobileappconfiguration-assign`],
});

/**
 * Intune's audit log, kept as the directory audit log is (engine/backup/read-audit.ts: read by
 * time window from the last read, never deleted by a backup) — Intune keeps no Entra directory
 * record of its changes. Also the change signal of the types above.
 */
export const auditEvent = defineResource({
  service: 'azure', name: 'auditEvent', path: '/deviceManagement/auditEvents', api: 'v1.0', change: 'appendOnly',
  timeProperty: 'activityDateTime',
  permissions: { read: APPS, write: [] },
  backupOnly: 'Audit logs are records of what happened; they are kept, never written back.',
  sources: [`${API}/intune-auditing-auditevent-list`],
});
