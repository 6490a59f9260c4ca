/**
 * `defineIntuneCollection`: one Intune collection (device configurations, compliance policies,
 * settings-catalog policies, scripts, RBAC, apps, app protection and configuration) with
 * everything Intune gives it:
 * - list, get, create, update (PATCH), delete — polymorphic by `@odata.type`, which must name a
 *   type of the request's version deriving from the collection's type; every property of the
 *   object's type comes back, unset ones with their defaults (docs `-get` pages show the full set);
 *   objects of a type the version does not have (beta-only apps on v1.0) are not listed there;
 * - server-managed properties (`id`, `version`, `createdDateTime`, `lastModifiedDateTime`,
 *   `isAssigned`, `supportsScopeTags`, counters) are accepted in bodies and ignored — bodies
 *   exported from a GET work (microsoft-graph-docs#4003 shows such a body with `id`, timestamps
 *   and `version` succeeding), and the docs' own create examples carry them; the service sets
 *   them: timestamps, `version` + 1 on every update, `roleScopeTagIds` ["0"] by default;
 * - every navigation property of the collection's type under `{id}/{nav}` from the tenant's
 *   child stores (assignments, settings, scheduled actions, apps, statuses): collections with
 *   list/get/create/update/delete, single ones with get/update; `$expand` of any of them, with no
 *   cap (Intune is not directory-object storage; facts §2.3);
 * - `/assign` with the replace-all rule (facts §7 "Assign semantics"): the posted list becomes
 *   the whole set, duplicate targets are dropped silently, assignment IDs are
 *   `{policyId}_{groupId}` as Intune forms them, and the answer is 200 with the new collection or
 *   204 per the resource's docs page;
 * - the Intune throttling class (facts §1.3) and Intune's error shape (`ResourceNotFound` with
 *   its JSON-in-a-string message);
 * - deletes are hard (Intune has no recycle bin) and take the object's children with them.
 * Writes to Intune are not written to the Entra directory audit log (Intune keeps its own).
 */
import { randomUUID } from 'node:crypto';
import { type ExpandSpec, type Paging, entityResponse, listResponse } from '../graph/collection.js';
import { GraphError } from '../graph/errors.js';
import { typeOf } from '../graph/projection.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, GraphResponse, GraphVersion, PermissionRule, RouteSpec } from '../graph/types.js';
import { parseWrite, requireObjectBody, type ParsedWrite } from '../graph/writes.js';
import { familyCatalog, type FamilyNavigation } from '../family-schema/index.js';
import type { Entity, EntityStore } from '../state/store.js';

/** Intune's list page sizes: 1,000 by default for most collections (facts §2.1) [I: the maximum]. */
export const INTUNE_PAGING: Paging = { defaultTop: 1000, maxTop: 1000 };

/** Properties the service sets; bodies may carry them and they are dropped. */
export const INTUNE_SERVER_MANAGED = [
  'id', 'version', 'createdDateTime', 'lastModifiedDateTime', 'isAssigned', 'supportsScopeTags', 'settingCount', 'creationSource',
  'deployedAppCount', 'publishingState', 'uploadState', 'size', 'committedContentVersion', 'dependentAppCount', 'supersedingAppCount',
  'supersededAppCount', 'isGlobalScript', 'highestAvailableVersion', 'isBuiltInRoleDefinition',
];

export const ALL_USERS_TARGET_ID = 'acacacac-9df4-4c7d-9d50-4ef0226f57a9';
export const ALL_DEVICES_TARGET_ID = 'adadadad-808e-44e2-905a-0b7873a8a531';

const GRAPH = 'microsoft.graph.';
const short = (type: string): string => type.replace(/^#?microsoft\.graph\./, '');

/**
 * Intune's error shape: its own code and a message that is a JSON document in a string, as the
 * Intune front end answers (e.g. a GET of an unknown configuration).
 */
export function intuneError(ctx: GraphContext, status: number, code: string, text: string): GraphError {
  const message = JSON.stringify({
    _version: 3,
    Message: `${text} - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: ${randomUUID()} - Url: ${ctx.serviceRoot}${ctx.request.path}`,
    CustomApiErrorPhrase: '',
    RetryAfter: null,
    ErrorSourceService: '',
    HttpHeaders: '{}',
  });
  return new GraphError(status, code, message);
}

export const intuneNotFound = (ctx: GraphContext): GraphError => intuneError(ctx, 404, 'ResourceNotFound', 'An error has occurred');
export const intuneBadRequest = (ctx: GraphContext, text: string): GraphError => intuneError(ctx, 400, 'BadRequest', text);

export interface AssignSpec {
  /** Body keys holding assignment lists, each with the child collection it replaces. */
  readonly lists: ReadonlyArray<{ readonly key: string; readonly nav: string; readonly type: string }>;
  /** 200 with the new collection (deviceConfiguration, …) or 204 (scripts, apps) per the docs page. */
  readonly status: 200 | 204;
  /** Appended to generated assignment IDs (mobile apps: `_0_0`). */
  readonly idSuffix?: string;
}

export interface IntuneCollectionSpec {
  readonly name: string;
  /** e.g. `/deviceManagement/deviceConfigurations`. */
  readonly path: string;
  readonly store: string;
  /** Short type name of the collection, e.g. `deviceConfiguration`. */
  readonly entityType: string;
  /** Prefix of the child collections (default the store name), e.g. `managedAppPolicies`. */
  readonly childPrefix?: string;
  readonly versions?: readonly GraphVersion[];
  readonly permissions: { readonly read: PermissionRule; readonly write?: PermissionRule };
  /** Creates must name a concrete derived `@odata.type`. */
  readonly polymorphic?: boolean;
  /** Only objects of this (derived) type belong to the collection (typed views of a shared store). */
  readonly onlyType?: string;
  readonly paging?: Paging;
  /** Returned by GET by ID and `$select` only (script content). */
  readonly contentProperties?: readonly string[];
  /** Navigation properties a create or replace may carry inline (settings, scheduled actions). */
  readonly inline?: readonly string[];
  readonly required?: readonly string[];
  readonly assign?: AssignSpec;
  /** Serve PUT (replace the whole object, inline navigations included). */
  readonly replace?: boolean;
  /** Single-valued navigations that reference another collection's object (`roleDefinition`). */
  readonly references?: Readonly<Record<string, { readonly store: string }>>;
  /** Extra checks or fields on create, after the defaults. */
  readonly onCreate?: (ctx: GraphContext, entity: Entity, write: ParsedWrite) => Entity;
}

function childPrefixOf(spec: IntuneCollectionSpec): string {
  return spec.childPrefix ?? spec.store;
}

/** The child store of one parent's navigation. */
export function children(ctx: GraphContext, spec: IntuneCollectionSpec, parentId: string, nav: string): EntityStore {
  return ctx.tenant.childStore(`${childPrefixOf(spec)}/${nav}`, parentId);
}

/** Navigation properties of the collection's type, with the versions that have each. */
function navigationsOf(spec: IntuneCollectionSpec): Array<FamilyNavigation & { versions: GraphVersion[] }> {
  const out = new Map<string, FamilyNavigation & { versions: GraphVersion[] }>();
  const type = spec.onlyType ?? spec.entityType;
  for (const v of spec.versions ?? (['v1.0', 'beta'] as const)) {
    for (const nav of familyCatalog.navigation(v, type)) {
      const seen = out.get(nav.name);
      if (seen) seen.versions.push(v);
      else out.set(nav.name, { ...nav, versions: [v] });
    }
  }
  return [...out.values()];
}

/** A key for "the same target" in assignment lists (duplicates are ignored, facts §7). */
function targetKey(target: Record<string, unknown> | undefined): string {
  const t = target ?? {};
  return `${String(t['@odata.type'] ?? '').replace(/^#/, '').toLowerCase()}|${String(t.groupId ?? t.collectionId ?? '')}`;
}

/** The ID Intune gives an assignment: `{parentId}_{groupId}`, the all-users/all-devices pseudo IDs, or a GUID. */
function assignmentId(parentId: string, target: Record<string, unknown> | undefined, suffix = ''): string {
  const type = String(target?.['@odata.type'] ?? '');
  const key =
    typeof target?.groupId === 'string' ? target.groupId
      : /allLicensedUsers/i.test(type) ? ALL_USERS_TARGET_ID
        : /allDevices/i.test(type) ? ALL_DEVICES_TARGET_ID
          : randomUUID();
  return `${parentId}_${key}${suffix}`;
}

/**
 * Whether a type has a property in either version: one stored object serves both, so the
 * service-set values (scope tags, `supportsScopeTags`) are there whichever version created it.
 */
function hasProperty(type: string, property: string): boolean {
  return (familyCatalog.properties('beta', type)?.has(property) ?? false) || (familyCatalog.properties('v1.0', type)?.has(property) ?? false);
}

function stampsFor(ctx: GraphContext, type: string): Record<string, unknown> {
  const props = { has: (p: string) => hasProperty(type, p) };
  const now = ctx.tenant.nowIso();
  const out: Record<string, unknown> = {};
  if (props?.has('createdDateTime')) out.createdDateTime = now;
  if (props?.has('lastModifiedDateTime')) out.lastModifiedDateTime = now;
  return out;
}

/** The next `version` of an object: integers count up; managed-app policies carry an opaque quoted tag. */
function nextVersion(current: unknown): unknown {
  if (typeof current === 'number') return current + 1;
  if (typeof current === 'string') return `"${randomUUID().slice(0, 8)}"`;
  return current;
}

/** The concrete type a create or update names, checked against the collection and version. */
function declaredType(ctx: GraphContext, spec: IntuneCollectionSpec, write: ParsedWrite): string | undefined {
  const declared = write.props['@odata.type'];
  if (typeof declared !== 'string') return undefined;
  const type = short(declared);
  const base = spec.onlyType ?? spec.entityType;
  if (!familyCatalog.knows(ctx.version, type) || !familyCatalog.isA(ctx.version, type, base)) {
    throw intuneBadRequest(ctx, `The type '${declared}' is not a ${base} type in ${ctx.version}.`);
  }
  return type;
}

function stripInline(spec: IntuneCollectionSpec, props: Record<string, unknown>): { own: Record<string, unknown>; inline: Record<string, unknown[]> } {
  const own: Record<string, unknown> = {};
  const inline: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(props)) {
    if (spec.inline?.includes(k)) {
      if (!Array.isArray(v)) throw new GraphError(400, 'BadRequest', `The property '${k}' must be a collection.`);
      inline[k] = v;
    } else own[k] = v;
  }
  return { own, inline };
}

/** Replaces one parent's children in a navigation with `items` (IDs kept when given, else new). */
function replaceChildren(ctx: GraphContext, spec: IntuneCollectionSpec, parentId: string, nav: string, items: readonly unknown[], makeId: (item: Record<string, unknown>, index: number) => string): Entity[] {
  const store = children(ctx, spec, parentId, nav);
  store.clear();
  const out: Entity[] = [];
  items.forEach((raw, index) => {
    const item = { ...(raw as Record<string, unknown>) };
    const id = makeId(item, index);
    if (store.has(id)) return;
    out.push(store.insert({ ...item, id }));
  });
  return out;
}

function afterChildrenChanged(ctx: GraphContext, spec: IntuneCollectionSpec, parentId: string): void {
  const store = ctx.tenant.store(spec.store);
  const parent = store.get(parentId);
  if (!parent) return;
  const type = typeOf(parent, GRAPH + spec.entityType);
  const props = { has: (p: string) => hasProperty(type, p) };
  const patch: Record<string, unknown> = {};
  if (props.has('isAssigned')) patch.isAssigned = children(ctx, spec, parentId, 'assignments').size > 0;
  if (props.has('settingCount')) patch.settingCount = children(ctx, spec, parentId, 'settings').size;
  if (Object.keys(patch).length > 0) store.update(parentId, patch, { silent: true });
}

export function defineIntuneCollection(spec: IntuneCollectionSpec): RouteSpec[] {
  const baseType = GRAPH + spec.entityType;
  const contextName = spec.path.replace(/^\//, '');
  const navs = navigationsOf(spec);
  const where = (ctx: GraphContext, e: Entity): boolean => {
    const type = typeOf(e, baseType);
    if (!familyCatalog.knows(ctx.version, type)) return false;
    return spec.onlyType ? short(type) === spec.onlyType : true;
  };

  const expand: Record<string, ExpandSpec> = {};
  for (const nav of navs) {
    const reference = spec.references?.[nav.name];
    expand[nav.name] = {
      items: (ctx, entity) => {
        const items = [...children(ctx, spec, entity.id, nav.name).values()];
        if (!reference) return items;
        return items.map((ref) => ctx.tenant.store(reference.store).get(ref.id)).filter((e): e is Entity => e !== undefined);
      },
      projection: { entityType: GRAPH + nav.type, fillDefaults: true, includeType: false },
      single: !nav.collection,
      limit: Number.POSITIVE_INFINITY,
      nested: (_ctx, related, names) => {
        // Scheduled actions keep their action items inline (`scheduledActionConfigurations`).
        const out: Record<string, unknown> = {};
        for (const name of names) if (Array.isArray(related[name])) out[name] = related[name];
        return out;
      },
    };
  }

  const write = spec.permissions.write;
  const set: EntitySetSpec = {
    name: spec.name,
    path: spec.path,
    store: spec.store,
    entityType: baseType,
    contextName,
    versions: spec.versions,
    permissions: { read: spec.permissions.read, ...(write ? { create: write, update: write, delete: write } : {}) },
    throttle: 'intune',
    paging: spec.paging ?? INTUNE_PAGING,
    projection: { fillDefaults: true, ...(spec.contentProperties ? { selectOnly: spec.contentProperties } : {}) },
    projectionById: { selectOnly: [] },
    expand,
    expandCapsPage: false,
    where,
    notFound: (ctx) => intuneNotFound(ctx),
    write: { ignored: INTUNE_SERVER_MANAGED, required: spec.required, extraWritable: spec.inline },
    create: (ctx, parsed) => {
      let type = declaredType(ctx, spec, parsed) ?? spec.onlyType;
      if (!type) {
        if (spec.polymorphic) throw intuneBadRequest(ctx, `A value is required for '@odata.type': ${spec.entityType} is abstract; name the concrete type to create.`);
        type = spec.entityType;
      }
      const { '@odata.type': _declared, ...own } = stripInline(spec, parsed.props).own;
      const props = { has: (p: string) => hasProperty(type, p) };
      const entity: Entity = {
        ...(type !== spec.entityType || spec.polymorphic || spec.onlyType ? { '@odata.type': `#${GRAPH}${type}` } : {}),
        ...own,
        id: randomUUID(),
        ...stampsFor(ctx, GRAPH + type),
        // Managed-app policies carry an opaque quoted tag as `version`; the others count from 1.
        ...(props.has('version') ? { version: familyCatalog.isA(ctx.version, type, 'managedAppPolicy') ? `"${randomUUID().slice(0, 8)}"` : 1 } : {}),
        ...(props.has('isAssigned') ? { isAssigned: false } : {}),
        ...(props.has('supportsScopeTags') ? { supportsScopeTags: true } : {}),
        ...(props.has('roleScopeTagIds') && own.roleScopeTagIds === undefined ? { roleScopeTagIds: ['0'] } : {}),
      };
      return spec.onCreate ? spec.onCreate(ctx, entity, parsed) : entity;
    },
    afterCreate: (ctx, entity, parsed) => {
      const { inline } = stripInline(spec, parsed.props);
      for (const [nav, items] of Object.entries(inline)) replaceChildren(ctx, spec, entity.id, nav, items, (item, i) => (typeof item.id === 'string' && item.id !== '' ? item.id : nav === 'settings' ? String(i) : randomUUID()));
      for (const [nav, ids] of Object.entries(parsed.binds)) {
        if (spec.references?.[nav]) replaceChildren(ctx, spec, entity.id, nav, ids.map((id) => ({ id })), (item) => String(item.id));
      }
      afterChildrenChanged(ctx, spec, entity.id);
    },
    update: (ctx, before, parsed) => {
      const declared = declaredType(ctx, spec, parsed);
      const own = short(typeOf(before, baseType));
      if (declared && !familyCatalog.isA(ctx.version, own, declared)) {
        throw intuneBadRequest(ctx, `The @odata.type '${String(parsed.props['@odata.type'])}' does not match the type of the object (${own}).`);
      }
      const { own: props, inline } = stripInline(spec, parsed.props);
      if (Object.keys(inline).length > 0) throw intuneBadRequest(ctx, `${Object.keys(inline)[0]} cannot be changed with PATCH; replace the whole policy with PUT.`);
      const { '@odata.type': _type, ...rest } = props;
      const modified = hasProperty(short(typeOf(before, baseType)), 'lastModifiedDateTime') ? { lastModifiedDateTime: ctx.tenant.nowIso() } : {};
      return { ...rest, ...modified, ...('version' in before ? { version: nextVersion(before.version) } : {}) };
    },
    remove: (ctx, entity) => {
      ctx.tenant.store(spec.store).remove(entity.id, 'hardDelete');
      ctx.tenant.dropChildren(childPrefixOf(spec), entity.id);
    },
    audit: false,
  };

  const common = { versions: spec.versions, throttle: 'intune' as const };
  const parentOf = (ctx: GraphContext): Entity => {
    const e = ctx.tenant.store(spec.store).get(ctx.params.id as string);
    if (!e || !where(ctx, e)) throw intuneNotFound(ctx);
    return e;
  };
  const routes: RouteSpec[] = [...defineEntitySet(set)];

  if (spec.replace && write) {
    routes.push(route('PUT', `${spec.path}/{id}`, { ...common, permissions: write, name: `${spec.name}.replace` }, (ctx) => {
      const before = parentOf(ctx);
      const parsed = parseWrite(ctx, ctx.request.body, { entityType: baseType, resourceName: spec.entityType, ignored: INTUNE_SERVER_MANAGED, required: spec.required, extraWritable: spec.inline }, 'replace', before.id);
      const { own, inline } = stripInline(spec, parsed.props);
      const keep = { id: before.id, createdDateTime: before.createdDateTime, ...(before['@odata.type'] ? { '@odata.type': before['@odata.type'] } : {}) };
      ctx.tenant.store(spec.store).replace({ ...keep, ...own, ...keep, lastModifiedDateTime: ctx.tenant.nowIso(), isAssigned: before.isAssigned ?? false } as Entity);
      for (const nav of spec.inline ?? []) replaceChildren(ctx, spec, before.id, nav, inline[nav] ?? [], (item, i) => (typeof item.id === 'string' && item.id !== '' ? item.id : nav === 'settings' ? String(i) : randomUUID()));
      afterChildrenChanged(ctx, spec, before.id);
      // The settings catalog answers a replace with 204 [I: the docs page shows no body].
      return { status: 204 };
    }));
  }

  for (const nav of navs) {
    const navPath = `${spec.path}/{id}/${nav.name}`;
    const navCommon = { ...common, versions: nav.versions.filter((v) => !spec.versions || spec.versions.includes(v)) };
    const childType = GRAPH + nav.type;
    const shape = (ctx: GraphContext) => ({
      contextName: `${contextName}('${String(ctx.params.id)}')/${nav.name}`,
      projection: { entityType: childType, fillDefaults: true },
    });
    const reference = spec.references?.[nav.name];
    if (!nav.collection) {
      routes.push(route('GET', navPath, { ...navCommon, permissions: spec.permissions.read, name: `${spec.name}.${nav.name}.get` }, (ctx) => {
        const parent = parentOf(ctx);
        const stored = [...children(ctx, spec, parent.id, nav.name).values()][0];
        const target = reference && stored ? ctx.tenant.store(reference.store).get(stored.id) : stored;
        if (reference && !target) throw intuneNotFound(ctx);
        // Status overviews exist for every object, with zero counts until devices report.
        return entityResponse(ctx, shape(ctx), target ?? { id: parent.id });
      }));
      if (write && !reference) {
        routes.push(route('PATCH', navPath, { ...navCommon, permissions: write, name: `${spec.name}.${nav.name}.update` }, (ctx) => {
          const parent = parentOf(ctx);
          const parsed = parseWrite(ctx, ctx.request.body, { entityType: childType, resourceName: nav.type, ignored: INTUNE_SERVER_MANAGED }, 'update');
          const store = children(ctx, spec, parent.id, nav.name);
          const current = [...store.values()][0];
          if (current) store.update(current.id, parsed.props);
          else store.insert({ ...parsed.props, id: parent.id });
          return { status: 204 };
        }));
      }
      continue;
    }
    const childOf = (ctx: GraphContext): Entity => {
      const parent = parentOf(ctx);
      const child = children(ctx, spec, parent.id, nav.name).get(ctx.params.childId as string);
      if (!child) throw intuneNotFound(ctx);
      return child;
    };
    routes.push(
      route('GET', navPath, { ...navCommon, permissions: spec.permissions.read, name: `${spec.name}.${nav.name}.list` }, (ctx) => {
        const parent = parentOf(ctx);
        return listResponse(ctx, { ...shape(ctx), source: children(ctx, spec, parent.id, nav.name), paging: spec.paging ?? INTUNE_PAGING, expandCapsPage: false });
      }),
      route('GET', `${navPath}/{childId}`, { ...navCommon, permissions: spec.permissions.read, name: `${spec.name}.${nav.name}.get` }, (ctx) => entityResponse(ctx, shape(ctx), childOf(ctx))),
    );
    if (write) {
      routes.push(
        route('POST', navPath, { ...navCommon, permissions: write, name: `${spec.name}.${nav.name}.create` }, (ctx) => {
          const parent = parentOf(ctx);
          const parsed = parseWrite(ctx, ctx.request.body, { entityType: childType, resourceName: nav.type, ignored: INTUNE_SERVER_MANAGED }, 'create');
          const store = children(ctx, spec, parent.id, nav.name);
          const target = parsed.props.target as Record<string, unknown> | undefined;
          let id = nav.name === 'assignments' && target ? assignmentId(parent.id, target, spec.assign?.idSuffix) : randomUUID();
          if (nav.name === 'settings') id = String(store.size);
          if (store.has(id)) throw intuneBadRequest(ctx, `An object with the ID '${id}' already exists.`);
          const created = store.insert({ ...parsed.props, id });
          afterChildrenChanged(ctx, spec, parent.id);
          return entityResponse(ctx, shape(ctx), created, 201);
        }),
        route('PATCH', `${navPath}/{childId}`, { ...navCommon, permissions: write, name: `${spec.name}.${nav.name}.update` }, (ctx) => {
          const child = childOf(ctx);
          const parsed = parseWrite(ctx, ctx.request.body, { entityType: childType, resourceName: nav.type, ignored: INTUNE_SERVER_MANAGED }, 'update', child.id);
          children(ctx, spec, ctx.params.id as string, nav.name).update(child.id, parsed.props);
          return { status: 204 };
        }),
        route('DELETE', `${navPath}/{childId}`, { ...navCommon, permissions: write, name: `${spec.name}.${nav.name}.delete` }, (ctx) => {
          const child = childOf(ctx);
          children(ctx, spec, ctx.params.id as string, nav.name).remove(child.id);
          afterChildrenChanged(ctx, spec, ctx.params.id as string);
          return { status: 204 };
        }),
      );
    }
  }

  if (spec.assign && write) routes.push(assignRoute(spec, spec.assign, write, parentOf));
  return routes;
}

/** `POST {path}/{id}/assign`: the posted lists replace the whole assignment set. */
function assignRoute(spec: IntuneCollectionSpec, assign: AssignSpec, write: PermissionRule, parentOf: (ctx: GraphContext) => Entity): RouteSpec {
  return route('POST', `${spec.path}/{id}/assign`, { versions: spec.versions, throttle: 'intune', permissions: write, name: `${spec.name}.assign` }, (ctx): GraphResponse => {
    const parent = parentOf(ctx);
    const body = requireObjectBody(ctx.request.body);
    // A list whose navigation the version lacks (beta-only group assignments) is not a parameter there.
    const navs = new Set(familyCatalog.navigation(ctx.version, spec.onlyType ?? spec.entityType).map((n) => n.name));
    const lists = assign.lists.filter((l) => navs.has(l.nav));
    const known = new Set(lists.map((l) => l.key));
    for (const key of Object.keys(body)) {
      if (!known.has(key)) throw intuneBadRequest(ctx, `The parameter '${key}' is not a parameter of the action assign; expected ${[...known].join(', ')}.`);
    }
    // Every list is checked before anything is replaced.
    const prepared: Array<{ list: AssignSpec['lists'][number]; items: Record<string, unknown>[] }> = [];
    for (const list of lists) {
      const raw = body[list.key];
      if (raw === undefined) continue;
      if (!Array.isArray(raw)) throw intuneBadRequest(ctx, `The parameter '${list.key}' must be a collection.`);
      const seen = new Set<string>();
      const items: Record<string, unknown>[] = [];
      for (const item of raw) {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) throw intuneBadRequest(ctx, `Each item of '${list.key}' must be an object.`);
        const { '@odata.type': _type, ...record } = item as Record<string, unknown>;
        // Each item is an assignment entity: unknown properties and malformed targets are refused.
        const parsed = parseWrite(ctx, record, { entityType: GRAPH + list.type, resourceName: list.type, ignored: [...INTUNE_SERVER_MANAGED, 'source', 'sourceId'] }, 'create');
        const target = parsed.props.target as Record<string, unknown> | undefined;
        const key = target ? targetKey(target) : `group|${String(parsed.props.targetGroupId ?? '')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        items.push({ ...parsed.props, ...(hasProperty(list.type, 'sourceId') ? { source: 'direct', sourceId: parent.id } : {}) });
      }
      prepared.push({ list, items });
    }
    let result: Entity[] = [];
    for (const { list, items } of prepared) {
      const created = replaceChildren(ctx, spec, parent.id, list.nav, items, (item) =>
        item.target ? assignmentId(parent.id, item.target as Record<string, unknown>, assign.idSuffix) : `${parent.id}_${String(item.targetGroupId ?? randomUUID())}`,
      );
      if (list.nav === 'assignments') result = created;
    }
    afterChildrenChanged(ctx, spec, parent.id);
    if (assign.status === 204) return { status: 204 };
    const type = assign.lists[0]?.type ?? 'entity';
    const projection = { entityType: GRAPH + type, fillDefaults: true };
    return {
      status: 200,
      body: {
        '@odata.context': ctx.contextUrl(`Collection(${GRAPH}${type})`),
        value: result.map((e) => {
          const { '@odata.context': _c, ...rest } = entityResponse(ctx, { contextName: '', projection }, e).body as Record<string, unknown>;
          return rest;
        }),
      },
    };
  });
}
