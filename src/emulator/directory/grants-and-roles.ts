/**
 * Delegated permission grants and directory RBAC:
 * - `/oauth2PermissionGrants`: list (2 RU), get, create, PATCH (only `scope`), delete, delta
 *   (oauth2permissiongrant-*.md; facts §6.3: clientId, consentType, principalId, resourceId are
 *   immutable);
 * - `/directoryRoles` (activated built-in roles; not paged, paging.md): list, get, activate from a
 *   template (POST {roleTemplateId}), `members` with `$ref`, delta with `members@delta`;
 *   `/directoryRoleTemplates`;
 * - `/roleManagement/directory/roleDefinitions` (built-in ones cannot be changed) and
 *   `roleAssignments` (POST/DELETE, no PATCH), kept consistent with `directoryRoles` members:
 *   a tenant-wide assignment of a built-in role is a membership of the activated role.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DIRECTORY_PAGING } from '../graph/collection.js';
import { badRequest, notFound } from '../graph/errors.js';
import { P } from '../graph/permissions.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import type { ParsedWrite } from '../graph/writes.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { OAUTH2_GRANTS } from './apps.js';
import { link, linkedObjects, unlink } from './objects.js';
import { BUILT_IN_ROLES } from './roles.js';
import { mixedProjection, navigationRoutes, ownerIn, typedAll } from './shared.js';
import { listResponse, entityResponse } from '../graph/collection.js';

export const OAUTH2_PERMISSION_GRANTS: EntitySetSpec = {
  name: 'oauth2PermissionGrants',
  path: '/oauth2PermissionGrants',
  store: OAUTH2_GRANTS,
  entityType: 'microsoft.graph.oAuth2PermissionGrant',
  permissions: { read: P.grantRead, create: P.grantWrite, update: P.grantWrite, delete: P.grantWrite },
  cost: { list: 2, get: 2 },
  paging: DIRECTORY_PAGING,
  delta: true,
  write: { required: ['clientId', 'consentType', 'resourceId', 'scope'], immutable: ['clientId', 'consentType', 'principalId', 'resourceId'] },
  create: (ctx, write) => {
    const p = write.props;
    if (p.consentType !== 'AllPrincipals' && p.consentType !== 'Principal') throw badRequest("Property 'consentType' must be 'AllPrincipals' or 'Principal'.");
    if (p.consentType === 'Principal' && typeof p.principalId !== 'string') throw badRequest("A value is required for property 'principalId' of resource 'OAuth2PermissionGrant'.");
    if (p.consentType === 'AllPrincipals' && p.principalId) throw badRequest("Property 'principalId' must be null when consentType is 'AllPrincipals'.");
    for (const k of ['clientId', 'resourceId'] as const) if (!ctx.tenant.store('servicePrincipals').has(String(p[k]))) throw notFound(String(p[k]));
    for (const g of ctx.tenant.store(OAUTH2_GRANTS).values()) {
      if (g.clientId === p.clientId && g.resourceId === p.resourceId && g.consentType === p.consentType && (g.principalId ?? null) === (p.principalId ?? null)) {
        throw badRequest('Permission entry already exists.');
      }
    }
    return { id: randomBytes(32).toString('base64url'), principalId: null, ...p } as Entity;
  },
  audit: { category: 'ApplicationManagement', noun: 'delegated permission grant', targetType: 'ServicePrincipal' },
};

function roleForTemplate(tenant: TenantState, templateId: string): Entity | undefined {
  for (const r of tenant.store('directoryRoles').values()) if (r.roleTemplateId === templateId) return r;
  return undefined;
}

/** Activates a built-in role (creates its directoryRole) if it is not yet. */
export function activateRole(tenant: TenantState, templateId: string): Entity {
  const existing = roleForTemplate(tenant, templateId);
  if (existing) return existing;
  const template = BUILT_IN_ROLES.find((r) => r.id === templateId);
  if (!template) throw badRequest(`Invalid roleTemplateId '${templateId}'.`);
  const role: Entity = { id: randomUUID(), deletedDateTime: null, description: template.description, displayName: template.displayName, roleTemplateId: template.id };
  tenant.addObject('directoryRole', role);
  return role;
}

const DIRECTORY_ROLES: EntitySetSpec = {
  name: 'directoryRoles',
  path: '/directoryRoles',
  store: 'directoryRoles',
  entityType: 'microsoft.graph.directoryRole',
  permissions: { read: P.roleRead, create: P.roleWrite },
  paging: 'none',
  delta: { links: { members: (ctx, r) => linkedObjects(ctx.tenant, 'roleMembers', r.id) } },
  expand: { members: { items: (ctx, r) => typedAll(ctx, linkedObjects(ctx.tenant, 'roleMembers', r.id)), projection: mixedProjection() } },
  find: (ctx, key) => (key.startsWith('roleTemplateId=') ? roleForTemplate(ctx.tenant, key.slice(15)) : ctx.tenant.store('directoryRoles').get(key)),
  write: { required: ['roleTemplateId'], readOnly: ['displayName', 'description'] },
  create: (ctx, write: ParsedWrite) => {
    const templateId = String(write.props.roleTemplateId);
    if (roleForTemplate(ctx.tenant, templateId)) throw badRequest('A conflicting object with one or more of the specified property values is present in the directory.');
    return activateRole(ctx.tenant, templateId);
  },
  audit: { category: 'RoleManagement', noun: 'role from template', targetType: 'Role' },
};

function assignmentId(): string {
  return `${randomBytes(32).toString('base64url')}-1`;
}

/** Keeps `roleAssignments` in step with a membership change of an activated role. */
function syncAssignment(ctx: GraphContext, role: Entity, principalId: string, added: boolean): void {
  const store = ctx.tenant.store('roleAssignments');
  const templateId = role.roleTemplateId as string;
  const existing = [...store.values()].find((a) => a.principalId === principalId && a.roleDefinitionId === templateId && a.directoryScopeId === '/');
  if (added && !existing) {
    store.insert({ id: assignmentId(), appScopeId: null, condition: null, directoryScopeId: '/', principalId, principalOrganizationId: ctx.tenant.tenantId, roleDefinitionId: templateId });
  } else if (!added && existing) {
    store.remove(existing.id, 'hardDelete');
  }
}

const ROLE_DEFINITIONS: EntitySetSpec = {
  name: 'roleDefinitions',
  path: '/roleManagement/directory/roleDefinitions',
  store: 'roleDefinitions',
  entityType: 'microsoft.graph.unifiedRoleDefinition',
  permissions: { read: P.roleDefinitionRead, create: P.roleWrite, update: P.roleWrite, delete: P.roleWrite },
  paging: 'none',
  write: { required: ['displayName', 'rolePermissions', 'isEnabled'], readOnly: ['isBuiltIn', 'inheritsPermissionsFrom'] },
  create: (ctx, write) => {
    const id = typeof write.props.templateId === 'string' ? write.props.templateId : randomUUID();
    return { description: null, resourceScopes: ['/'], version: null, ...write.props, id, templateId: id, isBuiltIn: false } as Entity;
  },
  update: (_ctx, before, write) => {
    if (before.isBuiltIn === true) throw badRequest('Built-in role definitions cannot be modified.');
    return write.props;
  },
  remove: (ctx, entity) => {
    if (entity.isBuiltIn === true) throw badRequest('Built-in role definitions cannot be deleted.');
    for (const a of ctx.tenant.store('roleAssignments').values()) if (a.roleDefinitionId === entity.id) throw badRequest('The role definition is in use by role assignments and cannot be deleted.');
    ctx.tenant.store('roleDefinitions').remove(entity.id, 'hardDelete');
  },
  audit: { category: 'RoleManagement', noun: 'role definition', targetType: 'Other' },
};

const ROLE_ASSIGNMENTS: EntitySetSpec = {
  name: 'roleAssignments',
  path: '/roleManagement/directory/roleAssignments',
  store: 'roleAssignments',
  entityType: 'microsoft.graph.unifiedRoleAssignment',
  permissions: { read: P.roleRead, create: P.roleWrite, delete: P.roleWrite },
  paging: DIRECTORY_PAGING,
  write: { required: ['principalId', 'roleDefinitionId'] },
  create: (ctx, write) => {
    const p = write.props;
    const principal = ctx.tenant.liveObject(String(p.principalId));
    if (!principal || !['user', 'group', 'servicePrincipal'].includes(principal.kind)) throw notFound(String(p.principalId));
    const definition = ctx.tenant.store('roleDefinitions').get(String(p.roleDefinitionId));
    if (!definition) throw notFound(String(p.roleDefinitionId));
    if (principal.kind === 'group' && principal.entity.isAssignableToRole !== true) throw badRequest('The group is not role-assignable; set isAssignableToRole when creating it.');
    const scope = typeof p.directoryScopeId === 'string' ? p.directoryScopeId : typeof p.appScopeId === 'string' ? null : '/';
    if (scope === null && typeof p.appScopeId !== 'string') throw badRequest("A value is required for property 'directoryScopeId' of resource 'UnifiedRoleAssignment'.");
    for (const a of ctx.tenant.store('roleAssignments').values()) {
      if (a.principalId === p.principalId && a.roleDefinitionId === p.roleDefinitionId && a.directoryScopeId === scope) {
        throw badRequest('A conflicting object with one or more of the specified property values is present in the directory.');
      }
    }
    const assignment: Entity = {
      id: assignmentId(), appScopeId: p.appScopeId ?? null, condition: p.condition ?? null, directoryScopeId: scope, principalId: p.principalId,
      principalOrganizationId: ctx.tenant.tenantId, roleDefinitionId: p.roleDefinitionId,
    };
    ctx.tenant.store('roleAssignments').insert(assignment);
    if (scope === '/' && definition.isBuiltIn === true) {
      const role = activateRole(ctx.tenant, definition.id);
      link(ctx.tenant, 'roleMembers', role.id, principal.entity.id);
    }
    // An assignment scoped to an administrative unit is that unit's scoped role membership too:
    // one object seen through both APIs (administrativeunit-post-scopedrolemembers).
    const unit = typeof scope === 'string' ? /^\/administrativeUnits\/([^/]+)$/.exec(scope)?.[1] : undefined;
    if (unit && definition.isBuiltIn === true && ctx.tenant.store('administrativeUnits').has(unit)) {
      const role = activateRole(ctx.tenant, definition.id);
      ctx.tenant.store('scopedRoleMembers').insert({
        id: randomBytes(24).toString('base64url'), administrativeUnitId: unit, roleId: role.id,
        roleMemberInfo: { id: principal.entity.id, displayName: (principal.entity.displayName as string | undefined) ?? null, userPrincipalName: (principal.entity.userPrincipalName as string | undefined) ?? null },
      });
    }
    return assignment;
  },
  remove: (ctx, entity) => {
    ctx.tenant.store('roleAssignments').remove(entity.id, 'hardDelete');
    if (entity.directoryScopeId === '/') {
      const role = roleForTemplate(ctx.tenant, String(entity.roleDefinitionId));
      if (role) unlink(ctx.tenant, 'roleMembers', role.id, String(entity.principalId));
    }
    const unit = /^\/administrativeUnits\/([^/]+)$/.exec(String(entity.directoryScopeId))?.[1];
    const role = unit ? roleForTemplate(ctx.tenant, String(entity.roleDefinitionId)) : undefined;
    const members = ctx.tenant.store('scopedRoleMembers');
    for (const m of [...members.values()]) {
      if (role && m.administrativeUnitId === unit && m.roleId === role.id && (m.roleMemberInfo as Record<string, unknown>).id === entity.principalId) members.remove(m.id, 'hardDelete');
    }
  },
  audit: { category: 'RoleManagement', noun: 'member to role', targetType: 'Role' },
};

export function roleRoutes(): RouteSpec[] {
  const owner = ownerIn('directoryRoles');
  const templates = (): Entity[] =>
    BUILT_IN_ROLES.map((r) => ({ id: r.id, deletedDateTime: null, description: r.description, displayName: r.displayName }));
  const templateShape = { contextName: 'directoryRoleTemplates', paging: 'none' as const, projection: { entityType: 'microsoft.graph.directoryRoleTemplate' } };
  return [
    ...defineEntitySet(OAUTH2_PERMISSION_GRANTS),
    ...defineEntitySet(DIRECTORY_ROLES),
    ...navigationRoutes({
      base: '/directoryRoles/{id}', nav: 'members', relation: 'roleMembers', direction: 'forward', kinds: ['user', 'group', 'servicePrincipal'],
      read: P.roleRead, write: P.roleWrite, owner: (ctx, key) => (key.startsWith('roleTemplateId=') ? (roleForTemplate(ctx.tenant, key.slice(15)) ?? owner(ctx, key)) : owner(ctx, key)),
      paging: 'none',
      audit: { category: 'RoleManagement', add: 'Add member to role', remove: 'Remove member from role', targetType: 'Role' },
      afterChange: (ctx, role, targetId, added) => syncAssignment(ctx, role, targetId, added),
    }),
    route('GET', '/directoryRoles/{id}/scopedMembers', { permissions: P.roleRead, name: 'directoryRoles.scopedMembers' }, (ctx) => {
      const role = owner(ctx, ctx.params.id as string);
      const store = ctx.tenant.store('scopedRoleMembers');
      return listResponse(ctx, {
        source: function* () {
          for (const m of store.values()) if (m.roleId === role.id) yield m;
        },
        contextName: 'scopedRoleMemberships', paging: 'none', projection: { entityType: 'microsoft.graph.scopedRoleMembership' },
      });
    }),
    route('GET', '/directoryRoleTemplates', { permissions: P.roleRead, name: 'directoryRoleTemplates.list' }, (ctx) => listResponse(ctx, { ...templateShape, source: templates })),
    route('GET', '/directoryRoleTemplates/{id}', { permissions: P.roleRead, name: 'directoryRoleTemplates.get' }, (ctx) => {
      const t = templates().find((r) => r.id === ctx.params.id);
      if (!t) throw notFound(ctx.params.id as string);
      return entityResponse(ctx, templateShape, t);
    }),
    ...defineEntitySet(ROLE_DEFINITIONS),
    ...defineEntitySet(ROLE_ASSIGNMENTS),
  ];
}
