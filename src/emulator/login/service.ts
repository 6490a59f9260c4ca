/**
 * The emulated Entra sign-in endpoints (Microsoft identity platform v2.0):
 *
 * - `POST /{tenant}/oauth2/v2.0/token` — client credentials (client secret, or certificate via a
 *   `client_assertion` JWT verified against the app's registered `keyCredentials`), authorization
 *   code + PKCE, device code polling (`authorization_pending` until approved), refresh tokens;
 * - `POST /{tenant}/oauth2/v2.0/devicecode`, `GET /{tenant}/oauth2/v2.0/authorize` (auto-approves
 *   for the tenant's sign-in user and redirects with a code);
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /{tenant}/discovery/v2.0/keys`,
 *   `GET /common/discovery/instance` (MSAL's instance discovery, pointing back at this host).
 *
 * `{tenant}` is the tenant GUID, a domain of the tenant, `organizations` or `common` (resolved by
 * the client ID). Tokens: see tokens.ts. `roles` come from the client service principal's
 * appRoleAssignments to the resource service principal, `scp` from oauth2PermissionGrants, at the
 * moment the token is issued. Errors have AAD's shape (errors.ts).
 *
 * Not emulated: interactive UI, MFA, conditional access at sign-in, ROPC, on-behalf-of.
 */
import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { compactVerify, decodeProtectedHeader, decodeJwt, importX509 } from 'jose';
import type { Clock } from '../../clock.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { applicationByAppId, grantDelegated, grantedRoles, grantedScopes, servicePrincipalByAppId } from '../directory/apps.js';
import { StsError, sts, stsErrorBody } from './errors.js';
import { FIRST_PARTY_APPS } from './first-party.js';
import { signJwt, type SigningKey } from './tokens.js';

export interface LoginHost {
  readonly clock: Clock;
  readonly key: SigningKey;
  /** Finds a tenant by GUID or domain; `common`/`organizations` are resolved by client ID. */
  resolveTenant(segment: string, clientId?: string): TenantState | undefined;
  /** The user delegated flows sign in as. */
  signInUser(tenant: TenantState, loginHint?: string): Entity | undefined;
  readonly settings: LoginSettings;
}

export interface LoginSettings {
  /** Access-token lifetime (default 3,599 s, as Entra's). */
  tokenLifetimeSeconds: number;
  /** Polling interval the device-code response asks for (default 5 s; tests use 0). */
  deviceCodeIntervalSeconds: number;
}

export interface LoginRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly form: URLSearchParams;
  readonly origin: string;
}

export interface LoginResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface DeviceCodeEntry {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly scope: string;
  readonly expiresAtMs: number;
  approvedUserId?: string;
  polls: number;
}

interface AuthCodeEntry {
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly userId: string;
  readonly challenge: string | undefined;
  readonly method: string | undefined;
  readonly nonce: string | undefined;
  readonly expiresAtMs: number;
}

interface RefreshEntry {
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scope: string;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface ResolvedResource {
  readonly sp: Entity;
  readonly audience: string;
  /** The scope values requested on this resource (`.default` → all granted). */
  readonly requested: string[];
  readonly isDefault: boolean;
}

export class LoginService {
  /** Emits `devicecode:poll` ({userCode, polls}) and `devicecode:approved` ({userCode}) for tests. */
  readonly events = new EventEmitter();
  private deviceCodes = new Map<string, DeviceCodeEntry>();
  private authCodes = new Map<string, AuthCodeEntry>();
  private refreshTokens = new Map<string, RefreshEntry>();

  constructor(private readonly host: LoginHost) {}

  /** Handles a login request, or returns undefined when the path is not a login endpoint. */
  async handle(req: LoginRequest): Promise<LoginResponse | undefined> {
    const segs = req.path.split('/').filter(Boolean);
    const [tenantSeg, ...rest] = segs;
    if (!tenantSeg) return undefined;
    const tail = rest.join('/').toLowerCase();
    try {
      if (tail === 'discovery/instance' && req.method === 'GET') return this.instanceDiscovery(req);
      if ((tail === 'v2.0/.well-known/openid-configuration' || tail === '.well-known/openid-configuration') && req.method === 'GET') {
        return this.openIdConfiguration(req, tenantSeg, tail.startsWith('v2.0'));
      }
      if ((tail === 'discovery/v2.0/keys' || tail === 'discovery/keys') && req.method === 'GET') {
        return { status: 200, body: { keys: [this.host.key.jwk] } };
      }
      if (tail === 'oauth2/v2.0/token' && req.method === 'POST') return await this.token(req, tenantSeg);
      if (tail === 'oauth2/v2.0/devicecode' && req.method === 'POST') return this.deviceCode(req, tenantSeg);
      if (tail === 'oauth2/v2.0/authorize' && req.method === 'GET') return this.authorize(req, tenantSeg);
    } catch (err) {
      if (err instanceof StsError) return { status: err.status, body: stsErrorBody(err, this.host.clock.now(), req.form.get('client-request-id') ?? undefined) };
      throw err;
    }
    return undefined;
  }

  private instanceDiscovery(req: LoginRequest): LoginResponse {
    const endpoint = req.query.get('authorization_endpoint') ?? `${req.origin}/common/oauth2/v2.0/authorize`;
    let tenantSeg = 'common';
    let origin = req.origin;
    try {
      // The answer names the host the client asked about (its authority), as AAD's does.
      const asked = new URL(endpoint);
      tenantSeg = asked.pathname.split('/').filter(Boolean)[0] ?? 'common';
      origin = asked.origin;
    } catch {
      // keep the request's own origin and `common`
    }
    const host = new URL(origin).host;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${origin}/${tenantSeg}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  }

  private openIdConfiguration(req: LoginRequest, tenantSeg: string, v2: boolean): LoginResponse {
    const generic = ['common', 'organizations', 'consumers'].includes(tenantSeg.toLowerCase());
    const tenant = generic ? undefined : this.host.resolveTenant(tenantSeg);
    if (!generic && !tenant) throw sts.tenantNotFound(tenantSeg);
    const tid = tenant?.tenantId ?? '{tenantid}';
    const base = `${req.origin}/${tenant?.tenantId ?? tenantSeg}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${req.origin}/${tenant?.tenantId ?? tenantSeg}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: v2 ? `${req.origin}/${tid}/v2.0` : `https://sts.windows.net/${tid}/`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${req.origin}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
    };
  }

  private tenantFor(segment: string, clientId: string | null): TenantState {
    const tenant = this.host.resolveTenant(segment, clientId ?? undefined);
    if (!tenant) throw sts.tenantNotFound(segment);
    return tenant;
  }

  /** The resource a scope list asks for (one resource per request, as Entra requires). */
  resolveResource(tenant: TenantState, scopeParam: string): ResolvedResource {
    const scopes = scopeParam.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
    let identifier = 'https://graph.microsoft.com';
    const requested: string[] = [];
    let isDefault = scopes.length === 0;
    for (const s of scopes) {
      const slash = s.lastIndexOf('/');
      const looksLikeResource = slash > 0 && (s.includes('://') || /^[0-9a-f-]{36}\//i.test(s) || s.startsWith('api://'));
      if (looksLikeResource) {
        identifier = s.slice(0, slash);
        const value = s.slice(slash + 1);
        if (value === '.default') isDefault = true;
        else requested.push(value);
      } else requested.push(s);
    }
    const normalized = identifier.replace(/\/+$/, '');
    let sp: Entity | undefined;
    for (const candidate of tenant.store('servicePrincipals').values()) {
      const names = [candidate.appId as string, ...((candidate.servicePrincipalNames as string[] | undefined) ?? [])].map((n) => n.replace(/\/+$/, '').toLowerCase());
      if (names.includes(normalized.toLowerCase())) {
        sp = candidate;
        break;
      }
    }
    const firstParty = FIRST_PARTY_APPS.find((a) => a.appId === sp?.appId || a.identifierUris.some((u) => u.replace(/\/+$/, '') === normalized));
    if (!sp && firstParty) sp = servicePrincipalByAppId(tenant, firstParty.appId);
    if (!sp) throw sts.resourceNotFound(identifier, tenant.tenantId);
    // A GUID names the resource by appId; URIs of first-party resources map to their usual audience.
    const audience = /^[0-9a-f-]{36}$/i.test(normalized) ? normalized : firstParty ? firstParty.audience : normalized;
    return { sp, audience, requested, isDefault };
  }

  private async token(req: LoginRequest, tenantSeg: string): Promise<LoginResponse> {
    const f = req.form;
    const grant = f.get('grant_type');
    const clientId = f.get('client_id');
    if (!grant) throw sts.missingParameter('grant_type');
    if (!clientId && grant !== 'refresh_token') throw sts.missingParameter('client_id');
    const tenant = this.tenantFor(tenantSeg, clientId);
    switch (grant) {
      case 'client_credentials': {
        const scope = f.get('scope') ?? '';
        const { app, sp, acr } = await this.authenticateClient(req, tenant, clientId as string, true);
        const resource = this.resolveResource(tenant, scope);
        if (!resource.isDefault || resource.requested.length > 0) throw sts.badScope(scope);
        const roles = grantedRoles(tenant, sp.id, resource.sp);
        const token = await this.accessToken(tenant, { app, sp, acr, audience: resource.audience, roles });
        return this.tokenResponse(token, undefined, undefined, undefined, scope);
      }
      case 'authorization_code': {
        const code = f.get('code');
        if (!code) throw sts.missingParameter('code');
        const entry = this.authCodes.get(code);
        this.authCodes.delete(code);
        if (!entry || entry.tenantId !== tenant.tenantId || entry.clientId !== clientId || entry.expiresAtMs < this.host.clock.now()) {
          throw sts.invalidGrant('Invalid authorization code: the code is unknown, expired or was already redeemed.');
        }
        if (entry.challenge) {
          const verifier = f.get('code_verifier') ?? '';
          const computed = entry.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
          if (computed !== entry.challenge) throw sts.pkceFailed();
        }
        const { app, sp, acr } = await this.authenticateClient(req, tenant, clientId as string, false);
        return this.delegatedTokens(req, tenant, app, sp, acr, entry.userId, f.get('scope') ?? entry.scope, entry.nonce);
      }
      case 'device_code':
      case DEVICE_GRANT: {
        const deviceCode = f.get('device_code') ?? f.get('code');
        const entry = [...this.deviceCodes.values()].find((d) => d.deviceCode === deviceCode);
        if (!entry || entry.tenantId !== tenant.tenantId) throw sts.invalidGrant('Invalid device code.');
        if (entry.expiresAtMs < this.host.clock.now()) throw sts.deviceCodeExpired();
        entry.polls++;
        const approved = entry.approvedUserId !== undefined;
        // Listeners may approve the code now; this poll still answers as decided above.
        this.events.emit('devicecode:poll', { userCode: entry.userCode, polls: entry.polls, approved });
        if (!approved) throw sts.authorizationPending();
        this.deviceCodes.delete(entry.userCode);
        const { app, sp, acr } = await this.authenticateClient(req, tenant, entry.clientId, false);
        return this.delegatedTokens(req, tenant, app, sp, acr, entry.approvedUserId as string, entry.scope, undefined);
      }
      case 'refresh_token': {
        const rt = f.get('refresh_token') ?? '';
        const entry = this.refreshTokens.get(rt);
        if (!entry || entry.tenantId !== tenant.tenantId) throw sts.invalidGrant('The refresh token is invalid or has expired.');
        const { app, sp, acr } = await this.authenticateClient(req, tenant, entry.clientId, false);
        return this.delegatedTokens(req, tenant, app, sp, acr, entry.userId, f.get('scope') ?? entry.scope, undefined);
      }
      default:
        throw sts.unsupportedGrant(grant);
    }
  }

  /** Checks the client's credentials; public clients may omit them unless `required`. */
  private async authenticateClient(req: LoginRequest, tenant: TenantState, clientId: string, required: boolean): Promise<{ app: Entity; sp: Entity; acr: '0' | '1' | '2' }> {
    const app = applicationByAppId(tenant, clientId);
    if (!app) throw sts.appNotFound(clientId, tenant.tenantId);
    const sp = servicePrincipalByAppId(tenant, clientId);
    if (!sp) throw sts.missingServicePrincipal(clientId);
    const f = req.form;
    const secret = f.get('client_secret');
    const assertion = f.get('client_assertion');
    if (secret !== null) {
      const now = this.host.clock.now();
      let expired = false;
      for (const s of tenant.secrets.values()) {
        if (s.appId !== clientId || s.secretText !== secret) continue;
        const cred = ((app.passwordCredentials as Entity[] | undefined) ?? []).find((c) => c.keyId === s.keyId);
        if (!cred) continue;
        if (s.endDateTime && Date.parse(s.endDateTime) < now) {
          expired = true;
          continue;
        }
        return { app, sp, acr: '1' };
      }
      throw expired ? sts.expiredSecret(clientId) : sts.invalidSecret(clientId);
    }
    if (assertion !== null) {
      if (f.get('client_assertion_type') !== ASSERTION_TYPE) throw sts.missingParameter('client_assertion_type');
      await this.verifyAssertion(req, tenant, app, clientId, assertion);
      return { app, sp, acr: '2' };
    }
    // Public clients (device code, native apps, SPAs) sign users in without a credential.
    const publicRedirects = [
      ...(((app.publicClient as Entity | undefined)?.redirectUris as string[] | undefined) ?? []),
      ...(((app.spa as Entity | undefined)?.redirectUris as string[] | undefined) ?? []),
    ];
    if (required || (app.isFallbackPublicClient !== true && publicRedirects.length === 0)) throw sts.missingCredential();
    return { app, sp, acr: '0' };
  }

  private async verifyAssertion(req: LoginRequest, tenant: TenantState, app: Entity, clientId: string, assertion: string): Promise<void> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw sts.invalidAssertion('The assertion is not a well-formed JWT.');
    }
    const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
    const x5t256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
    const now = this.host.clock.now();
    const creds = ((app.keyCredentials as Entity[] | undefined) ?? []).filter((k) => k.type === 'AsymmetricX509Cert' && typeof k.key === 'string');
    const cred = creds.find((k) => {
      const der = Buffer.from(k.key as string, 'base64');
      return (x5t && createHash('sha1').update(der).digest('base64url') === x5t.replace(/=+$/, '')) ||
        (x5t256 && createHash('sha256').update(der).digest('base64url') === x5t256.replace(/=+$/, ''));
    });
    if (!cred) throw sts.unknownCertificate(clientId);
    if (typeof cred.endDateTime === 'string' && Date.parse(cred.endDateTime) < now) throw sts.unknownCertificate(clientId);
    const pem = new X509Certificate(Buffer.from(cred.key as string, 'base64')).toString();
    const alg = header.alg ?? 'RS256';
    try {
      const key = await importX509(pem, alg);
      await compactVerify(assertion, key);
    } catch {
      throw sts.invalidAssertion('The signature does not match the registered certificate.');
    }
    const nowS = Math.floor(now / 1000);
    if (typeof claims.exp !== 'number' || claims.exp + 300 < nowS || (typeof claims.nbf === 'number' && claims.nbf - 300 > nowS)) throw sts.assertionExpired();
    if (claims.iss !== clientId || claims.sub !== clientId) throw sts.invalidAssertion('The iss and sub claims must be the client ID.');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === 'string' && /\/oauth2\/v2\.0\/token\/?$/.test(a))) {
      throw sts.invalidAssertion(`The audience must be the token endpoint, e.g. ${req.origin}/${tenant.tenantId}/oauth2/v2.0/token.`);
    }
  }

  private async accessToken(
    tenant: TenantState,
    p: { app: Entity; sp: Entity; acr: string; audience: string; roles?: string[]; user?: Entity; scopes?: string[] },
  ): Promise<string> {
    const now = Math.floor(this.host.clock.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: p.audience,
      iss: `https://sts.windows.net/${tenant.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + this.host.settings.tokenLifetimeSeconds,
      aio: randomBytes(24).toString('base64url'),
      app_displayname: p.app.displayName,
      appid: p.app.appId,
      azp: p.app.appId,
      appidacr: p.acr,
      idp: `https://sts.windows.net/${tenant.tenantId}/`,
      idtyp: p.user ? 'user' : 'app',
      oid: p.user ? p.user.id : p.sp.id,
      rh: `0.${randomBytes(12).toString('base64url')}.`,
      sub: p.user ? p.user.id : p.sp.id,
      tenant_region_scope: 'EU',
      tid: tenant.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    if (p.user) {
      claims.scp = (p.scopes ?? []).join(' ');
      claims.name = p.user.displayName;
      claims.upn = p.user.userPrincipalName;
      claims.unique_name = p.user.userPrincipalName;
      claims.given_name = p.user.givenName;
      claims.family_name = p.user.surname;
    } else {
      claims.roles = p.roles ?? [];
    }
    return signJwt(this.host.key, claims);
  }

  private tokenResponse(accessToken: string, idToken: string | undefined, refreshToken: string | undefined, clientInfo: string | undefined, scope: string): LoginResponse {
    const lifetime = this.host.settings.tokenLifetimeSeconds;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
      body: {
        token_type: 'Bearer',
        scope,
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: accessToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(idToken ? { id_token: idToken } : {}),
        ...(clientInfo ? { client_info: clientInfo } : {}),
      },
    };
  }

  private async delegatedTokens(req: LoginRequest, tenant: TenantState, app: Entity, sp: Entity, acr: string, userId: string, scopeParam: string, nonce: string | undefined): Promise<LoginResponse> {
    const user = tenant.store('users').get(userId);
    if (!user) throw sts.invalidGrant('The signed-in user no longer exists.');
    const resource = this.resolveResource(tenant, scopeParam);
    const granted = grantedScopes(tenant, sp.id, resource.sp.id, userId);
    const scopes = resource.isDefault ? granted : resource.requested.filter((s) => granted.includes(s));
    const accessToken = await this.accessToken(tenant, { app, sp, acr, audience: resource.audience, user, scopes });
    const now = Math.floor(this.host.clock.now() / 1000);
    const requested = new Set(scopeParam.split(/\s+/));
    const idToken = requested.has('openid')
      ? await signJwt(this.host.key, {
          aud: app.appId, iss: `${req.origin}/${tenant.tenantId}/v2.0`, iat: now, nbf: now, exp: now + 3600, name: user.displayName,
          oid: user.id, preferred_username: user.userPrincipalName, sub: createHash('sha256').update(`${user.id}|${app.appId}`).digest('base64url'),
          tid: tenant.tenantId, ver: '2.0', uti: randomBytes(16).toString('base64url'), rh: `0.${randomBytes(12).toString('base64url')}.`,
          ...(nonce ? { nonce } : {}),
        })
      : undefined;
    let refresh: string | undefined;
    if (requested.has('offline_access')) {
      refresh = `1.${randomBytes(48).toString('base64url')}`;
      this.refreshTokens.set(refresh, { tenantId: tenant.tenantId, clientId: app.appId as string, userId, scope: scopeParam });
    }
    const clientInfo = Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.tenantId })).toString('base64url');
    const scopeOut = [...scopes.map((s) => (resource.audience.startsWith('http') ? `${resource.audience}/${s}` : s)), ...[...requested].filter((s) => OIDC_SCOPES.has(s))].join(' ');
    return this.tokenResponse(accessToken, idToken, refresh, clientInfo, scopeOut);
  }

  /** Grants the requested delegated scopes for the user, as consent on first sign-in would. */
  private consent(tenant: TenantState, clientId: string, userId: string, scopeParam: string): void {
    const sp = servicePrincipalByAppId(tenant, clientId);
    if (!sp) return;
    const resource = this.resolveResource(tenant, scopeParam);
    if (resource.requested.length === 0) return;
    const granted = grantedScopes(tenant, sp.id, resource.sp.id, userId);
    const missing = resource.requested.filter((s) => !granted.includes(s));
    if (missing.length > 0) grantDelegated(tenant, sp.id, resource.sp.id, missing, { principalId: userId });
  }

  private deviceCode(req: LoginRequest, tenantSeg: string): LoginResponse {
    const clientId = req.form.get('client_id');
    if (!clientId) throw sts.missingParameter('client_id');
    const tenant = this.tenantFor(tenantSeg, clientId);
    if (!applicationByAppId(tenant, clientId)) throw sts.appNotFound(clientId, tenant.tenantId);
    const scope = req.form.get('scope') ?? 'openid profile offline_access';
    this.resolveResource(tenant, scope);
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    let userCode = '';
    for (const b of randomBytes(9)) userCode += alphabet[b % alphabet.length];
    const deviceCode = `DAQABAAEAAAD${randomBytes(48).toString('base64url')}`;
    const expiresIn = 900;
    const verificationUri = `${req.origin}/_emulator/device/approve`;
    this.deviceCodes.set(userCode, {
      deviceCode, userCode, tenantId: tenant.tenantId, clientId, scope, expiresAtMs: this.host.clock.now() + expiresIn * 1000, polls: 0,
    });
    return {
      status: 200,
      body: {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: verificationUri,
        expires_in: expiresIn,
        interval: this.host.settings.deviceCodeIntervalSeconds,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  /** Approves a pending device code for the tenant's sign-in user (or the given user). */
  approveDeviceCode(userCode: string, userIdOrUpn?: string): { tenantId: string; userId: string } {
    const entry = this.deviceCodes.get(userCode.trim().toUpperCase());
    if (!entry) throw new StsError(400, 'invalid_request', 70019, `Unknown or expired device code '${userCode}'.`);
    const tenant = this.host.resolveTenant(entry.tenantId);
    const user = tenant ? this.host.signInUser(tenant, userIdOrUpn) : undefined;
    if (!tenant || !user) throw new StsError(400, 'invalid_request', 50034, `The user account ${userIdOrUpn ?? ''} does not exist in the tenant.`);
    entry.approvedUserId = user.id;
    this.consent(tenant, entry.clientId, user.id, entry.scope);
    this.events.emit('devicecode:approved', { userCode: entry.userCode });
    return { tenantId: tenant.tenantId, userId: user.id };
  }

  pendingDeviceCodes(): { userCode: string; tenantId: string; clientId: string; polls: number; approved: boolean }[] {
    return [...this.deviceCodes.values()].map((d) => ({ userCode: d.userCode, tenantId: d.tenantId, clientId: d.clientId, polls: d.polls, approved: d.approvedUserId !== undefined }));
  }

  private authorize(req: LoginRequest, tenantSeg: string): LoginResponse {
    const q = req.query;
    const clientId = q.get('client_id');
    if (!clientId) throw sts.missingParameter('client_id');
    const tenant = this.tenantFor(tenantSeg, clientId);
    const app = applicationByAppId(tenant, clientId);
    if (!app) throw sts.appNotFound(clientId, tenant.tenantId);
    const redirectUri = q.get('redirect_uri') ?? '';
    const allowed = [
      ...(((app.web as Entity | undefined)?.redirectUris as string[] | undefined) ?? []),
      ...(((app.publicClient as Entity | undefined)?.redirectUris as string[] | undefined) ?? []),
      ...(((app.spa as Entity | undefined)?.redirectUris as string[] | undefined) ?? []),
    ];
    // Loopback redirect URIs may use any port (RFC 8252 §7.3), as Entra allows for http://localhost.
    const loopback = (u: string): string => u.replace(/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?/, 'http://$1');
    if (!allowed.some((a) => a === redirectUri || loopback(a) === loopback(redirectUri))) throw sts.badRedirect(redirectUri, clientId);
    const user = this.host.signInUser(tenant, q.get('login_hint') ?? undefined);
    if (!user) throw sts.invalidGrant('No user to sign in.');
    const scope = q.get('scope') ?? 'openid profile';
    this.consent(tenant, clientId, user.id, scope);
    const code = `0.${randomBytes(48).toString('base64url')}`;
    this.authCodes.set(code, {
      tenantId: tenant.tenantId, clientId, redirectUri, scope, userId: user.id, challenge: q.get('code_challenge') ?? undefined,
      method: q.get('code_challenge_method') ?? undefined, nonce: q.get('nonce') ?? undefined, expiresAtMs: this.host.clock.now() + 600_000,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = q.get('state');
    if (state !== null) target.searchParams.set('state', state);
    target.searchParams.set('session_state', randomUUID());
    return { status: 302, headers: { location: target.toString() } };
  }
}
