/**
 * Per-blob compression (spec §3.1): brotli quality 5 with a window sized to the input, or none
 * when brotli saves less than 1/16. Decompression checks the recorded uncompressed length.
 * Not here: which blobs are compressed — every blob and file goes through `compress`.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { corrupt } from './errors.js';

export const COMPRESSION_NONE = 0;
export const COMPRESSION_BROTLI = 1;

/** Below this, a blob is stored raw: brotli's framing costs more than it can save. */
const MIN_COMPRESS_BYTES = 64;

export interface Compressed {
  readonly compression: number;
  readonly data: Buffer;
}

export function compress(data: Buffer): Compressed {
  if (data.length < MIN_COMPRESS_BYTES) return { compression: COMPRESSION_NONE, data };
  const lgwin = Math.min(22, Math.max(16, Math.ceil(Math.log2(data.length))));
  const out = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 5,
      [constants.BROTLI_PARAM_LGWIN]: lgwin,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  if (out.length > data.length - (data.length >> 4)) return { compression: COMPRESSION_NONE, data };
  return { compression: COMPRESSION_BROTLI, data: out };
}

export function decompress(compression: number, data: Buffer, rawLength: number | undefined, what: string): Buffer {
  let out: Buffer;
  if (compression === COMPRESSION_NONE) out = data;
  else if (compression === COMPRESSION_BROTLI) {
    try {
      out = brotliDecompressSync(data, rawLength === undefined ? {} : { maxOutputLength: Math.max(rawLength, 1) });
    } catch (cause) {
      throw corrupt(`${what} does not decompress`, {}, cause);
    }
  } else throw corrupt(`${what} uses unknown compression ${compression}`);
  if (rawLength !== undefined && out.length !== rawLength) {
    throw corrupt(`${what} decompresses to ${out.length} bytes, ${rawLength} expected`);
  }
  return out;
}
