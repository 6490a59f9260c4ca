/**
 * Differences between two snapshots (spec §9.7), computed from the tree structure so that what two
 * snapshots share is never read: equal type nodes are skipped; a snapshot that adds exactly one
 * delta to the other is answered from that delta alone; otherwise only the keys that can differ
 * (entries of uncommon deltas, entries of differing leaves) are looked up on both sides.
 *
 * Guarantees: yields each added, removed or changed item exactly once, per type in type-name
 * order and within a type in sort-key order; "changed" means the tree entries differ (document
 * blob, streams, name or meta). `before` is filled only with `withBefore` (it may cost reads).
 */
import { decodeEntry, type DeltaRef, deltaRows, type DeltaRow, type ItemEntry, mergeSorted, OP_ADDED, OP_DELETED, OP_REFRESHED, type RootNode, type Row, type TreeLoader, TypeCursor, type TypeNode, typeRows, sameEntry } from './tree.js';

export interface ItemChange {
  readonly type: string;
  readonly id: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: ItemEntry;
  readonly after?: ItemEntry;
}

export interface DiffOptions {
  readonly type?: string;
  readonly withBefore?: boolean;
  readonly signal?: AbortSignal;
}

function sameDelta(a: DeltaRef, b: DeltaRef): boolean {
  return a.count === b.count && a.pages.length === b.pages.length && a.pages.every((p, i) => p.id === b.pages[i]?.id);
}

export async function* diffRoots(loader: TreeLoader, from: RootNode | undefined, to: RootNode | undefined, options: DiffOptions = {}): AsyncGenerator<ItemChange> {
  const types = new Set([...Object.keys(from?.types ?? {}), ...Object.keys(to?.types ?? {})]);
  for (const type of [...types].sort()) {
    if (options.type !== undefined && type !== options.type) continue;
    const a = from?.types[type]?.node;
    const b = to?.types[type]?.node;
    if (a === b) continue;
    const nodeA = a === undefined ? undefined : await loader.typeNode(a, options.signal);
    const nodeB = b === undefined ? undefined : await loader.typeNode(b, options.signal);
    yield* diffTypes(loader, type, nodeA, nodeB, options);
  }
}

async function* diffTypes(loader: TreeLoader, type: string, a: TypeNode | undefined, b: TypeNode | undefined, options: DiffOptions): AsyncGenerator<ItemChange> {
  const { signal } = options;
  if (!a || !b) {
    const node = (a ?? b) as TypeNode;
    const kind = a ? 'removed' : 'added';
    for await (const row of typeRows(loader, type, node, signal)) {
      const entry = decodeEntry(type, row.tuple);
      if (kind === 'added') yield { type, id: row.id, kind, after: entry };
      else yield { type, id: row.id, kind, ...(options.withBefore ? { before: entry } : {}) };
    }
    return;
  }

  let keySources: AsyncIterable<{ h: string; id: string }>[];
  if (a.base === b.base) {
    let common = 0;
    while (common < a.deltas.length && common < b.deltas.length && sameDelta(a.deltas[common] as DeltaRef, b.deltas[common] as DeltaRef)) common++;
    if (common === a.deltas.length && b.deltas.length === common + 1 && !options.withBefore) {
      // b = a + one delta, whose ops are relative to exactly a's state.
      for (const page of (b.deltas[common] as DeltaRef).pages) {
        for (const row of await loader.delta(type, page.id, signal)) {
          const change = fromOp(type, row);
          if (change) yield change;
        }
      }
      return;
    }
    keySources = [...a.deltas.slice(common), ...b.deltas.slice(common)].map((d) => deltaRows(loader, type, d, signal));
  } else {
    const [baseA, baseB] = [await loader.base(a.base, signal), await loader.base(b.base, signal)];
    keySources = [...a.deltas, ...b.deltas].map((d) => deltaRows(loader, type, d, signal));
    if (baseA.bits === baseB.bits) {
      const differing = baseA.leaves.map((leaf, i) => leaf !== baseB.leaves[i]);
      const leafKeys = async function* (leaves: readonly (string | null)[]): AsyncGenerator<Row> {
        for (let s = 0; s < leaves.length; s++) {
          const leaf = leaves[s];
          if (differing[s] && leaf) yield* await loader.leaf(type, leaf, signal);
        }
      };
      keySources.push(leafKeys(baseA.leaves), leafKeys(baseB.leaves));
    } else {
      // Different shard layouts share no leaves: a full merge of both states is the cheapest.
      keySources = [typeRows(loader, type, a, signal), typeRows(loader, type, b, signal)];
    }
  }

  const cursorA = new TypeCursor(loader, type, a, signal);
  const cursorB = new TypeCursor(loader, type, b, signal);
  for await (const [key] of mergeSorted(keySources)) {
    const ra = await cursorA.get(key.h, key.id);
    const rb = await cursorB.get(key.h, key.id);
    const change = compare(type, key.id, ra, rb, options.withBefore === true);
    if (change) yield change;
  }
}

function fromOp(type: string, row: DeltaRow): ItemChange | undefined {
  if (row.op === OP_DELETED || row.tuple === undefined) return { type, id: row.id, kind: 'removed' };
  if (row.op === OP_REFRESHED) return undefined; // same entry, new fingerprint
  return { type, id: row.id, kind: row.op === OP_ADDED ? 'added' : 'changed', after: decodeEntry(type, row.tuple) };
}

function compare(type: string, id: string, ra: Row | undefined, rb: Row | undefined, withBefore: boolean): ItemChange | undefined {
  if (!ra && !rb) return undefined;
  const before = withBefore && ra ? { before: decodeEntry(type, ra.tuple) } : {};
  if (!rb) return { type, id, kind: 'removed', ...before };
  if (!ra) return { type, id, kind: 'added', after: decodeEntry(type, rb.tuple) };
  if (sameEntry(ra.tuple, rb.tuple)) return undefined;
  return { type, id, kind: 'changed', ...before, after: decodeEntry(type, rb.tuple) };
}

