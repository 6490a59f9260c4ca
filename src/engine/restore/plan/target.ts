/**
 * How snapshot objects and references find their counterparts in the target tenant — the port
 * the planner asks, with the same-tenant implementation (ids carry over; a reference is kept when
 * its object exists). Restore into another tenant maps by stable keys (UPN, appId, displayName):
 * that implementation lives in `../mapping/` and registers itself with `setCrossTenantMapping`;
 * without it a cross-tenant plan is refused (USAGE).
 *
 * Guarantees of any implementation: pure reads; results for every input (undefined = not found /
 * cannot be mapped, never a guess); nothing is written.
 */
import { DIRECTORY_OBJECT_TYPES, getResource } from '../../../connectors/index.js';
import { TenantVaultError } from '../../../errors/index.js';
import type { Repository, SnapshotInfo } from '../../../repository/index.js';
import { isObject } from '../documents.js';
import type { TargetSession } from '../session.js';
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

/** ids per request of `POST /directoryObjects/getByIds` (directoryobject-getbyids: up to 1,000). */
const BY_IDS_LIMIT = 1000;

/**
 * Same tenant: ids carry over. An object that is gone by its id but was recreated by an earlier
 * restore under a new id is found by a key that identifies it for certain (a UPN, an appId —
 * `identifiesUniquely`), for the planner's items and for references alike.
 */
export function sameTenantMapping(input: MappingInput): TargetMapping {
  const { ctx } = input.target;
  const signalOf = (options?: { signal?: AbortSignal }) => (options?.signal ? { signal: options.signal } : {});
  /** The one target object a snapshot item's unique key names, if any. */
  const byKey = async (type: string, document: JsonObject): Promise<string | undefined> => {
    const writer = writerFor(type);
    if (!writer.identifiesUniquely(document)) return undefined;
    const found = await writer.findExisting(ctx, document);
    return found.length === 1 ? found[0]!.id : undefined;
  };
  return {
    sameTenant: true,
    async locate(items) {
      return new Map(items.map((item) => [`${item.type}/${item.id}`, item.id]));
    },
    async mapReferences(refs, options) {
      const out = new Map<string, string | undefined>();
      const directory = new Set<string>();
      const byType = new Map<string, Set<string>>();
      for (const ref of refs) {
        // A reference by another key (an appId) names first-party objects too: it is kept as it is.
        if (ref.key !== 'id') {
          out.set(referenceKey(ref), ref.id);
          continue;
        }
        if (ref.targetType === 'directoryObject' || DIRECTORY_OBJECT_TYPES.includes(ref.targetType)) directory.add(ref.id);
        else {
          const set = byType.get(ref.targetType) ?? new Set<string>();
          set.add(ref.id);
          byType.set(ref.targetType, set);
        }
      }
      const found = new Set<string>();
      const ids = [...directory];
      for (let i = 0; i < ids.length; i += BY_IDS_LIMIT) {
        const chunk = ids.slice(i, i + BY_IDS_LIMIT);
        const result = await ctx.call({ method: 'POST', url: '/directoryObjects/getByIds', body: { ids: chunk }, idempotent: true, type: 'user' });
        if (result.error) throw result.error;
        const value = isObject(result.body) && Array.isArray(result.body.value) ? result.body.value : [];
        for (const object of value) if (isObject(object) && typeof object.id === 'string') found.add(object.id);
      }
      for (const [type, set] of byType) {
        getResource(type);
        for await (const item of writerFor(type).read(ctx, [...set], { existenceOnly: true })) if (item.document) found.add(item.id);
      }
      for (const ref of refs) {
        if (ref.key !== 'id') continue;
        if (found.has(ref.id)) {
          out.set(referenceKey(ref), ref.id);
          continue;
        }
        // Gone by its id: recreated earlier under another one?
        const types = ref.targetType === 'directoryObject' ? DIRECTORY_OBJECT_TYPES : [ref.targetType];
        let mapped: string | undefined;
        for (const type of types) {
          const item = await input.repo.readItem(input.snapshot, type, ref.id, signalOf(options));
          if (item && isObject(item.document)) {
            mapped = await byKey(type, item.document);
            break;
          }
        }
        out.set(referenceKey(ref), mapped);
      }
      return out;
    },
  };
}
