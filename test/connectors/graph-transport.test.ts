/**
 * The Graph transport against the emulated cloud: real sign-in through @azure/identity (MSAL),
 * the real Graph SDK chain over the emulator's TLS, paging, delta (and its expiry), $batch,
 * permission errors from a real token, injected throttling and 5xx faults. The scheduler's clock
 * is virtual — its sleeps return at once and only move its own time — so Retry-After waits are
 * checked, not spent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { resolveCloud } from '../../src/connectors/clouds.js';
import { createGraphClient, type GraphClient } from '../../src/connectors/graph/client.js';
import type { Clock } from '../../src/clock.js';
import { createCredential, type ConnectionProfile } from '../../src/connectors/graph/credential.js';
import { ThrottleScheduler } from '../../src/connectors/graph/scheduler.js';
import { startEmulator, type Emulator, type TenantInfo } from '../../src/emulator/index.js';
import { TenantVaultError } from '../../src/errors/index.js';

/** Time that passes only when someone sleeps; every sleep is recorded. */
class VirtualClock implements Clock {
  readonly sleeps: number[] = [];
  #now = Date.now();
  now(): number {
    return this.#now;
  }
  /** Fits both our Clock and the emulator's, so one virtual time can drive both. */
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.#now += ms;
  }
}

describe('Graph transport against the emulator', () => {
  let emulator: Emulator;
  let tenant: TenantInfo;
  let profile: ConnectionProfile;

  function connect(overrides: Partial<ConnectionProfile> = {}) {
    const clock = new VirtualClock();
    const scheduler = new ThrottleScheduler({ tenantSize: 'small', clock });
    const p = { ...profile, ...overrides };
    const graph: GraphClient = createGraphClient({
      cloud: p.cloud, credential: createCredential(p), scheduler, tenantId: p.tenantId, clientId: p.clientId, trustedCaPem: emulator.caCertificate,
    });
    return { graph, scheduler, clock };
  }

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, tenants: [{ name: 'contoso', size: 'small' }], throttle: true });
    tenant = emulator.tenants[0]!;
    profile = {
      tenantId: tenant.tenantId, clientId: tenant.clientId, cloud: resolveCloud(emulator.httpsUrl),
      clientSecret: new Secret(tenant.clientSecret), trustedCaPem: emulator.caCertificate,
    };
  });

  afterAll(async () => {
    await emulator?.close();
  });

  afterEach(() => {
    emulator.control.setFaults({ rate: 0 });
    emulator.control.setDeltaReset(tenant.tenantId, false);
  });

  it('pages through users with the real SDK; our resource units match the server\'s', async () => {
    emulator.control.resetStats(tenant.tenantId);
    const { graph, scheduler } = connect();
    let count = 0;
    let pages = 0;
    for await (const page of graph.pages<{ id: string }>('/users', { query: { $top: 7, $select: 'id,displayName' }, type: 'user' })) {
      pages++;
      count += page.items.length;
    }
    expect(count).toBe(tenant.users);
    expect(pages).toBe(Math.ceil(tenant.users / 7));
    const ours = scheduler.stats().byType.user!;
    const server = emulator.control.stats(tenant.tenantId);
    expect(ours).toEqual({ requests: pages, batchedRequests: 0, resourceUnits: server.resourceUnits, throttled: 0, retries: 0 });
    expect(server.requests).toBe(pages);
  });

  it('signs in with the certificate as well as the secret', async () => {
    const { graph } = connect({ clientSecret: undefined, certificatePem: new Secret(tenant.certificatePem) });
    const { body } = await graph.request<{ value: unknown[] }>('/groups', { query: { $top: 1, $select: 'id' } });
    expect(body.value).toHaveLength(1);
  });

  it('runs a delta round, an empty one from the saved link, and reports a reset as DELTA_EXPIRED', async () => {
    const { graph } = connect();
    let items = 0;
    let link = '';
    for await (const event of graph.delta('/groups/delta', { query: { $select: 'displayName,members' }, type: 'group' })) {
      if (event.kind === 'deltaLink') link = event.url;
      else items++;
    }
    expect(items).toBe(tenant.groups);
    expect(link.startsWith(`${emulator.httpsUrl}/v1.0/groups/delta?`)).toBe(true);
    const again: string[] = [];
    for await (const event of graph.delta(link, { type: 'group' })) again.push(event.kind);
    expect(again).toEqual(['deltaLink']);

    emulator.control.setDeltaReset(tenant.tenantId, true);
    const err = await (async () => {
      for await (const _ of graph.delta(link, { type: 'group' })) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantVaultError);
    expect((err as TenantVaultError).code).toBe('DELTA_EXPIRED');
  });

  it('reads through $batch in chunks of 20, each request charged to the budget', async () => {
    const { graph, scheduler } = connect();
    const ids: string[] = [];
    for await (const user of graph.items<{ id: string }>('/users', { query: { $select: 'id' } })) ids.push(user.id);
    const wanted = ids.slice(0, 25);
    const seen: string[] = [];
    for await (const result of graph.batch(wanted.map((id) => ({ key: id, method: 'GET' as const, url: `/users/${id}?$select=id,displayName`, type: 'user' })))) {
      expect(result.status).toBe(200);
      seen.push((result.body as { id: string }).id);
    }
    expect(seen.sort()).toEqual([...wanted].sort());
    expect(scheduler.stats().byType.user).toMatchObject({ batchedRequests: 25, throttled: 0 });
  });

  it('rides out injected 429s and 5xx, honouring Retry-After, and returns every user', async () => {
    emulator.control.setFaults({ rate: 0.4, seed: 7, kinds: { throttle: 2, unavailable: 1, internal: 0, timeout: 1, reset: 0, slow: 0 }, retryAfterSeconds: 2 });
    const { graph, scheduler, clock } = connect();
    const ids = new Set<string>();
    for await (const user of graph.items<{ id: string }>('/users', { query: { $top: 5, $select: 'id' }, type: 'user' })) ids.add(user.id);
    expect(ids.size).toBe(tenant.users);
    const stats = scheduler.stats().total;
    expect(stats.retries).toBeGreaterThan(0);
    expect(stats.throttled).toBeGreaterThan(0);
    // Every 429 was followed by the 2 s the service asked for.
    expect(clock.sleeps.filter((ms) => ms === 2000).length).toBeGreaterThanOrEqual(stats.throttled);
  });

  it('names the missing permission and the consent URL when the app lacks it', async () => {
    const app = emulator.control.registerApp(tenant.tenantId, { displayName: 'users only', applicationPermissions: ['User.Read.All'] });
    const { graph } = connect({ clientId: app.clientId, clientSecret: new Secret(app.clientSecret) });
    await expect(graph.request('/users', { query: { $top: 1 }, type: 'user' })).resolves.toMatchObject({ status: 200 });
    const err = (await graph.request('/groups', { type: 'group' }).catch((e: unknown) => e)) as TenantVaultError;
    expect(err.code).toBe('PERMISSION_MISSING');
    expect(err.hint).toContain('Group.ReadWrite.All');
    expect(err.hint).toContain(`${emulator.httpsUrl}/${tenant.tenantId}/adminconsent?client_id=${app.clientId}`);
  });

  it('maps a missing object to ITEM_NOT_FOUND and a wrong secret to AUTH_FAILED with its hint', async () => {
    const { graph } = connect();
    await expect(graph.request('/users/00000000-0000-4000-8000-000000000001', { type: 'user' })).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
    const wrong = createCredential({ ...profile, clientSecret: new Secret('not-the-secret') });
    const err = (await wrong.getToken(profile.cloud.graphScope).catch((e: unknown) => e)) as TenantVaultError;
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.hint).toMatch(/client secret is wrong/);
  });
});

describe('the scheduler keeps a run under the emulator\'s published limits', () => {
  it('spends more than a window\'s resource units without one 429, in the time the budget allows', async () => {
    // One virtual clock for both sides: the emulator's token buckets refill as the scheduler waits.
    const clock = new VirtualClock();
    const emulator = await startEmulator({ port: 0, tenants: [{ name: 'fabrikam', size: 'small' }], throttle: true, clock });
    try {
      const tenant = emulator.tenants[0]!;
      const cloud = resolveCloud(emulator.httpsUrl);
      const profile = { tenantId: tenant.tenantId, clientId: tenant.clientId, cloud, clientSecret: new Secret(tenant.clientSecret), trustedCaPem: emulator.caCertificate };
      const scheduler = new ThrottleScheduler({ tenantSize: 'small', clock });
      const graph = createGraphClient({ cloud, credential: createCredential(profile), scheduler, tenantId: tenant.tenantId, clientId: tenant.clientId, trustedCaPem: emulator.caCertificate });
      const groups: string[] = [];
      for await (const group of graph.items<{ id: string }>('/groups', { query: { $select: 'id' } })) groups.push(group.id);
      emulator.control.resetStats(tenant.tenantId);
      const before = scheduler.stats().total.resourceUnits;
      const start = clock.now();
      // 1,500 member lists at 3 RU each (facts §1.2) = 4,500 RU against a 3,500 RU / 10 s limit (size S).
      const requests = Array.from({ length: 1500 }, (_, i) => ({ method: 'GET' as const, url: `/groups/${groups[i % groups.length]}/members?$top=999`, type: 'group' }));
      let ok = 0;
      for await (const result of graph.batch(requests)) if (result.status === 200) ok++;
      const elapsedMs = clock.now() - start;
      const server = emulator.control.stats(tenant.tenantId);
      expect(ok).toBe(1500);
      expect(server.throttled).toBe(0);
      expect(scheduler.stats().total).toMatchObject({ batchedRequests: 1500, throttled: 0, retries: 0 });
      // Our count of resource units is the server's (x-ms-resource-unit per batched response).
      expect(scheduler.stats().total.resourceUnits - before).toBe(server.resourceUnits);
      expect(server.resourceUnits).toBe(4500);
      // Held at 90 % of 3,500 per 10 s: 3,150 go at once, the remaining 1,350 one window later.
      expect(elapsedMs).toBeGreaterThanOrEqual(10_000);
      expect(elapsedMs).toBeLessThan(12_000);
    } finally {
      await emulator.close();
    }
  });
});
