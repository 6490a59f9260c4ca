/**
 * Built-in Entra directory roles: template IDs (which are also the IDs of the built-in
 * `unifiedRoleDefinition`s) as published in "Microsoft Entra built-in roles"
 * (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference),
 * with a representative subset of each role's resource actions.
 */

export interface BuiltInRole {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
  readonly actions: readonly string[];
}

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.', actions: ['microsoft.directory/applications/allProperties/allTasks', 'microsoft.directory/users/allProperties/allTasks', 'microsoft.directory/groups/allProperties/allTasks', 'microsoft.directory/roleAssignments/allProperties/allTasks'] },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator', description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.', actions: ['microsoft.directory/users/create', 'microsoft.directory/users/delete', 'microsoft.directory/users/basic/update', 'microsoft.directory/groups/create'] },
  { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', displayName: 'Helpdesk Administrator', description: 'Can reset passwords for non-administrators and Helpdesk Administrators.', actions: ['microsoft.directory/users/password/update', 'microsoft.directory/users/invalidateAllRefreshTokens'] },
  { id: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', displayName: 'Application Administrator', description: 'Can create and manage all aspects of app registrations and enterprise apps.', actions: ['microsoft.directory/applications/create', 'microsoft.directory/applications/credentials/update', 'microsoft.directory/servicePrincipals/create'] },
  { id: '158c047a-c907-4556-b7ef-446551a6b5f7', displayName: 'Cloud Application Administrator', description: 'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.', actions: ['microsoft.directory/applications/create', 'microsoft.directory/servicePrincipals/create'] },
  { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', displayName: 'Security Administrator', description: 'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.', actions: ['microsoft.directory/policies/standard/read', 'microsoft.directory/conditionalAccessPolicies/create'] },
  { id: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader', description: 'Can read security information and reports in Microsoft Entra ID and Office 365.', actions: ['microsoft.directory/auditLogs/allProperties/read', 'microsoft.directory/signInReports/allProperties/read'] },
  { id: '29232cdf-9323-42fd-ade2-1d097af3e4de', displayName: 'Exchange Administrator', description: 'Can manage all aspects of the Exchange product.', actions: ['microsoft.office365.exchange/allEntities/basic/allTasks', 'microsoft.directory/groups.unified/create'] },
  { id: '31392ffb-586c-42d1-9346-e59415a2cc4e', displayName: 'Exchange Recipient Administrator', description: 'Can create or update Exchange Online recipients within the Exchange Online organization.', actions: ['microsoft.office365.exchange/allRecipients/allProperties/allTasks'] },
  { id: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', displayName: 'SharePoint Administrator', description: 'Can manage all aspects of the SharePoint service.', actions: ['microsoft.office365.sharePoint/allEntities/allTasks'] },
  { id: '3a2c62db-5318-420d-8d74-23affee5d9d5', displayName: 'Intune Administrator', description: 'Can manage all aspects of the Intune product.', actions: ['microsoft.intune/allEntities/allTasks', 'microsoft.directory/devices/basic/update'] },
  { id: 'fdd7a751-b60b-444a-984c-02652fe8fa1c', displayName: 'Groups Administrator', description: 'Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.', actions: ['microsoft.directory/groups/create', 'microsoft.directory/groups/delete', 'microsoft.directory/groups/members/update'] },
  { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader', description: 'Can read everything that a Global Administrator can, but not update anything.', actions: ['microsoft.directory/applications/allProperties/read', 'microsoft.directory/users/allProperties/read'] },
  { id: 'e8611ab8-c189-46e8-94e1-60213ab1f814', displayName: 'Privileged Role Administrator', description: 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.', actions: ['microsoft.directory/roleAssignments/allProperties/allTasks', 'microsoft.directory/roleDefinitions/allProperties/allTasks'] },
  { id: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', displayName: 'Conditional Access Administrator', description: 'Can manage Conditional Access capabilities.', actions: ['microsoft.directory/conditionalAccessPolicies/create', 'microsoft.directory/namedLocations/create'] },
  { id: 'c4e39bd9-1100-46d3-8c65-fb160da0071f', displayName: 'Authentication Administrator', description: 'Can access to view, set and reset authentication method information for any non-admin user.', actions: ['microsoft.directory/users/authenticationMethods/create', 'microsoft.directory/users/authenticationMethods/delete'] },
  { id: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', displayName: 'Privileged Authentication Administrator', description: 'Can access to view, set and reset authentication method information for any user (admin or non-admin).', actions: ['microsoft.directory/users/authenticationMethods/create', 'microsoft.directory/users/password/update'] },
  { id: 'b0f54661-2d74-4c50-afa3-1ec803f12efe', displayName: 'Billing Administrator', description: 'Can perform common billing related tasks like updating payment information.', actions: ['microsoft.directory/organization/basic/update'] },
  { id: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', displayName: 'Directory Readers', description: 'Can read basic directory information. Commonly used to grant directory read access to applications and guests.', actions: ['microsoft.directory/users/standard/read', 'microsoft.directory/groups/standard/read'] },
  { id: '9360feb5-f418-4baa-8175-e2a00bac4301', displayName: 'Directory Writers', description: 'Can read and write basic directory information. For granting access to applications, not intended for users.', actions: ['microsoft.directory/users/basic/update', 'microsoft.directory/groups/basic/update'] },
  { id: '4a5d8f65-41da-4de4-8968-e035b65339cf', displayName: 'Reports Reader', description: 'Can read sign-in and audit reports.', actions: ['microsoft.directory/auditLogs/allProperties/read'] },
  { id: '69091246-20e8-4a56-aa4d-066075b2a7a8', displayName: 'Teams Administrator', description: 'Can manage the Microsoft Teams service.', actions: ['microsoft.teams/allEntities/allProperties/allTasks'] },
  { id: '966707d0-3269-4727-9be2-8c3a10f19b9d', displayName: 'Password Administrator', description: 'Can reset passwords for non-administrators and Password Administrators.', actions: ['microsoft.directory/users/password/update'] },
  { id: '17315797-102d-40b4-93e0-432062caca18', displayName: 'Compliance Administrator', description: 'Can read and manage compliance configuration and reports in Microsoft Entra ID and Microsoft 365.', actions: ['microsoft.office365.complianceManager/allEntities/allTasks'] },
  { id: '4d6ac14f-3453-41d0-bef9-a3e0c569773a', displayName: 'License Administrator', description: 'Can manage product licenses on users and groups.', actions: ['microsoft.directory/users/assignLicense'] },
  { id: '7698a772-787b-4ac8-901f-60d6b08affd2', displayName: 'Cloud Device Administrator', description: 'Limited access to manage devices in Microsoft Entra ID.', actions: ['microsoft.directory/devices/delete', 'microsoft.directory/devices/disable'] },
];

export const GLOBAL_ADMIN_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
export const EXCHANGE_ADMIN_TEMPLATE_ID = '29232cdf-9323-42fd-ade2-1d097af3e4de';
