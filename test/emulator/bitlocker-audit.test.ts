/**
 * BitLocker keys and the directory audit log over HTTP: keys without their secret in lists and
 * plain gets, the key with `$select=key` (BitlockerKey.Read.All only) and the KeyManagement audit
 * record that read writes; the audit log newest first, its `activityDateTime` filter, stable
 * paging while records are written, and the reports throttling class.
 */
import { describe, expect, it } from 'vitest';
import { all, clientToken, graph, startTest, useTestEmulator, type TestEmulator } from './helpers.js';

const KEYS = '/informationProtection/bitlocker/recoveryKeys';
const AUDIT = '/auditLogs/directoryAudits';

describe('BitLocker recovery keys and the audit log', () => {
  let em: TestEmulator;
  let token: string;
  useTestEmulator((e, t) => {
    em = e;
    token = t;
  });

  it('lists keys without the key, one per Windows device', async () => {
    const keys = await all(em, token, KEYS);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(Object.keys(k).sort()).toEqual(['createdDateTime', 'deviceId', 'id', 'volumeType']);
    const deviceId = keys[0].deviceId as string;
    const filtered = await graph(em, token, `${KEYS}?$filter=deviceId eq '${deviceId}'`);
    expect(filtered.body.value.every((k: { deviceId: string }) => k.deviceId === deviceId)).toBe(true);
    expect((await graph(em, token, `${KEYS}?$filter=volumeType eq 'fixedDataVolume'`)).status).toBe(400);
    expect((await graph(em, token, `${KEYS}?$select=key`)).status).toBe(400);
  });

  it('returns the key only with $select=key, and that read is audited in KeyManagement', async () => {
    const key = (await graph(em, token, `${KEYS}?$top=1`)).body.value[0];
    const plain = await graph(em, token, `${KEYS}/${key.id}`);
    expect(plain.body).not.toHaveProperty('key');
    const before = (await graph(em, token, `${AUDIT}?$filter=category eq 'KeyManagement'`)).body.value.length;
    const secret = await graph(em, token, `${KEYS}/${key.id}?$select=key`, { headers: { 'ocp-client-name': 'Tenant Vault', 'ocp-client-version': '0.1' } });
    expect(secret.status).toBe(200);
    expect(secret.body).toMatchObject({ id: key.id, deviceId: key.deviceId, volumeType: key.volumeType });
    expect(secret.body.key).toMatch(/^(\d{6}-){7}\d{6}$/);
    for (const block of secret.body.key.split('-')) expect(Number(block) % 11).toBe(0);
    // The same key every time.
    expect((await graph(em, token, `${KEYS}/${key.id}?$select=key`)).body.key).toBe(secret.body.key);
    const audits = (await graph(em, token, `${AUDIT}?$filter=category eq 'KeyManagement'`)).body.value;
    expect(audits.length).toBe(before + 2);
    const device = (await graph(em, token, `/devices?$filter=deviceId eq '${key.deviceId}'&$select=id,displayName`)).body.value[0];
    expect(audits[1]).toMatchObject({
      activityDisplayName: 'Read BitLocker key',
      category: 'KeyManagement',
      result: 'success',
      initiatedBy: { app: { appId: em.t.clientId } },
      targetResources: [expect.objectContaining({ id: device.id, type: 'Device', displayName: device.displayName })],
      additionalDetails: [{ key: 'RecoveryKeyId', value: key.id }, { key: 'ClientName', value: 'Tenant Vault 0.1' }],
    });
  });

  it('BitlockerKey.ReadBasic.All reads metadata but not the key', async () => {
    const app = em.control.registerApp(em.t.tenantId, { displayName: 'Key metadata', applicationPermissions: ['BitlockerKey.ReadBasic.All'] });
    const basic = await clientToken(em, { tenantId: em.t.tenantId, clientId: app.clientId, clientSecret: app.clientSecret });
    const key = (await graph(em, basic, `${KEYS}?$top=1`)).body.value[0];
    expect((await graph(em, basic, `${KEYS}/${key.id}`)).status).toBe(200);
    expect((await graph(em, basic, `${KEYS}/${key.id}?$select=key`)).status).toBe(403);
  });

  it('audit log: newest first, filters on activityDateTime as instants, pages stably while records are written', async () => {
    const first = await graph(em, token, `${AUDIT}?$top=5`);
    const times = first.body.value.map((r: { activityDateTime: string }) => Date.parse(r.activityDateTime));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const since = new Date(em.clock.now() - 2 * 86_400_000).toISOString().replace('.000', '');
    const recent = await all(em, token, `${AUDIT}?$filter=activityDateTime ge ${since}`);
    expect(recent.length).toBeGreaterThan(0);
    for (const r of recent) expect(Date.parse(r.activityDateTime)).toBeGreaterThanOrEqual(Date.parse(since));
    // A write between pages must not shift what the next link returns.
    const page1 = await graph(em, token, `${AUDIT}?$top=10`);
    await graph(em, token, '/identity/conditionalAccess/namedLocations', { method: 'POST', body: { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Audit test', countriesAndRegions: ['DE'] } });
    const page2 = await graph(em, token, page1.body['@odata.nextLink']);
    const ids1 = page1.body.value.map((r: { id: string }) => r.id);
    expect(page2.body.value.some((r: { id: string }) => ids1.includes(r.id))).toBe(false);
    expect(Date.parse(page2.body.value[0].activityDateTime)).toBeLessThanOrEqual(Date.parse(page1.body.value.at(-1).activityDateTime));
    const newest = (await graph(em, token, `${AUDIT}?$top=1`)).body.value[0];
    expect(newest).toMatchObject({ activityDisplayName: 'Add named location', category: 'Policy', loggedByService: 'Conditional Access' });
    expect((await graph(em, token, `${AUDIT}/${newest.id}`)).body.id).toBe(newest.id);
    expect((await graph(em, token, `${AUDIT}?$top=1000`)).status).toBe(400);
  });
});

describe('audit log throttling', () => {
  it('allows 5 requests per 10 s per app and tenant', async () => {
    const em = await startTest({ throttle: true });
    try {
      const token = await clientToken(em, em.t);
      for (let i = 0; i < 5; i++) expect((await graph(em, token, `${AUDIT}?$top=1`)).status).toBe(200);
      const throttled = await graph(em, token, `${AUDIT}?$top=1`);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await graph(em, token, '/users?$top=1')).status).toBe(200);
    } finally {
      await em.close();
    }
  });
});
