/**
 * The permission manifest of each profile kind, and what follows from it: which resource types
 * a missing permission disables, the admin-consent URL, and the `requiredResourceAccess` of the
 * app registration that `profile create-app` creates.
 *
 * Guarantees:
 * - the manifest is the seed's rows (seed-data.ts) joined with the registry: which types need a
 *   permission is derived from the resource declarations, never typed twice;
 * - `evaluatePermissions` decides per type from the same requirements the engine uses, so a
 *   missing permission disables exactly the types (or sub-reads) that need it (DESIGN invariant 6),
 *   and a type readable through an alternative permission stays enabled.
 * Not guaranteed: that a granted permission is enough — Exchange also needs a directory role
 * (facts §8.2), and Graph can still answer 403; the transport reports that separately.
 */
import { resolveCloud, type CloudEndpoints } from '../clouds.js';
import { listResources, type PermissionRequirement, type ProfileKind, type ResourceDeclaration } from '../resources/index.js';
import { MANIFEST_VERSION, SEED_PERMISSIONS, type PermissionType, type SeedPermission } from './seed-data.js';

export { MANIFEST_VERSION, SEED_PERMISSIONS, type PermissionType, type SeedPermission } from './seed-data.js';

export const RESOURCE_APPS = Object.freeze({
  graph: '00000003-0000-0000-c000-000000000000',
  exchange: '00000002-0000-0ff1-ce00-000000000000',
  devops: '499b84ac-1321-427f-aa17-267ca6975798',
});

/** Why a permission that no declared resource type needs is in the manifest. */
const PURPOSES: Readonly<Record<string, string>> = {
  'azure/User.Read/Delegated': 'Administrators sign in to the Tenant Vault console with it.',
  'azure/BitlockerKey.Read.All/Delegated':
    'Reads BitLocker keys on behalf of a signed-in administrator where app-only access is refused (older docs list Application as not supported, facts §6.1).',
  'azure/DeviceManagementApps.ReadWrite.All/Delegated': 'Intune app management on behalf of a signed-in administrator (app uploads in the console).',
};

export interface TypeNeeds {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

export interface ManifestPermission extends SeedPermission {
  /** Types for which this is the permission to grant (the first, least privileged option). */
  readonly neededBy: TypeNeeds;
  /** Types for which it is an accepted alternative. */
  readonly alternativeFor: TypeNeeds;
  /** For permissions no declared type needs: what they are for. */
  readonly purpose?: string;
}

export interface PermissionManifest {
  readonly manifestVersion: number;
  readonly kind: ProfileKind;
  readonly permissions: readonly ManifestPermission[];
}

/** App-only backups use Application permissions: a name in a declaration means that type. */
const DECLARED_TYPE: PermissionType = 'Application';

interface TypeRequirements {
  readonly type: string;
  readonly read: readonly PermissionRequirement[];
  readonly write: readonly PermissionRequirement[];
  readonly subReads: ReadonlyArray<{ readonly name: string; readonly requirements: readonly PermissionRequirement[] }>;
}

function requirementsOf(declaration: ResourceDeclaration): TypeRequirements {
  return {
    type: declaration.name,
    read: declaration.permissions.read,
    write: declaration.permissions.write,
    subReads: declaration.subResources.filter((sub) => sub.permissions?.length).map((sub) => ({ name: sub.name, requirements: sub.permissions! })),
  };
}

const options = (requirement: PermissionRequirement): readonly string[] => (typeof requirement === 'string' ? [requirement] : requirement);

export function permissionManifest(kind: ProfileKind): PermissionManifest {
  const types = listResources(kind).map(requirementsOf);
  const permissions = SEED_PERMISSIONS.filter((row) => row.profile === kind).map((row): ManifestPermission => {
    const neededBy = { read: new Set<string>(), write: new Set<string>() };
    const alternativeFor = { read: new Set<string>(), write: new Set<string>() };
    if (row.type === DECLARED_TYPE) {
      for (const t of types) {
        const mark = (requirements: readonly PermissionRequirement[], side: 'read' | 'write') => {
          for (const requirement of requirements) {
            const names = options(requirement);
            if (names[0] === row.permission) neededBy[side].add(t.type);
            else if (names.includes(row.permission)) alternativeFor[side].add(t.type);
          }
        };
        mark(t.read, 'read');
        mark(t.subReads.flatMap((s) => s.requirements), 'read');
        mark(t.write, 'write');
      }
    }
    const purpose = PURPOSES[`${kind}/${row.permission}/${row.type}`]
      ?? (types.length === 0 ? `Needed by the ${kind} profile's resource types, which are not declared in the registry yet.` : undefined);
    return {
      ...row,
      neededBy: { read: [...neededBy.read], write: [...neededBy.write] },
      alternativeFor: { read: [...alternativeFor.read], write: [...alternativeFor.write] },
      ...(purpose === undefined ? {} : { purpose }),
    };
  });
  return { manifestVersion: MANIFEST_VERSION, kind, permissions };
}

export interface GrantedPermissions {
  /** Application permissions granted (the token's `roles`, by value or app-role id). */
  readonly roles: readonly string[];
  /** Delegated permissions granted (`scp`, by value or scope id). */
  readonly scopes: readonly string[];
}

export interface PermissionStatus extends ManifestPermission {
  readonly status: 'granted' | 'missing';
  /** Required since a manifest version later than the one the profile was consented with. */
  readonly newlyRequired: boolean;
}

export interface TypeStatus {
  readonly type: string;
  readonly readable: boolean;
  readonly writable: boolean;
  /** Preferred permission of each unmet read requirement. */
  readonly missingForRead: readonly string[];
  readonly missingForWrite: readonly string[];
  /** Sub-reads skipped for want of their own permission, e.g. `authenticationMethods`. */
  readonly skippedSubResources: readonly string[];
}

export interface PermissionEvaluation {
  readonly kind: ProfileKind;
  readonly manifestVersion: number;
  readonly consentedVersion: number;
  readonly permissions: readonly PermissionStatus[];
  readonly types: readonly TypeStatus[];
  readonly missingCount: number;
}

export function evaluatePermissions(kind: ProfileKind, granted: GrantedPermissions, consentedVersion: number): PermissionEvaluation {
  const manifest = permissionManifest(kind);
  const roles = new Set(granted.roles.map((r) => r.toLowerCase()));
  const scopes = new Set(granted.scopes.map((s) => s.toLowerCase()));
  const isGranted = (row: SeedPermission) => {
    const pool = row.type === 'Application' ? roles : scopes;
    return pool.has(row.permission.toLowerCase()) || pool.has(row.id.toLowerCase());
  };
  const permissions = manifest.permissions.map((row): PermissionStatus => ({
    ...row,
    status: isGranted(row) ? 'granted' : 'missing',
    newlyRequired: row.since > consentedVersion,
  }));
  const roleGranted = (name: string) => roles.has(name.toLowerCase())
    || permissions.some((p) => p.type === DECLARED_TYPE && p.permission === name && p.status === 'granted');
  const unmet = (requirements: readonly PermissionRequirement[]) =>
    requirements.filter((r) => !options(r).some(roleGranted)).map((r) => options(r)[0]!);
  const types = listResources(kind).map(requirementsOf).map((t): TypeStatus => {
    const missingForRead = unmet(t.read);
    const missingForWrite = t.write.length === 0 ? [] : unmet(t.write);
    return {
      type: t.type,
      readable: missingForRead.length === 0,
      writable: t.write.length > 0 && missingForWrite.length === 0 && missingForRead.length === 0,
      missingForRead,
      missingForWrite,
      skippedSubResources: t.subReads.filter((s) => unmet(s.requirements).length > 0).map((s) => s.name),
    };
  });
  return {
    kind,
    manifestVersion: manifest.manifestVersion,
    consentedVersion,
    permissions,
    types,
    missingCount: permissions.filter((p) => p.status === 'missing').length,
  };
}

/**
 * Where an administrator grants tenant-wide consent to the app's configured permissions:
 * `https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client-id}`
 * (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent, "Construct the
 * URL for granting tenant-wide admin consent"), on the authority host of the profile's cloud.
 */
export function adminConsentUrl(cloud: CloudEndpoints | string, tenantId: string, clientId: string): string {
  const endpoints = typeof cloud === 'string' ? resolveCloud(cloud) : cloud;
  return `${endpoints.authorityHost}/${encodeURIComponent(tenantId)}/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}

export interface RequiredResourceAccess {
  readonly resourceAppId: string;
  readonly resourceAccess: ReadonlyArray<{ readonly id: string; readonly type: 'Role' | 'Scope' }>;
}

/**
 * The app registration's `requiredResourceAccess`: one entry per resource app, in seed order,
 * app roles as `Role` and delegated scopes as `Scope`
 * (https://learn.microsoft.com/graph/api/resources/requiredresourceaccess).
 */
export function requiredResourceAccess(kind: ProfileKind): RequiredResourceAccess[] {
  const byResource = new Map<string, Array<{ id: string; type: 'Role' | 'Scope' }>>();
  for (const row of SEED_PERMISSIONS.filter((r) => r.profile === kind)) {
    const list = byResource.get(row.resourceAppId) ?? [];
    list.push({ id: row.id, type: row.type === 'Application' ? 'Role' : 'Scope' });
    byResource.set(row.resourceAppId, list);
  }
  return [...byResource].map(([resourceAppId, resourceAccess]) => ({ resourceAppId, resourceAccess }));
}

/** The permissions to name when Graph refuses a type: the preferred option of each requirement. */
export function permissionsForType(declaration: ResourceDeclaration, side: 'read' | 'write' = 'read'): string[] {
  return declaration.permissions[side].map((r) => options(r)[0]!);
}
