/**
 * The control API (HTTP under /_emulator and in-process): tenants, app registration, stats by
 * endpoint, fault injection (rate, kinds, resets, slow answers on the emulator clock), per-test
 * overrides (static over HTTP, handlers with passthrough in-process), clock and reset.
 */
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/emulator/http.js';
import { clientToken, graph, useTestEmulator, type TestEmulator } from './helpers.js';

async function control(em: TestEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${em.url}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('control API', () => {
  let em: TestEmulator;
  let token: string;
  useTestEmulator((e, t) => {
    em = e;
    token = t;
  });

  it('creates tenants and registers apps with chosen permissions over HTTP', async () => {
    const created = await control(em, 'POST', '/tenants', { name: 'fabrikam', size: 'small', seed: 7 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'fabrikam', domain: 'fabrikam.onmicrosoft.com', users: 50 });
    expect((await control(em, 'POST', '/tenants', { name: 'fabrikam' })).status).toBe(409);
    const list = await control(em, 'GET', '/tenants');
    expect(list.body.tenants.map((t: { name: string }) => t.name)).toEqual(['contoso', 'fabrikam']);
    const app = await control(em, 'POST', `/tenants/fabrikam/apps`, { displayName: 'Reader', applicationPermissions: ['User.Read.All', 'Group.Read.All'] });
    expect(app.status).toBe(201);
    const tok = await clientToken(em, { tenantId: created.body.tenantId, clientId: app.body.clientId, clientSecret: app.body.clientSecret });
    expect(JSON.parse(Buffer.from(tok.split('.')[1] as string, 'base64url').toString()).roles).toEqual(['Group.Read.All', 'User.Read.All']);
    // Tenants are isolated: a fabrikam token does not read contoso.
    const fabUsers = await graph(em, tok, '/users?$select=userPrincipalName&$top=1');
    expect(fabUsers.body.value[0].userPrincipalName).toMatch(/@fabrikam\.onmicrosoft\.com$/);
    expect((await control(em, 'POST', '/tenants/nope/apps', {})).status).toBe(404);
  });

  it('counts requests, resource units, writes, throttled and faults per tenant, app and endpoint', async () => {
    em.control.resetStats(em.t.tenantId);
    await graph(em, token, '/users?$top=5');
    await graph(em, token, '/users?$top=50');
    const user = (await graph(em, token, '/users?$top=1&$select=id')).body.value[0].id;
    await graph(em, token, `/users/${user}`, { method: 'PATCH', body: { jobTitle: 'Counted' } });
    const stats = (await control(em, 'GET', `/stats?tenant=${em.t.tenantId}`)).body;
    const app = stats.apps[em.t.clientId];
    expect(app.endpoints['GET /users']).toEqual({ requests: 3, resourceUnits: 1 + 2 + 1, writes: 0, throttled: 0, faults: 0, errors: 0 });
    expect(app.endpoints['PATCH /users/{id}']).toMatchObject({ requests: 1, writes: 1 });
    expect(stats).toMatchObject({ requests: 4, writes: 1 });
  });

  it('injects faults at a seeded rate, never on control requests or opted-out requests', async () => {
    const run = async (): Promise<number[]> => {
      await control(em, 'PUT', '/faults', { rate: 0.5, seed: 3, kinds: { internal: 1, unavailable: 1, timeout: 1, throttle: 1 } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await graph(em, token, '/organization')).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const failed = a.filter((s) => s !== 200);
    expect(failed.length).toBeGreaterThan(5);
    expect(failed.length).toBeLessThan(25);
    expect(new Set(failed)).toEqual(new Set([429, 500, 503, 504].filter((s) => failed.includes(s))));
    await control(em, 'PUT', '/faults', { rate: 1, kinds: { internal: 1 } });
    const fault = await graph(em, token, '/organization');
    expect(fault.status).toBe(500);
    expect(fault.body.error).toMatchObject({ code: 'InternalServerError' });
    expect((await graph(em, token, '/organization', { headers: { 'x-emulator-no-faults': '1' } })).status).toBe(200);
    expect((await control(em, 'GET', '/faults')).status).toBe(200);
    await control(em, 'PUT', '/faults', { rate: 1, kinds: { reset: 1 } });
    await expect(graph(em, token, '/organization')).rejects.toThrow();
    await control(em, 'PUT', '/faults', { rate: 0 });
    expect(em.control.stats(em.t.tenantId).faults).toBeGreaterThan(0);
  });

  it('slow-response faults wait on the emulator clock', async () => {
    em.control.setFaults({ rate: 1, kinds: { slow: 1 }, slowMs: 5_000 });
    const pending = graph(em, token, '/organization');
    let done = false;
    void pending.then(() => {
      done = true;
    });
    // Wait (without sleeping) until the request is parked on the clock.
    while (em.clock.sleepers === 0) await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    em.control.setFaults({ rate: 0 });
    em.clock.advance(5_000);
    expect((await pending).status).toBe(200);
  });

  it('overrides win over built-in routes: static over HTTP, handlers with passthrough in-process', async () => {
    const reg = await control(em, 'POST', '/overrides', { method: 'GET', path: '/domains', status: 503, body: { error: { code: 'serviceNotAvailable', message: 'down' } }, times: 1 });
    expect(reg.status).toBe(201);
    expect((await graph(em, token, '/domains')).status).toBe(503);
    expect((await graph(em, token, '/domains')).status).toBe(200);
    const remove = em.control.use({
      method: 'GET',
      path: '/users/{id}',
      handler: async (ctx) => {
        const real = await ctx.next();
        return { ...real, body: { ...(real.body as object), jobTitle: `overridden ${ctx.params.id}` } };
      },
    });
    const user = (await graph(em, token, '/users?$top=1&$select=id')).body.value[0].id;
    expect((await graph(em, token, `/users/${user}`)).body.jobTitle).toBe(`overridden ${user}`);
    remove();
    expect((await graph(em, token, `/users/${user}`)).body.jobTitle).not.toMatch(/^overridden/);
    // A path the built-in routes do not know can be served too (e.g. a family not emulated yet).
    em.control.use({ method: 'GET', path: '/identityGovernance/accessReviews/definitions', handler: () => ({ status: 200, body: { value: [] } }) });
    expect((await graph(em, token, '/identityGovernance/accessReviews/definitions')).body).toEqual({ value: [] });
    await control(em, 'DELETE', '/overrides');
    expect((await graph(em, token, '/identityGovernance/accessReviews/definitions')).status).toBe(400);
  });

  it('advances the clock, serves the device approval page, and resets a tenant to its generated state', async () => {
    const before = em.clock.now();
    const adv = await control(em, 'POST', '/clock/advance', { ms: 60_000 });
    expect(adv.body.now).toBe(new Date(before + 60_000).toISOString());
    token = await clientToken(em, em.t);
    const page = await fetch(`${em.url}/_emulator/device/approve`);
    expect(await page.text()).toContain('<form');
    const created = await graph(em, token, '/users', { method: 'POST', body: { accountEnabled: true, displayName: 'Temp', mailNickname: 'temp', userPrincipalName: `temp@${em.t.domain}`, passwordProfile: { password: 'Xx1!xxxxx' } } });
    expect(created.status).toBe(201);
    const reset = await control(em, 'POST', `/tenants/${em.t.name}/reset`);
    expect(reset.body).toMatchObject({ tenantId: em.t.tenantId, clientSecret: em.t.clientSecret });
    token = await clientToken(em, em.t);
    expect((await graph(em, token, `/users/${created.body.id}`)).status).toBe(404);
    expect((await control(em, 'GET', '/nope')).status).toBe(404);
  });

  it('only answers loopback clients', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('10.0.0.5')).toBe(false);
  });
});
