/**
 * `GraphWriter`: the type writer driven by the registry's declaration alone, and the base class
 * of the writers with rules of their own.
 *
 * From the declaration it derives:
 * - reads: `GET {path}/{id}` with the declaration's `$select`/`$expand` (sub-resource names left
 *   out of `$select`), then each sub-resource from its own path — relationship lists delta brings
 *   (`members`) from `{path}/{id}/{name}?$select=id` — shaped as the backup stores them; a
 *   singleton is read at its path;
 * - relationships: the sub-resources (and `$expand`ed lists) that hold references, e.g.
 *   `members`, `owners`, `appRoleAssignedTo`, Intune `assignments`; other sub-resources
 *   (`settings`, `scriptContent`) are properties;
 * - writes: create = POST to the collection with the writable properties (the registry's
 *   `readOnly`, ids and timestamps stripped, `@odata.type` kept — facts §6.3); update = PATCH (or
 *   PUT with the whole object where `write.update` says so, facts §7.2), with the write headers;
 *   links of `{ id }` lists through `…/{name}/$ref`; Intune `/assign` replaces the whole set (facts
 *   §7 "Assign semantics"); other lists by POST to the sub-resource path and DELETE of the entry;
 *   remove = DELETE;
 * - the recycle bin from `recycleBin` (directory `deletedItems/{id}`, conditional access
 *   `deletedItems/policies/{id}`), restored with its action (facts §5);
 * - what it cannot do: `backupOnly` types, types without write permissions, Exchange types (their
 *   writer is separate), child types, and creating a singleton.
 *
 * Idempotence: adding a link Graph reports as already present, removing one already gone and
 * deleting a deleted object count as done; creates are never repeated here (the applier finds a
 * lost create through `findExisting`).
 */
import {
  allResources, parseReferencePath, referenceSpec, splitTarget,
  type ResourceDeclaration, type SubResourceSpec,
} from '../../../connectors/index.js';
import { TenantVaultError } from '../../../errors/index.js';
import { cleanDocument } from '../../backup/documents.js';
import { isOptInSub } from '../../backup/session.js';
import { ALWAYS_SERVER_MANAGED, entryId, fingerprint, isAnnotation, isObject, withoutServerKeys } from '../documents.js';
import type {
  CallResult, CreateOptions, CreateResult, GraphCall, JsonObject, Limitation, LiveItem, ReadOptions,
  RelationshipChange, RelationshipSpec, RestoreContext, TypeWriter, WriterContext,
} from './types.js';

/** Items read per window: main objects first, then their sub-resources, all batched. */
const READ_WINDOW = 100;

const RETRIED_STATUSES = new Set([429, 503, 504]);

/** Ids per `$filter=id in (…)`: 15 expressions per filter clause (https://learn.microsoft.com/graph/filter-query-parameter, the `in` operator note). */
const LINKS_PER_FILTER = 15;

/**
 * What Graph (and the emulator) says when an add names a link that exists: "One or more added
 * object references already exist …" for `$ref`, "… already exists on the object" for app role
 * assignments, "A conflicting object … is present in the directory" for role memberships.
 */
const ALREADY_EXISTS = /already exist|conflicting object/i;

export function quoteOData(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Throws the call's error, or a THROTTLED one carrying the wait for a create that may have happened. */
export function failure(result: CallResult, what: string): TenantVaultError {
  if (RETRIED_STATUSES.has(result.status)) {
    return new TenantVaultError('THROTTLED', `${what}: Graph answered ${result.status}; it may or may not have happened`, {
      details: { status: result.status, retryAfter: result.headers['retry-after'] ?? null },
      cause: result.error,
    });
  }
  return result.error ?? new TenantVaultError('SERVICE_ERROR', `${what}: Graph answered ${result.status}`);
}

export function isOk(result: CallResult): boolean {
  return result.status >= 200 && result.status < 300;
}

/** Whether a failed link write means the link is already as wanted. */
export function alreadyLinked(result: CallResult): boolean {
  if (result.status !== 400 && result.status !== 409) return false;
  return ALREADY_EXISTS.test(JSON.stringify(result.body ?? ''));
}

/** A relationship value as the backup stores it: `{ @odata.type, id }`. */
function linkValue(value: unknown): unknown {
  if (!isObject(value)) return value ?? null;
  const out: JsonObject = {};
  if (typeof value['@odata.type'] === 'string') out['@odata.type'] = value['@odata.type'];
  out.id = value.id;
  return out;
}

/** Keys other types reference this type by, besides `id` (`appId`). */
function alternateKeys(type: string): string[] {
  const keys = new Set<string>();
  for (const declaration of allResources()) {
    for (const raw of Object.values(declaration.references)) {
      const target = splitTarget(referenceSpec(raw).target);
      if (target.type === type && target.key !== 'id') keys.add(target.key);
    }
  }
  return [...keys];
}

/** Default identity of a relationship entry: its id for `{ id }` links, else its content without server keys. */
function defaultKey(links: boolean): (entry: JsonObject) => string {
  return links
    ? (entry) => entryId(entry) ?? fingerprint(entry)
    : (entry) => fingerprint(withoutServerKeys(stripDisplayNames(entry)));
}

/** Display names copied into entries (principalDisplayName …) follow their objects; they do not identify the entry. */
function stripDisplayNames(entry: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => !/DisplayName$/.test(key)));
}

export interface GraphWriterOptions {
  /** Properties sent on create only (immutable afterwards), despite `readOnly`: a grant's clientId. */
  readonly createOnly?: readonly string[];
  /** Further server-managed properties, never compared or written. */
  readonly serverManaged?: readonly string[];
  /** Relationship specs replacing or adding to the derived ones. */
  readonly relationships?: Readonly<Record<string, RelationshipSpec>>;
  /** Property filtered on to find a lost create (`displayName` by default; none when the type has no usable key). */
  readonly naturalKey?: string | null;
  /** Whether the natural key is unique in a tenant (see `identifiesUniquely`); default false. */
  readonly uniqueKey?: boolean;
}

export class GraphWriter implements TypeWriter {
  readonly type: string;
  readonly relationships: Readonly<Record<string, RelationshipSpec>>;
  readonly hasRecycleBin: boolean;
  protected readonly createOnly: ReadonlySet<string>;
  protected readonly serverManaged: ReadonlySet<string>;
  protected readonly alternateKeys: readonly string[];
  protected readonly naturalKey: string | null;
  protected readonly uniqueKey: boolean;
  /** Sub-resources (by name) that are relationships, and those that are properties. */
  protected readonly linkSubs: ReadonlyMap<string, SubResourceSpec>;

  constructor(readonly declaration: ResourceDeclaration, options: GraphWriterOptions = {}) {
    this.type = declaration.name;
    this.hasRecycleBin = declaration.recycleBin !== undefined;
    this.createOnly = new Set(options.createOnly ?? []);
    this.serverManaged = new Set([...ALWAYS_SERVER_MANAGED, ...declaration.readOnly, ...(options.serverManaged ?? [])]);
    this.alternateKeys = alternateKeys(declaration.name);
    this.naturalKey = options.naturalKey === undefined ? 'displayName' : options.naturalKey;
    this.uniqueKey = options.uniqueKey === true;
    const referenced = new Set(Object.keys(declaration.references).map((path) => parseReferencePath(path)[0]!.name));
    const linkSubs = new Map<string, SubResourceSpec>();
    const derived: Record<string, RelationshipSpec> = {};
    for (const sub of declaration.subResources) {
      if (!referenced.has(sub.name) || sub.kind === 'properties') continue;
      linkSubs.set(sub.name, sub);
      const links = Object.keys(declaration.references).some((path) => path === `${sub.name}[].id` || path === `${sub.name}.id`);
      derived[sub.name] = { kind: sub.kind === 'object' ? 'single' : 'list', key: defaultKey(links) };
    }
    this.linkSubs = linkSubs;
    this.relationships = { ...derived, ...options.relationships };
  }

  // ---- what can be written ----------------------------------------------------------------

  isWritable(property: string): boolean {
    if (isAnnotation(property) || property === '@odata.type') return false;
    if (property in this.relationships) return false;
    return !this.serverManaged.has(property);
  }

  cannotRestore(_document: JsonObject, context: RestoreContext): string | undefined {
    const d = this.declaration;
    if (d.backupOnly) return d.backupOnly;
    if (d.permissions.write.length === 0) return `No write permission is granted for ${d.name}${d.permissions.note ? `: ${d.permissions.note}` : '.'}`;
    if (d.endpoint !== 'graph') return `${d.name} is written through ${d.endpoint}, which has no restore writer yet.`;
    if (d.parent) return `${d.name} is a child of ${d.parent.type}; restoring it is not supported yet.`;
    if (context.recreate && d.change === 'singleton') return `${d.name} is a singleton: it always exists and cannot be created.`;
    return undefined;
  }

  limitations(_document: JsonObject, _context: RestoreContext): Limitation[] {
    return [];
  }

  secretsFor(_document: JsonObject): readonly string[] {
    return [];
  }

  // ---- paths --------------------------------------------------------------------------------

  protected itemPath(id: string): string {
    return this.declaration.change === 'singleton' ? this.declaration.path : `${this.declaration.path}/${encodeURIComponent(id)}`;
  }

  /** Sub-resource names the main `$select` must leave out (they are read separately or expanded). */
  protected embeddedNames(): Set<string> {
    const names = new Set<string>();
    for (const sub of this.declaration.subResources) {
      if (sub.read === 'expand') continue;
      if (sub.kind === 'properties') for (const p of sub.select ?? []) names.add(p);
      else names.add(sub.name);
    }
    return names;
  }

  protected mainQuery(existenceOnly: boolean): string {
    const d = this.declaration;
    const parts: string[] = [];
    if (existenceOnly) parts.push(`$select=${d.idProperty ?? 'id'}`);
    else {
      const embedded = this.embeddedNames();
      const select = d.select?.filter((s) => !embedded.has(s));
      if (select && select.length > 0) parts.push(`$select=${select.join(',')}`);
      if (d.expand) parts.push(`$expand=${d.expand}`);
    }
    return parts.length > 0 ? `?${parts.join('&')}` : '';
  }

  protected subUrl(sub: SubResourceSpec, id: string): string {
    const path = sub.path ? sub.path.replace('{id}', encodeURIComponent(id)) : `${this.itemPath(id)}/${sub.name}`;
    const select = sub.select ?? (sub.read === 'delta' ? ['id'] : undefined);
    const query: string[] = [];
    if (select?.length) query.push(`$select=${select.join(',')}`);
    if (sub.kind === 'collection') {
      const top = sub.pageSize ?? (sub.read === 'delta' ? 999 : undefined);
      if (top) query.push(`$top=${top}`);
    }
    return query.length > 0 ? `${path}?${query.join('&')}` : path;
  }

  /** The sub-resources a read fetches separately. */
  protected subsToRead(options: ReadOptions | undefined): SubResourceSpec[] {
    if (options?.existenceOnly) return [];
    const wanted = options?.relationships ? new Set(options.relationships) : undefined;
    return this.declaration.subResources.filter((sub) => {
      if (sub.read === 'expand' || sub.command) return false;
      return wanted ? wanted.has(sub.name) : !isOptInSub(sub);
    });
  }

  // ---- reads --------------------------------------------------------------------------------

  protected call(ctx: WriterContext, call: Omit<GraphCall, 'api' | 'type'> & { api?: GraphCall['api'] }): Promise<CallResult> {
    return ctx.call({ api: this.declaration.api, type: this.type, ...call });
  }

  protected get readHeaders(): Readonly<Record<string, string>> | undefined {
    return this.declaration.headers;
  }

  async *read(ctx: WriterContext, ids: readonly string[], options?: ReadOptions): AsyncGenerator<LiveItem> {
    for (let start = 0; start < ids.length; start += READ_WINDOW) {
      const window = ids.slice(start, start + READ_WINDOW);
      const mains = await Promise.all(window.map((id) => this.readMain(ctx, id, options?.existenceOnly === true)));
      const completed = await Promise.all(mains.map((main, i) => (main ? this.completeSubs(ctx, window[i]!, main, options) : Promise.resolve(undefined))));
      for (let i = 0; i < window.length; i++) yield { id: window[i]!, document: completed[i] };
    }
  }

  /** The main object, or undefined when it does not exist (404). */
  protected async readMain(ctx: WriterContext, id: string, existenceOnly: boolean): Promise<JsonObject | undefined> {
    const result = await this.call(ctx, { method: 'GET', url: `${this.itemPath(id)}${this.mainQuery(existenceOnly)}`, ...(this.readHeaders ? { headers: this.readHeaders } : {}) });
    if (result.status === 404) return undefined;
    if (!isOk(result)) throw failure(result, `Reading ${this.type}/${id}`);
    return cleanDocument(isObject(result.body) ? result.body : {});
  }

  /** Adds the sub-resources to a main document; undefined when the item vanished meanwhile. */
  protected async completeSubs(ctx: WriterContext, id: string, main: JsonObject, options: ReadOptions | undefined): Promise<JsonObject | undefined> {
    const subs = this.subsToRead(options);
    if (subs.length === 0) return main;
    const document = { ...main };
    const values = await Promise.all(subs.map((sub) => this.readSub(ctx, sub, id)));
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      const value = values[i];
      if (value === VANISHED) return undefined;
      if (sub.kind === 'properties') {
        const object = isObject(value) ? value : {};
        for (const p of sub.select ?? []) if (p in object) document[p] = object[p];
      } else document[sub.name] = value;
    }
    return document;
  }

  protected async readSub(ctx: WriterContext, sub: SubResourceSpec, id: string): Promise<unknown> {
    const headers = { ...this.declaration.headers, ...sub.headers };
    const api = sub.api ?? this.declaration.api;
    const result = await ctx.call({ method: 'GET', url: this.subUrl(sub, id), api, type: this.type, ...(Object.keys(headers).length > 0 ? { headers } : {}) });
    if (result.status === 404) return sub.kind === 'object' ? null : VANISHED;
    if (!isOk(result)) throw failure(result, `Reading ${this.type}/${id} ${sub.name}`);
    const body = isObject(result.body) ? result.body : {};
    if (sub.kind === 'collection') {
      const values: unknown[] = Array.isArray(body.value) ? [...body.value] : [];
      const next = body['@odata.nextLink'];
      if (typeof next === 'string') {
        for await (const page of ctx.graph.pages(next, { api, type: this.type, ...(Object.keys(headers).length > 0 ? { headers } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
          values.push(...page.items);
        }
      }
      return values.map((v) => cleanDocument(v));
    }
    if (sub.kind === 'object') return sub.select?.length === 1 && sub.select[0] === 'id' ? linkValue(body) : cleanDocument(body);
    return cleanDocument(body);
  }

  /** Where a deleted item of this type is read, `{id}` replaced. */
  protected deletedItemPath(id: string): string | undefined {
    const bin = this.declaration.recycleBin;
    if (!bin) return undefined;
    // The directory list needs a type cast (`…/microsoft.graph.user`); an item is addressed without it.
    const base = bin.list.replace(/\/microsoft\.graph\.[A-Za-z]+$/, '');
    return `${base}/${encodeURIComponent(id)}`;
  }

  async *readDeleted(ctx: WriterContext, ids: readonly string[]): AsyncGenerator<LiveItem> {
    for (let start = 0; start < ids.length; start += READ_WINDOW) {
      const window = ids.slice(start, start + READ_WINDOW);
      const docs = await Promise.all(window.map(async (id) => {
        const path = this.deletedItemPath(id);
        if (!path) return undefined;
        const result = await this.call(ctx, { method: 'GET', url: `${path}${this.mainQuery(false)}` });
        if (result.status === 404) return undefined;
        if (!isOk(result)) throw failure(result, `Reading deleted ${this.type}/${id}`);
        const doc = cleanDocument(isObject(result.body) ? result.body : {});
        // One bin holds every directory type: an item of another type is not ours.
        const odata = doc['@odata.type'];
        if (typeof odata === 'string' && !odata.toLowerCase().endsWith(`.${this.type.toLowerCase()}`)) return undefined;
        return doc;
      }));
      for (let i = 0; i < window.length; i++) yield { id: window[i]!, document: docs[i] };
    }
  }

  async restoreDeleted(ctx: WriterContext, id: string): Promise<void> {
    const bin = this.declaration.recycleBin;
    if (!bin) throw new TenantVaultError('USAGE', `${this.type} has no recycle bin`);
    const result = await this.call(ctx, { method: 'POST', url: bin.restore.replace('{id}', encodeURIComponent(id)), body: {}, idempotent: true });
    if (isOk(result)) return;
    // Already restored (by an earlier attempt whose answer was lost): the object is live again.
    if (result.status === 404 || result.status === 400) {
      for await (const item of this.read(ctx, [id], { existenceOnly: true })) if (item.document) return;
    }
    throw failure(result, `Restoring ${this.type}/${id} from the recycle bin`);
  }

  // ---- writes -------------------------------------------------------------------------------

  /** The writable properties of a document, as sent on create. */
  protected createBody(document: JsonObject): JsonObject {
    const body: JsonObject = {};
    if (typeof document['@odata.type'] === 'string') body['@odata.type'] = document['@odata.type'];
    for (const [key, value] of Object.entries(document)) {
      if (this.isWritable(key) || this.createOnly.has(key)) body[key] = value;
    }
    return body;
  }

  protected keysOf(body: JsonObject): Record<string, string> {
    const keys: Record<string, string> = {};
    for (const key of this.alternateKeys) if (typeof body[key] === 'string') keys[key] = body[key] as string;
    return keys;
  }

  protected idOf(body: JsonObject): string {
    const id = body[this.declaration.idProperty ?? 'id'];
    if (typeof id !== 'string') throw new TenantVaultError('SERVICE_ERROR', `Graph created a ${this.type} but returned no id`);
    return id;
  }

  async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    const key = this.naturalKey;
    const value = key ? document[key] : undefined;
    if (!key || typeof value !== 'string' || this.declaration.change === 'singleton') return [];
    const select = ['id', ...this.alternateKeys].join(',');
    const result = await this.call(ctx, { method: 'GET', url: `${this.declaration.path}?$filter=${encodeURIComponent(`${key} eq ${quoteOData(value)}`)}&$select=${select}` });
    if (!isOk(result)) throw failure(result, `Looking for ${this.type} ${key} ${value}`);
    const items = isObject(result.body) && Array.isArray(result.body.value) ? result.body.value.filter(isObject) : [];
    return items.map((item) => ({ id: this.idOf(item), keys: this.keysOf(item) }));
  }

  identifiesUniquely(_document: JsonObject): boolean {
    return this.uniqueKey;
  }

  async create(ctx: WriterContext, document: JsonObject, _options: CreateOptions): Promise<CreateResult> {
    const result = await this.call(ctx, { method: 'POST', url: this.declaration.path, body: this.createBody(document), ...(this.declaration.write?.headers ? { headers: this.declaration.write.headers } : {}) });
    if (!isOk(result)) throw failure(result, `Creating ${this.type} ${String(document.displayName ?? document.id ?? '')}`);
    const body = isObject(result.body) ? result.body : {};
    return { id: this.idOf(body), keys: this.keysOf(body) };
  }

  async update(ctx: WriterContext, id: string, patch: JsonObject, live: JsonObject | undefined): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    const put = this.declaration.write?.update === 'PUT';
    const body: JsonObject = put ? { ...this.createBody(live ?? {}), ...patch } : { ...patch };
    // Polymorphic payloads must name their type on update too (named locations, facts §7.1).
    const odataType = live?.['@odata.type'];
    if (typeof odataType === 'string' && body['@odata.type'] === undefined) body['@odata.type'] = odataType;
    const result = await this.call(ctx, {
      method: put ? 'PUT' : 'PATCH', url: this.itemPath(id), body, idempotent: true,
      ...(this.declaration.write?.headers ? { headers: this.declaration.write.headers } : {}),
    });
    if (!isOk(result)) throw failure(result, `Updating ${this.type}/${id}`);
  }

  async relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    const assign = this.declaration.write?.assign;
    if (assign && relationship === 'assignments') {
      await this.replaceAssignments(ctx, id, change, live);
      return;
    }
    const spec = this.relationships[relationship];
    if (!spec) throw new TenantVaultError('INTERNAL', `${this.type} has no relationship ${relationship}`);
    const links = this.isLinkList(relationship);
    const sub = this.linkSubs.get(relationship);
    await Promise.all([
      ...change.remove.map((entry) => (links ? this.removeRef(ctx, id, relationship, entry) : this.removeEntry(ctx, id, sub, entry))),
      ...change.add.map((entry) => (links ? this.addRef(ctx, id, relationship, entry) : this.addEntry(ctx, id, sub, relationship, entry))),
    ]);
  }

  /** Whether the relationship is a list of `{ id }` links written through `$ref`. */
  protected isLinkList(relationship: string): boolean {
    return Object.keys(this.declaration.references).includes(`${relationship}[].id`);
  }

  protected async addRef(ctx: WriterContext, id: string, relationship: string, entry: JsonObject): Promise<void> {
    const target = entryId(entry);
    if (!target) throw new TenantVaultError('INTERNAL', `A ${relationship} entry without an id`);
    const result = await this.call(ctx, {
      method: 'POST', url: `${this.itemPath(id)}/${relationship}/$ref`, idempotent: true,
      body: { '@odata.id': `${ctx.connection.cloud.graph}/v1.0/directoryObjects/${target}` },
    });
    if (isOk(result) || alreadyLinked(result)) return;
    throw failure(result, `Adding ${target} to ${this.type}/${id} ${relationship}`);
  }

  protected async removeRef(ctx: WriterContext, id: string, relationship: string, entry: JsonObject): Promise<void> {
    const target = entryId(entry);
    if (!target) return;
    const result = await this.call(ctx, { method: 'DELETE', url: `${this.itemPath(id)}/${relationship}/${encodeURIComponent(target)}/$ref`, idempotent: true });
    if (isOk(result) || result.status === 404) return;
    throw failure(result, `Removing ${target} from ${this.type}/${id} ${relationship}`);
  }

  /** The body that creates one entry of a relationship list (server keys stripped). */
  protected entryBody(_relationship: string, entry: JsonObject, _id: string): JsonObject {
    const body = withoutServerKeys(entry) as JsonObject;
    if (typeof entry['@odata.type'] === 'string') body['@odata.type'] = entry['@odata.type'];
    return body;
  }

  protected async addEntry(ctx: WriterContext, id: string, sub: SubResourceSpec | undefined, relationship: string, entry: JsonObject): Promise<void> {
    const path = sub?.path ? sub.path.replace('{id}', encodeURIComponent(id)) : `${this.itemPath(id)}/${relationship}`;
    const result = await this.call(ctx, { method: 'POST', url: path, api: sub?.api ?? this.declaration.api, body: this.entryBody(relationship, entry, id) });
    if (isOk(result) || alreadyLinked(result)) return;
    throw failure(result, `Adding to ${this.type}/${id} ${relationship}`);
  }

  protected async removeEntry(ctx: WriterContext, id: string, sub: SubResourceSpec | undefined, entry: JsonObject): Promise<void> {
    const entryKey = entryId(entry);
    if (!entryKey) return;
    const path = sub?.path ? sub.path.replace('{id}', encodeURIComponent(id)) : this.itemPath(id);
    const result = await this.call(ctx, { method: 'DELETE', url: `${path}/${encodeURIComponent(entryKey)}`, api: sub?.api ?? this.declaration.api, idempotent: true });
    if (isOk(result) || result.status === 404) return;
    throw failure(result, `Removing an entry of ${this.type}/${id}`);
  }

  /** Intune `/assign`: the whole set in one call (facts §7, "Assign semantics"). */
  protected async replaceAssignments(ctx: WriterContext, id: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    const assign = this.declaration.write!.assign!;
    const spec = this.relationships.assignments!;
    const removed = new Set(change.remove.map((e) => spec.key(e)));
    const kept = (Array.isArray(live?.assignments) ? live.assignments.filter(isObject) : []).filter((e) => !removed.has(spec.key(e)));
    const keys = new Set(kept.map((e) => spec.key(e)));
    const all = [...kept, ...change.add.filter((e) => !keys.has(spec.key(e)))].map((e) => this.entryBody('assignments', e, id));
    const result = await this.call(ctx, { method: 'POST', url: assign.path.replace('{id}', encodeURIComponent(id)), body: { [assign.bodyKey]: all }, idempotent: true });
    if (!isOk(result)) throw failure(result, `Assigning ${this.type}/${id}`);
  }

  /**
   * `GET {item}/{relationship}?$filter=id in (…)` with the advanced-query headers (facts §2.4:
   * filtering a directory-object list needs `ConsistencyLevel: eventual` and `$count=true`),
   * 15 ids per request. Only for `{ id }` link lists of directory objects.
   */
  async linksPresent(ctx: WriterContext, id: string, relationship: string, linkIds: readonly string[]): Promise<Set<string>> {
    const present = new Set<string>();
    const chunks: string[][] = [];
    for (let i = 0; i < linkIds.length; i += LINKS_PER_FILTER) chunks.push(linkIds.slice(i, i + LINKS_PER_FILTER));
    await Promise.all(chunks.map(async (chunk) => {
      const filter = `id in (${chunk.map(quoteOData).join(',')})`;
      const result = await this.call(ctx, {
        method: 'GET', url: `${this.itemPath(id)}/${relationship}?$select=id&$count=true&$filter=${encodeURIComponent(filter)}`, headers: { ConsistencyLevel: 'eventual' },
      });
      if (!isOk(result)) throw failure(result, `Reading ${relationship} of ${this.type}/${id}`);
      const value = isObject(result.body) && Array.isArray(result.body.value) ? result.body.value : [];
      for (const entry of value) if (isObject(entry) && typeof entry.id === 'string') present.add(entry.id);
    }));
    return present;
  }

  cannotRemove(_document: JsonObject | undefined): string | undefined {
    return this.declaration.change === 'singleton' ? `${this.type} is a singleton and cannot be deleted.` : undefined;
  }

  async remove(ctx: WriterContext, id: string): Promise<'recycleBin' | 'deleted'> {
    const result = await this.call(ctx, { method: 'DELETE', url: this.itemPath(id), idempotent: true });
    if (!isOk(result) && result.status !== 404) throw failure(result, `Deleting ${this.type}/${id}`);
    return this.hasRecycleBin ? 'recycleBin' : 'deleted';
  }
}

const VANISHED = Symbol('vanished');
