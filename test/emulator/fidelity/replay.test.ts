import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageReport, loadGraphSchema, ReplaySession, replayCorpusExample, type CorpusExample, type ReplayContext } from '../../../src/emulator/schema/index.js';
import { SHARED_ROOT } from './shared.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: unknown;
}

/** A tiny Graph look-alike: users, groups, directoryObjects and members/$ref. */
function fakeGraph(): { server: Server; seen: Seen[]; users: Map<string, Record<string, unknown>>; members: Set<string> } {
  const seen: Seen[] = [];
  const members = new Set<string>();
  const users = new Map<string, Record<string, unknown>>([['real-user-1', { id: 'real-user-1', displayName: 'Real User', mail: 'real@tenant.test' }]]);
  let created = 0;
  const send = (res: ServerResponse, status: number, body?: unknown): void => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', url: `${url.pathname}${url.search}`, auth: req.headers.authorization, body });
      if (req.headers.authorization !== 'Bearer tok') return send(res, 401, { error: { code: 'InvalidAuthenticationToken' } });
      const p = url.pathname;
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && p === '/v1.0/users') return send(res, 200, { value: [...users.values()] });
      if (req.method === 'POST' && p === '/v1.0/users') {
        const id = `new-user-${++created}`;
        users.set(id, { id, ...body });
        return send(res, 201, { id, ...body });
      }
      if ((m = /^\/v1\.0\/users\/([^/]+)$/.exec(p))) {
        const user = users.get(decodeURIComponent(m[1] as string));
        if (!user) return send(res, 404, { error: { code: 'Request_ResourceNotFound' } });
        if (req.method === 'DELETE') {
          users.delete(user['id'] as string);
          return send(res, 204);
        }
        return send(res, 200, { '@odata.context': 'ctx', ...user, ...(url.searchParams.get('bad') ? { favouriteColour: 'blue' } : {}) });
      }
      if (req.method === 'GET' && p === '/v1.0/groups') return send(res, 200, { value: [{ id: 'real-group-1', displayName: 'G' }] });
      if (req.method === 'GET' && p === '/v1.0/directoryObjects') return send(res, 400, { error: { code: 'Request_BadRequest', message: 'directoryObjects cannot be listed' } });
      if (req.method === 'GET' && p === '/v1.0/groups/real-group-1/members') return send(res, 200, { value: [...members].map((id) => ({ '@odata.type': '#microsoft.graph.user', id })) });
      if (req.method === 'POST' && p === '/v1.0/groups/real-group-1/members/$ref') {
        const id = /\/directoryObjects\/([^/]+)$/.exec(String(body?.['@odata.id'] ?? ''))?.[1];
        if (!id || !users.has(id)) return send(res, 400, { error: { code: 'Request_BadRequest', message: 'bad reference' } });
        if (members.has(id)) return send(res, 400, { error: { code: 'Request_BadRequest', message: 'One or more added object references already exist' } });
        members.add(id);
        return send(res, 204);
      }
      if ((m = /^\/v1\.0\/groups\/real-group-1\/members\/([^/]+)\/\$ref$/.exec(p)) && req.method === 'DELETE') {
        return members.delete(m[1] as string) ? send(res, 204) : send(res, 404, { error: { code: 'Request_ResourceNotFound' } });
      }
      if (req.method === 'GET' && p === '/v1.0/deviceManagement/deviceConfigurations/dc-1') {
        return send(res, 200, { '@odata.type': '#microsoft.graph.windows10CustomConfiguration', id: 'dc-1', displayName: 'OMA', omaSettings: [], deviceManagementApplicabilityRuleOsEdition: null });
      }
      if (req.method === 'GET' && p === '/v1.0/deviceManagement/deviceConfigurations') return send(res, 200, { value: [{ id: 'dc-1' }] });
      return send(res, 404, { error: { code: 'NotFound' } });
    });
  });
  return { server, seen, users, members };
}

function example(partial: Partial<CorpusExample> & Pick<CorpusExample, 'method' | 'path'>): CorpusExample {
  return {
    file: 'test.json',
    index: 0,
    source: 'test',
    version: 'v1.0',
    query: {},
    headers: {},
    body: undefined,
    bodyStatus: 'none',
    expected: { status: 200, body: undefined, bodyStatus: 'none' },
    ...partial,
  };
}

const routes = ['/users', '/users/{id}', '/groups', '/groups/{id}/members', '/groups/{id}/members/$ref', '/groups/{id}/members/{id}/$ref', '/directoryObjects', '/deviceManagement/deviceConfigurations', '/deviceManagement/deviceConfigurations/{id}'];

describe('corpus replay harness against a fake Graph', () => {
  const fake = fakeGraph();
  let ctx: ReplayContext;

  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    ctx = { graphBaseUrl: `http://127.0.0.1:${port}`, getToken: () => 'tok', routes, domain: 'tenant.test' };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
  });

  it('substitutes the docs ID with a listed object and reports a missing documented property', async () => {
    const ex = example({
      method: 'GET',
      path: '/users/{id}',
      expected: { status: 200, bodyStatus: 'json', body: { '@odata.context': 'x', id: '87d349ed', displayName: 'Adele', jobTitle: 'Product Marketing Manager', officeLocation: null } },
    });
    const result = await replayCorpusExample(ex, ctx);
    expect(fake.seen.slice(-2).map((s) => `${s.method} ${s.url}`)).toEqual(['GET /v1.0/users', 'GET /v1.0/users/real-user-1']);
    expect(fake.seen.every((s) => s.auth === 'Bearer tok')).toBe(true);
    expect(result).toMatchObject({ served: true, template: '/users/{id}', sentPath: '/users/real-user-1', substitutions: { '{id}': 'real-user-1' }, status: { expected: 200, actual: 200 }, ok: false });
    expect(result.differences).toEqual([
      { severity: 'mismatch', kind: 'missingProperty', path: 'jobTitle', detail: 'documented property jobTitle is missing' },
      { severity: 'info', kind: 'optionalMissing', path: 'officeLocation', detail: 'documented as null; absent in ours' },
      { severity: 'info', kind: 'extraProperty', path: 'mail', detail: 'mail is not in the documented body' },
    ]);
  });

  it('creates a fresh object (rewriting the example domain and unique names) before replaying a delete', async () => {
    const create = example({
      method: 'POST',
      path: '/users',
      bodyStatus: 'json',
      body: { accountEnabled: true, displayName: 'Adele Vance', mailNickname: 'AdeleV', userPrincipalName: 'AdeleV@contoso.onmicrosoft.com' },
      expected: { status: 201, bodyStatus: 'none', body: undefined },
    });
    const del = example({ method: 'DELETE', path: '/users/{id}', expected: { status: 204, body: undefined, bodyStatus: 'none' } });
    const before = fake.seen.length;
    const result = await replayCorpusExample(del, { ...ctx, corpus: [create] });
    const calls = fake.seen.slice(before);
    expect(calls.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /v1.0/users', 'DELETE /v1.0/users/new-user-1']);
    expect(calls[0]?.body).toEqual({ accountEnabled: true, displayName: 'Adele Vance', mailNickname: 'AdeleV1', userPrincipalName: 'AdeleV2@tenant.test' });
    expect(result).toMatchObject({ ok: true, substitutions: { '{id}': 'new-user-1' }, status: { expected: 204, actual: 204 }, differences: [] });
    expect(fake.users.has('real-user-1')).toBe(true);
  });

  it('substitutes references inside the request body (@odata.id), avoiding objects already related', async () => {
    const ex = example({
      method: 'POST',
      path: '/groups/{id}/members/$ref',
      bodyStatus: 'json',
      body: { '@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/{id}' },
      expected: { status: 204, body: undefined, bodyStatus: 'none' },
    });
    const first = await replayCorpusExample(ex, ctx);
    expect(first.ok).toBe(true);
    expect(first.substitutions).toEqual({ '{id}': 'real-group-1', 'https://graph.microsoft.com/v1.0/directoryObjects/{id}': `${ctx.graphBaseUrl}/v1.0/directoryObjects/real-user-1` });
    fake.users.set('real-user-2', { id: 'real-user-2', displayName: 'Second' });
    const second = await replayCorpusExample(ex, ctx);
    expect(second.ok).toBe(true);
    expect(second.substitutions['https://graph.microsoft.com/v1.0/directoryObjects/{id}']).toBe(`${ctx.graphBaseUrl}/v1.0/directoryObjects/real-user-2`);
    expect([...fake.members]).toEqual(['real-user-1', 'real-user-2']);
    fake.users.delete('real-user-2');
    fake.members.clear();
  });

  it('links an object first when a $ref delete finds the relationship empty', async () => {
    const before = fake.seen.length;
    const result = await replayCorpusExample(example({ method: 'DELETE', path: '/groups/{group-id}/members/{directory-object-id}/$ref', expected: { status: 204, body: undefined, bodyStatus: 'none' } }), ctx);
    expect(fake.seen.slice(before).map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /v1.0/groups',
      'GET /v1.0/groups/real-group-1/members',
      'GET /v1.0/users',
      'POST /v1.0/groups/real-group-1/members/$ref',
      'DELETE /v1.0/groups/real-group-1/members/real-user-1/$ref',
    ]);
    expect(result).toMatchObject({ ok: true, substitutions: { '{group-id}': 'real-group-1', '{directory-object-id}': 'real-user-1' } });
    expect(fake.members.size).toBe(0);
  });

  it('flags a status-class mismatch, unwraps Intune "value" wrappers and skips what the routes do not serve', async () => {
    const session = new ReplaySession(ctx);
    const missing = await session.replay(example({ method: 'GET', path: '/users/{id}/manager', expected: { status: 200, body: undefined, bodyStatus: 'none' } }));
    expect(missing).toMatchObject({ served: false, ok: false, differences: [] });
    const wrong = await session.replay(example({ method: 'GET', path: '/users/does-not-exist@contoso.com', expected: { status: 200, body: undefined, bodyStatus: 'none' } }));
    expect(wrong.sentPath).toBe('/users/real-user-1');
    const gone = await session.replay(example({ method: 'GET', path: '/deviceManagement/deviceConfigurations/{deviceConfigurationId}', expected: { status: 200, bodyStatus: 'json', body: { value: { '@odata.type': '#microsoft.graph.windows10CustomConfiguration', id: 'x', displayName: 'd', omaSettings: [{ omaUri: 'u' }], deviceManagementApplicabilityRuleOsEdition: { osEditionTypes: [] } } } } }));
    expect(gone.differences).toEqual([
      { severity: 'info', kind: 'docsWrappedInValue', path: 'value', detail: expect.any(String) },
      { severity: 'info', kind: 'shape', path: 'omaSettings', detail: 'our collection is empty; item properties not compared' },
      { severity: 'info', kind: 'optionalMissing', path: 'deviceManagementApplicabilityRuleOsEdition', detail: 'documented an object; ours is null' },
    ]);
    expect(gone.ok).toBe(true);
    const pinned = new ReplaySession({ ...ctx, resolveId: async (collection) => (collection === '/deviceManagement/deviceConfigurations' ? 'nope' : undefined) });
    const notFound = await pinned.replay(example({ method: 'GET', path: '/deviceManagement/deviceConfigurations/{id}', expected: { status: 200, body: undefined, bodyStatus: 'none' } }));
    expect(notFound).toMatchObject({ ok: false, sentPath: '/deviceManagement/deviceConfigurations/nope', status: { expected: 200, actual: 404 } });
    expect(notFound.differences).toEqual([{ severity: 'mismatch', kind: 'statusClass', path: '', detail: 'documented 200, got 404' }]);
    fake.users.delete('real-user-1');
    const fresh = new ReplaySession(ctx);
    const failed = await fresh.replay(example({ method: 'GET', path: '/users/{id}', expected: { status: 200, body: undefined, bodyStatus: 'none' } }));
    expect(failed.differences).toEqual([{ severity: 'info', kind: 'setupFailed', path: '/users', detail: expect.stringContaining('no object') }]);
    fake.users.set('real-user-1', { id: 'real-user-1', displayName: 'Real User', mail: 'real@tenant.test' });

    const report = coverageReport({ examples: [example({ method: 'GET', path: '/users/{id}/manager' }), example({ method: 'GET', path: '/users/{id}' })], routes, results: [missing, wrong, gone, notFound, failed] });
    expect(report).toMatchObject({
      total: 2,
      served: 1,
      notServed: [{ method: 'GET', path: '/users/{id}/manager' }],
      mismatches: [{ path: '/deviceManagement/deviceConfigurations/{id}', status: { expected: 200, actual: 404 }, differences: [{ kind: 'statusClass' }] }],
      setupFailures: [{ path: '/users/{id}' }],
    });
  });

  it.skipIf(!SHARED_ROOT)('wants @odata.type only where Graph writes it (derived types)', async () => {
    const schemas = { 'v1.0': loadGraphSchema('v1.0') };
    const user = await replayCorpusExample(
      example({ method: 'GET', path: '/users/{id}', expected: { status: 200, bodyStatus: 'json', body: { '@odata.type': '#microsoft.graph.user', id: 'x', displayName: 'A' } } }),
      { ...ctx, schemas },
    );
    expect(user.differences.filter((d) => d.path === '@odata.type')).toEqual([{ severity: 'info', kind: 'optionalMissing', path: '@odata.type', detail: 'documented @odata.type #microsoft.graph.user is missing' }]);
    const derived = await replayCorpusExample(
      example({ method: 'GET', path: '/users/{id}', expected: { status: 200, bodyStatus: 'json', body: { '@odata.type': '#microsoft.graph.agentUser', id: 'x' } } }),
      { ...ctx, schemas },
    );
    expect(derived.differences.filter((d) => d.path === '@odata.type')).toEqual([{ severity: 'mismatch', kind: 'missingProperty', path: '@odata.type', detail: 'documented @odata.type #microsoft.graph.agentUser is missing' }]);
  });

  it.skipIf(!SHARED_ROOT)('validates our body against the schema when the type is known', async () => {
    const schemas = { 'v1.0': loadGraphSchema('v1.0') };
    const ex = example({ method: 'GET', path: '/users/{id}', query: { bad: '1' }, expected: { status: 200, bodyStatus: 'json', body: { id: 'x', displayName: 'A', surname: null, madeUp: null } } });
    const result = await replayCorpusExample(ex, { ...ctx, schemas, routes: [{ template: '/users/{id}', entityType: 'user' }, '/users'] });
    expect(result.differences).toEqual([
      { severity: 'info', kind: 'optionalMissing', path: 'surname', detail: 'documented as null; absent in ours' },
      { severity: 'info', kind: 'docsNotInSchema', path: 'madeUp', detail: 'documented property madeUp is not defined by the schema for user' },
      { severity: 'info', kind: 'extraProperty', path: 'mail', detail: 'mail is not in the documented body' },
      { severity: 'info', kind: 'extraProperty', path: 'favouriteColour', detail: 'favouriteColour is not in the documented body' },
      { severity: 'mismatch', kind: 'schemaViolation', path: 'favouriteColour', detail: 'microsoft.graph.user has no property favouriteColour' },
    ]);
    expect(result.ok).toBe(false);
  });
});
