/**
 * The other side of a recreated object: every snapshot item that references it (memberships and
 * ownerships, app role assignments, grants, role assignments, manager links, administrative-unit
 * members, conditional-access conditions, Intune assignments …). A recreated object gets a new id,
 * so each of these must be repointed (DESIGN "Restore").
 *
 * Guarantees: only the types whose declarations can reference a recreated type are read (the
 * registry's dependency edges, `directoryObject` expanded, a distribution group counted as the
 * group it is); documents are streamed from the
 * repository one at a time; results come per referencing item with exactly the references that
 * name a recreated object (by id, or by another key such as an application's appId).
 */
import { dependencyEdges, findResource, referencesOf, type Reference } from '../../../connectors/index.js';
import type { Repository, SnapshotInfo } from '../../../repository/index.js';
import { isObject } from '../documents.js';
import type { JsonObject } from '../writers/types.js';

export interface Recreated {
  /** Types of the recreated objects. */
  readonly types: ReadonlySet<string>;
  /** Their ids in the snapshot. */
  readonly ids: ReadonlySet<string>;
  /** Other keys they are referenced by, as `key:value` (`appId:…`). */
  readonly keys: ReadonlySet<string>;
}

export function refersToRecreated(ref: Reference, recreated: Recreated): boolean {
  return ref.key === 'id' ? recreated.ids.has(ref.id) : recreated.keys.has(`${ref.key}:${ref.id}`);
}

export interface Referrer {
  readonly type: string;
  readonly id: string;
  readonly document: JsonObject;
  readonly references: readonly Reference[];
}

/**
 * Types whose objects are also directory objects of another type, under the same id. A
 * distribution group's id is its Entra group's object id (`ExternalDirectoryObjectId`), so
 * every reference the registry declares to a `group` or a `directoryObject` — conditional-access
 * conditions, Intune assignments, app role assignments, another distribution group's members —
 * may name it, and a recreated one must be repointed there too.
 */
const ALSO_REFERENCED_AS: Readonly<Record<string, string>> = { distributionGroup: 'group' };

/** The type names references to an object of this type may use: its own, and the directory type it also is. */
export function referencedAs(type: string): string[] {
  const also = ALSO_REFERENCED_AS[type];
  return also ? [type, also] : [type];
}

/** Snapshot types that may reference one of the recreated types. */
export function referringTypes(snapshotTypes: readonly string[], recreated: Recreated): string[] {
  const targets = new Set([...recreated.types].flatMap(referencedAs));
  return snapshotTypes.filter((type) => {
    const declaration = findResource(type);
    return declaration !== undefined && dependencyEdges(declaration).some((edge) => targets.has(edge.to) && edge.via !== 'dependsOn' && edge.via !== 'parent');
  });
}

export async function* findReferrers(
  repo: Repository, snapshot: SnapshotInfo, recreated: Recreated, options: { signal?: AbortSignal; skip?: (type: string, id: string) => boolean } = {},
): AsyncGenerator<Referrer> {
  if (recreated.ids.size === 0) return;
  const types = referringTypes(Object.keys(await repo.types(snapshot, { signal: options.signal })), recreated);
  for (const type of types) {
    for await (const entry of repo.entries(snapshot, { type, signal: options.signal })) {
      if (options.skip?.(type, entry.id)) continue;
      const document = await repo.readDocument(entry, { signal: options.signal });
      if (!isObject(document)) continue;
      const references = referencesOf(type, document).filter((ref) => refersToRecreated(ref, recreated));
      if (references.length > 0) yield { type, id: entry.id, document, references };
    }
  }
}
