import { describe, expect, it } from 'vitest';
import { SteppingClock as ManualClock } from '../../src/clock.js';
import { classifyRequest, parseRequestUrl } from '../../src/connectors/graph/cost-model.js';
import { parseRetryAfterMs, ThrottleScheduler, type ResponseLike } from '../../src/connectors/graph/scheduler.js';
import { TenantVaultError } from '../../src/errors/index.js';

function response(status: number, headers: Record<string, string> = {}): ResponseLike {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, headers: { get: (name: string) => lower[name.toLowerCase()] ?? null } };
}

/** Largest sum of `cost` over any window of `windowMs` (window end exclusive of entries at start - windowMs). */
function maxInWindow(sent: Array<{ at: number; cost: number }>, windowMs: number): number {
  let best = 0;
  for (const first of sent) {
    const sum = sent.filter((s) => s.at >= first.at && s.at < first.at + windowMs).reduce((a, s) => a + s.cost, 0);
    best = Math.max(best, sum);
  }
  return best;
}

describe('cost model', () => {
  it('normalises paths and applies the published modifiers', () => {
    expect(parseRequestUrl('https://graph.microsoft.com/v1.0/groups/0b0c8f1c-1d2e-4a8b-9c7d-123456789abc/members?$top=999').template).toBe('/groups/{id}/members');
    expect(classifyRequest({ method: 'GET', url: '/groups/0b0c8f1c-1d2e-4a8b-9c7d-123456789abc/members?$top=999' }).charges).toEqual([{ bucket: 'directory', cost: 3 }]);
    expect(classifyRequest({ method: 'GET', url: '/users?$select=id,displayName' }).charges).toEqual([{ bucket: 'directory', cost: 1 }]);
    expect(classifyRequest({ method: 'GET', url: '/users?$expand=manager' }).charges).toEqual([{ bucket: 'directory', cost: 3 }]);
    expect(classifyRequest({ method: 'GET', url: '/applications?$top=5&$select=id' }).charges).toEqual([{ bucket: 'directory', cost: 1 }]);
    expect(classifyRequest({ method: 'GET', url: '/groups/0b0c8f1c-1d2e-4a8b-9c7d-123456789abc/transitiveMembers' }).charges).toEqual([{ bucket: 'directory', cost: 5 }]);
    expect(classifyRequest({ method: 'PATCH', url: '/users/a@contoso.com' }).charges).toEqual([{ bucket: 'directory', cost: 1 }, { bucket: 'directoryWrite', cost: 1 }]);
    expect(classifyRequest({ method: 'POST', url: '/deviceManagement/deviceConfigurations/0b0c8f1c-1d2e-4a8b-9c7d-123456789abc/assign' }).charges).toEqual([{ bucket: 'intune', cost: 1 }, { bucket: 'intuneWrite', cost: 1 }]);
    expect(classifyRequest({ method: 'GET', url: '/identity/conditionalAccess/policies' }).charges).toEqual([{ bucket: 'conditionalAccess', cost: 1 }]);
    expect(classifyRequest({ method: 'GET', url: '/auditLogs/directoryAudits?$top=999' }).charges).toEqual([{ bucket: 'reports', cost: 1 }]);
    // A user's authentication methods of every kind are reports resources; the methods policy is not.
    const user = '/users/0b0c8f1c-1d2e-4a8b-9c7d-123456789abc/authentication';
    for (const path of ['/methods', '/phoneMethods', '/fido2Methods/abc-def', '/temporaryAccessPassMethods', '/emailMethods/3ddfcfc8-9383-446f-83cc-3ab9be4be18f']) {
      expect(classifyRequest({ method: 'GET', url: `${user}${path}` }).charges, path).toEqual([{ bucket: 'reports', cost: 1 }]);
    }
    expect(classifyRequest({ method: 'POST', url: `${user}/phoneMethods` }).charges).toEqual([{ bucket: 'reports', cost: 1 }]);
    expect(classifyRequest({ method: 'GET', url: `${user}/signInPreferences` }).charges).toEqual([{ bucket: 'directory', cost: 1 }]);
    expect(classifyRequest({ method: 'PATCH', url: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2' }).charges).toEqual([{ bucket: 'directory', cost: 1 }, { bucket: 'directoryWrite', cost: 1 }]);
    expect(classifyRequest({ method: 'POST', url: '/adminapi/beta/0b0c8f1c-1d2e-4a8b-9c7d-123456789abc/InvokeCommand', endpoint: 'exchange' }).charges).toEqual([{ bucket: 'exchange', cost: 1 }]);
    // A nextLink's options are inside its token: no modifiers, a key of its own.
    const next = classifyRequest({ method: 'GET', url: 'https://graph.microsoft.com/v1.0/users/delta?$skiptoken=abc' });
    expect(next).toMatchObject({ costKey: 'GET /users/delta#c', charges: [{ bucket: 'directory', cost: 2 }] });
  });

  it('parses Retry-After as seconds, fractions and HTTP dates', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('2.128', now)).toBe(2128);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('ThrottleScheduler', () => {
  const user = (i: number) => ({ method: 'GET', url: `/users/00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, type: 'user' });

  it('keeps every sliding window under capacity × headroom and spends no more time than the budget needs', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 100, windowMs: 10_000 } }, headroom: 0.9, maxConcurrency: 50 });
    const sent: Array<{ at: number; cost: number }> = [];
    let done = 0;
    const start = clock.now();
    for (let i = 0; i < 300; i++) {
      void scheduler.execute(user(i), async () => {
        sent.push({ at: clock.now(), cost: 1 });
        return response(200);
      }).then(() => done++);
    }
    await clock.runUntil(() => done === 300);
    expect(done).toBe(300);
    expect(maxInWindow(sent, 10_000)).toBeLessThanOrEqual(90);
    // 300 requests at 90 per 10 s: the last batch starts at 30 s.
    expect(sent.at(-1)!.at - start).toBe(30_000);
    expect(scheduler.stats().total).toEqual({ requests: 300, batchedRequests: 0, resourceUnits: 300, throttled: 0, retries: 0 });
    expect(scheduler.stats().byType.user?.requests).toBe(300);
  });

  it('learns the real cost from x-ms-resource-unit and slows down to match', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 100, windowMs: 10_000 } }, headroom: 1, maxConcurrency: 1 });
    const sent: number[] = [];
    let done = 0;
    for (let i = 0; i < 60; i++) {
      void scheduler.execute(user(i), async () => {
        sent.push(clock.now());
        return response(200, { 'x-ms-resource-unit': '5' });
      }).then(() => done++);
    }
    await clock.runUntil(() => done === 60);
    expect(scheduler.estimate(user(0)).charges).toEqual([{ bucket: 'directory', cost: 5 }]);
    // 100 RU per window at 5 RU each: 20 per 10 s, so 60 requests span two more windows.
    expect(maxInWindow(sent.map((at) => ({ at, cost: 5 })), 10_000)).toBeLessThanOrEqual(100);
    expect(sent.at(-1)! - sent[0]!).toBe(20_000);
    expect(scheduler.stats().total.resourceUnits).toBe(300);
  });

  it('lowers its capacity to the limit that x-ms-throttle-limit-percentage implies', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 200, windowMs: 10_000 } }, headroom: 1, maxConcurrency: 1 });
    for (let i = 0; i < 40; i++) {
      // After 40 units the service reports 0.8 of its limit: the limit is 50, not 200.
      await scheduler.execute(user(i), async () => response(200, i === 39 ? { 'x-ms-throttle-limit-percentage': '0.8' } : {}));
    }
    expect(scheduler.budgets().directory.capacity).toBeCloseTo(50, 5);
    expect(scheduler.budgets().directory.publishedCapacity).toBe(200);
  });

  it('honours Retry-After on 429, blocks the limit for everyone, then recovers', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 100, windowMs: 10_000 } }, maxConcurrency: 10, recoveryMs: 30_000 });
    const start = clock.now();
    const calls: Array<{ at: number; attempt: number; i: number }> = [];
    let throttledOnce = false;
    const results: number[] = [];
    const run = (i: number) => scheduler.execute(user(i), async (attempt) => {
      calls.push({ at: clock.now() - start, attempt, i });
      if (i === 0 && !throttledOnce) {
        throttledOnce = true;
        return response(429, { 'Retry-After': '2.5' });
      }
      return response(200);
    }).then((r) => results.push(r.status));
    void run(0);
    await clock.advance(0);
    void run(1);
    await clock.advance(1000);
    // While the limit is blocked nobody goes, not even a request that arrived later.
    expect(calls.map((c) => c.i)).toEqual([0]);
    await clock.runUntil(() => results.length === 2);
    expect(calls[0]).toEqual({ at: 0, attempt: 0, i: 0 });
    expect(calls.slice(1).sort((a, b) => a.i - b.i)).toEqual([{ at: 2500, attempt: 1, i: 0 }, { at: 2500, attempt: 0, i: 1 }]);
    expect(scheduler.stats().total).toMatchObject({ requests: 3, throttled: 1, retries: 1 });
    // The 429 lowered the capacity; it climbs back over recoveryMs.
    const lowered = scheduler.budgets().directory.capacity;
    expect(lowered).toBeLessThan(100);
    await clock.advance(30_000);
    expect(scheduler.budgets().directory.capacity).toBe(100);
  });

  it('accepts Retry-After as an HTTP date', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1, 12, 0, 0));
    const scheduler = new ThrottleScheduler({ clock });
    const at: number[] = [];
    const promise = scheduler.execute(user(1), async (attempt) => {
      at.push(clock.now());
      return attempt === 0 ? response(503, { 'Retry-After': 'Wed, 01 Jan 2025 12:00:07 GMT' }) : response(200);
    });
    await clock.runUntil(() => at.length === 2);
    expect((await promise).status).toBe(200);
    expect(at[1]! - at[0]!).toBe(7000);
  });

  it('backs off exponentially with jitter when no Retry-After is given, and stops at the retry cap', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, random: () => 0, baseDelayMs: 1000, maxRetries: 4 });
    const at: number[] = [];
    const promise = scheduler.execute(user(1), async () => {
      at.push(clock.now());
      return response(504);
    });
    await clock.runUntil(() => at.length === 5);
    const final = await promise;
    expect(final.status).toBe(504);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // random() = 0 takes the low end of the jitter: half of 1, 2, 4, 8 seconds.
    expect(gaps).toEqual([500, 1000, 2000, 4000]);
    expect(scheduler.stats().total).toMatchObject({ requests: 5, retries: 4, throttled: 0 });
  });

  it('rides out a 429 storm and then runs at full budget again', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 100, windowMs: 10_000 } }, headroom: 1, maxConcurrency: 20, recoveryMs: 20_000, maxRetries: 10 });
    const start = clock.now();
    const stormEndsAt = start + 12_000;
    const okAt: number[] = [];
    let done = 0;
    for (let i = 0; i < 400; i++) {
      void scheduler.execute(user(i), async () => {
        if (clock.now() < stormEndsAt) return response(429, { 'Retry-After': '3' });
        okAt.push(clock.now());
        return response(200);
      }).then((r) => {
        expect(r.status).toBe(200);
        done++;
      });
    }
    await clock.runUntil(() => done === 400);
    expect(done).toBe(400);
    const stats = scheduler.stats().total;
    // Only the requests in flight when each block started were refused: a few per storm round, not hundreds.
    expect(stats.throttled).toBeLessThan(100);
    expect(stats.retries).toBe(stats.throttled);
    expect(maxInWindow(okAt.map((at) => ({ at, cost: 1 })), 10_000)).toBeLessThanOrEqual(100);
    // Once the lowered capacity has climbed back (recoveryMs after the last 429), windows are full again.
    const recovered = okAt.filter((t) => t >= stormEndsAt + 20_000);
    expect(maxInWindow(recovered.map((at) => ({ at, cost: 1 })), 10_000)).toBe(100);
  });

  it('spaces conditional access reads a second apart without being told', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, headroom: 0.9 });
    const at: number[] = [];
    let done = 0;
    for (let i = 0; i < 4; i++) {
      void scheduler.execute({ method: 'GET', url: '/identity/conditionalAccess/policies', type: 'conditionalAccessPolicy' }, async () => {
        at.push(clock.now());
        return response(200);
      }).then(() => done++);
    }
    await clock.runUntil(() => done === 4);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 1 request per second with 10 % headroom: one every 1000 / 0.9 ms.
    for (const gap of gaps) expect(gap).toBeCloseTo(1000 / 0.9, 0);
  });

  it('a request waiting on one limit does not hold back others', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock });
    const order: string[] = [];
    const ca = () => scheduler.execute({ method: 'GET', url: '/identity/conditionalAccess/namedLocations' }, async () => (order.push('ca'), response(200)));
    void ca();
    void ca();
    void scheduler.execute(user(1), async () => (order.push('user'), response(200)));
    await clock.advance(0);
    expect(order).toEqual(['ca', 'user']);
    await clock.advance(2000);
    expect(order).toEqual(['ca', 'user', 'ca']);
  });

  it('charges each request of a batch to its own limit and counts them per type', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 1000, windowMs: 10_000 } } });
    const parts = [
      { method: 'GET', url: '/groups/00000000-0000-0000-0000-000000000001/members', type: 'group' },
      { method: 'GET', url: '/deviceManagement/deviceConfigurations', type: 'deviceConfiguration' },
    ];
    await scheduler.execute({ method: 'POST', url: '/$batch', parts }, async () => response(200), {
      observeParts: async () => [response(200, { 'x-ms-resource-unit': '4' }), response(429, { 'Retry-After': '1' })],
    });
    const stats = scheduler.stats();
    expect(stats.byType.group).toEqual({ requests: 0, batchedRequests: 1, resourceUnits: 4, throttled: 0, retries: 0 });
    expect(stats.byType.deviceConfiguration).toEqual({ requests: 0, batchedRequests: 1, resourceUnits: 1, throttled: 1, retries: 0 });
    expect(stats.total).toMatchObject({ requests: 1, batchedRequests: 2, resourceUnits: 5 });
    expect(scheduler.budgets().directory.used).toBe(4);
    expect(scheduler.budgets().intune.used).toBe(1);
  });

  it('aborts a queued request and a retry wait with ABORTED', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, limits: { directory: { capacity: 1, windowMs: 10_000 } }, headroom: 1 });
    await scheduler.execute(user(1), async () => response(200));
    const controller = new AbortController();
    const queued = scheduler.execute(user(2), async () => response(200), { signal: controller.signal });
    await clock.advance(10);
    expect(scheduler.queued).toBe(1);
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'ABORTED' });
    expect(scheduler.queued).toBe(0);

    const retrying = new AbortController();
    const sent: number[] = [];
    const waiting = scheduler.execute(user(3), async () => (sent.push(clock.now()), response(429, { 'Retry-After': '60' })), { signal: retrying.signal });
    await clock.advance(10_000);
    expect(sent).toHaveLength(1);
    retrying.abort();
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantVaultError);
    expect((err as TenantVaultError).code).toBe('ABORTED');
    expect(clock.pendingTimers).toBe(0);
  });

  it('retries transient network failures and gives up on others', async () => {
    const clock = new ManualClock();
    const scheduler = new ThrottleScheduler({ clock, random: () => 0 });
    let calls = 0;
    const ok = scheduler.execute(user(1), async () => {
      calls++;
      if (calls === 1) throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
      return response(200);
    });
    await clock.runUntil(() => calls === 2);
    expect((await ok).status).toBe(200);
    await expect(scheduler.execute(user(2), async () => {
      throw new Error('bug');
    })).rejects.toThrow('bug');
    expect(scheduler.inFlight).toBe(0);
  });
});
