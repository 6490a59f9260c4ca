/**
 * Which items of a snapshot a restore is about. Selectors (issue #5) use the backup contract's
 * type names and ids:
 * - `TYPE` — every item of the type;
 * - `TYPE/ID` — one item;
 * - `TYPE:property=value` — items whose top-level property equals the value (case-insensitive),
 *   e.g. `group:displayName=Sales`;
 * - `--changed-since OTHER` — items that differ between the snapshot and OTHER (changed, or
 *   present only in the snapshot); combined with selectors, both must hold.
 * No selector and no `--changed-since` choose every item of the snapshot.
 *
 * Guarantees: an unknown type or a malformed selector is USAGE; a `TYPE/ID` the snapshot lacks
 * is ITEM_NOT_FOUND; items come once each, in snapshot order by type. Documents are read from
 * the repository only when a property selector needs them.
 */
import { getResource } from '../../../connectors/index.js';
import { TenantVaultError } from '../../../errors/index.js';
import type { Repository, SnapshotInfo } from '../../../repository/index.js';
import { isObject } from '../documents.js';

export type Selector =
  | { readonly kind: 'type'; readonly type: string }
  | { readonly kind: 'item'; readonly type: string; readonly id: string }
  | { readonly kind: 'property'; readonly type: string; readonly property: string; readonly value: string };

export function parseSelector(text: string): Selector {
  const fail = (why: string): never => {
    throw new TenantVaultError('USAGE', `Bad selector ${JSON.stringify(text)}: ${why}`, {
      hint: 'Selectors are TYPE, TYPE/ID or TYPE:property=value, e.g. user, group/8f1c…, group:displayName=Sales.',
    });
  };
  const colon = text.indexOf(':');
  const slash = text.indexOf('/');
  if (colon > 0 && (slash === -1 || colon < slash)) {
    const type = getResource(text.slice(0, colon)).name;
    const rest = text.slice(colon + 1);
    const eq = rest.indexOf('=');
    if (eq <= 0) fail('expected property=value after the colon');
    return { kind: 'property', type, property: rest.slice(0, eq), value: rest.slice(eq + 1) };
  }
  if (slash > 0) {
    const id = text.slice(slash + 1);
    if (id.length === 0) fail('the id after / is empty');
    return { kind: 'item', type: getResource(text.slice(0, slash)).name, id };
  }
  if (text.length === 0) fail('it is empty');
  return { kind: 'type', type: getResource(text).name };
}

export interface ChosenKey {
  readonly type: string;
  readonly id: string;
}

function matches(selector: Extract<Selector, { kind: 'property' }>, document: unknown): boolean {
  if (!isObject(document)) return false;
  const value = document[selector.property];
  if (value === undefined || value === null) return false;
  return String(value).toLowerCase() === selector.value.toLowerCase();
}

/** The chosen items (type and id), resolved against the snapshot. */
export async function resolveSelection(
  repo: Repository, snapshot: SnapshotInfo, selectors: readonly Selector[], changedSince: SnapshotInfo | undefined, options: { signal?: AbortSignal } = {},
): Promise<ChosenKey[]> {
  const { signal } = options;
  const changed = changedSince ? new Set<string>() : undefined;
  if (changedSince && changed) {
    for await (const change of repo.diff(changedSince, snapshot, { signal })) {
      // Present in the snapshot and different (or absent) in the other one.
      if (change.kind !== 'removed') changed.add(`${change.type}/${change.id}`);
    }
  }
  const keep = (type: string, id: string): boolean => !changed || changed.has(`${type}/${id}`);
  const out = new Map<string, ChosenKey>();
  const add = (type: string, id: string): void => {
    if (keep(type, id) && !out.has(`${type}/${id}`)) out.set(`${type}/${id}`, { type, id });
  };
  if (selectors.length === 0) {
    for await (const entry of repo.entries(snapshot, { signal })) add(entry.type, entry.id);
    return [...out.values()];
  }
  for (const selector of selectors) {
    switch (selector.kind) {
      case 'item': {
        const found = await repo.readItem(snapshot, selector.type, selector.id, { signal });
        if (!found) {
          throw new TenantVaultError('ITEM_NOT_FOUND', `Snapshot ${snapshot.id.slice(0, 8)} has no ${selector.type}/${selector.id}`, {
            hint: `List its items with \`tenant-vault ls ${snapshot.id.slice(0, 8)} ${selector.type}\`.`,
          });
        }
        add(selector.type, selector.id);
        break;
      }
      case 'type':
        for await (const entry of repo.entries(snapshot, { type: selector.type, signal })) add(entry.type, entry.id);
        break;
      case 'property':
        for await (const entry of repo.entries(snapshot, { type: selector.type, signal })) {
          if (!keep(entry.type, entry.id)) continue;
          if (matches(selector, await repo.readDocument(entry, { signal }))) add(entry.type, entry.id);
        }
        break;
    }
  }
  return [...out.values()];
}
