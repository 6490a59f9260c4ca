/**
 * `itemHistory`: an item's versions over time (`tenant-vault history TYPE/ID`) — when each
 * version was first and last seen, which top-level properties differ from the version before,
 * when the item disappeared, and who made each change according to the directory audit log.
 *
 * How: the catalog gives the versions and the snapshots bounding them (catalog/port.ts); the
 * repository gives the documents (by the version's blob ID), compared with properties.ts. A
 * change happened after the profile's snapshot before the version's first one (`since`) and at
 * or before that first one, so audit records of that window that target the item are attributed
 * to it. The records are the `directoryAudit` items *added* by the snapshot that ends the window
 * and by the one after it (audit records reach the log a few minutes late, so the next backup
 * can be the one that stores them) — the repository's tree diff finds them without reading the
 * rest of the log. Each such record's document is read, unless its tree entry's metadata lists
 * its targets (`meta.targets`) and the item is not one of them.
 *
 * Guarantees: versions come per profile, oldest first; `properties` compares each version with
 * the previous version of the same profile (also across a gap, e.g. a restore from the recycle
 * bin); a removal is reported when a version is followed by a snapshot that lacks the item.
 * Attribution is empty, not wrong, when the log was not backed up (no permission, or the events
 * are older than the log's retention when the first backup ran).
 * Not guaranteed: that every change has a record — Entra logs writes, not every computed change.
 */
import type { Catalog, ItemVersion, SnapshotRecord } from '../../catalog/index.js';
import type { Repository } from '../../repository/index.js';
import { TenantVaultError } from '../../errors/index.js';
import { AUDIT_TYPE, type Attribution, attributionFor } from './audit.js';
import type { ItemRef } from './item-ref.js';
import { mapOrdered } from './ordered.js';
import { changedProperties } from './properties.js';

export interface SnapshotPoint {
  readonly id: string;
  readonly time: string;
}

export interface HistoryVersion {
  readonly profile: string;
  readonly name: string;
  /** Content ID of the version's document in the repository. */
  readonly blobId: string;
  readonly first: SnapshotPoint;
  /** Last snapshot holding this version (the profile's latest while it is current). */
  readonly last: SnapshotPoint;
  readonly current: boolean;
  /** Snapshots in which the version is current. */
  readonly snapshots: number;
  /** `added` when the snapshot before `first` did not hold the item (or there was none), else `changed`. */
  readonly change: 'added' | 'changed';
  /** The profile's snapshot before `first` — the change happened after it; null for the profile's first snapshot. */
  readonly since: SnapshotPoint | null;
  /** Top-level properties that differ from the previous version of the profile; null for the first version. */
  readonly properties: readonly string[] | null;
  /** Audit records targeting the item in (since, first], oldest first. */
  readonly changedBy: readonly Attribution[];
}

export interface HistoryRemoval {
  readonly profile: string;
  /** The last snapshot that held the item. */
  readonly last: SnapshotPoint;
  /** The first snapshot without it. */
  readonly removedIn: SnapshotPoint;
  /** Audit records targeting the item in (last, removedIn], oldest first. */
  readonly changedBy: readonly Attribution[];
}

export interface ItemHistory {
  readonly type: string;
  readonly id: string;
  readonly versions: readonly HistoryVersion[];
  readonly removals: readonly HistoryRemoval[];
}

export interface HistorySources {
  readonly catalog: Pick<Catalog, 'itemHistory' | 'listSnapshots'>;
  readonly repository: Pick<Repository, 'readDocument' | 'diff'>;
}

export interface ItemHistoryOptions {
  readonly profile?: string;
  readonly signal?: AbortSignal;
  /** Snapshots after a window's end whose new audit records are also searched; default 1. */
  readonly auditLookahead?: number;
}

interface Window {
  readonly profile: string;
  readonly after: number; // ms, exclusive; -Infinity when open
  readonly until: number; // ms, inclusive
  readonly end: SnapshotRecord;
  readonly events: Attribution[];
}

const point = (s: { id: string; time: string }): SnapshotPoint => ({ id: s.id, time: s.time });

export async function itemHistory(sources: HistorySources, item: ItemRef, options: ItemHistoryOptions = {}): Promise<ItemHistory> {
  const { signal } = options;
  const all = await sources.catalog.itemHistory({ type: item.type, id: item.id, ...(options.profile === undefined ? {} : { profile: options.profile }) });
  if (all.length === 0) {
    throw new TenantVaultError('ITEM_NOT_FOUND', `No snapshot${options.profile === undefined ? '' : ` of profile ${options.profile}`} holds ${item.type}/${item.id}`, {
      hint: 'Find the item by name with `tenant-vault find TEXT`, or list a snapshot with `tenant-vault ls SNAPSHOT TYPE`.',
      details: { type: item.type, id: item.id },
    });
  }

  const versions: HistoryVersion[] = [];
  const removals: HistoryRemoval[] = [];
  const windows: Window[] = [];
  const profiles = [...new Set(all.map((v) => v.profile))];
  for (const profile of profiles) {
    const snapshots = await sources.catalog.listSnapshots({ profile });
    const position = new Map(snapshots.map((s, i) => [s.id, i]));
    const own = all.filter((v) => v.profile === profile);
    const documents = await readDocuments(sources.repository, item, own, signal);
    own.forEach((v, i) => {
      const at = position.get(v.first.id) ?? 0;
      const before = at > 0 ? snapshots[at - 1] : undefined;
      const previous = own[i - 1];
      const window: Window = { profile, after: before ? Date.parse(before.time) : -Infinity, until: Date.parse(v.first.time), end: snapshots[at] as SnapshotRecord, events: [] };
      windows.push(window);
      versions.push({
        profile,
        name: v.name,
        blobId: v.blobId,
        first: point(v.first),
        last: point(v.last),
        current: v.current,
        snapshots: v.snapshotCount,
        change: previous !== undefined && before !== undefined && previous.last.id === before.id ? 'changed' : 'added',
        since: before ? point(before) : null,
        properties: previous === undefined ? null : changedProperties(documents[i - 1], documents[i]),
        changedBy: window.events,
      });
      if (v.current) return;
      const lastAt = position.get(v.last.id);
      const removedIn = lastAt === undefined ? undefined : snapshots[lastAt + 1];
      const next = own[i + 1];
      if (removedIn === undefined || next?.first.id === removedIn.id) return;
      const gone: Window = { profile, after: Date.parse(v.last.time), until: Date.parse(removedIn.time), end: removedIn, events: [] };
      windows.push(gone);
      removals.push({ profile, last: point(v.last), removedIn: point(removedIn), changedBy: gone.events });
    });
  }

  await attribute(sources, item, windows, options.auditLookahead ?? 1, signal);
  return { type: item.type, id: item.id, versions, removals };
}

async function readDocuments(repo: HistorySources['repository'], item: ItemRef, versions: readonly ItemVersion[], signal: AbortSignal | undefined): Promise<unknown[]> {
  const out: unknown[] = [];
  // The catalog's blob ID is the entry's document; the repository reads a document by it alone.
  const read = (v: ItemVersion): Promise<unknown> => repo.readDocument({ type: item.type, id: item.id, document: { id: v.blobId, size: v.size ?? 0 } }, { signal });
  for await (const doc of mapOrdered(versions, read, 4)) out.push(doc);
  return out;
}

/**
 * False only when the entry's metadata lists the record's targets (`meta.targets`, IDs) and the
 * item is not among them — then the record's document need not be read. Without that metadata
 * every added record is read.
 */
function mayTarget(meta: Readonly<Record<string, unknown>> | undefined, itemId: string): boolean {
  const targets = meta?.targets;
  if (!Array.isArray(targets)) return true;
  const wanted = itemId.toLowerCase();
  return targets.some((t) => typeof t === 'string' && t.toLowerCase() === wanted);
}

/** Fills each window's `events` with the audit records that target the item and fall inside it. */
async function attribute(sources: HistorySources, item: ItemRef, windows: readonly Window[], lookahead: number, signal: AbortSignal | undefined): Promise<void> {
  const found = new Map<string, { profile: string; attribution: Attribution }>();
  const scanned = new Set<string>();
  for (const profile of new Set(windows.map((w) => w.profile))) {
    const snapshots = await sources.catalog.listSnapshots({ profile });
    const position = new Map(snapshots.map((s, i) => [s.id, i]));
    const toScan = new Set<number>();
    for (const w of windows) {
      if (w.profile !== profile) continue;
      const at = position.get(w.end.id);
      if (at === undefined) continue;
      for (let k = at; k <= Math.min(at + lookahead, snapshots.length - 1); k++) toScan.add(k);
    }
    for (const k of [...toScan].sort((a, b) => a - b)) {
      const snapshot = snapshots[k] as SnapshotRecord;
      if (scanned.has(snapshot.id)) continue;
      scanned.add(snapshot.id);
      const added = async function* () {
        for await (const c of sources.repository.diff(snapshots[k - 1]?.id, snapshot.id, { type: AUDIT_TYPE, signal })) {
          if (c.kind === 'added' && c.after && mayTarget(c.after.meta, item.id)) yield c.after;
        }
      };
      const attributions = mapOrdered(added(), async (entry) => attributionFor(await sources.repository.readDocument(entry, { signal }), item.id), 8);
      for await (const a of attributions) {
        if (a && !found.has(`${profile}\0${a.auditId}`)) found.set(`${profile}\0${a.auditId}`, { profile, attribution: a });
      }
    }
  }
  const events = [...found.values()].sort((a, b) => Date.parse(a.attribution.time) - Date.parse(b.attribution.time) || a.attribution.auditId.localeCompare(b.attribution.auditId));
  for (const { profile, attribution } of events) {
    const t = Date.parse(attribution.time);
    for (const w of windows) if (w.profile === profile && t > w.after && t <= w.until) w.events.push(attribution);
  }
}
