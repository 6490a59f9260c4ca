/**
 * Serving collections and single entities the way Graph does: server-driven paging with an opaque
 * `$skiptoken` in an absolute `@odata.nextLink` that repeats the original query options, `$top`
 * limits per resource, `$filter`, `$search`, `$orderby`, `$count`, `$expand` (capped), and the
 * advanced-query rules of directory objects (`ConsistencyLevel: eventual` + `$count=true`).
 *
 * Sources (facts §2): paging.md (nextLink, count on the first page only, some collections do not
 * page), aad-advanced-queries.md (which options need the header, and the errors without it),
 * query-parameters.md / known-issues.md (`$expand` returns at most 20 items, no nextLink, one
 * level; with `$expand` the outer page is capped at 100).
 *
 * Guarantees: a page never holds more than the effective `$top`; following the nextLinks visits
 * every matching item once if the collection is not modified meanwhile (items added during paging
 * may or may not appear — as in Graph). Memory per request is one page, except with `$orderby` or
 * `$count`, which scan the filtered collection.
 */
import type { Entity, EntityStore } from '../state/store.js';
import { GraphError, badRequest, unsupportedQuery } from './errors.js';
import { matches } from './odata/filter.js';
import { withQuery } from './odata/query.js';
import { decodeToken, encodeToken } from './odata/tokens.js';
import { contextFragment, project, validateSelect, typeOf, type ProjectionSpec } from './projection.js';
import type { GraphContext, GraphResponse } from './types.js';

export interface Paging {
  readonly defaultTop: number;
  readonly maxTop: number;
}

/** Directory collections: 100 by default, `$top` 1–999 (facts §2.1). */
export const DIRECTORY_PAGING: Paging = { defaultTop: 100, maxTop: 999 };

export interface ExpandSpec {
  /** The related entities; the platform caps them. */
  readonly items: (ctx: GraphContext, entity: Entity) => Iterable<Entity>;
  readonly projection: ProjectionSpec;
  /** Single-valued navigation (manager): returns one object or nothing. */
  readonly single?: boolean;
  /** At most this many related objects (default 20, the directory's cap; Intune expands all). */
  readonly limit?: number;
  /** Properties to add to each projected related object for a nested `$expand` (one level). */
  readonly nested?: (ctx: GraphContext, related: Entity, names: readonly string[]) => Record<string, unknown>;
}

export interface CollectionSpec {
  /** Where items come from: a store pages by ordinal; a function must yield a stable order. */
  readonly source: EntityStore | (() => Iterable<Entity>);
  /** `@odata.context` fragment of the collection, e.g. `users` or `directoryObjects`. */
  readonly contextName: string;
  /** `'none'` for collections Graph does not page (directoryRoles). */
  readonly paging: Paging | 'none';
  readonly projection: ProjectionSpec;
  /** Directory objects: `$count`, `$search`, `ne`, `not`, `endswith` need advanced-query parameters. */
  readonly advancedQueries?: boolean;
  /** Properties allowed in `$filter` without advanced parameters; undefined = any. */
  readonly filterable?: readonly string[];
  /** Properties allowed in `$orderby` without advanced parameters; undefined = none, `'any'` = all. */
  readonly orderable?: readonly string[] | 'any';
  /** Properties `$search` looks in (`"displayName:foo"`). */
  readonly searchable?: readonly string[];
  /** Resource name in error messages, e.g. `User`. */
  readonly resourceName?: string;
  /** Restrict to one derived type (an OData cast segment). */
  readonly cast?: string;
  readonly expand?: Readonly<Record<string, ExpandSpec>>;
  /** Items excluded regardless of query (e.g. soft-deleted members). */
  readonly where?: (entity: Entity) => boolean;
  /** With `$expand` the page is capped at 100 (directory objects, facts §2.1); false where no such cap is known. */
  readonly expandCapsPage?: boolean;
}

/** The expand cap for directory objects (query-parameters.md). */
export const EXPAND_CAP = 20;

interface PageToken {
  /** Next ordinal (store sources) or offset (function sources, ordered results). */
  n: number;
  e?: number;
  id?: string;
}

export function isEventual(ctx: GraphContext): boolean {
  return ctx.request.headers['consistencylevel']?.toLowerCase() === 'eventual';
}

function advancedOn(ctx: GraphContext): boolean {
  return isEventual(ctx) && ctx.query.count;
}

const ADVANCED_HINT = 'Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information';

/** Validates `$filter` / `$search` / `$orderby` against the collection's rules; returns the predicate. */
export function buildPredicate(ctx: GraphContext, spec: CollectionSpec): (e: Entity) => boolean {
  const q = ctx.query;
  const filter = q.filter;
  const resource = spec.resourceName ?? spec.contextName;
  const tests: ((e: Entity) => boolean)[] = [];
  if (spec.where) tests.push(spec.where);
  if (spec.cast) {
    const cast = spec.cast.replace(/^microsoft\.graph\./, '');
    tests.push((e) => typeOf(e, spec.projection.entityType).replace(/^microsoft\.graph\./, '').toLowerCase() === cast.toLowerCase());
  }
  if (filter) {
    if (spec.advancedQueries && filter.usesAdvanced && !advancedOn(ctx)) {
      const op = ['ne', 'not', 'endswith'].find((o) => filter.operators.has(o)) ?? '$count';
      throw unsupportedQuery(`Operator '${op}' is not supported because the required parameters might be missing. ${ADVANCED_HINT}`);
    }
    if (spec.filterable && !(spec.advancedQueries && advancedOn(ctx))) {
      for (const p of filter.properties) {
        if (!spec.filterable.includes(p)) {
          throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${p}' of resource '${resource}'.`);
        }
      }
    }
    const root = filter.root;
    tests.push((e) => matches(root, e));
  }
  const search = q.search;
  if (search !== undefined) {
    if (spec.advancedQueries && !isEventual(ctx)) {
      throw unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    }
    tests.push(searchPredicate(search, spec.searchable ?? ['displayName']));
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0] as (e: Entity) => boolean;
  return (e) => tests.every((t) => t(e));
}

/** `$search="displayName:foo" AND "mail:bar"` — tokenized prefix match, case-insensitive. */
function searchPredicate(search: string, searchable: readonly string[]): (e: Entity) => boolean {
  const clauses = [...search.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
  if (clauses.length === 0) throw badRequest('Syntax error: character \'' + (search[0] ?? '') + '\' is not valid at position 0 in \'' + search + '\'.', 'BadRequest');
  const anded = /\bOR\b/.test(search) ? 'or' : 'and';
  const parts = clauses.map((c) => {
    const colon = c.indexOf(':');
    const prop = colon > 0 ? c.slice(0, colon) : undefined;
    const term = (colon > 0 ? c.slice(colon + 1) : c).toLowerCase();
    if (prop && !searchable.includes(prop)) throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${prop}'.`);
    const props = prop ? [prop] : searchable;
    return (e: Entity) =>
      props.some((p) => {
        const v = e[p];
        if (typeof v !== 'string') return false;
        return v.toLowerCase().split(/[\s._@-]+/).some((w) => w.startsWith(term)) || v.toLowerCase().startsWith(term);
      });
  });
  return anded === 'and' ? (e) => parts.every((p) => p(e)) : (e) => parts.some((p) => p(e));
}

function effectiveTop(ctx: GraphContext, spec: CollectionSpec): number {
  if (spec.paging === 'none') return Number.POSITIVE_INFINITY;
  const top = ctx.query.top;
  if (top !== undefined && (top < 1 || top > spec.paging.maxTop)) {
    throw badRequest(`Invalid page size specified: '${top}'. Must be between 1 and ${spec.paging.maxTop} inclusive.`);
  }
  let size = top ?? spec.paging.defaultTop;
  // Known issue: with $expand on directory objects the page is capped at 100 (facts §2.1).
  if (ctx.query.expand && size > 100 && spec.expandCapsPage !== false) size = 100;
  return size;
}

function comparator(orderBy: { property: string; descending: boolean }[]): (a: Entity, b: Entity) => number {
  return (a, b) => {
    for (const o of orderBy) {
      const x = a[o.property];
      const y = b[o.property];
      const xs = typeof x === 'string' ? x.toLowerCase() : x;
      const ys = typeof y === 'string' ? y.toLowerCase() : y;
      if (xs === ys) continue;
      if (xs === undefined || xs === null) return o.descending ? 1 : -1;
      if (ys === undefined || ys === null) return o.descending ? -1 : 1;
      const c = (xs as number) < (ys as number) ? -1 : 1;
      return o.descending ? -c : c;
    }
    return 0;
  };
}

function applyExpand(ctx: GraphContext, spec: CollectionSpec, entity: Entity, out: Record<string, unknown>): void {
  const expand = ctx.query.expand;
  if (!expand) return;
  for (const item of expand) {
    const nav = spec.expand?.[item.property];
    if (!nav) {
      throw badRequest(`Could not find a property named '${item.property}' on type '${spec.projection.entityType}'.`, 'BadRequest');
    }
    const related: Record<string, unknown>[] = [];
    const limit = nav.limit ?? EXPAND_CAP;
    for (const r of nav.items(ctx, entity)) {
      if (related.length >= limit) break;
      const projected = project(ctx, r, { ...nav.projection, includeType: nav.projection.includeType ?? true }, item.select);
      related.push(item.expand && nav.nested ? { ...projected, ...nav.nested(ctx, r, item.expand) } : projected);
    }
    out[item.property] = nav.single ? (related[0] ?? null) : related;
  }
}

/** Projects one entity for a response, applying `$select` and `$expand`. */
export function projectForResponse(ctx: GraphContext, spec: Pick<CollectionSpec, 'projection' | 'expand' | 'contextName'>, entity: Entity): Record<string, unknown> {
  const out = project(ctx, entity, spec.projection, ctx.query.select);
  applyExpand(ctx, spec as CollectionSpec, entity, out);
  return out;
}

export function listResponse(ctx: GraphContext, spec: CollectionSpec): GraphResponse {
  const q = ctx.query;
  const select = q.select;
  // Mixed collections (directoryObjects) accept any derived type's properties unless cast.
  const selectType = spec.cast ? `microsoft.graph.${spec.cast.replace(/^microsoft\.graph\./, '')}` : spec.projection.entityType;
  if (select && selectType !== 'microsoft.graph.directoryObject') validateSelect(ctx, selectType, select);
  if (spec.advancedQueries && q.expand && advancedOn(ctx)) {
    throw unsupportedQuery('The $expand query option is not supported with advanced queries.');
  }
  const predicate = buildPredicate(ctx, spec);
  const pageSize = effectiveTop(ctx, spec);
  const orderBy = q.orderBy;
  if (orderBy) {
    const allowed = spec.orderable === 'any' || (spec.advancedQueries && advancedOn(ctx)) || orderBy.every((o) => Array.isArray(spec.orderable) && spec.orderable.includes(o.property));
    if (!allowed) throw unsupportedQuery('Sorting not supported for current query.');
    if (spec.advancedQueries && q.filter && !advancedOn(ctx)) throw unsupportedQuery(`Sorting and filtering together need advanced query parameters. ${ADVANCED_HINT}`);
  }
  const token = q.skipToken === undefined ? undefined : decodeToken<PageToken>('X', q.skipToken);
  const firstPage = token === undefined;
  const page: Entity[] = [];
  let nextToken: PageToken | undefined;

  const store = typeof spec.source === 'function' ? undefined : spec.source;
  if (orderBy || !store) {
    const items = orderBy ? [...iterate(spec)].filter(predicate).sort(comparator(orderBy)) : undefined;
    let offset = token?.n ?? q.skip ?? 0;
    if (items) {
      const slice = items.slice(offset, offset + pageSize);
      page.push(...slice);
      offset += slice.length;
      if (offset < items.length) nextToken = { n: offset };
    } else {
      let index = 0;
      for (const item of iterate(spec)) {
        if (!predicate(item)) continue;
        if (index++ < offset) continue;
        if (page.length === pageSize) {
          nextToken = { n: offset + page.length };
          break;
        }
        page.push(item);
      }
    }
  } else {
    let from = token?.n ?? 0;
    if (token && token.e !== store.epoch && token.id !== undefined) {
      const o = store.ordinalOf(token.id);
      if (o !== undefined) from = o + 1;
    }
    let last: Entity | undefined;
    for (const [ordinal, item] of store.scan(from)) {
      if (!predicate(item)) continue;
      if (page.length === pageSize) {
        nextToken = { n: ordinal, e: store.epoch, id: last?.id };
        break;
      }
      page.push(item);
      last = item;
    }
  }

  const body: Record<string, unknown> = { '@odata.context': ctx.contextUrl(contextFragment(spec.contextName, select)) };
  const countAllowed = spec.advancedQueries ? isEventual(ctx) : true;
  if (q.count && countAllowed && firstPage) {
    let n = 0;
    for (const item of iterate(spec)) if (predicate(item)) n++;
    body['@odata.count'] = n;
  }
  if (nextToken) body['@odata.nextLink'] = nextLink(ctx, encodeToken('X', nextToken));
  body.value = page.map((e) => projectForResponse(ctx, spec, e));
  return { status: 200, body };
}

function iterate(spec: CollectionSpec): Iterable<Entity> {
  return typeof spec.source === 'function' ? spec.source() : spec.source.values();
}

/** The absolute URL of this request with `$skiptoken` replaced. */
export function nextLink(ctx: GraphContext, skipToken: string): string {
  const query = withQuery(ctx.request.rawQuery, { $skiptoken: skipToken, $skip: undefined });
  return `${ctx.serviceRoot}${encodePath(ctx.request.path)}?${query}`;
}

export function encodePath(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s).replace(/%24/g, '$').replace(/%27/g, "'").replace(/%28/g, '(').replace(/%29/g, ')').replace(/%3D/g, '=')).join('/');
}

/** `GET …/$count`: text/plain, advanced parameters required on directory collections. */
export function countResponse(ctx: GraphContext, spec: CollectionSpec): GraphResponse {
  if (spec.advancedQueries && !isEventual(ctx)) throw new GraphError(400, 'Request_BadRequest', '$count is not currently supported.');
  const predicate = buildPredicate(ctx, spec);
  let n = 0;
  for (const item of iterate(spec)) if (predicate(item)) n++;
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(n) };
}

/** A single entity with `@odata.context` `…#{contextName}/$entity`. */
export function entityResponse(ctx: GraphContext, spec: Pick<CollectionSpec, 'projection' | 'expand' | 'contextName'>, entity: Entity, status = 200): GraphResponse {
  const select = ctx.query.select;
  if (select) validateSelect(ctx, typeOf(entity, spec.projection.entityType), select);
  const body = { '@odata.context': ctx.contextUrl(`${contextFragment(spec.contextName, select)}/$entity`), ...projectForResponse(ctx, spec, entity) };
  return { status, body };
}
