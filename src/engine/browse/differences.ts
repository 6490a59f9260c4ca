/**
 * The shape every browse diff produces (`ItemDifference`), and the report the CLI prints with
 * `--json` — the contract of issue 4:
 * `{"added": [{"type", "id"}], "removed": [{"type", "id"}], "changed": [{"type", "id", "properties": [NAME, …]}]}`.
 *
 * Guarantees: `collectDifferences` orders by type, then kind (added, changed, removed), then
 * name and ID, so answers are deterministic whatever order the source produced; `toDiffReport`
 * keeps exactly the contract's members, sorted by type and ID.
 * `isLogType` names the append-only logs (the directory audit log): their growth is recorded in
 * every snapshot but is not a change of the tenant, so the CLI reports it apart.
 * Not guaranteed: bounded memory — the collected list grows with the number of *changes* (a few
 * dozen bytes each), never with the number of items.
 */
import { findResource } from '../../connectors/resources/index.js';

export type DifferenceKind = 'added' | 'removed' | 'changed';

export interface ItemDifference {
  readonly type: string;
  readonly id: string;
  readonly kind: DifferenceKind;
  /** Display name: the newer side's, else the older side's. */
  readonly name?: string;
  /** For `changed`: the top-level property (or stream) names that differ, sorted, never empty. */
  readonly properties?: readonly string[];
}

export interface DiffReport {
  readonly added: { type: string; id: string }[];
  readonly removed: { type: string; id: string }[];
  readonly changed: { type: string; id: string; properties: string[] }[];
}

const KIND_ORDER: Record<DifferenceKind, number> = { added: 0, changed: 1, removed: 2 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDifferences(a: ItemDifference, b: ItemDifference): number {
  return (
    compareText(a.type, b.type) ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compareText((a.name ?? '').toLowerCase(), (b.name ?? '').toLowerCase()) ||
    compareText(a.id, b.id)
  );
}

export async function collectDifferences(source: AsyncIterable<ItemDifference>): Promise<ItemDifference[]> {
  const all: ItemDifference[] = [];
  for await (const d of source) all.push(d);
  return all.sort(compareDifferences);
}

export function toDiffReport(differences: Iterable<ItemDifference>): DiffReport {
  const report: DiffReport = { added: [], removed: [], changed: [] };
  const byTypeAndId = (a: { type: string; id: string }, b: { type: string; id: string }): number => compareText(a.type, b.type) || compareText(a.id, b.id);
  for (const d of differences) {
    if (d.kind === 'changed') report.changed.push({ type: d.type, id: d.id, properties: [...(d.properties ?? [])] });
    else report[d.kind].push({ type: d.type, id: d.id });
  }
  report.added.sort(byTypeAndId);
  report.removed.sort(byTypeAndId);
  report.changed.sort(byTypeAndId);
  return report;
}

/** Per-type counts, for summaries. */
export function countDifferences(differences: Iterable<ItemDifference>): Map<string, Record<DifferenceKind, number>> {
  const counts = new Map<string, Record<DifferenceKind, number>>();
  for (const d of differences) {
    let c = counts.get(d.type);
    if (!c) counts.set(d.type, (c = { added: 0, changed: 0, removed: 0 }));
    c[d.kind] += 1;
  }
  return counts;
}

/** True for append-only log types (`directoryAudit`): records are added, never changed. */
export function isLogType(type: string): boolean {
  return findResource(type)?.change === 'appendOnly';
}
