/**
 * Delta queries over a store's change log (facts §3, delta-query-overview.md,
 * delta-query-users.md, delta-query-groups.md):
 *
 * - the first round pages through the current objects (`@odata.nextLink` with `$skiptoken`) and
 *   ends with an `@odata.deltaLink` whose `$deltatoken` remembers the log position at the start,
 *   so changes made during the sync are replayed next round;
 * - later rounds report each changed object once: its current state, or
 *   `{"id", "@removed": {"reason": "changed"}}` for a soft delete (restorable) or `"deleted"` for
 *   a hard delete; relationship changes as `members@delta` entries (removals carry `@removed`);
 * - large member lists are split: the same group appears on several pages with successive slices;
 * - `$deltatoken=latest` returns only a delta link; `$filter=id eq '…' or id eq '…'` restricts;
 *   tokens carry the original `$select`;
 * - a token older than 7 days (injected clock) fails with `syncStateNotFound`; the control API can
 *   force `410 Gone` with a `Location` to restart from scratch.
 */
import { GraphError, badRequest } from './errors.js';
import { idsFromFilter, parseFilter } from './odata/filter.js';
import { decodeToken, encodeToken } from './odata/tokens.js';
import { contextFragment, project } from './projection.js';
import { encodePath, type CollectionSpec } from './collection.js';
import { ChangeKind, DELTA_RETENTION_MS } from '../state/change-log.js';
import type { Entity, EntityStore } from '../state/store.js';
import type { GraphContext, GraphResponse } from './types.js';

export interface DeltaOptions {
  readonly collection: CollectionSpec;
  readonly store: EntityStore;
  /** Relationship navigations reported as `{name}@delta`, with the current targets for the first round. */
  readonly links?: Readonly<Record<string, (ctx: GraphContext, entity: Entity) => Iterable<Entity>>>;
  /** Objects per page (default 100; `Prefer: odata.maxpagesize=n` overrides, up to 999). */
  readonly pageSize?: number;
  /** Relationship entries per page (default 1,000). */
  readonly linkSliceSize?: number;
}

interface SkipState {
  /** Phase: initial enumeration or change replay. */
  ph: 'i' | 'c';
  /** Log position the round started from (changes) or the position to resume from next round (initial). */
  s: number;
  /** Log end for a change round. */
  e: number;
  /** Ordinal (initial) or offset (changes). */
  o: number;
  /** Offset inside the current object's link list (initial phase). */
  m: number;
  sel?: string[];
  ids?: string[];
}

interface DeltaState {
  s: number;
  t: number;
  sel?: string[];
  ids?: string[];
}

const syncStateNotFound = (): GraphError =>
  new GraphError(400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');

function pageSizeOf(ctx: GraphContext, options: DeltaOptions): number {
  const prefer = ctx.request.headers['prefer'];
  const m = prefer ? /odata\.maxpagesize=(\d+)/i.exec(prefer) : null;
  if (m) return Math.min(999, Math.max(1, Number(m[1])));
  return options.pageSize ?? 100;
}

export function deltaHandler(ctx: GraphContext, options: DeltaOptions): GraphResponse {
  const { store } = options;
  const log = store.changes;
  if (!log) throw new Error(`store ${store.name} does not track changes`);
  const q = ctx.query;
  const base = `${ctx.serviceRoot}${encodePath(ctx.request.path)}`;
  const now = ctx.clock.now();

  let sel: string[] | undefined;
  let ids: string[] | undefined;
  let state: SkipState;
  if (q.skipToken !== undefined) {
    state = decodeToken<SkipState>('D', q.skipToken);
    sel = state.sel;
    ids = state.ids;
  } else if (q.deltaToken !== undefined && q.deltaToken !== '') {
    if (ctx.tenant.flags.forceDeltaReset) {
      return {
        status: 410,
        headers: { location: `${base}?$deltatoken=` },
        body: { error: { code: 'resyncRequired', message: 'Synchronization reset: the delta state is no longer available; start again from the initial request.' } },
      };
    }
    if (q.deltaToken.toLowerCase() === 'latest') {
      sel = q.select;
      ids = filterIds(ctx);
      return page(ctx, options, [], { s: log.nextSeq, t: now, sel, ids }, undefined, base, sel);
    }
    const token = decodeToken<DeltaState>('T', q.deltaToken);
    if (now - token.t > DELTA_RETENTION_MS || token.s < log.oldestSeq) throw syncStateNotFound();
    // Changing $select on an existing delta link is supported for Entra resources (facts §3.2).
    sel = q.select ?? token.sel;
    ids = token.ids;
    state = { ph: 'c', s: token.s, e: log.nextSeq, o: 0, m: 0, sel, ids };
  } else {
    if (q.has('top') || q.has('orderby') || q.has('expand')) {
      throw badRequest('The specified query option is not supported for delta queries: $top, $orderby and $expand are not allowed.', 'Request_UnsupportedQuery');
    }
    sel = q.select;
    ids = filterIds(ctx);
    state = { ph: 'i', s: log.nextSeq, e: 0, o: 0, m: 0, sel, ids };
  }

  const size = pageSizeOf(ctx, options);
  const sliceSize = options.linkSliceSize ?? 1_000;
  const links = Object.entries(options.links ?? {}).filter(([nav]) => !sel || sel.includes(nav));
  const out: Record<string, unknown>[] = [];
  const idSet = ids ? new Set(ids.map((i) => i.toLowerCase())) : undefined;

  if (state.ph === 'i') {
    let budget = sliceSize;
    for (const [ordinal, entity] of store.scan(state.o)) {
      if (idSet && !idSet.has(entity.id.toLowerCase())) continue;
      if (out.length === size || budget <= 0) {
        return page(ctx, options, out, undefined, { ...state, o: ordinal, m: 0 }, base, sel);
      }
      const item = withId(project(ctx, entity, options.collection.projection, sel), entity.id);
      for (const [nav, targets] of links) {
        const all = [...targets(ctx, entity)];
        const from = ordinal === state.o ? state.m : 0;
        const slice = all.slice(from, from + budget);
        budget -= slice.length;
        item[`${nav}@delta`] = slice.map((t) => ({ '@odata.type': t['@odata.type'] ?? `#microsoft.graph.${ctx.tenant.directory.kindOf(t.id) ?? 'directoryObject'}`, id: t.id }));
        if (from + slice.length < all.length) {
          out.push(item);
          return page(ctx, options, out, undefined, { ...state, o: ordinal, m: from + slice.length }, base, sel);
        }
      }
      out.push(item);
    }
    return page(ctx, options, out, { s: state.s, t: now, sel, ids }, undefined, base, sel);
  }

  // Change round.
  const changes = [...log.since(state.s, state.e).values()].filter((c) => !idSet || idSet.has(c.id.toLowerCase()));
  let offset = state.o;
  for (; offset < changes.length && out.length < size; offset++) {
    const c = changes[offset] as (typeof changes)[number];
    if (c.kind === ChangeKind.hardDelete) {
      out.push({ id: c.id, '@removed': { reason: 'deleted' } });
      continue;
    }
    if (c.kind === ChangeKind.softDelete) {
      out.push({ id: c.id, '@removed': { reason: 'changed' } });
      continue;
    }
    const entity = store.get(c.id);
    if (!entity) continue;
    const item: Record<string, unknown> = c.kind === ChangeKind.upsert ? withId(project(ctx, entity, options.collection.projection, sel), entity.id) : { id: c.id };
    if (c.links) {
      for (const [nav] of links) {
        const delta = c.links.get(nav);
        if (!delta) continue;
        item[`${nav}@delta`] = [...delta].map(([target, added]) => ({
          '@odata.type': `#microsoft.graph.${ctx.tenant.directory.kindOf(target) ?? 'directoryObject'}`,
          id: target,
          ...(added ? {} : { '@removed': { reason: 'deleted' } }),
        }));
      }
    }
    if (c.kind === undefined && Object.keys(item).length === 1) continue;
    out.push(item);
  }
  if (offset < changes.length) return page(ctx, options, out, undefined, { ...state, o: offset }, base, sel);
  return page(ctx, options, out, { s: state.e, t: now, sel, ids }, undefined, base, sel);
}

/** Delta items always carry `id`, even when `$select` leaves it out (user-delta.md examples). */
function withId(item: Record<string, unknown>, id: string): Record<string, unknown> {
  return 'id' in item ? item : { ...item, id };
}

function filterIds(ctx: GraphContext): string[] | undefined {
  const raw = ctx.query.params.get('filter');
  if (raw === undefined) return undefined;
  const ids = idsFromFilter(parseFilter(raw).root);
  if (!ids) throw badRequest('Delta queries support $filter only on ids: id eq \'…\' or id eq \'…\'.', 'Request_UnsupportedQuery');
  return ids;
}

function page(
  ctx: GraphContext,
  options: DeltaOptions,
  value: Record<string, unknown>[],
  delta: DeltaState | undefined,
  next: SkipState | undefined,
  base: string,
  sel: string[] | undefined,
): GraphResponse {
  const body: Record<string, unknown> = { '@odata.context': ctx.contextUrl(contextFragment(options.collection.contextName, sel)) };
  if (next) body['@odata.nextLink'] = `${base}?$skiptoken=${encodeToken('D', next)}`;
  if (delta) body['@odata.deltaLink'] = `${base}?$deltatoken=${encodeToken('T', delta)}`;
  body.value = value;
  return { status: 200, body };
}
