/**
 * A model of what the catalog must answer, computed the obvious way from full states, and a fake
 * `CatalogSource` over the same states. Tests compare the catalog's answers with the model's.
 */
import type { Catalog, CatalogItem, CatalogItemChange, CatalogSnapshot, CatalogSource, ItemVersion } from '../../src/catalog/index.js';

export interface ModelItem {
  readonly type: string;
  readonly id: string;
  readonly blobId: string;
  readonly name: string;
  readonly size: number;
}

/** A snapshot and the full state of its profile's items at that moment. */
export interface ModelSnapshot {
  readonly snapshot: CatalogSnapshot;
  readonly items: ReadonlyMap<string, ModelItem>;
}

export const REPO = 'repo-0001';

export function keyOf(item: { type: string; id: string }): string {
  return `${item.type}/${item.id}`;
}

/** Deterministic PRNG (mulberry32), so every run builds the same world. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hexId(random: () => number, length = 64): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 16).toString(16);
  return out;
}

export function snapshotAt(id: string, profile: string, minute: number, extra: Partial<CatalogSnapshot> = {}): CatalogSnapshot {
  return { id, repositoryId: REPO, profile, time: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), ...extra };
}

/** The changes that turn `from` into `to`, in key order (as a tree diff would give them). */
export function diff(from: ReadonlyMap<string, ModelItem> | undefined, to: ReadonlyMap<string, ModelItem>): CatalogItemChange[] {
  const out: CatalogItemChange[] = [];
  const keys = new Set([...(from?.keys() ?? []), ...to.keys()]);
  for (const key of [...keys].sort()) {
    const before = from?.get(key);
    const after = to.get(key);
    if (after === undefined && before !== undefined) out.push({ type: before.type, id: before.id, kind: 'removed' });
    else if (after !== undefined && before === undefined) out.push({ ...after, kind: 'added' });
    else if (after !== undefined && before !== undefined && after.blobId !== before.blobId) out.push({ ...after, kind: 'changed' });
  }
  return out;
}

export async function* stream<T>(values: Iterable<T>): AsyncGenerator<T> {
  for (const value of values) yield value;
}

const FIRST = ['Alice', 'alan', 'Bob', 'Émile', 'Zoë', 'natalie', 'ÅSA', "O'Brien", 'Chloé', 'li', 'Liam', 'MARIA'];
const LAST = ['Smith', 'jones', 'Ölund', '50%_off', 'back\\slash', 'quo"te', 'García', 'Ng', 'van der Berg'];
const TYPES = ['user', 'group', 'conditionalAccessPolicy'];

/**
 * Snapshots of several profiles, interleaved in time, with items added, changed (new blob,
 * sometimes a new name), removed and re-added at random, and some snapshots with no change.
 */
export function randomWorld(seed: number, options: { profiles: number; snapshots: number; items: number }): ModelSnapshot[] {
  const random = prng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const states = new Map<string, Map<string, ModelItem>>();
  const universe = new Map<string, ModelItem[]>();
  for (let p = 0; p < options.profiles; p += 1) {
    const profile = `profile-${p}`;
    states.set(profile, new Map());
    const items: ModelItem[] = [];
    for (let i = 0; i < options.items; i += 1) {
      items.push({ type: pick(TYPES), id: hexId(random, 12), blobId: hexId(random), name: `${pick(FIRST)} ${pick(LAST)} ${i}`, size: 100 + i });
    }
    universe.set(profile, items);
  }
  const out: ModelSnapshot[] = [];
  let minute = 0;
  for (let s = 0; s < options.snapshots; s += 1) {
    for (let p = 0; p < options.profiles; p += 1) {
      const profile = `profile-${p}`;
      const state = new Map(states.get(profile));
      const quiet = s > 0 && random() < 0.25;
      if (!quiet) {
        for (const base of universe.get(profile) ?? []) {
          const key = keyOf(base);
          const current = state.get(key);
          const r = random();
          if (current === undefined) {
            if (r < (s === 0 ? 0.7 : 0.08)) state.set(key, { ...base, blobId: hexId(random) });
          } else if (r < 0.08) {
            state.delete(key);
          } else if (r < 0.2) {
            state.set(key, { ...current, blobId: hexId(random), name: random() < 0.3 ? `${pick(FIRST)} ${pick(LAST)} r${s}` : current.name, size: current.size + 1 });
          }
        }
      }
      states.set(profile, state);
      minute += 1;
      out.push({ snapshot: snapshotAt(hexId(random), profile, minute, { summary: { items: state.size } }), items: state });
    }
  }
  return out;
}

/** A fake repository: yields the snapshots in a scrambled order and diffs full states. */
export class FakeSource implements CatalogSource {
  readonly repositoryId = REPO;
  readonly #byId: Map<string, ModelSnapshot>;
  changesCalls = 0;

  constructor(readonly world: readonly ModelSnapshot[]) {
    this.#byId = new Map(world.map((m) => [m.snapshot.id, m]));
  }

  async *snapshots(): AsyncIterable<CatalogSnapshot> {
    // Odd positions first, then even, reversed: "any order" as the port allows.
    const odd = this.world.filter((_, i) => i % 2 === 1);
    const even = this.world.filter((_, i) => i % 2 === 0).reverse();
    for (const m of [...odd, ...even]) yield m.snapshot;
  }

  changes(from: CatalogSnapshot | undefined, to: CatalogSnapshot): AsyncIterable<CatalogItemChange> {
    this.changesCalls += 1;
    const before = from === undefined ? undefined : this.#byId.get(from.id)?.items;
    const after = this.#byId.get(to.id)?.items;
    if (after === undefined) throw new Error(`unknown snapshot ${to.id}`);
    return stream(diff(before, after));
  }
}

/** Records every snapshot of `world` in order, each relative to its profile's previous one. */
export async function ingest(catalog: Pick<Catalog, 'recordSnapshot'>, world: readonly ModelSnapshot[]): Promise<void> {
  const previous = new Map<string, ModelSnapshot>();
  for (const m of world) {
    const prev = previous.get(m.snapshot.profile);
    await catalog.recordSnapshot(m.snapshot, stream(diff(prev?.items, m.items)), { base: prev?.snapshot.id ?? null });
    previous.set(m.snapshot.profile, m);
  }
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What `listItems` must return for a snapshot, in the catalog's order. */
export function expectedItems(m: ModelSnapshot, type?: string): CatalogItem[] {
  return [...m.items.values()]
    .filter((i) => type === undefined || i.type === type)
    .sort((a, b) => compareBytes(a.type, b.type) || compareBytes(a.name.toLowerCase(), b.name.toLowerCase()) || compareBytes(a.id, b.id))
    .map((i) => ({ profile: m.snapshot.profile, type: i.type, id: i.id, name: i.name, blobId: i.blobId, size: i.size }));
}

/** Versions as runs of consecutive snapshots holding the same blob; `seq` is the position (1-based). */
export function expectedVersions(world: readonly ModelSnapshot[]): ItemVersion[] {
  const out: ItemVersion[] = [];
  const profiles = [...new Set(world.map((m) => m.snapshot.profile))];
  for (const profile of profiles) {
    const snaps = world.filter((m) => m.snapshot.profile === profile);
    const ref = (index: number) => {
      const s = snaps[index]?.snapshot;
      if (s === undefined) throw new Error('bad index');
      return { id: s.id, seq: index + 1, time: s.time };
    };
    const open = new Map<string, { item: ModelItem; first: number }>();
    const close = (key: string, lastIndex: number, current: boolean): void => {
      const v = open.get(key);
      if (v === undefined) return;
      out.push({
        profile,
        type: v.item.type,
        id: v.item.id,
        name: v.item.name,
        blobId: v.item.blobId,
        size: v.item.size,
        first: ref(v.first),
        last: ref(lastIndex),
        current,
        snapshotCount: lastIndex - v.first + 1,
      });
      open.delete(key);
    };
    snaps.forEach((m, index) => {
      for (const key of [...open.keys()]) {
        const now = m.items.get(key);
        if (now === undefined || now.blobId !== open.get(key)?.item.blobId) close(key, index - 1, false);
      }
      for (const [key, item] of m.items) if (!open.has(key)) open.set(key, { item, first: index });
    });
    for (const key of [...open.keys()]) close(key, snaps.length - 1, true);
  }
  return out;
}

/** The catalog's order for history and search answers. */
export function sortVersions(versions: readonly ItemVersion[]): ItemVersion[] {
  return [...versions].sort(
    (a, b) =>
      compareBytes(a.profile, b.profile) ||
      compareBytes(a.type, b.type) ||
      compareBytes(a.name.toLowerCase(), b.name.toLowerCase()) ||
      compareBytes(a.id, b.id) ||
      a.first.seq - b.first.seq,
  );
}

/** Drops sequence numbers, which differ (by gaps) between a catalog with removals and a model. */
export function withoutSeq(versions: readonly ItemVersion[]): unknown[] {
  return versions.map(({ first, last, ...rest }) => ({ ...rest, first: { id: first.id, time: first.time }, last: { id: last.id, time: last.time } }));
}
