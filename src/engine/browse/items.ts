/**
 * Reading one snapshot's items: the listing (`tenant-vault ls`) from the catalog, page by page,
 * and one item's stored document (`tenant-vault show`) from the repository.
 *
 * Guarantees: `listSnapshotItems` yields items in the catalog's order (type, name, ID) and holds
 * one page in memory, whatever the snapshot's size. `showItem` returns the document exactly as
 * stored, or fails with ITEM_NOT_FOUND whose hint says whether the type is in the snapshot at all.
 */
import type { Catalog, CatalogItem } from '../../catalog/index.js';
import { TenantVaultError } from '../../errors/index.js';
import type { ItemEntry, Repository, SnapshotInfo } from '../../repository/index.js';
import type { ItemRef } from './item-ref.js';

export interface ListSnapshotItemsOptions {
  readonly type?: string;
  /** Items per catalog page; default 1 000. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

export async function* listSnapshotItems(catalog: Pick<Catalog, 'listItems'>, snapshotId: string, options: ListSnapshotItemsOptions = {}): AsyncGenerator<CatalogItem> {
  let after: string | undefined;
  do {
    if (options.signal?.aborted) throw new TenantVaultError('ABORTED', 'Listing aborted', { cause: options.signal.reason });
    const page = await catalog.listItems(snapshotId, { limit: options.pageSize ?? 1_000, ...(options.type === undefined ? {} : { type: options.type }), ...(after === undefined ? {} : { after }) });
    yield* page.items;
    after = page.next;
  } while (after !== undefined);
}

export interface ShownItem {
  readonly entry: ItemEntry;
  readonly document: unknown;
}

export async function showItem(repo: Pick<Repository, 'readItem'>, snapshot: SnapshotInfo, item: ItemRef, options: { signal?: AbortSignal } = {}): Promise<ShownItem> {
  const found = await repo.readItem(snapshot, item.type, item.id, options);
  if (found) return found;
  const types = Object.keys(snapshot.types).sort();
  const hint = types.includes(item.type)
    ? `List the snapshot's ${item.type} items with \`tenant-vault ls ${snapshot.id.slice(0, 8)} ${item.type}\`, or search by name with \`tenant-vault find TEXT\`.`
    : `Snapshot ${snapshot.id.slice(0, 8)} has no ${item.type} items; its types are: ${types.join(', ') || '(none)'}.`;
  throw new TenantVaultError('ITEM_NOT_FOUND', `Snapshot ${snapshot.id.slice(0, 8)} holds no ${item.type}/${item.id}`, { hint, details: { snapshot: snapshot.id, type: item.type, id: item.id } });
}
