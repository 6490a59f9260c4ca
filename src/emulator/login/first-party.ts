/**
 * Microsoft's first-party resource applications as the emulated tenants publish them: Microsoft
 * Graph (`00000003-0000-0000-c000-000000000000`), Office 365 Exchange Online
 * (`00000002-0000-0ff1-ce00-000000000000`, `Exchange.ManageAsApp`) and Azure DevOps
 * (`499b84ac-1321-427f-aa17-267ca6975798`). Each tenant has a service principal for each, whose
 * `appRoles` (application permissions) and `oauth2PermissionScopes` (delegated) carry the real
 * GUIDs, so that granting through real Graph calls (`appRoleAssignedTo`, `oauth2PermissionGrants`)
 * works and the next token carries the new `roles` / `scp`.
 *
 * GUID sources: every seed permission comes from `../shared/seed/permission-ids.json` (generated
 * into permissions.generated.ts). The `EXTRA` list adds permissions the emulator's routes accept
 * but the seed does not request; those marked `[public code]` were read from public app-registration
 * code found with the code search (e.g. `APP_ROLES` / `GRAPH_APP_PERMISSIONS` tables), the others are
 * from memory of the permissions reference and unverified. A permission unknown to both lists gets a
 * deterministic synthetic GUID when an app is registered with it (`permissionId`), so tests can use
 * any name; such GUIDs do not match the real service.
 */
import { createHash } from 'node:crypto';
import { SEED_PERMISSIONS } from './permissions.generated.js';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
export const DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';

export type PermissionType = 'Application' | 'Delegated';

export interface PermissionDef {
  readonly resourceAppId: string;
  readonly value: string;
  readonly type: PermissionType;
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
}

const G = GRAPH_APP_ID;
const EXTRA: readonly [string, string, PermissionType, string][] = [
  // [public code]
  [G, 'User.Read.All', 'Application', 'df021288-bdef-4463-88db-98f22de89214'],
  [G, 'Group.Read.All', 'Application', '5b567255-7703-4780-807c-7be8301ae99b'],
  [G, 'Directory.Read.All', 'Application', '7ab1d382-f21e-4acd-a863-ba3e13f7da61'],
  [G, 'Application.Read.All', 'Application', '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30'],
  [G, 'Device.Read.All', 'Application', '7438b122-aefc-4978-80ed-43db9fcc7715'],
  [G, 'GroupMember.Read.All', 'Application', '98830695-27a2-44f7-8c18-0c3ebc9698f6'],
  [G, 'RoleManagement.Read.Directory', 'Application', '483bed4a-2ad3-4361-a73b-c83ccdbdc53c'],
  [G, 'DeviceManagementConfiguration.Read.All', 'Application', 'dc377aa6-52d8-4e23-b271-2a7ae04cedf3'],
  [G, 'DeviceManagementManagedDevices.Read.All', 'Application', '2f51be20-0bb4-4fed-bf7b-db946066c75e'],
  [G, 'DeviceManagementManagedDevices.ReadWrite.All', 'Application', '243333ab-4d21-40cb-a475-36241daa0842'],
  [G, 'openid', 'Delegated', '37f7f235-527c-4136-accd-4a02d197296e'],
  [G, 'profile', 'Delegated', '14dad69e-099b-42c9-810b-d002981feec1'],
  [G, 'email', 'Delegated', '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0'],
  // unverified (memory of the permissions reference)
  [G, 'offline_access', 'Delegated', '7427e0e9-2fba-42fe-b0c0-848c9e6a8182'],
  [G, 'AdministrativeUnit.Read.All', 'Application', '134fd756-38ce-4afd-ba33-e9623dbe66c2'],
  [G, 'UserAuthenticationMethod.Read.All', 'Application', '38d9df27-64da-44fd-b7c5-a6fbac20248f'],
  [G, 'GroupMember.ReadWrite.All', 'Application', 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695'],
  [G, 'Device.ReadWrite.All', 'Application', '1138cb37-bd11-4084-a2b7-9f71582aeddb'],
  [G, 'Domain.ReadWrite.All', 'Application', '7e05723c-0bb0-42da-be95-ae9f08a6e53c'],
  [G, 'Organization.ReadWrite.All', 'Application', '292d869f-3427-49a8-9dab-8c70152b74e9'],
  [G, 'DelegatedPermissionGrant.ReadWrite.All', 'Application', '8e8e4742-1d95-4f68-9d56-6ee75648c72a'],
  [G, 'Application.ReadWrite.OwnedBy', 'Application', '18a4783c-866b-4cc7-a460-3d5e5662c884'],
  [G, 'Group.Create', 'Application', 'bf7b1a76-6e77-406b-b258-bf5c7720e98f'],
  [G, 'BitlockerKey.ReadBasic.All', 'Application', 'f690d423-6b29-4d04-98c6-694c42282419'],
  [G, 'Directory.Read.All', 'Delegated', '06da0dbc-49e2-44d2-8312-53f166ab848a'],
  [G, 'Directory.AccessAsUser.All', 'Delegated', '0e263e50-5827-48a4-b97c-d940288653c7'],
];

const ALL: PermissionDef[] = [
  ...SEED_PERMISSIONS.map((p) => ({ resourceAppId: p.resourceAppId, value: p.value, type: p.type, id: p.id, displayName: p.displayName, description: p.description })),
  ...EXTRA.filter(([r, v, t]) => !SEED_PERMISSIONS.some((s) => s.resourceAppId === r && s.value === v && s.type === t)).map(([resourceAppId, value, type, id]) => ({
    resourceAppId, value, type, id, displayName: value, description: `Emulated permission ${value}.`,
  })),
];

/** Known permissions of a resource application. */
export function knownPermissions(resourceAppId: string): PermissionDef[] {
  return ALL.filter((p) => p.resourceAppId === resourceAppId);
}

/** The GUID of a permission: the real one when known, else a stable synthetic UUID. */
export function permissionId(resourceAppId: string, value: string, type: PermissionType): string {
  const known = ALL.find((p) => p.resourceAppId === resourceAppId && p.value === value && p.type === type);
  if (known) return known.id;
  const h = createHash('sha256').update(`${resourceAppId}|${value}|${type}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Seed permissions of a profile (`azure`, `b2c`, `devops`). */
export function seedProfilePermissions(profile: string): PermissionDef[] {
  return SEED_PERMISSIONS.filter((p) => p.profiles.includes(profile)).map((p) => ({
    resourceAppId: p.resourceAppId, value: p.value, type: p.type, id: p.id, displayName: p.displayName, description: p.description,
  }));
}

export interface FirstPartyApp {
  readonly appId: string;
  readonly displayName: string;
  /** Identifier URIs a token `scope` may name (`https://graph.microsoft.com/.default`). */
  readonly identifierUris: readonly string[];
  /** Token audience for v1-style access tokens requested by URI. */
  readonly audience: string;
}

export const FIRST_PARTY_APPS: readonly FirstPartyApp[] = [
  { appId: GRAPH_APP_ID, displayName: 'Microsoft Graph', identifierUris: ['https://graph.microsoft.com', 'https://graph.microsoft.com/', 'https://canary.graph.microsoft.com', 'https://graph.microsoft.us'], audience: 'https://graph.microsoft.com' },
  { appId: EXCHANGE_APP_ID, displayName: 'Office 365 Exchange Online', identifierUris: ['https://outlook.office365.com', 'https://outlook.office365.com/', 'https://outlook.office.com'], audience: 'https://outlook.office365.com' },
  { appId: DEVOPS_APP_ID, displayName: 'Azure DevOps', identifierUris: ['https://app.vssps.visualstudio.com', '499b84ac-1321-427f-aa17-267ca6975798'], audience: DEVOPS_APP_ID },
];

/** Audiences Graph accepts in a token. */
export const GRAPH_AUDIENCES: ReadonlySet<string> = new Set(['https://graph.microsoft.com', 'https://graph.microsoft.com/', GRAPH_APP_ID]);
