/**
 * The Graph client's helpers (paging, delta, batch, error mapping) through the real SDK chain
 * (Client → scheduler middleware → auth middleware), with the last middleware — the HTTP call —
 * replaced by canned answers. No server: what a real Graph (the emulator) does is tested in
 * graph-transport.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { CLOUDS, resolveCloud } from '../../src/connectors/clouds.js';
import { SteppingClock as ManualClock } from '../../src/clock.js';
import { createGraphClient, mergeDeltaItems, type DeltaEvent } from '../../src/connectors/graph/client.js';
import { createCredential } from '../../src/connectors/graph/credential.js';
import { signInError } from '../../src/connectors/graph/errors.js';
import { ThrottleScheduler } from '../../src/connectors/graph/scheduler.js';
import { Secret } from '../../src/config/index.js';
import { TenantVaultError } from '../../src/errors/index.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

function stubHttp(answer: (request: Seen) => Answer): { handler: Middleware; seen: Seen[] } {
  const seen: Seen[] = [];
  const handler: Middleware = {
    async execute(context: Context) {
      const options = context.options ?? {};
      const headers = Object.fromEntries(Object.entries((options.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
      const request: Seen = {
        method: options.method ?? 'GET', url: context.request as string, headers,
        body: typeof options.body === 'string' ? JSON.parse(options.body) : options.body,
      };
      seen.push(request);
      const { status, body, headers: responseHeaders } = answer(request);
      context.response = new Response(body === undefined ? null : JSON.stringify(body), {
        status, headers: { 'content-type': 'application/json', ...responseHeaders },
      });
    },
  };
  return { handler, seen };
}

const credential = { getToken: async () => ({ token: 'token-1', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const ROOT = 'https://graph.microsoft.com';

function client(answer: (request: Seen) => Answer, clock = new ManualClock()) {
  const { handler, seen } = stubHttp(answer);
  const scheduler = new ThrottleScheduler({ clock, random: () => 0, maxRetries: 3 });
  const graph = createGraphClient({ cloud: CLOUDS.public, credential, scheduler, tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', httpHandler: handler });
  return { graph, seen, scheduler, clock };
}

const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
};

describe('GraphClient paging', () => {
  it('follows @odata.nextLink whole, resends headers, and sends the token through the scheduler', async () => {
    const { graph, seen, scheduler } = client((request) => {
      if (request.url.includes('$skiptoken=page2')) return { status: 200, body: { value: [{ id: '3' }] } };
      return { status: 200, body: { '@odata.count': 3, value: [{ id: '1' }, { id: '2' }], '@odata.nextLink': `${ROOT}/v1.0/users?$top=2&$skiptoken=page2` } };
    });
    const pages = await collect(graph.pages('/users', { query: { $top: 2, $count: 'true', $select: 'id,displayName' }, headers: { ConsistencyLevel: 'eventual' }, type: 'user' }));
    expect(pages).toEqual([
      { items: [{ id: '1' }, { id: '2' }], nextLink: `${ROOT}/v1.0/users?$top=2&$skiptoken=page2`, count: 3 },
      { items: [{ id: '3' }] },
    ]);
    expect(seen.map((s) => s.url)).toEqual([`${ROOT}/v1.0/users?$top=2&$count=true&$select=id,displayName`, `${ROOT}/v1.0/users?$top=2&$skiptoken=page2`]);
    for (const request of seen) {
      expect(request.headers.authorization).toBe('Bearer token-1');
      expect(request.headers.consistencylevel).toBe('eventual');
    }
    expect(scheduler.stats().byType.user).toMatchObject({ requests: 2 });
    expect(await collect(graph.items('/users', { type: 'user' }))).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
  });

  it('refuses to follow a link outside the cloud\'s Graph root', async () => {
    const { graph, seen } = client(() => ({ status: 200, body: { value: [], '@odata.nextLink': 'https://evil.example/v1.0/users?$skiptoken=x' } }));
    await expect(collect(graph.pages('/users'))).rejects.toMatchObject({ code: 'SERVICE_ERROR' });
    expect(seen).toHaveLength(1);
  });
});

describe('GraphClient delta', () => {
  const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/group-delta-page.json'), 'utf8')) as { page: { value: Array<Record<string, unknown>> } };

  it('yields changes, folds the slices of a large group across pages, and ends with the delta link', async () => {
    const [group1, group2] = fixture.page.value as [Record<string, unknown>, Record<string, unknown>];
    const { graph, seen } = client((request) => {
      if (request.url.includes('$skiptoken=p2')) {
        return {
          status: 200,
          body: {
            value: [
              { id: group1.id, 'members@delta': [{ '@odata.type': '#microsoft.graph.group', id: group2.id }, { '@odata.type': '#microsoft.graph.user', id: '49320844-be99-4164-8167-87ff5d047ace', '@removed': { reason: 'deleted' } }] },
              { id: group2.id, '@removed': { reason: 'changed' } },
            ],
            '@odata.deltaLink': `${ROOT}/v1.0/groups/delta?$deltatoken=next`,
          },
        };
      }
      return { status: 200, body: { value: [group1], '@odata.nextLink': `${ROOT}/v1.0/groups/delta?$skiptoken=p2` } };
    });
    const events = await collect(graph.delta('/groups/delta', { query: { $select: 'displayName,description,members' }, type: 'group' }));
    expect(events).toEqual<DeltaEvent<Record<string, unknown>>[]>([
      {
        kind: 'upsert',
        item: {
          ...group1,
          'members@delta': [
            { '@odata.type': '#microsoft.graph.user', id: '693acd06-2877-4339-8ade-b704261fe7a0' },
            { '@odata.type': '#microsoft.graph.group', id: group2.id },
            { '@odata.type': '#microsoft.graph.user', id: '49320844-be99-4164-8167-87ff5d047ace', '@removed': { reason: 'deleted' } },
          ],
        },
      },
      { kind: 'removed', id: group2.id as string, reason: 'changed', item: { id: group2.id, '@removed': { reason: 'changed' } } },
      { kind: 'deltaLink', url: `${ROOT}/v1.0/groups/delta?$deltatoken=next` },
    ]);
    expect(seen[0]!.url).toBe(`${ROOT}/v1.0/groups/delta?$select=displayName,description,members`);
  });

  it('folds repeated appearances the same way the engine must for distant ones', () => {
    expect(mergeDeltaItems({ id: 'g', displayName: 'a', 'members@delta': [{ id: 'u1' }, { id: 'u2' }] }, { id: 'g', 'members@delta': [{ id: 'u1', '@removed': { reason: 'deleted' } }] })).toEqual({
      id: 'g', displayName: 'a', 'members@delta': [{ id: 'u2' }, { id: 'u1', '@removed': { reason: 'deleted' } }],
    });
  });

  it('reports an expired delta link as DELTA_EXPIRED, for syncStateNotFound and for 410 Gone', async () => {
    const expired = client(() => ({ status: 400, body: { error: { code: 'syncStateNotFound', message: 'The sync state generation is not found.' } } }));
    await expect(collect(expired.graph.delta(`${ROOT}/v1.0/users/delta?$deltatoken=old`, { type: 'user' }))).rejects.toMatchObject({ code: 'DELTA_EXPIRED' });
    const gone = client(() => ({ status: 410, body: { error: { code: 'resyncRequired', message: 'Resync' } }, headers: { location: `${ROOT}/v1.0/users/delta?$deltatoken=` } }));
    const err = await collect(gone.graph.delta(`${ROOT}/v1.0/users/delta?$deltatoken=old`, { type: 'user' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantVaultError);
    expect((err as TenantVaultError).code).toBe('DELTA_EXPIRED');
    expect((err as TenantVaultError).details).toMatchObject({ location: `${ROOT}/v1.0/users/delta?$deltatoken=`, status: 410 });
  });
});

describe('GraphClient errors', () => {
  const error = (status: number, code: string, message: string) => () => ({ status, body: { error: { code, message } } });

  it('names the missing permission and the consent URL on 403', async () => {
    const { graph, clock, seen } = client(error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    const err = (await graph.request('/identity/conditionalAccess/policies', { type: 'conditionalAccessPolicy' }).catch((e: unknown) => e)) as TenantVaultError;
    expect(err.code).toBe('PERMISSION_MISSING');
    expect(err.hint).toContain('Policy.Read.All');
    expect(err.hint).toContain('https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=app-1');
    expect(err.details).toMatchObject({ permissions: ['Policy.Read.All'], graphCode: 'Authorization_RequestDenied', type: 'conditionalAccessPolicy' });
    // Conditional access allows one request a second: the second one waits for the clock.
    const pending = graph.request('/identity/conditionalAccess/policies', { method: 'POST', body: {}, type: 'conditionalAccessPolicy' }).catch((e: unknown) => e);
    await clock.runUntil(() => seen.length === 2);
    const write = (await pending) as TenantVaultError;
    expect(write.details).toMatchObject({ permissions: ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All'] });
  });

  it('maps 401, 404, 400 and 500 to their codes', async () => {
    await expect(client(error(401, 'InvalidAuthenticationToken', 'Access token is empty.')).graph.request('/users')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(client(error(404, 'Request_ResourceNotFound', 'Resource does not exist.')).graph.request('/users/x', { type: 'user' })).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
    const bad = (await client(error(400, 'Request_BadRequest', 'Invalid page size')).graph.request('/users').catch((e: unknown) => e)) as TenantVaultError;
    expect(bad.code).toBe('SERVICE_ERROR');
    expect(bad.message).toContain('Request_BadRequest: Invalid page size');
    // A write is not repeated after a 500 (it may have happened); a read is (scheduler.ts, READ_RETRY_STATUSES).
    const failing = client(error(500, 'InternalServerError', 'boom'));
    await expect(failing.graph.request('/users', { method: 'POST', body: {} })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(failing.seen).toHaveLength(1);
  });

  it('retries a 500 or 502 on a read, never on a write', async () => {
    let calls = 0;
    const flaky = client(() => (++calls === 1 ? { status: 500, body: { error: { code: 'InternalServerError', message: 'boom' } } } : calls === 2 ? { status: 502, body: 'bad gateway' } : { status: 200, body: { id: 'u' } }));
    const answer = flaky.graph.request('/users/u');
    await flaky.clock.runUntil(() => calls === 3);
    expect((await answer).body).toEqual({ id: 'u' });
    expect(flaky.graph.scheduler.stats().total).toMatchObject({ requests: 3, retries: 2 });
  });

  it('retries 503 through the scheduler and succeeds; gives THROTTLED when 429 never ends', async () => {
    let calls = 0;
    const flaky = client(() => (++calls < 3 ? { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'later' } }, headers: { 'retry-after': '1' } } : { status: 200, body: { id: 'u' } }));
    const answer = flaky.graph.request('/users/u');
    await flaky.clock.runUntil(() => calls === 3);
    expect((await answer).body).toEqual({ id: 'u' });
    const throttled = client(() => ({ status: 429, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } }, headers: { 'retry-after': '2' } }));
    const pending = throttled.graph.request('/users').catch((e: unknown) => e);
    await throttled.clock.runUntil(() => throttled.seen.length === 4);
    expect(await pending).toMatchObject({ code: 'THROTTLED' });
    expect(throttled.scheduler.stats().total).toMatchObject({ requests: 4, throttled: 4, retries: 3 });
  });
});

describe('GraphClient batch', () => {
  it('sends chunks of 20 and retries only the throttled requests after their Retry-After', async () => {
    const clock = new ManualClock();
    let round = 0;
    const { graph, seen, scheduler } = client((request) => {
      round++;
      const requests = (request.body as { requests: Array<{ id: string; url: string }> }).requests;
      return {
        status: 200,
        body: {
          responses: requests.map((r) => {
            const throttle = round === 1 && (r.url.endsWith('/3') || r.url.endsWith('/7'));
            return throttle
              ? { id: r.id, status: 429, headers: { 'Retry-After': '2' }, body: { error: { code: 'TooManyRequests', message: 'later' } } }
              : { id: r.id, status: 200, headers: { 'x-ms-resource-unit': '1' }, body: { id: r.url.split('/').pop() } };
          }).reverse(),
        },
      };
    }, clock);
    const requests = Array.from({ length: 25 }, (_, i) => ({ method: 'GET' as const, url: `/users/${i}`, type: 'user' }));
    const results: Array<{ key: string; status: number }> = [];
    const done = (async () => {
      for await (const r of graph.batch(requests)) results.push({ key: r.key, status: r.status });
    })();
    await clock.runUntil(() => results.length === 25);
    await done;
    expect(seen.map((s) => (s.body as { requests: unknown[] }).requests.length)).toEqual([20, 2, 5]);
    expect(seen[0]!.url).toBe(`${ROOT}/v1.0/$batch`);
    expect((seen[1]!.body as { requests: Array<{ url: string }> }).requests.map((r) => r.url)).toEqual(['/users/3', '/users/7']);
    expect(results.map((r) => r.key).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(scheduler.stats().byType.user).toMatchObject({ batchedRequests: 27, throttled: 2 });
    expect(scheduler.stats().total.requests).toBe(3);
  });

  it('reports a failed request inside a batch as that item\'s error', async () => {
    const { graph } = client((request) => ({
      status: 200,
      body: { responses: (request.body as { requests: Array<{ id: string }> }).requests.map((r) => ({ id: r.id, status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'no' } } })) },
    }));
    const [result] = await collect(graph.batch([{ method: 'GET', url: '/users/u/authentication/methods', type: 'user', key: 'u' }]));
    expect(result).toMatchObject({ key: 'u', status: 403 });
    expect(result!.error).toMatchObject({ code: 'PERMISSION_MISSING' });
  });
});

describe('credentials', () => {
  it('maps sign-in failures to AUTH_FAILED with the likely cause', () => {
    const context = { tenantId: 't', clientId: 'c', authorityHost: 'https://login.microsoftonline.com' };
    const wrongSecret = signInError(new Error('ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided.'), context);
    expect(wrongSecret).toMatchObject({ code: 'AUTH_FAILED', details: { aadsts: 'AADSTS7000215' } });
    expect(wrongSecret.hint).toMatch(/client secret is wrong/);
    expect(signInError(new Error('AADSTS90002: Tenant \'x\' not found.'), context).hint).toMatch(/tenant was not found/);
    expect(signInError(new Error('AADSTS700016: Application with identifier \'c\' was not found'), context).hint).toMatch(/No app with this client ID/);
    expect(signInError(Object.assign(new Error('getaddrinfo ENOTFOUND login.microsoftonline.com'), { code: 'ENOTFOUND' }), context).code).toBe('NETWORK');
  });

  it('needs https and a secret or certificate', () => {
    const profile = { tenantId: 't', clientId: 'c', cloud: resolveCloud('http://127.0.0.1:1'), clientSecret: new Secret('s') };
    expect(() => createCredential(profile)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createCredential({ ...profile, cloud: CLOUDS.public, clientSecret: undefined })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(createCredential({ ...profile, cloud: CLOUDS.public })).toHaveProperty('getToken');
  });
});
