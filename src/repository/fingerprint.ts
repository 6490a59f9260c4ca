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
 * Memory: 32 bytes plus the item ID per parent entry (about 9 MB per 100,000 items with GUID
 * IDs), the one per-item structure a writer holds in memory, for one type at a time; above
 * `FINGERPRINT_TABLE_LIMIT` entries it is not built and the listing is joined with the parent's
 * tree on disk instead.
 */
import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { entryFingerprint, type Row } from './tree.js';

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

/** Per-row words: h (2), fingerprint (4), first 8 bytes of the document's content ID (2). */
const W = 8;

/**
 * The parent's entries of one type in compact form, in (h, id) order: sort key, fingerprint, ID
 * and the start of the document ID of each. With it a full listing is classified without a
 * second pass over the parent's tree: matched rows are unchanged, staged rows are found by key,
 * and rows neither matched nor staged are the deletions.
 */
export class ParentFingerprints {
  private readonly words: Uint32Array;
  /** Per row: 1 + the sequence number of the last listed item that matched it, or 0. */
  private readonly matched: Uint32Array;
  private readonly ids: string[] = [];
  private readonly probe = new Uint32Array(4);

  private constructor(capacity: number) {
    this.words = new Uint32Array(capacity * W);
    this.matched = new Uint32Array(capacity);
  }

  /** Reads the parent's rows; undefined when it has more than the limit (or lied about its count). */
  static async load(rows: AsyncIterable<Row>, count: number): Promise<ParentFingerprints | undefined> {
    if (count > FINGERPRINT_TABLE_LIMIT) return undefined;
    const table = new ParentFingerprints(count);
    const w = table.words;
    for await (const row of rows) {
      const i = table.ids.length;
      if (i >= count) return undefined;
      const at = i * W;
      w[at] = parseInt(row.h.slice(0, 8), 16);
      w[at + 1] = parseInt(row.h.slice(8, 16), 16);
      const fp = entryFingerprint(row.tuple);
      if (fp !== undefined && fp.length === FP_CHARS) fpWords(fp, w, at + 2);
      const docId = row.tuple[2] as string;
      w[at + 6] = parseInt(docId.slice(0, 8), 16);
      w[at + 7] = parseInt(docId.slice(8, 16), 16);
      table.ids.push(row.id);
    }
    return table.ids.length === count ? table : undefined;
  }

  get rows(): number {
    return this.ids.length;
  }

  /** The first row whose sort key is `h` (or where it would be). */
  private lowerBound(h: string): { at: number; hi: number; lo: number } {
    const hi = parseInt(h.slice(0, 8), 16);
    const lo = parseInt(h.slice(8, 16), 16);
    const w = this.words;
    let a = 0;
    let b = this.ids.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const mh = w[mid * W] as number;
      if (mh < hi || (mh === hi && (w[mid * W + 1] as number) < lo)) a = mid + 1;
      else b = mid;
    }
    return { at: a, hi, lo };
  }

  private hasKey(i: number, hi: number, lo: number): boolean {
    return i < this.ids.length && this.words[i * W] === hi && this.words[i * W + 1] === lo;
  }

  /**
   * Marks the row whose sort key is `h` and whose fingerprint is `fp` as matched by listed item
   * number `seq`; false if there is none (a new or changed item, or a parent entry without one).
   */
  match(h: string, fp: string, seq: number): boolean {
    fpWords(fp, this.probe, 0);
    // Rows without a fingerprint hold zeros; a real one that is all zeros (2^-128) just misses.
    const [p0, p1, p2, p3] = this.probe as unknown as [number, number, number, number];
    if ((p0 | p1 | p2 | p3) === 0) return false;
    const w = this.words;
    const { at, hi, lo } = this.lowerBound(h);
    // Rows with an equal h (a collision of two IDs) sit together; the fingerprint covers the ID.
    for (let i = at; this.hasKey(i, hi, lo); i++) {
      const f = i * W + 2;
      if (w[f] === p0 && w[f + 1] === p1 && w[f + 2] === p2 && w[f + 3] === p3) {
        this.matched[i] = seq + 1;
        return true;
      }
    }
    return false;
  }

  /** The row of key (h, id), or -1. */
  find(h: string, id: string): number {
    const { at, hi, lo } = this.lowerBound(h);
    for (let i = at; this.hasKey(i, hi, lo); i++) if (this.ids[i] === id) return i;
    return -1;
  }

  /** 1 + the sequence number of the last item that matched row `i`, or 0 if none did. */
  matchedBy(i: number): number {
    return this.matched[i] as number;
  }

  /** Whether row `i`'s document ID starts like `docId` (if not, the entries differ for sure). */
  sameDocumentPrefix(i: number, docId: string): boolean {
    return this.words[i * W + 6] === parseInt(docId.slice(0, 8), 16) && this.words[i * W + 7] === parseInt(docId.slice(8, 16), 16);
  }

  /** Row `i`'s key. */
  key(i: number): { h: string; id: string } {
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    return { h: hex(this.words[i * W] as number) + hex(this.words[i * W + 1] as number), id: this.ids[i] as string };
  }
}
