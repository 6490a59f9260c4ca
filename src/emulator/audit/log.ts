/**
 * `defineAuditLog`: the routes of one append-only audit log over a tenant store — a list and a
 * get by ID, in v1.0 and beta. Both logs the emulator keeps use it: the Entra directory audit
 * (`auditLogs/directoryAudits`, audit/index.ts) and Intune's own (`deviceManagement/auditEvents`,
 * intune/audit.ts).
 *
 * Guarantees:
 * - newest first (records are appended in time order, so highest ordinal first);
 * - `$top` from 1 to the log's maximum, else a 400;
 * - the next link continues below the last ordinal returned, so records appended while a client
 *   pages never shift the pages it has not read yet;
 * - `$filter` on any property, or only on `filterable` when given; timestamps compare as instants;
 * - `$count=true` counts the matching records on the first page.
 */
import { buildPredicate, entityResponse, nextLink, projectForResponse, type Paging } from '../graph/collection.js';
import { badRequest, notFound as graphNotFound, type GraphError } from '../graph/errors.js';
import { decodeToken, encodeToken } from '../graph/odata/tokens.js';
import { contextFragment } from '../graph/projection.js';
import { route } from '../graph/resource.js';
import type { GraphContext, GraphResponse, GraphVersion, PermissionRule, RouteSpec, ThrottleClass } from '../graph/types.js';
import type { Entity } from '../state/store.js';

export interface AuditLogSpec {
  /** Route name prefix for stats and docs, e.g. `directoryAudits`. */
  readonly name: string;
  /** e.g. `/auditLogs/directoryAudits`. */
  readonly path: string;
  /** The tenant store holding the records. */
  readonly store: string;
  /** `@odata.context` fragment, e.g. `auditLogs/directoryAudits`. */
  readonly contextName: string;
  /** Qualified entity type, e.g. `microsoft.graph.directoryAudit`. */
  readonly entityType: string;
  readonly permissions: PermissionRule;
  readonly throttle: ThrottleClass;
  readonly paging: Paging;
  /** Properties `$filter` may name; undefined: any. */
  readonly filterable?: readonly string[];
  readonly versions?: readonly GraphVersion[];
  /** The error for an unknown ID (default Graph's generic 404). */
  readonly notFound?: (ctx: GraphContext) => GraphError;
}

export function defineAuditLog(spec: AuditLogSpec): RouteSpec[] {
  const projection = { entityType: spec.entityType, fillDefaults: true } as const;
  const { paging, contextName } = spec;
  const list = (ctx: GraphContext): GraphResponse => {
    const store = ctx.tenant.store(spec.store);
    const shape = { source: store, contextName, paging, projection, expandCapsPage: false, ...(spec.filterable ? { filterable: spec.filterable } : {}) };
    const predicate = buildPredicate(ctx, shape);
    const top = ctx.query.top ?? paging.defaultTop;
    if (top < 1 || top > paging.maxTop) throw badRequest(`Invalid page size specified: '${top}'. Must be between 1 and ${paging.maxTop} inclusive.`);
    const token = ctx.query.skipToken === undefined ? undefined : decodeToken<{ b: number }>('A', ctx.query.skipToken);
    const before = token?.b ?? store.end;
    // Newest first: walk ordinals downwards from the continuation point.
    const matching: Array<[number, Entity]> = [];
    for (const [ordinal, e] of store.scan(0)) if (ordinal < before && predicate(e)) matching.push([ordinal, e]);
    const page = matching.slice(-top).reverse();
    const body: Record<string, unknown> = { '@odata.context': ctx.contextUrl(contextFragment(contextName, ctx.query.select)) };
    if (ctx.query.count && !token) body['@odata.count'] = matching.length;
    if (matching.length > top) body['@odata.nextLink'] = nextLink(ctx, encodeToken('A', { b: (page.at(-1) as [number, Entity])[0] }));
    body.value = page.map(([, e]) => projectForResponse(ctx, { contextName, projection }, e));
    return { status: 200, body };
  };
  const common = { permissions: spec.permissions, throttle: spec.throttle, ...(spec.versions ? { versions: spec.versions } : {}) };
  return [
    route('GET', spec.path, { ...common, name: `${spec.name}.list` }, list),
    route('GET', `${spec.path}/{id}`, { ...common, name: `${spec.name}.get` }, (ctx) => {
      const e = ctx.tenant.store(spec.store).get(ctx.params.id as string);
      if (!e) throw spec.notFound ? spec.notFound(ctx) : graphNotFound(ctx.params.id as string);
      return entityResponse(ctx, { contextName, projection }, e);
    }),
  ];
}
