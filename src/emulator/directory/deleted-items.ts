/**
 * The directory recycle bin and generic directory-object access:
 * - `GET /directory/deletedItems/microsoft.graph.{user|group|application|servicePrincipal|administrativeUnit|device}`
 *   (the type cast is required), `GET /directory/deletedItems/{id}`,
 *   `POST /directory/deletedItems/{id}/restore` (200 with the restored object; keeps ID and
 *   relationships; an application's service principal is not restored with it),
 *   `DELETE /directory/deletedItems/{id}` (permanent; administrative units cannot be purged
 *   early);
 * - items older than 30 days are purged when the bin is next read (facts §5.1);
 * - `GET /directoryObjects/{id}`, `POST /directoryObjects/getByIds` (3 RU).
 * Sources: directory-deleteditems-list/get/restore/delete.md, facts §5.1.
 */
import { DIRECTORY_PAGING, entityResponse, listResponse } from '../graph/collection.js';
import { GraphError, badRequest, forbidden, notFound } from '../graph/errors.js';
import { P, anyOf, checkPermission } from '../graph/permissions.js';
import { route } from '../graph/resource.js';
import type { GraphContext, PermissionRule, RouteSpec } from '../graph/types.js';
import { requireObjectBody } from '../graph/writes.js';
import type { ObjectKindName } from '../state/directory-index.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { purgeDeletedObject, restoreDeletedObject } from './objects.js';
import { checkCast, directoryObjectList, mixedProjection, typed } from './shared.js';

const RETENTION_MS = 30 * 24 * 3600 * 1000;

const READ_BY_KIND: Partial<Record<string, PermissionRule>> = {
  user: P.userRead,
  group: P.groupRead,
  application: P.appRead,
  serviceprincipal: P.appRead,
  administrativeunit: P.auRead,
  device: P.deviceRead,
};

const WRITE_BY_KIND: Partial<Record<ObjectKindName, PermissionRule>> = {
  user: P.userWrite,
  group: P.groupWrite,
  application: P.appWrite,
  servicePrincipal: P.appWrite,
  administrativeUnit: P.auWrite,
};

const BIN_READ = anyOf(['User.Read.All', 'User.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Application.Read.All', 'Application.ReadWrite.All', 'AdministrativeUnit.Read.All', 'AdministrativeUnit.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);
const BIN_WRITE = anyOf(['User.ReadWrite.All', 'Group.ReadWrite.All', 'Application.ReadWrite.All', 'AdministrativeUnit.ReadWrite.All', 'Directory.ReadWrite.All']);

/** Permanently removes bin items older than the 30-day retention. */
export function purgeExpired(tenant: TenantState): void {
  const cutoff = tenant.clock.now() - RETENTION_MS;
  for (const e of [...tenant.deletedItems.values()]) {
    if (typeof e.deletedDateTime === 'string' && Date.parse(e.deletedDateTime) < cutoff) purgeDeletedObject(tenant, e.id);
  }
}

function binItem(ctx: GraphContext, id: string): { entity: Entity; kind: ObjectKindName } {
  purgeExpired(ctx.tenant);
  const entity = ctx.tenant.deletedItems.get(id);
  const kind = ctx.tenant.directory.kindOf(id);
  if (!entity || !kind) throw notFound(id);
  return { entity, kind };
}

function requireWrite(ctx: GraphContext, kind: ObjectKindName): void {
  const rule = WRITE_BY_KIND[kind];
  const denied = rule ? checkPermission(rule, ctx.caller) : forbidden();
  if (denied) throw denied;
}

export function deletedItemRoutes(): RouteSpec[] {
  const base = '/directory/deletedItems';
  return [
    route('GET', base, { permissions: BIN_READ, name: 'deletedItems.list' }, () => {
      throw new GraphError(400, 'Request_BadRequest', "Unsupported Query. Listing deleted items requires a type cast, e.g. /directory/deletedItems/microsoft.graph.user.");
    }),
    route('GET', `${base}/{id}`, { permissions: BIN_READ, name: 'deletedItems.getOrList' }, (ctx) => {
      const key = ctx.params.id as string;
      if (key.toLowerCase().startsWith('microsoft.graph.')) {
        const cast = checkCast(key);
        // Listing deleted objects needs read permission on that type (directory-deleteditems-list.md).
        const rule = READ_BY_KIND[cast.slice(16).toLowerCase()];
        const denied = rule ? checkPermission(rule, ctx.caller) : forbidden();
        if (denied) throw denied;
        purgeExpired(ctx.tenant);
        const spec = directoryObjectList(ctx, () => ctx.tenant.deletedItems.values(), { cast, contextName: `directory/deletedItems/${cast}` });
        return listResponse(ctx, { ...spec, orderable: ['deletedDateTime', 'displayName', 'userPrincipalName'], paging: DIRECTORY_PAGING });
      }
      const { entity } = binItem(ctx, key);
      return entityResponse(ctx, { contextName: 'directoryObjects', projection: mixedProjection() }, entity);
    }),
    route('GET', `${base}/{id}/$count`, { permissions: BIN_READ, name: 'deletedItems.count' }, (ctx) => {
      const cast = checkCast(ctx.params.id as string);
      purgeExpired(ctx.tenant);
      let n = 0;
      const wanted = cast.slice(16).toLowerCase();
      for (const e of ctx.tenant.deletedItems.values()) if (ctx.tenant.directory.kindOf(e.id)?.toLowerCase() === wanted) n++;
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(n) };
    }),
    route('POST', `${base}/{id}/restore`, { permissions: BIN_WRITE, name: 'deletedItems.restore' }, (ctx) => {
      const { kind } = binItem(ctx, ctx.params.id as string);
      requireWrite(ctx, kind);
      if (kind === 'user') {
        const body = (ctx.request.body ?? {}) as { newUserPrincipalName?: string };
        const deleted = ctx.tenant.deletedItems.get(ctx.params.id as string) as Entity;
        const upn = body.newUserPrincipalName ?? (deleted.userPrincipalName as string);
        for (const u of ctx.tenant.store('users').values()) {
          if (String(u.userPrincipalName).toLowerCase() === upn.toLowerCase()) {
            throw badRequest('Another object with the same value for property userPrincipalName already exists.');
          }
        }
        if (body.newUserPrincipalName) ctx.tenant.deletedItems.update(deleted.id, { userPrincipalName: body.newUserPrincipalName });
      }
      const restored = restoreDeletedObject(ctx.tenant, ctx.params.id as string);
      if (!restored) throw notFound(ctx.params.id as string);
      ctx.audit({
        activityDisplayName: `Restore ${kind === 'servicePrincipal' ? 'service principal' : kind === 'administrativeUnit' ? 'administrative unit' : kind}`,
        category: kind === 'user' ? 'UserManagement' : kind === 'group' ? 'GroupManagement' : kind === 'administrativeUnit' ? 'AdministrativeUnit' : 'ApplicationManagement',
        operationType: 'Restore',
        targetResources: [{ id: restored.entity.id, type: kind.charAt(0).toUpperCase() + kind.slice(1), displayName: (restored.entity.displayName as string | undefined) ?? null, userPrincipalName: (restored.entity.userPrincipalName as string | undefined) ?? null }],
      });
      return entityResponse(ctx, { contextName: 'directoryObjects', projection: mixedProjection() }, typed(ctx, restored.entity));
    }),
    route('DELETE', `${base}/{id}`, { permissions: BIN_WRITE, name: 'deletedItems.delete' }, (ctx) => {
      const { entity, kind } = binItem(ctx, ctx.params.id as string);
      requireWrite(ctx, kind);
      if (kind === 'administrativeUnit') {
        throw badRequest('A deleted administrative unit cannot be permanently deleted; it is purged automatically after 30 days.');
      }
      purgeDeletedObject(ctx.tenant, entity.id);
      ctx.audit({
        activityDisplayName: `Hard delete ${kind === 'servicePrincipal' ? 'service principal' : kind}`,
        category: kind === 'user' ? 'UserManagement' : kind === 'group' ? 'GroupManagement' : 'ApplicationManagement',
        operationType: 'Delete',
        targetResources: [{ id: entity.id, type: kind.charAt(0).toUpperCase() + kind.slice(1), displayName: (entity.displayName as string | undefined) ?? null, userPrincipalName: (entity.userPrincipalName as string | undefined) ?? null }],
      });
      return { status: 204 };
    }),
    route('GET', '/directoryObjects/{id}', { permissions: P.directoryObjectRead, name: 'directoryObjects.get' }, (ctx) => {
      const live = ctx.tenant.liveObject(ctx.params.id as string);
      if (!live) throw notFound(ctx.params.id as string);
      return entityResponse(ctx, { contextName: 'directoryObjects', projection: mixedProjection() }, typed(ctx, live.entity));
    }),
    route('POST', '/directoryObjects/getByIds', { permissions: P.directoryObjectRead, cost: 3, write: false, name: 'directoryObjects.getByIds' }, (ctx) => {
      const body = requireObjectBody(ctx.request.body);
      const ids = body.ids;
      if (!Array.isArray(ids)) throw badRequest("A value is required for parameter 'ids'.");
      if (ids.length > 1000) throw badRequest('The ids parameter accepts at most 1000 values.');
      const types = Array.isArray(body.types) ? (body.types as string[]).map((t) => t.toLowerCase().replace(/^microsoft\.graph\./, '')) : undefined;
      const found: Entity[] = [];
      for (const id of ids) {
        const live = ctx.tenant.liveObject(String(id));
        if (live && (!types || types.includes(live.kind.toLowerCase()))) found.push(typed(ctx, live.entity));
      }
      return listResponse(ctx, { ...directoryObjectList(ctx, () => found), paging: 'none' });
    }),
  ];
}
