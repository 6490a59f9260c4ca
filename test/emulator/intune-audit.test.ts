/**
 * Intune's own audit log (`deviceManagement/auditEvents`): one event per successful Intune write —
 * create, PATCH, an action (`/assign`), DELETE, and writes inside `$batch` — with its operation
 * type, activity, category, actor and resource; none for GETs or failed writes; newest first,
 * `$filter` on `activityDateTime`, `$top` paging, DeviceManagementApps.* permissions; and still no
 * Entra directory audit record for Intune writes.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { all, clientToken, graph, useTestEmulator, type TestEmulator } from './helpers.js';

const EVENTS = '/deviceManagement/auditEvents';
const CONFIGS = '/deviceManagement/deviceConfigurations';
const CUSTOM = 'windows10CustomConfiguration';
const config = (displayName: string) => ({
  '@odata.type': `#microsoft.graph.${CUSTOM}`,
  displayName,
  omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: 'x', omaUri: './Device/x', value: 1 }],
});

describe('Intune audit events', () => {
  let em: TestEmulator;
  let token: string;
  useTestEmulator((e, t) => {
    em = e;
    token = t;
  });

  const directoryAuditCount = () => em.control.tenantState(em.t.tenantId).store('directoryAudits').size;
  const eventCount = () => em.control.tenantState(em.t.tenantId).store('intuneAuditEvents').size;
  const nowIso = () => new Date(em.clock.now()).toISOString();

  /** The actor every event of the test app carries (v1.0 projection). */
  async function actor(): Promise<Record<string, unknown>> {
    const sp = (await graph(em, token, `/servicePrincipals?$filter=appId eq '${em.t.clientId}'&$select=displayName`)).body.value[0];
    return {
      auditActorType: 'ItPro', userPermissions: [], applicationId: em.t.clientId, applicationDisplayName: sp.displayName,
      userPrincipalName: null, servicePrincipalName: sp.displayName, ipAddress: '127.0.0.1', userId: null,
    };
  }

  it('records create, PATCH, /assign, DELETE and a $batch write, in order, and nothing for GETs or failures', async () => {
    const groupId = (await graph(em, token, '/groups?$filter=securityEnabled eq true&$select=id&$top=1')).body.value[0].id as string;
    const directoryBefore = directoryAuditCount();
    expect((await all(em, token, EVENTS))).toEqual([]);

    em.clock.advance(60_000);
    const t1 = nowIso();
    const correlation = randomUUID();
    const created = await graph(em, token, CONFIGS, { method: 'POST', body: config('Audit me'), headers: { 'client-request-id': correlation } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    em.clock.advance(60_000);
    const t2 = nowIso();
    expect((await graph(em, token, `${CONFIGS}/${id}`, { method: 'PATCH', body: { '@odata.type': `#microsoft.graph.${CUSTOM}`, displayName: 'Audit me 2', version: 40 } })).status).toBe(204);
    em.clock.advance(60_000);
    const t3 = nowIso();
    expect((await graph(em, token, `${CONFIGS}/${id}/assign`, { method: 'POST', body: { assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } }] } })).status).toBe(200);

    // Failed writes and reads add nothing.
    expect((await graph(em, token, `${CONFIGS}/${randomUUID()}`, { method: 'PATCH', body: { '@odata.type': `#microsoft.graph.${CUSTOM}`, displayName: 'x' } })).status).toBe(404);
    expect((await graph(em, token, CONFIGS, { method: 'POST', body: { displayName: 'abstract' } })).status).toBe(400);
    expect((await graph(em, token, `${CONFIGS}/${id}/assign`, { method: 'POST', body: { nonsense: [] } })).status).toBe(400);
    expect(eventCount()).toBe(3);

    em.clock.advance(60_000);
    const t4 = nowIso();
    const batch = await graph(em, token, '/$batch', { method: 'POST', body: { requests: [
      { id: '1', method: 'POST', url: CONFIGS, headers: { 'content-type': 'application/json' }, body: config('Batched') },
      { id: '2', method: 'GET', url: `${CONFIGS}/${id}` },
      { id: '3', method: 'DELETE', url: `${CONFIGS}/${randomUUID()}` },
    ] } });
    expect(batch.body.responses.map((r: { status: number }) => r.status)).toEqual([201, 200, 404]);
    const batchedId = batch.body.responses[0].body.id as string;

    em.clock.advance(60_000);
    const t5 = nowIso();
    expect((await graph(em, token, `${CONFIGS}/${id}`, { method: 'DELETE' })).status).toBe(204);

    const who = await actor();
    const resource = (resourceId: string, displayName: string, modifiedProperties: unknown[] = []) => ({
      resourceId, displayName, auditResourceType: CUSTOM, modifiedProperties,
    });
    const event = (activityDateTime: string, operation: string, activityType: string, res: unknown) => ({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), displayName: activityType, componentName: 'DeviceConfiguration', activity: activityType, activityDateTime,
      activityType, activityOperationType: operation, activityResult: 'Success', correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      category: 'DeviceConfiguration', actor: who, resources: [res],
    });
    const events = await all(em, token, EVENTS);
    // Newest first.
    expect(events).toEqual([
      event(t5, 'Delete', 'Delete DeviceConfiguration', resource(id, 'Audit me 2')),
      event(t4, 'Create', 'Create DeviceConfiguration', resource(batchedId, 'Batched')),
      event(t3, 'Action', 'assign DeviceConfiguration', resource(id, 'Audit me 2')),
      event(t2, 'Patch', 'Patch DeviceConfiguration', resource(id, 'Audit me 2', [{ displayName: 'displayName', oldValue: 'Audit me', newValue: 'Audit me 2' }])),
      event(t1, 'Create', 'Create DeviceConfiguration', resource(id, 'Audit me')),
    ]);
    expect(events[4].correlationId).toBe(correlation);
    expect(new Set(events.map((e) => e.id)).size).toBe(5);

    // Beta has the beta-only actor and resource properties.
    const beta = await graph(em, token, `/beta${EVENTS}/${events[0].id}`);
    expect(beta.body).toMatchObject({
      '@odata.context': expect.stringContaining('/beta/$metadata#deviceManagement/auditEvents/$entity'),
      actor: { ...who, type: 'ItPro', remoteTenantId: null, remoteUserId: null },
      resources: [{ ...resource(id, 'Audit me 2'), type: CUSTOM }],
    });
    expect((await graph(em, token, `${EVENTS}/${events[0].id}`)).body).toEqual({
      '@odata.context': expect.stringContaining('/v1.0/$metadata#deviceManagement/auditEvents/$entity'), ...events[0],
    });
    expect((await graph(em, token, `${EVENTS}/${randomUUID()}`)).body.error.code).toBe('ResourceNotFound');

    // Intune writes still write nothing to the Entra directory audit log.
    expect(directoryAuditCount()).toBe(directoryBefore);

    // $filter on activityDateTime, and the other filterable properties.
    const newer = await all(em, token, `${EVENTS}?$filter=activityDateTime ge ${t3}`);
    expect(newer.map((e) => e.activityDateTime)).toEqual([t5, t4, t3]);
    expect((await all(em, token, `${EVENTS}?$filter=activityDateTime gt ${t3} and activityDateTime lt ${t5}`)).map((e) => e.activityDateTime)).toEqual([t4]);
    expect((await all(em, token, `${EVENTS}?$filter=activityOperationType eq 'Create'`)).map((e) => e.resources[0].resourceId)).toEqual([batchedId, id]);
    expect(await all(em, token, `${EVENTS}?$filter=category eq 'Compliance'`)).toEqual([]);
    expect((await all(em, token, `${EVENTS}?$filter=componentName eq 'DeviceConfiguration'`))).toHaveLength(5);
    expect((await graph(em, token, `${EVENTS}?$filter=activity eq 'x'`)).status).toBe(400);

    // $top=2 walks every event, newest first, and pages stay stable while events are written.
    const first = await graph(em, token, `${EVENTS}?$top=2`);
    expect(first.body.value.map((e: { id: string }) => e.id)).toEqual(events.slice(0, 2).map((e) => e.id));
    await graph(em, token, CONFIGS, { method: 'POST', body: config('Written while paging') });
    const rest = await all(em, token, first.body['@odata.nextLink']);
    expect([...first.body.value, ...rest].map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect((await graph(em, token, `${EVENTS}?$top=1000`)).status).toBe(400);
  });

  it('GET-only traffic adds no event', async () => {
    const before = eventCount();
    await graph(em, token, CONFIGS);
    await graph(em, token, '/deviceAppManagement/mobileApps?$top=5');
    await graph(em, token, '/beta/deviceManagement/configurationPolicies');
    await graph(em, token, '/$batch', { method: 'POST', body: { requests: [{ id: '1', method: 'GET', url: '/deviceManagement/deviceCompliancePolicies' }] } });
    await graph(em, token, EVENTS);
    expect(eventCount()).toBe(before);
  });

  it('categories follow the collection; actions name themselves', async () => {
    const policy = await graph(em, token, '/deviceManagement/deviceCompliancePolicies', { method: 'POST', body: {
      '@odata.type': '#microsoft.graph.windows10CompliancePolicy', displayName: 'Compliance audit',
      scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
    } });
    expect(policy.status).toBe(201);
    await graph(em, token, `/deviceManagement/deviceCompliancePolicies/${policy.body.id}/scheduleActionsForRules`, { method: 'POST', body: { deviceComplianceScheduledActionForRules: [] } });
    const [action, create] = await all(em, token, `${EVENTS}?$filter=category eq 'Compliance'`);
    expect(create).toMatchObject({ activityType: 'Create DeviceCompliancePolicy', activityOperationType: 'Create', componentName: 'Compliance', resources: [{ resourceId: policy.body.id, auditResourceType: 'windows10CompliancePolicy', displayName: 'Compliance audit' }] });
    expect(action).toMatchObject({ activityType: 'scheduleActionsForRules DeviceCompliancePolicy', activityOperationType: 'Action', resources: [{ resourceId: policy.body.id }] });
  });

  it('needs DeviceManagementApps.Read.All or .ReadWrite.All', async () => {
    const tenant = em.t.tenantId;
    const none = em.control.registerApp(tenant, { displayName: 'Configurations only', applicationPermissions: ['DeviceManagementConfiguration.ReadWrite.All'] });
    const denied = await clientToken(em, { tenantId: tenant, clientId: none.clientId, clientSecret: none.clientSecret });
    for (const path of [EVENTS, `/beta${EVENTS}`, `${EVENTS}/${randomUUID()}`]) {
      const res = await graph(em, denied, path);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 403, code: 'Authorization_RequestDenied' });
    }
    const reader = em.control.registerApp(tenant, { displayName: 'Apps reader', applicationPermissions: ['DeviceManagementApps.Read.All'] });
    const allowed = await clientToken(em, { tenantId: tenant, clientId: reader.clientId, clientSecret: reader.clientSecret });
    expect((await graph(em, allowed, `/beta${EVENTS}?$top=1`)).status).toBe(200);
    // The log is read-only.
    expect((await graph(em, token, EVENTS, { method: 'POST', body: { displayName: 'forged' } })).status).toBe(405);
  });
});
