/**
 * The declarative way to add Graph resources to the emulator (DESIGN habit 11). Three builders
 * expand into ordinary routes:
 *
 * - `defineEntitySet` — a collection in a tenant store: list (paging, `$select`, `$filter`,
 *   `$count`, `$orderby`, `$expand`), get, `/$count`, create, update (PATCH), replace (PUT),
 *   delete, and delta when asked; write validation, audit records and permissions per operation.
 * - `defineSingleton` — one entity (e.g. `/policies/authorizationPolicy`): GET and PATCH.
 * - `route` — anything else (actions like `/assign`, navigation endpoints, `$ref`).
 *
 * Every builder takes the permissions that open it and the throttling class it counts against;
 * handlers get a `GraphContext` (tenant state, caller, parsed query, clock, `audit()`), return a
 * `GraphResponse` or throw a `GraphError`. See docs/emulator.md, "How to add a resource".
 */
import { randomUUID } from 'node:crypto';
import { diffProperties } from '../state/audit.js';
import type { Entity, EntityStore } from '../state/store.js';
import { DIRECTORY_PAGING, countResponse, entityResponse, listResponse, type CollectionSpec, type ExpandSpec, type Paging } from './collection.js';
import { deltaHandler, type DeltaOptions } from './delta.js';
import { notFound, type GraphError } from './errors.js';
import type { ProjectionSpec } from './projection.js';
import type { GraphContext, GraphResponse, GraphVersion, HttpMethod, PermissionRule, RouteHandler, RouteSpec, ThrottleClass } from './types.js';
import { parseWrite, type ParsedWrite, type WriteRules } from './writes.js';

/** Builds one route; `path` is relative to the version root. */
export function route(method: HttpMethod, path: string, options: Omit<RouteSpec, 'method' | 'path' | 'handler'>, handler: RouteHandler): RouteSpec {
  return { method, path, ...options, handler };
}

export interface AuditNames {
  /** directoryAudit category, e.g. `UserManagement`, `Policy`, `DeviceConfiguration`. */
  readonly category: string;
  /** Object noun in activity names (`Add user`, `Update user`, `Delete user`). */
  readonly noun: string;
  /** `targetResources[].type`, e.g. `User`, `Group`, `Policy`. */
  readonly targetType: string;
  /** `loggedByService` (default `Core Directory`), e.g. `Conditional Access`. */
  readonly service?: string;
}

export interface EntitySetSpec {
  /** Name for route names and docs, e.g. `users`. */
  readonly name: string;
  /** Collection path(s), e.g. `/users` or both `/directory/administrativeUnits` and `/administrativeUnits`. */
  readonly path: string | readonly string[];
  /** The tenant store holding the entities. */
  readonly store: string;
  /** Full OData type without `#`, e.g. `microsoft.graph.user`. */
  readonly entityType: string;
  /** `@odata.context` collection name; default the last path segment. */
  readonly contextName?: string;
  readonly versions?: readonly GraphVersion[];
  readonly permissions: {
    readonly read: PermissionRule;
    readonly create?: PermissionRule;
    readonly update?: PermissionRule;
    readonly replace?: PermissionRule;
    readonly delete?: PermissionRule;
  };
  readonly throttle?: ThrottleClass;
  /** Base resource-unit cost of list and get (default 1). */
  readonly cost?: { readonly list?: number; readonly get?: number };
  /** Default and maximum page size; `'none'` for unpaged collections. Default: 100 / 999. */
  readonly paging?: Paging | 'none';
  readonly projection?: Omit<ProjectionSpec, 'entityType'>;
  /** Projection changes for single-entity answers (GET by key, create, update), e.g. content lists leave out. */
  readonly projectionById?: Omit<ProjectionSpec, 'entityType'>;
  readonly advancedQueries?: boolean;
  readonly filterable?: readonly string[];
  readonly orderable?: readonly string[] | 'any';
  readonly searchable?: readonly string[];
  readonly expand?: Readonly<Record<string, ExpandSpec>>;
  /** Serve `GET {path}/$count` (default true). */
  readonly count?: boolean;
  /** Serve `GET {path}/delta` from the store's change log. */
  readonly delta?: boolean | Omit<DeltaOptions, 'collection' | 'store'>;
  /** Resource name in messages (default derived from the type: `User`). */
  readonly resourceName?: string;
  /** Write rules (read-only, required, immutable properties). */
  readonly write?: Omit<WriteRules, 'entityType' | 'resourceName'>;
  /** Finds an entity by the key segment (default: by ID in the store); e.g. `appId=…` keys. */
  readonly find?: (ctx: GraphContext, key: string) => Entity | undefined;
  /** The error for an unknown key (default: the directory's 404 `Request_ResourceNotFound`). */
  readonly notFound?: (ctx: GraphContext, key: string) => GraphError;
  /** Entities this request must not see (e.g. a beta-only derived type on v1.0): left out of lists, 404 by key. */
  readonly where?: (ctx: GraphContext, entity: Entity) => boolean;
  /** Cap the page at 100 with `$expand` (default true, as for directory objects). */
  readonly expandCapsPage?: boolean;
  /** Builds the stored entity on create; default `{ id: uuid, ...props }` plus `createdDateTime` when the type has it. */
  readonly create?: (ctx: GraphContext, write: ParsedWrite) => Entity;
  /** Runs after the entity is stored (e.g. process `members@odata.bind`). */
  readonly afterCreate?: (ctx: GraphContext, entity: Entity, write: ParsedWrite) => void;
  /** Computes the patch from the parsed body; default the body's properties. */
  readonly update?: (ctx: GraphContext, before: Entity, write: ParsedWrite) => Record<string, unknown>;
  readonly afterUpdate?: (ctx: GraphContext, before: Entity, after: Entity, write: ParsedWrite) => void;
  /**
   * The 201 answer to a create shows the default property set plus the properties the request
   * set (what user-post-users.md shows for both its examples).
   */
  readonly createResponseAddsWritten?: boolean;
  /** Status of a successful PATCH: 204 (default, as most Graph APIs) or 200 with the entity. */
  readonly updateStatus?: 200 | 204;
  /** Deletes the entity; default: hard delete from the store. */
  readonly remove?: (ctx: GraphContext, entity: Entity) => void;
  /** Audit record names; `false` for resources whose writes are not audited. */
  readonly audit?: AuditNames | false;
}

function defaultResourceName(entityType: string): string {
  const short = entityType.replace(/^microsoft\.graph\./, '');
  return short.charAt(0).toUpperCase() + short.slice(1);
}

function defaultContextName(path: string): string {
  return path.split('/').filter(Boolean).pop() as string;
}

/** Everything the collection helpers need to serve one entity set for one request. */
export function collectionOf(ctx: GraphContext, spec: EntitySetSpec, path: string): CollectionSpec {
  return {
    source: ctx.tenant.store(spec.store),
    contextName: spec.contextName ?? defaultContextName(path),
    paging: spec.paging ?? DIRECTORY_PAGING,
    projection: { entityType: spec.entityType, ...spec.projection },
    advancedQueries: spec.advancedQueries,
    filterable: spec.filterable,
    orderable: spec.orderable,
    searchable: spec.searchable,
    resourceName: spec.resourceName ?? defaultResourceName(spec.entityType),
    expand: spec.expand,
    ...(spec.where ? { where: (e: Entity) => (spec.where as NonNullable<EntitySetSpec['where']>)(ctx, e) } : {}),
    ...(spec.expandCapsPage === false ? { expandCapsPage: false } : {}),
  };
}

/** The collection helpers' view for one entity (GET by key, create and update answers). */
export function entityShapeOf(ctx: GraphContext, spec: EntitySetSpec, path: string): CollectionSpec {
  const shape = collectionOf(ctx, spec, path);
  return spec.projectionById ? { ...shape, projection: { ...shape.projection, ...spec.projectionById } } : shape;
}

/** Looks an entity up by key segment or throws Graph's 404. */
export function findOr404(ctx: GraphContext, spec: EntitySetSpec, key: string): Entity {
  const entity = spec.find ? spec.find(ctx, key) : ctx.tenant.store(spec.store).get(key);
  if (!entity || (spec.where && !spec.where(ctx, entity))) throw spec.notFound ? spec.notFound(ctx, key) : notFound(key);
  return entity;
}

export function auditTarget(entity: Entity, targetType: string): { id: string; type: string; displayName: string | null; userPrincipalName: string | null } {
  return {
    id: entity.id,
    type: targetType,
    displayName: typeof entity.displayName === 'string' ? entity.displayName : null,
    userPrincipalName: typeof entity.userPrincipalName === 'string' ? entity.userPrincipalName : null,
  };
}

export function defineEntitySet(spec: EntitySetSpec): RouteSpec[] {
  const paths = typeof spec.path === 'string' ? [spec.path] : spec.path;
  const common = { versions: spec.versions, throttle: spec.throttle } as const;
  const writeRules: WriteRules = { entityType: spec.entityType, resourceName: spec.resourceName ?? defaultResourceName(spec.entityType), ...spec.write };
  const audit = spec.audit === false ? undefined : spec.audit;
  const routes: RouteSpec[] = [];
  const store = (ctx: GraphContext): EntityStore => ctx.tenant.store(spec.store);

  for (const path of paths) {
    routes.push(route('GET', path, { ...common, permissions: spec.permissions.read, cost: spec.cost?.list, name: `${spec.name}.list` }, (ctx) =>
      listResponse(ctx, collectionOf(ctx, spec, path)),
    ));
    if (spec.count !== false) {
      routes.push(route('GET', `${path}/$count`, { ...common, permissions: spec.permissions.read, cost: spec.cost?.list, name: `${spec.name}.count` }, (ctx) =>
        countResponse(ctx, collectionOf(ctx, spec, path)),
      ));
    }
    if (spec.delta) {
      const options = typeof spec.delta === 'object' ? spec.delta : {};
      routes.push(route('GET', `${path}/delta`, { ...common, permissions: spec.permissions.read, cost: spec.cost?.list, name: `${spec.name}.delta` }, (ctx) =>
        deltaHandler(ctx, { ...options, collection: collectionOf(ctx, spec, path), store: store(ctx) }),
      ));
    }
    routes.push(route('GET', `${path}/{id}`, { ...common, permissions: spec.permissions.read, cost: spec.cost?.get, name: `${spec.name}.get` }, (ctx) =>
      entityResponse(ctx, entityShapeOf(ctx, spec, path), findOr404(ctx, spec, ctx.params.id as string)),
    ));

    if (spec.permissions.create) {
      routes.push(route('POST', path, { ...common, permissions: spec.permissions.create, name: `${spec.name}.create` }, (ctx) => {
        const write = parseWrite(ctx, ctx.request.body, writeRules, 'create');
        const entity = spec.create ? spec.create(ctx, write) : defaultCreate(ctx, spec, write);
        if (!store(ctx).has(entity.id)) store(ctx).insert(entity);
        spec.afterCreate?.(ctx, entity, write);
        const stored = store(ctx).get(entity.id) ?? entity;
        if (audit) {
          ctx.audit({
            activityDisplayName: `Add ${audit.noun}`, category: audit.category, operationType: 'Add', loggedByService: audit.service,
            targetResources: [{ ...auditTarget(stored, audit.targetType), modifiedProperties: diffProperties(undefined, stored, Object.keys(write.props)) }],
          });
        }
        const shape = entityShapeOf(ctx, spec, path);
        const defaults = shape.projection.defaultSelect;
        if (spec.createResponseAddsWritten && Array.isArray(defaults)) {
          const written = Object.keys(write.props).filter((k) => !k.startsWith('@') && !(spec.projection?.hidden ?? []).includes(k));
          return entityResponse(ctx, { ...shape, projection: { ...shape.projection, defaultSelect: [...new Set([...defaults, ...written])] } }, stored, 201);
        }
        return entityResponse(ctx, shape, stored, 201);
      }));
    }
    const updater = (mode: 'update' | 'replace') => (ctx: GraphContext): GraphResponse => {
      const before = findOr404(ctx, spec, ctx.params.id as string);
      const write = parseWrite(ctx, ctx.request.body, writeRules, mode, before.id);
      let after: Entity;
      if (mode === 'replace') {
        const next = { ...write.props, id: before.id } as Entity;
        store(ctx).replace(next);
        after = next;
      } else {
        const patch = spec.update ? spec.update(ctx, before, write) : write.props;
        after = store(ctx).update(before.id, patch)?.after ?? before;
      }
      spec.afterUpdate?.(ctx, before, after, write);
      if (audit) {
        ctx.audit({
          activityDisplayName: `Update ${audit.noun}`, category: audit.category, operationType: 'Update', loggedByService: audit.service,
          targetResources: [{ ...auditTarget(after, audit.targetType), modifiedProperties: diffProperties(before, after, Object.keys(write.props)) }],
        });
      }
      if (mode === 'replace' || spec.updateStatus === 200) return entityResponse(ctx, entityShapeOf(ctx, spec, path), store(ctx).get(after.id) ?? after);
      return { status: 204 };
    };
    if (spec.permissions.update) {
      routes.push(route('PATCH', `${path}/{id}`, { ...common, permissions: spec.permissions.update, name: `${spec.name}.update` }, updater('update')));
    }
    if (spec.permissions.replace) {
      routes.push(route('PUT', `${path}/{id}`, { ...common, permissions: spec.permissions.replace, name: `${spec.name}.replace` }, updater('replace')));
    }
    if (spec.permissions.delete) {
      routes.push(route('DELETE', `${path}/{id}`, { ...common, permissions: spec.permissions.delete, name: `${spec.name}.delete` }, (ctx) => {
        const entity = findOr404(ctx, spec, ctx.params.id as string);
        if (spec.remove) spec.remove(ctx, entity);
        else store(ctx).remove(entity.id, 'hardDelete');
        if (audit) {
          ctx.audit({ activityDisplayName: `Delete ${audit.noun}`, category: audit.category, operationType: 'Delete', loggedByService: audit.service, targetResources: [auditTarget(entity, audit.targetType)] });
        }
        return { status: 204 };
      }));
    }
  }
  return routes;
}

function defaultCreate(ctx: GraphContext, spec: EntitySetSpec, write: ParsedWrite): Entity {
  const now = ctx.tenant.nowIso();
  const props = ctx.schema.properties(spec.entityType);
  const stamps: Record<string, unknown> = {};
  if (props?.has('createdDateTime')) stamps.createdDateTime = now;
  if (props?.has('lastModifiedDateTime')) stamps.lastModifiedDateTime = now;
  if (props?.has('modifiedDateTime')) stamps.modifiedDateTime = now;
  return { ...stamps, ...write.props, id: typeof write.props.id === 'string' ? write.props.id : randomUUID() } as Entity;
}

export interface SingletonSpec {
  readonly name: string;
  readonly path: string;
  readonly store: string;
  /** ID of the one entity in the store. */
  readonly id: string;
  readonly entityType: string;
  readonly contextName?: string;
  readonly versions?: readonly GraphVersion[];
  readonly permissions: { readonly read: PermissionRule; readonly update?: PermissionRule };
  readonly throttle?: ThrottleClass;
  readonly projection?: Omit<ProjectionSpec, 'entityType'>;
  readonly write?: Omit<WriteRules, 'entityType' | 'resourceName'>;
  readonly updateStatus?: 200 | 204;
  /** Computes the patch from the parsed body (e.g. stamps `lastModifiedDateTime`); default the body's properties. */
  readonly update?: (ctx: GraphContext, before: Entity, write: ParsedWrite) => Record<string, unknown>;
  readonly audit?: AuditNames | false;
}

/** A singleton resource: GET returns the entity (`…#policies/authorizationPolicy/$entity`), PATCH merges. */
export function defineSingleton(spec: SingletonSpec): RouteSpec[] {
  const common = { versions: spec.versions, throttle: spec.throttle } as const;
  const shape = { projection: { entityType: spec.entityType, ...spec.projection }, contextName: spec.contextName ?? spec.path.replace(/^\//, '') };
  const get = (ctx: GraphContext): Entity => {
    const e = ctx.tenant.store(spec.store).get(spec.id);
    if (!e) throw notFound(spec.id);
    return e;
  };
  const routes: RouteSpec[] = [
    route('GET', spec.path, { ...common, permissions: spec.permissions.read, name: `${spec.name}.get` }, (ctx) => entityResponse(ctx, shape, get(ctx))),
  ];
  if (spec.permissions.update) {
    const rules: WriteRules = { entityType: spec.entityType, resourceName: defaultResourceName(spec.entityType), ...spec.write };
    routes.push(route('PATCH', spec.path, { ...common, permissions: spec.permissions.update, name: `${spec.name}.update` }, (ctx) => {
      const before = get(ctx);
      const write = parseWrite(ctx, ctx.request.body, rules, 'update', before.id);
      const patch = spec.update ? spec.update(ctx, before, write) : write.props;
      const after = ctx.tenant.store(spec.store).update(before.id, patch)?.after ?? before;
      if (spec.audit) {
        ctx.audit({
          activityDisplayName: `Update ${spec.audit.noun}`, category: spec.audit.category, operationType: 'Update', loggedByService: spec.audit.service,
          targetResources: [{ ...auditTarget(after, spec.audit.targetType), modifiedProperties: diffProperties(before, after, Object.keys(write.props)) }],
        });
      }
      return spec.updateStatus === 200 ? entityResponse(ctx, shape, after) : { status: 204 };
    }));
  }
  return routes;
}
