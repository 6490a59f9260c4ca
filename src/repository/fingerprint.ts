/**
 * Input fingerprints (spec §9.1, format 2): what lets a full listing skip the items that did not
 * change, the way restic skips files whose size and mtime match the parent's.
 *
 * An item's fingerprint is a keyed hash of its entry fields and of `JSON.stringify(document)` —
 * the native serialisation, in the key order the document arrived with, several times cheaper
 * than canonicalising it and computing its content ID. A writer keeps the parent's fingerprints
 * of the type in a compact sorted table (`ParentFingerprints`); an item whose fingerprint is there
 * is unchanged, so it is neither canonicalised, hashed nor staged.
 *
 * Guarantees: equal fingerprints mean equal `JSON.stringify` text, so equal canonical text and
 * the same document blob (up to a 132-bit keyed-hash collision); a fingerprint that differs only
 * because the keys came in another order is a miss, never a wrong answer — the item then takes the
 * full path. Items with streams have no fingerprint (their bytes are not in the document).
 * Memory: about 100 bytes per parent entry with GUID IDs (the ID, a map slot, 28 bytes of
 * arrays: ≈ 10 MB per 100,000 items), the one per-item structure a writer holds in memory, for
 * one type at a time; above
 * `FINGERPRINT_TABLE_LIMIT` entries it is not built and the listing is joined with the parent's
 * tree on disk instead.
 */
import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { baseTuples, deltaRows, entryFingerprint, type TreeLoader, type TypeNode } from './tree.js';

/** Largest parent type (entries) whose table is held in memory (about 90 MB). */
export const FINGERPRINT_TABLE_LIMIT = 1_000_000;

/** Characters of base64url kept: 132 bits. */
const FP_CHARS = 22;

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

function sha256Base64url(input: string): string {
  return oneShot ? oneShot('sha256', input, 'base64url') : crypto.createHash('sha256').update(input, 'utf8').digest('base64url');
}

export interface FingerprintInput {
  readonly id: string;
  readonly name?: string;
  readonly document: unknown;
  readonly streams?: unknown;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/**
 * SHA-256(hex(fingerprintKey) 0x00 JSON[id, name|null] meta|null 0x00 base64url(SHA-256(text))),
 * first 22 base64url characters, where text = JSON.stringify(document); undefined for items with
 * streams or documents JSON cannot write. The prefix is self-delimiting JSON, so no two inputs
 * share a hash input. The document is hashed on its own so that its text is never copied into a
 * concatenated string (a few KB of garbage per item).
 */
export function itemFingerprint(keyHex: string, item: FingerprintInput): string | undefined {
  if (item.streams !== undefined && Object.keys(item.streams as object).length > 0) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(item.document);
  } catch {
    return undefined; // the full path raises the proper error
  }
  if (text === undefined) return undefined;
  const meta = item.meta !== undefined && Object.keys(item.meta).length > 0 ? canonicalJson(item.meta) : 'null';
  return sha256Base64url(`${keyHex}\0${JSON.stringify([item.id, item.name ?? null])}${meta}\0${sha256Base64url(text)}`).slice(0, FP_CHARS);
}

const scratch = Buffer.alloc(18);

/** The first 16 bytes of a fingerprint as four 32-bit words (into `out` at `at`). */
function fpWords(fp: string, out: Uint32Array, at: number): void {
  scratch.fill(0);
  scratch.write(fp, 'base64url');
  for (let k = 0; k < 4; k++) out[at + k] = scratch.readUInt32BE(4 * k);
}

/** Per-row words: the fingerprint (4), the first 8 bytes of the document's content ID (2). */
const W = 6;

/**
 * The parent's entries of one type in compact form, keyed by item ID: fingerprint, start of the
 * document ID, and whether the row is live. Loaded straight from the base's leaves with the
 * deltas applied by ID — no sort keys, no merge — and with it a full listing is classified without
 * a second pass over the parent's tree: matched rows are unchanged, staged rows are found by ID,
 * and live rows neither matched nor staged are the deletions.
 */
export class ParentFingerprints {
  private readonly words: Uint32Array;
  private readonly live: Uint8Array;
  /** Per row: 1 + the sequence number of the last listed item that matched it, or 0. */
  private readonly matched: Uint32Array;
  private readonly ids: string[] = [];
  private readonly byId = new Map<string, number>();
  private liveRows = 0;
  private readonly probe = new Uint32Array(4);

  private constructor(capacity: number) {
    this.words = new Uint32Array(capacity * W);
    this.live = new Uint8Array(capacity);
    this.matched = new Uint32Array(capacity);
  }

  /** Reads the parent's state of the type; undefined when it is larger than the limit or inconsistent. */
  static async load(loader: TreeLoader, type: string, node: TypeNode, signal?: AbortSignal): Promise<ParentFingerprints | undefined> {
    const base = await loader.base(node.base, signal);
    const capacity = base.count + node.deltas.reduce((n, d) => n + d.count, 0);
    if (node.count > FINGERPRINT_TABLE_LIMIT || capacity > 2 * FINGERPRINT_TABLE_LIMIT) return undefined;
    const table = new ParentFingerprints(capacity);
    for await (const leaf of baseTuples(loader, base, signal)) for (const tuple of leaf) if (!table.set(tuple)) return undefined;
    for (const delta of node.deltas) {
      for await (const row of deltaRows(loader, type, delta, signal)) {
        if (row.tuple !== undefined) {
          if (!table.set(row.tuple)) return undefined;
        } else table.remove(row.id);
      }
    }
    return table.liveRows === node.count ? table : undefined;
  }

  /** Adds or replaces the row of the tuple's ID. */
  private set(tuple: readonly unknown[]): boolean {
    const id = tuple[0] as string;
    let i = this.byId.get(id);
    if (i === undefined) {
      i = this.ids.length;
      if (i >= this.live.length) return false;
      this.ids.push(id);
      this.byId.set(id, i);
    }
    if (this.live[i] === 0) this.liveRows++;
    this.live[i] = 1;
    const at = i * W;
    const fp = entryFingerprint(tuple);
    if (fp !== undefined && fp.length === FP_CHARS) fpWords(fp, this.words, at);
    else this.words.fill(0, at, at + 4);
    const docId = tuple[2] as string;
    this.words[at + 4] = parseInt(docId.slice(0, 8), 16);
    this.words[at + 5] = parseInt(docId.slice(8, 16), 16);
    return true;
  }

  private remove(id: string): void {
    const i = this.byId.get(id);
    if (i !== undefined && this.live[i] === 1) {
      this.live[i] = 0;
      this.liveRows--;
    }
  }

  /** Rows held (live or not); row numbers run from 0 to this. */
  get rows(): number {
    return this.ids.length;
  }

  /**
   * Marks the live row of `id` as matched by listed item number `seq` if its fingerprint is `fp`;
   * false if not (a new or changed item, or a parent entry without a fingerprint).
   */
  match(id: string, fp: string, seq: number): boolean {
    const i = this.find(id);
    if (i < 0) return false;
    fpWords(fp, this.probe, 0);
    const [p0, p1, p2, p3] = this.probe as unknown as [number, number, number, number];
    // Rows without a fingerprint hold zeros; a real one that is all zeros (2^-128) just misses.
    if ((p0 | p1 | p2 | p3) === 0) return false;
    const w = this.words;
    const at = i * W;
    if (w[at] !== p0 || w[at + 1] !== p1 || w[at + 2] !== p2 || w[at + 3] !== p3) return false;
    this.matched[i] = seq + 1;
    return true;
  }

  /** The live row of `id`, or -1. */
  find(id: string): number {
    const i = this.byId.get(id);
    return i !== undefined && this.live[i] === 1 ? i : -1;
  }

  isLive(i: number): boolean {
    return this.live[i] === 1;
  }

  /** 1 + the sequence number of the last item that matched row `i`, or 0 if none did. */
  matchedBy(i: number): number {
    return this.matched[i] as number;
  }

  /** Whether row `i`'s document ID starts like `docId` (if not, the entries differ for sure). */
  sameDocumentPrefix(i: number, docId: string): boolean {
    return this.words[i * W + 4] === parseInt(docId.slice(0, 8), 16) && this.words[i * W + 5] === parseInt(docId.slice(8, 16), 16);
  }

  idOf(i: number): string {
    return this.ids[i] as string;
  }
}
