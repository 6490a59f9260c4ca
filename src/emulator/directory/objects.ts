/**
 * Directory-object semantics shared by the routes, the generator and the control API:
 * relationship changes (which also feed `members@delta`), deletion (soft vs hard, as Entra does it),
 * restore from the recycle bin, and lookups by ID.
 *
 * Rules (facts §5.1, https://learn.microsoft.com/graph/api/directory-deleteditems-restore):
 * - users, Microsoft 365 (Unified) groups, applications, service principals and administrative
 *   units are soft-deleted into `directory/deletedItems` for 30 days; everything else — security
 *   groups, mail-enabled security groups, distribution lists, devices — is hard-deleted;
 * - a soft-deleted object keeps its ID and its relationships (a restored user is back in its
 *   groups); it is hidden from member lists and does not appear as removed in `members@delta`
 *   until it is permanently deleted (delta-query-groups.md);
 * - restoring an application does not restore its service principal.
 */
import { ChangeKind } from '../state/change-log.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { ObjectState, type ObjectKindName } from '../state/directory-index.js';
import type { Relation } from '../state/relation.js';

export type RelationName = keyof TenantState['relations'];

/** The navigation property a relationship is reported under in delta, per relation. */
const NAV: Readonly<Record<RelationName, string>> = {
  members: 'members',
  owners: 'owners',
  manager: 'manager',
  registeredOwners: 'registeredOwners',
  registeredUsers: 'registeredUsers',
  auMembers: 'members',
  roleMembers: 'members',
};

function relation(tenant: TenantState, name: RelationName): Relation {
  return tenant.relations[name];
}

/** Records a relationship change in the source object's change log (for `…@delta`). */
function logLink(tenant: TenantState, name: RelationName, sourceHandle: number, targetHandle: number, added: boolean): void {
  const kind = tenant.directory.kind(sourceHandle);
  tenant.kindStore(kind).recordLink(tenant.directory.id(sourceHandle), NAV[name], tenant.directory.id(targetHandle), added);
}

/** Adds a relationship edge; false when it already existed. */
export function link(tenant: TenantState, name: RelationName, sourceId: string, targetId: string, options: { silent?: boolean } = {}): boolean {
  const s = tenant.directory.handle(sourceId);
  const t = tenant.directory.handle(targetId);
  if (s === undefined || t === undefined) throw new Error(`link ${name}: unknown object ${s === undefined ? sourceId : targetId}`);
  const added = relation(tenant, name).add(s, t);
  if (added && !options.silent) logLink(tenant, name, s, t, true);
  return added;
}

export function unlink(tenant: TenantState, name: RelationName, sourceId: string, targetId: string): boolean {
  const s = tenant.directory.handle(sourceId);
  const t = tenant.directory.handle(targetId);
  if (s === undefined || t === undefined) return false;
  const removed = relation(tenant, name).remove(s, t);
  if (removed) logLink(tenant, name, s, t, false);
  return removed;
}

/** Live targets of a relationship from one source (members of a group, owners of an app, …). */
export function* linkedObjects(tenant: TenantState, name: RelationName, sourceId: string, kinds?: readonly ObjectKindName[]): Generator<Entity> {
  const s = tenant.directory.handle(sourceId);
  if (s === undefined) return;
  for (const h of relation(tenant, name).targets(s)) {
    if (kinds && !kinds.includes(tenant.directory.kind(h))) continue;
    const e = tenant.entityOf(h);
    if (e) yield e;
  }
}

/** Live sources pointing at one target (groups a user is a member of, …). */
export function* linkingObjects(tenant: TenantState, name: RelationName, targetId: string, kinds?: readonly ObjectKindName[]): Generator<Entity> {
  const t = tenant.directory.handle(targetId);
  if (t === undefined) return;
  for (const h of relation(tenant, name).sources(t)) {
    if (kinds && !kinds.includes(tenant.directory.kind(h))) continue;
    const e = tenant.entityOf(h);
    if (e) yield e;
  }
}

/** Groups a directory object belongs to, directly or through nested groups. */
export function* transitiveGroups(tenant: TenantState, objectId: string): Generator<Entity> {
  const start = tenant.directory.handle(objectId);
  if (start === undefined) return;
  const seen = new Set<number>();
  const queue = [start];
  while (queue.length > 0) {
    const h = queue.shift() as number;
    for (const g of tenant.relations.members.sources(h)) {
      if (seen.has(g)) continue;
      seen.add(g);
      const e = tenant.entityOf(g);
      if (e) {
        yield e;
        queue.push(g);
      }
    }
  }
}

export function isUnifiedGroup(group: Entity): boolean {
  return Array.isArray(group.groupTypes) && (group.groupTypes as unknown[]).includes('Unified');
}

/** Whether deleting this object sends it to the recycle bin. */
export function isSoftDeletable(kind: ObjectKindName, entity: Entity): boolean {
  switch (kind) {
    case 'user':
    case 'application':
    case 'servicePrincipal':
    case 'administrativeUnit':
      return true;
    case 'group':
      return isUnifiedGroup(entity);
    default:
      return false;
  }
}

/** The `@odata.type` of a directory object kind. */
export function odataTypeOf(kind: ObjectKindName): string {
  return `microsoft.graph.${kind}`;
}

/**
 * Deletes a live directory object with Entra's semantics; returns how.
 * Hard deletion removes every relationship and reports them in delta.
 */
export function deleteDirectoryObject(tenant: TenantState, id: string): { mode: 'soft' | 'hard'; entity: Entity; kind: ObjectKindName } | undefined {
  const live = tenant.liveObject(id);
  if (!live) return undefined;
  const { kind, entity, handle } = live;
  if (isSoftDeletable(kind, entity)) {
    tenant.kindStore(kind).remove(id, 'softDelete');
    tenant.deletedItems.insert({ ...entity, deletedDateTime: tenant.nowIso(), '@odata.type': `#${odataTypeOf(kind)}` });
    tenant.directory.setState(handle, ObjectState.softDeleted);
    return { mode: 'soft', entity, kind };
  }
  tenant.kindStore(kind).remove(id, 'hardDelete');
  purgeRelationships(tenant, handle);
  purgeAssociations(tenant, id);
  tenant.directory.setState(handle, ObjectState.gone);
  return { mode: 'hard', entity, kind };
}

/**
 * The objects that exist only to link a deleted object go with it: its app role assignments (as
 * principal or resource), delegated permission grants (as client, resource or principal),
 * directory role assignments and scoped role memberships. A soft-deleted object keeps them for its restore (recover-from-
 * deletions: "application assignments" are among what a restore keeps); a hard-deleted one does not.
 */
function purgeAssociations(tenant: TenantState, id: string): void {
  const links: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['appRoleAssignments', ['principalId', 'resourceId']],
    ['oauth2PermissionGrants', ['clientId', 'resourceId', 'principalId']],
    ['roleAssignments', ['principalId']],
  ];
  for (const [name, keys] of links) {
    const store = tenant.store(name);
    for (const entity of [...store.values()]) if (keys.some((k) => entity[k] === id)) store.remove(entity.id, 'hardDelete');
  }
  const scoped = tenant.store('scopedRoleMembers');
  for (const m of [...scoped.values()]) {
    if (m.administrativeUnitId === id || (m.roleMemberInfo as Record<string, unknown> | undefined)?.id === id) scoped.remove(m.id, 'hardDelete');
  }
}

/** Permanently deletes an object from the recycle bin. */
export function purgeDeletedObject(tenant: TenantState, id: string): Entity | undefined {
  const entity = tenant.deletedItems.remove(id, 'hardDelete');
  const handle = tenant.directory.handle(id);
  if (!entity || handle === undefined) return undefined;
  const kind = tenant.directory.kind(handle);
  // The kind's own log learns that the soft-deleted object is now gone for good.
  tenant.kindStore(kind).changes?.record(id, ChangeKind.hardDelete, tenant.clock.now());
  purgeRelationships(tenant, handle);
  purgeAssociations(tenant, id);
  tenant.directory.setState(handle, ObjectState.gone);
  return entity;
}

function purgeRelationships(tenant: TenantState, handle: number): void {
  for (const name of Object.keys(tenant.relations) as RelationName[]) {
    for (const [s, t] of relation(tenant, name).detach(handle)) {
      // Only changes visible from a live (or recycled) source matter to delta readers.
      if (s !== handle) logLink(tenant, name, s, t, false);
    }
  }
}

/** Restores a soft-deleted object with its ID and relationships. */
export function restoreDeletedObject(tenant: TenantState, id: string): { entity: Entity; kind: ObjectKindName } | undefined {
  const deleted = tenant.deletedItems.get(id);
  const handle = tenant.directory.handle(id);
  if (!deleted || handle === undefined) return undefined;
  const kind = tenant.directory.kind(handle);
  tenant.deletedItems.remove(id, 'hardDelete');
  const { deletedDateTime: _d, '@odata.type': _t, ...rest } = deleted;
  const entity = { ...rest, id, deletedDateTime: null } as Entity;
  tenant.kindStore(kind).insert(entity);
  tenant.directory.setState(handle, ObjectState.live);
  return { entity, kind };
}
