/**
 * Users: `/users` (list, get by ID or userPrincipalName, create, update, soft delete, delta,
 * `$count`), `manager` (GET, PUT/DELETE `$ref`), `directReports`, `memberOf`,
 * `transitiveMemberOf`, `ownedDevices`/`registeredDevices`, `appRoleAssignments`, and `/me` for
 * delegated tokens.
 *
 * Rules (user-post-users.md, user-update.md, user-delete.md, facts §6.1/§6.3):
 * - create needs accountEnabled, displayName, mailNickname, userPrincipalName and passwordProfile
 *   — except local accounts created with `identities` (B2C style), which get a generated UPN;
 * - the UPN's domain must be a verified domain of the tenant and unique;
 * - `passwordProfile.password` is write-only; read-only properties are refused;
 * - deleting a user is a soft delete (recycle bin, delta `@removed: changed`).
 */
import { randomUUID } from 'node:crypto';
import { listResponse, entityResponse, DIRECTORY_PAGING } from '../graph/collection.js';
import { GraphError, badRequest, notFound } from '../graph/errors.js';
import { P, checkPermission } from '../graph/permissions.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import { idFromReference, requireObjectBody, type ParsedWrite } from '../graph/writes.js';
import type { Entity, EntityStore } from '../state/store.js';
import { hash32 } from '../random.js';
import { deleteDirectoryObject, link, linkedObjects, linkingObjects, transitiveGroups, unlink } from './objects.js';
import { KIND_PROJECTION, directoryObjectList, mixedProjection, navigationRoutes, typed, typedAll } from './shared.js';
import { appRoleAssignmentRoutes } from './app-role-assignments.js';

const USER_READ_ONLY = [
  'createdDateTime', 'creationType', 'deletedDateTime', 'externalUserStateChangeDateTime', 'imAddresses', 'lastPasswordChangeDateTime',
  'legalAgeGroupClassification', 'onPremisesDistinguishedName', 'onPremisesDomainName', 'onPremisesLastSyncDateTime', 'onPremisesProvisioningErrors',
  'onPremisesSamAccountName', 'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'onPremisesUserPrincipalName', 'proxyAddresses',
  'assignedPlans', 'provisionedPlans', 'licenseAssignmentStates', 'signInSessionsValidFromDateTime', 'refreshTokensValidFromDateTime',
  'securityIdentifier', 'signInActivity', 'assignedLicenses', 'isResourceAccount',
];

/** Finds a live user by object ID or userPrincipalName (Graph accepts both in `/users/{id}`). */
export function findUser(ctx: GraphContext, key: string): Entity | undefined {
  const byId = ctx.tenant.store('users').get(key);
  if (byId) return byId;
  if (!key.includes('@')) return undefined;
  return userByUpn(ctx, key);
}

/**
 * Lower-cased userPrincipalName → user id, per users store: built on first use, extended with the
 * rows inserted since (creates and recycle-bin restores append), rebuilt when the store renumbers
 * or is cleared, dropped when a UPN changes in place (`updateUser`). A hit is checked against the
 * user it names, so a deleted or renamed user is never returned. Without it every create and every
 * `/users/{upn}` scanned all users (36 ms each in a 100,000-user tenant).
 */
const upnIndexes = new WeakMap<EntityStore, { epoch: number; upTo: number; byUpn: Map<string, string> }>();

function upnIndex(ctx: GraphContext): Map<string, string> {
  const store = ctx.tenant.store('users');
  let index = upnIndexes.get(store);
  if (!index || index.epoch !== store.epoch || index.upTo > store.end) {
    index = { epoch: store.epoch, upTo: 0, byUpn: new Map() };
    upnIndexes.set(store, index);
  }
  if (index.upTo < store.end) {
    for (const [, u] of store.scan(index.upTo)) if (typeof u.userPrincipalName === 'string') index.byUpn.set(u.userPrincipalName.toLowerCase(), u.id);
    index.upTo = store.end;
  }
  return index.byUpn;
}

/** The live user with this userPrincipalName (case-insensitive), other than `exceptId`. */
function userByUpn(ctx: GraphContext, upn: string, exceptId?: string): Entity | undefined {
  const k = upn.toLowerCase();
  const id = upnIndex(ctx).get(k);
  const u = id === undefined ? undefined : ctx.tenant.store('users').get(id);
  if (!u || u.id === exceptId || String(u.userPrincipalName).toLowerCase() !== k) return undefined;
  return u;
}

export function userOr404(ctx: GraphContext, key: string): Entity {
  const u = findUser(ctx, key);
  if (!u) throw notFound(key);
  return u;
}

function verifiedDomains(ctx: GraphContext): Set<string> {
  const out = new Set<string>();
  for (const d of ctx.tenant.store('domains').values()) if (d.isVerified) out.add(d.id.toLowerCase());
  return out;
}

function checkUpn(ctx: GraphContext, upn: unknown, selfId?: string): void {
  if (typeof upn !== 'string' || !upn.includes('@')) throw badRequest('Property userPrincipalName is invalid.');
  const domain = upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
  if (!verifiedDomains(ctx).has(domain)) {
    throw badRequest('The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.');
  }
  if (userByUpn(ctx, upn, selfId)) throw badRequest('Another object with the same value for property userPrincipalName already exists.');
}

function storedPasswordProfile(ctx: GraphContext, userId: string, profile: unknown): Record<string, unknown> {
  const p = (profile ?? {}) as Record<string, unknown>;
  if (typeof p.password === 'string') ctx.tenant.passwords.set(userId, p.password);
  return {
    password: null,
    forceChangePasswordNextSignIn: p.forceChangePasswordNextSignIn ?? true,
    forceChangePasswordNextSignInWithMfa: p.forceChangePasswordNextSignInWithMfa ?? false,
  };
}

function createUser(ctx: GraphContext, write: ParsedWrite): Entity {
  const p = write.props;
  const localAccount = Array.isArray(p.identities) && (p.identities as Record<string, unknown>[]).some((i) => i.signInType !== 'userPrincipalName');
  const id = randomUUID();
  if (!localAccount) {
    for (const r of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile']) {
      if (p[r] === undefined || p[r] === null || p[r] === '') throw badRequest(`A value is required for property '${r}' of resource 'User'.`);
    }
  } else if (typeof p.displayName !== 'string' || !p.passwordProfile) {
    throw badRequest(`A value is required for property '${typeof p.displayName !== 'string' ? 'displayName' : 'passwordProfile'}' of resource 'User'.`);
  }
  const upn = (p.userPrincipalName as string | undefined) ?? `${id}@${ctx.tenant.domain}`;
  checkUpn(ctx, upn);
  const now = ctx.tenant.nowIso();
  const user: Entity = {
    id,
    accountEnabled: p.accountEnabled ?? true,
    businessPhones: [],
    createdDateTime: now,
    creationType: localAccount ? 'LocalAccount' : null,
    deletedDateTime: null,
    displayName: p.displayName,
    identities: localAccount ? p.identities : [{ signInType: 'userPrincipalName', issuer: ctx.tenant.domain, issuerAssignedId: upn }],
    imAddresses: [],
    mail: null,
    mailNickname: p.mailNickname ?? id.replace(/-/g, '').slice(0, 20),
    onPremisesSyncEnabled: null,
    otherMails: [],
    proxyAddresses: [],
    securityIdentifier: `S-1-12-1-${hash32(id)}-${hash32(id, 7)}-${hash32(id, 11)}-${hash32(id, 13)}`,
    signInSessionsValidFromDateTime: now,
    userType: 'Member',
    ...p,
    userPrincipalName: upn,
    passwordProfile: storedPasswordProfile(ctx, id, p.passwordProfile),
  };
  ctx.tenant.addObject('user', user);
  return user;
}

function updateUser(ctx: GraphContext, before: Entity, write: ParsedWrite): Record<string, unknown> {
  const patch = { ...write.props };
  if (patch.userPrincipalName !== undefined && patch.userPrincipalName !== before.userPrincipalName) {
    checkUpn(ctx, patch.userPrincipalName, before.id);
    upnIndexes.delete(ctx.tenant.store('users'));
  }
  if (patch.passwordProfile !== undefined) {
    patch.passwordProfile = storedPasswordProfile(ctx, before.id, patch.passwordProfile);
    patch.lastPasswordChangeDateTime = ctx.tenant.nowIso();
  }
  if (patch.userPrincipalName !== undefined) {
    const identities = ((before.identities as Record<string, unknown>[] | undefined) ?? []).map((i) =>
      i.signInType === 'userPrincipalName' ? { ...i, issuerAssignedId: patch.userPrincipalName } : i,
    );
    if (write.props.identities === undefined) patch.identities = identities;
  }
  return patch;
}

export const USERS: EntitySetSpec = {
  name: 'users',
  path: '/users',
  store: 'users',
  entityType: 'microsoft.graph.user',
  permissions: { read: P.userRead, create: P.userCreate, update: P.userWrite, delete: P.userDelete },
  // GET users costs 2 resource units (facts §1.2).
  cost: { list: 2 },
  paging: DIRECTORY_PAGING,
  projection: { defaultSelect: KIND_PROJECTION.user.defaultSelect, hidden: ['passwordProfile'] },
  advancedQueries: true,
  orderable: ['displayName', 'userPrincipalName'],
  searchable: ['displayName', 'mail', 'userPrincipalName', 'givenName', 'surname', 'mailNickname'],
  delta: true,
  expand: {
    manager: { single: true, items: (ctx, u) => typedAll(ctx, linkedObjects(ctx.tenant, 'manager', u.id)), projection: mixedProjection() },
    directReports: { items: (ctx, u) => typedAll(ctx, linkingObjects(ctx.tenant, 'manager', u.id)), projection: mixedProjection() },
    memberOf: { items: (ctx, u) => typedAll(ctx, memberOf(ctx, u.id)), projection: mixedProjection() },
  },
  find: findUser,
  write: { readOnly: USER_READ_ONLY, extraWritable: ['passwordProfile'] },
  create: createUser,
  createResponseAddsWritten: true,
  update: updateUser,
  remove: (ctx, entity) => {
    deleteDirectoryObject(ctx.tenant, entity.id);
  },
  audit: { category: 'UserManagement', noun: 'user', targetType: 'User' },
};

const managerOf = (ctx: GraphContext, user: Entity): Entity | undefined => linkedObjects(ctx.tenant, 'manager', user.id).next().value ?? undefined;

function managerRoutes(): RouteSpec[] {
  const writePerm = P.userWrite;
  return [
    route('GET', '/users/{id}/manager', { permissions: P.userRead, name: 'users.manager.get' }, (ctx) => {
      const user = userOr404(ctx, ctx.params.id as string);
      const manager = managerOf(ctx, user);
      if (!manager) throw notFound('manager');
      return entityResponse(ctx, { contextName: 'directoryObjects', projection: { ...KIND_PROJECTION.user, entityType: 'microsoft.graph.user', includeType: true, defaultSelect: undefined } }, typed(ctx, manager));
    }),
    route('PUT', '/users/{id}/manager/$ref', { permissions: writePerm, name: 'users.manager.set' }, (ctx) => {
      const user = userOr404(ctx, ctx.params.id as string);
      const targetId = idFromReference(requireObjectBody(ctx.request.body)['@odata.id']);
      const target = ctx.tenant.liveObject(targetId);
      if (!target || (target.kind !== 'user' && target.kind !== 'orgContact')) throw notFound(targetId);
      if (target.entity.id === user.id) throw badRequest('A user cannot be their own manager.');
      const previous = managerOf(ctx, user);
      if (previous?.id === target.entity.id) return { status: 204 };
      if (previous) unlink(ctx.tenant, 'manager', user.id, previous.id);
      link(ctx.tenant, 'manager', user.id, target.entity.id);
      ctx.tenant.store('users').touch(user.id);
      ctx.audit({
        activityDisplayName: 'Set user manager', category: 'UserManagement', operationType: 'Assign',
        targetResources: [{ id: user.id, type: 'User', displayName: user.displayName as string, userPrincipalName: user.userPrincipalName as string, modifiedProperties: [{ displayName: 'Manager', oldValue: previous ? JSON.stringify([previous.id]) : null, newValue: JSON.stringify([target.entity.id]) }] }],
      });
      return { status: 204 };
    }),
    route('DELETE', '/users/{id}/manager/$ref', { permissions: writePerm, name: 'users.manager.remove' }, (ctx) => {
      const user = userOr404(ctx, ctx.params.id as string);
      const previous = managerOf(ctx, user);
      if (!previous) throw notFound('manager');
      unlink(ctx.tenant, 'manager', user.id, previous.id);
      ctx.tenant.store('users').touch(user.id);
      ctx.audit({
        activityDisplayName: 'Remove user manager', category: 'UserManagement', operationType: 'Unassign',
        targetResources: [{ id: user.id, type: 'User', displayName: user.displayName as string, userPrincipalName: user.userPrincipalName as string }],
      });
      return { status: 204 };
    }),
  ];
}

function meRoutes(): RouteSpec[] {
  // App-only tokens get Graph's 400 rather than a 403, so the check happens in the handler.
  const meUser = (ctx: GraphContext): Entity => {
    if (!ctx.caller.userId) throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    const denied = checkPermission(P.me, ctx.caller);
    if (denied) throw denied;
    return userOr404(ctx, ctx.caller.userId);
  };
  return [
    route('GET', '/me', { permissions: 'anyAuthenticated', name: 'me.get' }, (ctx) =>
      entityResponse(ctx, { contextName: 'users', projection: KIND_PROJECTION.user }, meUser(ctx)),
    ),
    route('GET', '/me/memberOf', { permissions: 'anyAuthenticated', cost: 2, name: 'me.memberOf' }, (ctx) => {
      const user = meUser(ctx);
      return listResponse(ctx, directoryObjectList(ctx, () => memberOf(ctx, user.id)));
    }),
  ];
}

function* memberOf(ctx: GraphContext, id: string): Generator<Entity> {
  yield* linkingObjects(ctx.tenant, 'members', id);
  yield* linkingObjects(ctx.tenant, 'roleMembers', id);
  yield* linkingObjects(ctx.tenant, 'auMembers', id);
}

export function memberOfRoutes(base: string, owner: (ctx: GraphContext, key: string) => Entity, name: string): RouteSpec[] {
  return [
    route('GET', `${base}/memberOf`, { permissions: P.memberOfRead, cost: 2, name: `${name}.memberOf` }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      return listResponse(ctx, directoryObjectList(ctx, () => memberOf(ctx, o.id)));
    }),
    route('GET', `${base}/memberOf/{cast}`, { permissions: P.memberOfRead, cost: 2, name: `${name}.memberOf.cast` }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      return listResponse(ctx, directoryObjectList(ctx, () => memberOf(ctx, o.id), { cast: ctx.params.cast as string }));
    }),
    route('GET', `${base}/transitiveMemberOf`, { permissions: P.memberOfRead, cost: 2, name: `${name}.transitiveMemberOf` }, (ctx) => {
      const o = owner(ctx, ctx.params.id as string);
      return listResponse(ctx, directoryObjectList(ctx, function* () {
        yield* transitiveGroups(ctx.tenant, o.id);
        yield* linkingObjects(ctx.tenant, 'roleMembers', o.id);
        yield* linkingObjects(ctx.tenant, 'auMembers', o.id);
      }));
    }),
  ];
}

export function userRoutes(): RouteSpec[] {
  const owner = (ctx: GraphContext, key: string): Entity => userOr404(ctx, key);
  return [
    ...defineEntitySet(USERS),
    ...managerRoutes(),
    ...meRoutes(),
    ...memberOfRoutes('/users/{id}', owner, 'users'),
    ...navigationRoutes({ base: '/users/{id}', nav: 'directReports', relation: 'manager', direction: 'backward', read: P.userRead, owner }),
    ...navigationRoutes({ base: '/users/{id}', nav: 'ownedDevices', relation: 'registeredOwners', direction: 'backward', read: P.deviceRead, owner }),
    ...navigationRoutes({ base: '/users/{id}', nav: 'registeredDevices', relation: 'registeredUsers', direction: 'backward', read: P.deviceRead, owner }),
    ...navigationRoutes({ base: '/users/{id}', nav: 'ownedObjects', relation: 'owners', direction: 'backward', read: P.directoryObjectRead, owner, cost: 2 }),
    ...appRoleAssignmentRoutes('/users/{id}', owner, 'User'),
  ];
}
