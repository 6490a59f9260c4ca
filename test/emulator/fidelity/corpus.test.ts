import { describe, expect, it } from 'vitest';
import { corpusFigures, coverageReport, familyOf, loadCorpus, matchTemplate, parseDocBody, resourceOf, splitDocUrl } from '../../../src/emulator/schema/index.js';
import { SHARED_ROOT, SKIP_REASON } from './shared.js';

describe('docs body classification', () => {
  it('keeps structured bodies and recognises missing ones', () => {
    expect(parseDocBody({ a: 1 })).toEqual({ status: 'json', value: { a: 1 } });
    expect(parseDocBody(null)).toEqual({ status: 'none', value: undefined });
    expect(parseDocBody('')).toEqual({ status: 'none', value: undefined });
  });

  it('recovers loosely written JSON', () => {
    expect(parseDocBody('Content-type: application/json\nContent-length: 20\n\n{\n  "a": 1\n}')).toEqual({ status: 'recovered', value: { a: 1 } });
    expect(parseDocBody('{\u00a0"a":\u00a0"x"}')).toEqual({ status: 'recovered', value: { a: 'x' } });
    expect(parseDocBody('{\n "url": "https://x.test/a", // a comment\n "b": [1, 2,],\n}')).toEqual({ status: 'recovered', value: { url: 'https://x.test/a', b: [1, 2] } });
    expect(parseDocBody('{"a": 1}\n\nPATCH /next/request\n\n{"b": 2}')).toEqual({ status: 'recovered', value: { a: 1 } });
  });

  it('tells non-JSON from malformed JSON', () => {
    expect(parseDocBody('<Image>').status).toBe('nonJson');
    expect(parseDocBody('RnJvbTogQWxleCBXaWxiZXI=').status).toBe('nonJson');
    expect(parseDocBody('{\n "id": "x"\n "name": "y"\n}').status).toBe('malformed');
  });
});

describe('docs URL splitting', () => {
  it('splits version, path and query', () => {
    expect(splitDocUrl("https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,'a')&$top=5", 'beta')).toEqual({
      version: 'v1.0',
      path: '/users',
      query: { $filter: "startswith(displayName,'a')", $top: '5' },
    });
    expect(splitDocUrl('https://graph.microsoft.com/beta/groups/{id}/members/$ref/', 'v1.0')).toEqual({ version: 'beta', path: '/groups/{id}/members/$ref', query: {} });
    expect(splitDocUrl('me/devices', 'beta')).toEqual({ version: 'beta', path: '/me/devices', query: {} });
  });
});

describe('route templates', () => {
  const routes = ['/users/{id}', '/users/delta', '/users/{id}/manager/$ref', { template: '/groups/{id}', methods: ['GET'] }, { template: '/deviceManagement/scripts', versions: ['beta' as const] }, "/roleManagement/directory/roleSchedules(directoryScopeId='{scope}')"];

  it('prefers the most specific template and binds parameters', () => {
    expect(matchTemplate(routes, '/users/delta')?.route.template).toBe('/users/delta');
    expect(matchTemplate(routes, '/users/abc')).toEqual({ route: { template: '/users/{id}' }, params: { id: 'abc' }, segmentParams: [undefined, 'id'] });
    expect(matchTemplate(routes, '/Users/abc/Manager/$ref')?.route.template).toBe('/users/{id}/manager/$ref');
    expect(matchTemplate(routes, "/roleManagement/directory/roleSchedules(directoryScopeId='%2F')")?.params).toEqual({ scope: '/' });
  });

  it('never lets a docs placeholder stand for a literal segment', () => {
    expect(matchTemplate(['/users/delta'], '/users/{id}')).toBeUndefined();
    expect(matchTemplate(routes, '/users/{usersId}')?.route.template).toBe('/users/{id}');
  });

  it('filters by method and version', () => {
    expect(matchTemplate(routes, '/groups/g1', { method: 'GET' })).toBeDefined();
    expect(matchTemplate(routes, '/groups/g1', { method: 'DELETE' })).toBeUndefined();
    expect(matchTemplate(routes, '/deviceManagement/scripts', { version: 'v1.0' })).toBeUndefined();
    expect(matchTemplate(routes, '/deviceManagement/scripts', { version: 'beta' })).toBeDefined();
    expect(matchTemplate(routes, '/nothing')).toBeUndefined();
  });
});

describe('families and resources', () => {
  it('classifies paths', () => {
    expect(familyOf('/identity/conditionalAccess/policies/{id}')).toBe('conditionalAccess');
    expect(familyOf('/deviceManagement/deviceConfigurations/{id}/assign')).toBe('intune');
    expect(familyOf('/organization/{id}/branding/localizations')).toBe('branding');
    expect(familyOf('/identity/b2cUserFlows')).toBe('b2c');
    expect(familyOf('/users/{id}/memberOf')).toBe('directory');
    expect(familyOf('/informationProtection/bitlocker/recoveryKeys')).toBe('bitlocker');
    expect(resourceOf('/deviceManagement/deviceConfigurations/{id}/assign')).toBe('deviceManagement/deviceConfigurations');
    expect(resourceOf('/identity/conditionalAccess/namedLocations/{id}')).toBe('identity/conditionalAccess/namedLocations');
    expect(resourceOf('/users/{id}/manager')).toBe('users');
  });
});

describe.skipIf(!SHARED_ROOT)('the Graph docs corpus in ../shared', () => {
  it(SHARED_ROOT ? 'loads and counts every example' : SKIP_REASON, async () => {
    const examples = await loadCorpus();
    expect(await loadCorpus()).toBe(examples);
    const figures = corpusFigures(examples);
    // The shared snapshot (microsoft-graph-docs@db3ad729); a change here means the loader changed.
    expect(figures).toMatchObject({
      files: 2792,
      examples: 2884,
      byVersion: { beta: 2185, 'v1.0': 699 },
      byMethod: { GET: 1063, POST: 794, PATCH: 524, DELETE: 489, PUT: 14 },
      requestBodies: { none: 1636, json: 1110, recovered: 131, nonJson: 7, malformed: 0 },
      responseBodies: { none: 738, json: 2122, recovered: 19, nonJson: 0, malformed: 5 },
      usableResponses: 2141,
      usableRequests: 1241,
      placeholderBodies: 87,
    });
    expect(Object.values(figures.byFamily).reduce((a, b) => a + b, 0)).toBe(2884);
    for (const ex of examples) {
      expect(ex.path.startsWith('/'), ex.file).toBe(true);
      expect(['v1.0', 'beta']).toContain(ex.version);
    }
  });

  it('reports coverage as n of N against a route table', async () => {
    const examples = await loadCorpus();
    const report = coverageReport({ examples, routes: ['/users', '/users/{id}', { template: '/groups/{id}', methods: ['GET'] }] });
    expect(report.total).toBe(2884);
    expect(report.served + report.notServed.length).toBe(report.total);
    expect(report.served).toBeGreaterThan(10);
    expect(report.byFamily['directory']?.served).toBe(report.served);
    expect(report.notServed).toContainEqual(expect.objectContaining({ method: 'DELETE', path: '/groups/{id}', family: 'directory' }));
  });
});
