/**
 * The property catalog of the non-directory families (conditional access, policies, BitLocker,
 * audit, Intune), read from the generated table (`generated.ts`, made from the real schema by
 * `bench/emulator/gen-family-schema.ts`): their entity types and the complex types nested in them.
 *
 * Guarantees:
 * - `properties(version, type)` is the type's structural properties in that version, inherited
 *   ones included, or undefined when the table does not know the type in that version (a beta-only
 *   Intune type asked for on v1.0);
 * - `defaults(version, type)` gives every such property a default — `false` for booleans, `[]`
 *   for collections, `null` otherwise — because Intune and the policy services return every
 *   property of an object, set or not (docs examples of every `-get` page show the full set);
 *   the objects are frozen and shared, so callers must copy before changing them;
 * - `valueProjector` returns, for one stored entity, how each property value is served in a
 *   version: complex values keep only what their (derived) type defines in that version, as
 *   `GraphSchema.project` does, so one stored object serves v1.0 and beta, and carry every
 *   property of that type (unset ones with their defaults), as Graph serializes them;
 * - `valueChecker` finds what Graph's deserializer refuses in a written complex value: a property
 *   its type does not define in the version, an `@odata.type` that is not a derived type, an
 *   abstract type, a scalar where an object belongs;
 * - `isA(version, type, base)` follows the version's base-type chain; `navigation` lists the
 *   type's navigation properties (name, target type, collection or single) in that version.
 * Not here: whether a navigation is contained, primitive value kinds, or enum defaults (enums
 * default to null, where the service would name its first member).
 */
import type { GraphVersion } from '../graph/types.js';
import type { PropertyCatalog } from '../graph/schema-catalog.js';
import { FAMILY_SCHEMA } from './generated.js';

const shortName = (type: string): string => type.replace(/^#?microsoft\.graph\./, '');

/** A navigation property: where related entities of a family object live (`{id}/assignments`). */
export interface FamilyNavigation {
  readonly name: string;
  /** Short entity type name of the targets. */
  readonly type: string;
  readonly collection: boolean;
}

interface PropertyInfo {
  /** Short name of the complex type of its values, if complex. */
  readonly complex?: string;
  readonly collection: boolean;
}

interface Resolved {
  readonly name: string;
  readonly properties: ReadonlySet<string>;
  readonly info: ReadonlyMap<string, PropertyInfo>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly chain: readonly string[];
  readonly navigation: ReadonlyMap<string, FamilyNavigation>;
  readonly abstract: boolean;
  readonly open: boolean;
}

const EMPTY: readonly unknown[] = Object.freeze([]);
const cache = new Map<string, Resolved | null>();

function baseOf(version: GraphVersion, name: string): string | undefined {
  const row = FAMILY_SCHEMA[name];
  if (!row) return undefined;
  if (version === 'beta' && row.betaBase !== undefined) return row.betaBase === '' ? undefined : row.betaBase;
  return row.base;
}

function inVersion(version: GraphVersion, name: string): boolean {
  const row = FAMILY_SCHEMA[name];
  return row !== undefined && (row.only === undefined || row.only === version);
}

const TOKEN = /^(\w+)(?::(\w+))?([*!]?)$/;

function resolve(version: GraphVersion, type: string): Resolved | undefined {
  const name = shortName(type);
  const key = `${version}:${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  if (!inVersion(version, name)) {
    cache.set(key, null);
    return undefined;
  }
  const chain: string[] = [];
  for (let cur: string | undefined = name; cur && !chain.includes(cur) && inVersion(version, cur); cur = baseOf(version, cur)) chain.push(cur);
  // Base types first, so `id` and the shared properties lead, as in Graph's responses.
  const defaults: Record<string, unknown> = {};
  const info = new Map<string, PropertyInfo>();
  let open = false;
  for (const cur of [...chain].reverse()) {
    const row = FAMILY_SCHEMA[cur];
    if (row?.open) open = true;
    const tokens = [row?.both, version === 'v1.0' ? row?.v1 : row?.beta].filter((s): s is string => typeof s === 'string').join(' ');
    for (const token of tokens.split(' ')) {
      const m = TOKEN.exec(token);
      if (!m) continue;
      const prop = m[1] as string;
      if (prop in defaults) continue;
      defaults[prop] = m[3] === '!' ? false : m[3] === '*' ? EMPTY : null;
      info.set(prop, { ...(m[2] ? { complex: m[2] } : {}), collection: m[3] === '*' });
    }
  }
  const navigation = new Map<string, FamilyNavigation>();
  for (const cur of chain) {
    for (const token of (FAMILY_SCHEMA[cur]?.nav ?? '').split(' ')) {
      const m = /^(\w+):(\w+)(\*?)(\^?)$/.exec(token);
      if (!m || navigation.has(m[1] as string) || (m[4] === '^' && version !== 'beta')) continue;
      navigation.set(m[1] as string, { name: m[1] as string, type: m[2] as string, collection: m[3] === '*' });
    }
  }
  const resolved: Resolved = {
    name,
    properties: new Set(Object.keys(defaults)),
    info,
    defaults: Object.freeze(defaults),
    chain,
    navigation,
    abstract: FAMILY_SCHEMA[name]?.abstract === true,
    open,
  };
  cache.set(key, resolved);
  return resolved;
}

/** The type a complex value is of: its own `@odata.type` when that derives from the declared type. */
function effectiveType(version: GraphVersion, declared: string, value: Record<string, unknown>): Resolved | string {
  const claimed = value['@odata.type'];
  if (typeof claimed !== 'string') return resolve(version, declared) ?? `type ${declared} is not defined in ${version}`;
  const own = resolve(version, claimed);
  if (!own || !own.chain.includes(declared)) return `The type '${claimed.replace(/^#/, '')}' is not a type derived from 'microsoft.graph.${declared}'.`;
  return own;
}

function projectComplex(version: GraphVersion, declared: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => projectComplex(version, declared, v)).filter((v) => v !== undefined);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const type = effectiveType(version, declared, record);
  // A value of a type the version does not have is left out (as GraphSchema.project does).
  if (typeof type === 'string') return typeof record['@odata.type'] === 'string' ? undefined : value;
  // Graph serializes every property of a complex value; unset ones get their defaults.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (k.startsWith('@')) out[k] = v;
  for (const [k, fallback] of Object.entries(type.defaults)) {
    if (!(k in record)) {
      out[k] = fallback;
      continue;
    }
    const complex = type.info.get(k)?.complex;
    out[k] = complex ? projectComplex(version, complex, record[k]) : record[k];
  }
  if (type.open) for (const [k, v] of Object.entries(record)) if (!k.startsWith('@') && !type.info.has(k)) out[k] = v;
  return out;
}

function checkComplex(version: GraphVersion, declared: string, value: unknown, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const problem = checkComplex(version, declared, v, path);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value !== 'object') return `The value of '${path}' must be an object of type 'microsoft.graph.${declared}'.`;
  const record = value as Record<string, unknown>;
  const type = effectiveType(version, declared, record);
  if (typeof type === 'string') return type;
  if (type.abstract) return `The type 'microsoft.graph.${type.name}' of '${path}' is abstract; name a derived type in '@odata.type'.`;
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith('@')) continue;
    const info = type.info.get(k);
    if (!info) {
      if (type.open) continue;
      return `The property '${k}' does not exist on type 'microsoft.graph.${type.name}'. Make sure to only use property names that are defined by the type or mark the type as open type.`;
    }
    if (info.complex) {
      const problem = checkComplex(version, info.complex, v, `${path}.${k}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

export interface FamilyCatalog extends PropertyCatalog {
  defaults(version: GraphVersion, entityType: string): Readonly<Record<string, unknown>> | undefined;
  valueProjector(version: GraphVersion, entityType: string): ((property: string, value: unknown) => unknown) | undefined;
  valueChecker(version: GraphVersion, entityType: string): ((property: string, value: unknown) => string | undefined) | undefined;
  /**
   * What Graph's deserializer refuses in one value of `type` (complex or entity, e.g. the items of
   * an expanded navigation written inline); `path` names the value in the message.
   */
  checkValue(version: GraphVersion, type: string, value: unknown, path: string): string | undefined;
  /** Whether the table knows the type in this version. */
  knows(version: GraphVersion, entityType: string): boolean;
  /** Whether `entityType` is `base` or derives from it in this version. */
  isA(version: GraphVersion, entityType: string, base: string): boolean;
  /** Navigation properties of the type (inherited ones included) in this version. */
  navigation(version: GraphVersion, entityType: string): readonly FamilyNavigation[];
  /** Abstract (in v1.0's CSDL): values need a derived `@odata.type`. */
  isAbstract(version: GraphVersion, entityType: string): boolean;
}

export const familyCatalog: FamilyCatalog = {
  properties: (version, entityType) => resolve(version, entityType)?.properties,
  defaults: (version, entityType) => resolve(version, entityType)?.defaults,
  valueProjector: (version, entityType) => {
    const type = resolve(version, entityType);
    if (!type) return undefined;
    return (property, value) => {
      const complex = type.info.get(property)?.complex;
      return complex && value !== null && typeof value === 'object' ? projectComplex(version, complex, value) : value;
    };
  },
  valueChecker: (version, entityType) => {
    const type = resolve(version, entityType);
    if (!type) return undefined;
    return (property, value) => {
      const complex = type.info.get(property)?.complex;
      return complex ? checkComplex(version, complex, value, property) : undefined;
    };
  },
  checkValue: (version, type, value, path) => checkComplex(version, shortName(type), value, path),
  knows: (version, entityType) => resolve(version, entityType) !== undefined,
  isA: (version, entityType, base) => resolve(version, entityType)?.chain.includes(shortName(base)) ?? false,
  navigation: (version, entityType) => [...(resolve(version, entityType)?.navigation.values() ?? [])],
  isAbstract: (version, entityType) => resolve(version, entityType)?.abstract ?? false,
};
