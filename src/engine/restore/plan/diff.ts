/**
 * What differs between a snapshot document and the target's copy, per restore mode — shared by
 * the planner (what to show) and the applier (what to write, computed again against the target
 * just before writing, so a second apply finds nothing to do):
 * - properties: the snapshot's writable top-level properties whose value differs from the
 *   target's (`--properties` restricts the names); `merge` and `overwrite` both write them;
 * - relationships: entries (keyed by the writer) the target lacks are added; in `overwrite`,
 *   entries the snapshot lacks are removed; entries the writer cannot write, relationships the
 *   service computes (dynamic membership) and entries whose references cannot be mapped are
 *   never touched, and are reported.
 *
 * References are mapped before comparing: `mapDocument` rewrites a snapshot document through an
 * `IdMap` (ids of objects created by the restore, or another tenant's); references the map
 * cannot resolve are reported and their relationship entries dropped.
 *
 * Guarantees: pure functions; inputs are never modified.
 */
import { parseReferencePath, referencesOf, rewriteReferences, type IdMap, type Reference } from '../../../connectors/index.js';
import { entriesOf, isObject, samePropertyValue } from '../documents.js';
import type { RestoreMode } from '../model.js';
import type { JsonObject, TypeWriter } from '../writers/types.js';

export interface MappedDocument {
  readonly document: JsonObject;
  /** References with a different value in the target (rewritten). */
  readonly rewritten: readonly Reference[];
  /** References that cannot be mapped. */
  readonly unmapped: readonly Reference[];
}

/** The relationship a reference lies in, or undefined for a property reference. */
export function relationshipOf(writer: TypeWriter, ref: Reference): string | undefined {
  const first = parseReferencePath(ref.declaredPath)[0]!.name;
  return first in writer.relationships ? first : undefined;
}

/** Index of the relationship entry a concrete reference path points into (`members[3].id` → 3). */
function entryIndex(ref: Reference): number | undefined {
  const match = /^[^.[]+\[(\d+)\]/.exec(ref.path);
  return match ? Number(match[1]) : undefined;
}

/**
 * The document with its references mapped. An entry of a relationship with an unmapped reference
 * is dropped from the mapped document (it cannot be written); a property reference is left as it
 * was and reported in `unmapped`, for the caller to refuse the write.
 */
export function mapDocument(writer: TypeWriter, document: JsonObject, map: IdMap): MappedDocument {
  const result = rewriteReferences(writer.declaration, document, map);
  const mapped = result.document;
  const drop = new Map<string, Set<number>>();
  for (const ref of result.unmapped) {
    const relationship = relationshipOf(writer, ref);
    if (!relationship) continue;
    const index = entryIndex(ref);
    if (writer.relationships[relationship]?.kind === 'single') {
      mapped[relationship] = null;
    } else if (index !== undefined) {
      const set = drop.get(relationship) ?? new Set<number>();
      set.add(index);
      drop.set(relationship, set);
    }
  }
  for (const [relationship, indexes] of drop) {
    const list = mapped[relationship];
    if (Array.isArray(list)) mapped[relationship] = list.filter((_, i) => !indexes.has(i));
  }
  return { document: mapped, rewritten: result.rewritten, unmapped: result.unmapped };
}

/** A relationship entry that is only a link to an object: `{ @odata.type, id }`. */
export function isPlainLink(entry: JsonObject): boolean {
  return Object.keys(entry).every((k) => k === 'id' || k === '@odata.type');
}

/**
 * The references of a document that name one of these values (`key:value`, e.g. `id:…`,
 * `appId:…`), found without extracting every reference of long relationship lists: only entries
 * that mention a wanted value are looked into (a group with 100,000 members has one or two).
 * Reference paths are the document's own (`members[417].id`).
 */
export function referencesNaming(writer: TypeWriter, document: JsonObject, wanted: ReadonlySet<string>): Reference[] {
  const values = new Set([...wanted].map((k) => k.slice(k.indexOf(':') + 1)));
  const mentions = (entry: unknown): boolean => {
    if (!isObject(entry)) return false;
    if (typeof entry.id === 'string' && values.has(entry.id)) return true;
    if (isPlainLink(entry)) return false;
    const text = JSON.stringify(entry);
    for (const v of values) if (text.includes(v)) return true;
    return false;
  };
  const sparse: JsonObject = {};
  for (const [k, v] of Object.entries(document)) {
    // Entries that mention nothing wanted become null: they keep their index and yield no reference.
    sparse[k] = k in writer.relationships && Array.isArray(v) ? v.map((e) => (mentions(e) ? e : null)) : v;
  }
  return referencesOf(writer.declaration, sparse).filter((ref) => wanted.has(`${ref.key}:${ref.id}`));
}

export interface PropertyDiff {
  readonly name: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** Writable properties of the (mapped) snapshot document that differ from the target's. */
export function propertyDiffs(writer: TypeWriter, snapshot: JsonObject, target: JsonObject | undefined, names?: ReadonlySet<string>): PropertyDiff[] {
  const out: PropertyDiff[] = [];
  for (const [name, value] of Object.entries(snapshot)) {
    if (!writer.isWritable(name)) continue;
    if (names && !names.has(name)) continue;
    const current = target?.[name];
    if (target && samePropertyValue(value, current)) continue;
    out.push({ name, from: current, to: value });
  }
  return out;
}

export interface RelationshipDiff {
  readonly relationship: string;
  readonly add: readonly JsonObject[];
  readonly remove: readonly JsonObject[];
  /** Entries left alone because the writer cannot write them, with why. */
  readonly unsupported: readonly { readonly entry: JsonObject; readonly reason: string }[];
  /** Set when the service maintains the relationship itself: nothing is written. */
  readonly computed?: string;
}

/**
 * Adds and removes that make the target's relationships what the mode asks: the snapshot's entries
 * added (`merge`, `overwrite`), the target's extra ones removed (`overwrite`). Only relationships
 * the (mapped) snapshot document holds are compared, and only those in `names` when given.
 */
export function relationshipDiffs(writer: TypeWriter, snapshot: JsonObject, target: JsonObject | undefined, mode: RestoreMode, names?: ReadonlySet<string>): RelationshipDiff[] {
  const out: RelationshipDiff[] = [];
  for (const [relationship, spec] of Object.entries(writer.relationships)) {
    if (!(relationship in snapshot)) continue;
    if (names && !names.has(relationship)) continue;
    const computed = spec.computed?.(snapshot);
    if (computed) {
      out.push({ relationship, add: [], remove: [], unsupported: [], computed });
      continue;
    }
    const wanted = entriesOf(snapshot, relationship);
    const current = entriesOf(target, relationship);
    const currentKeys = new Set(current.map((e) => spec.key(e)));
    const wantedKeys = new Set(wanted.map((e) => spec.key(e)));
    const unsupported: Array<{ entry: JsonObject; reason: string }> = [];
    const add: JsonObject[] = [];
    for (const entry of wanted) {
      const reason = spec.unsupported?.(entry);
      if (reason) {
        if (!currentKeys.has(spec.key(entry))) unsupported.push({ entry, reason });
        continue;
      }
      if (!currentKeys.has(spec.key(entry))) add.push(entry);
    }
    const remove = mode === 'overwrite'
      ? current.filter((e) => !wantedKeys.has(spec.key(e)) && spec.unsupported?.(e) === undefined)
      : [];
    if (add.length > 0 || remove.length > 0 || unsupported.length > 0) out.push({ relationship, add, remove, unsupported });
  }
  return out;
}
