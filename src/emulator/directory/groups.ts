/**
 * Groups: `/groups` (list, get, create with `members@odata.bind`/`owners@odata.bind`, update,
 * delete, delta with `members@delta`, `$count`), `members` and `owners` (lists, casts, `$count`,
 * `$ref` add/remove), `transitiveMembers`, `memberOf`, `appRoleAssignments`.
 *
 * Rules (group-post-groups.md, group-post-members.md, groups-overview.md, facts §5.1/§7.1/§8.1):
 * - create needs displayName, mailEnabled, mailNickname, securityEnabled; mail-enabled security
 *   groups and distribution lists cannot be created or changed through Graph;
 * - at most 20 references per request (`@odata.bind` on create or PATCH);
 * - adding an existing member is a 400 ("One or more added object references already exist…");
 * - Microsoft 365 groups are soft-deleted, every other group is hard-deleted;
 * - `GET groups/{id}/members` costs 3 resource units, `transitiveMembers` 5.
 */
import { randomUUID } from 'node:crypto';
import { DIRECTORY_PAGING, listResponse } from '../graph/collection.js';
import { badRequest } from '../graph/errors.js';
import { P } from '../graph/permissions.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import type { ParsedWrite } from '../graph/writes.js';
import { hash32 } from '../random.js';
import type { Entity } from '../state/store.js';
import { appRoleAssignmentRoutes } from './app-role-assignments.js';
import { deleteDirectoryObject, isUnifiedGroup, linkedObjects } from './objects.js';
import { addLinks, directoryObjectList, linksExpand, navigationRoutes, ownerIn, type NavigationSpec } from './shared.js';
import { memberOfRoutes } from './users.js';

const GROUP_READ_ONLY = [
  'createdDateTime', 'deletedDateTime', 'expirationDateTime', 'mail', 'onPremisesDomainName', 'onPremisesLastSyncDateTime', 'onPremisesNetBiosName',
  'onPremisesProvisioningErrors', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'proxyAddresses',
  'renewedDateTime', 'securityIdentifier', 'createdByAppId', 'hasMembersWithLicenseErrors', 'licenseProcessingState', 'assignedLicenses',
  'isArchived', 'serviceProvisioningErrors',
];

/** Distribution lists and mail-enabled security groups are read-only in Graph (groups-overview.md). */
export function isExchangeManaged(group: Entity): boolean {
  return group.mailEnabled === true && !isUnifiedGroup(group);
}

const READ_ONLY_GROUP_MESSAGE = 'Cannot Update a mail-enabled security groups and or distribution list.';

const groupOr404 = ownerIn('groups');

const MEMBER_KINDS = ['user', 'group', 'device', 'servicePrincipal', 'orgContact'] as const;

function memberNav(): Omit<NavigationSpec, 'base' | 'read' | 'owner'> {
  return {
    nav: 'members', relation: 'members', direction: 'forward', kinds: MEMBER_KINDS, write: P.groupMemberWrite, cost: 3,
    audit: { category: 'GroupManagement', add: 'Add member to group', remove: 'Remove member from group', targetType: 'Group' },
    beforeAdd: (_ctx, owner, target, kind) => {
      if (isExchangeManaged(owner)) throw badRequest(READ_ONLY_GROUP_MESSAGE);
      if (Array.isArray(owner.groupTypes) && (owner.groupTypes as string[]).includes('DynamicMembership')) {
        throw badRequest('Insufficient privileges to complete the operation. Members of a group with dynamic membership cannot be changed manually.', 'Authorization_RequestDenied');
      }
      if (kind === 'group' && target.id === owner.id) throw badRequest('A group cannot be a member of itself.');
      if (isUnifiedGroup(owner) && kind === 'group') throw badRequest('Microsoft 365 groups cannot have groups as members.');
    },
  };
}

function ownerNav(): Omit<NavigationSpec, 'base' | 'read' | 'owner'> {
  return {
    nav: 'owners', relation: 'owners', direction: 'forward', kinds: ['user', 'servicePrincipal'], write: P.groupMemberWrite,
    audit: { category: 'GroupManagement', add: 'Add owner to group', remove: 'Remove owner from group', targetType: 'Group' },
  };
}

function createGroup(ctx: GraphContext, write: ParsedWrite): Entity {
  const p = write.props;
  const groupTypes = (p.groupTypes as string[] | undefined) ?? [];
  const unified = groupTypes.includes('Unified');
  if (p.mailEnabled === true && !unified) {
    throw badRequest('The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or is set to false.');
  }
  if (groupTypes.includes('DynamicMembership') && typeof p.membershipRule !== 'string') {
    throw badRequest("A value is required for property 'membershipRule' of resource 'Group'.");
  }
  const nick = String(p.mailNickname);
  for (const g of ctx.tenant.store('groups').values()) {
    if (unified && String(g.mailNickname).toLowerCase() === nick.toLowerCase() && g.mailEnabled) {
      throw badRequest('Another object with the same value for property mailNickname already exists.');
    }
  }
  const id = randomUUID();
  const now = ctx.tenant.nowIso();
  const mail = unified ? `${nick}@${ctx.tenant.domain}` : null;
  const group: Entity = {
    id,
    assignedLabels: [],
    assignedLicenses: [],
    classification: null,
    createdDateTime: now,
    deletedDateTime: null,
    description: null,
    expirationDateTime: null,
    groupTypes,
    isAssignableToRole: null,
    mail,
    membershipRule: null,
    membershipRuleProcessingState: groupTypes.includes('DynamicMembership') ? 'On' : null,
    onPremisesProvisioningErrors: [],
    onPremisesSyncEnabled: null,
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    renewedDateTime: now,
    resourceBehaviorOptions: [],
    resourceProvisioningOptions: [],
    securityIdentifier: `S-1-12-1-${hash32(id)}-${hash32(id, 3)}-${hash32(id, 5)}-${hash32(id, 9)}`,
    serviceProvisioningErrors: [],
    theme: null,
    visibility: unified ? (p.visibility ?? 'Public') : null,
    ...p,
  };
  ctx.tenant.addObject('group', group);
  return group;
}

function bindAll(ctx: GraphContext, group: Entity, write: ParsedWrite): void {
  for (const [nav, ids] of Object.entries(write.binds)) {
    if (nav === 'members') addLinks(ctx, memberNav(), group, ids);
    else if (nav === 'owners') addLinks(ctx, ownerNav(), group, ids);
    else throw badRequest(`The navigation property '${nav}' cannot be bound on a group.`);
  }
}

export const GROUPS: EntitySetSpec = {
  name: 'groups',
  path: '/groups',
  store: 'groups',
  entityType: 'microsoft.graph.group',
  permissions: { read: P.groupRead, create: P.groupCreate, update: P.groupWrite, delete: P.groupDelete },
  paging: DIRECTORY_PAGING,
  projection: { selectOnly: ['allowExternalSenders', 'autoSubscribeNewMembers', 'hideFromAddressLists', 'hideFromOutlookClients', 'isSubscribedByMail', 'unseenCount', 'isArchived'] },
  advancedQueries: true,
  orderable: ['displayName'],
  searchable: ['displayName', 'description', 'mail', 'mailNickname'],
  delta: { links: { members: (ctx, g) => linkedObjects(ctx.tenant, 'members', g.id) } },
  expand: {
    members: linksExpand('members'),
    owners: linksExpand('owners'),
  },
  write: { readOnly: GROUP_READ_ONLY, required: ['displayName', 'mailEnabled', 'mailNickname', 'securityEnabled'] },
  create: createGroup,
  afterCreate: bindAll,
  update: (ctx, before, write) => {
    if (isExchangeManaged(before)) throw badRequest(READ_ONLY_GROUP_MESSAGE);
    if (write.props.groupTypes !== undefined && (before.groupTypes as string[]).includes('Unified') !== (write.props.groupTypes as string[]).includes('Unified')) {
      throw badRequest('Changing a group from or to a Microsoft 365 group is not supported.');
    }
    return write.props;
  },
  afterUpdate: (ctx, _before, after, write) => bindAll(ctx, after, write),
  remove: (ctx, entity) => {
    deleteDirectoryObject(ctx.tenant, entity.id);
  },
  audit: { category: 'GroupManagement', noun: 'group', targetType: 'Group' },
};

function* transitiveMembers(ctx: GraphContext, groupId: string): Generator<Entity> {
  const seen = new Set<string>([groupId]);
  const queue = [groupId];
  while (queue.length > 0) {
    const g = queue.shift() as string;
    for (const m of linkedObjects(ctx.tenant, 'members', g)) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      yield m;
      if (ctx.tenant.directory.kindOf(m.id) === 'group') queue.push(m.id);
    }
  }
}

export function groupRoutes(): RouteSpec[] {
  const base = '/groups/{id}';
  const owner = groupOr404;
  return [
    ...defineEntitySet(GROUPS),
    ...navigationRoutes({ base, read: P.groupRead, owner, ...memberNav() }),
    ...navigationRoutes({ base, read: P.groupRead, owner, ...ownerNav() }),
    route('GET', `${base}/transitiveMembers`, { permissions: P.groupRead, cost: 5, name: 'groups.transitiveMembers' }, (ctx) => {
      const g = owner(ctx, ctx.params.id as string);
      return listResponse(ctx, directoryObjectList(ctx, () => transitiveMembers(ctx, g.id)));
    }),
    ...memberOfRoutes(base, owner, 'groups'),
    ...appRoleAssignmentRoutes(base, owner, 'Group'),
  ];
}

