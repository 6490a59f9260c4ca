/**
 * `findItems`: which items have a name containing a text, and in which snapshots
 * (`tenant-vault find TEXT`). The catalog's name search answers per version; this groups the
 * versions of one item together, so each item is one answer with its ranges of snapshots.
 *
 * Guarantees: items come in the catalog's order (profile, type, name, ID); an item's ranges are
 * oldest first, each bounded by the first and last snapshot in which that version is current,
 * `current` marking the one still current in the profile's latest snapshot. `limit` bounds the
 * number of versions read (default 100), so an answer cut short says so (`truncated`).
 */
import type { Catalog, ItemVersion } from '../../catalog/index.js';
import type { SnapshotPoint } from './history.js';

export interface FoundRange {
  readonly name: string;
  readonly first: SnapshotPoint;
  readonly last: SnapshotPoint;
  readonly current: boolean;
  readonly snapshots: number;
}

export interface FoundItem {
  readonly profile: string;
  readonly type: string;
  readonly id: string;
  /** The name of the newest matching version. */
  readonly name: string;
  readonly ranges: FoundRange[];
}

export interface FindResult {
  readonly items: FoundItem[];
  /** True when `limit` versions were read and more may match. */
  readonly truncated: boolean;
}

export interface FindOptions {
  readonly profile?: string;
  readonly type?: string;
  /** Versions read at most; default 100, at most 10 000. */
  readonly limit?: number;
}

export async function findItems(catalog: Pick<Catalog, 'search'>, text: string, options: FindOptions = {}): Promise<FindResult> {
  const limit = options.limit ?? 100;
  const versions = await catalog.search(text, { limit, ...(options.profile === undefined ? {} : { profile: options.profile }), ...(options.type === undefined ? {} : { type: options.type }) });
  const items = new Map<string, { profile: string; type: string; id: string; versions: ItemVersion[] }>();
  for (const v of versions) {
    const key = `${v.profile}\0${v.type}\0${v.id}`;
    let item = items.get(key);
    if (!item) items.set(key, (item = { profile: v.profile, type: v.type, id: v.id, versions: [] }));
    item.versions.push(v);
  }
  return {
    truncated: versions.length >= limit,
    items: [...items.values()].map((item) => {
      const ranges = item.versions
        .sort((a, b) => a.first.seq - b.first.seq)
        .map((v): FoundRange => ({ name: v.name, first: { id: v.first.id, time: v.first.time }, last: { id: v.last.id, time: v.last.time }, current: v.current, snapshots: v.snapshotCount }));
      return { profile: item.profile, type: item.type, id: item.id, name: (ranges.at(-1) as FoundRange).name, ranges };
    }),
  };
}
