/**
 * Directory audit history: a few hundred events (more for larger tenants) over the 30 days
 * before generation — user, group, application, role, device, policy, key-management and
 * authentication-method activities — initiated by users or by apps of the directory, with the
 * targets and `modifiedProperties` Entra writes for each.
 *
 * Guarantees: records are in ascending `activityDateTime` order and shaped exactly like the
 * records the emulator appends for its own writes (`state/audit.ts`: id `Directory_<uuid>`,
 * JSON-string `oldValue`/`newValue`), so generated history and live writes read the same;
 * every initiator and target is an object of the context. Activity names and categories are
 * those of the Entra audit log (e.g. "Add member to group", GroupManagement, Core Directory).
 */
import type { Random } from '../../random.js';
import type { FamilyContext } from '../context.js';
import { bySize, daysAgo, DAY_MS, pickTargetableGroup, type GraphEntity, type JsonObject } from './util.js';

interface Activity {
  name: string;
  category: string;
  operationType: string;
  service: string;
  weight: number;
  targets: (ctx: FamilyContext, random: Random, related: AuditRelated) => JsonObject[];
}

/** Objects of other families that audit events may target. */
export interface AuditRelated {
  conditionalAccessPolicies: readonly GraphEntity[];
}

const prop = (displayName: string, oldValue: unknown, newValue: unknown): JsonObject => ({
  displayName,
  oldValue: oldValue === null ? null : JSON.stringify([oldValue]),
  newValue: newValue === null ? null : JSON.stringify([newValue]),
});

function userTarget(ctx: FamilyContext, random: Random, modified: JsonObject[] = []): JsonObject {
  const u = ctx.pickUser(random);
  return { id: u.id, displayName: null, type: 'User', userPrincipalName: u.userPrincipalName, groupType: null, modifiedProperties: modified };
}

function groupTarget(ctx: FamilyContext, random: Random, modified: JsonObject[] = []): JsonObject {
  const g = pickTargetableGroup(ctx, random);
  return { id: g.id, displayName: g.displayName, type: 'Group', userPrincipalName: null, groupType: g.kind === 'unified' ? 'unifiedGroups' : 'azureAD', modifiedProperties: modified };
}

function deviceTarget(ctx: FamilyContext, random: Random, modified: JsonObject[] = []): JsonObject {
  const d = ctx.pickDevice(random);
  return { id: d.id, displayName: d.displayName, type: 'Device', userPrincipalName: null, groupType: null, modifiedProperties: modified };
}

function spTarget(ctx: FamilyContext, random: Random, modified: JsonObject[] = []): JsonObject {
  const sp = ctx.pickServicePrincipal(undefined, random);
  return { id: sp.id, displayName: sp.displayName, type: 'ServicePrincipal', userPrincipalName: null, groupType: null, modifiedProperties: modified };
}

const DEPARTMENTS = ['Sales', 'Marketing', 'Finance', 'Engineering', 'Support', 'Legal', 'Operations'];

const ACTIVITIES: Activity[] = [
  { name: 'Add user', category: 'UserManagement', operationType: 'Add', service: 'Core Directory', weight: 6, targets: (c, r) => [userTarget(c, r, [prop('AccountEnabled', null, true), prop('UserType', null, 'Member')])] },
  {
    name: 'Update user',
    category: 'UserManagement',
    operationType: 'Update',
    service: 'Core Directory',
    weight: 14,
    targets: (c, r) => [userTarget(c, r, [prop('Department', r.pick(DEPARTMENTS), r.pick(DEPARTMENTS)), { displayName: 'Included Updated Properties', oldValue: null, newValue: '"Department"' }])],
  },
  { name: 'Disable account', category: 'UserManagement', operationType: 'Update', service: 'Core Directory', weight: 2, targets: (c, r) => [userTarget(c, r, [prop('AccountEnabled', true, false)])] },
  { name: 'Delete user', category: 'UserManagement', operationType: 'Delete', service: 'Core Directory', weight: 2, targets: (c, r) => [userTarget(c, r)] },
  { name: 'Reset user password', category: 'UserManagement', operationType: 'Update', service: 'Core Directory', weight: 4, targets: (c, r) => [userTarget(c, r)] },
  { name: 'Change user license', category: 'UserManagement', operationType: 'Update', service: 'Core Directory', weight: 4, targets: (c, r) => [userTarget(c, r)] },
  { name: 'User registered security info', category: 'UserManagement', operationType: 'Add', service: 'Authentication Methods', weight: 8, targets: (c, r) => [userTarget(c, r)] },
  { name: 'Add group', category: 'GroupManagement', operationType: 'Add', service: 'Core Directory', weight: 3, targets: (c, r) => [groupTarget(c, r)] },
  { name: 'Update group', category: 'GroupManagement', operationType: 'Update', service: 'Core Directory', weight: 3, targets: (c, r) => [groupTarget(c, r, [prop('Description', null, 'Team workspace')])] },
  {
    name: 'Add member to group',
    category: 'GroupManagement',
    operationType: 'Assign',
    service: 'Core Directory',
    weight: 16,
    targets: (c, r) => {
      const g = groupTarget(c, r);
      const u = userTarget(c, r, [prop('Group.ObjectID', null, g['id']), prop('Group.DisplayName', null, g['displayName'])]);
      return [u, g];
    },
  },
  { name: 'Remove member from group', category: 'GroupManagement', operationType: 'Unassign', service: 'Core Directory', weight: 6, targets: (c, r) => [userTarget(c, r), groupTarget(c, r)] },
  { name: 'Add owner to group', category: 'GroupManagement', operationType: 'Assign', service: 'Core Directory', weight: 2, targets: (c, r) => [userTarget(c, r), groupTarget(c, r)] },
  { name: 'Add service principal', category: 'ApplicationManagement', operationType: 'Add', service: 'Core Directory', weight: 2, targets: (c, r) => [spTarget(c, r)] },
  {
    name: 'Update application – Certificates and secrets management ',
    category: 'ApplicationManagement',
    operationType: 'Update',
    service: 'Core Directory',
    weight: 3,
    targets: (c, r) => {
      const app = c.pickApplication(r);
      return [{ id: app.id, displayName: app.displayName, type: 'Application', userPrincipalName: null, groupType: null, modifiedProperties: [{ displayName: 'KeyDescription', oldValue: '[]', newValue: `["[KeyIdentifier=${r.uuid()},KeyType=Password,KeyUsage=Verify,DisplayName=ci-secret]"]` }] }];
    },
  },
  { name: 'Consent to application', category: 'ApplicationManagement', operationType: 'Assign', service: 'Core Directory', weight: 2, targets: (c, r) => [spTarget(c, r, [prop('ConsentAction.Permissions', null, 'User.Read')])] },
  { name: 'Add app role assignment to service principal', category: 'ApplicationManagement', operationType: 'Assign', service: 'Core Directory', weight: 2, targets: (c, r) => [spTarget(c, r), spTarget(c, r)] },
  {
    name: 'Add member to role',
    category: 'RoleManagement',
    operationType: 'Assign',
    service: 'Core Directory',
    weight: 2,
    targets: (c, r) => {
      const role = r.pick(c.roleTemplates);
      return [userTarget(c, r, [prop('Role.DisplayName', null, role?.displayName ?? 'Global Reader'), prop('Role.TemplateId', null, role?.id ?? '')])];
    },
  },
  { name: 'Remove member from role', category: 'RoleManagement', operationType: 'Unassign', service: 'Core Directory', weight: 1, targets: (c, r) => [userTarget(c, r)] },
  { name: 'Add device', category: 'Device', operationType: 'Add', service: 'Core Directory', weight: 6, targets: (c, r) => [deviceTarget(c, r)] },
  { name: 'Update device', category: 'Device', operationType: 'Update', service: 'Core Directory', weight: 8, targets: (c, r) => [deviceTarget(c, r, [prop('IsCompliant', false, true)])] },
  { name: 'Add registered owner to device', category: 'Device', operationType: 'Assign', service: 'Core Directory', weight: 3, targets: (c, r) => [deviceTarget(c, r), userTarget(c, r)] },
  { name: 'Read BitLocker key', category: 'KeyManagement', operationType: 'Other', service: 'Core Directory', weight: 1, targets: (c, r) => [deviceTarget(c, r)] },
  {
    name: 'Update conditional access policy',
    category: 'Policy',
    operationType: 'Update',
    service: 'Conditional Access',
    weight: 2,
    targets: (_c, r, rel) => {
      const policy = rel.conditionalAccessPolicies.length > 0 ? r.pick(rel.conditionalAccessPolicies) : undefined;
      return policy ? [{ id: policy.id, displayName: policy['displayName'] ?? null, type: 'Policy', userPrincipalName: null, groupType: null, modifiedProperties: [] }] : [];
    },
  },
  { name: 'Update authorization policy', category: 'Policy', operationType: 'Update', service: 'Core Directory', weight: 1, targets: () => [{ id: 'authorizationPolicy', displayName: 'Authorization Policy', type: 'Policy', userPrincipalName: null, groupType: null, modifiedProperties: [] }] },
];

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
];

export function generateAuditHistory(ctx: FamilyContext, related: AuditRelated = { conditionalAccessPolicies: [] }): GraphEntity[] {
  const random = ctx.random.fork('audit');
  const count = bySize(ctx, [150, 400, 1_500]);
  // A handful of administrators do most of the work, as in a real tenant.
  const admins = Array.from({ length: 4 }, () => ctx.pickUser(random));
  const weights = ACTIVITIES.map((a) => a.weight);
  const times = Array.from({ length: count }, () => ctx.nowMs - Math.floor(random.next() * 30 * DAY_MS)).sort((a, b) => a - b);
  return times.map((t) => {
    const activity = random.weighted(ACTIVITIES, weights);
    const byApp = random.chance(0.35);
    const sp = byApp ? ctx.pickServicePrincipal(undefined, random) : undefined;
    const admin = random.pick(admins);
    const failed = random.chance(0.03);
    return {
      id: `Directory_${random.uuid()}`,
      category: activity.category,
      correlationId: random.uuid(),
      result: failed ? 'failure' : 'success',
      resultReason: failed ? random.pick(['Microsoft.Online.Workflows.ObjectAlreadyExistsException', 'Insufficient privileges to complete the operation.']) : '',
      activityDisplayName: activity.name,
      activityDateTime: daysAgo(ctx, (ctx.nowMs - t) / DAY_MS),
      loggedByService: activity.service,
      operationType: activity.operationType,
      initiatedBy: sp
        ? { app: { appId: sp.appId, displayName: sp.displayName, servicePrincipalId: sp.id, servicePrincipalName: sp.displayName }, user: null }
        : { app: null, user: { id: admin.id, displayName: null, userPrincipalName: admin.userPrincipalName, ipAddress: `198.51.100.${random.int(255)}` } },
      targetResources: activity.targets(ctx, random, related),
      additionalDetails: sp ? [] : [{ key: 'User-Agent', value: random.pick(USER_AGENTS) }],
    };
  });
}
