/**
 * The plain-JSON form of a Graph schema that the loaders produce and the cache stores. It is
 * deliberately small: per type its kind, base type, flags and own property names with their
 * declared types (fully qualified, aliases resolved). Inheritance is resolved later, by
 * `GraphSchema`, so the stored form stays one entry per declared type.
 *
 * For beta only property names are known (the shared folder carries no beta CSDL), so beta
 * property types are the empty string, meaning "unknown — do not recurse".
 */

export type TypeKind = 'entity' | 'complex' | 'enum';

export interface SchemaTypeDef {
  kind: TypeKind;
  /** Fully qualified base type, e.g. `microsoft.graph.entity`. */
  baseType?: string;
  abstract?: boolean;
  /** OpenType: instances may carry properties the schema does not declare. */
  open?: boolean;
  /** Own (not inherited) structural properties: name → type reference (`Edm.String`, `Collection(microsoft.graph.x)`, or '' when unknown). */
  properties: Record<string, string>;
  /** Own navigation properties: name → type reference. */
  navigation: Record<string, string>;
  /** Enum members, for enum types. */
  members?: string[];
  /** Enum flags (members may be combined with commas). */
  flags?: boolean;
}

export interface SchemaModel {
  /** Format of this object; bump MODEL_FORMAT when the shape or a parser changes, so stale disk caches are ignored. */
  format: number;
  version: 'v1.0' | 'beta';
  /** Fully qualified name → definition. */
  types: Record<string, SchemaTypeDef>;
  /** Entity sets and singletons of the container: name → fully qualified entity type. */
  entitySets: Record<string, string>;
  singletons: Record<string, string>;
}

export const MODEL_FORMAT = 5;

/** `Collection(x)` → `{ type: x, collection: true }`. */
export function parseTypeRef(ref: string): { type: string; collection: boolean } {
  const m = /^Collection\((.+)\)$/.exec(ref);
  return m ? { type: m[1] as string, collection: true } : { type: ref, collection: false };
}
