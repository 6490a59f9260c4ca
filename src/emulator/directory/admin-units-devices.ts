/**
 * Administrative units and devices.
 * - `/directory/administrativeUnits` (v1.0 and beta) and `/administrativeUnits` (beta only: v1.0
 *   has no top-level entity set, facts §7.1): list, get, create, update, soft delete, delta;
 *   `members` (users, groups, devices) with `$ref`; `scopedRoleMembers` (list, get, POST, DELETE).
 * - `/devices` (also `devices(deviceId='…')`): list, get, create, update, hard delete, delta;
 *   `registeredOwners` and `registeredUsers` with `$ref`; `memberOf`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DIRECTORY_PAGING, entityResponse, listResponse, type CollectionSpec } from '../graph/collection.js';
import { badRequest, notFound } from '../graph/errors.js';
import { P } from '../graph/permissions.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, GraphVersion, RouteSpec } from '../graph/types.js';
import { requireObjectBody } from '../graph/writes.js';
import type { Entity } from '../state/store.js';
import { deleteDirectoryObject, linkedObjects } from './objects.js';
import { linksExpand, navigationRoutes, ownerIn } from './shared.js';
import { memberOfRoutes } from './users.js';

const AU_PATHS: readonly { path: string; versions: readonly GraphVersion[] }[] = [
  { path: '/directory/administrativeUnits', versions: ['v1.0', 'beta'] },
  { path: '/administrativeUnits', versions: ['beta'] },
];

function auSpec(path: string, versions: readonly GraphVersion[]): EntitySetSpec {
  return {
    name: 'administrativeUnits',
    path,
    versions,
    store: 'administrativeUnits',
    entityType: 'microsoft.graph.administrativeUnit',
    contextName: path === '/administrativeUnits' ? 'administrativeUnits' : 'directory/administrativeUnits',
    permissions: { read: P.auRead, create: P.auWrite, update: P.auWrite, delete: P.auWrite },
    paging: DIRECTORY_PAGING,
    advancedQueries: true,
    delta: { links: { members: (ctx, au) => linkedObjects(ctx.tenant, 'auMembers', au.id) } },
    expand: { members: linksExpand('auMembers') },
    write: { required: ['displayName'], readOnly: ['deletedDateTime'] },
    create: (ctx, write) => {
      const au: Entity = {
        id: randomUUID(), deletedDateTime: null, description: null, isMemberManagementRestricted: null, membershipRule: null,
        membershipRuleProcessingState: null, membershipType: null, visibility: null, ...write.props,
      };
      ctx.tenant.addObject('administrativeUnit', au);
      return au;
    },
    remove: (ctx, entity) => {
      deleteDirectoryObject(ctx.tenant, entity.id);
    },
    audit: { category: 'AdministrativeUnit', noun: 'administrative unit', targetType: 'Other' },
  };
}

function scopedRoleMemberRoutes(base: string, versions: readonly GraphVersion[]): RouteSpec[] {
  const owner = ownerIn('administrativeUnits');
  const shape = (ctx: GraphContext, auId: string): CollectionSpec => {
    const store = ctx.tenant.store('scopedRoleMembers');
    return {
      source: function* () {
        for (const m of store.values()) if (m.administrativeUnitId === auId) yield m;
      },
      contextName: 'scopedRoleMemberships', paging: DIRECTORY_PAGING, projection: { entityType: 'microsoft.graph.scopedRoleMembership' },
    };
  };
  return [
    route('GET', `${base}/{id}/scopedRoleMembers`, { versions, permissions: P.auRead, name: 'administrativeUnits.scopedRoleMembers.list' }, (ctx) =>
      listResponse(ctx, shape(ctx, owner(ctx, ctx.params.id as string).id)),
    ),
    route('GET', `${base}/{id}/scopedRoleMembers/{memberId}`, { versions, permissions: P.auRead, name: 'administrativeUnits.scopedRoleMembers.get' }, (ctx) => {
      const au = owner(ctx, ctx.params.id as string);
      const m = ctx.tenant.store('scopedRoleMembers').get(ctx.params.memberId as string);
      if (!m || m.administrativeUnitId !== au.id) throw notFound(ctx.params.memberId as string);
      return entityResponse(ctx, shape(ctx, au.id), m);
    }),
    route('POST', `${base}/{id}/scopedRoleMembers`, { versions, permissions: P.roleWrite, name: 'administrativeUnits.scopedRoleMembers.create' }, (ctx) => {
      const au = owner(ctx, ctx.params.id as string);
      const body = requireObjectBody(ctx.request.body);
      const roleId = String(body.roleId ?? '');
      const memberId = String((body.roleMemberInfo as Record<string, unknown> | undefined)?.id ?? '');
      const role = ctx.tenant.store('directoryRoles').get(roleId);
      if (!role) throw notFound(roleId);
      const member = ctx.tenant.liveObject(memberId);
      if (!member) throw notFound(memberId);
      const scope = `/administrativeUnits/${au.id}`;
      for (const m of ctx.tenant.store('scopedRoleMembers').values()) {
        if (m.administrativeUnitId === au.id && m.roleId === roleId && (m.roleMemberInfo as Record<string, unknown>).id === memberId) {
          throw badRequest('A conflicting object with one or more of the specified property values is present in the directory.');
        }
      }
      const entry: Entity = {
        id: randomBytes(24).toString('base64url'), administrativeUnitId: au.id, roleId,
        roleMemberInfo: { id: memberId, displayName: (member.entity.displayName as string | undefined) ?? null, userPrincipalName: (member.entity.userPrincipalName as string | undefined) ?? null },
      };
      ctx.tenant.store('scopedRoleMembers').insert(entry);
      // The same object as the role assignment scoped to the unit (see grants-and-roles.ts).
      const assignments = ctx.tenant.store('roleAssignments');
      if (![...assignments.values()].some((a) => a.principalId === memberId && a.roleDefinitionId === role.roleTemplateId && a.directoryScopeId === scope)) {
        assignments.insert({
          id: `${randomBytes(32).toString('base64url')}-1`, appScopeId: null, condition: null, directoryScopeId: scope,
          principalId: memberId, principalOrganizationId: ctx.tenant.tenantId, roleDefinitionId: role.roleTemplateId,
        });
      }
      ctx.audit({
        activityDisplayName: 'Add scoped member to role', category: 'RoleManagement', operationType: 'Assign',
        targetResources: [{ id: memberId, type: 'User', displayName: (member.entity.displayName as string | undefined) ?? null }, { id: au.id, type: 'Other', displayName: au.displayName as string }],
      });
      return entityResponse(ctx, shape(ctx, au.id), entry, 201);
    }),
    route('DELETE', `${base}/{id}/scopedRoleMembers/{memberId}`, { versions, permissions: P.roleWrite, name: 'administrativeUnits.scopedRoleMembers.delete' }, (ctx) => {
      const au = owner(ctx, ctx.params.id as string);
      const store = ctx.tenant.store('scopedRoleMembers');
      const m = store.get(ctx.params.memberId as string);
      if (!m || m.administrativeUnitId !== au.id) throw notFound(ctx.params.memberId as string);
      store.remove(m.id, 'hardDelete');
      const principalId = (m.roleMemberInfo as Record<string, unknown>).id;
      const role = ctx.tenant.store('directoryRoles').get(m.roleId as string);
      for (const a of ctx.tenant.store('roleAssignments').values()) {
        if (a.principalId === principalId && a.roleDefinitionId === role?.roleTemplateId && a.directoryScopeId === `/administrativeUnits/${au.id}`) {
          ctx.tenant.store('roleAssignments').remove(a.id, 'hardDelete');
          break;
        }
      }
      ctx.audit({ activityDisplayName: 'Remove scoped member from role', category: 'RoleManagement', operationType: 'Unassign', targetResources: [{ id: String(principalId), type: 'User' }, { id: au.id, type: 'Other' }] });
      return { status: 204 };
    }),
  ];
}

// device-post-devices.md sends approximateLastSignInDateTime and deviceVersion on create, so they are writable.
const DEVICE_READ_ONLY = ['complianceExpirationDateTime', 'deletedDateTime', 'onPremisesLastSyncDateTime', 'onPremisesSyncEnabled', 'onPremisesSecurityIdentifier', 'registrationDateTime', 'trustType', 'managementType', 'enrollmentType'];

export const DEVICES: EntitySetSpec = {
  name: 'devices',
  path: '/devices',
  store: 'devices',
  entityType: 'microsoft.graph.device',
  permissions: { read: P.deviceRead, create: P.deviceWrite, update: P.deviceWrite, delete: P.deviceWrite },
  paging: DIRECTORY_PAGING,
  advancedQueries: true,
  orderable: ['displayName'],
  searchable: ['displayName', 'deviceId'],
  delta: true,
  // "Supports $expand" on both (device resource; device-list answers devices?$expand=registeredOwners).
  expand: { registeredOwners: linksExpand('registeredOwners'), registeredUsers: linksExpand('registeredUsers') },
  find: (ctx, key) => {
    if (!key.startsWith('deviceId=')) return ctx.tenant.store('devices').get(key);
    const wanted = key.slice(9).toLowerCase();
    for (const d of ctx.tenant.store('devices').values()) if (String(d.deviceId).toLowerCase() === wanted) return d;
    return undefined;
  },
  write: { readOnly: DEVICE_READ_ONLY, required: ['accountEnabled', 'alternativeSecurityIds', 'deviceId', 'displayName', 'operatingSystem', 'operatingSystemVersion'] },
  create: (ctx, write) => {
    for (const d of ctx.tenant.store('devices').values()) {
      if (d.deviceId === write.props.deviceId) throw badRequest('Another object with the same value for property deviceId already exists.');
    }
    const device: Entity = {
      id: randomUUID(), approximateLastSignInDateTime: null, complianceExpirationDateTime: null, deletedDateTime: null, deviceVersion: 2,
      isCompliant: null, isManaged: null, manufacturer: null, mdmAppId: null, model: null, onPremisesLastSyncDateTime: null, onPremisesSyncEnabled: null,
      physicalIds: [], profileType: 'RegisteredDevice', registrationDateTime: ctx.tenant.nowIso(), systemLabels: [], trustType: 'Workplace', ...write.props,
    };
    ctx.tenant.addObject('device', device);
    return device;
  },
  // Devices are hard-deleted (facts §5.1).
  remove: (ctx, entity) => {
    deleteDirectoryObject(ctx.tenant, entity.id);
  },
  audit: { category: 'Device', noun: 'device', targetType: 'Device' },
};

export function adminUnitAndDeviceRoutes(): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const { path, versions } of AU_PATHS) {
    routes.push(...defineEntitySet(auSpec(path, versions)));
    routes.push(...navigationRoutes({
      base: `${path}/{id}`, nav: 'members', relation: 'auMembers', direction: 'forward', kinds: ['user', 'group', 'device'], versions,
      read: P.auRead, write: P.auMemberWrite, owner: ownerIn('administrativeUnits'),
      audit: { category: 'AdministrativeUnit', add: 'Add member to administrative unit', remove: 'Remove member from administrative unit', targetType: 'Other' },
    }));
    routes.push(...scopedRoleMemberRoutes(path, versions));
  }
  const deviceOwner = (ctx: GraphContext, key: string): Entity => {
    const d = DEVICES.find?.(ctx, key);
    if (!d) throw notFound(key);
    return d;
  };
  routes.push(...defineEntitySet(DEVICES));
  for (const nav of ['registeredOwners', 'registeredUsers'] as const) {
    routes.push(...navigationRoutes({
      base: '/devices/{id}', nav, relation: nav, direction: 'forward', kinds: ['user'], read: P.deviceRead, write: P.deviceWrite, owner: deviceOwner,
      audit: { category: 'Device', add: nav === 'registeredOwners' ? 'Add registered owner to device' : 'Add registered users to device', remove: nav === 'registeredOwners' ? 'Remove registered owner from device' : 'Remove registered users from device', targetType: 'Device' },
    }));
  }
  routes.push(...memberOfRoutes('/devices/{id}', deviceOwner, 'devices'));
  return routes;
}
