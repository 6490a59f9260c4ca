/**
 * Opening a backup (or a live read) through a profile: load the profile from the repository,
 * connect, sign in, and decide up front — from the permissions in the token (DESIGN invariant 6)
 * — which of the chosen types can be read, which sub-resources must be skipped, and why.
 *
 * Guarantees: an unknown type name is USAGE naming the known ones; a refused credential is
 * AUTH_FAILED; a type the token cannot read is reported with the permission to grant, the
 * profile and the admin-consent URL, and no request is sent for it.
 */
import {
  adminConsentUrl, classifyRequest, evaluatePermissions, getResource, listResources,
  type PermissionEvaluation, type ResourceDeclaration, type SubResourceSpec,
} from '../../connectors/index.js';
import type { Repository } from '../../repository/index.js';
import { connect, probePermissions, profileStore, type ConnectOptions, type Connection, type PermissionProbe, type Profile } from '../profiles/index.js';

export interface SessionOptions extends ConnectOptions {
  readonly signal?: AbortSignal;
  /** Type names; default every type of the profile's kind. */
  readonly types?: readonly string[];
  /** Opt-in sub-resources to read, as `type.name` (`user.authenticationMethods`). */
  readonly include?: readonly string[];
}

export interface UnreadableType {
  readonly type: string;
  readonly permissions: readonly string[];
  readonly reason: string;
}

export interface SkippedSub {
  readonly type: string;
  readonly sub: string;
  readonly reason: string;
  /** A permission is missing (warned), as opposed to an opt-in left off (noted). */
  readonly permission: boolean;
}

export interface Session {
  readonly profile: Profile;
  readonly connection: Connection;
  readonly probe: PermissionProbe;
  readonly evaluation: PermissionEvaluation;
  readonly consentUrl: string;
  /** The chosen types, in registry order. */
  readonly types: readonly ResourceDeclaration[];
  readonly readable: readonly ResourceDeclaration[];
  readonly unreadable: readonly UnreadableType[];
  readonly skippedSubs: readonly SkippedSub[];
}

/** The chosen types of a profile kind, in registry order; unknown names are USAGE (from getResource). */
export function chooseTypes(kind: Profile['kind'], names: readonly string[] | undefined): ResourceDeclaration[] {
  const all = listResources(kind);
  if (!names || names.length === 0) return all;
  const wanted = new Set(names.map((name) => getResource(name).name));
  return all.filter((d) => wanted.has(d.name));
}

/**
 * Sub-resources throttled under the identity-and-access reports limit (5 requests per 10 s per app
 * and tenant — user authentication methods): read only when asked, or a large tenant's backup
 * would take days (docs/decisions/0003, "Consequences").
 */
export function isOptInSub(sub: SubResourceSpec): boolean {
  if (!sub.path) return false;
  return classifyRequest({ method: 'GET', url: sub.path.replace('{id}', '00000000-0000-0000-0000-000000000001') }).charges.some((c) => c.bucket === 'reports');
}

export async function openSession(repo: Repository, profileOrName: Profile | string, options: SessionOptions = {}): Promise<Session> {
  const profile = typeof profileOrName === 'string' ? await profileStore(repo).get(profileOrName, { signal: options.signal }) : profileOrName;
  const types = chooseTypes(profile.kind, options.types);
  const connection = connect(profile, options);
  const needsExchange = types.some((d) => d.endpoint === 'exchange' || d.subResources.some((s) => s.command));
  const probe = await probePermissions(connection, { exchange: needsExchange, ...(options.signal ? { signal: options.signal } : {}) });
  const evaluation = evaluatePermissions(profile.kind, probe.granted, profile.consentedVersion);
  const consentUrl = adminConsentUrl(connection.cloud, profile.tenantId, profile.clientId);
  const byType = new Map(evaluation.types.map((t) => [t.type, t]));
  const include = new Set(options.include ?? []);
  const readable: ResourceDeclaration[] = [];
  const unreadable: UnreadableType[] = [];
  const skippedSubs: SkippedSub[] = [];
  for (const declaration of types) {
    const status = byType.get(declaration.name);
    if (status && !status.readable) {
      unreadable.push({
        type: declaration.name,
        permissions: status.missingForRead,
        reason: `missing application permission ${status.missingForRead.join(', ')} for profile ${profile.name}; grant admin consent: ${consentUrl}`,
      });
      continue;
    }
    readable.push(declaration);
    for (const sub of declaration.subResources) {
      if (status?.skippedSubResources.includes(sub.name)) {
        const missing = (sub.permissions ?? []).map((p) => (typeof p === 'string' ? p : p[0]!));
        skippedSubs.push({
          type: declaration.name, sub: sub.name, permission: true,
          reason: `missing application permission ${missing.join(', ')} for profile ${profile.name}; grant admin consent: ${consentUrl}`,
        });
      } else if (isOptInSub(sub) && !include.has(`${declaration.name}.${sub.name}`)) {
        skippedSubs.push({
          type: declaration.name, sub: sub.name, permission: false,
          reason: `read only on request (--include ${declaration.name}.${sub.name}): Graph allows 5 such requests per 10 s`,
        });
      }
    }
  }
  return { profile, connection, probe, evaluation, consentUrl, types, readable, unreadable, skippedSubs };
}
