/**
 * Walking what a set of snapshots references, for check and prune (spec §14): every reachable tree
 * blob, and every *live* entry — the entries that are in the state of at least one of the
 * snapshots. An entry of a delta that a later delta of the same snapshot's chain supersedes is
 * history, not a reference (spec §9.3): the documents only it names may be pruned.
 *
 * How: the small nodes (roots, type nodes, bases) are read per snapshot. Snapshots whose type
 * shares a base form a family; their chains are prefixes of a few maximal chains. One k-way merge
 * over a maximal chain's base and deltas yields every version of every key, and a version found
 * at chain position i and superseded at position j is live exactly in the family's snapshots
 * whose chain length lies in [i, j). Memory: one leaf and one page per delta at a time.
 *
 * Guarantees: `onTree` once per reachable tree blob that reads correctly; `onLive` once per live
 * entry per maximal chain, with the snapshots it is live in; `onTreeError` once per (damaged tree
 * blob, snapshot) with where it sits — the items below it are then not walked for that family.
 */
import { isDamage, throwIfAborted } from './errors.js';
import type { SnapshotInfo } from './snapshot-file.js';
import { type BaseNode, baseRows, type DeltaRef, deltaRows, type DeltaRow, mergeVersions, type Row, type TreeLoader, type TypeNode } from './tree.js';

export type TreeLevel = 'root' | 'type' | 'base' | 'leaf' | 'delta';

export interface TreeErrorContext {
  readonly snapshot: string;
  readonly type?: string;
  readonly blob: string;
  readonly level: TreeLevel;
}

export interface WalkHandlers {
  onTree?(id: string, level: TreeLevel): void;
  onLive?(type: string, row: Row, snapshots: readonly string[]): void;
  onTreeError?(err: unknown, where: TreeErrorContext): void;
  onProgress?(phase: 'nodes' | 'entries', done: number, total: number): void;
}

interface Chain {
  readonly snapshot: string;
  readonly deltas: readonly DeltaRef[];
}

interface Family {
  readonly type: string;
  readonly baseId: string;
  readonly chains: Chain[];
}

function isPrefix(short: readonly DeltaRef[], long: readonly DeltaRef[]): boolean {
  return short.length <= long.length && short.every((d, i) => d.pages.length === long[i]?.pages.length && d.pages.every((p, k) => p.id === long[i]?.pages[k]?.id));
}

export async function walkLive(loader: TreeLoader, snapshots: readonly SnapshotInfo[], handlers: WalkHandlers, signal?: AbortSignal): Promise<void> {
  const seen = new Map<string, { ok: true } | { ok: false; err: unknown }>();
  const report = (where: TreeErrorContext, err: unknown): void => handlers.onTreeError?.(err, where);

  /** Reads a small node once; later visits replay a failure for the new snapshot. */
  const node = async <T>(snapshot: string, type: string | undefined, blob: string, level: TreeLevel, read: () => Promise<T>): Promise<T | undefined> => {
    const where = { snapshot, blob, level, ...(type === undefined ? {} : { type }) };
    const prior = seen.get(blob);
    if (prior && !prior.ok) {
      report(where, prior.err);
      return undefined;
    }
    try {
      const value = await read();
      if (!prior) {
        seen.set(blob, { ok: true });
        handlers.onTree?.(blob, level);
      }
      return value;
    } catch (err) {
      if (!isDamage(err)) throw err;
      seen.set(blob, { ok: false, err });
      report(where, err);
      return undefined;
    }
  };

  // 1. Roots, type nodes and bases, per snapshot; families by (type, base).
  const families = new Map<string, Family>();
  let done = 0;
  for (const snap of snapshots) {
    throwIfAborted(signal);
    const root = await node(snap.id, undefined, snap.tree, 'root', () => loader.root(snap.tree, signal));
    for (const [type, ref] of Object.entries(root?.types ?? {})) {
      const typeNode: TypeNode | undefined = await node(snap.id, type, ref.node, 'type', () => loader.typeNode(ref.node, signal));
      if (!typeNode) continue;
      const key = `${type}\0${typeNode.base}`;
      let family = families.get(key);
      if (!family) {
        family = { type, baseId: typeNode.base, chains: [] };
        families.set(key, family);
      }
      family.chains.push({ snapshot: snap.id, deltas: typeNode.deltas });
      await node(snap.id, type, typeNode.base, 'base', () => loader.base(typeNode.base, signal));
    }
    handlers.onProgress?.('nodes', ++done, snapshots.length);
  }

  // 2. Per family and maximal chain, one merge over base and deltas.
  done = 0;
  for (const family of families.values()) {
    const base = seen.get(family.baseId)?.ok ? await loader.base(family.baseId, signal) : undefined;
    if (base) await walkFamily(loader, family, base, handlers, seen, signal);
    handlers.onProgress?.('entries', ++done, families.size);
  }
}

async function walkFamily(loader: TreeLoader, family: Family, base: BaseNode, handlers: WalkHandlers, seen: Map<string, { ok: true } | { ok: false; err: unknown }>, signal?: AbortSignal): Promise<void> {
  const { type } = family;
  const maximal: { deltas: readonly DeltaRef[]; members: { snapshot: string; length: number }[] }[] = [];
  for (const chain of [...family.chains].sort((a, b) => b.deltas.length - a.deltas.length)) {
    const home = maximal.find((m) => isPrefix(chain.deltas, m.deltas));
    if (home) home.members.push({ snapshot: chain.snapshot, length: chain.deltas.length });
    else maximal.push({ deltas: chain.deltas, members: [{ snapshot: chain.snapshot, length: chain.deltas.length }] });
  }

  /** The leaves and pages a chain of `length` deltas reads. */
  const blobsOf = (deltas: readonly DeltaRef[], length: number): { id: string; level: 'leaf' | 'delta' }[] => [
    ...base.leaves.filter((l): l is string => l !== null).map((id) => ({ id, level: 'leaf' as const })),
    ...deltas.slice(0, length).flatMap((d) => d.pages.map((p) => ({ id: p.id, level: 'delta' as const }))),
  ];

  for (const m of maximal) {
    try {
      const sources: AsyncIterable<Row | DeltaRow>[] = [baseRows(loader, type, base, signal), ...m.deltas.map((d) => deltaRows(loader, type, d, signal))];
      for await (const versions of mergeVersions(sources)) {
        for (let k = 0; k < versions.length; k++) {
          const [from, row] = versions[k] as [number, Row | DeltaRow];
          if (row.tuple === undefined) continue; // a deletion
          const until = versions[k + 1]?.[0] ?? Number.POSITIVE_INFINITY;
          const live = m.members.filter((s) => s.length >= from && s.length < until).map((s) => s.snapshot);
          if (live.length > 0) handlers.onLive?.(type, { h: row.h, id: row.id, tuple: row.tuple }, live);
        }
      }
    } catch (err) {
      if (!isDamage(err)) throw err;
      // Find every damaged leaf or page of this chain, for the report; its items are unknown.
      for (const b of blobsOf(m.deltas, m.deltas.length)) {
        if (seen.get(b.id)?.ok === false) continue;
        try {
          await (b.level === 'leaf' ? loader.leaf(type, b.id, signal) : loader.delta(type, b.id, signal));
        } catch (e) {
          if (!isDamage(e)) throw e;
          seen.set(b.id, { ok: false, err: e });
        }
      }
      for (const s of m.members) {
        for (const b of blobsOf(m.deltas, s.length)) {
          const state = seen.get(b.id);
          if (state && !state.ok) handlers.onTreeError?.(state.err, { snapshot: s.snapshot, type, blob: b.id, level: b.level });
        }
      }
    }
  }
  for (const b of maximal.flatMap((m) => blobsOf(m.deltas, m.deltas.length))) {
    if (seen.has(b.id)) continue;
    seen.set(b.id, { ok: true });
    handlers.onTree?.(b.id, b.level);
  }
}
