/**
 * The Graph transport against the emulated cloud: real sign-in through @azure/identity (MSAL),
 * the real Graph SDK chain over TLS, paging, delta, $batch and throttling. Skips, saying why,
 * while the emulator (src/emulator/index.ts, built in parallel) is not there yet.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { resolveCloud } from '../../src/connectors/clouds.js';
import { createGraphClient, type GraphClient } from '../../src/connectors/graph/client.js';
import { createCredential, type ConnectionProfile } from '../../src/connectors/graph/credential.js';
import { ThrottleScheduler } from '../../src/connectors/graph/scheduler.js';

interface EmulatedTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  certificatePem?: string;
  users?: number;
}
interface Emulator {
  url: string;
  httpsUrl?: string;
  caCertificate?: string;
  tenants: readonly EmulatedTenant[];
  close(): Promise<void>;
}
type StartEmulator = (options: { port?: number; tenants: Array<{ name: string; size: 'small' }>; throttle?: boolean }) => Promise<Emulator>;

const EMULATOR = join(import.meta.dirname, '../../src/emulator/index.ts');
const haveEmulator = existsSync(EMULATOR);
if (!haveEmulator) console.warn(`Skipping the Graph transport tests against the emulator: ${EMULATOR} does not exist yet.`);

describe.skipIf(!haveEmulator)('Graph transport against the emulator', () => {
  let emulator: Emulator;
  let tenant: EmulatedTenant;
  let profile: ConnectionProfile;
  let scheduler: ThrottleScheduler;
  let graph: GraphClient;

  beforeAll(async () => {
    // A computed specifier: the module is optional until the emulator lands.
    const { startEmulator } = (await import(/* @vite-ignore */ pathToFileURL(EMULATOR).href)) as { startEmulator: StartEmulator };
    emulator = await startEmulator({ port: 0, tenants: [{ name: 'contoso', size: 'small' }], throttle: true });
    tenant = emulator.tenants[0]!;
    const cloud = resolveCloud(emulator.httpsUrl ?? emulator.url);
    profile = {
      tenantId: tenant.tenantId, clientId: tenant.clientId, cloud, clientSecret: new Secret(tenant.clientSecret),
      ...(emulator.caCertificate ? { trustedCaPem: emulator.caCertificate } : {}),
    };
    scheduler = new ThrottleScheduler({ tenantSize: 'small' });
    graph = createGraphClient({
      cloud, credential: createCredential(profile), scheduler, tenantId: tenant.tenantId, clientId: tenant.clientId,
      ...(emulator.caCertificate ? { trustedCaPem: emulator.caCertificate } : {}),
    });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('pages through users with the real SDK and counts requests and resource units', async () => {
    let count = 0;
    let pages = 0;
    for await (const page of graph.pages<{ id: string }>('/users', { query: { $top: 7, $select: 'id,displayName' }, type: 'user' })) {
      pages++;
      count += page.items.length;
      for (const user of page.items) expect(typeof user.id).toBe('string');
    }
    if (tenant.users !== undefined) expect(count).toBe(tenant.users);
    expect(pages).toBe(Math.ceil(count / 7));
    const stats = scheduler.stats().byType.user!;
    expect(stats.requests).toBe(pages);
    expect(stats.resourceUnits).toBeGreaterThanOrEqual(pages);
    expect(stats.throttled).toBe(0);
  });

  it('runs a delta round, then an empty one from the saved link', async () => {
    let items = 0;
    let link = '';
    for await (const event of graph.delta('/groups/delta', { query: { $select: 'displayName,members' }, type: 'group' })) {
      if (event.kind === 'deltaLink') link = event.url;
      else items++;
    }
    expect(items).toBeGreaterThan(0);
    expect(link).toContain('deltatoken');
    const again = [];
    for await (const event of graph.delta(link, { type: 'group' })) again.push(event.kind);
    expect(again).toEqual(['deltaLink']);
  });

  it('reads through $batch in chunks of 20', async () => {
    const ids: string[] = [];
    for await (const user of graph.items<{ id: string }>('/users', { query: { $select: 'id' }, type: 'user' })) ids.push(user.id);
    const wanted = ids.slice(0, 25);
    const seen: string[] = [];
    for await (const result of graph.batch(wanted.map((id) => ({ key: id, method: 'GET' as const, url: `/users/${id}?$select=id,displayName`, type: 'user' })))) {
      expect(result.status).toBe(200);
      seen.push((result.body as { id: string }).id);
    }
    expect(seen.sort()).toEqual([...wanted].sort());
  });

  it('maps a missing object to ITEM_NOT_FOUND and a wrong secret to AUTH_FAILED with its hint', async () => {
    await expect(graph.request('/users/00000000-0000-4000-8000-000000000001', { type: 'user' })).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
    const wrong = createCredential({ ...profile, clientSecret: new Secret('not-the-secret') });
    await expect(wrong.getToken(profile.cloud.graphScope)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
