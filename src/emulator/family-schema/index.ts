/**
 * The property catalog of the non-directory families (conditional access, policies, BitLocker,
 * audit, Intune), read from the generated table (`generated.ts`, made from the real schema by
 * `bench/emulator/gen-family-schema.ts`).
 *
 * Guarantees:
 * - `properties(version, type)` is the type's structural properties in that version, inherited
 *   ones included, or undefined when the table does not know the type in that version (a beta-only
 *   Intune type asked for on v1.0);
 * - `defaults(version, type)` gives every such property a default — `false` for booleans, `[]`
 *   for collections, `null` otherwise — because Intune and the policy services return every
 *   property of an object, set or not (docs examples of every `-get` page show the full set);
 *   the objects are frozen and shared, so callers must copy before changing them;
 * - `isA(version, type, base)` follows the version's base-type chain.
 * Not here: navigation properties, complex-type shapes or enum defaults (enums default to null,
 * where the service would name its first member).
 */
import type { GraphVersion } from '../graph/types.js';
import type { PropertyCatalog } from '../graph/schema-catalog.js';
import { FAMILY_SCHEMA } from './generated.js';

const shortName = (type: string): string => type.replace(/^#?microsoft\.graph\./, '');

interface Resolved {
  readonly properties: ReadonlySet<string>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly chain: readonly string[];
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
  for (const cur of [...chain].reverse()) {
    const row = FAMILY_SCHEMA[cur];
    const tokens = [row?.both, version === 'v1.0' ? row?.v1 : row?.beta].filter((s): s is string => typeof s === 'string').join(' ');
    for (const token of tokens.split(' ')) {
      if (token === '') continue;
      const mark = token.at(-1);
      const prop = mark === '!' || mark === '*' ? token.slice(0, -1) : token;
      if (prop in defaults) continue;
      defaults[prop] = mark === '!' ? false : mark === '*' ? EMPTY : null;
    }
  }
  const resolved: Resolved = { properties: new Set(Object.keys(defaults)), defaults: Object.freeze(defaults), chain };
  cache.set(key, resolved);
  return resolved;
}

export interface FamilyCatalog extends PropertyCatalog {
  defaults(version: GraphVersion, entityType: string): Readonly<Record<string, unknown>> | undefined;
  /** Whether the table knows the type in this version. */
  knows(version: GraphVersion, entityType: string): boolean;
  /** Whether `entityType` is `base` or derives from it in this version. */
  isA(version: GraphVersion, entityType: string, base: string): boolean;
}

export const familyCatalog: FamilyCatalog = {
  properties: (version, entityType) => resolve(version, entityType)?.properties,
  defaults: (version, entityType) => resolve(version, entityType)?.defaults,
  knows: (version, entityType) => resolve(version, entityType) !== undefined,
  isA: (version, entityType, base) => resolve(version, entityType)?.chain.includes(shortName(base)) ?? false,
};
