/**
 * Applications, service principals and consent: what the login endpoint needs to decide a token's
 * `roles`/`scp`, what the control API's "register an app" does, and what the Graph routes for
 * `addPassword`, `appRoleAssignedTo` and `oauth2PermissionGrants` build on.
 *
 * Consent follows Entra's model: an application permission is an `appRoleAssignment` from the
 * client's service principal to the resource's service principal (`appRoleId` = the appRole's
 * GUID); a delegated permission is an `oauth2PermissionGrant` (`scope` = space-separated values).
 * Tokens are derived from those objects at issue time, so a grant made through Graph shows up in
 * the next token.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { createCertificate, type GeneratedCertificate } from '../tls/x509.js';
import { FIRST_PARTY_APPS, knownPermissions, permissionId, type PermissionType } from '../login/first-party.js';
import type { Random } from '../random.js';

/** Microsoft's own tenant, owner of first-party apps. */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

export const APP_ROLE_ASSIGNMENTS = 'appRoleAssignments';
export const OAUTH2_GRANTS = 'oauth2PermissionGrants';

/** A 43-character base64url ID like Entra's appRoleAssignment / grant IDs. */
export function opaqueId(random?: Random): string {
  const bytes = random ? Buffer.from(random.hex(64), 'hex') : randomBytes(32);
  return bytes.toString('base64url');
}

/** A client secret in Entra's shape: 40 characters with `8Q~` after the 3-character hint. */
export function newSecretText(random?: Random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.';
  const pick = (): string => alphabet[random ? random.int(alphabet.length) : (randomBytes(1)[0] as number) % alphabet.length] as string;
  let head = '';
  for (let i = 0; i < 3; i++) head += pick();
  let tail = '';
  for (let i = 0; i < 34; i++) tail += pick();
  return `${head}8Q~${tail}`;
}

/** Finds a service principal by appId (live ones only). */
export function servicePrincipalByAppId(tenant: TenantState, appId: string): Entity | undefined {
  for (const sp of tenant.store('servicePrincipals').values()) if (sp.appId === appId) return sp;
  return undefined;
}

export function applicationByAppId(tenant: TenantState, appId: string): Entity | undefined {
  for (const app of tenant.store('applications').values()) if (app.appId === appId) return app;
  return undefined;
}

/** Resolves a service principal by object ID or by `appId=…` alternate key. */
export function resolveServicePrincipal(tenant: TenantState, key: string): Entity | undefined {
  if (key.startsWith('appId=')) return servicePrincipalByAppId(tenant, key.slice(6));
  return tenant.store('servicePrincipals').get(key);
}

export function resolveApplication(tenant: TenantState, key: string): Entity | undefined {
  if (key.startsWith('appId=')) return applicationByAppId(tenant, key.slice(6));
  return tenant.store('applications').get(key);
}

function appRolesFor(resourceAppId: string): Entity[] {
  return knownPermissions(resourceAppId)
    .filter((p) => p.type === 'Application')
    .map((p) => ({ id: p.id, allowedMemberTypes: ['Application'], description: p.description, displayName: p.displayName, isEnabled: true, origin: 'Application', value: p.value }));
}

function scopesFor(resourceAppId: string): Entity[] {
  return knownPermissions(resourceAppId)
    .filter((p) => p.type === 'Delegated')
    .map((p) => ({
      id: p.id, adminConsentDescription: p.description, adminConsentDisplayName: p.displayName, isEnabled: true, type: 'Admin',
      userConsentDescription: p.description, userConsentDisplayName: p.displayName, value: p.value,
    }));
}

/** Creates the first-party service principals (Graph, Exchange Online, Azure DevOps, …). */
export function addFirstPartyServicePrincipals(tenant: TenantState, random: Random, silent = true): void {
  const extras: [string, string][] = [
    ['00000002-0000-0000-c000-000000000000', 'Windows Azure Active Directory'],
    ['c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal'],
    ['00000006-0000-0ff1-ce00-000000000000', 'Microsoft Office 365 Portal'],
    ['0000000a-0000-0000-c000-000000000000', 'Microsoft Intune'],
    ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'],
  ];
  const apps = [
    ...FIRST_PARTY_APPS.map((a) => ({ appId: a.appId, displayName: a.displayName, uris: a.identifierUris.filter((u) => !u.endsWith('/')) })),
    ...extras.map(([appId, displayName]) => ({ appId, displayName, uris: [] as string[] })),
  ];
  for (const a of apps) {
    const sp: Entity = {
      id: random.uuid(),
      accountEnabled: true,
      appDisplayName: a.displayName,
      appId: a.appId,
      appOwnerOrganizationId: MICROSOFT_TENANT_ID,
      appRoleAssignmentRequired: false,
      appRoles: appRolesFor(a.appId),
      displayName: a.displayName,
      oauth2PermissionScopes: scopesFor(a.appId),
      servicePrincipalNames: [a.appId, ...a.uris],
      servicePrincipalType: 'Application',
      signInAudience: 'AzureADMultipleOrgs',
      tags: [],
      addIns: [], alternativeNames: [], keyCredentials: [], passwordCredentials: [], replyUrls: [], notificationEmailAddresses: [],
      resourceSpecificApplicationPermissions: [],
      info: { termsOfServiceUrl: null, supportUrl: null, privacyStatementUrl: null, marketingUrl: null, logoUrl: null },
      verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
      deletedDateTime: null, applicationTemplateId: null, appDescription: null, description: null, disabledByMicrosoftStatus: null,
      homepage: null, loginUrl: null, logoutUrl: null, notes: null, preferredSingleSignOnMode: null, preferredTokenSigningKeyThumbprint: null,
      samlSingleSignOnSettings: null, tokenEncryptionKeyId: null,
    };
    tenant.addObject('servicePrincipal', sp, { silent });
  }
}

/**
 * The appRole (or delegated scope) GUID of a permission on a resource service principal; adds a
 * synthetic one to the resource when it does not publish that permission yet.
 */
export function ensurePermission(tenant: TenantState, resourceSp: Entity, value: string, type: PermissionType): string {
  const listKey = type === 'Application' ? 'appRoles' : 'oauth2PermissionScopes';
  const list = (resourceSp[listKey] as Entity[] | undefined) ?? [];
  const found = list.find((r) => r.value === value);
  if (found) return found.id;
  const id = permissionId(resourceSp.appId as string, value, type);
  const entry: Entity = type === 'Application'
    ? { id, allowedMemberTypes: ['Application'], description: `Emulated permission ${value}.`, displayName: value, isEnabled: true, origin: 'Application', value }
    : { id, adminConsentDescription: `Emulated permission ${value}.`, adminConsentDisplayName: value, isEnabled: true, type: 'Admin', userConsentDescription: null, userConsentDisplayName: null, value };
  tenant.store('servicePrincipals').update(resourceSp.id, { [listKey]: [...list, entry] }, { silent: true });
  return id;
}

export function grantAppRole(
  tenant: TenantState,
  principal: { id: string; displayName: unknown; type: 'ServicePrincipal' | 'User' | 'Group' },
  resourceSp: Entity,
  appRoleId: string,
  options: { silent?: boolean; random?: Random } = {},
): Entity {
  const assignment: Entity = {
    id: opaqueId(options.random),
    appRoleId,
    // v1.0 calls it createdDateTime, beta creationTimestamp; projection keeps the version's own.
    createdDateTime: tenant.nowIso(),
    creationTimestamp: tenant.nowIso(),
    deletedDateTime: null,
    principalDisplayName: (principal.displayName as string | null) ?? null,
    principalId: principal.id,
    principalType: principal.type,
    resourceDisplayName: (resourceSp.displayName as string | null) ?? null,
    resourceId: resourceSp.id,
  };
  tenant.store(APP_ROLE_ASSIGNMENTS).insert(assignment, { silent: options.silent });
  return assignment;
}

export function grantDelegated(
  tenant: TenantState,
  clientSpId: string,
  resourceSpId: string,
  scopes: readonly string[],
  options: { principalId?: string; silent?: boolean; random?: Random } = {},
): Entity {
  const grant: Entity = {
    id: opaqueId(options.random),
    clientId: clientSpId,
    consentType: options.principalId ? 'Principal' : 'AllPrincipals',
    principalId: options.principalId ?? null,
    resourceId: resourceSpId,
    scope: scopes.join(' '),
  };
  tenant.store(OAUTH2_GRANTS).insert(grant, { silent: options.silent });
  return grant;
}

/** Application permissions granted to a client service principal on a resource. */
export function grantedRoles(tenant: TenantState, clientSpId: string, resourceSp: Entity): string[] {
  const roles = (resourceSp.appRoles as Entity[] | undefined) ?? [];
  const out = new Set<string>();
  for (const a of tenant.store(APP_ROLE_ASSIGNMENTS).values()) {
    if (a.principalId !== clientSpId || a.resourceId !== resourceSp.id) continue;
    const role = roles.find((r) => r.id === a.appRoleId);
    if (role && typeof role.value === 'string') out.add(role.value);
  }
  return [...out].sort();
}

/** Delegated permissions granted to a client for a user on a resource. */
export function grantedScopes(tenant: TenantState, clientSpId: string, resourceSpId: string, userId: string): string[] {
  const out = new Set<string>();
  for (const g of tenant.store(OAUTH2_GRANTS).values()) {
    if (g.clientId !== clientSpId || g.resourceId !== resourceSpId) continue;
    if (g.consentType === 'Principal' && g.principalId !== userId) continue;
    for (const s of String(g.scope ?? '').split(' ')) if (s) out.add(s);
  }
  return [...out];
}

let sharedCertKey: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/**
 * An RSA key for app certificates, generated once per process: certificate sign-in needs RSA
 * (MSAL signs client assertions with RS256/PS256) and a 2048-bit key takes ~100 ms to make.
 */
function certificateKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  sharedCertKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return sharedCertKey;
}

export interface AppCertificate extends GeneratedCertificate {
  /** PEM with the certificate and the PKCS#8 private key, as ClientCertificateCredential wants it. */
  readonly combinedPem: string;
  readonly privateKeyPem: string;
  readonly keyId: string;
}

export function createAppCertificate(displayName: string, nowMs: number): AppCertificate {
  const { privateKey, publicKey } = certificateKey();
  const cert = createCertificate({
    commonName: displayName,
    publicKey,
    signingKey: privateKey,
    notBefore: new Date(nowMs - 24 * 3600 * 1000),
    notAfter: new Date(nowMs + 2 * 365 * 24 * 3600 * 1000),
  });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { ...cert, privateKeyPem, combinedPem: `${cert.pem}${privateKeyPem}`, keyId: randomUUID() };
}

export function keyCredentialOf(cert: AppCertificate, displayName: string, nowMs: number): Record<string, unknown> {
  return {
    keyId: cert.keyId,
    customKeyIdentifier: cert.thumbprintSha1Hex,
    displayName: `CN=${displayName}`,
    endDateTime: new Date(nowMs + 2 * 365 * 24 * 3600 * 1000).toISOString(),
    startDateTime: new Date(nowMs - 24 * 3600 * 1000).toISOString(),
    key: cert.der.toString('base64'),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

/** Adds a client secret to an application; returns the passwordCredential with its secretText. */
export function addSecret(tenant: TenantState, applicationId: string, options: { displayName?: string | null; endDateTime?: string | null; random?: Random; silent?: boolean } = {}): Entity {
  const app = tenant.store('applications').get(applicationId);
  if (!app) throw new Error(`no application ${applicationId}`);
  const secretText = newSecretText(options.random);
  const keyId = options.random ? options.random.uuid() : randomUUID();
  const now = tenant.clock.now();
  const credential = {
    customKeyIdentifier: null,
    displayName: options.displayName ?? null,
    endDateTime: options.endDateTime ?? new Date(now + 2 * 365 * 24 * 3600 * 1000).toISOString(),
    hint: secretText.slice(0, 3),
    keyId,
    secretText: null as string | null,
    startDateTime: new Date(now).toISOString(),
  };
  tenant.store('applications').update(applicationId, { passwordCredentials: [...((app.passwordCredentials as unknown[]) ?? []), credential] }, { silent: options.silent });
  tenant.secrets.set(keyId, { appId: app.appId as string, keyId, secretText, endDateTime: credential.endDateTime });
  return { id: keyId, ...credential, secretText };
}

export interface RegisterAppOptions {
  displayName: string;
  /** Application permissions by resource: `{ [resourceAppId]: ['User.Read.All', …] }`. */
  applicationPermissions?: Readonly<Record<string, readonly string[]>>;
  /** Delegated permissions by resource, granted for all principals. */
  delegatedPermissions?: Readonly<Record<string, readonly string[]>>;
  /** Also register a certificate credential. */
  certificate?: boolean;
  /** Public client (device code, auth code + PKCE without secret). */
  publicClient?: boolean;
  redirectUris?: readonly string[];
  /** Directory roles (template IDs) to give the service principal. */
  directoryRoles?: readonly string[];
  random?: Random;
  silent?: boolean;
}

export interface RegisteredApp {
  readonly application: Entity;
  readonly servicePrincipal: Entity;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly certificate?: AppCertificate;
}

/** Registers an app with admin consent: application, service principal, grants, secret, certificate. */
export function registerApp(tenant: TenantState, options: RegisterAppOptions): RegisteredApp {
  const r = options.random;
  const uuid = (): string => (r ? r.uuid() : randomUUID());
  const silent = options.silent ?? false;
  const now = tenant.clock.now();
  const appId = uuid();
  const requiredResourceAccess: Entity[] = [];
  const resources = new Set([...Object.keys(options.applicationPermissions ?? {}), ...Object.keys(options.delegatedPermissions ?? {})]);
  for (const resourceAppId of resources) {
    const resourceSp = servicePrincipalByAppId(tenant, resourceAppId);
    if (!resourceSp) throw new Error(`resource ${resourceAppId} has no service principal in ${tenant.name}`);
    const access = [
      ...(options.applicationPermissions?.[resourceAppId] ?? []).map((v) => ({ id: ensurePermission(tenant, resourceSp, v, 'Application'), type: 'Role' })),
      ...(options.delegatedPermissions?.[resourceAppId] ?? []).map((v) => ({ id: ensurePermission(tenant, resourceSp, v, 'Delegated'), type: 'Scope' })),
    ];
    requiredResourceAccess.push({ resourceAppId, resourceAccess: access } as unknown as Entity);
  }
  const cert = options.certificate ? createAppCertificate(options.displayName, now) : undefined;
  const application: Entity = {
    id: uuid(),
    appId,
    displayName: options.displayName,
    createdDateTime: new Date(now).toISOString(),
    deletedDateTime: null,
    signInAudience: 'AzureADMyOrg',
    publisherDomain: tenant.domain,
    identifierUris: [],
    requiredResourceAccess,
    passwordCredentials: [],
    keyCredentials: cert ? [keyCredentialOf(cert, options.displayName, now)] : [],
    appRoles: [],
    tags: [],
    addIns: [],
    isFallbackPublicClient: options.publicClient ?? false,
    publicClient: { redirectUris: options.publicClient ? [...(options.redirectUris ?? ['http://localhost'])] : [] },
    web: {
      homePageUrl: null, logoutUrl: null, redirectUris: options.publicClient ? [] : [...(options.redirectUris ?? [])],
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [],
    },
    spa: { redirectUris: [] },
    api: { acceptMappedClaims: null, knownClientApplications: [], oauth2PermissionScopes: [], preAuthorizedApplications: [], requestedAccessTokenVersion: null },
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
  tenant.addObject('application', application, { silent });
  const servicePrincipal: Entity = servicePrincipalFor(tenant, application, uuid());
  tenant.addObject('servicePrincipal', servicePrincipal, { silent });
  for (const [resourceAppId, values] of Object.entries(options.applicationPermissions ?? {})) {
    const resourceSp = servicePrincipalByAppId(tenant, resourceAppId) as Entity;
    for (const v of values) {
      grantAppRole(tenant, { id: servicePrincipal.id, displayName: options.displayName, type: 'ServicePrincipal' }, resourceSp, ensurePermission(tenant, resourceSp, v, 'Application'), { silent, random: r });
    }
  }
  for (const [resourceAppId, values] of Object.entries(options.delegatedPermissions ?? {})) {
    const resourceSp = servicePrincipalByAppId(tenant, resourceAppId) as Entity;
    if (values.length > 0) grantDelegated(tenant, servicePrincipal.id, resourceSp.id, values, { silent, random: r });
  }
  const secret = addSecret(tenant, application.id, { displayName: 'emulator', random: r, silent });
  return {
    application: tenant.store('applications').get(application.id) as Entity,
    servicePrincipal,
    clientId: appId,
    clientSecret: secret.secretText as string,
    ...(cert ? { certificate: cert } : {}),
  };
}

/** The service principal Entra creates for an application in its home tenant. */
export function servicePrincipalFor(tenant: TenantState, application: Entity, id: string): Entity {
  const api = (application.api ?? {}) as Entity;
  return {
    id,
    accountEnabled: true,
    addIns: [],
    alternativeNames: [],
    appDescription: null,
    appDisplayName: application.displayName,
    appId: application.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: tenant.tenantId,
    appRoleAssignmentRequired: false,
    appRoles: application.appRoles ?? [],
    deletedDateTime: null,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: application.displayName,
    homepage: (application.web as Entity | undefined)?.homePageUrl ?? null,
    info: application.info ?? null,
    keyCredentials: [],
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    oauth2PermissionScopes: api.oauth2PermissionScopes ?? [],
    passwordCredentials: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: (application.web as Entity | undefined)?.redirectUris ?? [],
    resourceSpecificApplicationPermissions: [],
    samlSingleSignOnSettings: null,
    servicePrincipalNames: [application.appId, ...((application.identifierUris as string[] | undefined) ?? [])],
    servicePrincipalType: 'Application',
    signInAudience: application.signInAudience ?? 'AzureADMyOrg',
    tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    tokenEncryptionKeyId: null,
    verifiedPublisher: application.verifiedPublisher ?? { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
}
