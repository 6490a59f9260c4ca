/**
 * Which top-level properties of an item's document differ between two versions — the unit every
 * browse answer (`diff`, `diff --live`, `history`) reports changes in.
 *
 * Guarantees: a property is reported when its canonical JSON (repository/canonical.ts: keys
 * sorted, `undefined` members dropped) differs on the two sides, so key order and absent-versus-
 * undefined never count as changes; a change anywhere inside a property (for example
 * `conditions.users.includeGroups`) reports the top-level name (`conditions`), and embedded
 * sub-resources (`members`, `owners`, `assignments`) are reported under their key. Names come
 * back sorted. Two documents with equal canonical JSON give an empty list.
 * Not guaranteed: array order is significant (canonical JSON keeps it); a source that returns a
 * set in varying order must normalise it before storing.
 */
import { canonicalJson } from '../../repository/canonical.js';

/** Reported when a document as a whole is not a JSON object (never the case for Graph items). */
export const WHOLE_DOCUMENT = '(document)';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function canonicalOrUndefined(value: unknown): string | undefined {
  // canonicalJson throws for a bare undefined; an absent member and an undefined one are the same.
  return value === undefined ? undefined : canonicalJson(value);
}

/** Top-level property names whose values differ between `before` and `after`, sorted. */
export function changedProperties(before: unknown, after: unknown): string[] {
  if (!isRecord(before) || !isRecord(after)) {
    return canonicalOrUndefined(before) === canonicalOrUndefined(after) ? [] : [WHOLE_DOCUMENT];
  }
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed: string[] = [];
  for (const name of names) {
    if (canonicalOrUndefined(before[name]) !== canonicalOrUndefined(after[name])) changed.push(name);
  }
  return changed.sort();
}

/** Names of binary streams whose chunk lists differ (streams are sub-resources kept beside the document). */
export function changedStreams(
  before: Readonly<Record<string, readonly { readonly id: string }[]>> | undefined,
  after: Readonly<Record<string, readonly { readonly id: string }[]>> | undefined,
): string[] {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changed: string[] = [];
  for (const name of names) {
    const a = before?.[name]?.map((c) => c.id).join(',');
    const b = after?.[name]?.map((c) => c.id).join(',');
    if (a !== b) changed.push(name);
  }
  return changed.sort();
}
