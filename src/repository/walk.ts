/**
 * Walking every tree blob reachable from a set of snapshots, for check and prune (spec §14).
 * Each distinct leaf and delta page is read once however many snapshots share it; the small
 * nodes above them (roots, type nodes, bases) are visited per snapshot so that a damaged blob is
 * attributed to every snapshot that reaches it.
 *
 * Guarantees: `onTree` is called once per reachable tree blob that reads correctly, `onRows` once
 * per distinct leaf or delta page with its rows, `onTreeError` once per (snapshot, damaged tree
 * blob) with where it sits; a damaged blob's subtree is skipped, nothing else is.
 */
import type { SnapshotInfo } from './snapshot-file.js';
import type { DeltaRow, Row, TreeLoader, TypeNode, BaseNode } from './tree.js';

export type TreeLevel = 'root' | 'type' | 'base' | 'leaf' | 'delta';

export interface TreeErrorContext {
  readonly snapshot: string;
  readonly type?: string;
  readonly blob: string;
  readonly level: TreeLevel;
}

export interface WalkHandlers {
  onTree?(id: string, level: TreeLevel): void;
  onRows?(treeBlob: string, type: string, rows: readonly (Row | DeltaRow)[]): void;
  onTreeError?(err: unknown, where: TreeErrorContext): void;
  onSnapshot?(snapshot: SnapshotInfo, done: number): void;
}

export async function walkTrees(loader: TreeLoader, snapshots: readonly SnapshotInfo[], handlers: WalkHandlers, signal?: AbortSignal): Promise<void> {
  const seen = new Map<string, { ok: true } | { ok: false; err: unknown }>();

  /** Reads a blob once; later visits replay the outcome. Returns undefined if damaged. */
  const visit = async <T>(snapshot: string, type: string | undefined, blob: string, level: TreeLevel, read: () => Promise<T>): Promise<T | undefined> => {
    const prior = seen.get(blob);
    if (prior && !prior.ok) {
      handlers.onTreeError?.(prior.err, { snapshot, blob, level, ...(type === undefined ? {} : { type }) });
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
      if ((err as { code?: string }).code !== 'REPO_CORRUPT' && (err as { code?: string }).code !== 'STORAGE_NOT_FOUND') throw err;
      seen.set(blob, { ok: false, err });
      handlers.onTreeError?.(err, { snapshot, blob, level, ...(type === undefined ? {} : { type }) });
      return undefined;
    }
  };

  /** Leaves and pages: contents only on the first visit; replays errors on later ones. */
  const visitRows = async (snapshot: string, type: string, blob: string, level: 'leaf' | 'delta'): Promise<void> => {
    const prior = seen.get(blob);
    if (prior?.ok) return;
    const rows = await visit<readonly (Row | DeltaRow)[]>(snapshot, type, blob, level, () => (level === 'leaf' ? loader.leaf(type, blob, signal) : loader.delta(type, blob, signal)));
    if (rows && !prior) handlers.onRows?.(blob, type, rows);
  };

  let done = 0;
  for (const snap of snapshots) {
    const root = await visit(snap.id, undefined, snap.tree, 'root', () => loader.root(snap.tree, signal));
    if (root) {
      for (const [type, ref] of Object.entries(root.types)) {
        const node: TypeNode | undefined = await visit(snap.id, type, ref.node, 'type', () => loader.typeNode(ref.node, signal));
        if (!node) continue;
        const base: BaseNode | undefined = await visit(snap.id, type, node.base, 'base', () => loader.base(node.base, signal));
        if (base) for (const leaf of base.leaves) if (leaf) await visitRows(snap.id, type, leaf, 'leaf');
        for (const delta of node.deltas) for (const page of delta.pages) await visitRows(snap.id, type, page.id, 'delta');
      }
    }
    handlers.onSnapshot?.(snap, ++done);
  }
}
