/**
 * Small pure helpers on item documents that the planner, the applier and the writers share:
 * which keys are never written (facts §6.3 "Always strip"), value equality that ignores object
 * key order, entry keys, and the canonical fingerprint a plan records for every live object it read.
 *
 * Guarantees: pure functions; inputs are never modified.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../repository/canonical.js';
import type { JsonObject } from './writers/types.js';

/** Server-managed on every type: ids and timestamps (facts §6.3, "Always strip"). */
export const ALWAYS_SERVER_MANAGED: ReadonlySet<string> = new Set([
  'id', 'createdDateTime', 'lastModifiedDateTime', 'modifiedDateTime', 'deletedDateTime', 'renewedDateTime',
]);

/** OData annotations other than `@odata.type`, which polymorphic payloads need (facts §6.3). */
export function isAnnotation(key: string): boolean {
  return key !== '@odata.type' && key.includes('@');
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values; object key order does not matter, array order does. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameValue(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameValue(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/**
 * Equality for a property restore compares: arrays of scalars are sets (Graph does not promise the
 * order of `groupTypes`, `businessPhones`, `identifierUris`), everything else as `sameValue`.
 */
export function samePropertyValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b) && a.every(isScalar) && b.every(isScalar)) {
    if (a.length !== b.length) return false;
    const left = [...a].map(String).sort();
    const right = [...b].map(String).sort();
    return left.every((v, i) => v === right[i]);
  }
  return sameValue(a, b);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/** A stable hash of a JSON value (canonical JSON), for plan fingerprints and entry keys. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value ?? null)).digest('hex').slice(0, 32);
}

/** The value without keys that describe the response or the server's bookkeeping (at every depth). */
export function withoutServerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutServerKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (isAnnotation(key) || ALWAYS_SERVER_MANAGED.has(key)) continue;
    out[key] = withoutServerKeys(v);
  }
  return out;
}

/** The id of a relationship entry `{ "@odata.type", "id" }`. */
export function entryId(entry: unknown): string | undefined {
  return isObject(entry) && typeof entry.id === 'string' ? entry.id : undefined;
}

/** Relationship entries of a document as a list (a single-valued one as zero or one entry). */
export function entriesOf(document: JsonObject | undefined, name: string): JsonObject[] {
  const value = document?.[name];
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** `#microsoft.graph.user` → `user`. */
export function odataTypeName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const last = value.slice(value.lastIndexOf('.') + 1).replace(/^#/, '');
  return last.length === 0 ? undefined : last[0]!.toLowerCase() + last.slice(1);
}
