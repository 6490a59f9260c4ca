/**
 * `profile create-app`: what the seed says the product does for a new customer — an administrator
 * signs in with a device code (the code and URL are printed, as `az login` does), and with their
 * delegated token Tenant Vault
 * 1. creates the app registration with exactly the manifest's `requiredResourceAccess`,
 * 2. creates its service principal,
 * 3. adds a certificate credential generated here (the private key goes only into the encrypted profile),
 * 4. grants admin consent: an app role assignment to the resource's service principal for every
 *    application permission, and one tenant-wide (`AllPrincipals`) oauth2PermissionGrant per
 *    resource for the delegated ones,
 * 5. stores the profile with the consented manifest version, after signing in with the new
 *    certificate (retried while the new app propagates).
 *
 * Sources: https://learn.microsoft.com/graph/api/application-post-applications,
 * serviceprincipal-post-serviceprincipals, serviceprincipal-post-approleassignedto,
 * oauth2permissiongrant-post, and "Grant or revoke API permissions programmatically"
 * (https://learn.microsoft.com/graph/permissions-grant-via-msgraph); keyCredentials are set with
 * PATCH for the first certificate (application-addkey needs a proof signed by an existing one).
 *
 * Guarantees: an existing profile name fails before anything is created (PROFILE_EXISTS); a
 * failure part-way names what was already created so the administrator can finish or remove it.
 * Not done: the Exchange Recipient Administrator role Exchange also needs (facts §8.2) — a
 * directory role is more than the manifest's permissions; the result says so.
 */
import { DeviceCodeCredential, type AccessToken, type DeviceCodeInfo, type TokenCredential } from '@azure/identity';
import {
  createGraphClient, MANIFEST_VERSION, requiredResourceAccess, resolveCloud, ThrottleScheduler,
  type Clock, type GraphClient, type ProfileKind,
} from '../../connectors/index.js';
import { systemClock } from '../../connectors/index.js';
import { Secret } from '../../config/index.js';
import { TenantVaultError, isTenantVaultError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import type { Repository } from '../../repository/index.js';
import { addProfile } from './add.js';
import { generateCertificate } from './certificate.js';
import { checkProfileName, type Profile } from './model.js';
import { profileStore } from './store.js';

/** Microsoft Graph Command Line Tools: a public client every tenant can use for delegated sign-in. */
export const DEFAULT_DEVICE_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

/** What the administrator's token must allow (the Graph pages cited above). */
export const ADMIN_SCOPES = ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All'] as const;

export interface CreateAppInput {
  readonly kind: ProfileKind;
  readonly name: string;
  readonly tenant: string;
  readonly cloud?: string;
  readonly caPem?: string;
  /** Public client the administrator signs in with (default Microsoft Graph Command Line Tools). */
  readonly deviceClientId?: string;
  /** Display name of the app registration (default `Tenant Vault (NAME)`). */
  readonly displayName?: string;
}

export interface CreateAppOptions {
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Shows the device-code message (the code and the URL) to the administrator. */
  readonly onDeviceCode: (info: { readonly message: string; readonly userCode: string; readonly verificationUri: string }) => void;
  /** Replaces the administrator's credential (tests). */
  readonly adminCredential?: TokenCredential;
  /** Sign-in attempts with the new certificate while the app propagates (default 12, 5 s apart). */
  readonly signInAttempts?: number;
}

export interface CreateAppResult {
  readonly profile: Profile;
  readonly applicationId: string;
  readonly servicePrincipalId: string;
  readonly appRoleAssignments: number;
  readonly delegatedGrants: number;
  readonly certificateThumbprint: string;
  readonly notes: readonly string[];
}

/** Always answers with the token for the administrator's scopes, whatever scope the transport asks for. */
class FixedScopeCredential implements TokenCredential {
  constructor(private readonly inner: TokenCredential, private readonly scopes: string[]) {}
  getToken(_scopes: string | string[], options?: Parameters<TokenCredential['getToken']>[1]): Promise<AccessToken | null> {
    return this.inner.getToken(this.scopes, options);
  }
}

interface Created {
  applicationId?: string;
  appId?: string;
  servicePrincipalId?: string;
}

async function resourceServicePrincipal(graph: GraphClient, appId: string, signal: AbortSignal | undefined): Promise<string> {
  const response = await graph.request<{ value?: Array<{ id?: string }> }>('/servicePrincipals', {
    query: { $filter: `appId eq '${appId}'`, $select: 'id' }, type: 'servicePrincipal', ...(signal ? { signal } : {}),
  });
  const id = response.body.value?.[0]?.id;
  if (!id) {
    throw new TenantVaultError('SERVICE_ERROR', `The tenant has no service principal for the API ${appId}`, {
      hint: 'The API (e.g. Exchange Online) is not provisioned in this tenant; grant consent for it once it is.',
    });
  }
  return id;
}

export async function createApp(repo: Repository, input: CreateAppInput, options: CreateAppOptions): Promise<CreateAppResult> {
  const { signal } = options;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  checkProfileName(input.name);
  if (input.kind !== 'azure') throw new TenantVaultError('USAGE', `Profiles of kind ${input.kind} are not supported yet`, { hint: 'Use `profile create-app azure NAME …`.' });
  if (await profileStore(repo).find(input.name, { signal })) {
    throw new TenantVaultError('PROFILE_EXISTS', `A profile named ${input.name} already exists`, { hint: 'Choose another name, or remove it first with `tenant-vault profile remove NAME`.' });
  }
  const cloudName = input.cloud ?? 'public';
  const cloud = resolveCloud(cloudName);
  const graphRoot = cloud.name === 'custom' ? 'https://graph.microsoft.com' : cloud.graph;
  const scopes = ADMIN_SCOPES.map((s) => `${graphRoot}/${s}`);
  const admin = options.adminCredential ?? new DeviceCodeCredential({
    tenantId: input.tenant,
    clientId: input.deviceClientId ?? DEFAULT_DEVICE_CLIENT_ID,
    authorityHost: cloud.authorityHost,
    ...(cloud.name === 'custom' ? { disableInstanceDiscovery: true } : {}),
    ...(input.caPem ? { tlsOptions: { ca: input.caPem } } : {}),
    userPromptCallback: (info: DeviceCodeInfo) => options.onDeviceCode({ message: info.message, userCode: info.userCode, verificationUri: info.verificationUri }),
  } as ConstructorParameters<typeof DeviceCodeCredential>[0]);
  // Sign the administrator in first, so nothing is created for someone who cannot.
  try {
    await admin.getToken(scopes, { abortSignal: signal });
  } catch (err) {
    if (isTenantVaultError(err)) throw err;
    throw new TenantVaultError('AUTH_FAILED', `The administrator's device-code sign-in failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, {
      hint: 'Sign in within the time shown, with an account that may create app registrations and grant admin consent (e.g. Cloud Application Administrator and Privileged Role Administrator).',
      cause: err,
    });
  }
  const graph = createGraphClient({
    cloud, credential: new FixedScopeCredential(admin, scopes), scheduler: new ThrottleScheduler({ clock, logger }),
    tenantId: input.tenant, clientId: input.deviceClientId ?? DEFAULT_DEVICE_CLIENT_ID, logger,
    ...(input.caPem ? { trustedCaPem: input.caPem } : {}),
  });
  const req = { ...(signal ? { signal } : {}) };
  const created: Created = {};
  const notes: string[] = [];
  try {
    const displayName = input.displayName ?? `Tenant Vault (${input.name})`;
    const access = requiredResourceAccess(input.kind);
    const app = (await graph.request<{ id: string; appId: string }>('/applications', {
      method: 'POST', type: 'application', body: { displayName, signInAudience: 'AzureADMyOrg', requiredResourceAccess: access }, ...req,
    })).body;
    created.applicationId = app.id;
    created.appId = app.appId;
    const sp = (await graph.request<{ id: string }>('/servicePrincipals', { method: 'POST', type: 'servicePrincipal', body: { appId: app.appId }, ...req })).body;
    created.servicePrincipalId = sp.id;

    const certificate = await generateCertificate(`Tenant Vault ${input.name}`, { now: new Date(clock.now()) });
    await graph.request(`/applications/${app.id}`, {
      method: 'PATCH', type: 'application', ...req,
      body: {
        keyCredentials: [{
          type: 'AsymmetricX509Cert', usage: 'Verify', key: certificate.derBase64, displayName: `CN=Tenant Vault ${input.name}`,
          startDateTime: certificate.notBefore.toISOString(), endDateTime: certificate.notAfter.toISOString(),
        }],
      },
    });

    let appRoleAssignments = 0;
    let delegatedGrants = 0;
    for (const resource of access) {
      const resourceId = await resourceServicePrincipal(graph, resource.resourceAppId, signal);
      for (const role of resource.resourceAccess.filter((a) => a.type === 'Role')) {
        await graph.request(`/servicePrincipals/${resourceId}/appRoleAssignedTo`, {
          method: 'POST', type: 'servicePrincipal', permissions: ['AppRoleAssignment.ReadWrite.All'], ...req,
          body: { principalId: sp.id, resourceId, appRoleId: role.id },
        });
        appRoleAssignments++;
      }
      const scopeIds = resource.resourceAccess.filter((a) => a.type === 'Scope').map((a) => a.id);
      if (scopeIds.length > 0) {
        const names = await scopeNames(graph, resourceId, scopeIds, signal);
        await graph.request('/oauth2PermissionGrants', {
          method: 'POST', type: 'oAuth2PermissionGrant', permissions: ['DelegatedPermissionGrant.ReadWrite.All'], ...req,
          body: { clientId: sp.id, consentType: 'AllPrincipals', resourceId, scope: names.join(' ') },
        });
        delegatedGrants++;
      }
    }
    if (access.some((r) => r.resourceAppId === '00000002-0000-0ff1-ce00-000000000000')) {
      notes.push(`Exchange Online also needs a directory role for app-only access: assign Exchange Recipient Administrator to the service principal ${sp.id} (facts §8.2), or distribution groups are skipped.`);
    }

    const profile = await signInWithRetry(repo, {
      kind: input.kind, name: input.name, tenant: input.tenant, clientId: app.appId, cloud: cloudName,
      ...(input.caPem ? { caPem: input.caPem } : {}),
      credential: { kind: 'certificate', pem: new Secret(certificate.pem), thumbprint: certificate.thumbprint },
      consentedVersion: MANIFEST_VERSION,
      app: { applicationId: app.id, servicePrincipalId: sp.id, displayName },
    }, { attempts: options.signInAttempts ?? 12, clock, logger, ...(signal ? { signal } : {}) });
    return { profile, applicationId: app.id, servicePrincipalId: sp.id, appRoleAssignments, delegatedGrants, certificateThumbprint: certificate.thumbprint, notes };
  } catch (err) {
    if (created.applicationId && isTenantVaultError(err)) {
      throw new TenantVaultError(err.code, `${err.message} (already created: application ${created.applicationId}${created.servicePrincipalId ? `, service principal ${created.servicePrincipalId}` : ''})`, {
        hint: `${err.hint} Delete the half-made app registration (object ${created.applicationId}) before running create-app again.`,
        cause: err, ...(err.details ? { details: err.details } : {}),
      });
    }
    throw err;
  }
}

/** The `value` names of delegated scopes, as `oauth2PermissionGrant.scope` wants them, from the resource's service principal. */
async function scopeNames(graph: GraphClient, resourceSpId: string, ids: readonly string[], signal: AbortSignal | undefined): Promise<string[]> {
  const sp = (await graph.request<{ oauth2PermissionScopes?: Array<{ id?: string; value?: string }> }>(`/servicePrincipals/${resourceSpId}`, {
    query: { $select: 'id,oauth2PermissionScopes' }, type: 'servicePrincipal', ...(signal ? { signal } : {}),
  })).body;
  return ids.map((id) => {
    const value = sp.oauth2PermissionScopes?.find((s) => s.id === id)?.value;
    if (!value) throw new TenantVaultError('SERVICE_ERROR', `The API ${resourceSpId} publishes no delegated permission ${id}`);
    return value;
  });
}

/**
 * Sign-in errors a brand-new app gives until it has reached every sign-in server: app not found
 * (700016), credential not found (700027, 7000215) — https://learn.microsoft.com/entra/identity-platform/reference-error-codes.
 */
const PROPAGATION_CODES = new Set(['AADSTS700016', 'AADSTS700027', 'AADSTS7000215']);

/** A new app's credential can take a while to reach every sign-in server. */
async function signInWithRetry(repo: Repository, input: Parameters<typeof addProfile>[1], options: { attempts: number; clock: Clock; logger: Logger; signal?: AbortSignal }): Promise<Profile> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await addProfile(repo, input, { ...(options.signal ? { signal: options.signal } : {}), now: () => new Date(options.clock.now()) });
    } catch (err) {
      if (!isTenantVaultError(err, 'AUTH_FAILED') || !PROPAGATION_CODES.has(String(err.details?.aadsts)) || attempt >= options.attempts) throw err;
      options.logger.info({ attempt }, 'the new app cannot sign in yet; waiting for it to propagate');
      await options.clock.sleep(5_000, options.signal);
    }
  }
}
