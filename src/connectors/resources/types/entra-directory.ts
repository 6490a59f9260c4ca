/**
 * Entra ID directory objects: users, groups, applications, service principals, grants,
 * administrative units, directory roles and RBAC, devices, domains, the organization and its
 * branding, BitLocker recovery keys and the directory audit log.
 *
 * Permissions: for each operation the least privileged Application permission that the seed
 * (`../shared/seed/permissions.tsv`, profile `azure`) grants, from the "Permissions" table of the
 * cited Graph API page; inner arrays list the other granted permissions that also work.
 * Stored document shapes: the Graph object as read (with `$select`), plus each sub-resource under
 * its name — relationship lists as `[{ "@odata.type", "id" }]`, `manager` as `{ "@odata.type", "id" }`.
 */
import { defineResource, type AuditCategory, type RecycleBinSpec } from '../define.js';

const API = 'https://learn.microsoft.com/graph/api';

/*
 * Audited types (`audited`, engine/backup/quiet.ts): role definitions change only by role
 * management; role assignments also go when their principal (a user, group or service principal)
 * or their administrative unit goes; domains, the organization and its branding change by
 * directory management ("Update company settings", "Verify domain", company branding) —
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities. The
 * organization's licence plans may change without a record; the daily listing takes them.
 */
const ROLE_DEFINITION_AUDITED = { log: 'directoryAudit', unrelated: ['UserManagement', 'GroupManagement', 'ApplicationManagement', 'Device', 'KeyManagement', 'Policy', 'AdministrativeUnit', 'DirectoryManagement'] as AuditCategory[] };
const ROLE_ASSIGNMENT_AUDITED = { log: 'directoryAudit', unrelated: ['Device', 'KeyManagement', 'Policy', 'DirectoryManagement'] as AuditCategory[] };
const COMPANY_AUDITED = { log: 'directoryAudit', unrelated: ['UserManagement', 'GroupManagement', 'ApplicationManagement', 'RoleManagement', 'Device', 'KeyManagement', 'Policy', 'AdministrativeUnit'] as AuditCategory[] };

function directoryRecycleBin(type: string): RecycleBinSpec {
  // facts §5.1: the type cast is required to list deleted items.
  return { list: `/directory/deletedItems/microsoft.graph.${type}`, restore: '/directory/deletedItems/{id}/restore' };
}

/** A relationship read per item as a list of `{ @odata.type, id }` (only the id is needed to restore it). */
const relationship = (name: string, path: string, read: 'everyRun' | 'delta' = 'everyRun') =>
  read === 'delta'
    ? ({ name, kind: 'collection', read } as const)
    : ({ name, path, kind: 'collection', read, select: ['id'], pageSize: 999 } as const);

export const user = defineResource({
  service: 'azure', name: 'user', path: '/users', api: 'v1.0', change: 'delta',
  // $select decides which property changes make a user show up in delta (facts §3.2), so it
  // lists everything restore writes back plus the read-only facts worth keeping; `manager`
  // makes delta track the manager relationship.
  select: [
    'id', 'accountEnabled', 'ageGroup', 'businessPhones', 'city', 'companyName', 'consentProvidedForMinor', 'country',
    'createdDateTime', 'creationType', 'department', 'displayName', 'employeeHireDate', 'employeeId', 'employeeLeaveDateTime',
    'employeeOrgData', 'employeeType', 'externalUserState', 'faxNumber', 'givenName', 'identities', 'jobTitle', 'mail',
    'mailNickname', 'mobilePhone', 'officeLocation', 'onPremisesExtensionAttributes', 'onPremisesImmutableId',
    'onPremisesSyncEnabled', 'otherMails', 'passwordPolicies', 'postalCode', 'preferredDataLocation', 'preferredLanguage',
    'proxyAddresses', 'showInAddressList', 'state', 'streetAddress', 'surname', 'usageLocation', 'userPrincipalName',
    'userType', 'manager',
  ],
  permissions: { read: [['User.ReadWrite.All', 'Directory.ReadWrite.All']], write: ['User.ReadWrite.All'] },
  readOnly: [
    'createdDateTime', 'creationType', 'externalUserState', 'mail', 'proxyAddresses', 'onPremisesSyncEnabled', 'onPremisesImmutableId',
    'assignedPlans', 'provisionedPlans', 'licenseAssignmentStates', 'signInSessionsValidFromDateTime', 'refreshTokensValidFromDateTime',
    'imAddresses', 'legalAgeGroupClassification', 'securityIdentifier', 'signInActivity',
  ],
  references: { 'manager.id': 'user' },
  subResources: [
    // `manager` in $select makes a manager change show the user in delta (facts §3.2); the value
    // itself is read for new and changed users (the emulator sends no `manager@delta`), and for a
    // full read through `$expand=manager` (single-valued, so never truncated).
    { name: 'manager', path: '/users/{id}/manager', kind: 'object', read: 'whenChanged', select: ['id'], bulkExpand: true },
    {
      // Listed under "Identity and access reports" throttling (authenticationMethod): 5 requests
      // per 10 s per app and tenant, so this sub-read is slow at scale; see cost-model.ts.
      name: 'authenticationMethods', path: '/users/{id}/authentication/methods', kind: 'collection', read: 'everyRun',
      permissions: ['UserAuthenticationMethod.ReadWrite.All'],
    },
  ],
  recycleBin: directoryRecycleBin('user'),
  sources: [`${API}/user-delta`, `${API}/user-get`, `${API}/authentication-list-methods`, 'facts/graph-api.md §3, §6.2, §6.3'],
});

export const group = defineResource({
  service: 'azure', name: 'group', path: '/groups', api: 'v1.0', change: 'delta',
  select: [
    'id', 'classification', 'createdDateTime', 'description', 'displayName', 'expirationDateTime', 'groupTypes', 'isAssignableToRole',
    'mail', 'mailEnabled', 'mailNickname', 'membershipRule', 'membershipRuleProcessingState', 'onPremisesSyncEnabled',
    'preferredDataLocation', 'preferredLanguage', 'proxyAddresses', 'renewedDateTime', 'resourceBehaviorOptions',
    'resourceProvisioningOptions', 'securityEnabled', 'securityIdentifier', 'theme', 'uniqueName', 'visibility',
    // The relationship tracked by group delta: `members@delta` (facts §3.3). Owners are read
    // per group (`owners@delta` is community knowledge only [C], and the emulator does not send it).
    'members',
  ],
  permissions: {
    read: [['Group.ReadWrite.All', 'Directory.ReadWrite.All']],
    write: ['Group.ReadWrite.All'],
    note: 'Distribution lists and mail-enabled security groups are read-only in Graph; they are restored through Exchange (distributionGroup).',
  },
  readOnly: [
    'createdDateTime', 'mail', 'proxyAddresses', 'onPremisesSyncEnabled', 'securityIdentifier', 'expirationDateTime', 'renewedDateTime',
    'createdOnBehalfOf', 'licenseProcessingState', 'membersWithLicenseErrors', 'assignedLicenses', 'uniqueName', 'onPremisesDomainName',
    'onPremisesNetBiosName', 'onPremisesProvisioningErrors', 'resourceProvisioningOptions',
  ],
  references: {
    'members[].id': 'directoryObject',
    'owners[].id': 'directoryObject',
  },
  subResources: [relationship('members', '', 'delta'), { ...relationship('owners', '/groups/{id}/owners'), bulkExpand: true }],
  // Only Microsoft 365 groups are soft-deleted; security groups are gone for good (facts §5.1).
  recycleBin: directoryRecycleBin('group'),
  write: { actions: { addMember: '/groups/{id}/members/$ref', addOwner: '/groups/{id}/owners/$ref' } },
  sources: [`${API}/group-delta`, 'https://learn.microsoft.com/graph/delta-query-groups', `${API}/group-post-groups`, 'facts/graph-api.md §3.3, §7.1'],
});

export const application = defineResource({
  service: 'azure', name: 'application', path: '/applications', api: 'v1.0', change: 'delta',
  permissions: { read: [['Application.ReadWrite.All', 'Directory.ReadWrite.All']], write: ['Application.ReadWrite.All'] },
  // `certification` is set by the Microsoft 365 App Compliance Program only (resources/certification).
  readOnly: ['appId', 'publisherDomain', 'applicationTemplateId', 'passwordCredentials', 'createdOnBehalfOf', 'createdDateTime', 'deletedDateTime', 'certification'],
  references: {
    'owners[].id': 'directoryObject',
    // An API the app calls, by the API app's appId; first-party APIs (Graph) are in no map and stay.
    'requiredResourceAccess[].resourceAppId': 'application.appId',
    'api.preAuthorizedApplications[].appId': 'application.appId',
  },
  subResources: [{ ...relationship('owners', '/applications/{id}/owners'), bulkExpand: true }],
  recycleBin: directoryRecycleBin('application'),
  write: { actions: { addPassword: '/applications/{id}/addPassword', addOwner: '/applications/{id}/owners/$ref' } },
  sources: [`${API}/application-delta`, `${API}/application-list-owners`, 'facts/graph-api.md §6.1, §6.3'],
});

export const servicePrincipal = defineResource({
  service: 'azure', name: 'servicePrincipal', path: '/servicePrincipals', api: 'v1.0', change: 'delta',
  permissions: {
    read: [['Application.ReadWrite.All', 'Directory.ReadWrite.All']],
    // appRoleAssignedTo writes need AppRoleAssignment.ReadWrite.All (serviceprincipal-post-approleassignedto).
    write: ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'],
  },
  // `resourceSpecificApplicationPermissions` comes from the application's manifest (servicePrincipal resource: read-only).
  readOnly: ['appId', 'appDisplayName', 'applicationTemplateId', 'signInAudience', 'appOwnerOrganizationId', 'passwordCredentials', 'createdDateTime', 'deletedDateTime', 'resourceSpecificApplicationPermissions'],
  references: {
    // The tenant's own apps: the application must exist before its service principal.
    appId: 'application.appId',
    'owners[].id': 'directoryObject',
    // Every app role assigned on this resource: to users, groups and (application permissions) other apps.
    'appRoleAssignedTo[].principalId': { target: 'directoryObject', typeFrom: 'principalType' },
    'appRoleAssignedTo[].resourceId': 'servicePrincipal',
  },
  subResources: [
    { ...relationship('owners', '/servicePrincipals/{id}/owners'), bulkExpand: true },
    // Read from the resource side: one list per service principal covers user, group and app
    // assignments, where the principal side would need one list per user and group.
    { name: 'appRoleAssignedTo', path: '/servicePrincipals/{id}/appRoleAssignedTo', kind: 'collection', read: 'everyRun', pageSize: 999 },
  ],
  recycleBin: directoryRecycleBin('servicePrincipal'),
  write: { actions: { assignAppRole: '/servicePrincipals/{id}/appRoleAssignedTo' } },
  sources: [`${API}/serviceprincipal-delta`, `${API}/serviceprincipal-list-approleassignedto`, `${API}/serviceprincipal-post-approleassignedto`, 'facts/graph-api.md §7.1'],
});

export const oAuth2PermissionGrant = defineResource({
  service: 'azure', name: 'oAuth2PermissionGrant', path: '/oauth2PermissionGrants', api: 'v1.0', change: 'delta',
  // Least privileged for read is Directory.Read.All and for write DelegatedPermissionGrant.ReadWrite.All;
  // neither is in the seed, Directory.ReadWrite.All is.
  permissions: { read: ['Directory.ReadWrite.All'], write: ['Directory.ReadWrite.All'] },
  // Only `scope` can be patched (facts §6.3).
  readOnly: ['clientId', 'consentType', 'principalId', 'resourceId'],
  references: { clientId: 'servicePrincipal', resourceId: 'servicePrincipal', principalId: 'user' },
  sources: [`${API}/oauth2permissiongrant-delta`, `${API}/oauth2permissiongrant-post`, 'facts/graph-api.md §7.1'],
});

export const administrativeUnit = defineResource({
  service: 'azure', name: 'administrativeUnit', path: '/directory/administrativeUnits', api: 'v1.0', change: 'delta',
  // v1.0 has no top-level administrativeUnits entity set (facts §7.1); delta binds to the collection.
  deltaPath: '/directory/administrativeUnits/delta',
  permissions: { read: [['AdministrativeUnit.ReadWrite.All', 'Directory.ReadWrite.All']], write: ['AdministrativeUnit.ReadWrite.All'] },
  readOnly: ['deletedDateTime'],
  references: {
    'members[].id': 'directoryObject',
    'scopedRoleMembers[].roleId': 'directoryRole',
    'scopedRoleMembers[].roleMemberInfo.id': 'user',
  },
  subResources: [
    // Administrative-unit delta reports `members@delta` like group delta (administrativeunit-delta).
    relationship('members', '', 'delta'),
    { name: 'scopedRoleMembers', path: '/directory/administrativeUnits/{id}/scopedRoleMembers', kind: 'collection', read: 'everyRun' },
  ],
  recycleBin: directoryRecycleBin('administrativeUnit'),
  sources: [`${API}/administrativeunit-delta`, `${API}/administrativeunit-list-members`, `${API}/administrativeunit-list-scopedrolemembers`, 'facts/graph-api.md §7.1'],
});

export const directoryRole = defineResource({
  service: 'azure', name: 'directoryRole', path: '/directoryRoles', api: 'v1.0', change: 'delta',
  select: ['id', 'description', 'displayName', 'roleTemplateId', 'members'],
  permissions: { read: [['RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All']], write: ['RoleManagement.ReadWrite.Directory'] },
  readOnly: ['displayName', 'description', 'roleTemplateId'],
  references: { 'members[].id': 'directoryObject' },
  subResources: [relationship('members', '', 'delta')],
  write: { actions: { activate: '/directoryRoles', addMember: '/directoryRoles/{id}/members/$ref' } },
  sources: [`${API}/directoryrole-delta`, `${API}/directoryrole-post-directoryroles`, 'facts/graph-api.md §2.1 (directoryRoles do not page), §7.1'],
});

export const unifiedRoleDefinition = defineResource({
  service: 'azure', name: 'unifiedRoleDefinition', path: '/roleManagement/directory/roleDefinitions', api: 'v1.0', change: 'list',
  audited: ROLE_DEFINITION_AUDITED,
  permissions: { read: [['RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All']], write: ['RoleManagement.ReadWrite.Directory'] },
  // Built-in definitions (isBuiltIn) cannot be changed; their ids equal their template ids in every tenant.
  readOnly: ['isBuiltIn', 'inheritsPermissionsFrom', 'version'],
  sources: [`${API}/rbacapplication-list-roledefinitions`, `${API}/rbacapplication-post-roledefinitions`, 'facts/graph-api.md §7.1'],
});

export const unifiedRoleAssignment = defineResource({
  service: 'azure', name: 'unifiedRoleAssignment', path: '/roleManagement/directory/roleAssignments', api: 'v1.0', change: 'list',
  audited: ROLE_ASSIGNMENT_AUDITED,
  permissions: { read: [['RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All']], write: ['RoleManagement.ReadWrite.Directory'] },
  // No PATCH: restore deletes and recreates (facts §7.1).
  readOnly: ['principalOrganizationId', 'resourceScope'],
  references: {
    principalId: 'directoryObject',
    roleDefinitionId: 'unifiedRoleDefinition',
    directoryScopeId: { target: 'administrativeUnit', template: '/administrativeUnits/{id}' },
  },
  sources: [`${API}/rbacapplication-list-roleassignments`, `${API}/rbacapplication-post-roleassignments`, 'facts/graph-api.md §7.1'],
});

export const device = defineResource({
  service: 'azure', name: 'device', path: '/devices', api: 'v1.0', change: 'delta',
  // Device.Read.All is least privileged and not in the seed.
  permissions: { read: ['Directory.ReadWrite.All'], write: [], note: 'Backup only: devices come from device registration and are hard-deleted (facts §5.1).' },
  backupOnly: 'Devices are created by device registration, not by an API restore can call.',
  readOnly: ['deviceId', 'approximateLastSignInDateTime', 'registrationDateTime', 'isCompliant', 'isManaged', 'trustType'],
  references: { 'registeredOwners[].id': 'user', 'registeredUsers[].id': 'user' },
  // `registeredOwners@delta` is seen in public code [C] only, so both lists are read per changed
  // device; both "support $expand" (device resource, and devices?$expand=registeredOwners in
  // Microsoft Q&A 784161), so a full read takes them 100 devices a request.
  subResources: [{ ...relationship('registeredOwners', '/devices/{id}/registeredOwners'), bulkExpand: true }, { ...relationship('registeredUsers', '/devices/{id}/registeredUsers'), bulkExpand: true }],
  sources: [`${API}/device-delta`, `${API}/device-list-registeredowners`],
});

export const domain = defineResource({
  service: 'azure', name: 'domain', path: '/domains', api: 'v1.0', change: 'list',
  audited: COMPANY_AUDITED,
  permissions: {
    read: [['Domain.Read.All', 'Directory.ReadWrite.All']],
    write: [],
    note: 'Creating or updating a domain needs Domain.ReadWrite.All, which the seed does not grant; verification also needs DNS records.',
  },
  readOnly: ['authenticationType', 'isInitial', 'isRoot', 'isAdminManaged', 'isVerified', 'domainNameReferences', 'serviceConfigurationRecords', 'verificationDnsRecords'],
  // The domain name is the id and the caller chooses it on create (facts §6.3, §7.1).
  write: { clientChosenId: true, actions: { verify: '/domains/{id}/verify' } },
  sources: [`${API}/domain-list`, `${API}/domain-post-domains`, 'facts/graph-api.md §7.1'],
});

export const organization = defineResource({
  service: 'azure', name: 'organization', path: '/organization', api: 'v1.0', change: 'list',
  audited: COMPANY_AUDITED,
  permissions: { read: [['Organization.Read.All', 'Directory.ReadWrite.All']], write: [], note: 'Updating needs Organization.ReadWrite.All, which the seed does not grant.' },
  readOnly: ['assignedPlans', 'provisionedPlans', 'verifiedDomains', 'createdDateTime', 'onPremisesLastSyncDateTime', 'tenantType', 'countryLetterCode'],
  sources: [`${API}/organization-list`, `${API}/organization-update`],
});

export const organizationalBranding = defineResource({
  service: 'azure', name: 'organizationalBranding', path: '/organization/{parentId}/branding', api: 'v1.0', change: 'singleton',
  singletonId: '{parentId}', parent: { type: 'organization', param: 'parentId' },
  audited: COMPANY_AUDITED,
  permissions: {
    read: [['Organization.Read.All', 'Directory.ReadWrite.All']],
    write: [],
    note: 'Writes need OrganizationalBranding.ReadWrite.All (not in the seed); older docs list app-only writes as not supported (facts §7.1).',
  },
  // Images (bannerLogo, backgroundImage, squareLogo …) are streams read and written separately.
  readOnly: ['cdnList'],
  // The default locale is addressed with `Accept-Language: 0`, which the docs require on PATCH.
  write: { headers: { 'Accept-Language': '0' } },
  sources: [`${API}/organizationalbranding-get`, `${API}/organizationalbranding-update`, 'facts/graph-api.md §7.1'],
});

export const organizationalBrandingLocalization = defineResource({
  service: 'azure', name: 'organizationalBrandingLocalization', path: '/organization/{parentId}/branding/localizations', api: 'v1.0', change: 'list',
  parent: { type: 'organization', param: 'parentId' },
  audited: COMPANY_AUDITED,
  permissions: { read: [['Organization.Read.All', 'Directory.ReadWrite.All']], write: [], note: 'As organizationalBranding.' },
  readOnly: ['cdnList'],
  sources: [`${API}/organizationalbranding-list-localizations`],
});

export const bitlockerRecoveryKey = defineResource({
  service: 'azure', name: 'bitlockerRecoveryKey', path: '/informationProtection/bitlocker/recoveryKeys', api: 'v1.0', change: 'list',
  // BitlockerKey.ReadBasic.All (metadata) is not in the seed; BitlockerKey.Read.All also reads the key.
  permissions: { read: ['BitlockerKey.Read.All'], write: [] },
  backupOnly: 'Graph has no API that writes a BitLocker recovery key; the backup is an escrow.',
  // The docs ask for these on every call; older ones required them, newer ones keep them for
  // support (facts §6.1: "Send all three"). User-Agent is set by the transport.
  headers: { 'ocp-client-name': 'Tenant Vault', 'ocp-client-version': '0.1' },
  references: { deviceId: 'device.deviceId' },
  // Keys are stored on their device: new keys and deleted devices show up as device or audit
  // changes, so an incremental run lists the keys of those devices only (`$filter` on deviceId is
  // the one filter the list supports; it takes no `$top` — bitlocker-list-recoverykeys).
  ownedBy: { type: 'device', key: 'deviceId', property: 'deviceId', filter: "deviceId eq '{key}'" },
  subResources: [
    {
      // The key itself is returned only for `$select=key` on a single item, and each read is
      // written to the Entra audit log; keys never change, so only new ones are read.
      name: 'key', path: '/informationProtection/bitlocker/recoveryKeys/{id}', kind: 'properties', select: ['key'], read: 'whenNew',
      headers: { 'ocp-client-name': 'Tenant Vault', 'ocp-client-version': '0.1' },
    },
  ],
  sources: [`${API}/bitlockerrecoverykey-get`, `${API}/bitlocker-list-recoverykeys`, 'facts/graph-api.md §6.1'],
});

export const directoryAudit = defineResource({
  service: 'azure', name: 'directoryAudit', path: '/auditLogs/directoryAudits', api: 'v1.0', change: 'appendOnly',
  timeProperty: 'activityDateTime',
  // Reports are limited to 5 requests per 10 s per app and tenant, so pages are as large as allowed [I: 999].
  pageSize: 999,
  permissions: { read: ['AuditLog.Read.All'], write: [] },
  backupOnly: 'Audit logs are records of what happened; they are kept, never written back.',
  sources: [`${API}/directoryaudit-list`, 'https://learn.microsoft.com/graph/throttling-limits#identity-and-access-reports-service-limits'],
});
