/**
 * The official SDKs against the emulator, with nothing changed but where they point:
 * - @azure/identity: authorityHost = the emulator's https URL, disableInstanceDiscovery (MSAL asks
 *   login.microsoftonline.com for instance discovery, whatever the authority — msal-common
 *   Authority.getCloudDiscoveryMetadataFromNetwork), and trust for the emulator's certificate;
 * - msal-node directly, fed the emulator's own instance-discovery document;
 * - @microsoft/microsoft-graph-client: baseUrl, customHosts (its auth handler only signs requests
 *   to Graph hosts) and a fetch dispatcher trusting the certificate.
 */
import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential } from '@azure/identity';
import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { BatchRequestContent, BatchResponseContent, Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type TenantInfo } from '../../src/emulator/index.js';
import { clientToken, graph, trustingDispatcher } from './helpers.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('SDKs against the emulator', () => {
  let em: Emulator;
  let t: TenantInfo;
  let client: Client;
  let dispatcher: unknown;

  beforeAll(async () => {
    // System clock: MSAL and the Graph client keep their own time.
    em = await startEmulator({ tenants: [{ name: 'contoso', size: 'small' }], throttle: false, login: { deviceCodeIntervalSeconds: 0 } });
    t = em.tenants[0] as TenantInfo;
    dispatcher = await trustingDispatcher(em.caCertificate);
    const credential = new ClientSecretCredential(t.tenantId, t.clientId, t.clientSecret, identityOptions());
    client = Client.initWithMiddleware({
      baseUrl: em.httpsUrl,
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
      customHosts: new Set([new URL(em.httpsUrl).hostname]),
      fetchOptions: { dispatcher } as RequestInit,
    });
  });
  afterAll(async () => {
    await em?.close();
  });

  const identityOptions = () => ({ authorityHost: em.httpsUrl, disableInstanceDiscovery: true, tlsOptions: { ca: em.caCertificate } });

  it('ClientSecretCredential gets an app token whose roles are the consented permissions', async () => {
    const cred = new ClientSecretCredential(t.tenantId, t.clientId, t.clientSecret, identityOptions());
    const token = await cred.getToken(GRAPH_SCOPE);
    const c = claims(token.token);
    expect(c).toMatchObject({ aud: 'https://graph.microsoft.com', tid: t.tenantId, appid: t.clientId, azp: t.clientId, appidacr: '1', idtyp: 'app' });
    expect(c.roles).toContain('User.ReadWrite.All');
    expect(c.roles).toContain('Policy.ReadWrite.ConditionalAccess');
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it('ClientCertificateCredential signs in with the registered certificate (client assertion)', async () => {
    const cred = new ClientCertificateCredential(t.tenantId, t.clientId, { certificate: t.certificatePem }, identityOptions());
    const c = claims((await cred.getToken(GRAPH_SCOPE)).token);
    expect(c).toMatchObject({ appid: t.clientId, appidacr: '2', tid: t.tenantId });
  });

  it('a wrong secret fails with AADSTS7000215 through the SDK', async () => {
    const cred = new ClientSecretCredential(t.tenantId, t.clientId, 'not-the-secret', identityOptions());
    await expect(cred.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS7000215/);
  });

  it('DeviceCodeCredential polls (authorization_pending) until the code is approved', async () => {
    const app = em.control.registerApp(t.tenantId, { displayName: 'Device app', publicClient: true, delegatedPermissions: ['User.Read', 'User.Read.All', 'openid', 'profile', 'offline_access'] });
    let polls = 0;
    const countPolls = (e: { polls: number }): void => {
      polls = e.polls;
    };
    em.control.loginEvents.on('devicecode:poll', countPolls);
    const cred = new DeviceCodeCredential({
      tenantId: t.tenantId,
      clientId: app.clientId,
      ...identityOptions(),
      userPromptCallback: (info) => {
        // Approve only after the first poll was answered "pending".
        em.control.loginEvents.on('devicecode:poll', function onPoll(e: { userCode: string; polls: number }) {
          if (e.userCode === info.userCode && e.polls === 1) {
            em.control.loginEvents.off('devicecode:poll', onPoll);
            em.control.approveDeviceCode(info.userCode);
          }
        });
      },
    });
    const token = await cred.getToken('https://graph.microsoft.com/User.Read.All');
    em.control.loginEvents.off('devicecode:poll', countPolls);
    const c = claims(token.token);
    expect(polls).toBe(2);
    expect(c).toMatchObject({ idtyp: 'user', appid: app.clientId, tid: t.tenantId });
    expect(String(c.scp).split(' ')).toContain('User.Read.All');
    // The delegated token opens /me.
    const me = await graph(em, token.token, '/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(c.oid);
  });

  it('msal-node accepts the emulator\'s instance-discovery document as cloud discovery metadata', async () => {
    const discovery = await fetch(`${em.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${em.httpsUrl}/${t.tenantId}/oauth2/v2.0/authorize`)}`);
    const doc = (await discovery.json()) as { tenant_discovery_endpoint: string; metadata: { preferred_network: string; aliases: string[] }[] };
    expect(doc.tenant_discovery_endpoint).toBe(`${em.httpsUrl}/${t.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(doc.metadata[0]?.aliases).toEqual([new URL(em.httpsUrl).host]);
    const networkClient: INetworkModule = {
      sendGetRequestAsync: (url) => send(url, 'GET'),
      sendPostRequestAsync: (url, options) => send(url, 'POST', options?.body, options?.headers),
    };
    const send = async <T>(url: string, method: string, body?: string, headers?: Record<string, string>): Promise<NetworkResponse<T>> => {
      const res = await fetch(url, { method, body, headers, dispatcher } as RequestInit);
      return { status: res.status, headers: Object.fromEntries(res.headers), body: (await res.json()) as T };
    };
    const cca = new ConfidentialClientApplication({
      auth: { clientId: t.clientId, clientSecret: t.clientSecret, authority: `${em.httpsUrl}/${t.tenantId}`, cloudDiscoveryMetadata: JSON.stringify(doc) },
      system: { networkClient },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    expect(claims(result?.accessToken ?? '')).toMatchObject({ tid: t.tenantId, appid: t.clientId });
  });

  it('PageIterator reads every directory collection, page by page', async () => {
    const state = em.control.tenantState(t.tenantId);
    const firstGroup = state.store('groups').values().next().value as { id: string };
    const someUser = state.store('users').values().next().value as { id: string };
    const expectations: [string, number][] = [
      ['/users', state.store('users').size],
      ['/groups', state.store('groups').size],
      ['/applications', state.store('applications').size],
      ['/servicePrincipals', state.store('servicePrincipals').size],
      ['/devices', state.store('devices').size],
      ['/directoryRoles', state.store('directoryRoles').size],
      ['/directoryRoleTemplates', 26],
      ['/oauth2PermissionGrants', state.store('oauth2PermissionGrants').size],
      ['/directory/administrativeUnits', state.store('administrativeUnits').size],
      ['/roleManagement/directory/roleDefinitions', state.store('roleDefinitions').size],
      ['/roleManagement/directory/roleAssignments', state.store('roleAssignments').size],
      ['/domains', state.store('domains').size],
      ['/organization', 1],
      [`/groups/${firstGroup.id}/members`, [...state.relations.members.targets(state.directory.handle(firstGroup.id) as number)].length],
      [`/users/${someUser.id}/authentication/methods`, (state.store('authenticationMethods').get(someUser.id)?.methods as unknown[]).length],
    ];
    for (const [path, expected] of expectations) {
      const seen = new Set<string>();
      const top = path.startsWith('/directory') || path.includes('/members') || path === '/users' ? 7 : 5;
      const first = await client.api(path).top(top).get();
      const iterator = new PageIterator(client, first, (item: { id: string }) => {
        seen.add(item.id);
        return true;
      });
      await iterator.iterate();
      expect({ path, count: seen.size }).toEqual({ path, count: expected });
      // Collections larger than a page really were paged (directoryRoles and domains are not paged in Graph).
      if (expected > top && !['/directoryRoles', '/directoryRoleTemplates', '/roleManagement/directory/roleDefinitions', '/domains'].includes(path)) {
        expect(first['@odata.nextLink']).toBeDefined();
      }
    }
  });

  it('delta rounds report creates, changes, soft deletes, hard deletes and membership changes', async () => {
    const collect = async (start: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string }> => {
      const items: Record<string, unknown>[] = [];
      let res = await client.api(start).get();
      for (;;) {
        items.push(...(res.value as Record<string, unknown>[]));
        if (res['@odata.nextLink']) res = await client.api(res['@odata.nextLink']).get();
        else return { items, deltaLink: res['@odata.deltaLink'] as string };
      }
    };
    const users0 = await collect('/users/delta?$select=displayName,jobTitle');
    const groups0 = await collect('/groups/delta?$select=displayName,members');
    expect(users0.items).toHaveLength(em.control.tenantState(t.tenantId).store('users').size);
    expect(users0.deltaLink).toContain('$deltatoken=');

    const domain = t.domain;
    const created = await client.api('/users').post({ accountEnabled: true, displayName: 'Delta Newcomer', mailNickname: 'delta.newcomer', userPrincipalName: `delta.newcomer@${domain}`, passwordProfile: { password: 'Pa55w.rd!x' } });
    const [changed, soft, hard] = users0.items.slice(1, 4) as { id: string }[];
    await client.api(`/users/${changed?.id}`).patch({ jobTitle: 'Delta Tester' });
    await client.api(`/users/${soft?.id}`).delete();
    await client.api(`/users/${hard?.id}`).delete();
    await client.api(`/directory/deletedItems/${hard?.id}`).delete();
    const group = groups0.items.find((g) => g.displayName === 'All Company') as { id: string };
    await client.api(`/groups/${group.id}/members/$ref`).post({ '@odata.id': `${em.httpsUrl}/v1.0/directoryObjects/${created.id}` });
    const members = (group as { 'members@delta'?: { id: string }[] })['members@delta'] ?? [];
    const leaving = members.find((m) => m.id !== hard?.id && m.id !== soft?.id) as { id: string };
    await client.api(`/groups/${group.id}/members/${leaving.id}/$ref`).delete();

    const users1 = await collect(users0.deltaLink);
    const byId = new Map(users1.items.map((u) => [u.id as string, u]));
    expect(byId.get(created.id)).toMatchObject({ id: created.id, displayName: 'Delta Newcomer' });
    expect(byId.get(changed?.id as string)).toMatchObject({ jobTitle: 'Delta Tester' });
    expect(byId.get(soft?.id as string)).toEqual({ id: soft?.id, '@removed': { reason: 'changed' } });
    expect(byId.get(hard?.id as string)).toEqual({ id: hard?.id, '@removed': { reason: 'deleted' } });
    expect(users1.items).toHaveLength(4);

    const groups1 = await collect(groups0.deltaLink);
    const g = groups1.items.find((x) => x.id === group.id) as { 'members@delta': Record<string, unknown>[] };
    expect(g['members@delta']).toEqual(expect.arrayContaining([
      { '@odata.type': '#microsoft.graph.user', id: created.id },
      { '@odata.type': '#microsoft.graph.user', id: leaving.id, '@removed': { reason: 'deleted' } },
    ]));
    // The permanently deleted user leaves its groups; the soft-deleted one does not (yet).
    const removedIds = g['members@delta'].filter((m) => m['@removed']).map((m) => m.id);
    expect(removedIds).toContain(hard?.id);
    expect(removedIds).not.toContain(soft?.id);

    const users2 = await collect(users1.deltaLink);
    expect(users2.items).toEqual([]);
  });

  it('sends $batch with BatchRequestContent and reads per-item results', async () => {
    const content = new BatchRequestContent([
      { id: '1', request: new Request(`${em.httpsUrl}/v1.0/users?$top=2&$select=id`, { method: 'GET' }) },
      { id: '2', request: new Request(`${em.httpsUrl}/v1.0/groups/does-not-exist`, { method: 'GET' }), dependsOn: ['1'] },
      { id: '3', request: new Request(`${em.httpsUrl}/v1.0/organization`, { method: 'GET' }), dependsOn: ['2'] },
    ]);
    const raw = await client.api('/$batch').post(await content.getContent());
    const batch = new BatchResponseContent(raw);
    expect(batch.getResponseById('1').status).toBe(200);
    expect(((await batch.getResponseById('1').json()) as { value: unknown[] }).value).toHaveLength(2);
    expect(batch.getResponseById('2').status).toBe(404);
    expect(batch.getResponseById('3').status).toBe(424);
  });

  it('the RetryHandler recovers from throttling (429 + Retry-After)', async () => {
    const small = await startEmulator({ tenants: [{ name: 'fabrikam', size: 'small' }], throttle: true, throttleLimits: { identity: { ruPerAppTenant: { S: 3, M: 3, L: 3 }, ruWindowMs: 300 } } });
    try {
      const ft = small.tenants[0] as TenantInfo;
      const trusted = await trustingDispatcher(small.caCertificate);
      const cred = new ClientSecretCredential(ft.tenantId, ft.clientId, ft.clientSecret, { authorityHost: small.httpsUrl, disableInstanceDiscovery: true, tlsOptions: { ca: small.caCertificate } });
      const c2 = Client.initWithMiddleware({
        baseUrl: small.httpsUrl,
        authProvider: new TokenCredentialAuthenticationProvider(cred, { scopes: [GRAPH_SCOPE] }),
        customHosts: new Set([new URL(small.httpsUrl).hostname]),
        fetchOptions: { dispatcher: trusted } as RequestInit,
      });
      for (let i = 0; i < 6; i++) {
        const org = await c2.api('/organization').get();
        expect(org.value).toHaveLength(1);
      }
      const stats = small.control.stats(ft.tenantId);
      expect(stats.throttled).toBeGreaterThan(0);
      expect(stats.requests).toBe(6 + stats.throttled);
    } finally {
      await small.close();
    }
  });

  it('raw HTTP clients work on plain http too', async () => {
    const token = await clientToken(em, t);
    const res = await graph(em, token, '/organization');
    expect(res.status).toBe(200);
    expect(res.body.value[0].id).toBe(t.tenantId);
  });
});
