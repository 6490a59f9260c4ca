import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDS, resolveCloud, exchangeInvokeCommandUrl } from '../../src/connectors/clouds.js';
import {
  adminConsentUrl, evaluatePermissions, MANIFEST_VERSION, permissionManifest, requiredResourceAccess, RESOURCE_APPS, SEED_PERMISSIONS,
} from '../../src/connectors/permissions/index.js';
import { listResources } from '../../src/connectors/resources/index.js';

const SEED = join(import.meta.dirname, '../../../shared/seed');
const haveSeed = existsSync(join(SEED, 'permissions.tsv'));
if (!haveSeed) console.warn(`Skipping the manifest-equals-seed test: ${SEED} is absent (../shared is not shipped).`);

const azureApplication = () => SEED_PERMISSIONS.filter((p) => p.profile === 'azure' && p.type === 'Application');
const allAzureRoles = () => azureApplication().map((p) => p.permission);

describe('permission manifest', () => {
  it.skipIf(!haveSeed)('equals the seed: permissions.tsv rows in order, GUIDs and resource apps from permission-ids.json', () => {
    const [header, ...lines] = readFileSync(join(SEED, 'permissions.tsv'), 'utf8').trim().split('\n');
    expect(header?.split('\t')).toEqual(['profile', 'api', 'permission', 'type', 'newlyRequired']);
    const ids = JSON.parse(readFileSync(join(SEED, 'permission-ids.json'), 'utf8')) as {
      resources: Record<string, string>;
      profiles: Record<string, Array<{ permission: string; type: string; id: string; resourceAppId: string; adminConsentDisplayName: string }>>;
    };
    const expected = lines.map((line) => {
      const [profile, , permission, type, newlyRequired] = line.split('\t') as [string, string, string, string, string];
      const entry = ids.profiles[profile]!.find((e) => e.permission === permission && e.type === type)!;
      return {
        profile, api: ids.resources[entry.resourceAppId], resourceAppId: entry.resourceAppId, permission, type, id: entry.id,
        displayName: entry.adminConsentDisplayName, since: newlyRequired === 'Yes' ? MANIFEST_VERSION : 1,
      };
    });
    expect(SEED_PERMISSIONS).toEqual(expected);
  });

  it('derives which types need each azure permission from the registry, and explains the rest', () => {
    const manifest = permissionManifest('azure');
    expect(manifest.manifestVersion).toBe(1);
    const byKey = new Map(manifest.permissions.map((p) => [`${p.permission}/${p.type}`, p]));
    expect(byKey.get('Policy.Read.All/Application')?.neededBy.read).toEqual(expect.arrayContaining(['conditionalAccessPolicy', 'namedLocation', 'authorizationPolicy', 'tokenLifetimePolicy']));
    expect(byKey.get('Policy.ReadWrite.ConditionalAccess/Application')?.neededBy).toEqual({ read: [], write: ['namedLocation', 'conditionalAccessPolicy', 'identitySecurityDefaultsEnforcementPolicy'] });
    expect(byKey.get('UserAuthenticationMethod.ReadWrite.All/Application')?.neededBy).toEqual({ read: ['user'], write: [] });
    expect(byKey.get('Exchange.ManageAsApp/Application')).toMatchObject({ resourceAppId: RESOURCE_APPS.exchange, neededBy: { read: ['distributionGroup'], write: ['distributionGroup'] } });
    expect(byKey.get('Directory.ReadWrite.All/Application')?.alternativeFor.read).toEqual(expect.arrayContaining(['user', 'group', 'application']));
    expect(byKey.get('DeviceManagementConfiguration.ReadWrite.All/Application')?.alternativeFor.read).toEqual(expect.arrayContaining(['deviceManagementScript']));
    // Every permission is needed by some type or says what it is for.
    for (const permission of manifest.permissions) {
      const used = permission.neededBy.read.length + permission.neededBy.write.length + permission.alternativeFor.read.length;
      expect(used > 0 || permission.purpose !== undefined, `${permission.permission} (${permission.type})`).toBe(true);
    }
    expect(byKey.get('User.Read/Delegated')?.purpose).toMatch(/console/);
    // b2c and devops types are not in the registry yet: their rows say so instead of naming types.
    expect(permissionManifest('devops').permissions.every((p) => p.purpose?.includes('not declared'))).toBe(true);
  });

  it('evaluates a full grant as complete', () => {
    const evaluation = evaluatePermissions('azure', { roles: allAzureRoles(), scopes: ['User.Read', 'BitlockerKey.Read.All', 'DeviceManagementApps.ReadWrite.All'] }, 1);
    expect(evaluation.missingCount).toBe(0);
    expect(evaluation.types.every((t) => t.readable && t.skippedSubResources.length === 0)).toBe(true);
    expect(evaluation.types.find((t) => t.type === 'conditionalAccessPolicy')).toEqual({
      type: 'conditionalAccessPolicy', readable: true, writable: true, missingForRead: [], missingForWrite: [], skippedSubResources: [],
    });
    expect(evaluation.types.find((t) => t.type === 'domain')).toMatchObject({ readable: true, writable: false, missingForWrite: [] });
  });

  it('disables exactly the types a missing permission is needed by', () => {
    const roles = allAzureRoles().filter((r) => r !== 'Policy.Read.All' && r !== 'UserAuthenticationMethod.ReadWrite.All');
    const evaluation = evaluatePermissions('azure', { roles, scopes: [] }, 1);
    const unreadable = evaluation.types.filter((t) => !t.readable).map((t) => t.type).sort();
    expect(unreadable).toEqual([
      'authenticationMethodConfiguration', 'authenticationMethodsPolicy', 'authorizationPolicy', 'claimsMappingPolicy', 'conditionalAccessPolicy',
      'crossTenantAccessPolicy', 'crossTenantAccessPolicyConfigurationPartner', 'homeRealmDiscoveryPolicy', 'identitySecurityDefaultsEnforcementPolicy',
      'namedLocation', 'tokenLifetimePolicy',
    ]);
    expect(evaluation.types.find((t) => t.type === 'namedLocation')).toEqual({
      type: 'namedLocation', readable: false, writable: false, missingForRead: ['Policy.Read.All'], missingForWrite: ['Policy.Read.All'], skippedSubResources: [],
    });
    // Users stay readable; only their authentication methods are skipped.
    expect(evaluation.types.find((t) => t.type === 'user')).toMatchObject({ readable: true, skippedSubResources: ['authenticationMethods'] });
    expect(evaluation.permissions.filter((p) => p.status === 'missing').map((p) => `${p.permission}/${p.type}`)).toEqual([
      'User.Read/Delegated', 'BitlockerKey.Read.All/Delegated', 'Policy.Read.All/Application', 'UserAuthenticationMethod.ReadWrite.All/Application',
      'DeviceManagementApps.ReadWrite.All/Delegated',
    ]);
  });

  it('keeps a type readable through an alternative permission, and matches app-role ids as well as names', () => {
    const groupRole = azureApplication().find((p) => p.permission === 'Group.ReadWrite.All')!;
    const withoutGroup = allAzureRoles().filter((r) => r !== 'Group.ReadWrite.All');
    const evaluation = evaluatePermissions('azure', { roles: withoutGroup, scopes: [] }, 1);
    expect(evaluation.types.find((t) => t.type === 'group')).toMatchObject({ readable: true, writable: false, missingForWrite: ['Group.ReadWrite.All'] });
    const byId = evaluatePermissions('azure', { roles: [...withoutGroup, groupRole.id], scopes: [] }, 1);
    expect(byId.types.find((t) => t.type === 'group')).toMatchObject({ readable: true, writable: true });
    expect(byId.permissions.find((p) => p.permission === 'Group.ReadWrite.All')?.status).toBe('granted');
  });

  it('flags permissions required since a later manifest version than the one consented', () => {
    expect(evaluatePermissions('azure', { roles: [], scopes: [] }, 1).permissions.some((p) => p.newlyRequired)).toBe(false);
    const fromScratch = evaluatePermissions('azure', { roles: [], scopes: [] }, 0);
    expect(fromScratch.permissions.every((p) => p.newlyRequired)).toBe(true);
    expect(fromScratch.types.every((t) => !t.readable)).toBe(true);
  });

  it('builds the requiredResourceAccess of each app registration', () => {
    const azure = requiredResourceAccess('azure');
    expect(azure.map((r) => r.resourceAppId)).toEqual([RESOURCE_APPS.graph, RESOURCE_APPS.exchange]);
    expect(azure[0]!.resourceAccess).toHaveLength(23);
    expect(azure[0]!.resourceAccess[0]).toEqual({ id: '5eb59dd3-1da2-4329-8733-9dabdc435916', type: 'Role' });
    expect(azure[0]!.resourceAccess).toContainEqual({ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' });
    expect(azure[1]).toEqual({ resourceAppId: RESOURCE_APPS.exchange, resourceAccess: [{ id: 'dc50a0fb-09a3-484d-be87-e023b12c6440', type: 'Role' }] });
    expect(requiredResourceAccess('devops')).toEqual([
      { resourceAppId: RESOURCE_APPS.devops, resourceAccess: [{ id: 'ee69721e-6c3a-468f-a9ec-302d16a4c599', type: 'Scope' }] },
      { resourceAppId: RESOURCE_APPS.graph, resourceAccess: [{ id: 'a154be20-db9c-4678-8ab7-66f6cc099a59', type: 'Scope' }] },
    ]);
    expect(requiredResourceAccess('b2c')[0]!.resourceAccess).toHaveLength(14);
    expect(listResources('b2c')).toEqual([]);
  });
});

describe('clouds and consent URLs', () => {
  it('builds the documented admin-consent URL on each cloud', () => {
    expect(adminConsentUrl('public', 'contoso.onmicrosoft.com', '11111111-2222-3333-4444-555555555555')).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=11111111-2222-3333-4444-555555555555',
    );
    expect(adminConsentUrl(CLOUDS.usgov, 't', 'c')).toBe('https://login.microsoftonline.us/t/adminconsent?client_id=c');
    expect(adminConsentUrl('china', 't', 'c')).toBe('https://login.chinacloudapi.cn/t/adminconsent?client_id=c');
    expect(adminConsentUrl('https://127.0.0.1:8443/', 't', 'c')).toBe('https://127.0.0.1:8443/t/adminconsent?client_id=c');
  });

  it('resolves cloud names and points every endpoint of a URL cloud at its origin', () => {
    expect(resolveCloud('usgov')).toMatchObject({ graph: 'https://graph.microsoft.us', exchange: 'https://outlook.office365.us', graphScope: 'https://graph.microsoft.us/.default' });
    expect(resolveCloud('china')).toMatchObject({ authorityHost: 'https://login.chinacloudapi.cn', graph: 'https://microsoftgraph.chinacloudapi.cn', exchange: 'https://partner.outlook.cn' });
    const emulator = resolveCloud('https://127.0.0.1:8443/');
    expect(emulator).toEqual({
      name: 'custom', authorityHost: 'https://127.0.0.1:8443', graph: 'https://127.0.0.1:8443', exchange: 'https://127.0.0.1:8443', devops: 'https://127.0.0.1:8443',
      graphScope: 'https://graph.microsoft.com/.default', exchangeScope: 'https://outlook.office365.com/.default', devopsScope: '499b84ac-1321-427f-aa17-267ca6975798/.default',
    });
    expect(exchangeInvokeCommandUrl(emulator, 'tid')).toBe('https://127.0.0.1:8443/adminapi/beta/tid/InvokeCommand');
    expect(() => resolveCloud('mars')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveCloud('ftp://x')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveCloud('https://x/?a=1')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
