/**
 * `crossTenantMapping`: the planner's mapping port (`plan/target.ts`) for a restore into another
 * tenant (`--to PROFILE`), where no object id carries over. Objects are matched by stable keys
 * (keys.ts: UPN with its domain mapped, appId, displayName, role template …).
 *
 * - `locate` finds each snapshot item's counterpart in the target by its key: found → the plan
 *   compares and updates it; not found → the plan creates it (there is no recycle bin to look in:
 *   the target never held these objects). Several candidates with the key are ambiguous: the item
 *   is treated as not found (a warning names it) rather than written onto a guess.
 * - `adapt` gives a snapshot document the target's domains (adapt.ts: UPN, mail and proxy
 *   addresses, a distribution group's addresses, by the UPN rule of domains.ts);
 * - `mapReferences` maps a reference to an object the plan does not restore: the referenced
 *   object is read from the snapshot and looked up in the target by its key. A reference by appId
 *   keeps its value when the target has a service principal with that appId, or when the app is
 *   not the source tenant's own (Microsoft's first-party apps and other tenants' multi-tenant
 *   apps have the same appId everywhere); the source's own app (its application registration, or
 *   a service principal whose `appOwnerOrganizationId` is the source tenant) is found by display
 *   name and its appId there is used. Ids the same in every tenant (built-in role definitions =
 *   role template ids, the Default scope tag `0`) are kept when the target has them. Anything
 *   else — an object missing from the snapshot or the target, or ambiguous there — is unmapped
 *   (undefined): the planner then lists it with `to: null` in `plan.mapped` and the operation's
 *   references, drops it from relationship lists, and skips an item whose property needs it,
 *   before anything is written (issue #5: nothing is half-written).
 *
 * Guarantees: reads only; every lookup is made once per restore; snapshot documents are read one
 * at a time (only an appId → app index of names is kept, built on first need).
 */
import { DIRECTORY_OBJECT_TYPES, findResource } from '../../../connectors/index.js';
import type { Repository, SnapshotInfo } from '../../../repository/index.js';
import { profileStore } from '../../profiles/index.js';
import { isObject } from '../documents.js';
import { profileOfSnapshot } from '../session.js';
import { referenceKey, type MappingInput, type ReferenceTarget, type SourceItem, type TargetMapping } from '../plan/target.js';
import type { JsonObject } from '../writers/types.js';
import { adaptDocument } from './adapt.js';
import { readTargetDomains } from './domains.js';
import { TargetLookup, type LookupResult } from './lookup.js';

/** Types whose ids are the same in every tenant: built-in role definitions (template ids), the Default scope tag. */
const GLOBAL_IDS: ReadonlySet<string> = new Set(['unifiedRoleDefinition', 'roleScopeTag']);
/** Lookups in flight at once (their GETs share `$batch` requests). */
const WINDOW = 100;

interface SourceObject {
  readonly type: string;
  readonly document: JsonObject;
}

/** Snapshot documents by type and id, and applications / service principals by appId. */
class SourceIndex {
  readonly #documents = new Map<string, Promise<SourceObject | undefined>>();
  #byAppId: Promise<Map<string, SourceObject>> | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly snapshot: SnapshotInfo,
    /** The source tenant's id, when its profile is known. */
    private readonly tenantId: string | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  resolve(targetType: string, id: string): Promise<SourceObject | undefined> {
    const key = `${targetType}/${id}`;
    let found = this.#documents.get(key);
    if (!found) {
      found = this.#read(targetType, id);
      this.#documents.set(key, found);
    }
    return found;
  }

  async #read(targetType: string, id: string): Promise<SourceObject | undefined> {
    const types = targetType === 'directoryObject' ? DIRECTORY_OBJECT_TYPES : findResource(targetType) ? [targetType] : [];
    for (const type of types) {
      const item = await this.repo.readItem(this.snapshot, type, id, this.signal ? { signal: this.signal } : {});
      if (item && isObject(item.document)) return { type, document: item.document };
    }
    return undefined;
  }

  /**
   * The app registered in the source tenant with this appId: its application object, or a
   * service principal the source tenant owns (`appOwnerOrganizationId`). Apps of other tenants —
   * Microsoft's first-party apps, multi-tenant apps — are not: their appId is the same everywhere.
   */
  ownApp(appId: string): Promise<SourceObject | undefined> {
    this.#byAppId ??= this.#indexApps();
    return this.#byAppId.then((index) => index.get(appId.toLowerCase()));
  }

  async #indexApps(): Promise<Map<string, SourceObject>> {
    const index = new Map<string, SourceObject>();
    for (const type of ['application', 'servicePrincipal']) {
      for await (const entry of this.repo.entries(this.snapshot, { type, ...(this.signal ? { signal: this.signal } : {}) })) {
        const document = await this.repo.readDocument(entry, this.signal ? { signal: this.signal } : {});
        if (!isObject(document) || typeof document.appId !== 'string') continue;
        const own = type === 'application' || (this.tenantId !== undefined && document.appOwnerOrganizationId === this.tenantId);
        const key = document.appId.toLowerCase();
        // Only what the lookup needs: the key and the name.
        if (own && !index.has(key)) index.set(key, { type, document: { appId: document.appId, displayName: document.displayName ?? null } });
      }
    }
    return index;
  }
}

async function inWindows<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += WINDOW) out.push(...await Promise.all(items.slice(i, i + WINDOW).map(work)));
  return out;
}

function idOf(result: LookupResult): string | undefined {
  return result === undefined || result === 'ambiguous' ? undefined : result.id;
}

export async function crossTenantMapping(input: MappingInput): Promise<TargetMapping> {
  const { ctx } = input.target;
  const domains = await readTargetDomains(ctx);
  const lookup = new TargetLookup(ctx, domains);
  const sourceProfile = await profileStore(input.repo).get(profileOfSnapshot(input.snapshot.profile), ctx.signal ? { signal: ctx.signal } : {}).catch(() => undefined);
  const source = new SourceIndex(input.repo, input.snapshot, sourceProfile?.tenantId, ctx.signal);

  const locateOne = async (item: SourceItem): Promise<string | undefined> => {
    const found = await lookup.find(item.type, item.document);
    if (found === 'ambiguous') {
      ctx.logger.warn({ type: item.type, id: item.id }, `${item.type}/${item.id}: several objects in the target have its key; it is treated as missing there`);
    }
    return idOf(found);
  };

  const mapOne = async (ref: ReferenceTarget): Promise<string | undefined> => {
    if (ref.key === 'appId') {
      if (idOf(await lookup.servicePrincipalByAppId(ref.id))) return ref.id;
      // Another tenant's app (first-party, multi-tenant) has this appId everywhere; the source's own app is found by name.
      const app = await source.ownApp(ref.id);
      if (!app) return ref.id;
      const found = await lookup.find(app.type, app.document);
      return found === undefined || found === 'ambiguous' ? undefined : found.appId;
    }
    if (ref.key !== 'id') return undefined;
    const object = await source.resolve(ref.targetType, ref.id);
    if (object) return idOf(await lookup.find(object.type, object.document));
    if (GLOBAL_IDS.has(ref.targetType)) return idOf(await lookup.sameId(ref.targetType, ref.id));
    return undefined;
  };

  return {
    sameTenant: false,
    adapt: (type, document) => adaptDocument(type, document, domains),
    async locate(items) {
      const ids = await inWindows(items, locateOne);
      return new Map(items.map((item, i) => [`${item.type}/${item.id}`, ids[i]]));
    },
    async mapReferences(refs) {
      const ids = await inWindows(refs, mapOne);
      return new Map(refs.map((ref, i) => [referenceKey(ref), ids[i]]));
    },
  };
}
