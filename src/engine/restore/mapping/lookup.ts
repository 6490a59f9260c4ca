/**
 * `TargetLookup`: finds the target tenant's object for a source document by its stable key
 * (keys.ts). Reads only, through the restore session's `ctx.call` (batched, throttled) or paged
 * lists through its Graph client.
 *
 * How each key is looked up, cheapest first:
 * - by a key Graph addresses directly: `/users/{upn}`, `/servicePrincipals(appId='…')`,
 *   `/directoryRoles(roleTemplateId='…')`, the same id, the one `/organization`;
 * - groups by `$filter` on displayName (one request per name; a tenant may have many groups);
 * - every other type by one paged list of its collection per restore, indexed by the key's value
 *   (those collections hold tens to hundreds of objects; only ids and names are kept).
 *
 * Guarantees: a result is an object that exists now, `ambiguous` when several match and nothing
 * decides between them (the caller never guesses), or undefined; each lookup is made once per
 * restore (results are cached by key).
 */
import { getResource } from '../../../connectors/index.js';
import { TenantVaultError } from '../../../errors/index.js';
import { isObject } from '../documents.js';
import { failure, isOk, quoteOData } from '../writers/generic.js';
import { writerFor } from '../writers/index.js';
import type { JsonObject, WriterContext } from '../writers/types.js';
import { mapUserPrincipalName, type TargetDomains } from './domains.js';
import { stableKeyOf } from './keys.js';

export interface Match {
  readonly id: string;
  /** The target object's appId, for references by appId. */
  readonly appId?: string;
}

export type LookupResult = Match | 'ambiguous' | undefined;

function values(body: unknown): JsonObject[] {
  return isObject(body) && Array.isArray(body.value) ? body.value.filter(isObject) : [];
}

function one(matches: readonly JsonObject[], idProperty = 'id'): LookupResult {
  if (matches.length === 0) return undefined;
  if (matches.length > 1) return 'ambiguous';
  const match = matches[0]!;
  const id = match[idProperty];
  if (typeof id !== 'string') return undefined;
  return { id, ...(typeof match.appId === 'string' ? { appId: match.appId } : {}) };
}

const lower = (value: unknown): string => String(value ?? '').toLowerCase();

export class TargetLookup {
  readonly #cache = new Map<string, Promise<LookupResult>>();
  /** Per type: key value (lower case) → matching objects, from one list of the collection. */
  readonly #lists = new Map<string, Promise<Map<string, JsonObject[]>>>();

  constructor(private readonly ctx: WriterContext, private readonly domains: TargetDomains) {}

  /** The target object a source document of this type corresponds to. */
  find(type: string, document: JsonObject): Promise<LookupResult> {
    const key = this.#cacheKey(type, document);
    if (key === undefined) return Promise.resolve(undefined);
    let found = this.#cache.get(key);
    if (!found) {
      found = this.#find(type, document);
      this.#cache.set(key, found);
    }
    return found;
  }

  /** The target's service principal with this appId (a first-party app, or one consented there). */
  servicePrincipalByAppId(appId: string): Promise<LookupResult> {
    return this.find('servicePrincipal', { appId });
  }

  /** The target's copy of an object whose id is the same in every tenant (a built-in role, scope tag 0), if it exists. */
  async sameId(type: string, id: string): Promise<LookupResult> {
    const key = `same|${type}|${id}`;
    let found = this.#cache.get(key);
    if (!found) {
      found = (async () => {
        for await (const item of writerFor(type).read(this.ctx, [id], { existenceOnly: true })) if (item.document) return { id };
        return undefined;
      })();
      this.#cache.set(key, found);
    }
    return found;
  }

  #cacheKey(type: string, document: JsonObject): string | undefined {
    const rule = stableKeyOf(type);
    switch (rule.kind) {
      case 'sameId': return `${type}|id|${lower(document[getResource(type).idProperty ?? 'id'])}`;
      case 'upn': return typeof document.userPrincipalName === 'string' ? `user|upn|${lower(document.userPrincipalName)}` : undefined;
      case 'appId': return `${type}|app|${lower(document.appId)}|${lower(document.displayName)}`;
      case 'roleTemplate': return typeof document.roleTemplateId === 'string' ? `${type}|template|${lower(document.roleTemplateId)}` : undefined;
      case 'builtInOrName': return `${type}|builtin|${document.isBuiltIn === true ? lower(document.id) : ''}|${lower(document.displayName)}`;
      case 'organization': return 'organization';
      case 'alias': return typeof document.Alias === 'string' ? `${type}|alias|${lower(document.Alias)}` : undefined;
      case 'name': {
        const value = document[rule.property];
        if (typeof value !== 'string' || value.length === 0) return undefined;
        return `${type}|${rule.property}|${value.toLowerCase()}|${rule.tieBreak ? lower(document[rule.tieBreak]) : ''}`;
      }
      case 'none': return undefined;
    }
  }

  async #find(type: string, document: JsonObject): Promise<LookupResult> {
    const rule = stableKeyOf(type);
    const declaration = getResource(type);
    switch (rule.kind) {
      case 'sameId': {
        const id = document[declaration.idProperty ?? 'id'];
        if (typeof id !== 'string') return undefined;
        return declaration.change === 'singleton' ? { id } : this.sameId(type, id);
      }
      case 'upn': {
        const upn = mapUserPrincipalName(String(document.userPrincipalName), this.domains);
        return this.#get(`/users/${encodeURIComponent(upn)}?$select=id`, 'user');
      }
      case 'appId': {
        if (typeof document.appId === 'string') {
          const byAppId = type === 'servicePrincipal'
            ? await this.#get(`/servicePrincipals(appId=${encodeURIComponent(quoteOData(document.appId))})?$select=id,appId`, type)
            : await this.#filter(type, 'appId', document.appId, 'id,appId');
          if (byAppId) return byAppId;
        }
        return typeof document.displayName === 'string' ? this.#filter(type, 'displayName', document.displayName, 'id,appId') : undefined;
      }
      case 'roleTemplate':
        return this.#get(`/directoryRoles(roleTemplateId=${encodeURIComponent(quoteOData(String(document.roleTemplateId)))})?$select=id`, type);
      case 'builtInOrName':
        if (document.isBuiltIn === true && typeof document.id === 'string') return this.sameId(type, document.id);
        return this.#fromList(type, 'displayName', document.displayName);
      case 'organization': {
        const result = await this.ctx.call({ method: 'GET', url: '/organization?$select=id', type });
        if (!isOk(result)) throw failure(result, 'Reading the target\'s organization');
        return one(values(result.body));
      }
      case 'alias':
        return this.#filter('group', 'mailNickname', String(document.Alias), 'id');
      case 'name': {
        const value = document[rule.property];
        if (type === 'group') {
          const found = await this.#filter('group', 'displayName', String(value), 'id,mailNickname', rule.tieBreak ? { property: rule.tieBreak, value: document[rule.tieBreak] } : undefined);
          return found;
        }
        return this.#fromList(type, rule.property, value);
      }
      case 'none':
        return undefined;
    }
  }

  /** A GET that names one object; 404 → none. */
  async #get(url: string, type: string): Promise<LookupResult> {
    const result = await this.ctx.call({ method: 'GET', url, type, api: getResource(type).api });
    if (result.status === 404) return undefined;
    if (!isOk(result)) throw failure(result, `Looking up ${type} in the target`);
    return isObject(result.body) ? one([result.body]) : undefined;
  }

  /** `$filter=property eq 'value'`; a tie between several is decided by another property when given. */
  async #filter(type: string, property: string, value: string, select: string, tieBreak?: { property: string; value: unknown }): Promise<LookupResult> {
    const declaration = getResource(type);
    const url = `${declaration.path}?$filter=${encodeURIComponent(`${property} eq ${quoteOData(value)}`)}&$select=${select}`;
    const result = await this.ctx.call({ method: 'GET', url, type, api: declaration.api });
    if (!isOk(result)) throw failure(result, `Looking up ${type} ${property} ${value} in the target`);
    const matches = values(result.body);
    if (matches.length > 1 && tieBreak && typeof tieBreak.value === 'string') {
      const decided = matches.filter((m) => lower(m[tieBreak.property]) === lower(tieBreak.value));
      if (decided.length > 0) return one(decided);
    }
    return one(matches);
  }

  /** One list of the type's collection per restore, indexed by a property's value. */
  async #fromList(type: string, property: string, value: unknown): Promise<LookupResult> {
    if (typeof value !== 'string' || value.length === 0) return undefined;
    const listKey = `${type}|${property}`;
    let list = this.#lists.get(listKey);
    if (!list) {
      list = this.#index(type, property);
      this.#lists.set(listKey, list);
    }
    const declaration = getResource(type);
    return one((await list).get(value.toLowerCase()) ?? [], declaration.idProperty ?? 'id');
  }

  async #index(type: string, property: string): Promise<Map<string, JsonObject[]>> {
    const declaration = getResource(type);
    if (declaration.endpoint === 'exchange') throw new TenantVaultError('INTERNAL', `${type} is not listed through Graph`);
    const idProperty = declaration.idProperty ?? 'id';
    const out = new Map<string, JsonObject[]>();
    const options = {
      api: declaration.api, type, ...(declaration.headers ? { headers: declaration.headers } : {}),
      ...(declaration.filter ? { query: { $filter: declaration.filter } } : {}), ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
    };
    for await (const item of this.ctx.graph.items<unknown>(declaration.path, options)) {
      if (!isObject(item) || typeof item[property] !== 'string') continue;
      const name = (item[property] as string).toLowerCase();
      out.set(name, [...(out.get(name) ?? []), { [idProperty]: item[idProperty] }]);
    }
    return out;
  }
}
