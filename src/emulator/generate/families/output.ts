/**
 * What each family generator returns: entities per store name and child collections per
 * parent ID (assignments, settings, scheduled actions, partners, localizations). `index.ts`
 * merges the parts into the `FamilyData` the emulator loads.
 */
import type { GraphEntity, JsonObject } from './util.js';

export interface FamilyPart {
  stores: Record<string, Iterable<GraphEntity>>;
  /** Child store name (e.g. `deviceConfigurations/assignments`) → parent ID → items. */
  children?: Record<string, Map<string, JsonObject[]>>;
}

/** Appends `items` under `parentId` in the child collection `name`. */
export function addChild(part: FamilyPart, name: string, parentId: string, items: JsonObject[]): void {
  const children = (part.children ??= {});
  const byParent = (children[name] ??= new Map());
  byParent.set(parentId, [...(byParent.get(parentId) ?? []), ...items]);
}
