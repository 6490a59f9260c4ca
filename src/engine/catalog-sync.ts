/**
 * Keeps the catalog in step with the repository (DESIGN invariant 1: the catalog is derived).
 * `catalogSource` adapts the repository to the catalog's narrow `CatalogSource`; `syncCatalog`
 * records the snapshots the catalog has not seen (another host's backup, a lost catalog) and
 * forgets those the repository no longer has, falling back to a full rebuild when a missing
 * snapshot is older than the catalog's latest of its profile (ranges cannot be spliced).
 */
import { rebuildCatalog, type Catalog, type CatalogItemChange, type CatalogSnapshot, type CatalogSource, type RebuildResult } from '../catalog/index.js';
import type { Repository, SnapshotInfo, ItemChange } from '../repository/index.js';
import { silentLogger, type Logger } from '../logging/index.js';

export function toCatalogSnapshot(repo: Repository, s: SnapshotInfo): CatalogSnapshot {
  const absent = Object.entries(s.types).filter(([, t]) => t.absent !== undefined);
  return {
    id: s.id,
    repositoryId: repo.id,
    profile: s.profile,
    time: s.time,
    parent: s.parent ?? undefined,
    state: absent.length > 0 ? 'partial' : 'complete',
    tags: s.tags,
    summary: { types: s.types, stats: s.stats },
  };
}

function toCatalogChange(c: ItemChange): CatalogItemChange {
  const entry = c.after;
  return {
    type: c.type,
    id: c.id,
    kind: c.kind,
    blobId: entry?.document.id,
    name: entry?.name,
    size: entry?.document.size,
  };
}

export function catalogSource(repo: Repository): CatalogSource {
  return {
    repositoryId: repo.id,
    async *snapshots(options) {
      for await (const s of repo.snapshots({ signal: options?.signal })) yield toCatalogSnapshot(repo, s);
    },
    async *changes(from, to, options) {
      for await (const c of repo.diff(from?.id, to.id, { signal: options?.signal })) yield toCatalogChange(c);
    },
  };
}

export interface SyncResult {
  readonly recorded: number;
  readonly removed: number;
  readonly rebuilt?: RebuildResult;
}

export async function syncCatalog(repo: Repository, catalog: Catalog, options: { signal?: AbortSignal; logger?: Logger } = {}): Promise<SyncResult> {
  const logger = options.logger ?? silentLogger;
  const info = await catalog.info();
  if (info.repositoryId !== undefined && info.repositoryId !== null && info.repositoryId !== repo.id) {
    logger.warn({ catalog: info.repositoryId, repository: repo.id }, 'catalog indexes another repository; rebuilding');
    return { recorded: 0, removed: 0, rebuilt: await rebuildCatalog(catalog, catalogSource(repo), { signal: options.signal }) };
  }

  const known = new Map((await catalog.listSnapshots()).map((s) => [s.id, s]));
  const inRepo = new Set<string>();
  const missing: SnapshotInfo[] = [];
  for await (const s of repo.snapshots({ signal: options.signal })) {
    inRepo.add(s.id);
    if (!known.has(s.id)) missing.push(s);
  }
  const gone = [...known.keys()].filter((id) => !inRepo.has(id));
  if (gone.length > 0) await catalog.removeSnapshots(gone, { signal: options.signal });

  let recorded = 0;
  for (const s of missing) {
    const latest = (await catalog.listSnapshots({ profile: s.profile })).at(-1);
    if (latest && Date.parse(latest.time) > Date.parse(s.time)) {
      logger.info({ snapshot: s.id }, 'catalog missed an older snapshot; rebuilding');
      return { recorded, removed: gone.length, rebuilt: await rebuildCatalog(catalog, catalogSource(repo), { signal: options.signal }) };
    }
    const changes = (async function* () {
      for await (const c of repo.diff(latest?.id, s.id, { signal: options.signal })) yield toCatalogChange(c);
    })();
    await catalog.recordSnapshot(toCatalogSnapshot(repo, s), changes, { base: latest?.id ?? null, signal: options.signal });
    recorded += 1;
  }
  return { recorded, removed: gone.length };
}
