/**
 * Synthetic directories: deterministic by seed, sized as asked, realistic shapes that use only the
 * real schema's property names, relationships that point at existing objects, and a family
 * context whose picks exist. (Large-tenant time and memory are measured in bench/emulator.)
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, generateTenant } from '../../src/emulator/index.js';
import { DIRECTORY_SCHEMA } from '../../src/emulator/directory/schema.generated.js';

const clock = new ManualClock(Date.UTC(2025, 5, 1));

describe('synthetic tenants', () => {
  it('is deterministic by seed', () => {
    const a = generateTenant({ name: 'contoso', size: 'small', seed: 42 }, clock);
    const b = generateTenant({ name: 'contoso', size: 'small', seed: 42 }, clock);
    const c = generateTenant({ name: 'contoso', size: 'small', seed: 43 }, clock);
    const ids = (t: typeof a) => [...t.state.store('users').values()].map((u) => `${u.id} ${u.userPrincipalName}`);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
    expect(a.state.tenantId).toBe(b.state.tenantId);
    expect(a.admin.clientSecret).toBe(b.admin.clientSecret);
    expect([...a.state.store('groups').values()]).toEqual([...b.state.store('groups').values()]);
  });

  it('generates the requested counts with a heavy-tailed membership distribution', () => {
    const t = generateTenant({ name: 'sized', counts: { users: 800, groups: 120, memberships: 9_000, applications: 30, servicePrincipals: 20, devices: 300, administrativeUnits: 5 } }, clock);
    const s = t.state;
    expect(s.store('users').size).toBe(800);
    expect(s.store('groups').size).toBe(120);
    expect(s.store('devices').size).toBe(300);
    expect(s.store('administrativeUnits').size).toBe(5);
    // 30 apps + the admin app; their 20 service principals + the admin's + Microsoft's first-party ones.
    expect(s.store('applications').size).toBe(31);
    expect(s.store('servicePrincipals').size).toBe(21 + 8);
    expect(s.relations.members.size).toBeGreaterThan(8_000);
    expect(s.relations.members.size).toBeLessThanOrEqual(9_000);
    const sizes = [...s.store('groups').values()].map((g) => s.relations.members.targets(s.directory.handle(g.id) as number).size).sort((x, y) => y - x);
    expect(sizes[0]).toBeGreaterThan(10 * (sizes[60] as number));
  });

  it('builds realistic shapes that use only real schema properties', () => {
    const t = generateTenant({ name: 'shapes', size: 'small' }, clock);
    const s = t.state;
    const kinds: [string, string][] = [
      ['users', 'user'], ['groups', 'group'], ['applications', 'application'], ['servicePrincipals', 'servicePrincipal'], ['devices', 'device'],
      ['administrativeUnits', 'administrativeUnit'], ['directoryRoles', 'directoryRole'], ['roleDefinitions', 'unifiedRoleDefinition'],
      ['roleAssignments', 'unifiedRoleAssignment'], ['domains', 'domain'], ['organization', 'organization'], ['oauth2PermissionGrants', 'oAuth2PermissionGrant'],
      ['appRoleAssignments', 'appRoleAssignment'], ['organizationalBranding', 'organizationalBranding'], ['scopedRoleMembers', 'scopedRoleMembership'],
    ];
    for (const [store, type] of kinds) {
      const row = DIRECTORY_SCHEMA[type] as { v1: readonly string[]; beta: readonly string[] };
      const allowed = new Set([...row.v1, ...row.beta]);
      for (const e of s.store(store).values()) {
        const unknown = Object.keys(e).filter((k) => !allowed.has(k) && !k.startsWith('@'));
        expect({ store, unknown }).toEqual({ store, unknown: [] });
      }
    }
    for (const entry of s.store('authenticationMethods').values()) {
      for (const m of entry.methods as Record<string, unknown>[]) {
        const type = String(m['@odata.type']).replace('#microsoft.graph.', '');
        const row = DIRECTORY_SCHEMA[type] as { v1: readonly string[]; beta: readonly string[] };
        expect(Object.keys(m).filter((k) => !k.startsWith('@') && !row.v1.includes(k) && !row.beta.includes(k))).toEqual([]);
      }
    }
    const users = [...s.store('users').values()];
    expect(users.every((u) => String(u.userPrincipalName).endsWith('@shapes.onmicrosoft.com'))).toBe(true);
    expect(users.filter((u) => u.userType === 'Guest').every((u) => String(u.userPrincipalName).includes('#EXT#'))).toBe(true);
    const groups = [...s.store('groups').values()];
    expect(groups.some((g) => (g.groupTypes as string[]).includes('Unified'))).toBe(true);
    expect(groups.some((g) => (g.groupTypes as string[]).includes('DynamicMembership') && typeof g.membershipRule === 'string')).toBe(true);
    // Managers exist and are users; the CEO has none.
    let managed = 0;
    for (const u of users) {
      for (const m of s.relations.manager.targets(s.directory.handle(u.id) as number)) {
        expect(s.directory.kind(m)).toBe('user');
        managed++;
      }
    }
    expect(managed).toBeGreaterThan(users.length / 2);
    // The Graph service principal publishes the seed permissions with their real GUIDs.
    const graphSp = [...s.store('servicePrincipals').values()].find((sp) => sp.appId === '00000003-0000-0000-c000-000000000000');
    expect((graphSp?.appRoles as { value: string; id: string }[]).find((r) => r.value === 'User.ReadWrite.All')?.id).toBe('741f803b-c850-494e-b5df-cde7c675a1ca');
  });

  it('gives the families a context whose picks exist in the directory', () => {
    const { context, state } = generateTenant({ name: 'ctx', size: 'small', seed: 5 }, clock);
    const r = context.random.fork('test');
    for (let i = 0; i < 20; i++) {
      expect(state.store('users').has(context.pickUser(r).id)).toBe(true);
      expect(state.store('groups').has(context.pickGroup(undefined, r).id)).toBe(true);
      expect(state.store('devices').has(context.pickDevice(r).id)).toBe(true);
      expect(state.store('servicePrincipals').has(context.pickServicePrincipal(undefined, r).id)).toBe(true);
    }
    const security = context.pickGroup((g) => g.kind === 'security', r);
    expect(security.kind).toBe('security');
    expect(context.servicePrincipalByAppId('00000003-0000-0000-c000-000000000000')?.firstParty).toBe(true);
    expect([...context.devices()].length).toBe(context.counts.devices);
    expect(context.roleTemplates.some((t) => t.displayName === 'Global Administrator')).toBe(true);
    expect(context.adminApp.appId).toBeTruthy();
  });

  it('generates a medium tenant (2,000 users) quickly', () => {
    const started = Date.now();
    const t = generateTenant({ name: 'medium', size: 'medium' }, clock);
    expect(t.state.store('users').size).toBe(2_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
