/**
 * Turning a stored entity into what Graph returns for one request: `$select`, the type's default
 * property set, properties returned only on `$select`, and the version's schema.
 *
 * Rules (Graph docs, "Use query parameters": `$select`; user resource: "Returned only on $select"):
 * - with `$select`, exactly the selected properties come back; an unset one is `null`; a property
 *   the type does not have is a 400;
 * - without it, the type's default set (if it has one) or every stored property except the
 *   `selectOnly` ones; unset default properties come back as `null`;
 * - a property the request's version does not define never comes back;
 * - stored annotations (`@odata.type`) are kept; `includeType` adds `@odata.type` for mixed
 *   collections (members, directoryObjects);
 * - with `fillDefaults`, the entity is laid over the catalog's defaults for its type, so every
 *   property of the type comes back, set or not (Intune and policy objects, whose services do so).
 */
import { badRequest } from './errors.js';
import type { Entity } from '../state/store.js';
import type { GraphContext, GraphVersion } from './types.js';

export interface ProjectionSpec {
  /** Full type name without `#`, e.g. `microsoft.graph.user`. */
  readonly entityType: string;
  /** Properties returned when there is no `$select` (Graph's default set). */
  readonly defaultSelect?: readonly string[] | ((version: GraphVersion) => readonly string[]);
  /** Default sets per derived type, for mixed collections (users inside `members`). */
  readonly defaultSelectByType?: Readonly<Record<string, readonly string[]>>;
  /** Properties returned only when selected (e.g. `passwordPolicies`, `scriptContent`). */
  readonly selectOnly?: readonly string[];
  /** Add `@odata.type` to each entity (polymorphic collections). */
  readonly includeType?: boolean;
  /** Computed properties added at read time (e.g. from relationships). */
  readonly computed?: (ctx: GraphContext, entity: Entity) => Record<string, unknown>;
  /** Never returned (secrets kept on the entity). */
  readonly hidden?: readonly string[];
  /** Return every property of the type: unset ones get the catalog's default (false, [], null). */
  readonly fillDefaults?: boolean;
  /** Stored navigation properties the service returns inline although they are not structural (beta `includeTargets`). */
  readonly inline?: readonly string[];
}

/** The entity's own type: its stored `@odata.type`, or the spec's. */
export function typeOf(entity: Entity, fallback: string): string {
  const t = entity['@odata.type'];
  return typeof t === 'string' ? t.replace(/^#/, '') : fallback;
}

const ALWAYS_ALLOWED_SELECT = new Set(['id', '@odata.type']);

export function validateSelect(ctx: GraphContext, entityType: string, select: readonly string[]): void {
  if (entityType === 'microsoft.graph.directoryObject') return;
  const props = ctx.schema.properties(entityType);
  if (!props) return;
  for (const s of select) {
    if (s === '*' || ALWAYS_ALLOWED_SELECT.has(s) || props.has(s)) continue;
    throw badRequest(`Could not find a property named '${s}' on type '${entityType}'.`, 'BadRequest');
  }
}

export function project(ctx: GraphContext, entity: Entity, spec: ProjectionSpec, select: readonly string[] | undefined): Record<string, unknown> {
  const type = typeOf(entity, spec.entityType);
  const props = ctx.schema.properties(type);
  const fill = spec.fillDefaults ? ctx.schema.defaults(type) : undefined;
  const base = fill ? { ...fill, ...entity } : entity;
  const source = spec.computed ? { ...base, ...spec.computed(ctx, entity) } : base;
  const out: Record<string, unknown> = {};
  // Nested complex values trimmed to the version, where the catalog knows how.
  const served = ctx.schema.valueProjector(type);
  const value = served ? (key: string): unknown => served(key, source[key]) : (key: string): unknown => source[key];
  if (spec.includeType || entity['@odata.type'] !== undefined) out['@odata.type'] = `#${type}`;
  const hidden = spec.hidden;
  if (select && select.length > 0 && !select.includes('*')) {
    for (const key of select) {
      if (hidden?.includes(key)) continue;
      if (props && !props.has(key) && key !== 'id') continue;
      const v = value(key);
      out[key] = v === undefined ? null : v;
    }
    return out;
  }
  const defaults = spec.defaultSelectByType?.[type] ?? (typeof spec.defaultSelect === 'function' ? spec.defaultSelect(ctx.version) : spec.defaultSelect);
  if (defaults) {
    for (const key of defaults) {
      if (props && !props.has(key)) continue;
      const v = value(key);
      out[key] = v === undefined ? null : v;
    }
    return out;
  }
  const selectOnly = spec.selectOnly;
  for (const key of Object.keys(source)) {
    if (key === '@odata.type') continue;
    if (selectOnly?.includes(key) || hidden?.includes(key)) continue;
    if (props && !props.has(key) && !spec.inline?.includes(key)) continue;
    out[key] = value(key);
  }
  return out;
}

/** The `@odata.context` fragment for a projection: `users` or `users(displayName,id)`. */
export function contextFragment(base: string, select: readonly string[] | undefined): string {
  return select && select.length > 0 ? `${base}(${select.join(',')})` : base;
}
