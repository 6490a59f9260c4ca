/**
 * How a Graph (or Exchange) object becomes an item's document (issue #4 contract): the JSON as
 * the service returned it with `$select`/`$expand`, minus the response annotations that describe
 * the response rather than the object (`@odata.context`, `*@odata.context`, `*@odata.nextLink`,
 * `@odata.deltaLink`, `@removed`), keeping `@odata.type` (polymorphic Intune, named locations and
 * IdP payloads need it to be written back, facts §6.3). Sub-resources are embedded under the
 * declared names (`members`, `owners`, `assignments`, `settings`, …), where the registry's
 * reference paths look for them.
 *
 * Also here: the item's id (`idProperty` or `id`), its display name for search, the listing hash
 * that tells an unchanged listed item from a changed one, and folding a partial delta object
 * onto the previous document (facts §3.2: updates carry `id` and at least the changed properties;
 * `members@delta` carries additions and `@removed` removals, facts §3.3).
 *
 * Guarantees: pure functions; inputs are never modified.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../repository/canonical.js';
import type { ResourceDeclaration, SubResourceSpec } from '../../connectors/index.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DROPPED_SUFFIXES = ['@odata.context', '@odata.nextLink', '@odata.deltaLink', '@odata.count'];

function dropped(key: string): boolean {
  return key === '@removed' || DROPPED_SUFFIXES.some((suffix) => key.endsWith(suffix));
}

/** The object without response annotations, at every depth. */
export function cleanDocument<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cleanDocument(v)) as T;
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (dropped(key)) continue;
    out[key] = cleanDocument(v);
  }
  return out as T;
}

/** The item's Graph id: `idProperty` (partner configurations key on `tenantId`, Exchange on `ExternalDirectoryObjectId`) or `id`. */
export function itemId(declaration: ResourceDeclaration, document: JsonObject): string | undefined {
  const value = document[declaration.idProperty ?? 'id'];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

const NAME_PROPERTIES = ['displayName', 'DisplayName', 'userPrincipalName', 'name', 'Name', 'PrimarySmtpAddress', 'activityDisplayName', 'deviceName', 'id'];

/** What `find` searches: the display name, or the next best human label. */
export function itemName(document: JsonObject): string | undefined {
  for (const key of NAME_PROPERTIES) {
    const value = document[key];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/** A short hash of a listed object (before sub-resources are added): equal listings, equal hashes. */
export function listingHash(document: JsonObject): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex').slice(0, 32);
}

/** The relationship sub-resources a delta query carries as `{name}@delta`. */
export function deltaRelationships(declaration: ResourceDeclaration): SubResourceSpec[] {
  return declaration.subResources.filter((sub) => sub.read === 'delta' && sub.kind === 'collection');
}

function entryId(entry: unknown): string | undefined {
  return isObject(entry) && typeof entry.id === 'string' ? entry.id : undefined;
}

/** A relationship entry as stored: `{ @odata.type, id }` without annotations. */
function relationshipEntry(entry: JsonObject): JsonObject {
  const out = cleanDocument(entry);
  return out;
}

/**
 * Applies `{name}@delta` changes to a relationship list: entries with `@removed` leave, others
 * join (replacing an entry with the same id). Order: the previous order, additions appended.
 */
export function applyRelationshipDelta(previous: readonly unknown[] | undefined, changes: readonly unknown[]): JsonObject[] {
  const byId = new Map<string, JsonObject>();
  for (const entry of previous ?? []) {
    const id = entryId(entry);
    if (id !== undefined && isObject(entry)) byId.set(id, entry);
  }
  for (const change of changes) {
    const id = entryId(change);
    if (id === undefined || !isObject(change)) continue;
    if (change['@removed'] !== undefined) byId.delete(id);
    else byId.set(id, relationshipEntry(change));
  }
  return [...byId.values()];
}

/**
 * The document after a delta event. With no previous document (a new object, or a full round),
 * the event is the whole object and each `{name}@delta` is the full relationship list. With one,
 * the event's properties replace the previous ones and `{name}@delta` changes are applied to the
 * previous lists; lists the event does not mention stay as they were.
 */
export function foldDeltaObject(declaration: ResourceDeclaration, previous: JsonObject | undefined, event: JsonObject): JsonObject {
  const relationships = deltaRelationships(declaration).map((sub) => sub.name);
  const base: JsonObject = previous ? { ...previous } : {};
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('@delta')) continue;
    if (dropped(key)) continue;
    base[key] = cleanDocument(value);
  }
  for (const name of relationships) {
    const changes = event[`${name}@delta`];
    if (Array.isArray(changes)) base[name] = applyRelationshipDelta(previous ? (base[name] as unknown[] | undefined) : undefined, changes);
    else if (!previous) base[name] = [];
  }
  return base;
}
