/**
 * `diffLive`: how the live tenant differs from a snapshot (`tenant-vault diff SNAPSHOT --live`),
 * in the same shape as a snapshot-to-snapshot diff.
 *
 * How: the live items (read as a backup would store them, through the backup engine's
 * `readLiveItems`) are looked up one by one in the snapshot's tree and their documents compared
 * property by property; afterwards the snapshot's entries of each compared type that were not
 * seen live are reported removed. Nothing of the tenant is held in memory but the IDs seen.
 *
 * Guarantees: only the compared types are read and reported: the snapshot's types (or the ones
 * asked for) minus append-only logs (directory audits) — a log's old records ageing out of the
 * service is not a change of the tenant. Live items of other types are ignored. A live item
 * whose document equals the stored one after canonicalisation is not a change. A type the live
 * read skips (no permission now) is passed to `onSkipped` and not compared — its items are never
 * reported removed for want of reading them.
 * Not guaranteed: binary streams are not compared (only documents); memory grows with the IDs of
 * the compared types (about 100 bytes per item).
 */
import type { Catalog } from '../../catalog/index.js';
import type { Repository, SnapshotInfo } from '../../repository/index.js';
import { isLogType, type ItemDifference } from './differences.js';
import { mapOrdered } from './ordered.js';
import { changedProperties } from './properties.js';

/** One item of the live tenant, as a backup would store it. */
export interface LiveItem {
  readonly type: string;
  readonly id: string;
  readonly name?: string;
  readonly document: unknown;
}

export interface SkippedType {
  readonly type: string;
  readonly reason: string;
}

/**
 * Reads the live tenant's items of the given types (the backup engine's `readLiveItems`, bound
 * to a profile). A type it cannot read (no permission, a failure before its first item) is
 * reported through `onSkipped` and yields nothing.
 */
export type LiveItemSource = (types: readonly string[], options: { signal?: AbortSignal; onSkipped?: (skipped: SkippedType) => void }) => AsyncIterable<LiveItem>;

export type LiveDiffSource = Pick<Repository, 'readItem' | 'entries'>;

export interface DiffLiveOptions {
  /** Compare only these types (default: every type of the snapshot). */
  readonly types?: readonly string[];
  readonly signal?: AbortSignal;
  /** Snapshot documents read at once; default 8. */
  readonly concurrency?: number;
  /** A type the live read skipped: it is not compared (its items are not reported removed). */
  readonly onSkipped?: (skipped: SkippedType) => void;
}

/** The types a live diff compares: the snapshot's, narrowed to `types`, without append-only logs. */
export function liveDiffTypes(snapshot: SnapshotInfo, types?: readonly string[]): string[] {
  const wanted = types === undefined ? undefined : new Set(types);
  return Object.keys(snapshot.types)
    .filter((t) => wanted === undefined || wanted.has(t))
    .filter((t) => !isLogType(t))
    .sort();
}

export async function* diffLive(repo: LiveDiffSource, snapshot: SnapshotInfo, live: LiveItemSource, options: DiffLiveOptions = {}): AsyncGenerator<ItemDifference> {
  const { signal } = options;
  const types = liveDiffTypes(snapshot, options.types);
  if (types.length === 0) return;
  const seen = new Map<string, Set<string>>(types.map((t) => [t, new Set<string>()]));

  const wanted = async function* (): AsyncGenerator<LiveItem> {
    const onSkipped = (skipped: SkippedType): void => {
      if (!seen.has(skipped.type)) return;
      seen.delete(skipped.type);
      options.onSkipped?.(skipped);
    };
    for await (const item of live(types, { signal, onSkipped })) {
      const ids = seen.get(item.type);
      if (!ids || ids.has(item.id)) continue; // another type, or a duplicate from paging
      ids.add(item.id);
      yield item;
    }
  };
  const compare = async (item: LiveItem): Promise<ItemDifference | undefined> => {
    const stored = await repo.readItem(snapshot, item.type, item.id, { signal });
    const name = item.name ?? stored?.entry.name;
    const base = { type: item.type, id: item.id, ...(name === undefined ? {} : { name }) };
    if (!stored) return { ...base, kind: 'added' };
    const properties = changedProperties(stored.document, item.document);
    return properties.length === 0 ? undefined : { ...base, kind: 'changed', properties };
  };
  for await (const d of mapOrdered(wanted(), compare, options.concurrency ?? 8)) if (d) yield d;

  for (const type of types) {
    const ids = seen.get(type);
    if (!ids) continue; // skipped by the live read
    for await (const entry of repo.entries(snapshot, { type, signal })) {
      if (!ids.has(entry.id)) yield { type, id: entry.id, kind: 'removed', ...(entry.name === undefined ? {} : { name: entry.name }) };
    }
    seen.delete(type); // free the IDs as soon as the type is done
  }
}

/**
 * The opt-in sub-resources (`--include type.name`) the backup that wrote `snapshot` read, from its
 * job record, so the live read reads the same and an opt-in sub-resource is not reported as a
 * change of every item. Empty when the job is unknown (another host's catalog, a rebuilt one
 * keeps jobs, a deleted one does not).
 */
export async function snapshotIncludes(catalog: Pick<Catalog, 'listJobs'>, snapshot: Pick<SnapshotInfo, 'id' | 'profile'>): Promise<string[]> {
  let before: string | undefined;
  for (;;) {
    const jobs = await catalog.listJobs({ kind: 'backup', profile: snapshot.profile, limit: 1_000, ...(before === undefined ? {} : { before }) });
    const job = jobs.find((j) => j.report?.snapshot === snapshot.id);
    if (job) {
      const include = job.params.include;
      return Array.isArray(include) ? include.filter((x): x is string => typeof x === 'string') : [];
    }
    if (jobs.length < 1_000) return [];
    before = jobs.at(-1)?.id;
  }
}
