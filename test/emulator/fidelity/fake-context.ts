/**
 * A small, deterministic directory behind the `FamilyContext` contract, for testing the family
 * generators without the directory generator. It records every ID it hands out so tests can
 * check that generated data references only objects of the directory.
 */
import { createRandom, type Random } from '../../../src/emulator/random.js';
import type { ApplicationRef, DeviceRef, FamilyContext, GroupKind, GroupRef, RoleTemplateRef, ServicePrincipalRef, TenantCounts, UserRef } from '../../../src/emulator/generate/context.js';

const ROLE_TEMPLATES: RoleTemplateRef[] = [
  { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator' },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator' },
  { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', displayName: 'Security Administrator' },
  { id: '29232cdf-9323-42fd-ade2-1d097af3e4de', displayName: 'Exchange Administrator' },
  { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', displayName: 'Helpdesk Administrator' },
  { id: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', displayName: 'Conditional Access Administrator' },
  { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader' },
  { id: '3a2c62db-5318-420d-8d74-23affee5d9d5', displayName: 'Intune Administrator' },
];

const FIRST_PARTY: Array<[string, string]> = [
  ['00000003-0000-0000-c000-000000000000', 'Microsoft Graph'],
  ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'],
  ['797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API'],
];

export interface FakeDirectory extends FamilyContext {
  readonly ids: { users: Set<string>; groups: Set<string>; appIds: Set<string>; servicePrincipals: Set<string>; deviceIds: Set<string>; deviceObjectIds: Set<string>; roleTemplates: Set<string> };
}

export function fakeFamilyContext(options: { seed?: string; size?: 'small' | 'medium' | 'large'; counts?: Partial<TenantCounts> } = {}): FakeDirectory {
  const seed = options.seed ?? 'fidelity';
  const size = options.size ?? 'small';
  const base: TenantCounts = { users: 50, groups: 20, memberships: 200, applications: 10, servicePrincipals: 10, devices: 40, administrativeUnits: 3 };
  const counts: TenantCounts = { ...base, ...options.counts };
  const dir = createRandom(`${seed}/directory`);
  const users: UserRef[] = [];
  for (let i = 0; i < counts.users; i++) {
    const upn = `user${i}@contoso.onmicrosoft.com`;
    users.push({ id: dir.uuid(), userPrincipalName: upn, displayName: `User ${i}`, mail: upn, department: dir.pick(['Sales', 'IT', 'Finance', null]) });
  }
  const kinds: GroupKind[] = ['unified', 'security', 'mailEnabledSecurity', 'distribution'];
  const groups: GroupRef[] = [];
  for (let i = 0; i < counts.groups; i++) {
    const kind = kinds[i % kinds.length] as GroupKind;
    const nick = `group${i}`;
    groups.push({ id: dir.uuid(), displayName: `Group ${i}`, kind, mail: kind === 'security' ? null : `${nick}@contoso.onmicrosoft.com`, mailNickname: nick, dynamic: i % 7 === 0 });
  }
  const members = new Map<string, string[]>();
  for (const g of groups) members.set(g.id, Array.from({ length: dir.between(0, 8) }, () => dir.pick(users).id));
  const applications: ApplicationRef[] = [];
  const servicePrincipals: ServicePrincipalRef[] = FIRST_PARTY.map(([appId, displayName]) => ({ id: dir.uuid(), appId, displayName, firstParty: true }));
  for (let i = 0; i < counts.applications; i++) {
    const app = { id: dir.uuid(), appId: dir.uuid(), displayName: `App ${i}` };
    applications.push(app);
    servicePrincipals.push({ id: dir.uuid(), appId: app.appId, displayName: app.displayName, firstParty: false });
  }
  const devices: DeviceRef[] = [];
  for (let i = 0; i < counts.devices; i++) {
    const os = dir.weighted(['Windows', 'iOS', 'Android', 'MacMDM'], [6, 2, 2, 1]);
    devices.push({ id: dir.uuid(), deviceId: dir.uuid(), displayName: `DEVICE-${i}`, operatingSystem: os, ownerId: dir.chance(0.8) ? dir.pick(users).id : null });
  }
  const ids = {
    users: new Set(users.map((u) => u.id)),
    groups: new Set(groups.map((g) => g.id)),
    appIds: new Set(servicePrincipals.map((s) => s.appId)),
    servicePrincipals: new Set(servicePrincipals.map((s) => s.id)),
    deviceIds: new Set(devices.map((d) => d.deviceId)),
    deviceObjectIds: new Set(devices.map((d) => d.id)),
    roleTemplates: new Set(ROLE_TEMPLATES.map((r) => r.id)),
  };
  const families = createRandom(`${seed}/families`);
  // Pools per filter function, so large fake tenants do not rescan for every pick.
  const pools = new WeakMap<object, unknown[]>();
  const pickFrom = <T>(items: T[], filter: ((t: T) => boolean) | undefined, random: Random | undefined): T => {
    let pool = items;
    if (filter) {
      pool = (pools.get(filter) as T[] | undefined) ?? items.filter(filter);
      pools.set(filter, pool);
    }
    return (random ?? families).pick(pool);
  };
  const appSp = servicePrincipals.find((s) => !s.firstParty) as ServicePrincipalRef;
  return {
    seed,
    random: families,
    tenantId: dir.uuid(),
    tenantName: 'contoso',
    domain: 'contoso.onmicrosoft.com',
    organizationDisplayName: 'Contoso Ltd',
    size,
    counts,
    nowMs: Date.UTC(2025, 5, 1, 12),
    adminApp: { appId: appSp.appId, applicationId: applications[0]?.id ?? '', servicePrincipalId: appSp.id },
    pickUser: (random) => pickFrom(users, undefined, random),
    pickGroup: (filter, random) => pickFrom(groups, filter, random),
    pickApplication: (random) => pickFrom(applications, undefined, random),
    pickServicePrincipal: (filter, random) => pickFrom(servicePrincipals, filter, random),
    pickDevice: (random) => pickFrom(devices, undefined, random),
    users: () => users,
    groups: () => groups,
    applications: () => applications,
    servicePrincipals: () => servicePrincipals,
    devices: () => devices,
    groupMembers: (groupId) => members.get(groupId) ?? [],
    servicePrincipalByAppId: (appId) => servicePrincipals.find((s) => s.appId === appId),
    roleTemplates: ROLE_TEMPLATES,
    ids,
  };
}
