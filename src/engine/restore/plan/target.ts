/**
 * How snapshot objects and references find their counterparts in the target tenant — the port
 * the planner asks, with the same-tenant implementation (ids carry over; a reference is kept when
 * its object exists). Restore into another tenant maps by stable keys (UPN, appId, displayName):
 * that implementation lives in `../mapping/` and registers itself with `setCrossTenantMapping`;
 * without it a cross-tenant plan is refused (USAGE).
 *
 * Besides ids, a document may hold values that belong to its tenant (a UPN's domain, a
 * distribution group's addresses): `adapt` gives the document as the target should hold it. The
 * planner adapts every snapshot document it reads, so the plan shows the adapted values, and the
 * applier and its verification adapt the same documents the same way — one hook, one rule.
 *
 * Guarantees of any implementation: pure reads; results for every input (undefined = not found /
 * cannot be mapped, never a guess); nothing is written; `adapt` is pure and never modifies its input.
 */
import { DIRECTORY_OBJECT_TYPES, getResource } from '../../../connectors/index.js';
import { TenantVaultError } from '../../../errors/index.js';
import type { Repository, SnapshotInfo } from '../../../repository/index.js';
import { isObject } from '../documents.js';
import type { TargetSession } from '../session.js';
import { restoreStore } from '../apply/store.js';
import { pool } from '../pool.js';
import { writerFor } from '../writers/index.js';
import type { JsonObject } from '../writers/types.js';

export interface SourceItem {
  readonly type: string;
  readonly id: string;
  readonly document: JsonObject;
}

/** A reference to an object outside the plan: its type (or `directoryObject`), the key it uses, the source value. */
export interface ReferenceTarget {
  readonly targetType: string;
  readonly key: string;
  readonly id: string;
}

export function referenceKey(ref: ReferenceTarget): string {
  return `${ref.targetType}|${ref.key}|${ref.id}`;
}

export interface TargetMapping {
  /** Source and target are one tenant: object ids carry over. */
  readonly sameTenant: boolean;
  /** The target object of each snapshot item (`type/id` → target id), undefined for none. */
  locate(items: readonly SourceItem[], options?: { signal?: AbortSignal }): Promise<Map<string, string | undefined>>;
  /** Target values for references to objects the plan does not restore (`referenceKey` → value), undefined when it cannot be mapped. */
  mapReferences(refs: readonly ReferenceTarget[], options?: { signal?: AbortSignal }): Promise<Map<string, string | undefined>>;
  /** A snapshot document with its tenant-bound values (domains of UPNs and addresses) adapted to the target; ids are left to the id map. */
  adapt(type: string, document: JsonObject): JsonObject;
}

export interface MappingInput {
  readonly repo: Repository;
  readonly snapshot: SnapshotInfo;
  readonly target: TargetSession;
}

export type MappingFactory = (input: MappingInput) => Promise<TargetMapping>;

let crossTenant: MappingFactory | undefined;

/** Called by the cross-tenant mapping module when it loads. */
export function setCrossTenantMapping(factory: MappingFactory): void {
  crossTenant = factory;
}

export async function mappingFor(input: MappingInput, sameTenant: boolean): Promise<TargetMapping> {
  if (sameTenant) return sameTenantMapping(input);
  if (!crossTenant) {
    throw new TenantVaultError('USAGE', 'Restoring into another tenant is not available in this build', {
      hint: 'Restore into the snapshot\'s own tenant (omit --to), or use a build with cross-tenant mapping.',
    });
  }
  return crossTenant(input);
}

/** Natural-key lookups in flight at once. */
const LOOKUP_CONCURRENCY = 64;

/** ids per request of `POST /directoryObjects/getByIds` (directoryobject-getbyids: up to 1,000). */
const BY_IDS_LIMIT = 1000;

/**
 * Same tenant: ids carry over. An object gone by its id may have been recreated under a new one
 * by an earlier restore: it is found through the id maps of the earlier restores into this
 * profile (their journals), or else by a key that identifies it for certain (a UPN, an appId —
 * `identifiesUniquely`) — for the planner's items and for references alike.
 */
export function sameTenantMapping(input: MappingInput): TargetMapping {
  const { ctx } = input.target;
  const signalOf = (options?: { signal?: AbortSignal }) => (options?.signal ? { signal: options.signal } : {});
  let earlier: Promise<Map<string, string>> | undefined;
  /** old id → new id, from every earlier restore into this profile. */
  const earlierIds = (options?: { signal?: AbortSignal }): Promise<Map<string, string>> => {
    earlier ??= (async () => {
      const store = restoreStore(input.repo);
      const ids = new Map<string, string>();
      for (const record of await store.listRecords(signalOf(options))) {
        if (record.profile !== input.target.profile.name || record.status === 'planned') continue;
        for (const [k, v] of (await store.loadJournal(record.id, signalOf(options))).ids) if (!k.includes(':')) ids.set(k, v);
      }
      return ids;
    })();
    return earlier;
  };
  /** Which of these ids exist, per type (`directoryObject` ones through getByIds). */
  const existing = async (type: string, ids: readonly string[]): Promise<Set<string>> => {
    const found = new Set<string>();
    if (ids.length === 0) return found;
    if (type === 'directoryObject') {
      for (let i = 0; i < ids.length; i += BY_IDS_LIMIT) {
        const result = await ctx.call({ method: 'POST', url: '/directoryObjects/getByIds', body: { ids: ids.slice(i, i + BY_IDS_LIMIT) }, idempotent: true, type: 'user' });
        if (result.error) throw result.error;
        const value = isObject(result.body) && Array.isArray(result.body.value) ? result.body.value : [];
        for (const object of value) if (isObject(object) && typeof object.id === 'string') found.add(object.id);
      }
      return found;
    }
    getResource(type);
    for await (const item of writerFor(type).read(ctx, ids, { existenceOnly: true })) if (item.document) found.add(item.id);
    return found;
  };
  const lookupType = (type: string): string => (DIRECTORY_OBJECT_TYPES.includes(type) ? 'directoryObject' : type);
  /** Where objects gone by their ids are now (earlier restores' maps, then unique keys). */
  const relocate = async (gone: ReadonlyArray<{ type: string; id: string; document: JsonObject | undefined }>, options?: { signal?: AbortSignal }): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    if (gone.length === 0) return out;
    const maps = await earlierIds(options);
    const candidates = new Map<string, Array<{ id: string; to: string }>>();
    for (const g of gone) {
      const to = maps.get(g.id);
      if (!to) continue;
      const t = lookupType(g.type);
      candidates.set(t, [...(candidates.get(t) ?? []), { id: g.id, to }]);
    }
    for (const [type, list] of candidates) {
      const alive = await existing(type, list.map((c) => c.to));
      for (const c of list) if (alive.has(c.to)) out.set(c.id, c.to);
    }
    const byKey = gone.filter((g) => !out.has(g.id) && g.document && g.type !== 'directoryObject' && writerFor(g.type).identifiesUniquely(g.document));
    // Lookups of many objects at once share `$batch` round trips.
    await pool(byKey, LOOKUP_CONCURRENCY, async (g) => {
      const found = await writerFor(g.type).findExisting(ctx, g.document!);
      if (found.length === 1) out.set(g.id, found[0]!.id);
    });
    return out;
  };
  return {
    sameTenant: true,
    // The tenant's own values fit it.
    adapt: (_type, document) => document,
    async locate(items, options) {
      const byType = new Map<string, SourceItem[]>();
      for (const item of items) byType.set(lookupType(item.type), [...(byType.get(lookupType(item.type)) ?? []), item]);
      const out = new Map<string, string | undefined>();
      const gone: SourceItem[] = [];
      for (const [type, list] of byType) {
        const alive = await existing(type, list.map((i) => i.id));
        for (const item of list) {
          out.set(`${item.type}/${item.id}`, item.id);
          if (!alive.has(item.id)) gone.push(item);
        }
      }
      for (const [id, to] of await relocate(gone, options)) {
        const item = gone.find((g) => g.id === id)!;
        out.set(`${item.type}/${item.id}`, to);
      }
      return out;
    },
    async mapReferences(refs, options) {
      const out = new Map<string, string | undefined>();
      const byType = new Map<string, Set<string>>();
      for (const ref of refs) {
        // A reference by another key (an appId) names first-party objects too: it is kept as it is.
        if (ref.key !== 'id') {
          out.set(referenceKey(ref), ref.id);
          continue;
        }
        const t = lookupType(ref.targetType);
        byType.set(t, (byType.get(t) ?? new Set<string>()).add(ref.id));
      }
      const found = new Set<string>();
      for (const [type, set] of byType) for (const id of await existing(type, [...set])) found.add(id);
      const gone: Array<{ type: string; id: string; document: JsonObject | undefined }> = [];
      for (const ref of refs) {
        if (ref.key !== 'id' || found.has(ref.id)) continue;
        // Gone by its id: the snapshot copy tells its type and unique key.
        const types = ref.targetType === 'directoryObject' ? DIRECTORY_OBJECT_TYPES : [ref.targetType];
        let doc: { type: string; document: JsonObject } | undefined;
        for (const type of types) {
          const item = await input.repo.readItem(input.snapshot, type, ref.id, signalOf(options));
          if (item && isObject(item.document)) {
            doc = { type, document: item.document };
            break;
          }
        }
        gone.push({ type: doc?.type ?? ref.targetType, id: ref.id, document: doc?.document });
      }
      const moved = await relocate(gone, options);
      for (const ref of refs) {
        if (ref.key !== 'id') continue;
        out.set(referenceKey(ref), found.has(ref.id) ? ref.id : moved.get(ref.id));
      }
      return out;
    },
  };
}
