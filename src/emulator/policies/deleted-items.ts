/**
 * The policy recycle bins (`policyDeletableItem`): a deleted conditional-access policy or named
 * location — and a cross-tenant partner configuration — is kept in a bin of its own for 30 days,
 * where it can be listed, read, restored with its ID, or deleted for good (facts §5.2; v1.0 CSDL
 * `caPoliciesDeletableRoot`, `policyDeletableItem`; learn `conditionalaccesspolicy-restore`,
 * `resources/policydeletableitem`).
 *
 * Guarantees: `softDelete` moves the entity (and nothing else) into the bin with
 * `deletedDateTime`; items older than 30 days are purged whenever the bin or one of its items is
 * read or written; a restore puts the same object back under its ID with `deletedDateTime`
 * null, answers 200 with it, and writes an audit record.
 * Not modelled: references from other policies to a deleted location stay as they are (Entra
 * keeps them too [I]).
 */
import { entityResponse, listResponse, DIRECTORY_PAGING, type Paging } from '../graph/collection.js';
import { notFound } from '../graph/errors.js';
import type { ProjectionSpec } from '../graph/projection.js';
import { auditTarget, route, type AuditNames } from '../graph/resource.js';
import type { GraphContext, PermissionRule, RouteSpec, ThrottleClass } from '../graph/types.js';
import type { Entity } from '../state/store.js';

export const POLICY_RETENTION_MS = 30 * 24 * 3600 * 1000;

export interface DeletedItemsSpec {
  readonly name: string;
  /** Store of the live objects and store of the bin. */
  readonly store: string;
  readonly binStore: string;
  /** Path of the bin collection, e.g. `/identity/conditionalAccess/deletedItems/policies`. */
  readonly binPath: string;
  readonly contextName: string;
  readonly projection: ProjectionSpec;
  readonly permissions: { readonly read: PermissionRule; readonly write: PermissionRule };
  readonly throttle?: ThrottleClass;
  readonly paging?: Paging | 'none';
  readonly audit: AuditNames & { readonly service?: string };
}

/** Moves a live object into its bin. */
export function softDelete(ctx: GraphContext, spec: Pick<DeletedItemsSpec, 'store' | 'binStore'>, entity: Entity): void {
  ctx.tenant.store(spec.store).remove(entity.id, 'softDelete');
  ctx.tenant.store(spec.binStore).insert({ ...entity, deletedDateTime: ctx.tenant.nowIso() });
}

function purgeExpired(ctx: GraphContext, binStore: string): void {
  const bin = ctx.tenant.store(binStore);
  const cutoff = ctx.clock.now() - POLICY_RETENTION_MS;
  for (const e of [...bin.values()]) {
    if (typeof e.deletedDateTime === 'string' && Date.parse(e.deletedDateTime) < cutoff) bin.remove(e.id, 'hardDelete');
  }
}

function binItem(ctx: GraphContext, spec: DeletedItemsSpec): Entity {
  purgeExpired(ctx, spec.binStore);
  const id = ctx.params.id as string;
  const entity = ctx.tenant.store(spec.binStore).get(id);
  if (!entity) throw notFound(id);
  return entity;
}

export function defineDeletedItems(spec: DeletedItemsSpec): RouteSpec[] {
  const common = { throttle: spec.throttle } as const;
  const shape = { contextName: spec.contextName, projection: spec.projection };
  const audit = (ctx: GraphContext, action: 'Restore' | 'Hard delete', entity: Entity): void =>
    ctx.audit({
      activityDisplayName: `${action} ${spec.audit.noun}`,
      category: spec.audit.category,
      operationType: action === 'Restore' ? 'Restore' : 'Delete',
      loggedByService: spec.audit.service,
      targetResources: [auditTarget(entity, spec.audit.targetType)],
    });
  return [
    route('GET', spec.binPath, { ...common, permissions: spec.permissions.read, name: `${spec.name}.deleted.list` }, (ctx) => {
      purgeExpired(ctx, spec.binStore);
      return listResponse(ctx, { ...shape, source: ctx.tenant.store(spec.binStore), paging: spec.paging ?? DIRECTORY_PAGING });
    }),
    route('GET', `${spec.binPath}/{id}`, { ...common, permissions: spec.permissions.read, name: `${spec.name}.deleted.get` }, (ctx) =>
      entityResponse(ctx, shape, binItem(ctx, spec)),
    ),
    route('POST', `${spec.binPath}/{id}/restore`, { ...common, permissions: spec.permissions.write, name: `${spec.name}.deleted.restore` }, (ctx) => {
      const entity = binItem(ctx, spec);
      ctx.tenant.store(spec.binStore).remove(entity.id, 'hardDelete');
      const restored = ctx.tenant.store(spec.store).insert({ ...entity, deletedDateTime: null });
      audit(ctx, 'Restore', restored);
      return entityResponse(ctx, shape, restored);
    }),
    route('DELETE', `${spec.binPath}/{id}`, { ...common, permissions: spec.permissions.write, name: `${spec.name}.deleted.delete` }, (ctx) => {
      const entity = binItem(ctx, spec);
      ctx.tenant.store(spec.binStore).remove(entity.id, 'hardDelete');
      audit(ctx, 'Hard delete', entity);
      return { status: 204 };
    }),
  ];
}
