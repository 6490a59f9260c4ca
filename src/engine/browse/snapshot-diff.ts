/**
 * `diffSnapshots`: what changed between two snapshots, item by item, with the top-level
 * property names that changed.
 *
 * How: the repository's tree diff (repository/diff.ts) names the candidates by comparing blob
 * IDs, so what the two snapshots share is never read; only for items whose entry changed are the
 * two documents read (a few at a time) and compared property by property (properties.ts).
 *
 * Guarantees: an item is reported `changed` only if a top-level property's canonical JSON or one
 * of its binary streams differs — an entry that changed only in its display name or metadata, or
 * whose documents are equal after canonicalisation, is not a change. Added and removed items are
 * reported without reading their documents. Output order is the repository's (type by type).
 * Not here: collecting and sorting (differences.ts), or the live tenant (live-diff.ts).
 */
import type { ItemChange, ItemEntry, Repository, SnapshotRef } from '../../repository/index.js';
import type { ItemDifference } from './differences.js';
import { mapOrdered } from './ordered.js';
import { changedProperties, changedStreams, WHOLE_DOCUMENT } from './properties.js';

/** What the diff needs from the repository (habit 3: the consumer declares the narrow interface). */
export type DiffSource = Pick<Repository, 'diff' | 'readDocument'>;

export interface DiffSnapshotsOptions {
  /** Only this resource type. */
  readonly type?: string;
  readonly signal?: AbortSignal;
  /** Documents read at once; default 8. */
  readonly concurrency?: number;
}

export async function* diffSnapshots(repo: DiffSource, from: SnapshotRef, to: SnapshotRef, options: DiffSnapshotsOptions = {}): AsyncGenerator<ItemDifference> {
  const { signal } = options;
  const changes = repo.diff(from, to, { type: options.type, withBefore: true, signal });
  const compare = async (c: ItemChange): Promise<ItemDifference | undefined> => {
    const name = c.after?.name ?? c.before?.name;
    const base = { type: c.type, id: c.id, kind: c.kind, ...(name === undefined ? {} : { name }) };
    if (c.kind !== 'changed') return base;
    const properties = await propertiesOf(repo, c.before, c.after, signal);
    return properties.length === 0 ? undefined : { ...base, properties };
  };
  for await (const d of mapOrdered(changes, compare, options.concurrency ?? 8)) if (d) yield d;
}

async function propertiesOf(repo: DiffSource, before: ItemEntry | undefined, after: ItemEntry | undefined, signal: AbortSignal | undefined): Promise<string[]> {
  if (!before || !after) return [WHOLE_DOCUMENT]; // not reached: the repository gives both sides with withBefore
  const streams = changedStreams(before.streams, after.streams);
  if (before.document.id === after.document.id) return streams;
  const [a, b] = await Promise.all([repo.readDocument(before, { signal }), repo.readDocument(after, { signal })]);
  return [...new Set([...changedProperties(a, b), ...streams])].sort();
}
