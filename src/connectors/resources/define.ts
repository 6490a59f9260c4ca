/**
 * The shape of a resource-type declaration and `defineResource`, which checks one declaration
 * and freezes it. A declaration is data: the engine does paging, delta, batching, throttling,
 * reference rewriting and dependency order once for all types, reading only these fields.
 *
 * Guarantees: a declaration that passes `defineResource` has a camelCase name, an absolute
 * path, known change mode and API version, read permissions, well-formed reference paths, and
 * sub-resources with unique names. Whole-registry checks (reference targets exist, no duplicate
 * names) are in `registry.ts`, because they need every declaration.
 * Not guaranteed: that Graph still behaves as declared — each declaration cites its source.
 */
import { parseReferencePath } from './reference-path.js';

export type ProfileKind = 'azure' | 'b2c' | 'devops';
export type ApiVersion = 'v1.0' | 'beta';
/** Which service's endpoint the type is read from (see clouds.ts). */
export type Endpoint = 'graph' | 'exchange';

/**
 * How changes are found:
 * - `delta`: Graph delta query; the delta link is kept per type.
 * - `list`: list everything (with `$select`), hash, compare.
 * - `singleton`: one object at `path` (its id is `singletonId`).
 * - `appendOnly`: an immutable log, read by time window from the last one (audit logs).
 */
export type ChangeMode = 'delta' | 'list' | 'singleton' | 'appendOnly';

/**
 * One required permission. A string must be granted; an array lists alternatives, any one of
 * which is enough (the first is the least privileged one the seed grants, the one the manifest
 * maps to this type). Permission names are Graph's (`User.ReadWrite.All`); the backup runs
 * app-only, so they are Application permissions (app roles).
 */
export type PermissionRequirement = string | readonly string[];

export interface PermissionSpec {
  readonly read: readonly PermissionRequirement[];
  /** Empty when the seed grants no permission that can write the type: it is backup-only. */
  readonly write: readonly PermissionRequirement[];
  /** Why `write` is empty, or anything else worth knowing. */
  readonly note?: string;
}

/**
 * A reference from this type to another object, at a path inside the stored document.
 * Path syntax: dot-separated property names; `[]` after a name iterates an array, e.g.
 * `conditions.users.includeGroups[]` or `assignments[].target.groupId`. The path ends at a string.
 */
export interface ReferenceSpec {
  /**
   * The referenced type. `type.property` references by a key other than the id
   * (`servicePrincipal.appId`). `directoryObject` is polymorphic: the concrete type comes from
   * the containing object's `@odata.type`, or from the sibling property named in `typeFrom`.
   */
  readonly target: string;
  /** Sibling property that names the concrete type (`principalType`: `User`, `Group`, …). */
  readonly typeFrom?: string;
  /**
   * `guid` (default): only GUID-shaped values (not the nil GUID) are references, so markers such as `All`,
   * `None`, `GuestsOrExternalUsers`, `AllTrusted` or `all_users` are left alone.
   * `any`: every non-empty string is an id (Intune scope tags are `0`, `1`, …).
   */
  readonly match?: 'guid' | 'any';
  /** The value embeds the id, e.g. `/administrativeUnits/{id}` in a role assignment's `directoryScopeId`. */
  readonly template?: string;
}

/**
 * How a sub-resource is kept current:
 * - `delta`: arrives inside the parent's delta response (`members@delta`, `manager`).
 * - `expand`: arrives with the parent's list through `$expand`.
 * - `whenNew`: immutable once created; read only for new items (a BitLocker key).
 * - `whenChanged`: changes only together with the parent (its `lastModifiedDateTime` moves),
 *   so it is read only for new or changed items (script content, settings-catalog settings).
 * - `everyRun`: nothing tells us it changed; read for every item on every run, within the budget.
 */
export type SubResourceRead = 'delta' | 'expand' | 'whenNew' | 'whenChanged' | 'everyRun';

export interface SubResourceSpec {
  /** Property of the stored document that holds it (`members`, `assignments`, `scriptContent`). */
  readonly name: string;
  /** Graph path; `{id}` is the parent item's id. Omitted for `delta` and `expand`. */
  readonly path?: string;
  readonly api?: ApiVersion;
  /**
   * `collection`: a paged list stored as an array; `object`: one object stored as is;
   * `properties`: a GET of the parent by id whose selected properties are merged into the
   * document (`scriptContent`, BitLocker `key`, which lists leave out).
   */
  readonly kind: 'collection' | 'object' | 'properties';
  /** Exchange admin API: the cmdlet that reads it, `{id}` in parameters being the parent's id. */
  readonly command?: ExchangeCommand;
  readonly read: SubResourceRead;
  readonly select?: readonly string[];
  /** Extra request headers (BitLocker's audit headers). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Permissions beyond the parent's read permissions. */
  readonly permissions?: readonly PermissionRequirement[];
  readonly pageSize?: number;
  /**
   * The collection answers `$expand={name}` (at most 20 related objects, no next link — facts
   * §2.3), so a full read may take it for every item from `{path}?$select=id&$expand={name}`
   * (pages of 100) instead of one request per item; a list of exactly 20 may be truncated and is
   * read again alone.
   */
  readonly bulkExpand?: boolean;
}

/** A cmdlet call through the Exchange Online admin API's InvokeCommand (facts §8.2). */
export interface ExchangeCommand {
  readonly cmdlet: string;
  readonly parameters: Readonly<Record<string, string | boolean | number>>;
}

/**
 * Directory audit categories (`directoryAudit.category`) that `audited` declarations of Entra
 * types name as unrelated; any other category counts as related. Source:
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 */
export type AuditCategory = 'UserManagement' | 'GroupManagement' | 'ApplicationManagement' | 'RoleManagement' | 'Device'
  | 'KeyManagement' | 'Policy' | 'AdministrativeUnit' | 'DirectoryManagement';

/** Where deleted items of the type wait for 30 days (facts §5). */
export interface RecycleBinSpec {
  /** List path, e.g. `/directory/deletedItems/microsoft.graph.user`. */
  readonly list: string;
  /** Restore action, `{id}` being the deleted item's id. */
  readonly restore: string;
}

/** Write-side behaviour that differs from POST-to-collection / PATCH-item, declared as data. */
export interface WriteSpec {
  /** How an existing item is updated. Default PATCH. Settings catalog needs PUT (facts §7.2). */
  readonly update?: 'PATCH' | 'PUT';
  /** Whether the caller chooses the id on create (domain names). */
  readonly clientChosenId?: boolean;
  /** Headers every write must carry (branding's `Accept-Language: 0`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Intune `/assign`: replaces the whole assignment set in one call (facts §7 "Assign semantics"),
   * so restore sends every assignment, never a delta. `bodyKey` holds the list.
   */
  readonly assign?: { readonly path: string; readonly bodyKey: string; readonly status: 200 | 204 };
  /** Other actions restore needs, name → path (`targetApps`, `scheduleActionsForRules`). */
  readonly actions?: Readonly<Record<string, string>>;
}

export interface ResourceDeclaration {
  readonly service: ProfileKind;
  /** Graph's entity name in camelCase; unique in the registry. Item IDs are the objects' Graph IDs. */
  readonly name: string;
  readonly endpoint?: Endpoint;
  /** Collection path (or singleton path), absolute, without version. `{parentId}` when `parent` is set. */
  readonly path: string;
  readonly api: ApiVersion;
  readonly change: ChangeMode;
  /** For `delta`: the delta function path; default `${path}/delta`. */
  readonly deltaPath?: string;
  /** `$select` to send, or undefined for none (Intune lists return the full object). */
  readonly select?: readonly string[];
  /** `$expand` to send with the list (Intune `assignments`). */
  readonly expand?: string;
  /** `$filter` always sent with the list (distribution groups through Graph, …). */
  readonly filter?: string;
  /** `$top` to ask for; undefined when the collection rejects `$top` (delta, unpaged lists). */
  readonly pageSize?: number;
  /** Property holding the item's id when it is not `id` (partner configurations key on `tenantId`). */
  readonly idProperty?: string;
  /** Exchange admin API: the cmdlet that lists the items. */
  readonly command?: ExchangeCommand;
  /** For `singleton`: the id the single item is stored under; `{parentId}` for one per parent. */
  readonly singletonId?: string;
  /** For `appendOnly`: the timestamp property the window filters on. */
  readonly timeProperty?: string;
  /**
   * The items belong to items of another type and can be listed per owner with a filter, so an
   * incremental run lists only the items of owners that changed (BitLocker keys per device: the
   * full list cannot be paged faster, it takes no `$top`).
   */
  readonly ownedBy?: {
    /** The owner type. */
    readonly type: string;
    /** The owner's property the items refer to (`deviceId`, not the device's object id). */
    readonly key: string;
    /** The item's property holding it. */
    readonly property: string;
    /** `$filter` listing one owner's items; `{key}` is the owner's key. */
    readonly filter: string;
  };
  /** A type read once per item of another type (`organizationalBranding` per `organization`). */
  readonly parent?: { readonly type: string; readonly param: 'parentId' };
  readonly permissions: PermissionSpec;
  /** Properties to strip before a write (facts §6.3); `id` and OData annotations are always stripped. */
  readonly readOnly: readonly string[];
  readonly references: Readonly<Record<string, string | ReferenceSpec>>;
  readonly subResources: readonly SubResourceSpec[];
  readonly recycleBin?: RecycleBinSpec;
  /**
   * An audit log (`log`, an append-only type) records every change of the type's items, so an
   * incremental run lists the type again only when the log shows a record that may concern it,
   * and at least once a day (engine/backup/quiet.ts). `unrelated`: the categories whose records
   * never change it — a user's MFA registration never changes a conditional-access policy;
   * records of any other category, unknown ones included, do.
   */
  readonly audited?: { readonly log: string; readonly unrelated: readonly string[] };
  /** Types that must be restored first beyond those the references imply. */
  readonly dependsOn?: readonly string[];
  /** Extra headers on every read. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Undefined: the type can be restored. Otherwise why it is backup-only (devices, audit logs). */
  readonly backupOnly?: string;
  readonly write?: WriteSpec;
  /** Documentation the declaration relies on. */
  readonly sources: readonly string[];
}

export type ResourceInput = Omit<ResourceDeclaration, 'references' | 'subResources' | 'readOnly'> & {
  readonly references?: ResourceDeclaration['references'];
  readonly subResources?: ResourceDeclaration['subResources'];
  readonly readOnly?: ResourceDeclaration['readOnly'];
};

const CAMEL = /^[a-z][A-Za-z0-9]*$/;

/** Checks one declaration and returns it frozen, with defaults filled in. */
export function defineResource(input: ResourceInput): ResourceDeclaration {
  const fail = (what: string): never => {
    throw new Error(`Resource declaration ${input.name}: ${what}`);
  };
  if (!CAMEL.test(input.name)) fail('name must be camelCase');
  if (!input.path.startsWith('/')) fail('path must start with /');
  if (input.change === 'singleton' && !input.singletonId) fail('a singleton needs singletonId');
  if (input.change === 'appendOnly' && !input.timeProperty) fail('an append-only log needs timeProperty');
  if (input.change === 'delta' && input.pageSize !== undefined) fail('delta queries do not take $top');
  if (input.endpoint === 'exchange' && !input.command) fail('an Exchange type needs a command');
  if (input.parent && !input.path.includes('{parentId}')) fail('a child type needs {parentId} in its path');
  if (input.ownedBy && (input.change !== 'list' || !input.ownedBy.filter.includes('{key}'))) fail('ownedBy needs a list type and {key} in its filter');
  if (input.audited && input.change !== 'list' && input.change !== 'singleton') fail('only list and singleton types can be audited');
  if (input.audited && input.ownedBy) fail('an ownedBy type is listed per changed owner and cannot be audited');
  if (input.permissions.read.length === 0) fail('read permissions are required');
  if (input.sources.length === 0) fail('cite at least one source');
  const subResources = input.subResources ?? [];
  const names = new Set<string>();
  for (const sub of subResources) {
    if (names.has(sub.name)) fail(`sub-resource ${sub.name} declared twice`);
    names.add(sub.name);
    const needsPath = sub.read !== 'delta' && sub.read !== 'expand';
    if (needsPath && !sub.path && !sub.command) fail(`sub-resource ${sub.name} needs a path or a command`);
    if (sub.kind === 'properties' && !sub.select) fail(`sub-resource ${sub.name} reads properties and needs select`);
  }
  const references = input.references ?? {};
  for (const path of Object.keys(references)) {
    try {
      parseReferencePath(path);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  return Object.freeze({
    ...input,
    endpoint: input.endpoint ?? 'graph',
    readOnly: Object.freeze([...(input.readOnly ?? [])]),
    references: Object.freeze({ ...references }),
    subResources: Object.freeze([...subResources]),
  });
}

/** Normalises a reference declaration to its object form. */
export function referenceSpec(value: string | ReferenceSpec): ReferenceSpec {
  return typeof value === 'string' ? { target: value } : value;
}

/** `servicePrincipal.appId` → `{ type: 'servicePrincipal', key: 'appId' }`; plain names key on `id`. */
export function splitTarget(target: string): { type: string; key: string } {
  const dot = target.indexOf('.');
  return dot === -1 ? { type: target, key: 'id' } : { type: target.slice(0, dot), key: target.slice(dot + 1) };
}
