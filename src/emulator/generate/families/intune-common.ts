/**
 * What every Intune generator shares: scope tags and assignment filters (generated first, since
 * policies reference them), assignment targets, and entity timestamps.
 *
 * Assignment targets follow facts §7 and the docs `intune-*-assign` pages: `groupAssignmentTarget`
 * and `exclusionGroupAssignmentTarget` with a `groupId` from the context,
 * `allLicensedUsersAssignmentTarget`, `allDevicesAssignmentTarget`, each optionally with an
 * assignment filter (`deviceAndAppManagementAssignmentFilterId` / `…FilterType`, beta). Assignment
 * IDs are `{policyId}_{groupId}` as Intune forms them (the all-users/all-devices pseudo groups
 * have the fixed IDs `acacacac-…` / `adadadad-…`).
 */
import type { Random } from '../../random.js';
import type { FamilyContext } from '../context.js';
import { bySize, daysAgo, distinct, odataType, pickGroupIds, type GraphEntity, type JsonObject } from './util.js';

export const ALL_USERS_TARGET_ID = 'acacacac-9df4-4c7d-9d50-4ef0226f57a9';
export const ALL_DEVICES_TARGET_ID = 'adadadad-808e-44e2-905a-0b7873a8a531';

export interface IntuneBasics {
  random: Random;
  scopeTags: GraphEntity[];
  filters: GraphEntity[];
}

const FILTER_RULES: Array<[string, string, string]> = [
  ['windows10AndLater', 'Corporate Windows devices', '(device.deviceOwnership -eq "Corporate") and (device.osVersion -startsWith "10.0.2")'],
  ['windows10AndLater', 'Windows 11 only', '(device.osVersion -startsWith "10.0.22")'],
  ['windows10AndLater', 'Surface devices', '(device.manufacturer -eq "Microsoft Corporation") and (device.model -startsWith "Surface")'],
  ['iOS', 'Corporate iPhones', '(device.deviceOwnership -eq "Corporate") and (device.model -startsWith "iPhone")'],
  ['iOS', 'Personal iOS devices', '(device.deviceOwnership -eq "Personal")'],
  ['androidForWork', 'Samsung work profile', '(device.manufacturer -eq "samsung")'],
  ['macOS', 'Apple silicon Macs', '(device.model -contains "Mac") and (device.operatingSystemSKU -ne "x86")'],
];

const SCOPE_TAG_NAMES = ['EMEA', 'Americas', 'APAC', 'Kiosk devices', 'Servers', 'Finance', 'Schools', 'Retail stores', 'Lab', 'Executives', 'Contractors', 'Frontline'];

export function intuneBasics(ctx: FamilyContext): IntuneBasics {
  const random = ctx.random.fork('intune');
  const scopeTags: GraphEntity[] = [{ id: '0', displayName: 'Default', description: 'Default scope tag', isBuiltIn: true }];
  const tagCount = bySize(ctx, [1, 4, 12]);
  for (let i = 0; i < tagCount; i++) {
    const name = SCOPE_TAG_NAMES[i % SCOPE_TAG_NAMES.length] as string;
    scopeTags.push({ id: String(i + 1), displayName: name, description: `Scope for ${name} administrators`, isBuiltIn: false });
  }
  const filters: GraphEntity[] = [];
  const filterCount = bySize(ctx, [2, 6, 20]);
  for (let i = 0; i < filterCount; i++) {
    const [platform, name, rule] = FILTER_RULES[i % FILTER_RULES.length] as [string, string, string];
    const created = random.between(30, 600);
    filters.push({
      id: random.uuid(),
      displayName: i < FILTER_RULES.length ? name : `${name} ${Math.floor(i / FILTER_RULES.length) + 1}`,
      description: null,
      platform,
      rule,
      assignmentFilterManagementType: 'devices',
      roleScopeTags: ['0'],
      payloads: [],
      createdDateTime: daysAgo(ctx, created),
      lastModifiedDateTime: daysAgo(ctx, created * random.next()),
    });
  }
  return { random, scopeTags, filters };
}

/** `roleScopeTagIds` for an object: mostly Default, sometimes a regional tag. */
export function scopeTagIds(basics: IntuneBasics): string[] {
  const { random, scopeTags } = basics;
  if (scopeTags.length === 1 || random.chance(0.6)) return ['0'];
  return distinct(random.between(1, 2), () => random.pick(scopeTags.slice(1)).id);
}

/** Created and modified timestamps plus `version`, as Intune policies carry them. */
export function stamps(ctx: FamilyContext, random: Random): { createdDateTime: string; lastModifiedDateTime: string } {
  const created = random.between(5, 900);
  return { createdDateTime: daysAgo(ctx, created), lastModifiedDateTime: daysAgo(ctx, created * random.next()) };
}

export interface TargetOptions {
  /** Offer all-users / all-devices targets (device-targeted policies use all devices). */
  allTargets?: 'users' | 'devices' | 'both' | 'none';
  /** Attach assignment filters (not every Intune payload supports them). */
  filters?: boolean;
}

/** One assignment target object. */
export function target(kind: 'group' | 'exclusion' | 'allUsers' | 'allDevices', basics: IntuneBasics, groupId: string | null, withFilter: boolean): JsonObject {
  const { random, filters } = basics;
  const filter = withFilter && kind !== 'exclusion' && filters.length > 0 && random.chance(0.3) ? random.pick(filters) : undefined;
  const typeName = { group: 'groupAssignmentTarget', exclusion: 'exclusionGroupAssignmentTarget', allUsers: 'allLicensedUsersAssignmentTarget', allDevices: 'allDevicesAssignmentTarget' }[kind];
  return {
    '@odata.type': odataType(typeName),
    deviceAndAppManagementAssignmentFilterId: filter ? filter.id : null,
    deviceAndAppManagementAssignmentFilterType: filter ? random.pick(['include', 'exclude']) : 'none',
    ...(groupId ? { groupId } : {}),
  };
}

/**
 * The targets of one policy's assignments with the ID each assignment gets: a few groups, now and
 * then an exclusion, an all-users/all-devices target; about one policy in eight is unassigned.
 */
export function assignmentTargets(ctx: FamilyContext, basics: IntuneBasics, policyId: string, options: TargetOptions = {}): Array<{ id: string; target: JsonObject }> {
  const { random } = basics;
  const withFilter = options.filters ?? true;
  if (random.chance(0.12)) return [];
  const out: Array<{ id: string; target: JsonObject }> = [];
  const all = options.allTargets ?? 'both';
  if (all !== 'none' && random.chance(0.25)) {
    const kind = all === 'users' ? 'allUsers' : all === 'devices' ? 'allDevices' : random.pick(['allUsers', 'allDevices'] as const);
    out.push({ id: `${policyId}_${kind === 'allUsers' ? ALL_USERS_TARGET_ID : ALL_DEVICES_TARGET_ID}`, target: target(kind, basics, null, withFilter) });
  } else {
    for (const groupId of pickGroupIds(ctx, random, random.between(1, 3))) out.push({ id: `${policyId}_${groupId}`, target: target('group', basics, groupId, withFilter) });
  }
  if (random.chance(0.2)) {
    const used = new Set(out.map((a) => a.id));
    const groupId = pickGroupIds(ctx, random, 1)[0];
    if (groupId && !used.has(`${policyId}_${groupId}`)) out.push({ id: `${policyId}_${groupId}`, target: target('exclusion', basics, groupId, false) });
  }
  return out;
}
