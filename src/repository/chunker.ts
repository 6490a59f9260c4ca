/**
 * Content-defined chunking of binary streams (spec §9.4): FastCDC (Xia et al., "FastCDC: a Fast
 * and Efficient Content-Defined Chunking Approach for Data Deduplication", USENIX ATC 2016) with
 * normalised chunking and a gear table derived from the repository's chunker key.
 *
 * Guarantees: every chunk is between `minSize` and `maxSize` bytes except a stream's last, which
 * may be shorter; the chunks concatenate to the input exactly; the boundaries depend only on the
 * bytes and the key, not on how the input was split into pieces, so an edit moves only nearby
 * boundaries. Memory: at most `maxSize` plus one input piece is buffered.
 */
import { createCipheriv } from 'node:crypto';

export interface ChunkerParams {
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: 8 * 1024 * 1024 };

export function validateChunker(p: ChunkerParams): void {
  const pow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(p.avgSize) || !(p.minSize >= 64 && p.minSize < p.avgSize && p.avgSize < p.maxSize && p.maxSize <= 64 * 1024 * 1024)) {
    throw new TypeError(`Invalid chunker sizes ${JSON.stringify(p)}: need 64 ≤ min < avg (a power of two) < max ≤ 64 MiB`);
  }
}

/** 256 pseudo-random 32-bit values: the first KiB of AES-256-CTR keystream under the chunker key. */
export function gearTable(chunkerKey: Buffer): Uint32Array {
  const cipher = createCipheriv('aes-256-ctr', chunkerKey, Buffer.alloc(16));
  const stream = Buffer.concat([cipher.update(Buffer.alloc(1024)), cipher.final()]);
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) table[i] = stream.readUInt32LE(i * 4);
  return table;
}

/** A mask of `bits` one-bits in the top of a 32-bit word: the condition then depends on the last 32 bytes. */
function topMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : ((0xffffffff << (32 - bits)) >>> 0);
}

export class Chunker {
  private readonly maskS: number;
  private readonly maskL: number;

  constructor(
    private readonly gear: Uint32Array,
    private readonly params: ChunkerParams,
  ) {
    validateChunker(params);
    const bits = Math.round(Math.log2(params.avgSize));
    // Normalised chunking, level 2: harder to cut before the average size, easier after it.
    this.maskS = topMask(bits + 2);
    this.maskL = topMask(bits - 2);
  }

  /**
   * Length of the first chunk of `data[start..end)`, or -1 if more input is needed to decide.
   * `final` says the input ends at `end`.
   */
  private cut(data: Buffer, start: number, end: number, final: boolean): number {
    const { minSize, avgSize, maxSize } = this.params;
    const n = end - start;
    if (n <= minSize) return final ? n : -1;
    const limit = Math.min(n, maxSize);
    const normal = Math.min(avgSize, limit);
    const gear = this.gear;
    const maskS = this.maskS;
    const maskL = this.maskL;
    let h = 0;
    // Start hashing 32 bytes before the minimum so the window is full at the first candidate.
    let i = minSize - 32;
    for (; i < minSize; i++) h = ((h << 1) + (gear[data[start + i] as number] as number)) >>> 0;
    for (; i < normal; i++) {
      h = ((h << 1) + (gear[data[start + i] as number] as number)) >>> 0;
      if ((h & maskS) === 0) return i + 1;
    }
    for (; i < limit; i++) {
      h = ((h << 1) + (gear[data[start + i] as number] as number)) >>> 0;
      if ((h & maskL) === 0) return i + 1;
    }
    if (limit === maxSize) return maxSize;
    return final ? n : -1;
  }

  /** Splits a stream into chunks (each a fresh Buffer the caller may keep). */
  async *split(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
    const { maxSize } = this.params;
    // Pieces are gathered until a whole maximum-size window is available: then `cut` always
    // decides, and no byte is hashed twice or copied more than once per chunk.
    let pieces: Uint8Array[] = [];
    let total = 0;
    const pieceSource = source instanceof Uint8Array ? [source] : source;
    for await (const piece of pieceSource) {
      if (piece.length === 0) continue;
      pieces.push(piece);
      total += piece.length;
      if (total < maxSize) continue;
      const buf = Buffer.concat(pieces, total);
      let start = 0;
      while (buf.length - start >= maxSize) {
        const len = this.cut(buf, start, buf.length, false);
        yield Buffer.from(buf.subarray(start, start + len));
        start += len;
      }
      pieces = start < buf.length ? [buf.subarray(start)] : [];
      total = buf.length - start;
    }
    const rest = Buffer.concat(pieces, total);
    let start = 0;
    while (start < rest.length) {
      const len = this.cut(rest, start, rest.length, true);
      yield Buffer.from(rest.subarray(start, start + len));
      start += len;
    }
  }
}
