/**
 * Trees (spec §9): the format of tree entries and tree blobs, sort keys and shards, and reading a
 * type's state as a sorted stream (base leaves merged with the delta chain) or by point lookups.
 *
 * Guarantees: streams yield rows in (h, id) order with one row per item; at any time a stream
 * holds one leaf and one delta page per delta in memory. Every tree blob is validated on load and
 * a malformed one is REPO_CORRUPT naming it. Loaded nodes are cached in a small LRU (by blob ID,
 * so the cache can never serve stale content).
 * Not here: writing trees (tree-write.ts) or deciding when to fold.
 */
import * as crypto from 'node:crypto';
import type { BlobReader } from './blob-reader.js';
import { canonicalJson } from './canonical.js';
import { isHexId, KIND_TREE } from './crypto.js';
import { corrupt } from './errors.js';

export interface BlobRef {
  /** Hex content ID. */
  readonly id: string;
  /** Plaintext bytes. */
  readonly size: number;
}

/** One item of a snapshot, as the tree records it. */
export interface ItemEntry {
  readonly type: string;
  readonly id: string;
  readonly name?: string;
  readonly document: BlobRef;
  /** Binary streams by name: the ordered chunks. */
  readonly streams?: Readonly<Record<string, readonly BlobRef[]>>;
  /** Small per-item metadata the writer attached (opaque to the repository). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** An entry in (h, id) order, with its decoded tuple. */
export interface Row {
  readonly h: string;
  readonly id: string;
  readonly tuple: readonly unknown[];
}

export const OP_ADDED = 0;
export const OP_CHANGED = 1;
export const OP_DELETED = 2;
/** Format 2: the same entry with a new input fingerprint — not a change (diff skips it). */
export const OP_REFRESHED = 3;

export interface DeltaRow {
  readonly h: string;
  readonly id: string;
  readonly op: number;
  /** Undefined for a deletion. */
  readonly tuple: readonly unknown[] | undefined;
}

export interface RootNode {
  readonly types: Readonly<Record<string, { readonly count: number; readonly node: string }>>;
}

export interface DeltaPageRef {
  readonly first: string;
  readonly last: string;
  readonly id: string;
}

export interface DeltaRef {
  readonly count: number;
  readonly pages: readonly DeltaPageRef[];
}

export interface TypeNode {
  readonly count: number;
  readonly base: string;
  readonly deltas: readonly DeltaRef[];
}

export interface BaseNode {
  readonly count: number;
  readonly bits: number;
  readonly leaves: readonly (string | null)[];
}

// ---- entries ---------------------------------------------------------------------------------

/**
 * An entry tuple (spec §9.1). `fingerprint` (format 2) is the item's input fingerprint
 * (fingerprint.ts); it is not part of the entry's identity (see `sameEntry`).
 */
export function entryTuple(id: string, name: string | undefined, document: BlobRef, streams: Readonly<Record<string, readonly BlobRef[]>> | undefined, meta: Readonly<Record<string, unknown>> | undefined, fingerprint?: string): unknown[] {
  const tuple: unknown[] = [id, name ?? null, document.id, document.size];
  const hasStreams = streams !== undefined && Object.keys(streams).length > 0;
  const hasMeta = meta !== undefined && Object.keys(meta).length > 0;
  if (hasStreams || hasMeta || fingerprint !== undefined) {
    let s: Record<string, [string, number][]> | null = null;
    if (hasStreams) {
      s = {};
      for (const [name, chunks] of Object.entries(streams)) s[name] = chunks.map((c) => [c.id, c.size]);
    }
    tuple.push(s);
  }
  if (hasMeta || fingerprint !== undefined) tuple.push(hasMeta ? meta : null);
  if (fingerprint !== undefined) tuple.push(fingerprint);
  return tuple;
}

/** The canonical text of an entry tuple: what trees store. */
export function tupleJson(tuple: readonly unknown[]): string {
  // Without streams or meta a tuple holds only strings, null and a number: already canonical.
  return tuple[4] == null && tuple[5] == null ? JSON.stringify(tuple) : canonicalJson(tuple);
}

/** The entry's identity: its text without the fingerprint (and the nulls that only made room for it). */
export function entryIdentity(tuple: readonly unknown[]): string {
  if (tuple.length < 7) return tupleJson(tuple);
  const t = tuple.slice(0, 6);
  while (t.length > 4 && t[t.length - 1] === null) t.pop();
  return tupleJson(t);
}

/** Whether two entries are equal, which is how "changed" is decided: the fingerprint is ignored. */
export function sameEntry(a: readonly unknown[], b: readonly unknown[]): boolean {
  return entryIdentity(a) === entryIdentity(b);
}

/** The input fingerprint an entry carries (format 2), if any. */
export function entryFingerprint(tuple: readonly unknown[]): string | undefined {
  const fp = tuple[6];
  return typeof fp === 'string' ? fp : undefined;
}

function isTuple(t: unknown): t is unknown[] {
  if (!Array.isArray(t) || t.length < 4 || t.length > 7) return false;
  return typeof t[0] === 'string' && (t[1] === null || typeof t[1] === 'string') && isHexId(t[2]) && typeof t[3] === 'number' && (t.length < 7 || typeof t[6] === 'string');
}

export function decodeEntry(type: string, tuple: readonly unknown[]): ItemEntry {
  const [id, name, docId, docSize, streams, meta] = tuple as [string, string | null, string, number, Record<string, [string, number][]> | null | undefined, Record<string, unknown> | undefined];
  const entry: { -readonly [K in keyof ItemEntry]: ItemEntry[K] } = { type, id, document: { id: docId, size: docSize } };
  if (name !== null) entry.name = name;
  if (streams) {
    const out: Record<string, BlobRef[]> = {};
    for (const [k, chunks] of Object.entries(streams)) out[k] = chunks.map(([cid, size]) => ({ id: cid, size }));
    entry.streams = out;
  }
  if (meta) entry.meta = meta;
  return entry;
}

/** Every blob an entry references: its document and its stream chunks. */
export function* entryBlobs(tuple: readonly unknown[]): Generator<string> {
  yield tuple[2] as string;
  const streams = tuple[4] as Record<string, [string, number][]> | null | undefined;
  if (streams) for (const chunks of Object.values(streams)) for (const [cid] of chunks) yield cid;
}

// ---- sort keys -------------------------------------------------------------------------------

/** `crypto.hash` (Node ≥ 20.12) hashes a string in one call, five times faster than an Hmac object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * The sort key of an item (spec §9.2): the first 8 bytes, as 16 hex, of
 * SHA-256(UTF-8(hex(shardKey) 0x00 type 0x00 id)) — a secret-prefix keyed hash. It is computed
 * for every entry read or written, so it is the cheap construction; its output never leaves the
 * encrypted trees, so length extension (the weakness of secret-prefix hashing) gives nothing away.
 */
export function sortKey(shardKeyHex: string, type: string, id: string): string {
  const input = `${shardKeyHex}\0${type}\0${id}`;
  return oneShot ? oneShot('sha256', input, 'hex').slice(0, 16) : crypto.createHash('sha256').update(input, 'utf8').digest('hex').slice(0, 16);
}

export function shardOf(h: string, bits: number): number {
  return bits === 0 ? 0 : parseInt(h.slice(0, 8), 16) >>> (32 - bits);
}

/** Order of spec §9.2: h, then the ID's UTF-8 bytes (only compared when h collides). */
export function compareKeys(ah: string, aid: string, bh: string, bid: string): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  if (aid === bid) return 0;
  return Buffer.compare(Buffer.from(aid, 'utf8'), Buffer.from(bid, 'utf8'));
}

// ---- tree blobs ------------------------------------------------------------------------------

export function leafJson(rowJsons: readonly string[]): string {
  return `{"entries":[${rowJsons.join(',')}],"k":"leaf","v":1}`;
}

export function deltaJson(rowJsons: readonly string[]): string {
  return `{"entries":[${rowJsons.join(',')}],"k":"delta","v":1}`;
}

export function rootJson(types: RootNode['types']): string {
  return canonicalJson({ k: 'root', v: 1, types });
}

export function typeNodeJson(node: TypeNode): string {
  return canonicalJson({ k: 'type', v: 1, count: node.count, base: node.base, deltas: node.deltas });
}

export function baseJson(node: BaseNode): string {
  return canonicalJson({ k: 'base', v: 1, count: node.count, bits: node.bits, leaves: node.leaves });
}

type Parsed = { kind: 'root'; node: RootNode } | { kind: 'type'; node: TypeNode } | { kind: 'base'; node: BaseNode } | { kind: 'leaf'; entries: unknown[] } | { kind: 'delta'; entries: unknown[] };

function parseTree(id: string, text: string): Parsed {
  const bad = (why: string): never => {
    throw corrupt(`Tree blob ${id} is malformed: ${why}`, { blob: id });
  };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw corrupt(`Tree blob ${id} is not JSON`, { blob: id }, cause);
  }
  if (json === null || typeof json !== 'object' || json.v !== 1) bad('unknown version');
  switch (json.k) {
    case 'root': {
      const types = json.types as Record<string, { count?: unknown; node?: unknown }> | undefined;
      if (!types || typeof types !== 'object') bad('no types');
      for (const t of Object.values(types as object) as { count?: unknown; node?: unknown }[]) {
        if (typeof t?.count !== 'number' || !isHexId(t.node)) bad('bad type reference');
      }
      return { kind: 'root', node: { types: types as RootNode['types'] } };
    }
    case 'type': {
      const { count, base, deltas } = json as { count?: unknown; base?: unknown; deltas?: unknown };
      if (typeof count !== 'number' || !isHexId(base) || !Array.isArray(deltas)) bad('bad type node');
      for (const d of deltas as DeltaRef[]) {
        if (typeof d?.count !== 'number' || !Array.isArray(d.pages)) bad('bad delta');
        for (const p of d.pages) if (typeof p?.first !== 'string' || typeof p.last !== 'string' || !isHexId(p.id)) bad('bad delta page');
      }
      return { kind: 'type', node: { count: count as number, base: base as string, deltas: deltas as DeltaRef[] } };
    }
    case 'base': {
      const { count, bits, leaves } = json as { count?: unknown; bits?: unknown; leaves?: unknown };
      if (typeof count !== 'number' || typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 24 || !Array.isArray(leaves) || leaves.length !== 2 ** bits) bad('bad base');
      for (const l of leaves as unknown[]) if (l !== null && !isHexId(l)) bad('bad leaf reference');
      return { kind: 'base', node: { count: count as number, bits: bits as number, leaves: leaves as (string | null)[] } };
    }
    case 'leaf':
    case 'delta': {
      const entries = json.entries;
      if (!Array.isArray(entries)) bad('no entries');
      return { kind: json.k, entries: entries as unknown[] };
    }
    default:
      return bad(`unknown kind ${String(json.k)}`);
  }
}

/** Loads and validates tree blobs, with a small LRU cache keyed by blob ID. */
export class TreeLoader {
  private readonly cache = new Map<string, Parsed | Row[] | DeltaRow[]>();

  constructor(
    private readonly reader: BlobReader,
    private readonly shardKey: string,
    private readonly capacity = 64,
  ) {}

  async root(id: string, signal?: AbortSignal): Promise<RootNode> {
    return this.node(id, 'root', signal) as Promise<RootNode>;
  }

  async typeNode(id: string, signal?: AbortSignal): Promise<TypeNode> {
    return this.node(id, 'type', signal) as Promise<TypeNode>;
  }

  async base(id: string, signal?: AbortSignal): Promise<BaseNode> {
    return this.node(id, 'base', signal) as Promise<BaseNode>;
  }

  async leaf(type: string, id: string, signal?: AbortSignal): Promise<Row[]> {
    const key = `leaf:${type}:${id}`;
    const hit = this.get(key) as Row[] | undefined;
    if (hit) return hit;
    const rows = this.leafRows(type, id, await this.reader.read(id, KIND_TREE, { signal }));
    this.put(key, rows);
    return rows;
  }

  /**
   * Several leaves, read together (BlobReader.readMany) but not cached: for streams over a whole
   * base, which would only flush the cache that point lookups rely on.
   */
  async leavesOnce(type: string, ids: readonly string[], signal?: AbortSignal): Promise<Row[][]> {
    return (await this.leafTuplesOnce(ids, signal)).map((tuples) => tuples.map((t) => ({ h: sortKey(this.shardKey, type, t[0] as string), id: t[0] as string, tuple: t })));
  }

  /** Like `leavesOnce`, the validated entry tuples only: for readers that need no sort keys. */
  async leafTuplesOnce(ids: readonly string[], signal?: AbortSignal): Promise<unknown[][][]> {
    const bytes = await this.reader.readMany(ids, KIND_TREE, { signal });
    return ids.map((id, i) => this.leafTuples(id, bytes[i] as Buffer));
  }

  private leafRows(type: string, id: string, bytes: Buffer): Row[] {
    return this.leafTuples(id, bytes).map((t) => ({ h: sortKey(this.shardKey, type, t[0] as string), id: t[0] as string, tuple: t }));
  }

  private leafTuples(id: string, bytes: Buffer): unknown[][] {
    const parsed = parseTree(id, bytes.toString('utf8'));
    if (parsed.kind !== 'leaf') throw corrupt(`Tree blob ${id} is a ${parsed.kind}, expected a leaf`, { blob: id });
    for (const t of parsed.entries) if (!isTuple(t)) throw corrupt(`Tree blob ${id} holds a malformed entry`, { blob: id });
    return parsed.entries as unknown[][];
  }

  async delta(type: string, id: string, signal?: AbortSignal): Promise<DeltaRow[]> {
    const key = `delta:${type}:${id}`;
    const hit = this.get(key) as DeltaRow[] | undefined;
    if (hit) return hit;
    const parsed = parseTree(id, (await this.reader.read(id, KIND_TREE, { signal })).toString('utf8'));
    if (parsed.kind !== 'delta') throw corrupt(`Tree blob ${id} is a ${parsed.kind}, expected a delta page`, { blob: id });
    const rows: DeltaRow[] = parsed.entries.map((e) => {
      const op = Array.isArray(e) ? e[0] : undefined;
      if (op === OP_DELETED && typeof (e as unknown[])[1] === 'string' && (e as unknown[]).length === 2) {
        const itemId = (e as unknown[])[1] as string;
        return { h: sortKey(this.shardKey, type, itemId), id: itemId, op, tuple: undefined };
      }
      const tuple = (e as unknown[]).slice(1);
      if ((op !== OP_ADDED && op !== OP_CHANGED && op !== OP_REFRESHED) || !isTuple(tuple)) throw corrupt(`Tree blob ${id} holds a malformed delta entry`, { blob: id });
      return { h: sortKey(this.shardKey, type, tuple[0] as string), id: tuple[0] as string, op, tuple };
    });
    this.put(key, rows);
    return rows;
  }

  private async node(id: string, kind: 'root' | 'type' | 'base', signal?: AbortSignal): Promise<unknown> {
    const hit = this.get(id) as Parsed | undefined;
    const parsed = hit ?? parseTree(id, (await this.reader.read(id, KIND_TREE, { signal })).toString('utf8'));
    if (parsed.kind !== kind) throw corrupt(`Tree blob ${id} is a ${parsed.kind}, expected a ${kind} node`, { blob: id });
    if (!hit) this.put(id, parsed);
    return (parsed as { node: unknown }).node;
  }

  private get(key: string): unknown {
    const v = this.cache.get(key);
    if (v !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, v);
    }
    return v;
  }

  private put(key: string, value: Parsed | Row[] | DeltaRow[]): void {
    this.cache.set(key, value);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
  }
}

// ---- reading a type's state ------------------------------------------------------------------

/** Leaves a base stream reads at once: a few hundred KB of tree in memory, a few reads per type. */
const LEAF_BATCH = 32;

/** Every entry tuple of a base, in leaf order, a batch of leaves at a time (no sort keys computed). */
export async function* baseTuples(loader: TreeLoader, base: BaseNode, signal?: AbortSignal): AsyncGenerator<unknown[][]> {
  const ids = base.leaves.filter((l): l is string => l !== null);
  for (let i = 0; i < ids.length; i += LEAF_BATCH) yield* await loader.leafTuplesOnce(ids.slice(i, i + LEAF_BATCH), signal);
}

export async function* baseRows(loader: TreeLoader, type: string, base: BaseNode, signal?: AbortSignal): AsyncGenerator<Row> {
  const ids = base.leaves.filter((l): l is string => l !== null);
  for (let i = 0; i < ids.length; i += LEAF_BATCH) {
    for (const rows of await loader.leavesOnce(type, ids.slice(i, i + LEAF_BATCH), signal)) yield* rows;
  }
}

export async function* deltaRows(loader: TreeLoader, type: string, delta: DeltaRef, signal?: AbortSignal): AsyncGenerator<DeltaRow> {
  for (const page of delta.pages) yield* await loader.delta(type, page.id, signal);
}

interface Head<T> {
  /** A sync iterator is awaited like an async one: `await` of a plain result is harmless. */
  it: AsyncIterator<T>;
  value: T | undefined;
}

/**
 * Merges sorted sources by key and yields, per key, every source's row for it as
 * `[sourceIndex, row]` pairs in source order. Sources must each be sorted and hold a key once.
 */
export async function* mergeVersions<T extends { h: string; id: string }>(sources: (AsyncIterable<T> | Iterable<T>)[]): AsyncGenerator<[number, T][]> {
  const heads: Head<T>[] = [];
  for (const s of sources) {
    const it = Symbol.asyncIterator in s ? s[Symbol.asyncIterator]() : (s[Symbol.iterator]() as unknown as AsyncIterator<T>);
    const r = await it.next();
    heads.push({ it, value: r.done ? undefined : r.value });
  }
  try {
    for (;;) {
      let min: T | undefined;
      for (const hd of heads) if (hd.value !== undefined && (min === undefined || compareKeys(hd.value.h, hd.value.id, min.h, min.id) < 0)) min = hd.value;
      if (min === undefined) return;
      const versions: [number, T][] = [];
      for (let i = 0; i < heads.length; i++) {
        const hd = heads[i] as Head<T>;
        if (hd.value !== undefined && hd.value.h === min.h && hd.value.id === min.id) {
          versions.push([i, hd.value]);
          const r = await hd.it.next();
          hd.value = r.done ? undefined : r.value;
        }
      }
      yield versions;
    }
  } finally {
    for (const hd of heads) if (hd.value !== undefined) await hd.it.return?.();
  }
}

/** Pairs two sorted streams by key: `[left, right]`, either possibly undefined. */
export async function* joinSorted<A extends { h: string; id: string }, B extends { h: string; id: string }>(left: AsyncIterable<A> | Iterable<A>, right: AsyncIterable<B> | Iterable<B>): AsyncGenerator<[A | undefined, B | undefined]> {
  for await (const versions of mergeVersions<A | B>([left, right])) {
    let l: A | undefined;
    let r: B | undefined;
    for (const [i, row] of versions) {
      if (i === 0) l = row as A;
      else r = row as B;
    }
    yield [l, r];
  }
}

/** Merges sorted sources by key; for each key the source with the highest index wins: `[winner, index]`. */
export async function* mergeSorted<T extends { h: string; id: string }>(sources: (AsyncIterable<T> | Iterable<T>)[]): AsyncGenerator<[T, number]> {
  for await (const versions of mergeVersions(sources)) {
    const [index, winner] = versions[versions.length - 1] as [number, T];
    yield [winner, index];
  }
}

/**
 * The live entries of a type, in (h, id) order: base merged with the delta chain. The deltas
 * (small: a fraction of the base by the fold policy) are merged among themselves first, so each
 * base row costs one comparison however long the chain is, not one per delta.
 */
export async function* typeRows(loader: TreeLoader, type: string, node: TypeNode, signal?: AbortSignal): AsyncGenerator<Row> {
  const base = await loader.base(node.base, signal);
  if (node.deltas.length === 0) {
    yield* baseRows(loader, type, base, signal);
    return;
  }
  const deltas = node.deltas.length === 1
    ? deltaRows(loader, type, node.deltas[0] as DeltaRef, signal)
    : (async function* (): AsyncGenerator<DeltaRow> {
        for await (const [row] of mergeSorted(node.deltas.map((d) => deltaRows(loader, type, d, signal)))) yield row; // later deltas win
      })();
  yield* overlay(baseRows(loader, type, base, signal), deltas);
}

/** Base rows with the merged delta rows applied: a delta row replaces or (tombstone) removes. */
async function* overlay(base: AsyncIterable<Row>, deltas: AsyncIterable<DeltaRow>): AsyncGenerator<Row> {
  const it = deltas[Symbol.asyncIterator]();
  let d = await it.next();
  try {
    for await (const b of base) {
      while (!d.done && compareKeys(d.value.h, d.value.id, b.h, b.id) < 0) {
        if (d.value.tuple !== undefined) yield { h: d.value.h, id: d.value.id, tuple: d.value.tuple };
        d = await it.next();
      }
      if (!d.done && d.value.h === b.h && d.value.id === b.id) {
        if (d.value.tuple !== undefined) yield { h: d.value.h, id: d.value.id, tuple: d.value.tuple };
        d = await it.next();
      } else yield b;
    }
    for (; !d.done; d = await it.next()) if (d.value.tuple !== undefined) yield { h: d.value.h, id: d.value.id, tuple: d.value.tuple };
  } finally {
    if (!d.done) await it.return?.();
  }
}

function findRow<T extends { h: string; id: string }>(rows: readonly T[], h: string, id: string): T | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = rows[mid] as T;
    const c = compareKeys(r.h, r.id, h, id);
    if (c === 0) return r;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/**
 * Point lookups in one type state. Cheap for keys asked in increasing order (the loader cache
 * keeps the current leaf and pages), correct in any order.
 */
export class TypeCursor {
  private base: BaseNode | undefined;

  constructor(
    private readonly loader: TreeLoader,
    private readonly type: string,
    readonly node: TypeNode,
    private readonly signal?: AbortSignal,
  ) {}

  /** The entry of `id` in this state, or undefined; `deltasBefore` limits the search to the first deltas of the chain. */
  async get(h: string, id: string, options: { deltasBefore?: number } = {}): Promise<Row | undefined> {
    const end = options.deltasBefore ?? this.node.deltas.length;
    for (let d = end - 1; d >= 0; d--) {
      const delta = this.node.deltas[d] as DeltaRef;
      for (const page of delta.pages) {
        if (h < page.first || h > page.last) continue;
        const hit = findRow(await this.loader.delta(this.type, page.id, this.signal), h, id);
        if (hit) return hit.tuple === undefined ? undefined : { h, id, tuple: hit.tuple };
      }
    }
    this.base ??= await this.loader.base(this.node.base, this.signal);
    const leaf = this.base.leaves[shardOf(h, this.base.bits)];
    if (leaf === null || leaf === undefined) return undefined;
    return findRow(await this.loader.leaf(this.type, leaf, this.signal), h, id);
  }
}
