/**
 * `TenantState`: everything one emulated tenant holds in memory — its entity stores, the
 * directory-object index, the compact relationships between directory objects, the recycle bin,
 * secrets that Graph never returns, and the audit log.
 *
 * Guarantees:
 * - `store(name)` always returns the same store for a name (created on first use), so resource
 *   declarations and generators meet by store name alone.
 * - Directory objects are registered in the index when inserted through `addObject`; their
 *   handles are what the relations hold.
 * - Every write path appends to `audit` through `recordAudit`, which is where the audit-log
 *   endpoint reads from.
 * - `childStore(collection, parentId)` always returns the same store for a pair: the children of
 *   family entities (Intune assignments, settings, scheduled actions, app lists, cross-tenant
 *   partners) live there, one small store per parent, and `dropChildren` forgets a parent's.
 * Not here: Graph semantics (which deletes are soft, what a restore keeps) — `directory/` owns those.
 */
import type { Clock } from '../../clock.js';
import { DirectoryIndex, type ObjectKindName } from './directory-index.js';
import { Relation } from './relation.js';
import { EntityStore, type Entity, type StoreOptions } from './store.js';

/** Store names of the directory-object kinds. */
export const KIND_STORE: Readonly<Record<ObjectKindName, string>> = {
  user: 'users',
  group: 'groups',
  application: 'applications',
  servicePrincipal: 'servicePrincipals',
  device: 'devices',
  administrativeUnit: 'administrativeUnits',
  directoryRole: 'directoryRoles',
  orgContact: 'orgContacts',
};

/** Stores whose changes delta queries report. */
const TRACKED_STORES = new Set([
  'users', 'groups', 'applications', 'servicePrincipals', 'devices', 'administrativeUnits', 'directoryRoles',
  'oauth2PermissionGrants', 'orgContacts',
]);

export interface TenantIdentity {
  readonly tenantId: string;
  /** Short name, e.g. `contoso`. */
  readonly name: string;
  /** Initial domain, e.g. `contoso.onmicrosoft.com`. */
  readonly domain: string;
  readonly displayName: string;
  /** `b2c` tenants have B2C query restrictions and local-account users. */
  readonly kind: 'entra' | 'b2c';
}

/** A client secret as the login endpoint needs it (Graph only ever shows the hint). */
export interface StoredSecret {
  readonly appId: string;
  readonly keyId: string;
  readonly secretText: string;
  readonly endDateTime: string | null;
}

export class TenantState implements TenantIdentity {
  readonly tenantId: string;
  readonly name: string;
  readonly domain: string;
  readonly displayName: string;
  readonly kind: 'entra' | 'b2c';

  readonly directory = new DirectoryIndex();
  /** Soft-deleted directory objects (entity with `deletedDateTime`), keyed by object ID. */
  readonly deletedItems: EntityStore;
  readonly relations = {
    /** group → member (users, groups, devices, service principals, contacts). */
    members: new Relation('members'),
    /** group | application | servicePrincipal → owner. */
    owners: new Relation('owners'),
    /** user → manager (at most one target per source). */
    manager: new Relation('manager'),
    /** device → registered owner. */
    registeredOwners: new Relation('registeredOwners'),
    /** device → registered user. */
    registeredUsers: new Relation('registeredUsers'),
    /** administrativeUnit → member (users, groups, devices). */
    auMembers: new Relation('auMembers'),
    /** directoryRole → member. */
    roleMembers: new Relation('roleMembers'),
  } as const;
  /** Client secrets by keyId. */
  readonly secrets = new Map<string, StoredSecret>();
  /** Initial passwords by user ID (write-only in Graph; kept for sign-in flows). */
  readonly passwords = new Map<string, string>();
  /**
   * Everything the families generator returned (`FamilyData` and any extra fields such as child
   * collections or Exchange data), for the modules that serve those families.
   */
  familyData: unknown = undefined;
  /** Behaviour switches the control API sets per tenant. */
  readonly flags = {
    /** Answer every delta request that carries a token with `410 Gone` (synchronization reset). */
    forceDeltaReset: false,
  };

  private readonly stores = new Map<string, EntityStore>();
  private readonly childStores = new Map<string, Map<string, EntityStore>>();

  constructor(identity: TenantIdentity, readonly clock: Clock) {
    this.tenantId = identity.tenantId;
    this.name = identity.name;
    this.domain = identity.domain;
    this.displayName = identity.displayName;
    this.kind = identity.kind;
    this.deletedItems = this.store('deletedItems');
  }

  store<T extends Entity = Entity>(name: string, options: StoreOptions = {}): EntityStore<T> {
    let store = this.stores.get(name);
    if (!store) {
      store = new EntityStore(name, { trackChanges: TRACKED_STORES.has(name), now: () => this.clock.now(), ...options });
      this.stores.set(name, store);
    }
    return store as unknown as EntityStore<T>;
  }

  /** The children of one parent in a child collection (e.g. `deviceConfigurations/assignments`), created on first use. */
  childStore<T extends Entity = Entity>(collection: string, parentId: string): EntityStore<T> {
    let byParent = this.childStores.get(collection);
    if (!byParent) {
      byParent = new Map();
      this.childStores.set(collection, byParent);
    }
    let store = byParent.get(parentId);
    if (!store) {
      store = new EntityStore(`${collection}@${parentId}`, { now: () => this.clock.now() });
      byParent.set(parentId, store);
    }
    return store as unknown as EntityStore<T>;
  }

  /** Forgets a parent's children in every child collection whose name starts with `prefix/` (the parent was deleted). */
  dropChildren(prefix: string, parentId: string): void {
    for (const [collection, byParent] of this.childStores) if (collection.startsWith(`${prefix}/`)) byParent.delete(parentId);
  }

  storeNames(): string[] {
    return [...this.stores.keys()];
  }

  /** The live store of a directory-object kind. */
  kindStore(kind: ObjectKindName): EntityStore {
    return this.store(KIND_STORE[kind]);
  }

  /** Inserts a directory object into its kind's store and the index; returns its handle. */
  addObject(kind: ObjectKindName, entity: Entity, options: { silent?: boolean } = {}): number {
    this.kindStore(kind).insert(entity, options);
    return this.directory.register(entity.id, kind);
  }

  /** A live directory object by ID, with its kind. */
  liveObject(id: string): { kind: ObjectKindName; entity: Entity; handle: number } | undefined {
    const handle = this.directory.liveHandle(id);
    if (handle === undefined) return undefined;
    const kind = this.directory.kind(handle);
    const entity = this.kindStore(kind).get(id);
    return entity ? { kind, entity, handle } : undefined;
  }

  /** The entity of a handle if the object is live. */
  entityOf(handle: number): Entity | undefined {
    if (!this.directory.isLive(handle)) return undefined;
    return this.kindStore(this.directory.kind(handle)).get(this.directory.id(handle));
  }

  nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Number of live users; decides the throttling size class. */
  get userCount(): number {
    return this.store('users').size;
  }
}
