/**
 * `rebuildCatalog`: recreates the snapshot index from the repository alone (DESIGN invariant 1).
 * It reads every snapshot's metadata, groups them by profile, sorts each profile's snapshots by
 * time (then ID, as ingestion orders ties), and replays the tree diff between neighbours into the
 * catalog — the same code path as incremental ingestion, so both produce the same rows.
 *
 * Guarantees: all-or-nothing (the whole replay is one `replaceSnapshots` transaction; an abort or
 * failure leaves the previous catalog as it was); jobs and audit events are kept; memory holds the
 * snapshots' metadata, never their items. Not guaranteed: sequence numbers equal those of a catalog
 * that had snapshots removed (a rebuild numbers 1, 2, 3 … without gaps; answers are the same).
 */
import { throwIfAborted } from './errors.js';
import type { Catalog, CatalogSnapshot, CatalogSource } from './port.js';

export interface RebuildProgress {
  readonly snapshotsDone: number;
  readonly snapshotsTotal: number;
  /** Item changes replayed so far. */
  readonly changes: number;
}

export interface RebuildOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildResult {
  readonly profiles: number;
  readonly snapshots: number;
  readonly changes: number;
}

function byTimeThenId(a: CatalogSnapshot, b: CatalogSnapshot): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (ta !== tb) return ta - tb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export async function rebuildCatalog(catalog: Catalog, source: CatalogSource, options: RebuildOptions = {}): Promise<RebuildResult> {
  const { signal } = options;
  const byProfile = new Map<string, CatalogSnapshot[]>();
  let total = 0;
  for await (const snapshot of source.snapshots({ signal })) {
    throwIfAborted(signal);
    const list = byProfile.get(snapshot.profile) ?? [];
    list.push(snapshot);
    byProfile.set(snapshot.profile, list);
    total += 1;
  }
  const profiles = [...byProfile.keys()].sort();

  let done = 0;
  let changes = 0;
  options.onProgress?.({ snapshotsDone: 0, snapshotsTotal: total, changes: 0 });
  await catalog.replaceSnapshots(
    source.repositoryId,
    async (record) => {
      for (const profile of profiles) {
        const snapshots = (byProfile.get(profile) ?? []).sort(byTimeThenId);
        let previous: CatalogSnapshot | undefined;
        for (const snapshot of snapshots) {
          const result = await record(snapshot, source.changes(previous, snapshot, { signal }), { base: previous?.id ?? null, signal });
          changes += result.added + result.changed + result.removed;
          done += 1;
          options.onProgress?.({ snapshotsDone: done, snapshotsTotal: total, changes });
          previous = snapshot;
        }
      }
    },
    { signal },
  );
  return { profiles: profiles.length, snapshots: total, changes };
}
