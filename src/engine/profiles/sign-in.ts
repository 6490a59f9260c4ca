/**
 * What an app profile can do, learned from Entra itself: sign in once (which proves the
 * credential and gives the tenant GUID, `tid`), and read the permissions granted to the app —
 * application permissions from the access tokens' `roles` claim (one token per resource: Graph,
 * and Exchange Online for `Exchange.ManageAsApp`), delegated ones from the service principal's
 * tenant-wide (`AllPrincipals`) oauth2PermissionGrants.
 *
 * Tokens are decoded, not verified: they come straight from the authority over TLS and are only
 * read for their claims (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference:
 * `tid`, `roles` for app-only tokens, `scp` for delegated ones).
 *
 * Guarantees: a credential the authority refuses is AUTH_FAILED (exit status from the table) with
 * a hint; a resource the tenant does not offer (no Exchange Online) is a note, not a failure.
 */
import { decodeJwt } from 'jose';
import { TenantVaultError, isTenantVaultError } from '../../errors/index.js';
import type { GrantedPermissions } from '../../connectors/index.js';
import type { Connection } from './connect.js';

export interface TokenClaims {
  readonly tenantId: string;
  readonly appId: string | undefined;
  readonly audience: string | undefined;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

export function decodeAccessToken(token: string): TokenClaims {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch (cause) {
    throw new TenantVaultError('AUTH_FAILED', 'The sign-in service returned an access token that is not a JWT', { cause });
  }
  const tid = claims.tid;
  if (typeof tid !== 'string' || tid.length === 0) throw new TenantVaultError('AUTH_FAILED', 'The access token names no tenant (tid)');
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter((s) => s.length > 0) : [];
  const appId = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined;
  const audience = typeof claims.aud === 'string' ? claims.aud : undefined;
  return { tenantId: tid, appId, audience, roles, scopes };
}

type TokenSource = Pick<Connection, 'credential' | 'cloud'>;

/** Signs in for Graph and returns the token's claims; AUTH_FAILED when the authority refuses. */
export async function signIn(connection: TokenSource, options: { signal?: AbortSignal } = {}): Promise<TokenClaims> {
  const token = await connection.credential.getToken(connection.cloud.graphScope, { abortSignal: options.signal });
  if (!token) throw new TenantVaultError('AUTH_FAILED', 'The sign-in service returned no token');
  return decodeAccessToken(token.token);
}

export interface PermissionProbe {
  readonly tenantId: string;
  readonly granted: GrantedPermissions;
  /** What could not be learned and why (no Exchange Online, grants not readable, …). */
  readonly notes: readonly string[];
}

export interface ProbeOptions {
  readonly signal?: AbortSignal;
  /** Also ask for an Exchange Online token (for `Exchange.ManageAsApp`). */
  readonly exchange?: boolean;
  /** Also read the delegated (AllPrincipals) grants of the app's service principal. */
  readonly delegated?: boolean;
}

/** The permissions granted to the profile's app, from its tokens (and grants when asked). */
export async function probePermissions(connection: Connection, options: ProbeOptions = {}): Promise<PermissionProbe> {
  const { signal } = options;
  const graph = await signIn(connection, { signal });
  const roles = new Set(graph.roles);
  const scopes = new Set<string>();
  const notes: string[] = [];
  if (options.exchange) {
    try {
      const token = await connection.credential.getToken(connection.cloud.exchangeScope, { abortSignal: signal });
      if (token) for (const role of decodeAccessToken(token.token).roles) roles.add(role);
    } catch (err) {
      if (!isTenantVaultError(err, 'AUTH_FAILED')) throw err;
      notes.push(`No Exchange Online token: ${err.message}`);
    }
  }
  if (options.delegated) {
    try {
      for (const scope of await delegatedScopes(connection, signal)) scopes.add(scope);
    } catch (err) {
      if (!isTenantVaultError(err, 'PERMISSION_MISSING') && !isTenantVaultError(err, 'ITEM_NOT_FOUND')) throw err;
      notes.push(`Delegated grants could not be read: ${err.message}`);
    }
  }
  return { tenantId: graph.tenantId, granted: { roles: [...roles], scopes: [...scopes] }, notes };
}

/** Scopes of the tenant-wide delegated grants whose client is this app's service principal. */
async function delegatedScopes(connection: Connection, signal: AbortSignal | undefined): Promise<string[]> {
  const { graph, profile } = connection;
  const sps = await graph.request<{ value?: Array<{ id?: string }> }>('/servicePrincipals', {
    query: { $filter: `appId eq '${profile.clientId}'`, $select: 'id' }, type: 'servicePrincipal', ...(signal ? { signal } : {}),
  });
  const spId = sps.body.value?.[0]?.id;
  if (!spId) return [];
  const scopes: string[] = [];
  for await (const grant of graph.items<{ consentType?: string; scope?: string }>('/oauth2PermissionGrants', {
    query: { $filter: `clientId eq '${spId}'` }, type: 'oAuth2PermissionGrant', ...(signal ? { signal } : {}),
  })) {
    if (grant.consentType === 'AllPrincipals' && typeof grant.scope === 'string') scopes.push(...grant.scope.split(' ').filter((s) => s.length > 0));
  }
  return scopes;
}
