/**
 * Writing trees (spec §9.3): leaves of a base from a sorted stream of entries, delta pages from a
 * sorted stream of changes, type nodes and roots; and the fold policy that decides between a new
 * delta and a new base.
 *
 * Guarantees: leaves are a pure function of their entries (same entries → same bytes → same ID),
 * so a fold stores only leaves whose content changed; memory holds one leaf or page at a time.
 * The thresholds are writer parameters (TREE_POLICY), not part of the format.
 */
import { KIND_TREE } from './crypto.js';
import type { PackWriter } from './pack-writer.js';
import { type BaseNode, baseJson, type DeltaRef, deltaJson, leafJson, rootJson, type RootNode, shardOf, type TypeNode, typeNodeJson } from './tree.js';

export const TREE_POLICY = {
  /** Fold when the chain would exceed this many deltas. */
  maxChain: 32,
  /** Fold when the deltas would hold more entries than this fraction of the base… */
  maxDeltaFraction: 0.25,
  /** …and more than this many entries (tiny types do not fold on every change). */
  minDeltaEntriesToFold: 64,
  /** Average entries per leaf aimed at when choosing shard bits, and the band that keeps them. */
  leafTarget: 128,
  leafMin: 32,
  leafMax: 512,
  maxBits: 24,
  /** Entries per delta page. */
  pageEntries: 1024,
} as const;

export interface ShapeDecision {
  readonly fold: boolean;
  readonly bits: number;
}

export function chooseBits(count: number, previousBits: number | undefined): number {
  if (previousBits !== undefined) {
    const avg = count / 2 ** previousBits;
    if ((avg >= TREE_POLICY.leafMin || previousBits === 0) && avg <= TREE_POLICY.leafMax) return previousBits;
  }
  let bits = 0;
  while (bits < TREE_POLICY.maxBits && count / 2 ** bits > TREE_POLICY.leafTarget) bits++;
  return bits;
}

/** Delta or fold, for a type whose parent state is `parent` (if any) and `changes` entries changed. */
export function decideShape(parent: { node: TypeNode; base: BaseNode } | undefined, changes: number, newCount: number): ShapeDecision {
  if (!parent) return { fold: true, bits: chooseBits(newCount, undefined) };
  const deltaEntries = parent.node.deltas.reduce((n, d) => n + d.count, 0) + changes;
  const chainTooLong = parent.node.deltas.length + 1 > TREE_POLICY.maxChain;
  const deltasTooBig = deltaEntries > TREE_POLICY.minDeltaEntriesToFold && deltaEntries > parent.base.count * TREE_POLICY.maxDeltaFraction;
  const bits = chooseBits(newCount, parent.base.bits);
  return { fold: chainTooLong || deltasTooBig || bits !== parent.base.bits, bits };
}

async function treeBlob(writer: PackWriter, json: string): Promise<string> {
  return (await writer.add(KIND_TREE, Buffer.from(json, 'utf8'))).id;
}

/** Writes the leaves and base node of a full, sorted state. `rows` yields `[h, canonical entry JSON]`. */
export async function writeBase(writer: PackWriter, rows: AsyncIterable<readonly [string, string]> | Iterable<readonly [string, string]>, bits: number): Promise<{ id: string; count: number }> {
  const leaves: (string | null)[] = new Array<string | null>(2 ** bits).fill(null);
  let shard = -1;
  let current: string[] = [];
  let count = 0;
  for await (const [h, json] of rows) {
    const s = shardOf(h, bits);
    if (s !== shard) {
      if (current.length > 0) leaves[shard] = await treeBlob(writer, leafJson(current));
      shard = s;
      current = [];
    }
    current.push(json);
    count++;
  }
  if (current.length > 0) leaves[shard] = await treeBlob(writer, leafJson(current));
  const base: BaseNode = { count, bits, leaves };
  return { id: await treeBlob(writer, baseJson(base)), count };
}

/** Writes one delta from sorted changes; `rows` yields `[h, JSON of [op, ...entry] or [2, id]]`. */
export async function writeDelta(writer: PackWriter, rows: AsyncIterable<readonly [string, string]> | Iterable<readonly [string, string]>): Promise<DeltaRef> {
  const pages: { first: string; last: string; id: string }[] = [];
  let current: string[] = [];
  let first = '';
  let last = '';
  let count = 0;
  const close = async (): Promise<void> => {
    if (current.length === 0) return;
    pages.push({ first, last, id: await treeBlob(writer, deltaJson(current)) });
    current = [];
  };
  for await (const [h, json] of rows) {
    if (current.length === 0) first = h;
    current.push(json);
    last = h;
    count++;
    if (current.length >= TREE_POLICY.pageEntries) await close();
  }
  await close();
  return { count, pages };
}

export function writeTypeNode(writer: PackWriter, node: TypeNode): Promise<string> {
  return treeBlob(writer, typeNodeJson(node));
}

export function writeRoot(writer: PackWriter, types: RootNode['types']): Promise<string> {
  const sorted: Record<string, { count: number; node: string }> = {};
  for (const t of Object.keys(types).sort()) sorted[t] = types[t] as { count: number; node: string };
  return treeBlob(writer, rootJson(sorted));
}
