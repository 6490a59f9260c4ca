/**
 * Delta queries: every delta-capable directory collection round-trips; large member lists are
 * sliced across pages; `$deltatoken=latest`; id filters; tokens expire after 7 days with
 * `syncStateNotFound`; the control API can force `410 Gone` with a Location.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, graph, startTest, type TestEmulator } from './helpers.js';

interface Round {
  items: Record<string, unknown>[];
  deltaLink: string;
  pages: number;
}

describe('delta queries', () => {
  let em: TestEmulator;
  let token: string;
  beforeAll(async () => {
    em = await startTest({ tenants: [{ name: 'contoso', counts: { users: 1_500, groups: 20, memberships: 4_000 } }] });
    token = await clientToken(em, em.t);
  });
  afterAll(async () => {
    await em?.close();
  });

  async function round(start: string, headers: Record<string, string> = {}): Promise<Round> {
    const items: Record<string, unknown>[] = [];
    let url: string | undefined = start;
    let pages = 0;
    for (;;) {
      const res = await graph(em, token, url as string, { headers });
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      pages++;
      items.push(...(res.body.value as Record<string, unknown>[]));
      url = res.body['@odata.nextLink'];
      if (!url) return { items, deltaLink: res.body['@odata.deltaLink'] as string, pages };
    }
  }

  it('round-trips every delta-capable directory collection', async () => {
    const admin = await clientToken(em, em.t);
    token = admin;
    const collections = ['/applications', '/servicePrincipals', '/devices', '/directoryRoles', '/directory/administrativeUnits', '/oauth2PermissionGrants'];
    const state = em.control.tenantState(em.t.tenantId);
    for (const path of collections) {
      const initial = await round(`${path}/delta`);
      const store = { '/applications': 'applications', '/servicePrincipals': 'servicePrincipals', '/devices': 'devices', '/directoryRoles': 'directoryRoles', '/directory/administrativeUnits': 'administrativeUnits', '/oauth2PermissionGrants': 'oauth2PermissionGrants' }[path] as string;
      expect({ path, n: new Set(initial.items.map((i) => i.id)).size }).toEqual({ path, n: state.store(store).size });
      const empty = await round(initial.deltaLink);
      expect({ path, items: empty.items }).toEqual({ path, items: [] });
    }
    // One change each, then the next round reports exactly it.
    const app = (await graph(em, token, '/applications?$top=1&$select=id')).body.value[0].id;
    const apps0 = await round('/applications/delta?$select=displayName');
    await graph(em, token, `/applications/${app}`, { method: 'PATCH', body: { displayName: 'Renamed app' } });
    expect((await round(apps0.deltaLink)).items).toEqual([{ displayName: 'Renamed app', id: app }]);
    const dev = (await graph(em, token, '/devices?$top=1&$select=id')).body.value[0].id;
    const devs0 = await round('/devices/delta?$select=displayName');
    await graph(em, token, `/devices/${dev}`, { method: 'DELETE' });
    expect((await round(devs0.deltaLink)).items).toEqual([{ id: dev, '@removed': { reason: 'deleted' } }]);
    const roles0 = await round('/directoryRoles/delta');
    const role = (await graph(em, token, '/directoryRoles?$select=id')).body.value[0].id;
    const member = (await graph(em, token, '/users?$top=200&$select=id')).body.value[150].id;
    await graph(em, token, `/directoryRoles/${role}/members/$ref`, { method: 'POST', body: { '@odata.id': `${em.url}/v1.0/directoryObjects/${member}` } });
    expect((await round(roles0.deltaLink)).items).toEqual([{ id: role, 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: member }] }]);
  });

  it('slices a large group\'s members@delta across pages', async () => {
    const first = await round('/groups/delta?$select=displayName,members', { Prefer: 'odata.maxpagesize=5' });
    const all = first.items.filter((g) => g.displayName === 'All Company');
    expect(all.length).toBeGreaterThan(1);
    const merged = all.flatMap((g) => g['members@delta'] as { id: string }[]).map((m) => m.id);
    const state = em.control.tenantState(em.t.tenantId);
    const group = [...state.store('groups').values()].find((g) => g.displayName === 'All Company') as { id: string };
    expect(new Set(merged).size).toBe(state.relations.members.targets(state.directory.handle(group.id) as number).size);
    expect(first.pages).toBeGreaterThan(4);
  });

  it('supports $deltatoken=latest and id filters', async () => {
    const latest = await graph(em, token, '/users/delta?$deltatoken=latest&$select=displayName');
    expect(latest.body.value).toEqual([]);
    const users = (await graph(em, token, '/users?$top=3&$select=id')).body.value.map((u: { id: string }) => u.id);
    await graph(em, token, `/users/${users[0]}`, { method: 'PATCH', body: { displayName: 'Latest Change' } });
    await graph(em, token, `/users/${users[1]}`, { method: 'PATCH', body: { displayName: 'Other Change' } });
    const changes = await round(latest.body['@odata.deltaLink']);
    expect(changes.items.map((i) => i.displayName).sort()).toEqual(['Latest Change', 'Other Change']);
    const filtered = await round(`/users/delta?$filter=id eq '${users[0]}' or id eq '${users[2]}'&$select=displayName`);
    expect(filtered.items.map((i) => i.id).sort()).toEqual([users[0], users[2]].sort());
    const bad = await graph(em, token, "/users/delta?$filter=displayName eq 'x'");
    expect(bad.status).toBe(400);
    expect((await graph(em, token, '/users/delta?$top=5')).status).toBe(400);
  });

  it('expires delta links after 7 days with syncStateNotFound', async () => {
    const r0 = await round('/groups/delta?$select=displayName');
    em.clock.advance(6 * 24 * 3600 * 1000);
    token = await clientToken(em, em.t);
    const r1 = await round(r0.deltaLink);
    expect(r1.items).toEqual([]);
    em.clock.advance(7 * 24 * 3600 * 1000 + 1000);
    token = await clientToken(em, em.t);
    const expired = await graph(em, token, r1.deltaLink);
    expect(expired.status).toBe(400);
    expect(expired.body.error).toMatchObject({ code: 'syncStateNotFound', message: 'The sync state generation is not found. The delta token is expired and data must be synchronized again.' });
    // A fresh initial sync works.
    expect((await round('/groups/delta?$select=displayName')).items.length).toBe(em.control.tenantState(em.t.tenantId).store('groups').size);
  });

  it('answers 410 Gone with a Location to restart from scratch when the control API asks', async () => {
    const r0 = await round('/users/delta?$select=displayName');
    em.control.setDeltaReset(em.t.tenantId, true);
    const gone = await graph(em, token, r0.deltaLink);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('location')).toBe(`${em.url}/v1.0/users/delta?$deltatoken=`);
    em.control.setDeltaReset(em.t.tenantId, false);
    expect((await graph(em, token, r0.deltaLink)).status).toBe(200);
  });
});
