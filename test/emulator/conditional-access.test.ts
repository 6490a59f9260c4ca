/**
 * Conditional access over HTTP: policies and named locations (CRUD, polymorphic locations,
 * read-only and required properties), the CA recycle bins (soft delete, restore with the same
 * ID, permanent delete, 30-day purge on the emulator clock), the "both permissions" write rule,
 * audit records, and the CA throttling class (1 request/s per tenant, 429 without Retry-After).
 */
import { describe, expect, it } from 'vitest';
import { clientToken, graph, startTest, useTestEmulator, type TestEmulator } from './helpers.js';

const CA = '/identity/conditionalAccess';

const policyBody = {
  displayName: 'Require MFA for admins (test)',
  state: 'enabledForReportingButNotEnforced',
  conditions: {
    applications: { includeApplications: ['All'] },
    users: { includeRoles: ['62e90394-69f5-4237-9190-012177145e10'] },
    clientAppTypes: ['all'],
  },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
};

const ipLocation = {
  '@odata.type': '#microsoft.graph.ipNamedLocation',
  displayName: 'Test office',
  isTrusted: true,
  ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' }],
};

describe('conditional access', () => {
  let em: TestEmulator;
  let token: string;
  useTestEmulator((e, t) => {
    em = e;
    token = t;
  });

  it('lists the generated policies and locations with every property of their type', async () => {
    const policies = await graph(em, token, `${CA}/policies`);
    expect(policies.status).toBe(200);
    expect(policies.body['@odata.context']).toMatch(/\/v1\.0\/\$metadata#identity\/conditionalAccess\/policies$/);
    expect(policies.body.value.length).toBeGreaterThanOrEqual(12);
    const first = policies.body.value[0];
    expect(Object.keys(first).sort()).toEqual(
      ['conditions', 'createdDateTime', 'deletedDateTime', 'description', 'displayName', 'grantControls', 'id', 'modifiedDateTime', 'sessionControls', 'state', 'templateId'].sort(),
    );
    expect(first.description).toBeNull();
    const beta = await graph(em, token, `/beta${CA}/policies/${first.id}`);
    expect(beta.status).toBe(200);
    expect(beta.body).not.toHaveProperty('templateId');
    const locations = await graph(em, token, `${CA}/namedLocations`);
    const types = new Set(locations.body.value.map((l: { '@odata.type': string }) => l['@odata.type']));
    expect(types).toEqual(new Set(['#microsoft.graph.ipNamedLocation', '#microsoft.graph.countryNamedLocation']));
  });

  it('creates, updates and reads a policy; refuses read-only, missing and invalid values', async () => {
    const created = await graph(em, token, `${CA}/policies`, { method: 'POST', body: policyBody });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ displayName: policyBody.displayName, state: policyBody.state, modifiedDateTime: null, createdDateTime: new Date(em.clock.now()).toISOString() });
    const id = created.body.id as string;
    em.clock.advance(60_000);
    expect((await graph(em, token, `${CA}/policies/${id}`, { method: 'PATCH', body: { state: 'disabled' } })).status).toBe(204);
    const after = await graph(em, token, `${CA}/policies/${id}`);
    expect(after.body).toMatchObject({ id, state: 'disabled', modifiedDateTime: new Date(em.clock.now()).toISOString() });

    const readOnly = await graph(em, token, `${CA}/policies`, { method: 'POST', body: { ...policyBody, createdDateTime: '2020-01-01T00:00:00Z' } });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.error.message).toBe("Property 'createdDateTime' is read-only and cannot be set.");
    const missing = await graph(em, token, `${CA}/policies`, { method: 'POST', body: { displayName: 'x', state: 'enabled' } });
    expect(missing.body.error.message).toBe("A value is required for property 'conditions' of resource 'ConditionalAccessPolicy'.");
    const badState = await graph(em, token, `${CA}/policies/${id}`, { method: 'PATCH', body: { state: 'on' } });
    expect(badState.status).toBe(400);
    const unknown = await graph(em, token, `${CA}/policies/${id}`, { method: 'PATCH', body: { colour: 'red' } });
    expect(unknown.body.error.message).toBe("Invalid property 'colour'.");
  });

  it('named locations are polymorphic and a PATCH must name their @odata.type', async () => {
    const created = await graph(em, token, `${CA}/namedLocations`, { method: 'POST', body: ipLocation });
    expect(created.status).toBe(201);
    expect(created.body['@odata.type']).toBe('#microsoft.graph.ipNamedLocation');
    const id = created.body.id as string;
    const untyped = await graph(em, token, `${CA}/namedLocations/${id}`, { method: 'PATCH', body: { displayName: 'Renamed' } });
    expect(untyped.status).toBe(400);
    const wrongType = await graph(em, token, `${CA}/namedLocations/${id}`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Renamed' } });
    expect(wrongType.status).toBe(400);
    expect((await graph(em, token, `${CA}/namedLocations/${id}`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Renamed' } })).status).toBe(204);
    expect((await graph(em, token, `${CA}/namedLocations/${id}`)).body.displayName).toBe('Renamed');
    expect((await graph(em, token, `${CA}/namedLocations`, { method: 'POST', body: { displayName: 'no type' } })).status).toBe(400);
    const noRanges = await graph(em, token, `${CA}/namedLocations`, { method: 'POST', body: { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x' } });
    expect(noRanges.body.error.message).toBe("A value is required for property 'ipRanges' of resource 'IpNamedLocation'.");
  });

  it('a deleted policy waits in the bin, comes back with its ID, and can be deleted for good', async () => {
    const id = (await graph(em, token, `${CA}/policies`, { method: 'POST', body: policyBody })).body.id as string;
    expect((await graph(em, token, `${CA}/policies/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `${CA}/policies/${id}`)).status).toBe(404);
    const bin = await graph(em, token, `${CA}/deletedItems/policies`);
    expect(bin.body.value.map((p: { id: string }) => p.id)).toContain(id);
    const item = await graph(em, token, `${CA}/deletedItems/policies/${id}`);
    expect(item.body).toMatchObject({ id, displayName: policyBody.displayName, deletedDateTime: expect.any(String) });
    const restored = await graph(em, token, `${CA}/deletedItems/policies/${id}/restore`, { method: 'POST' });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id, deletedDateTime: null, state: policyBody.state });
    expect((await graph(em, token, `${CA}/policies/${id}`)).status).toBe(200);
    expect((await graph(em, token, `${CA}/deletedItems/policies/${id}`)).status).toBe(404);

    await graph(em, token, `${CA}/policies/${id}`, { method: 'DELETE' });
    expect((await graph(em, token, `${CA}/deletedItems/policies/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `${CA}/deletedItems/policies/${id}/restore`, { method: 'POST' })).status).toBe(404);

    const audits = em.runtime.tenant(em.t.tenantId)?.state.store('directoryAudits');
    const mine = [...(audits?.values() ?? [])].filter((a) => (a.targetResources as { id: string }[])[0]?.id === id).map((a) => a.activityDisplayName);
    expect(mine).toEqual(['Add conditional access policy', 'Delete conditional access policy', 'Restore conditional access policy', 'Delete conditional access policy', 'Hard delete conditional access policy']);
  });

  it('purges bin items after 30 days', async () => {
    const id = (await graph(em, token, `${CA}/namedLocations`, { method: 'POST', body: ipLocation })).body.id as string;
    await graph(em, token, `${CA}/namedLocations/${id}`, { method: 'DELETE' });
    em.clock.advance(29 * 86_400_000);
    // Tokens live an hour on the same clock.
    token = await clientToken(em, em.t);
    expect((await graph(em, token, `${CA}/deletedItems/namedLocations/${id}`)).status).toBe(200);
    em.clock.advance(2 * 86_400_000);
    token = await clientToken(em, em.t);
    expect((await graph(em, token, `${CA}/deletedItems/namedLocations/${id}`)).status).toBe(404);
  });

  it('writes need Policy.Read.All and Policy.ReadWrite.ConditionalAccess; reads need Policy.Read.All', async () => {
    const writeOnly = em.control.registerApp(em.t.tenantId, { displayName: 'CA writer without read', applicationPermissions: ['Policy.ReadWrite.ConditionalAccess'] });
    const reader = em.control.registerApp(em.t.tenantId, { displayName: 'CA reader', applicationPermissions: ['Policy.Read.All'] });
    const w = await clientToken(em, { tenantId: em.t.tenantId, clientId: writeOnly.clientId, clientSecret: writeOnly.clientSecret });
    const r = await clientToken(em, { tenantId: em.t.tenantId, clientId: reader.clientId, clientSecret: reader.clientSecret });
    const denied = await graph(em, w, `${CA}/policies`, { method: 'POST', body: policyBody });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-emulator-required-permissions')).toBe('Policy.ReadWrite.ConditionalAccess + Policy.Read.All');
    expect((await graph(em, w, `${CA}/policies`)).status).toBe(200);
    expect((await graph(em, r, `${CA}/policies`)).status).toBe(200);
    expect((await graph(em, r, `${CA}/policies`, { method: 'POST', body: policyBody })).status).toBe(403);
    expect((await graph(em, r, `${CA}/deletedItems/policies`)).status).toBe(200);
  });
});

describe('conditional access throttling', () => {
  it('allows 1 request per second per tenant and answers 429 without Retry-After', async () => {
    const em = await startTest({ throttle: true });
    try {
      const token = await clientToken(em, em.t);
      expect((await graph(em, token, `${CA}/policies`)).status).toBe(200);
      const throttled = await graph(em, token, `${CA}/namedLocations`);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBeNull();
      expect(throttled.headers.get('x-ms-throttle-scope')).toMatch(/^Tenant\/ReadWrite\//);
      expect(throttled.body.error.code).toBe('TooManyRequests');
      // Other apps share the tenant's budget; the directory does not.
      expect((await graph(em, token, '/users?$top=1')).status).toBe(200);
      // The refused request counted too (facts §1.5), so the budget is back after two seconds.
      em.clock.advance(1_000);
      expect((await graph(em, token, `${CA}/deletedItems/policies`)).status).toBe(429);
      em.clock.advance(2_000);
      expect((await graph(em, token, `${CA}/deletedItems/policies`)).status).toBe(200);
    } finally {
      await em.close();
    }
  });
});
