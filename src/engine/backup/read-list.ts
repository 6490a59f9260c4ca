/**
 * Types without a delta query (facts §3.1): conditional access, policies, Intune, role
 * management, domains, BitLocker keys, distribution groups (through Exchange) — and singletons.
 *
 * `list`: the collection is listed with the declaration's `$select` / `$expand` / `$filter` /
 * `$top`, each object is hashed as listed, and compared with the hash the parent snapshot keeps
 * in the item's metadata. Unchanged objects are not written again (and their sub-resources are
 * not read again, unless an `everyRun` one is signalled); new and changed ones are completed
 * with their sub-reads; objects the parent has and the listing lacks are deleted. Written as
 * changes against the parent, which gives the same type state as the full listing would.
 * Types listed once per parent item (`organizationalBrandingLocalization` per organization) list
 * the parent collection's ids first.
 *
 * `singleton`: one GET (per parent item, for child singletons); a 404 means not configured.
 */
import type { ResourceDeclaration } from '../../connectors/index.js';
import { getResource } from '../../connectors/index.js';
import { TenantVaultError, isTenantVaultError } from '../../errors/index.js';
import type { Item, ItemDeletion } from '../../repository/index.js';
import type { RunContext } from './context.js';
import { cleanDocument, itemId, listingHash, isObject, type JsonObject } from './documents.js';
import { deletion, type ReadOptions, type TypePlan } from './plan.js';
import { listedState } from './quiet.js';
import { completeItems, plannedReads, readableSubs, type Pending } from './sub-reads.js';

/** Metadata key of the listing hash in a tree entry. */
export const LISTED = 'listed';

function requestOptions(ctx: RunContext, declaration: ResourceDeclaration) {
  return {
    api: declaration.api, type: declaration.name,
    ...(declaration.headers ? { headers: declaration.headers } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}

function listQuery(declaration: ResourceDeclaration): Record<string, string | number | undefined> {
  return {
    $select: declaration.select?.join(','),
    $expand: declaration.expand,
    $filter: declaration.filter,
    $top: declaration.pageSize,
  };
}

/** Ids of the items of the parent type (for types read once per parent item), listed once per run. */
function parentIds(ctx: RunContext, declaration: ResourceDeclaration): Promise<string[]> {
  const parent = getResource(declaration.parent!.type);
  return ctx.once(`parentIds:${parent.name}`, async () => {
    const ids: string[] = [];
    for await (const item of ctx.graph.items<JsonObject>(parent.path, { ...requestOptions(ctx, parent), query: { $select: parent.idProperty ?? 'id' } })) {
      const id = itemId(parent, item);
      if (id) ids.push(id);
    }
    return ids;
  });
}

/** Every object of a listed type, as the service returns it. */
async function* listObjects(ctx: RunContext, declaration: ResourceDeclaration): AsyncGenerator<JsonObject> {
  if (declaration.endpoint === 'exchange') {
    const client = await ctx.exchange();
    yield* client.invoke<JsonObject>(declaration.command!, { type: declaration.name, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    return;
  }
  if (declaration.parent) {
    for (const parentId of await parentIds(ctx, declaration)) {
      const path = declaration.path.replace('{parentId}', encodeURIComponent(parentId));
      try {
        yield* ctx.graph.items<JsonObject>(path, { ...requestOptions(ctx, declaration), query: listQuery(declaration) });
      } catch (err) {
        if (!isTenantVaultError(err, 'ITEM_NOT_FOUND')) throw err;
      }
    }
    return;
  }
  yield* ctx.graph.items<JsonObject>(declaration.path, { ...requestOptions(ctx, declaration), query: listQuery(declaration) });
}

/** Metadata key of the owner's key in a tree entry (ownedBy types). */
export const OWNER = 'owner';

/** An object stored under an id of our choosing (a singleton's declared id). */
class Listed {
  constructor(readonly id: string, readonly object: JsonObject) {}
}

/** Turns listed objects into pending items, skipping those equal to the parent's (see the overview). */
function lister(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions, parentHashes: Map<string, string | undefined>) {
  const type = declaration.name;
  const hasSubs = readableSubs(declaration).length > 0;
  const hasEveryRun = readableSubs(declaration).some((sub) => sub.read === 'everyRun' && !ctx.isSkipped(type, sub));
  const everyRunIds = (id: string) => !ctx.signalsCover(type) || ctx.signals.has(id);
  const seen = new Set<string>();
  return async function* (objects: AsyncIterable<JsonObject | Listed>): AsyncGenerator<Pending> {
    for await (const listed of objects) {
      const raw = listed instanceof Listed ? listed.object : listed;
      const document = cleanDocument(raw);
      const id = listed instanceof Listed ? listed.id : itemId(declaration, document);
      if (id === undefined) {
        ctx.warnings.add({ type, code: 'SERVICE_ERROR', message: `A listed ${type} has no ${declaration.idProperty ?? 'id'}; it is not backed up` });
        continue;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      const hash = listingHash(document);
      const inParent = parentHashes.has(id);
      const unchanged = inParent && parentHashes.get(id) === hash && !options.full;
      parentHashes.delete(id);
      if (unchanged && !(hasEveryRun && everyRunIds(id))) continue;
      const previous = inParent && hasSubs ? await ctx.parent.document(type, id) : undefined;
      const planned = plannedReads(ctx, declaration, id, document, { isNew: !inParent, changed: !unchanged, previous });
      if (unchanged && planned.reads.length === 0) continue;
      const owner = declaration.ownedBy ? document[declaration.ownedBy.property] : undefined;
      yield { id, ...planned, meta: { [LISTED]: hash, ...(typeof owner === 'string' ? { [OWNER]: owner } : {}) } };
    }
  };
}

/** Whether an owned type can be read for the changed owners only (see `ResourceDeclaration.ownedBy`). */
function ownedIncrementally(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): boolean {
  const ownedBy = declaration.ownedBy;
  if (!ownedBy || options.full || options.live || !ctx.parent.hasType(declaration.name)) return false;
  // Changes of owners come from this run's incremental owner round and from complete signals.
  return ctx.completed.has(ownedBy.type) && !ctx.owners(ownedBy.type).full && ctx.signalsCover(declaration.name) && ctx.signalsCover(ownedBy.type);
}

export async function readListType(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<TypePlan> {
  const type = declaration.name;
  // The parent's items and their listing hashes; what is left after the listing was deleted.
  const { hashes: parentHashes, byOwner } = await parentListing(ctx, type, options.live);
  const list = lister(ctx, declaration, options, parentHashes);

  if (ownedIncrementally(ctx, declaration, options)) {
    const { type: ownerType, key, filter } = declaration.ownedBy!;
    const owners = ctx.owners(ownerType);
    // The changed owners' keys (a removed owner's items go with it).
    const candidates = new Map<string, boolean>();
    for (const id of ctx.signals.ids()) {
      let value: unknown = owners.keys.get(id);
      if (value === undefined) value = (await ctx.parent.document(ownerType, id))?.[key];
      if (typeof value !== 'string') continue;
      candidates.set(value, owners.removed.has(id) || candidates.get(value) === true);
    }
    const gone: string[] = [];
    async function* ownedObjects(): AsyncGenerator<JsonObject> {
      for (const [value, removed] of candidates) {
        const before = new Set(byOwner.get(value) ?? []);
        if (!removed) {
          for await (const item of ctx.graph.items<JsonObject>(declaration.path, {
            ...requestOptions(ctx, declaration), query: { ...listQuery(declaration), $filter: filter.replace('{key}', value.replaceAll("'", "''")) },
          })) {
            const id = itemId(declaration, item);
            if (id !== undefined) before.delete(id);
            yield item;
          }
        }
        gone.push(...before);
      }
    }
    async function* changes(): AsyncGenerator<Item | ItemDeletion> {
      yield* completeItems(ctx, declaration, list(ownedObjects()));
      for (const id of gone) yield deletion(type, id);
    }
    return { write: 'patch', mode: 'list', changes: changes(), state: () => undefined };
  }

  async function* changes(): AsyncGenerator<Item | ItemDeletion> {
    yield* completeItems(ctx, declaration, list(listObjects(ctx, declaration)));
    for (const id of parentHashes.keys()) yield deletion(type, id);
  }
  return { write: 'patch', mode: 'list', changes: changes(), state: listedState(ctx, declaration) };
}

/** The parent's entries of a type: listing hashes by id, and item ids by owner key. */
async function parentListing(ctx: RunContext, type: string, live: boolean | undefined): Promise<{ hashes: Map<string, string | undefined>; byOwner: Map<string, string[]> }> {
  const hashes = new Map<string, string | undefined>();
  const byOwner = new Map<string, string[]>();
  if (live) return { hashes, byOwner };
  for await (const entry of ctx.parent.entries(type)) {
    const listed = entry.meta?.[LISTED];
    hashes.set(entry.id, typeof listed === 'string' ? listed : undefined);
    const owner = entry.meta?.[OWNER];
    if (typeof owner === 'string') byOwner.set(owner, [...(byOwner.get(owner) ?? []), entry.id]);
  }
  return { hashes, byOwner };
}

export async function readSingletonType(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<TypePlan> {
  const type = declaration.name;
  const { hashes } = await parentListing(ctx, type, options.live);
  async function* objects(): AsyncGenerator<Listed> {
    const parents = declaration.parent ? await parentIds(ctx, declaration) : [undefined];
    for (const parentId of parents) {
      const path = parentId === undefined ? declaration.path : declaration.path.replace('{parentId}', encodeURIComponent(parentId));
      let body: unknown;
      try {
        body = (await ctx.graph.request(path, { ...requestOptions(ctx, declaration), query: { $select: declaration.select?.join(','), $expand: declaration.expand } })).body;
      } catch (err) {
        // Not configured (organizational branding of a tenant that has none).
        if (isTenantVaultError(err, 'ITEM_NOT_FOUND')) continue;
        throw err;
      }
      if (!isObject(body)) throw new TenantVaultError('SERVICE_ERROR', `GET ${path} returned no object for ${type}`);
      // Stored under the declared id, whatever id the object carries.
      yield new Listed(declaration.singletonId!.replace('{parentId}', parentId ?? ''), body);
    }
  }
  const list = lister(ctx, declaration, options, hashes);
  async function* changes(): AsyncGenerator<Item | ItemDeletion> {
    yield* completeItems(ctx, declaration, list(objects()));
    for (const id of hashes.keys()) yield deletion(type, id);
  }
  return { write: 'patch', mode: 'singleton', changes: changes(), state: listedState(ctx, declaration) };
}
