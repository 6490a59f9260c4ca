import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allResources, defineResource, dependencyEdges, dependencyOrder, getResource, listResources, referencesOf, rewriteReferences,
  typeNameFromOData, type PermissionRequirement,
} from '../../src/connectors/resources/index.js';
import { permissionManifest } from '../../src/connectors/permissions/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const CORPUS = join(import.meta.dirname, '../../../shared/corpus/graph-docs');
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn(`Skipping corpus-based reference tests: ${CORPUS} is absent (../shared is not shipped).`);

const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
interface CorpusFile {
  examples: Array<{ request: { body?: unknown }; response: { body?: unknown } }>;
}
const corpus = (name: string): CorpusFile => JSON.parse(readFileSync(join(CORPUS, name), 'utf8')) as CorpusFile;
/** The doc examples keep the request body as raw HTTP text (headers, blank line, JSON). */
const requestJson = (body: unknown): unknown => (typeof body === 'string' ? JSON.parse(body.slice(body.indexOf('{'))) : body);

const names = (requirements: readonly PermissionRequirement[]) => requirements.flatMap((r) => (typeof r === 'string' ? [r] : [...r]));

describe('resource registry', () => {
  it('declares every collection the azure profile backs up, under Graph entity names', () => {
    expect(listResources('azure').map((d) => d.name).sort()).toEqual([
      'administrativeUnit', 'androidManagedAppProtection', 'application', 'auditEvent', 'authenticationMethodConfiguration', 'authenticationMethodsPolicy',
      'authorizationPolicy', 'bitlockerRecoveryKey', 'claimsMappingPolicy', 'conditionalAccessPolicy', 'crossTenantAccessPolicy',
      'crossTenantAccessPolicyConfigurationPartner', 'device', 'deviceAndAppManagementAssignmentFilter', 'deviceAndAppManagementRoleAssignment',
      'deviceAndAppManagementRoleDefinition', 'deviceCompliancePolicy', 'deviceConfiguration', 'deviceCustomAttributeShellScript',
      'deviceHealthScript', 'deviceManagementConfigurationPolicy', 'deviceManagementScript', 'deviceShellScript', 'directoryAudit',
      'directoryRole', 'distributionGroup', 'domain', 'group', 'homeRealmDiscoveryPolicy', 'identitySecurityDefaultsEnforcementPolicy',
      'iosManagedAppProtection', 'managedDeviceMobileAppConfiguration', 'mobileApp', 'namedLocation', 'oAuth2PermissionGrant', 'organization',
      'organizationalBranding', 'organizationalBrandingLocalization', 'roleScopeTag', 'servicePrincipal', 'targetedManagedAppConfiguration',
      'tokenLifetimePolicy', 'unifiedRoleAssignment', 'unifiedRoleDefinition', 'user',
    ]);
  });

  it('gives every type a path, a source, and only permissions the seed grants to the azure app', () => {
    const granted = new Set(permissionManifest('azure').permissions.filter((p) => p.type === 'Application').map((p) => p.permission));
    for (const declaration of allResources()) {
      expect(declaration.path.startsWith('/'), declaration.name).toBe(true);
      expect(declaration.sources.length, declaration.name).toBeGreaterThan(0);
      expect(declaration.permissions.read.length, declaration.name).toBeGreaterThan(0);
      const used = [
        ...names(declaration.permissions.read), ...names(declaration.permissions.write),
        ...declaration.subResources.flatMap((s) => names(s.permissions ?? [])),
      ];
      for (const permission of used) expect(granted.has(permission), `${declaration.name}: ${permission}`).toBe(true);
      if (declaration.permissions.write.length === 0) expect(declaration.permissions.note ?? declaration.backupOnly, declaration.name).toBeTruthy();
      if (declaration.change === 'delta') expect(declaration.pageSize, declaration.name).toBeUndefined();
      if (declaration.api === 'beta') expect(declaration.path.startsWith('/deviceManagement/'), declaration.name).toBe(true);
    }
  });

  it('rejects malformed declarations', () => {
    const base = { service: 'azure', name: 'thing', path: '/things', api: 'v1.0', change: 'list', permissions: { read: ['Policy.Read.All'], write: [] }, sources: ['x'] } as const;
    expect(() => defineResource({ ...base, name: 'Thing' })).toThrow(/camelCase/);
    expect(() => defineResource({ ...base, references: { 'a..b': 'user' } })).toThrow(/bad reference path/);
    expect(() => defineResource({ ...base, change: 'singleton' })).toThrow(/singletonId/);
    expect(() => defineResource({ ...base, change: 'delta', pageSize: 100 })).toThrow(/\$top/);
    expect(() => defineResource({ ...base, subResources: [{ name: 'x', kind: 'collection', read: 'everyRun' }] })).toThrow(/path/);
    expect(() => getResource('nope')).toThrow(/Unknown resource type/);
  });

  it('orders types so that every honoured reference points backwards, deferring self-references and closed cycles', () => {
    const all = allResources().map((d) => d.name);
    const plan = dependencyOrder(all);
    expect([...plan.order].sort()).toEqual([...all].sort());
    const position = new Map(plan.order.map((name, i) => [name, i]));
    const deferred = new Set(plan.deferred.map((e) => `${e.from}>${e.to}>${e.via}`));
    for (const name of all) {
      for (const edge of dependencyEdges(getResource(name))) {
        if (deferred.has(`${edge.from}>${edge.to}>${edge.via}`)) continue;
        expect(position.get(edge.to)!, `${edge.from} needs ${edge.to} via ${edge.via}`).toBeLessThan(position.get(edge.from)!);
      }
    }
    // No property reference had to be broken: only self-references and relationship links wait for the second pass.
    expect(plan.deferred.filter((e) => e.reason === 'cycle')).toEqual([]);
    expect(plan.deferred).toContainEqual({ from: 'user', to: 'user', via: 'manager.id', link: true, reason: 'self' });
    expect(plan.deferred).toContainEqual({ from: 'group', to: 'group', via: 'members[].id', link: true, reason: 'self' });
    for (const edge of plan.deferred) expect(edge.link || edge.reason === 'self').toBe(true);
    // Named locations before the policies that name them (facts §7.1); scope tags and filters before Intune policies (§7.2).
    expect(position.get('namedLocation')!).toBeLessThan(position.get('conditionalAccessPolicy')!);
    expect(position.get('group')!).toBeLessThan(position.get('conditionalAccessPolicy')!);
    expect(position.get('roleScopeTag')!).toBeLessThan(position.get('deviceConfiguration')!);
    expect(position.get('deviceAndAppManagementAssignmentFilter')!).toBeLessThan(position.get('deviceConfiguration')!);
    expect(position.get('application')!).toBeLessThan(position.get('servicePrincipal')!);
    // Deterministic.
    expect(dependencyOrder([...all].reverse())).toEqual(plan);
  });

  it('orders a subset among itself', () => {
    expect(dependencyOrder(['conditionalAccessPolicy', 'namedLocation', 'group']).order).toEqual(['group', 'namedLocation', 'conditionalAccessPolicy']);
    expect(dependencyOrder(['oAuth2PermissionGrant', 'user', 'servicePrincipal']).order).toEqual(['user', 'servicePrincipal', 'oAuth2PermissionGrant']);
    expect(dependencyOrder(['organizationalBranding', 'organization']).order).toEqual(['organization', 'organizationalBranding']);
  });
});

describe('references', () => {
  it('maps OData type names to resource type names', () => {
    expect(typeNameFromOData('#microsoft.graph.servicePrincipal')).toBe('servicePrincipal');
    expect(typeNameFromOData('User')).toBe('user');
    expect(typeNameFromOData('microsoft.graph.group')).toBe('group');
  });

  it('finds every reference of a conditional access policy from the Graph docs, skipping markers', () => {
    const { document } = fixture<{ document: Record<string, unknown> }>('ca-policy.json');
    const refs = referencesOf(getResource('conditionalAccessPolicy'), document);
    expect(refs).toEqual([
      { path: 'conditions.users.includeUsers[0]', declaredPath: 'conditions.users.includeUsers[]', targetType: 'user', key: 'id', id: 'a702a13d-a437-4a07-8a7e-8c052de62dfd' },
      { path: 'conditions.users.excludeUsers[0]', declaredPath: 'conditions.users.excludeUsers[]', targetType: 'user', key: 'id', id: '124c5b6a-ffa5-483a-9b88-04c3fce5574a' },
      { path: 'conditions.users.includeRoles[0]', declaredPath: 'conditions.users.includeRoles[]', targetType: 'unifiedRoleDefinition', key: 'id', id: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3' },
      { path: 'conditions.users.includeRoles[1]', declaredPath: 'conditions.users.includeRoles[]', targetType: 'unifiedRoleDefinition', key: 'id', id: 'cf1c38e5-3621-4004-a7cb-879624dced7c' },
      { path: 'conditions.users.includeRoles[2]', declaredPath: 'conditions.users.includeRoles[]', targetType: 'unifiedRoleDefinition', key: 'id', id: 'c4e39bd9-1100-46d3-8c65-fb160da0071f' },
      { path: 'conditions.users.excludeRoles[0]', declaredPath: 'conditions.users.excludeRoles[]', targetType: 'unifiedRoleDefinition', key: 'id', id: 'b0f54661-2d74-4c50-afa3-1ec803f12efe' },
      ...[
        '499b84ac-1321-427f-aa17-267ca6975798', '00000007-0000-0000-c000-000000000000', 'de8bc8b5-d9f9-48b1-a8ad-b748da725064', '00000012-0000-0000-c000-000000000000',
        '797f4846-ba00-4fd7-ba43-dac1f8f63013', '05a65629-4c1b-48c1-a78b-804c4abdd4af', '7df0a125-d3be-4c96-aa54-591f83ff541c',
      ].map((id, i) => ({ path: `conditions.applications.excludeApplications[${i}]`, declaredPath: 'conditions.applications.excludeApplications[]', targetType: 'servicePrincipal', key: 'appId', id })),
      // The nil GUID ("MFA trusted IPs") and AllTrusted are markers, not named locations.
      { path: 'conditions.locations.excludeLocations[1]', declaredPath: 'conditions.locations.excludeLocations[]', targetType: 'namedLocation', key: 'id', id: 'd2136c9c-b049-47ae-b9cf-316e04ef7198' },
    ]);
  });

  it('rewrites a conditional access policy through an old→new map without touching the input', () => {
    const { document } = fixture<{ document: Record<string, unknown> }>('ca-policy.json');
    const before = structuredClone(document);
    const map = new Map([
      ['a702a13d-a437-4a07-8a7e-8c052de62dfd', '11111111-1111-4111-8111-111111111111'],
      ['d2136c9c-b049-47ae-b9cf-316e04ef7198', '22222222-2222-4222-8222-222222222222'],
      ['cf1c38e5-3621-4004-a7cb-879624dced7c', 'cf1c38e5-3621-4004-a7cb-879624dced7c'],
    ]);
    const result = rewriteReferences('conditionalAccessPolicy', document, map);
    expect(document).toEqual(before);
    const expected = structuredClone(before) as { conditions: { users: { includeUsers: string[] }; locations: { excludeLocations: string[] } } };
    expected.conditions.users.includeUsers[0] = '11111111-1111-4111-8111-111111111111';
    expected.conditions.locations.excludeLocations[1] = '22222222-2222-4222-8222-222222222222';
    expect(result.document).toEqual(expected);
    expect(result.rewritten.map((r) => r.path)).toEqual(['conditions.users.includeUsers[0]', 'conditions.locations.excludeLocations[1]']);
    // Mapped to itself: kept and not reported as rewritten; unknown ids are reported for the plan.
    expect(result.unmapped.map((r) => r.id)).toContain('124c5b6a-ffa5-483a-9b88-04c3fce5574a');
    expect(result.unmapped.map((r) => r.id)).not.toContain('cf1c38e5-3621-4004-a7cb-879624dced7c');
    expect(result.unmapped).toHaveLength(referencesOf(getResource('conditionalAccessPolicy'), document).length - 3);
  });

  it('resolves group members from a delta page (members@delta) by their @odata.type', () => {
    const { page } = fixture<{ page: { value: Array<Record<string, unknown>> } }>('group-delta-page.json');
    const [withMembers] = page.value;
    const stored = { ...withMembers, members: withMembers!['members@delta'] };
    delete (stored as Record<string, unknown>)['members@delta'];
    stored.members = [...(stored.members as object[]), { '@odata.type': '#microsoft.graph.group', id: 'ec22655c-8eb2-432a-b4ea-8b8a254bffff' }];
    expect(referencesOf('group', stored)).toEqual([
      { path: 'members[0].id', declaredPath: 'members[].id', targetType: 'user', key: 'id', id: '693acd06-2877-4339-8ade-b704261fe7a0' },
      { path: 'members[1].id', declaredPath: 'members[].id', targetType: 'user', key: 'id', id: '49320844-be99-4164-8167-87ff5d047ace' },
      { path: 'members[2].id', declaredPath: 'members[].id', targetType: 'group', key: 'id', id: 'ec22655c-8eb2-432a-b4ea-8b8a254bffff' },
    ]);
    const rewritten = rewriteReferences('group', stored, (ref) => (ref.targetType === 'user' && ref.id.startsWith('6') ? 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' : undefined));
    expect((rewritten.document.members as Array<{ id: string }>).map((m) => m.id)).toEqual([
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '49320844-be99-4164-8167-87ff5d047ace', 'ec22655c-8eb2-432a-b4ea-8b8a254bffff',
    ]);
  });

  it.skipIf(!haveCorpus)('types the principal of an app role assignment from principalType (Graph docs payload)', () => {
    const assignment = corpus('v1.0__serviceprincipal-post-approleassignments.json').examples[0]!.response.body as Record<string, unknown>;
    const sp = { id: '8fce32da-1246-437b-99cd-76d1d4677bd5', appId: '00000003-0000-0000-c000-000000000000', appRoleAssignedTo: [assignment] };
    expect(referencesOf(getResource('servicePrincipal'), sp)).toEqual([
      { path: 'appId', declaredPath: 'appId', targetType: 'application', key: 'appId', id: '00000003-0000-0000-c000-000000000000' },
      { path: 'appRoleAssignedTo[0].principalId', declaredPath: 'appRoleAssignedTo[].principalId', targetType: 'servicePrincipal', key: 'id', id: '9028d19c-26a9-4809-8e3f-20ff73e2d75e' },
      { path: 'appRoleAssignedTo[0].resourceId', declaredPath: 'appRoleAssignedTo[].resourceId', targetType: 'servicePrincipal', key: 'id', id: '8fce32da-1246-437b-99cd-76d1d4677bd5' },
    ]);
    const groupAssignment = corpus('v1.0__group-post-approleassignments.json').examples[0]!.response.body as Record<string, unknown>;
    expect(referencesOf(getResource('servicePrincipal'), { appRoleAssignedTo: [groupAssignment] }).map((r) => r.targetType)).toEqual(['group', 'servicePrincipal']);
  });

  it.skipIf(!haveCorpus)('extracts and rewrites the administrative unit inside a role assignment scope (Graph docs payload)', () => {
    const scoped = corpus('beta__rbacapplication-post-roleassignments.json').examples[1]!.response.body as Record<string, unknown>;
    const tenantWide = corpus('beta__rbacapplication-post-roleassignments.json').examples[0]!.response.body as Record<string, unknown>;
    const declaration = getResource('unifiedRoleAssignment');
    expect(referencesOf(declaration, scoped)).toEqual([
      { path: 'principalId', declaredPath: 'principalId', targetType: 'directoryObject', key: 'id', id: 'f8ca5a85-489a-49a0-b555-0a6d81e56f0d' },
      { path: 'roleDefinitionId', declaredPath: 'roleDefinitionId', targetType: 'unifiedRoleDefinition', key: 'id', id: 'fe930be7-5e62-47db-91af-98c3a49a38b1' },
      { path: 'directoryScopeId', declaredPath: 'directoryScopeId', targetType: 'administrativeUnit', key: 'id', id: '5d107bba-d8e2-4e13-b6ae-884be90e5d1a' },
    ]);
    // "/" is the whole tenant, not a reference.
    expect(referencesOf(declaration, tenantWide).map((r) => r.declaredPath)).toEqual(['principalId', 'roleDefinitionId']);
    const { document } = rewriteReferences(declaration, scoped, new Map([['5d107bba-d8e2-4e13-b6ae-884be90e5d1a', '33333333-3333-4333-8333-333333333333']]));
    expect(document.directoryScopeId).toBe('/administrativeUnits/33333333-3333-4333-8333-333333333333');
  });

  it.skipIf(!haveCorpus)('finds group and filter references in Intune assignments (Graph docs payload)', () => {
    // The docs' assign example targets a ConfigMgr collection and a placeholder filter id: neither is a reference.
    const assign = requestJson(corpus('v1.0__intune-deviceconfig-deviceconfiguration-assign.json').examples[0]!.request.body) as { assignments: Array<Record<string, unknown>> };
    const policyAssignments = corpus('beta__intune-deviceconfigv2-devicemanagementconfigurationpolicyassignment-list.json').examples[0]!.response.body as { value: Array<Record<string, unknown>> };
    const declaration = getResource('deviceConfiguration');
    expect(referencesOf(declaration, { assignments: [...assign.assignments, ...policyAssignments.value] })).toEqual([]);
    // The documented groupAssignmentTarget / exclusionGroupAssignmentTarget shapes (resources/intune-shared-*assignmenttarget.md).
    const withGroups = {
      roleScopeTagIds: ['0', '7'],
      assignments: [
        { ...assign.assignments[0], target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: '44444444-4444-4444-8444-444444444444', deviceAndAppManagementAssignmentFilterId: '55555555-5555-4555-8555-555555555555', deviceAndAppManagementAssignmentFilterType: 'include' } },
        { id: 'x', target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: '66666666-6666-4666-8666-666666666666' } },
        { id: 'y', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } },
      ],
    };
    expect(referencesOf(declaration, withGroups).map((r) => [r.path, r.targetType, r.id])).toEqual([
      ['assignments[0].target.groupId', 'group', '44444444-4444-4444-8444-444444444444'],
      ['assignments[1].target.groupId', 'group', '66666666-6666-4666-8666-666666666666'],
      ['assignments[0].target.deviceAndAppManagementAssignmentFilterId', 'deviceAndAppManagementAssignmentFilter', '55555555-5555-4555-8555-555555555555'],
      ['roleScopeTagIds[0]', 'roleScopeTag', '0'],
      ['roleScopeTagIds[1]', 'roleScopeTag', '7'],
    ]);
    const { document, unmapped } = rewriteReferences(declaration, withGroups, new Map([['44444444-4444-4444-8444-444444444444', '77777777-7777-4777-8777-777777777777'], ['7', '12']]));
    expect(document.assignments[0]!.target).toMatchObject({ groupId: '77777777-7777-4777-8777-777777777777' });
    expect(document.roleScopeTagIds).toEqual(['0', '12']);
    expect(unmapped.map((r) => r.id)).toEqual(['66666666-6666-4666-8666-666666666666', '55555555-5555-4555-8555-555555555555', '0']);
  });
});
