/**
 * Intune's replace-all lists — assignments (`/assign`), a compliance policy's scheduled actions
 * (`scheduleActionsForRules`) and a managed-app policy's targeted apps (`targetApps`): each is
 * written as a whole set, never entry by entry (facts §7 "Assign semantics": an assign call
 * replaces the full set; duplicate targets are dropped silently).
 *
 * So a relink of such a list computes the set to send from the live list and the change:
 * - the live entries, minus those removed (overwrite mode), minus those the change replaces —
 *   an added entry replaces a live one for the same target (same group, same rule, same app),
 *   which is how a changed assignment setting or grace period is restored without a duplicate;
 * - plus the added entries.
 * Hence `merge` = the union of live and snapshot, `overwrite` = the snapshot's set.
 *
 * Entries are told apart by their content without the server's bookkeeping — ids (an assignment
 * id is `{policyId}_{groupId}`, so it changes with a recreated policy or group), `source` and
 * `sourceId` (the policy's own id) — and without null values, so an entry read back compares
 * equal to the one written.
 *
 * Guarantees: pure functions; inputs are never modified.
 */
import { fingerprint, isObject, withoutServerKeys } from '../../documents.js';
import type { JsonObject, RelationshipChange } from '../types.js';

/** Bookkeeping Intune sets on assignments: the policy the assignment came from. */
const ASSIGNMENT_BOOKKEEPING = new Set(['source', 'sourceId']);

/** The value without nulls (at every depth) and without the `none` filter type Intune fills in. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (key === 'deviceAndAppManagementAssignmentFilterType' && v === 'none') continue;
    out[key] = withoutNulls(v);
  }
  return out;
}

/** An assignment (or scheduled action, or targeted app) as sent: no ids, no bookkeeping. */
export function writableEntry(entry: JsonObject): JsonObject {
  const body = withoutServerKeys(entry) as JsonObject;
  for (const key of ASSIGNMENT_BOOKKEEPING) delete body[key];
  return body;
}

/** Identity of an entry: its content without bookkeeping and nulls. */
export function entryKey(entry: JsonObject): string {
  return fingerprint(withoutNulls(writableEntry(entry)));
}

/** What an assignment targets: the target kind and group (all users / all devices have none). */
export function assignmentTarget(entry: JsonObject): string {
  const target = isObject(entry.target) ? entry.target : {};
  const kind = String(target['@odata.type'] ?? '').replace(/^#/, '').toLowerCase();
  return `${kind}|${String(target.groupId ?? target.collectionId ?? '')}`;
}

/** The group an assignment targets, if any. */
export function assignmentGroup(entry: JsonObject): string | undefined {
  const target = isObject(entry.target) ? entry.target : undefined;
  return typeof target?.groupId === 'string' ? target.groupId : undefined;
}

/**
 * The whole list to send: live entries not removed and not replaced by an added one for the same
 * target, then the added entries (deduplicated by target, the first one winning).
 */
export function replacedSet(
  live: readonly JsonObject[], change: RelationshipChange, key: (entry: JsonObject) => string, target: (entry: JsonObject) => string,
): JsonObject[] {
  const removed = new Set(change.remove.map(key));
  const replaced = new Set(change.add.map(target));
  const kept = live.filter((e) => !removed.has(key(e)) && !replaced.has(target(e)));
  const out = [...kept];
  const seen = new Set(kept.map(target));
  for (const entry of change.add) {
    if (seen.has(target(entry))) continue;
    seen.add(target(entry));
    out.push(entry);
  }
  return out;
}
