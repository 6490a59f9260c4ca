/**
 * Throttling per the published limits (facts §1.2–1.5), on an injected clock: resource-unit
 * costs and modifiers, tenant size classes, the 80 % header, 429 headers and body, write quotas,
 * Intune and conditional-access classes, refill over time, and "throttle off" still reporting RU.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/emulator/index.js';
import { parseQuery } from '../../src/emulator/graph/odata/query.js';
import { Throttler, formatRetryAfter, resourceUnitCost, sizeClassOf, type ThrottleRequest } from '../../src/emulator/throttle/index.js';
import { classifyRequest } from '../../src/connectors/graph/cost-model.js';
import { clientToken, graph, startTest } from './helpers.js';

const req = (o: Partial<ThrottleRequest> = {}): ThrottleRequest => ({
  appId: 'app', tenantId: 'tenant', userCount: 10, throttleClass: 'identity', baseCost: 1, write: false, query: undefined, ...o,
});

describe('throttling model', () => {
  it('computes resource units with the published modifiers, never below 1', () => {
    expect(resourceUnitCost(2, parseQuery(''))).toBe(2);
    expect(resourceUnitCost(2, parseQuery('$select=id'))).toBe(1);
    expect(resourceUnitCost(2, parseQuery('$select=id&$top=5'))).toBe(1);
    expect(resourceUnitCost(3, parseQuery('$expand=members'))).toBe(4);
    expect(resourceUnitCost(3, parseQuery('$top=10'))).toBe(2);
    expect(resourceUnitCost(1, parseQuery('$select=id&$top=1'))).toBe(1);
    expect(sizeClassOf(49)).toBe('S');
    expect(sizeClassOf(50)).toBe('M');
    expect(sizeClassOf(500)).toBe('M');
    expect(sizeClassOf(501)).toBe('L');
    expect(formatRetryAfter(2.1284)).toBe('2.128');
  });

  it('allows 3,500 RU per 10 s for a small tenant, reports use above 80 %, then 429s with scope headers', () => {
    const clock = new ManualClock();
    const t = new Throttler(clock);
    let last = t.evaluate(req());
    for (let i = 1; i < 2_800; i++) last = t.evaluate(req());
    expect(last.headers['x-ms-throttle-limit-percentage']).toBeUndefined();
    for (let i = 0; i < 500; i++) last = t.evaluate(req());
    expect(last.ok).toBe(true);
    expect(last.headers['x-ms-throttle-limit-percentage']).toBe('0.9');
    for (let i = 0; i < 200; i++) last = t.evaluate(req());
    expect(last.ok).toBe(true);
    const refused = t.evaluate(req());
    expect(refused.ok).toBe(false);
    expect(refused.headers).toMatchObject({ 'x-ms-throttle-scope': 'Tenant_Application/Read/app/tenant', 'x-ms-throttle-information': 'ResourceUnitLimitExceeded', 'x-ms-resource-unit': '1' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another app of the same tenant has its own budget.
    expect(t.evaluate(req({ appId: 'other' })).ok).toBe(true);
    // Waiting as told is enough.
    clock.advance(Math.ceil(Number(refused.headers['retry-after']) * 1000));
    expect(t.evaluate(req()).ok).toBe(true);
  });

  it('gives medium and large tenants 5,000 and 8,000 RU', () => {
    for (const [users, limit] of [[100, 5_000], [1_000, 8_000]] as const) {
      const t = new Throttler(new ManualClock());
      let ok = 0;
      while (t.evaluate(req({ userCount: users })).ok) ok++;
      expect(ok).toBe(limit);
    }
  });

  it('limits writes to 3,000 per 150 s per app and tenant, and 18,000 per 5 min per tenant', () => {
    // A huge RU budget, so only the write quotas decide.
    const big = { identity: { ruPerAppTenant: { S: 1e9 }, ruPerApp: 1e9 } };
    const clock = new ManualClock();
    const t = new Throttler(clock, true, big);
    let n = 0;
    let refused = t.evaluate(req({ write: true }));
    while (refused.ok) {
      n++;
      refused = t.evaluate(req({ write: true }));
    }
    expect(n).toBe(3_000);
    expect(refused.headers).toMatchObject({ 'x-ms-throttle-information': 'WriteLimitExceeded', 'x-ms-throttle-scope': 'Tenant_Application/Write/app/tenant' });
    // Six more apps of the same tenant hit the tenant-wide 18,000 first.
    const t2 = new Throttler(new ManualClock(), true, big);
    let total = 0;
    let refusedPerApp = 0;
    let scope = '';
    for (let app = 0; app < 7 && !scope.startsWith('Tenant/'); app++) {
      for (;;) {
        const r = t2.evaluate(req({ write: true, appId: `a${app}` }));
        if (!r.ok) {
          scope = r.headers['x-ms-throttle-scope'] as string;
          if (scope.startsWith('Tenant_Application/')) refusedPerApp++;
          break;
        }
        total++;
      }
    }
    // Refused writes still count against the tenant (Graph keeps counting while throttled).
    expect(total + refusedPerApp).toBe(18_000);
    expect(scope).toMatch(/^Tenant\/Write\/a[56]\/tenant$/);
  });

  it('applies Intune (1,000 requests / 100 writes per 20 s) and conditional access (1/s, no Retry-After) limits', () => {
    const t = new Throttler(new ManualClock());
    let writes = 0;
    while (t.evaluate(req({ throttleClass: 'intune', write: true })).ok) writes++;
    expect(writes).toBe(100);
    const t2 = new Throttler(new ManualClock());
    let reads = 0;
    while (t2.evaluate(req({ throttleClass: 'intune' })).ok) reads++;
    expect(reads).toBe(1_000);
    const t3 = new Throttler(new ManualClock());
    expect(t3.evaluate(req({ throttleClass: 'conditionalAccess' })).ok).toBe(true);
    const ca = t3.evaluate(req({ throttleClass: 'conditionalAccess' }));
    expect(ca.ok).toBe(false);
    expect(ca.headers['retry-after']).toBeUndefined();
  });

  it('keeps counting while throttled: retrying at once stays refused', () => {
    const clock = new ManualClock();
    const t = new Throttler(clock, true, { identity: { ruPerAppTenant: { S: 10 }, ruWindowMs: 10_000 } });
    for (let i = 0; i < 10; i++) t.evaluate(req());
    const first = t.evaluate(req());
    const again = t.evaluate(req());
    expect(first.ok).toBe(false);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(Number(first.headers['retry-after']));
  });
});

describe('throttling over HTTP', () => {
  it('answers 429 with Graph\'s body and headers; throttle off still reports resource units', async () => {
    const em = await startTest({ throttle: true, throttleLimits: { identity: { ruPerAppTenant: { S: 4, M: 4 } } } });
    try {
      const token = await clientToken(em, em.t);
      const first = await graph(em, token, '/users?$top=1');
      expect(first.headers.get('x-ms-resource-unit')).toBe('1');
      await graph(em, token, '/users');
      const third = await graph(em, token, '/users');
      expect(third.status).toBe(429);
      expect(third.body).toEqual({
        error: {
          code: 'TooManyRequests', message: 'Please retry again later.',
          innerError: { code: '429', message: 'Please retry after', status: '429', date: expect.any(String), 'request-id': expect.any(String), 'client-request-id': expect.any(String) },
        },
      });
      expect(third.headers.get('retry-after')).toMatch(/^\d+(\.\d+)?$/);
      expect(third.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/Read/${em.t.clientId}/${em.t.tenantId}`);
      em.clock.advance(Math.ceil(Number(third.headers.get('retry-after')) * 1000));
      expect((await graph(em, token, '/organization')).status).toBe(200);
      expect(em.control.stats(em.t.tenantId).throttled).toBe(1);

      em.control.setThrottling(false);
      for (let i = 0; i < 10; i++) expect((await graph(em, token, '/users')).headers.get('x-ms-resource-unit')).toBe('2');
    } finally {
      await em.close();
    }
  });

  it('charges users\' authentication methods to the reports limit and the methods policy to resource units, as the connectors do', async () => {
    const em = await startTest({ throttle: true });
    try {
      const token = await clientToken(em, em.t);
      const user = (await graph(em, token, '/users?$top=1&$select=id')).body.value[0].id as string;
      const methods = [
        `/users/${user}/authentication/methods`,
        `/users/${user}/authentication/phoneMethods`,
        `/users/${user}/authentication/emailMethods`,
        `/users/${user}/authentication/passwordMethods`,
        `/users/${user}/authentication/methods/28c10230-6103-485e-b985-444c60001490`,
      ];
      const policy = ['/policies/authenticationMethodsPolicy', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2'];
      // The connectors' cost model puts the same paths in the same classes.
      for (const path of methods) expect(classifyRequest({ method: 'GET', url: path }).charges, path).toEqual([{ bucket: 'reports', cost: 1 }]);
      for (const path of policy) expect(classifyRequest({ method: 'GET', url: path }).charges, path).toEqual([{ bucket: 'directory', cost: 1 }]);

      // Five requests per 10 s per app and tenant, shared by every kind of method.
      for (const path of methods) {
        const ok = await graph(em, token, path);
        expect(ok.status, path).toBe(200);
        expect(ok.headers.get('x-ms-resource-unit'), path).toBeNull();
      }
      const refused = await graph(em, token, methods[1] as string);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/ReadWrite/${em.t.clientId}/${em.t.tenantId}`);
      // The methods policy is not a reports resource: it still answers, in resource units.
      for (const path of policy) {
        const ok = await graph(em, token, path);
        expect(ok.status, path).toBe(200);
        expect(ok.headers.get('x-ms-resource-unit'), path).toBe('1');
      }
      em.clock.advance(Math.ceil(Number(refused.headers.get('retry-after')) * 1000));
      expect((await graph(em, token, methods[0] as string)).status).toBe(200);
    } finally {
      await em.close();
    }
  });

  it('throttles items inside a $batch with 429 in a 200 batch', async () => {
    const em = await startTest({ throttle: true, throttleLimits: { identity: { ruPerAppTenant: { S: 3, M: 3 } } } });
    try {
      const token = await clientToken(em, em.t);
      const res = await graph(em, token, '/$batch', { method: 'POST', body: { requests: Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/organization' })) } });
      expect(res.status).toBe(200);
      const statuses = res.body.responses.map((r: { status: number }) => r.status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(res.body.responses[3].headers['Retry-After']).toMatch(/^\d/);
    } finally {
      await em.close();
    }
  });
});
