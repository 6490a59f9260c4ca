/**
 * `tenant-vault permissions PROFILE`: every permission of the profile's manifest with its type,
 * the resource types that need it, whether the app has it (from its tokens' `roles` and its
 * tenant-wide delegated grants — sign-in.ts), and whether it became required after the manifest
 * version the app was consented with; missing ones come with the admin-consent URL.
 */
import { adminConsentUrl, evaluatePermissions, type PermissionStatus, type TypeStatus } from '../../connectors/index.js';
import type { Repository } from '../../repository/index.js';
import { connect, type ConnectOptions } from './connect.js';
import { probePermissions } from './sign-in.js';
import { profileStore } from './store.js';

export interface PermissionLine {
  readonly api: string;
  readonly permission: string;
  readonly type: 'Application' | 'Delegated';
  readonly status: 'granted' | 'missing';
  /** Required since a manifest version after the one consented. */
  readonly newlyRequired: boolean;
  /** Resource types for which this is the permission to grant. */
  readonly neededBy: { readonly read: readonly string[]; readonly write: readonly string[] };
  /** Resource types for which it is an accepted alternative. */
  readonly alternativeFor: { readonly read: readonly string[]; readonly write: readonly string[] };
  readonly purpose?: string;
  readonly id: string;
}

export interface PermissionsReport {
  readonly profile: string;
  readonly kind: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly manifestVersion: number;
  readonly consentedVersion: number;
  readonly granted: number;
  readonly missing: number;
  /** Where an administrator grants what is missing (present when something is). */
  readonly consentUrl: string;
  readonly permissions: readonly PermissionLine[];
  /** Resource types that cannot be backed up (read) or restored (written) with these grants. */
  readonly types: readonly TypeStatus[];
  /** What could not be learned (no Exchange Online, grants unreadable, …). */
  readonly notes: readonly string[];
}

function line(p: PermissionStatus): PermissionLine {
  return {
    api: p.api, permission: p.permission, type: p.type, status: p.status, newlyRequired: p.newlyRequired,
    neededBy: p.neededBy, alternativeFor: p.alternativeFor, ...(p.purpose ? { purpose: p.purpose } : {}), id: p.id,
  };
}

export async function profilePermissions(repo: Repository, name: string, options: ConnectOptions & { signal?: AbortSignal } = {}): Promise<PermissionsReport> {
  const profile = await profileStore(repo).get(name, options);
  const connection = connect(profile, options);
  const probe = await probePermissions(connection, { exchange: true, delegated: true, ...(options.signal ? { signal: options.signal } : {}) });
  const evaluation = evaluatePermissions(profile.kind, probe.granted, profile.consentedVersion);
  const permissions = evaluation.permissions.map(line);
  return {
    profile: profile.name,
    kind: profile.kind,
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    manifestVersion: evaluation.manifestVersion,
    consentedVersion: evaluation.consentedVersion,
    granted: permissions.filter((p) => p.status === 'granted').length,
    missing: evaluation.missingCount,
    consentUrl: adminConsentUrl(connection.cloud, profile.tenantId, profile.clientId),
    permissions,
    types: evaluation.types.filter((t) => !t.readable || t.missingForWrite.length > 0 || t.skippedSubResources.length > 0),
    notes: probe.notes,
  };
}
