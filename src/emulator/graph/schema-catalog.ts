/**
 * Which properties an entity type has in each Graph version. The emulator uses it to project
 * entities per version (a v1.0 response never carries a beta-only property), to answer `$select`
 * of an unset property with `null`, to reject `$select` of a property the type does not have,
 * and to refuse unknown properties on writes.
 *
 * Catalogs are pluggable: modules contribute one (`GraphModule.catalog`); the first catalog that
 * knows a type answers. A type no catalog knows is served permissively (stored properties pass).
 */
import type { GraphVersion } from './types.js';

export interface PropertyCatalog {
  /** Structural property names of the type (with inherited ones), or undefined when unknown. */
  properties(version: GraphVersion, entityType: string): ReadonlySet<string> | undefined;
  /**
   * Default values of every property, for resources whose service returns all of them whether
   * set or not (Intune, policies); projections that ask for it (`fillDefaults`) lay the stored
   * entity over these. Optional: catalogs without it fill nothing.
   */
  defaults?(version: GraphVersion, entityType: string): Readonly<Record<string, unknown>> | undefined;
  /**
   * How the type's property values are served in a version (nested complex values trimmed to
   * what the version defines). Undefined: values are served as stored.
   */
  valueProjector?(version: GraphVersion, entityType: string): ((property: string, value: unknown) => unknown) | undefined;
  /** What a write must not carry inside the type's complex values: a message, or undefined when fine. */
  valueChecker?(version: GraphVersion, entityType: string): ((property: string, value: unknown) => string | undefined) | undefined;
}

/** A catalog from a table `{ type: { v1: [...], beta: [...] } }` keyed by short or full type name. */
export function tableCatalog(table: Readonly<Record<string, { readonly v1: readonly string[]; readonly beta: readonly string[] }>>): PropertyCatalog {
  const cache = new Map<string, ReadonlySet<string>>();
  return {
    properties(version, entityType) {
      const short = entityType.replace(/^#?microsoft\.graph\./, '');
      const key = `${version}:${short}`;
      let set = cache.get(key);
      if (!set) {
        const row = table[short];
        if (!row) return undefined;
        set = new Set(version === 'v1.0' ? row.v1 : row.beta);
        cache.set(key, set);
      }
      return set;
    },
  };
}

export function combineCatalogs(catalogs: readonly PropertyCatalog[]): PropertyCatalog {
  const owner = (version: GraphVersion, entityType: string): PropertyCatalog | undefined => catalogs.find((c) => c.properties(version, entityType) !== undefined);
  return {
    properties(version, entityType) {
      for (const c of catalogs) {
        const p = c.properties(version, entityType);
        if (p) return p;
      }
      return undefined;
    },
    // The catalog that answers `properties` for a type is the one whose other answers count.
    defaults(version, entityType) {
      return owner(version, entityType)?.defaults?.(version, entityType);
    },
    valueProjector(version, entityType) {
      return owner(version, entityType)?.valueProjector?.(version, entityType);
    },
    valueChecker(version, entityType) {
      return owner(version, entityType)?.valueChecker?.(version, entityType);
    },
  };
}
