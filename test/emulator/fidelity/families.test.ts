import { describe, expect, it } from 'vitest';
import { FAMILY_CHILDREN, FAMILY_STORES, bitlockerRecoveryPassword, generateFamilies, type GeneratedFamilyData } from '../../../src/emulator/generate/families/index.js';
import { ALL_DEVICES_TARGET_ID, ALL_USERS_TARGET_ID } from '../../../src/emulator/generate/families/intune-common.js';
import { generateTenant } from '../../../src/emulator/generate/directory.js';
import { ManualClock } from '../../../src/clock.js';
import { loadGraphSchema, type GraphSchema, type Violation } from '../../../src/emulator/schema/index.js';
import { fakeFamilyContext, type FakeDirectory } from './fake-context.js';
import { SHARED_ROOT, SKIP_REASON } from './shared.js';

/** Materialises the lazy parts so runs can be compared. */
function snapshot(data: GeneratedFamilyData): unknown {
  return {
    stores: Object.fromEntries(Object.entries(data.stores).map(([k, v]) => [k, [...v]])),
    children: Object.fromEntries(Object.entries(data.children).map(([k, v]) => [k, [...v.entries()]])),
    audit: data.audit,
    exchange: { distributionGroups: data.exchange.distributionGroups, members: [...data.exchange.members.entries()] },
  };
}

function validate(v1: GraphSchema, beta: GraphSchema, type: string, entity: Record<string, unknown>): Violation[] {
  const out: Violation[] = [];
  if (beta.isKnownType(type)) out.push(...beta.validateEntity(type, entity, { values: true }).map((v) => ({ ...v, message: `beta: ${v.message}` })));
  const own = typeof entity['@odata.type'] === 'string' ? entity['@odata.type'] : type;
  if (v1.isKnownType(type) && v1.isKnownType(own)) {
    out.push(...v1.validateEntity(type, v1.project(type, entity), { values: true }).map((v) => ({ ...v, message: `v1.0: ${v.message}` })));
  }
  if (!beta.isKnownType(type) && !v1.isKnownType(type)) out.push({ path: '', code: 'unknownType', type, message: `${type} unknown to both versions` });
  return out;
}

describe.skipIf(!SHARED_ROOT)('family generators against the Graph schema', () => {
  it(SHARED_ROOT ? 'every generated entity and child validates (small and medium tenants)' : SKIP_REASON, () => {
    const v1 = loadGraphSchema('v1.0');
    const beta = loadGraphSchema('beta');
    for (const size of ['small', 'medium'] as const) {
      const data = generateFamilies(fakeFamilyContext({ size, counts: size === 'medium' ? { users: 2_000, groups: 300, devices: 400, applications: 60 } : {} }));
      const problems: string[] = [];
      for (const [store, items] of Object.entries(data.stores)) {
        const info = FAMILY_STORES[store as keyof typeof FAMILY_STORES];
        expect(info, `store ${store} is declared`).toBeDefined();
        for (const entity of items) for (const v of validate(v1, beta, info.type, entity)) problems.push(`${store}/${entity.id} ${v.path}: ${v.message}`);
      }
      for (const [child, byParent] of Object.entries(data.children)) {
        const type = FAMILY_CHILDREN[child as keyof typeof FAMILY_CHILDREN];
        for (const [parent, items] of byParent) for (const item of items) for (const v of validate(v1, beta, type, item)) problems.push(`${child}@${parent} ${v.path}: ${v.message}`);
      }
      for (const record of data.audit) for (const v of validate(v1, beta, 'directoryAudit', record)) problems.push(`audit/${record.id} ${v.path}: ${v.message}`);
      expect(problems.slice(0, 20), `${size}: ${problems.length} problems`).toEqual([]);
    }
  });

  it('works on the directory generator\'s own context (medium tenant): valid, and only its objects referenced', () => {
    const v1 = loadGraphSchema('v1.0');
    const beta = loadGraphSchema('beta');
    const { context } = generateTenant({ name: 'fabrikam', size: 'medium', seed: 'families' }, new ManualClock(Date.UTC(2025, 0, 1)));
    const data = generateFamilies(context);
    const problems: string[] = [];
    for (const [store, items] of Object.entries(data.stores)) {
      const info = FAMILY_STORES[store as keyof typeof FAMILY_STORES];
      for (const entity of items) for (const v of validate(v1, beta, info.type, entity)) problems.push(`${store}/${entity.id} ${v.path}: ${v.message}`);
    }
    for (const [child, byParent] of Object.entries(data.children)) {
      const type = FAMILY_CHILDREN[child as keyof typeof FAMILY_CHILDREN];
      for (const items of byParent.values()) for (const item of items) for (const v of validate(v1, beta, type, item)) problems.push(`${child} ${v.path}: ${v.message}`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    const groups = new Set([...context.groups()].map((g) => g.id));
    const deviceIds = new Set([...context.devices()].map((d) => d.deviceId));
    for (const key of data.stores.bitlockerRecoveryKeys) expect(deviceIds.has(String(key['deviceId']))).toBe(true);
    for (const items of data.children['deviceConfigurations/assignments'].values()) {
      for (const a of items) {
        const groupId = (a['target'] as Record<string, unknown>)['groupId'];
        if (groupId !== undefined) expect(groups.has(String(groupId))).toBe(true);
      }
    }
    const dls = [...context.groups()].filter((g) => g.kind === 'distribution' || g.kind === 'mailEnabledSecurity');
    expect(data.exchange.distributionGroups).toHaveLength(dls.length);
  });

  it('the validator used above does catch a wrong name inside a settings-catalog tree', () => {
    const v1 = loadGraphSchema('v1.0');
    const beta = loadGraphSchema('beta');
    const data = generateFamilies(fakeFamilyContext());
    const [, settings] = [...data.children['configurationPolicies/settings'].entries()][0] as [string, readonly Record<string, unknown>[]];
    const tampered = JSON.parse(JSON.stringify(settings[0])) as { settingInstance: Record<string, unknown> };
    tampered.settingInstance['choiceSettingValu'] = tampered.settingInstance['choiceSettingValue'];
    expect(validate(v1, beta, 'deviceManagementConfigurationSetting', tampered)).toEqual([expect.objectContaining({ path: 'settingInstance.choiceSettingValu', code: 'unknownProperty' })]);
  });
});

describe('family generators', () => {
  it('are deterministic by seed', () => {
    const a = snapshot(generateFamilies(fakeFamilyContext({ seed: 's1' })));
    const b = snapshot(generateFamilies(fakeFamilyContext({ seed: 's1' })));
    const c = snapshot(generateFamilies(fakeFamilyContext({ seed: 's2' })));
    expect(b).toEqual(a);
    expect(JSON.stringify(c)).not.toEqual(JSON.stringify(a));
  });

  it('reference only objects of the context (or of the family itself, or well-known constants)', () => {
    const ctx = fakeFamilyContext({ size: 'medium', counts: { users: 300, groups: 80, devices: 120 } });
    const data = generateFamilies(ctx);
    const ids = ctx.ids;
    const locations = new Set([...data.stores.namedLocations].map((l) => l.id));
    const filters = new Set([...data.stores.assignmentFilters].map((f) => f.id));
    const scopeTags = new Set([...data.stores.roleScopeTags].map((t) => t.id));
    const apps = new Set([...data.stores.mobileApps].map((a) => a.id));
    const policies = new Set([...data.stores.conditionalAccessPolicies].map((p) => p.id));
    const roles = new Set([...data.stores.intuneRoleDefinitions].map((r) => r.id));
    const bad: string[] = [];
    const expectIn = (where: string, value: unknown, ...sets: Array<Set<string> | string[]>): void => {
      if (typeof value !== 'string') return;
      if (!sets.some((s) => (Array.isArray(s) ? s.includes(value) : s.has(value)))) bad.push(`${where}: ${value}`);
    };
    const walk = (value: unknown, where: string, key?: string): void => {
      if (Array.isArray(value)) {
        for (const item of value) walk(item, where, key);
        return;
      }
      if (value === null || typeof value !== 'object') {
        switch (key) {
          case 'includeUsers':
          case 'excludeUsers':
            return expectIn(where, value, ids.users, ['All', 'GuestsOrExternalUsers', 'None']);
          case 'includeGroups':
          case 'excludeGroups':
          case 'groupId':
          case 'members':
          case 'resourceScopes':
            return expectIn(where, value, ids.groups);
          case 'includeRoles':
          case 'excludeRoles':
            return expectIn(where, value, ids.roleTemplates);
          case 'includeApplications':
          case 'excludeApplications':
            return expectIn(where, value, ids.appIds, ['All', 'Office365']);
          case 'includeLocations':
          case 'excludeLocations':
            return expectIn(where, value, locations, ['All', 'AllTrusted']);
          case 'deviceAndAppManagementAssignmentFilterId':
            return value === null ? undefined : expectIn(where, value, filters);
          case 'roleScopeTagIds':
          case 'roleScopeTags':
            return expectIn(where, value, scopeTags);
          case 'targetedMobileApps':
            return expectIn(where, value, apps);
          default:
            return;
        }
      }
      const record = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(record)) walk(v, where, k);
    };
    for (const [store, items] of Object.entries(data.stores)) if (store !== 'bitlockerRecoveryKeys') for (const e of items) walk(e, `${store}/${e.id}`);
    for (const [child, byParent] of Object.entries(data.children)) for (const [parent, items] of byParent) walk(items, `${child}@${parent}`);
    // Authentication-method targets are groups or the all_users pseudo group.
    for (const config of data.stores.authenticationMethodConfigurations) {
      for (const t of [...((config['includeTargets'] as Array<{ id: string }>) ?? []), ...((config['excludeTargets'] as Array<{ id: string }>) ?? [])]) expectIn(`auth/${config.id}`, t.id, ids.groups, ['all_users']);
    }
    // Intune assignment IDs are {parentId}_{groupId | all-users | all-devices}.
    for (const [child, byParent] of Object.entries(data.children)) {
      if (!child.endsWith('/assignments')) continue;
      for (const [parent, items] of byParent) {
        for (const item of items) {
          // Mobile app assignment IDs carry Intune's `_0_0` suffix.
          const id = String(item['id']).replace(/_0_0$/, '');
          expect(id.slice(0, parent.length + 1), `${child} ${id}`).toBe(`${parent}_`);
          expectIn(`${child}@${parent}`, id.slice(parent.length + 1), ids.groups, [ALL_USERS_TARGET_ID, ALL_DEVICES_TARGET_ID]);
        }
      }
    }
    for (const a of data.children['intuneRoleAssignments/roleDefinition'].values()) expectIn('role link', a[0]?.['id'], roles);
    for (const key of data.stores.bitlockerRecoveryKeys) expectIn(`bitlocker/${key.id}`, key['deviceId'], ids.deviceIds);
    for (const record of data.audit) {
      const by = record['initiatedBy'] as { user: { id: string } | null; app: { servicePrincipalId: string } | null };
      if (by.user) expectIn(`audit/${record.id}`, by.user.id, ids.users);
      if (by.app) expectIn(`audit/${record.id}`, by.app.servicePrincipalId, ids.servicePrincipals);
      for (const t of record['targetResources'] as Array<{ id: string; type: string }>) {
        expectIn(`audit/${record.id}/${t.type}`, t.id, ids.users, ids.groups, ids.deviceObjectIds, ids.servicePrincipals, new Set([...ctx.applications()].map((x) => x.id)), policies, ['authorizationPolicy']);
      }
    }
    for (const dl of data.exchange.distributionGroups) expectIn('exchange', dl['ExternalDirectoryObjectId'], ids.groups);
    for (const list of data.exchange.members.values()) for (const m of list) expectIn('exchange member', m['ExternalDirectoryObjectId'], ids.users, ids.groups);
    expect(bad).toEqual([]);
  });

  it('scale with the size class', () => {
    const count = (d: GeneratedFamilyData, store: keyof GeneratedFamilyData['stores']): number => [...d.stores[store]].length;
    const small = generateFamilies(fakeFamilyContext({ size: 'small' }));
    const large = generateFamilies(fakeFamilyContext({ size: 'large', counts: { users: 2_000, groups: 400, devices: 200 } }));
    expect(count(small, 'conditionalAccessPolicies')).toBe(12);
    expect(count(large, 'conditionalAccessPolicies')).toBe(60);
    expect(count(small, 'deviceConfigurations')).toBe(8);
    expect(count(large, 'deviceConfigurations')).toBe(150);
    expect(count(large, 'configurationPolicies')).toBe(120);
    expect(count(large, 'mobileApps')).toBe(250);
    expect(small.audit.length).toBe(150);
    expect(large.audit.length).toBe(1_500);
  });

  it('gives Windows devices BitLocker keys whose passwords are derived, never stored', () => {
    const ctx: FakeDirectory = fakeFamilyContext({ counts: { devices: 200 } });
    const data = generateFamilies(ctx);
    const keys = [...data.stores.bitlockerRecoveryKeys];
    expect([...data.stores.bitlockerRecoveryKeys]).toEqual(keys);
    const windows = [...ctx.devices()].filter((d) => d.operatingSystem === 'Windows');
    const osKeys = keys.filter((k) => k['volumeType'] === 'operatingSystemVolume');
    expect(osKeys.map((k) => k['deviceId'])).toEqual(windows.map((d) => d.deviceId));
    expect(keys.length).toBeGreaterThan(osKeys.length - 1);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(['createdDateTime', 'deviceId', 'id', 'volumeType']);
      const password = data.secrets.bitlockerRecoveryPassword(k.id);
      expect(password).toMatch(/^\d{6}(-\d{6}){7}$/);
      for (const block of password.split('-')) {
        expect(Number(block) % 11).toBe(0);
        expect(Number(block)).toBeLessThan(720_896);
      }
      expect(password).toBe(bitlockerRecoveryPassword(ctx.seed, k.id));
    }
  });

  it('writes audit history over the last 30 days, oldest first', () => {
    const ctx = fakeFamilyContext();
    const { audit } = generateFamilies(ctx);
    const times = audit.map((r) => Date.parse(String(r['activityDateTime'])));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(ctx.nowMs - 30 * 86_400_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(ctx.nowMs);
    expect(new Set(audit.map((r) => r['category']))).toEqual(new Set(['UserManagement', 'GroupManagement', 'ApplicationManagement', 'RoleManagement', 'Device', 'KeyManagement', 'Policy']));
    expect(audit.every((r) => /^Directory_[0-9a-f-]{36}$/.test(r.id))).toBe(true);
  });

  it('exposes distribution groups and their mail-enabled members as Exchange returns them', () => {
    const ctx = fakeFamilyContext({ counts: { groups: 40 } });
    const { exchange } = generateFamilies(ctx);
    const dls = [...ctx.groups()].filter((g) => g.kind === 'distribution' || g.kind === 'mailEnabledSecurity');
    expect(exchange.distributionGroups.map((g) => g['ExternalDirectoryObjectId'])).toEqual(dls.map((g) => g.id));
    const first = exchange.distributionGroups[0] as Record<string, unknown>;
    expect(first).toMatchObject({ Identity: dls[0]?.mailNickname, Alias: dls[0]?.mailNickname, PrimarySmtpAddress: dls[0]?.mail, RecipientTypeDetails: expect.stringMatching(/^MailUniversal(Distribution|Security)Group$/) });
    expect(Array.isArray(first['ManagedBy'])).toBe(true);
    const groupsById = new Map([...ctx.groups()].map((g) => [g.id, g]));
    for (const dl of dls) {
      const expected = [...ctx.groupMembers(dl.id)].filter((id) => groupsById.get(id)?.kind !== 'security');
      expect(exchange.members.get(dl.id)?.map((m) => m['ExternalDirectoryObjectId'])).toEqual(expected);
    }
  });
});
