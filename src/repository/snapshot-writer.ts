/**
 * SnapshotWriter (spec §9.5): writes one snapshot from async iterables of items, type by type,
 * reusing every unchanged blob and tree node of the parent, and commits it in the order packs →
 * index → snapshot file.
 *
 * Guarantees:
 * - Nothing is visible to readers until `commit` has written the snapshot file; a crash or `abort`
 *   before that leaves no snapshot, and the packs already uploaded are indexed (abort) or reused
 *   through their intermediate index files (crash).
 * - Memory stays flat in the number of items: entries are staged on disk (staging.ts), trees are
 *   read and written one leaf or page at a time.
 * - A type written with `replaceType` and the same type written with `patchType` from the same
 *   parent give identical type states.
 * - Types not mentioned are carried from the parent with the same tree node (no bytes written).
 * - Different types may be written concurrently; the same type twice is a USAGE error.
 * Not here: resolving the parent (repository.ts) or locks (held by the caller, checked before
 * every index and snapshot write through `lock.assertHeld`).
 */
import type { BlobStore } from '../storage/index.js';
import { canonicalJson } from './canonical.js';
import type { Chunker } from './chunker.js';
import type { Clock } from '../clock.js';
import { KIND_DATA, type MasterKey } from './crypto.js';
import { throwIfAborted, usage } from './errors.js';
import { itemFingerprint, ParentFingerprints } from './fingerprint.js';
import type { HeldLock } from './locks.js';
import type { PackWriter } from './pack-writer.js';
import { encodeSnapshot, type SnapshotInfo, type TypeSummary } from './snapshot-file.js';
import { type StagedRow, StagingTable } from './staging.js';
import { type BaseNode, type BlobRef, entryFingerprint, entryIdentity, entryTuple, joinSorted, OP_ADDED, OP_CHANGED, OP_DELETED, OP_REFRESHED, type RootNode, type Row, sortKey, type TreeLoader, TypeCursor, type TypeNode, typeRows, tupleJson } from './tree.js';
import { decideShape, writeBase, writeDelta, writeRoot, writeTypeNode } from './tree-write.js';

export type StreamSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;

/** One item of a resource type, as a connector produces it. */
export interface Item {
  readonly type: string;
  readonly id: string;
  /** Display name, kept (encrypted) in the tree for browsing and search. */
  readonly name?: string;
  /** The JSON document; serialised canonically. */
  readonly document: unknown;
  /** Binary streams by name, chunked by content. */
  readonly streams?: Readonly<Record<string, StreamSource>>;
  /** Small per-item metadata kept in the tree entry (canonical JSON). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface ItemDeletion {
  readonly type: string;
  readonly id: string;
  readonly deleted: true;
}

export interface TypeWriteStats {
  /** Items not in the parent. */
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
  /** Items equal to the parent's. */
  readonly unchanged: number;
  /** Items of the type in the new snapshot. */
  readonly count: number;
  /** New blobs stored for this type (documents, chunks, tree blobs) and their stored bytes. */
  readonly blobsAdded: number;
  readonly bytesAdded: number;
  /** Whether the type's tree was folded into a new base (rather than given one more delta). */
  readonly folded: boolean;
}

export interface SnapshotWriter {
  /** The parent this snapshot is written against (its `state` holds the connector's last state). */
  readonly parent: SnapshotInfo | undefined;
  /** Full listing of a type: items not in the stream are deleted in this snapshot. */
  replaceType(type: string, items: AsyncIterable<Item> | Iterable<Item>, options?: { signal?: AbortSignal }): Promise<TypeWriteStats>;
  /** Upserts and deletions relative to the parent's items of this type. */
  patchType(type: string, changes: AsyncIterable<Item | ItemDeletion> | Iterable<Item | ItemDeletion>, options?: { signal?: AbortSignal }): Promise<TypeWriteStats>;
  /** The type could not be read: carry the parent's items and record why. */
  markAbsent(type: string, reason: string): void;
  /** The type is not part of this snapshot. */
  removeType(type: string): void;
  /** Replaces the opaque connector state (initially the parent's). */
  setState(state: Record<string, unknown>): void;
  /** Packs → index → snapshot file; releases the lock. */
  commit(): Promise<SnapshotInfo>;
  /** Indexes what was uploaded (so the next run reuses it), writes no snapshot, releases the lock. */
  abort(): Promise<void>;
}

export interface WriterContext {
  readonly store: BlobStore;
  readonly master: MasterKey;
  readonly packs: PackWriter;
  readonly loader: TreeLoader;
  readonly chunker: Chunker;
  readonly clock: Clock;
  readonly lock: HeldLock;
  readonly tempDir: string | undefined;
  /** Whether entries carry input fingerprints (format 2; a format-1 repository is written as such). */
  readonly fingerprints: boolean;
  readonly parent: SnapshotInfo | undefined;
  readonly parentRoot: RootNode | undefined;
  readonly profile: string;
  readonly time: Date;
  readonly tags: readonly string[];
  readonly hostname: string;
  readonly username: string;
  readonly signal: AbortSignal | undefined;
  /** Called once the writer is finished (committed, aborted or failed). */
  readonly onClose: () => void;
  readonly onCommit: (info: SnapshotInfo) => void;
}

const TYPE_NAME = /^[\w.:@-]{1,128}$/;

interface StagedItemRow {
  readonly h: string;
  readonly id: string;
  readonly json: string;
}

interface Counters {
  new: number;
  changed: number;
  deleted: number;
  unchanged: number;
  blobsAdded: number;
  bytesAdded: number;
}

function* noRows(): Generator<Row> {}

/**
 * How a staged entry relates to the parent's entry of the same key: the same, the same with a new
 * fingerprint (the document's keys came in another order: recorded, so that the next listing
 * matches again, but not a change), or changed.
 */
function compareEntry(parent: Row, json: string): 'same' | 'refreshed' | 'changed' {
  if (tupleJson(parent.tuple) === json) return 'same';
  const tuple = JSON.parse(json) as unknown[];
  if (entryIdentity(parent.tuple) !== entryIdentity(tuple)) return 'changed';
  const fp = entryFingerprint(tuple);
  return fp !== undefined && fp !== entryFingerprint(parent.tuple) ? 'refreshed' : 'same';
}

/** Records a staged entry against the parent's entry of its key (undefined: none). */
function record(changes: StagingTable, counters: Counters, c: StagedRow, p: Row | undefined): void {
  if (!p) {
    changes.put({ h: c.h, id: c.id, op: OP_ADDED, json: c.json });
    counters.new++;
    return;
  }
  const how = compareEntry(p, c.json as string);
  if (how === 'changed') {
    changes.put({ h: c.h, id: c.id, op: OP_CHANGED, json: c.json });
    counters.changed++;
    return;
  }
  if (how === 'refreshed') changes.put({ h: c.h, id: c.id, op: OP_REFRESHED, json: c.json });
  counters.unchanged++;
}

function deltaEntryJson(op: number, id: string, json: string | null): string {
  return op === OP_DELETED || json === null ? `[${OP_DELETED},${JSON.stringify(id)}]` : `[${op},${json.slice(1)}`;
}

export class SnapshotWriterImpl implements SnapshotWriter {
  private readonly results = new Map<string, { count: number; node: string } | null>();
  private readonly absent = new Map<string, string>();
  private readonly busy = new Set<string>();
  private readonly totals: Counters = { new: 0, changed: 0, deleted: 0, unchanged: 0, blobsAdded: 0, bytesAdded: 0 };
  private state: Record<string, unknown>;
  private closed = false;
  private readonly startedAtMs: number;

  constructor(private readonly ctx: WriterContext) {
    this.state = { ...(ctx.parent?.state ?? {}) };
    this.startedAtMs = ctx.clock.now();
  }

  get parent(): SnapshotInfo | undefined {
    return this.ctx.parent;
  }

  private begin(type: string): void {
    if (this.closed) throw usage('This snapshot writer is already committed or aborted');
    if (!TYPE_NAME.test(type)) throw usage(`Invalid resource type name ${JSON.stringify(type)}`);
    if (this.busy.has(type) || this.results.has(type) || this.absent.has(type)) throw usage(`Type ${type} is already written in this snapshot`);
  }

  private async parentType(type: string): Promise<{ nodeId: string; node: TypeNode; base: BaseNode } | undefined> {
    const ref = this.ctx.parentRoot?.types[type];
    if (!ref) return undefined;
    const node = await this.ctx.loader.typeNode(ref.node, this.ctx.signal);
    return { nodeId: ref.node, node, base: await this.ctx.loader.base(node.base, this.ctx.signal) };
  }

  private signalFor(options: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
    const signals = [this.ctx.signal, options?.signal].filter((s): s is AbortSignal => s !== undefined);
    return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
  }

  private checkItem(type: string, item: Item): void {
    if (item.type !== type) throw usage(`An item of type ${String(item.type)} was written as ${type}`, undefined, { id: item.id });
    if (typeof item.id !== 'string' || item.id.length === 0) throw usage(`An item of type ${type} has no id`);
  }

  private fingerprint(item: Item): string | undefined {
    return this.ctx.fingerprints ? itemFingerprint(this.ctx.master.fingerprintKey, item) : undefined;
  }

  /** Stores an item's document and streams; its entry JSON (`h` is its sort key). */
  private async storeItem(item: Item, h: string, fingerprint: string | undefined, counters: Counters): Promise<StagedItemRow> {
    // Hash the text first: most documents of a full listing are already stored, and for those
    // no byte buffer is ever made (it would be garbage at once).
    const text = canonicalJson(item.document);
    const docId = this.ctx.master.contentId(text).toString('hex');
    let docSize: number;
    if (this.ctx.packs.has(docId)) docSize = Buffer.byteLength(text, 'utf8');
    else {
      const doc = Buffer.from(text, 'utf8');
      docSize = doc.length;
      this.count(counters, (await this.ctx.packs.add(KIND_DATA, doc, docId)).storedBytes);
    }
    let streams: Record<string, BlobRef[]> | undefined;
    if (item.streams) {
      streams = {};
      for (const name of Object.keys(item.streams).sort()) {
        const chunks: BlobRef[] = [];
        for await (const chunk of this.ctx.chunker.split(item.streams[name] as StreamSource)) {
          const c = await this.ctx.packs.add(KIND_DATA, chunk);
          this.count(counters, c.storedBytes);
          chunks.push({ id: c.id, size: chunk.length });
        }
        streams[name] = chunks;
      }
    }
    const tuple = entryTuple(item.id, item.name, { id: docId, size: docSize }, streams, item.meta, fingerprint);
    return { h, id: item.id, json: tupleJson(tuple) };
  }

  private count(counters: Counters, storedBytes: number): void {
    if (storedBytes > 0) {
      counters.blobsAdded++;
      counters.bytesAdded += storedBytes;
    }
  }

  /**
   * Full listing. With fingerprints (format 2) the parent's are read first into a compact table;
   * an item found there is unchanged and costs one JSON.stringify and one hash — no canonical
   * JSON, no content ID, no staging. The rest are stored and staged as usual, then classified
   * against the table (`classifyWithTable`) without reading the parent's tree a second time.
   */
  async replaceType(type: string, items: AsyncIterable<Item> | Iterable<Item>, options?: { signal?: AbortSignal }): Promise<TypeWriteStats> {
    return this.writeType(type, options, async (staged, changes, counters, parent) => {
      const signal = this.signalFor(options);
      const table = parent && this.ctx.fingerprints ? await ParentFingerprints.load(this.ctx.loader, type, parent.node, signal) : undefined;
      let seq = 0;
      for await (const item of items) {
        throwIfAborted(signal);
        this.checkItem(type, item);
        const fingerprint = this.fingerprint(item);
        if (table && fingerprint !== undefined && table.match(item.id, fingerprint, seq)) {
          seq++;
          continue;
        }
        const h = sortKey(this.ctx.master.shardKey, type, item.id);
        const row = await this.storeItem(item, h, fingerprint, counters);
        staged.put({ h, id: row.id, op: -1, json: row.json, seq });
        seq++;
      }
      if (table && parent) await this.classifyWithTable(type, table, parent.node, staged, changes, counters, signal);
      else {
        // No table (format 1, a very large type, no parent): join with the parent's tree on disk.
        const parentRows = parent ? typeRows(this.ctx.loader, type, parent.node, signal) : noRows();
        for await (const [p, c] of joinSorted<Row, StagedRow>(parentRows, staged.sorted())) {
          if (c) record(changes, counters, c, p);
          else {
            changes.put({ h: (p as Row).h, id: (p as Row).id, op: OP_DELETED, json: null });
            counters.deleted++;
          }
        }
      }
      return counters.new + counters.changed + counters.unchanged;
    });
  }

  /**
   * Classifies a full listing with the parent's table: staged items are looked up by key (the
   * parent's entry is read only when the document ID did not already tell), rows matched by
   * fingerprint are unchanged, rows neither matched nor listed are deleted.
   */
  private async classifyWithTable(type: string, table: ParentFingerprints, parentNode: TypeNode, staged: StagingTable, changes: StagingTable, counters: Counters, signal: AbortSignal | undefined): Promise<void> {
    const cursor = new TypeCursor(this.ctx.loader, type, parentNode, signal);
    const listed = new Uint8Array(table.rows);
    for (const c of staged.sorted()) {
      const i = table.find(c.id);
      if (i < 0) {
        record(changes, counters, c, undefined);
        continue;
      }
      listed[i] = 1;
      const matched = table.matchedBy(i);
      if (matched > 0 && matched - 1 > (c.seq ?? 0)) counters.unchanged++; // a later, identical copy wins
      else if (!table.sameDocumentPrefix(i, (JSON.parse(c.json as string) as unknown[])[2] as string)) {
        changes.put({ h: c.h, id: c.id, op: OP_CHANGED, json: c.json });
        counters.changed++;
      } else record(changes, counters, c, await cursor.get(c.h, c.id));
    }
    for (let i = 0; i < table.rows; i++) {
      if (listed[i] || !table.isLive(i)) continue;
      if (table.matchedBy(i) > 0) counters.unchanged++;
      else {
        const id = table.idOf(i);
        changes.put({ h: sortKey(this.ctx.master.shardKey, type, id), id, op: OP_DELETED, json: null });
        counters.deleted++;
      }
    }
  }

  async patchType(type: string, changesIn: AsyncIterable<Item | ItemDeletion> | Iterable<Item | ItemDeletion>, options?: { signal?: AbortSignal }): Promise<TypeWriteStats> {
    return this.writeType(type, options, async (staged, changes, counters, parent) => {
      const signal = this.signalFor(options);
      for await (const change of changesIn) {
        throwIfAborted(signal);
        if ('deleted' in change && change.deleted === true) {
          if (change.type !== type) throw usage(`A deletion of type ${String(change.type)} was written as ${type}`, undefined, { id: change.id });
          staged.put({ h: sortKey(this.ctx.master.shardKey, type, change.id), id: change.id, op: OP_DELETED, json: null });
        } else {
          const item = change as Item;
          this.checkItem(type, item);
          const row = await this.storeItem(item, sortKey(this.ctx.master.shardKey, type, item.id), this.fingerprint(item), counters);
          staged.put({ h: row.h, id: row.id, op: -1, json: row.json });
        }
      }
      const cursor = parent ? new TypeCursor(this.ctx.loader, type, parent.node, signal) : undefined;
      for (const c of staged.sorted()) {
        const p = cursor ? await cursor.get(c.h, c.id) : undefined;
        if (c.op === OP_DELETED) {
          if (p) {
            changes.put({ h: c.h, id: c.id, op: OP_DELETED, json: null });
            counters.deleted++;
          }
        } else record(changes, counters, c, p);
      }
      const parentCount = parent?.node.count ?? 0;
      counters.unchanged = parentCount - counters.changed - counters.deleted;
      return parentCount + counters.new - counters.deleted;
    });
  }

  /**
   * The frame both writes share: staging, the delta-or-fold decision, the type node. `collect`
   * stages the items and the changes against the parent and returns the new item count.
   */
  private async writeType(
    type: string,
    options: { signal?: AbortSignal } | undefined,
    collect: (staged: StagingTable, changes: StagingTable, counters: Counters, parent: Awaited<ReturnType<SnapshotWriterImpl['parentType']>>) => Promise<number>,
  ): Promise<TypeWriteStats> {
    this.begin(type);
    this.busy.add(type);
    const staged = new StagingTable(this.ctx.tempDir);
    const changes = new StagingTable(this.ctx.tempDir);
    const counters: Counters = { new: 0, changed: 0, deleted: 0, unchanged: 0, blobsAdded: 0, bytesAdded: 0 };
    const signal = this.signalFor(options);
    try {
      const parent = await this.parentType(type);
      const count = await collect(staged, changes, counters, parent);
      const changed = changes.count(); // one row per key: the join yields each key once
      let nodeId: string;
      let folded = false;
      const before = { blobs: this.ctx.packs.stats.treeBlobsAdded, bytes: this.ctx.packs.stats.treeBytesAdded };
      if (parent && changed === 0) nodeId = parent.nodeId;
      else {
        const shape = decideShape(parent, changed, count);
        let node: TypeNode;
        if (shape.fold) {
          folded = true;
          const full = this.applyChanges(type, parent?.node, changes, signal);
          const base = await writeBase(this.ctx.packs, full, shape.bits);
          node = { count: base.count, base: base.id, deltas: [] };
        } else {
          const p = parent as NonNullable<typeof parent>;
          const delta = await writeDelta(this.ctx.packs, (function* () {
            for (const r of changes.sorted()) yield [r.h, deltaEntryJson(r.op, r.id, r.json)] as const;
          })());
          node = { count, base: p.node.base, deltas: [...p.node.deltas, delta] };
        }
        nodeId = await writeTypeNode(this.ctx.packs, node);
      }
      // Tree blobs of concurrent type writes may interleave; the attribution is approximate then.
      counters.blobsAdded += this.ctx.packs.stats.treeBlobsAdded - before.blobs;
      counters.bytesAdded += this.ctx.packs.stats.treeBytesAdded - before.bytes;
      this.results.set(type, { count, node: nodeId });
      for (const k of ['new', 'changed', 'deleted', 'unchanged', 'blobsAdded', 'bytesAdded'] as const) this.totals[k] += counters[k];
      return { ...counters, count, folded };
    } finally {
      staged.close();
      changes.close();
      this.busy.delete(type);
    }
  }

  /** The full new state, sorted: the parent's rows with the staged changes applied. */
  private async *applyChanges(type: string, parentNode: TypeNode | undefined, changes: StagingTable, signal: AbortSignal | undefined): AsyncGenerator<readonly [string, string]> {
    const parentRows = parentNode ? typeRows(this.ctx.loader, type, parentNode, signal) : noRows();
    for await (const [p, c] of joinSorted<Row, StagedRow>(parentRows, changes.sorted())) {
      if (c) {
        if (c.op !== OP_DELETED && c.json !== null) yield [c.h, c.json];
      } else if (p) yield [p.h, tupleJson(p.tuple)];
    }
  }

  markAbsent(type: string, reason: string): void {
    this.begin(type);
    this.absent.set(type, reason);
  }

  removeType(type: string): void {
    this.begin(type);
    this.results.set(type, null);
  }

  setState(state: Record<string, unknown>): void {
    if (this.closed) throw usage('This snapshot writer is already committed or aborted');
    this.state = JSON.parse(canonicalJson(state)) as Record<string, unknown>;
  }

  async commit(): Promise<SnapshotInfo> {
    if (this.closed) throw usage('This snapshot writer is already committed or aborted');
    if (this.busy.size > 0) throw usage(`Cannot commit while types are being written: ${[...this.busy].join(', ')}`);
    this.closed = true;
    try {
      const types: Record<string, { count: number; node: string }> = { ...(this.ctx.parentRoot?.types ?? {}) };
      for (const [t, r] of this.results) {
        if (r === null) delete types[t];
        else types[t] = r;
      }
      const rootId = await writeRoot(this.ctx.packs, types);
      await this.ctx.packs.flush();
      await this.ctx.lock.assertHeld(this.ctx.signal);
      const summary: Record<string, TypeSummary> = {};
      for (const t of Object.keys(types).sort()) summary[t] = { count: (types[t] as { count: number }).count };
      for (const [t, reason] of this.absent) summary[t] = { count: types[t]?.count ?? 0, absent: reason };
      const items = Object.values(types).reduce((n, t) => n + t.count, 0);
      const untouched = Object.entries(types).filter(([t]) => !this.results.has(t)).reduce((n, [, t]) => n + t.count, 0);
      const ps = this.ctx.packs.stats;
      const { info, key, bytes } = encodeSnapshot(this.ctx.master, {
        time: this.ctx.time.toISOString(), profile: this.ctx.profile, parent: this.ctx.parent?.id ?? null, tree: rootId,
        hostname: this.ctx.hostname, username: this.ctx.username, tags: [...this.ctx.tags], types: summary, state: this.state,
        stats: {
          items, new: this.totals.new, changed: this.totals.changed, deleted: this.totals.deleted, unchanged: this.totals.unchanged + untouched,
          blobsAdded: ps.blobsAdded, bytesAdded: ps.bytesAdded, treeBlobsAdded: ps.treeBlobsAdded, treeBytesAdded: ps.treeBytesAdded,
          packsWritten: ps.packsWritten, durationMs: this.ctx.clock.now() - this.startedAtMs,
        },
      });
      await this.ctx.store.put(key, bytes, { ifNotExists: true, signal: this.ctx.signal });
      this.ctx.onCommit(info);
      return info;
    } catch (err) {
      await this.ctx.packs.discard();
      throw err;
    } finally {
      await this.ctx.lock.release();
      this.ctx.onClose();
    }
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Index what was uploaded, so the next run resumes from it; never let that mask the abort.
      await this.ctx.lock.assertHeld();
      await this.ctx.packs.flush();
    } catch {
      await this.ctx.packs.discard();
    } finally {
      await this.ctx.lock.release();
      this.ctx.onClose();
    }
  }
}
