/**
 * App role assignments, the objects behind application permissions and app assignments:
 * `/servicePrincipals/{id}/appRoleAssignedTo` (assignments *to* a resource SP),
 * `/servicePrincipals|users|groups/{id}/appRoleAssignments` (assignments *of* a principal).
 * Granting `User.Read.All` to an app is `POST /servicePrincipals/{graphSp}/appRoleAssignedTo
 * {principalId: clientSp, resourceId: graphSp, appRoleId}` — and the app's next token carries it.
 *
 * Rules (serviceprincipal-post-approleassignedto.md, facts §7.1): POST returns 201 with the
 * assignment; no PATCH; `appRoleId` must be a role of the resource (or the default-access
 * `00000000-0000-0000-0000-000000000000`); a duplicate is refused. GET
 * `servicePrincipals/{id}/appRoleAssignments` costs 2 resource units.
 */
import { DIRECTORY_PAGING, listResponse, entityResponse, type CollectionSpec } from '../graph/collection.js';
import { badRequest, notFound } from '../graph/errors.js';
import { P } from '../graph/permissions.js';
import { route } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import { requireObjectBody } from '../graph/writes.js';
import type { Entity } from '../state/store.js';
import { APP_ROLE_ASSIGNMENTS, grantAppRole } from './apps.js';

const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

function assignments(ctx: GraphContext, field: 'principalId' | 'resourceId', id: string): CollectionSpec {
  const store = ctx.tenant.store(APP_ROLE_ASSIGNMENTS);
  return {
    source: function* () {
      for (const a of store.values()) if (a[field] === id) yield a;
    },
    contextName: 'appRoleAssignments',
    paging: DIRECTORY_PAGING,
    projection: { entityType: 'microsoft.graph.appRoleAssignment' },
    advancedQueries: true,
    resourceName: 'AppRoleAssignment',
  };
}

function create(ctx: GraphContext, fixed: { principalId?: string; resourceId?: string }): Entity {
  const body = requireObjectBody(ctx.request.body);
  const principalId = String(body.principalId ?? '');
  const resourceId = String(body.resourceId ?? '');
  const appRoleId = String(body.appRoleId ?? '');
  for (const [name, value] of [['principalId', principalId], ['resourceId', resourceId], ['appRoleId', appRoleId]] as const) {
    if (!value) throw badRequest(`A value is required for property '${name}' of resource 'AppRoleAssignment'.`);
  }
  if (fixed.principalId && fixed.principalId !== principalId) throw badRequest('The principalId in the body must match the principal in the URL.');
  if (fixed.resourceId && fixed.resourceId !== resourceId) throw badRequest('The resourceId in the body must match the service principal in the URL.');
  const principal = ctx.tenant.liveObject(principalId);
  if (!principal || !['user', 'group', 'servicePrincipal'].includes(principal.kind)) throw notFound(principalId);
  const resource = ctx.tenant.store('servicePrincipals').get(resourceId);
  if (!resource) throw notFound(resourceId);
  const roles = (resource.appRoles as Entity[] | undefined) ?? [];
  if (appRoleId !== DEFAULT_ACCESS && !roles.some((r) => r.id === appRoleId)) {
    throw badRequest(`Permission being assigned was not found on application '${resource.appId as string}'.`);
  }
  for (const a of ctx.tenant.store(APP_ROLE_ASSIGNMENTS).values()) {
    if (a.principalId === principalId && a.resourceId === resourceId && a.appRoleId === appRoleId) {
      throw badRequest('Permission being assigned already exists on the object.');
    }
  }
  const type = principal.kind === 'user' ? 'User' : principal.kind === 'group' ? 'Group' : 'ServicePrincipal';
  const assignment = grantAppRole(ctx.tenant, { id: principalId, displayName: principal.entity.displayName, type }, resource, appRoleId);
  ctx.audit({
    activityDisplayName: type === 'ServicePrincipal' ? 'Add app role assignment to service principal' : `Add app role assignment grant to ${type.toLowerCase()}`,
    category: type === 'ServicePrincipal' ? 'ApplicationManagement' : 'UserManagement',
    operationType: 'Assign',
    targetResources: [
      { id: resourceId, type: 'ServicePrincipal', displayName: resource.displayName as string, modifiedProperties: [{ displayName: 'AppRole.Id', oldValue: null, newValue: JSON.stringify(appRoleId) }] },
      { id: principalId, type, displayName: principal.entity.displayName as string },
    ],
  });
  return assignment;
}

function remove(ctx: GraphContext, assignmentId: string, field: 'principalId' | 'resourceId', ownerId: string): void {
  const store = ctx.tenant.store(APP_ROLE_ASSIGNMENTS);
  const a = store.get(assignmentId);
  if (!a || a[field] !== ownerId) throw notFound(assignmentId);
  store.remove(assignmentId, 'hardDelete');
  ctx.audit({
    activityDisplayName: a.principalType === 'ServicePrincipal' ? 'Remove app role assignment from service principal' : 'Remove app role assignment from user',
    category: a.principalType === 'ServicePrincipal' ? 'ApplicationManagement' : 'UserManagement',
    operationType: 'Unassign',
    targetResources: [{ id: a.resourceId as string, type: 'ServicePrincipal', displayName: a.resourceDisplayName as string }, { id: a.principalId as string, type: a.principalType as string }],
  });
}

/** `{base}/appRoleAssignments` for a principal (user, group or service principal). */
export function appRoleAssignmentRoutes(base: string, owner: (ctx: GraphContext, key: string) => Entity, kind: 'User' | 'Group' | 'ServicePrincipal'): RouteSpec[] {
  const cost = kind === 'ServicePrincipal' ? 2 : 1;
  return [
    route('GET', `${base}/appRoleAssignments`, { permissions: P.appRoleAssignmentRead, cost, name: `${kind}.appRoleAssignments.list` }, (ctx) =>
      listResponse(ctx, assignments(ctx, 'principalId', owner(ctx, ctx.params.id as string).id)),
    ),
    route('GET', `${base}/appRoleAssignments/{assignmentId}`, { permissions: P.appRoleAssignmentRead, name: `${kind}.appRoleAssignments.get` }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      const a = ctx.tenant.store(APP_ROLE_ASSIGNMENTS).get(ctx.params.assignmentId as string);
      if (!a || a.principalId !== o.id) throw notFound(ctx.params.assignmentId as string);
      return entityResponse(ctx, assignments(ctx, 'principalId', o.id), a);
    }),
    route('POST', `${base}/appRoleAssignments`, { permissions: P.appRoleAssignmentWrite, name: `${kind}.appRoleAssignments.create` }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      return entityResponse(ctx, assignments(ctx, 'principalId', o.id), create(ctx, { principalId: o.id }), 201);
    }),
    route('DELETE', `${base}/appRoleAssignments/{assignmentId}`, { permissions: P.appRoleAssignmentWrite, name: `${kind}.appRoleAssignments.delete` }, (ctx) => {
      remove(ctx, ctx.params.assignmentId as string, 'principalId', owner(ctx, ctx.params.id as string).id);
      return { status: 204 };
    }),
  ];
}

/** `/servicePrincipals/{id}/appRoleAssignedTo`: assignments granting this resource's roles. */
export function appRoleAssignedToRoutes(owner: (ctx: GraphContext, key: string) => Entity): RouteSpec[] {
  const base = '/servicePrincipals/{id}/appRoleAssignedTo';
  return [
    route('GET', base, { permissions: P.appRoleAssignmentRead, name: 'servicePrincipals.appRoleAssignedTo.list' }, (ctx) =>
      listResponse(ctx, assignments(ctx, 'resourceId', owner(ctx, ctx.params.id as string).id)),
    ),
    route('GET', `${base}/{assignmentId}`, { permissions: P.appRoleAssignmentRead, name: 'servicePrincipals.appRoleAssignedTo.get' }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      const a = ctx.tenant.store(APP_ROLE_ASSIGNMENTS).get(ctx.params.assignmentId as string);
      if (!a || a.resourceId !== o.id) throw notFound(ctx.params.assignmentId as string);
      return entityResponse(ctx, assignments(ctx, 'resourceId', o.id), a);
    }),
    route('POST', base, { permissions: P.appRoleAssignmentWrite, name: 'servicePrincipals.appRoleAssignedTo.create' }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      return entityResponse(ctx, assignments(ctx, 'resourceId', o.id), create(ctx, { resourceId: o.id }), 201);
    }),
    route('DELETE', `${base}/{assignmentId}`, { permissions: P.appRoleAssignmentWrite, name: 'servicePrincipals.appRoleAssignedTo.delete' }, (ctx) => {
      remove(ctx, ctx.params.assignmentId as string, 'resourceId', owner(ctx, ctx.params.id as string).id);
      return { status: 204 };
    }),
  ];
}
