/**
 * A small seeded PRNG (sfc32) with the helpers synthetic data needs. The same seed gives the same
 * sequence on every platform, so a tenant generated from a seed is identical run after run.
 *
 * `fork(label)` derives an independent stream from the seed and a label: adding draws to one
 * stream (say, a new family of data) never shifts the values another stream produces.
 * Not cryptographically secure; the emulator uses `node:crypto` for secrets and signing keys.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; `weights[i]` belongs to `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** A random version-4 UUID drawn from this stream (deterministic). */
  uuid(): string;
  /** `n` lowercase hex characters. */
  hex(n: number): string;
  /** An independent stream derived from this stream's seed and `label`. */
  fork(label: string): Random;
}

/** 32-bit FNV-1a; used to turn labels into seeds. */
export function hash32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const HEX = '0123456789abcdef';

export function createRandom(seed: number | string): Random {
  const seedText = String(seed);
  let a = hash32(seedText, 0x9e3779b9);
  let b = hash32(seedText, 0x243f6a88);
  let c = hash32(seedText, 0xb7e15162);
  let d = 1;
  const u32 = (): number => {
    // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator).
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();

  const rnd: Random = {
    next: () => u32() / 4294967296,
    int: (n) => Math.floor((u32() / 4294967296) * n),
    between: (min, max) => min + Math.floor((u32() / 4294967296) * (max - min + 1)),
    chance: (p) => u32() / 4294967296 < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor((u32() / 4294967296) * items.length)] as T;
    },
    weighted: <T>(items: readonly T[], weights: readonly number[]): T => {
      let total = 0;
      for (const w of weights) total += w;
      let r = (u32() / 4294967296) * total;
      for (let i = 0; i < items.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return items[i] as T;
      }
      return items[items.length - 1] as T;
    },
    uuid: () => {
      let s = '';
      for (let i = 0; i < 4; i++) s += u32().toString(16).padStart(8, '0');
      // Version 4, RFC 4122 variant, so the value looks like any Entra object ID.
      const variant = HEX[8 + (parseInt(s[16] ?? '0', 16) & 3)];
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
    },
    hex: (n) => {
      let s = '';
      while (s.length < n) s += u32().toString(16).padStart(8, '0');
      return s.slice(0, n);
    },
    fork: (label) => createRandom(`${seedText}/${label}`),
  };
  return rnd;
}
