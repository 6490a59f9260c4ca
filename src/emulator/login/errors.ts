/**
 * Entra (AAD STS) error responses: `{error, error_description, error_codes, timestamp, trace_id,
 * correlation_id, error_uri}` with `AADSTSnnnnn:` messages, as the v2.0 token endpoint returns
 * them and MSAL parses them. Messages follow the published AADSTS error reference
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 */
import { randomUUID } from 'node:crypto';

export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
  ) {
    super(`AADSTS${code}: ${message}`);
  }
}

export function stsErrorBody(err: StsError, nowMs: number, correlationId?: string): Record<string, unknown> {
  const traceId = randomUUID();
  const corr = correlationId ?? randomUUID();
  const timestamp = new Date(nowMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error: err.error,
    error_description: `${err.message} Trace ID: ${traceId} Correlation ID: ${corr} Timestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: corr,
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
  };
}

export const sts = {
  tenantNotFound: (tenant: string) =>
    new StsError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  appNotFound: (clientId: string, tenant: string) =>
    new StsError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
  invalidSecret: (clientId: string) =>
    new StsError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  expiredSecret: (clientId: string) =>
    new StsError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired.`),
  missingCredential: () =>
    new StsError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  invalidAssertion: (detail: string) => new StsError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${detail}`),
  assertionExpired: () => new StsError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  unknownCertificate: (clientId: string) =>
    new StsError(401, 'invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`),
  badScope: (scope: string) =>
    new StsError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  resourceNotFound: (resource: string, tenant: string) =>
    new StsError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  missingServicePrincipal: (clientId: string) =>
    new StsError(401, 'unauthorized_client', 7000229, `The client application ${clientId} is missing service principal in the tenant.`),
  unsupportedGrant: (grant: string) => new StsError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  missingParameter: (name: string) => new StsError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  invalidGrant: (detail: string) => new StsError(400, 'invalid_grant', 70008, detail),
  pkceFailed: () => new StsError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  authorizationPending: () => new StsError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  deviceCodeExpired: () => new StsError(400, 'expired_token', 70020, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  badRedirect: (uri: string, clientId: string) =>
    new StsError(400, 'invalid_request', 50011, `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`),
} as const;
