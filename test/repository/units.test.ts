import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/repository/canonical.js';
import { Chunker, gearTable } from '../../src/repository/chunker.js';
import { applyRetention } from '../../src/repository/retention.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and matches JSON.stringify otherwise', () => {
    const value = { b: 1, a: { d: [3, { z: null, y: 'x' }], c: true }, e: [undefined, () => 1], f: undefined, g: Number.NaN, h: new Date(0) };
    expect(canonicalJson(value)).toBe('{"a":{"c":true,"d":[3,{"y":"x","z":null}]},"b":1,"e":[null,null],"g":null,"h":"1970-01-01T00:00:00.000Z"}');
    expect(canonicalJson({ z: 1, a: 2 })).toBe(canonicalJson({ a: 2, z: 1 }));
    expect(canonicalJson('text')).toBe('"text"');
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });

  it('orders integer-like keys as strings too (UTF-16 order), where JavaScript objects cannot', () => {
    expect(canonicalJson({ 9: 'nine', 10: 'ten', a: { 2: 'x', 1: 'y' } })).toBe('{"10":"ten","9":"nine","a":{"1":"y","2":"x"}}');
  });
});

describe('content-defined chunker', () => {
  const params = { minSize: 4096, avgSize: 16384, maxSize: 65536 };
  const chunker = new Chunker(gearTable(Buffer.alloc(32, 7)), params);
  const data = Buffer.alloc(1_000_000);
  let x = 99;
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    data[i] = x >>> 24;
  }
  async function sizes(pieces: Iterable<Uint8Array> | Uint8Array): Promise<number[]> {
    const out: number[] = [];
    for await (const c of chunker.split(pieces)) out.push(c.length);
    return out;
  }

  it('cuts within bounds, reassembles exactly, and does not depend on how the input is split', async () => {
    const whole = await sizes(data);
    expect(whole.reduce((a, b) => a + b, 0)).toBe(data.length);
    for (const s of whole.slice(0, -1)) {
      expect(s).toBeGreaterThanOrEqual(params.minSize);
      expect(s).toBeLessThanOrEqual(params.maxSize);
    }
    const avg = data.length / whole.length;
    expect(avg).toBeGreaterThan(params.avgSize / 2);
    expect(avg).toBeLessThan(params.avgSize * 2);
    const ragged = function* (): Generator<Uint8Array> {
      for (let i = 0, step = 1; i < data.length; i += step, step = (step * 7 + 13) % 9001 + 1) yield data.subarray(i, i + step);
    };
    expect(await sizes(ragged())).toEqual(whole);
  });

  it('an insertion moves only the boundaries near it; another key cuts elsewhere', async () => {
    const before = await sizes(data);
    const edited = Buffer.concat([data.subarray(0, 500_000), Buffer.from('inserted'), data.subarray(500_000)]);
    const after = await sizes(edited);
    const boundaries = (s: number[], shiftAfter = Infinity, by = 0): Set<number> => {
      const out = new Set<number>();
      let at = 0;
      for (const n of s) out.add((at += n) > shiftAfter ? at - by : at);
      return out;
    };
    const a = boundaries(before);
    const b = boundaries(after, 500_000, 8);
    const common = [...a].filter((p) => b.has(p)).length;
    expect(common).toBeGreaterThanOrEqual(a.size - 3);
    const other = new Chunker(gearTable(Buffer.alloc(32, 8)), params);
    const otherSizes: number[] = [];
    for await (const c of other.split(data)) otherSizes.push(c.length);
    expect(otherSizes).not.toEqual(before);
  });
});

describe('retention', () => {
  const at = (iso: string): { time: string } => ({ time: iso });
  const times = (xs: readonly { time: string }[]): string[] => xs.map((x) => x.time);

  it('keeps the newest snapshot of each of the N most recent buckets', () => {
    const snaps = ['2025-12-29T10:00:00Z', '2026-01-04T23:00:00Z', '2026-01-05T01:00:00Z', '2026-01-12T08:00:00Z', '2026-02-01T00:30:00Z', '2026-02-01T12:00:00Z'].map(at);
    // 29 Dec 2025 and 4 Jan 2026 are both ISO week 2026-W01; 5 Jan starts W02.
    const weekly = applyRetention(snaps, (s) => s.time, { keepWeekly: 3 }, 'UTC');
    expect(times(weekly.keep.map((k) => k.snapshot))).toEqual(['2026-02-01T12:00:00Z', '2026-01-12T08:00:00Z', '2026-01-05T01:00:00Z']);
    const monthly = applyRetention(snaps, (s) => s.time, { keepMonthly: 2, keepYearly: 5 }, 'UTC');
    expect(monthly.keep.map((k) => [k.snapshot.time, k.reasons])).toEqual([
      ['2026-02-01T12:00:00Z', ['monthly snapshot', 'yearly snapshot']],
      ['2026-01-12T08:00:00Z', ['monthly snapshot']],
      ['2025-12-29T10:00:00Z', ['yearly snapshot']],
    ]);
    expect(times(monthly.remove)).toEqual(['2026-02-01T00:30:00Z', '2026-01-05T01:00:00Z', '2026-01-04T23:00:00Z']);
  });

  it('buckets by calendar time in the given zone', () => {
    const snaps = ['2026-03-01T22:30:00Z', '2026-03-02T01:00:00Z'].map(at);
    // In UTC these are two days; in Tokyo (UTC+9) both fall on 2 March.
    expect(applyRetention(snaps, (s) => s.time, { keepDaily: 5 }, 'UTC').keep).toHaveLength(2);
    expect(applyRetention(snaps, (s) => s.time, { keepDaily: 5 }, 'Asia/Tokyo').keep).toHaveLength(1);
    expect(applyRetention(snaps, (s) => s.time, { keepHourly: 1, keepLast: 1 }, 'UTC').keep).toHaveLength(1);
  });
});
