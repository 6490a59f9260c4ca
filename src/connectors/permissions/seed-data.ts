/**
 * The permissions each app profile is consented with, as data shipped with the product: built
 * from ../shared/seed/permissions.tsv (rows, order, "newly required") and permission-ids.json
 * (resource app ids, appRole / oauth2PermissionScope GUIDs, consent display names).
 * test/connectors/permission-manifest.test.ts checks that this still equals the seed files.
 *
 * `since` is the manifest version in which a permission became required: rows the seed marks
 * "newly required: No" have been required since version 1. When a permission is added, bump
 * MANIFEST_VERSION and give the new row that version, so profiles consented earlier are told.
 */
export const MANIFEST_VERSION = 1;

export type PermissionType = 'Application' | 'Delegated';

export interface SeedPermission {
  readonly profile: 'azure' | 'devops' | 'b2c';
  /** Display name of the resource API. */
  readonly api: string;
  readonly resourceAppId: string;
  readonly permission: string;
  /** Application = app role (requiredResourceAccess type Role); Delegated = oauth2PermissionScope (type Scope). */
  readonly type: PermissionType;
  /** The appRole or oauth2PermissionScope id. */
  readonly id: string;
  /** adminConsentDisplayName on Microsoft's service principal. */
  readonly displayName: string;
  readonly since: number;
}

export const SEED_PERMISSIONS: readonly SeedPermission[] = [
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "AdministrativeUnit.ReadWrite.All", type: "Application", id: "5eb59dd3-1da2-4329-8733-9dabdc435916", displayName: "Read and write all administrative units", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Application.ReadWrite.All", type: "Application", id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", displayName: "Read and write all applications", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "AppRoleAssignment.ReadWrite.All", type: "Application", id: "06b708a9-e830-4db3-a914-8e69da51d44f", displayName: "Manage app permission grants and app role assignments", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "AuditLog.Read.All", type: "Application", id: "b0afded3-3588-46d8-8b3d-9842eff778da", displayName: "Read all audit log data", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "DeviceManagementScripts.ReadWrite.All", type: "Application", id: "9255e99d-faf5-445e-bbf7-cb71482737c4", displayName: "Read and write Microsoft Intune Scripts", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Directory.ReadWrite.All", type: "Application", id: "19dbc75e-c2e2-444c-a770-ec69d8559fc7", displayName: "Read and write directory data", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Group.ReadWrite.All", type: "Application", id: "62a82d76-70ea-41e2-9197-370581804d09", displayName: "Read and write all groups", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "RoleManagement.ReadWrite.Directory", type: "Application", id: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", displayName: "Read and write all directory RBAC settings", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User.ReadWrite.All", type: "Application", id: "741f803b-c850-494e-b5df-cde7c675a1ca", displayName: "Read and write all users' full profiles", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User.Read", type: "Delegated", id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", displayName: "Sign in and read user profile", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "BitlockerKey.Read.All", type: "Delegated", id: "b27a61ec-b99c-4d6a-b126-c4375d08ae30", displayName: "Read BitLocker keys", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "BitlockerKey.Read.All", type: "Application", id: "57f1cf28-c0c4-4ec3-9a30-19a2eaaf2f6e", displayName: "Read all BitLocker keys", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Policy.Read.All", type: "Application", id: "246dd0d5-5bd0-4def-940b-0421030a5b68", displayName: "Read your organization's policies", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Organization.Read.All", type: "Application", id: "498476ce-e0fe-48b0-b801-37ba7e2685c6", displayName: "Read organization information", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Policy.ReadWrite.AuthenticationMethod", type: "Application", id: "29c18626-4985-4dcd-85c0-193eef327366", displayName: "Read and write all authentication method policies", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Policy.ReadWrite.ConditionalAccess", type: "Application", id: "01c0a623-fc9b-48e9-b794-0756f8e8f067", displayName: "Read and write your organization's conditional access policies", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Policy.ReadWrite.Authorization", type: "Application", id: "fb221be6-99f2-473f-bd32-01c6a0e9ca3b", displayName: "Read and write your organization's authorization policy", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "UserAuthenticationMethod.ReadWrite.All", type: "Application", id: "50483e42-d915-4231-9639-7fdb7fd190e5", displayName: "Read and write all users' authentication methods", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "DeviceManagementConfiguration.ReadWrite.All", type: "Application", id: "9241abd9-d0e6-425a-bd4f-47ba86e767a4", displayName: "Read and write Microsoft Intune device configuration and policies", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "DeviceManagementApps.ReadWrite.All", type: "Application", id: "78145de6-330d-4800-a6ce-494ff2d33d07", displayName: "Read and write Microsoft Intune apps", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "DeviceManagementApps.ReadWrite.All", type: "Delegated", id: "7b3f05d5-f68c-4b8d-8c59-a2ecd12f24af", displayName: "Read and write Microsoft Intune apps", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "DeviceManagementRBAC.Read.All", type: "Application", id: "58ca0d9a-1575-47e1-a3cb-007ef2e4583b", displayName: "Read Microsoft Intune RBAC settings", since: 1 },
  { profile: "azure", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Domain.Read.All", type: "Application", id: "dbb9058a-0e50-45d7-ae91-66909b5d4664", displayName: "Read domains", since: 1 },
  { profile: "azure", api: "Office 365 Exchange Online", resourceAppId: "00000002-0000-0ff1-ce00-000000000000", permission: "Exchange.ManageAsApp", type: "Application", id: "dc50a0fb-09a3-484d-be87-e023b12c6440", displayName: "Manage Exchange As Application", since: 1 },
  { profile: "devops", api: "Azure DevOps", resourceAppId: "499b84ac-1321-427f-aa17-267ca6975798", permission: "user_impersonation", type: "Delegated", id: "ee69721e-6c3a-468f-a9ec-302d16a4c599", displayName: "Have full access to Visual Studio Team Services REST APIs", since: 1 },
  { profile: "devops", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User.Read.All", type: "Delegated", id: "a154be20-db9c-4678-8ab7-66f6cc099a59", displayName: "Read all users' full profiles", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "IdentityUserFlow.ReadWrite.All", type: "Application", id: "65319a09-a2be-469d-8782-f6b07debf789", displayName: "Read and write all identity user flows", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "IdentityProvider.ReadWrite.All", type: "Application", id: "90db2b9a-d928-4d33-a4dd-8442ae3d41e4", displayName: "Read and write identity providers", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Application.ReadWrite.All", type: "Application", id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", displayName: "Read and write all applications", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "AuditLog.Read.All", type: "Application", id: "b0afded3-3588-46d8-8b3d-9842eff778da", displayName: "Read all audit log data", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "Directory.Read.All", type: "Application", id: "7ab1d382-f21e-4acd-a863-ba3e13f7da61", displayName: "Read directory data", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "AppRoleAssignment.ReadWrite.All", type: "Application", id: "06b708a9-e830-4db3-a914-8e69da51d44f", displayName: "Manage app permission grants and app role assignments", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "RoleManagement.ReadWrite.Directory", type: "Application", id: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", displayName: "Read and write all directory RBAC settings", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User.ReadWrite.All", type: "Application", id: "741f803b-c850-494e-b5df-cde7c675a1ca", displayName: "Read and write all users' full profiles", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "UserAuthenticationMethod.ReadWrite.All", type: "Application", id: "50483e42-d915-4231-9639-7fdb7fd190e5", displayName: "Read and write all users' authentication methods", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "GroupMember.ReadWrite.All", type: "Application", id: "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", displayName: "Read and write all group memberships", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User.ManageIdentities.All", type: "Application", id: "c529cfca-c91b-489c-af2b-d92990b66ce6", displayName: "Manage all users' identities", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User-Mail.ReadWrite.All", type: "Application", id: "280d0935-0796-47d1-8d26-273470a3f17a", displayName: "Read and write all secondary mail addresses for users", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User-Phone.ReadWrite.All", type: "Application", id: "86ceff06-c822-49ff-989a-d912845ffe69", displayName: "Read and write all user mobile phone and business phones", since: 1 },
  { profile: "b2c", api: "Microsoft Graph", resourceAppId: "00000003-0000-0000-c000-000000000000", permission: "User.EnableDisableAccount.All", type: "Application", id: "3011c876-62b7-4ada-afa2-506cbbecc68c", displayName: "Enable and disable user accounts", since: 1 },
];
