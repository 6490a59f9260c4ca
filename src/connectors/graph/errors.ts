/**
 * Graph and sign-in failures as TenantVaultErrors with a code and a hint a person can act on.
 *
 * HTTP: 401 → AUTH_FAILED; 403 → PERMISSION_MISSING naming the permissions the type needs and
 * the admin-consent URL (DESIGN invariant 6); 404 → ITEM_NOT_FOUND; `syncStateNotFound` or a
 * 410 on a delta link → DELTA_EXPIRED (facts §3.4); 429 → THROTTLED; 5xx → SERVICE_UNAVAILABLE;
 * anything else → SERVICE_ERROR with Graph's own code and message.
 * Sign-in: the AADSTS code in an @azure/identity error decides the hint (wrong secret, expired
 * secret, unknown app, unknown tenant, certificate not registered …).
 */
import { TenantVaultError } from '../../errors/index.js';

export interface GraphErrorContext {
  readonly method: string;
  /** Path or URL of the request, for the message (never carries a secret). */
  readonly url: string;
  readonly type?: string;
  /** Permissions that would allow the request (from the registry). */
  readonly permissions?: readonly string[];
  readonly consentUrl?: string;
  /** The request followed a delta link: 410 means the link expired. */
  readonly delta?: boolean;
  readonly location?: string | null;
  readonly requestId?: string | null;
}

interface GraphErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly innerError?: { readonly 'request-id'?: string; readonly code?: string };
}

function errorBody(body: unknown): GraphErrorBody {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) return error as GraphErrorBody;
  }
  return {};
}

/** Strips the query (it may carry skip tokens) so messages stay short and token-free. */
function shortUrl(url: string): string {
  return url.replace(/\?.*$/, '');
}

export function graphError(status: number, body: unknown, context: GraphErrorContext): TenantVaultError {
  const error = errorBody(body);
  const graphCode = error.code ?? `HTTP ${status}`;
  const graphMessage = error.message ?? (typeof body === 'string' && body.length > 0 ? body.slice(0, 300) : 'no message');
  const what = `${context.method} ${shortUrl(context.url)}${context.type ? ` (${context.type})` : ''}`;
  const details = {
    status, graphCode, graphMessage, ...(context.type ? { type: context.type } : {}),
    ...(context.requestId ?? error.innerError?.['request-id'] ? { requestId: context.requestId ?? error.innerError?.['request-id'] } : {}),
  };
  if (graphCode === 'syncStateNotFound' || graphCode === 'resyncRequired' || (status === 410 && context.delta)) {
    return new TenantVaultError('DELTA_EXPIRED', `The delta link of ${context.type ?? 'this collection'} expired: ${graphMessage}`, {
      details: { ...details, ...(context.location ? { location: context.location } : {}) },
    });
  }
  switch (true) {
    case status === 401:
      return new TenantVaultError('AUTH_FAILED', `Graph refused the token for ${what}: ${graphMessage}`, {
        hint: 'Check the profile\'s tenant, client ID and credential, and that it points at the right cloud.',
        details,
      });
    case status === 403: {
      const permissions = context.permissions ?? [];
      const grant = permissions.length > 0 ? `Grant ${permissions.join(' and ')} (application permission)` : 'Grant the permission this request needs';
      const consent = context.consentUrl ? ` and admin consent: ${context.consentUrl}` : ' and admin consent';
      return new TenantVaultError('PERMISSION_MISSING', `Graph denied ${what}: ${graphMessage}`, {
        hint: `${grant}${consent}. See \`tenant-vault permissions PROFILE\`.`,
        details: { ...details, permissions, ...(context.consentUrl ? { consentUrl: context.consentUrl } : {}) },
      });
    }
    case status === 404:
      return new TenantVaultError('ITEM_NOT_FOUND', `Not found in the tenant: ${what}: ${graphMessage}`, {
        hint: 'The object no longer exists in the tenant, or the path is wrong for this API version.',
        details,
      });
    case status === 429:
      return new TenantVaultError('THROTTLED', `Graph kept throttling ${what}: ${graphMessage}`, { details });
    case status >= 500:
      return new TenantVaultError('SERVICE_UNAVAILABLE', `Graph failed on ${what}: ${graphCode}: ${graphMessage}`, { details });
    default:
      return new TenantVaultError('SERVICE_ERROR', `Graph refused ${what}: ${graphCode}: ${graphMessage}`, { details });
  }
}

/** Hints per AADSTS code (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
const AADSTS_HINTS: ReadonlyArray<readonly [string, string]> = [
  ['7000215', 'The client secret is wrong: copy the secret value (not its ID) into the profile\'s secret variable.'],
  ['7000222', 'The client secret has expired: create a new one for the app and update the profile.'],
  ['700016', 'No app with this client ID exists in the tenant: check --client-id, or grant admin consent in this tenant first.'],
  ['90002', 'The tenant was not found: check --tenant and --cloud (a GCC High or 21Vianet tenant needs its own cloud).'],
  ['900023', 'The tenant is not a valid tenant ID or domain: check --tenant.'],
  ['700027', 'The certificate was refused: upload its public part to the app registration, or check that the file holds the matching key.'],
  ['7000112', 'The application is disabled in the tenant: enable its service principal.'],
  ['500011', 'The resource (API) is not available in the tenant: for Exchange, the tenant needs Exchange Online.'],
  ['50126', 'Invalid credentials.'],
];

export interface SignInContext {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authorityHost: string;
}

/** Maps a failure from `credential.getToken` to AUTH_FAILED (or NETWORK when the login host is unreachable). */
export function signInError(err: unknown, context: SignInContext): TenantVaultError {
  if (err instanceof TenantVaultError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = /AADSTS(\d+)/.exec(message)?.[1];
  const causeCode = (err as { cause?: { code?: string }; code?: string } | undefined)?.code ?? (err as { cause?: { code?: string } } | undefined)?.cause?.code;
  if (!code && (causeCode === 'ENOTFOUND' || causeCode === 'ECONNREFUSED' || /ENOTFOUND|ECONNREFUSED|getaddrinfo/.test(message))) {
    return new TenantVaultError('NETWORK', `Cannot reach the sign-in service at ${context.authorityHost}`, { cause: err });
  }
  const hint = AADSTS_HINTS.find(([c]) => c === code)?.[1]
    ?? 'Check the profile\'s tenant, client ID and secret or certificate, and its cloud.';
  const firstLine = message.split('\n')[0] ?? message;
  return new TenantVaultError('AUTH_FAILED', `Sign-in as app ${context.clientId} in tenant ${context.tenantId} failed${code ? ` (AADSTS${code})` : ''}: ${firstLine}`, {
    hint,
    cause: err,
    details: { tenantId: context.tenantId, clientId: context.clientId, ...(code ? { aadsts: `AADSTS${code}` } : {}) },
  });
}
