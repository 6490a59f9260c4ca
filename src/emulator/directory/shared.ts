/**
 * Pieces every directory resource shares: per-kind projections (the user default property set),
 * navigation lists of directory objects (`members`, `owners`, `memberOf`, …) with casts and
 * `$count`, the `$ref` endpoints, `@odata.bind` processing and the audit wording for
 * relationship changes.
 *
 * Sources: user resource ("Properties": default set vs "Returned only on $select"),
 * group-post-members.md / group-delete-members.md ($ref), group-post-groups.md (binds, 20 max).
 */
import { DIRECTORY_PAGING, countResponse, entityResponse, listResponse, type CollectionSpec, type ExpandSpec } from '../graph/collection.js';
import { GraphError, badRequest, notFound } from '../graph/errors.js';
import type { ProjectionSpec } from '../graph/projection.js';
import { route } from '../graph/resource.js';
import type { GraphContext, PermissionRule, RouteSpec } from '../graph/types.js';
import { idFromReference, MAX_BINDS_PER_REQUEST, requireObjectBody } from '../graph/writes.js';
import type { ObjectKindName } from '../state/directory-index.js';
import type { Entity } from '../state/store.js';
import { link, linkedObjects, linkingObjects, unlink, type RelationName } from './objects.js';

/** v1.0 `GET /users` without `$select` returns only these (user resource docs). */
export const USER_DEFAULT_SELECT = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id',
] as const;

/** Projections per kind, used wherever directory objects appear (their own sets, members, memberOf). */
export const KIND_PROJECTION: Readonly<Record<ObjectKindName, ProjectionSpec>> = {
  user: { entityType: 'microsoft.graph.user', defaultSelect: USER_DEFAULT_SELECT, hidden: ['passwordProfile'] },
  group: { entityType: 'microsoft.graph.group' },
  application: { entityType: 'microsoft.graph.application' },
  servicePrincipal: { entityType: 'microsoft.graph.servicePrincipal' },
  device: { entityType: 'microsoft.graph.device' },
  administrativeUnit: { entityType: 'microsoft.graph.administrativeUnit' },
  directoryRole: { entityType: 'microsoft.graph.directoryRole' },
  orgContact: { entityType: 'microsoft.graph.orgContact' },
};

/** Adds `@odata.type` to an entity of a known kind so projection picks the right schema. */
export function typed(ctx: GraphContext, entity: Entity): Entity {
  if (entity['@odata.type'] !== undefined) return entity;
  const kind = ctx.tenant.directory.kindOf(entity.id);
  return kind ? { ...entity, '@odata.type': `#microsoft.graph.${kind}` } : entity;
}

export function* typedAll(ctx: GraphContext, items: Iterable<Entity>): Generator<Entity> {
  for (const e of items) yield typed(ctx, e);
}

/** The user default set applies to users inside mixed lists too. */
export function mixedProjection(): ProjectionSpec {
  return {
    entityType: 'microsoft.graph.directoryObject',
    includeType: true,
    defaultSelectByType: { 'microsoft.graph.user': USER_DEFAULT_SELECT },
    hidden: ['passwordProfile'],
  };
}

/** `$expand` of a forward link list (owners, members, registered owners …): the linked objects, typed. */
export function linksExpand(relation: RelationName): ExpandSpec {
  return { items: (ctx, owner) => typedAll(ctx, linkedObjects(ctx.tenant, relation, owner.id)), projection: mixedProjection() };
}

/** A list response over related directory objects, honouring `$select`, casts and `$count`. */
export function directoryObjectList(ctx: GraphContext, items: () => Iterable<Entity>, options: { cast?: string; contextName?: string; paging?: CollectionSpec['paging'] } = {}): CollectionSpec {
  return {
    source: function* () {
      for (const e of items()) yield typed(ctx, e);
    },
    contextName: options.contextName ?? (options.cast ? options.cast.replace(/^microsoft\.graph\./, '') + 's' : 'directoryObjects'),
    paging: options.paging ?? DIRECTORY_PAGING,
    projection: mixedProjection(),
    advancedQueries: true,
    cast: options.cast,
    resourceName: 'DirectoryObject',
  };
}

export function checkCast(segment: string): string {
  if (!/^microsoft\.graph\.(user|group|device|servicePrincipal|application|orgContact|administrativeUnit|directoryRole)$/i.test(segment)) {
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
  }
  return segment;
}

export interface NavigationSpec {
  /** Owner collection path with `{id}`, e.g. `/groups/{id}`. */
  readonly base: string;
  /** Navigation name in the URL, e.g. `members`. */
  readonly nav: string;
  readonly relation: RelationName;
  /** `forward` lists targets of the owner (members of a group); `backward` lists sources (memberOf). */
  readonly direction: 'forward' | 'backward';
  /** Kinds the navigation lists / accepts. */
  readonly kinds?: readonly ObjectKindName[];
  readonly read: PermissionRule;
  /** When set, `POST {nav}/$ref` and `DELETE {nav}/{memberId}/$ref` are served. */
  readonly write?: PermissionRule;
  /** Resolves the owner from the `{id}` segment (404 when missing). */
  readonly owner: (ctx: GraphContext, key: string) => Entity;
  readonly cost?: number;
  readonly versions?: RouteSpec['versions'];
  /** Paging of the list (directoryRoles members are not paged). */
  readonly paging?: CollectionSpec['paging'];
  /** Audit wording and checks for `$ref` writes. */
  readonly audit?: { readonly category: string; readonly add: string; readonly remove: string; readonly targetType: string };
  /** Validates an addition (e.g. no members on dynamic groups); throw a GraphError to refuse. */
  readonly beforeAdd?: (ctx: GraphContext, owner: Entity, target: Entity, targetKind: ObjectKindName) => void;
  readonly afterChange?: (ctx: GraphContext, owner: Entity, targetId: string, added: boolean) => void;
}

/** GET list, `/$count`, casts, and optionally `$ref` add/remove for one navigation. */
export function navigationRoutes(spec: NavigationSpec): RouteSpec[] {
  const listPath = `${spec.base}/${spec.nav}`;
  const items = (ctx: GraphContext, owner: Entity) => (): Iterable<Entity> =>
    spec.direction === 'forward' ? linkedObjects(ctx.tenant, spec.relation, owner.id, spec.kinds) : linkingObjects(ctx.tenant, spec.relation, owner.id, spec.kinds);
  const common = { versions: spec.versions, cost: spec.cost } as const;
  const routes: RouteSpec[] = [
    route('GET', listPath, { ...common, permissions: spec.read, name: `${spec.nav}.list` }, (ctx) =>
      listResponse(ctx, directoryObjectList(ctx, items(ctx, spec.owner(ctx, ctx.params.id as string)), { paging: spec.paging })),
    ),
    route('GET', `${listPath}/$count`, { ...common, permissions: spec.read, name: `${spec.nav}.count` }, (ctx) =>
      countResponse(ctx, directoryObjectList(ctx, items(ctx, spec.owner(ctx, ctx.params.id as string)))),
    ),
    // `{memberId}` is either a type cast (`microsoft.graph.user`) or one related object's ID.
    route('GET', `${listPath}/{memberId}`, { ...common, permissions: spec.read, name: `${spec.nav}.castOrGet` }, (ctx) => {
      const owner = spec.owner(ctx, ctx.params.id as string);
      const key = ctx.params.memberId as string;
      if (key.toLowerCase().startsWith('microsoft.graph.')) {
        return listResponse(ctx, directoryObjectList(ctx, items(ctx, owner), { cast: checkCast(key), paging: spec.paging }));
      }
      for (const e of items(ctx, owner)()) {
        if (e.id === key) return entityResponse(ctx, { contextName: 'directoryObjects', projection: mixedProjection() }, typed(ctx, e));
      }
      throw notFound(key);
    }),
    route('GET', `${listPath}/$ref`, { ...common, permissions: spec.read, name: `${spec.nav}.refs` }, (ctx) => {
      const owner = spec.owner(ctx, ctx.params.id as string);
      const res = listResponse(ctx, { ...directoryObjectList(ctx, items(ctx, owner), { paging: spec.paging }), contextName: 'Collection($ref)' });
      const body = res.body as { value: { id: string }[] };
      body.value = body.value.map((e) => ({ '@odata.id': `${ctx.serviceRoot}/directoryObjects/${e.id}` }) as unknown as { id: string });
      return res;
    }),
    route('GET', `${listPath}/{memberId}/$count`, { ...common, permissions: spec.read, name: `${spec.nav}.castCount` }, (ctx) =>
      countResponse(ctx, directoryObjectList(ctx, items(ctx, spec.owner(ctx, ctx.params.id as string)), { cast: checkCast(ctx.params.memberId as string) })),
    ),
  ];
  if (spec.write && spec.direction === 'forward') {
    routes.push(route('POST', `${listPath}/$ref`, { versions: spec.versions, permissions: spec.write, name: `${spec.nav}.add` }, (ctx) => {
      const owner = spec.owner(ctx, ctx.params.id as string);
      const body = requireObjectBody(ctx.request.body);
      const targetId = idFromReference(body['@odata.id']);
      addLinks(ctx, spec, owner, [targetId]);
      return { status: 204 };
    }));
    routes.push(route('DELETE', `${listPath}/{memberId}/$ref`, { versions: spec.versions, permissions: spec.write, name: `${spec.nav}.remove` }, (ctx) => {
      const owner = spec.owner(ctx, ctx.params.id as string);
      const targetId = ctx.params.memberId as string;
      if (!unlink(ctx.tenant, spec.relation, owner.id, targetId)) throw notFound(targetId);
      spec.afterChange?.(ctx, owner, targetId, false);
      if (spec.audit) {
        const target = ctx.tenant.liveObject(targetId)?.entity;
        ctx.audit({
          activityDisplayName: spec.audit.remove, category: spec.audit.category, operationType: 'Unassign',
          targetResources: [
            { id: targetId, type: kindLabel(ctx, targetId), displayName: (target?.displayName as string | undefined) ?? null, userPrincipalName: (target?.userPrincipalName as string | undefined) ?? null },
            { id: owner.id, type: spec.audit.targetType, displayName: (owner.displayName as string | undefined) ?? null },
          ],
        });
      }
      return { status: 204 };
    }));
  }
  return routes;
}

function kindLabel(ctx: GraphContext, id: string): string {
  const k = ctx.tenant.directory.kindOf(id);
  return k ? k.charAt(0).toUpperCase() + k.slice(1) : 'Other';
}

/** Adds relationship targets with Graph's checks: existence, allowed kinds, duplicates, the 20 cap. */
export function addLinks(ctx: GraphContext, spec: Pick<NavigationSpec, 'relation' | 'kinds' | 'nav' | 'beforeAdd' | 'afterChange' | 'audit'>, owner: Entity, targetIds: readonly string[]): void {
  if (targetIds.length > MAX_BINDS_PER_REQUEST) throw badRequest(`At most ${MAX_BINDS_PER_REQUEST} objects can be added in one request.`);
  const resolved = targetIds.map((id) => {
    const live = ctx.tenant.liveObject(id);
    if (!live) throw notFound(id);
    if (spec.kinds && !spec.kinds.includes(live.kind)) {
      throw badRequest(`An object of type '${live.kind}' cannot be added to '${spec.nav}'.`);
    }
    spec.beforeAdd?.(ctx, owner, live.entity, live.kind);
    return live;
  });
  const ownerHandle = ctx.tenant.directory.handle(owner.id);
  const relation = ctx.tenant.relations[spec.relation];
  if (ownerHandle !== undefined && resolved.some((r) => relation.has(ownerHandle, r.handle))) {
    throw badRequest(`One or more added object references already exist for the following modified properties: '${spec.nav}'.`);
  }
  for (const r of resolved) {
    link(ctx.tenant, spec.relation, owner.id, r.entity.id);
    spec.afterChange?.(ctx, owner, r.entity.id, true);
    if (spec.audit) {
      ctx.audit({
        activityDisplayName: spec.audit.add, category: spec.audit.category, operationType: 'Assign',
        targetResources: [
          { id: r.entity.id, type: kindLabel(ctx, r.entity.id), displayName: (r.entity.displayName as string | undefined) ?? null, userPrincipalName: (r.entity.userPrincipalName as string | undefined) ?? null },
          { id: owner.id, type: spec.audit.targetType, displayName: (owner.displayName as string | undefined) ?? null },
        ],
      });
    }
  }
}

/** Looks up a live entity in a store or throws the 404. */
export function ownerIn(store: string) {
  return (ctx: GraphContext, key: string): Entity => {
    const e = ctx.tenant.store(store).get(key);
    if (!e) throw notFound(key);
    return e;
  };
}
