/**
 * The corpus replay harness: sends a Graph docs example to a Graph endpoint (the emulator) over
 * HTTP and compares the answer with what the docs document.
 *
 * How an example is made runnable:
 * - each ID segment of the path (a template parameter whose docs value is a placeholder such as
 *   `{id}`, a GUID, a UPN or a domain) is replaced by the ID of a real object of the right
 *   collection, found by listing the parent collection through Graph (`GET /groups/{gid}/members`);
 *   the last one stands for the documented object, so it is of the docs' `@odata.type` when they
 *   name one (created from a corpus POST of that type when the collection has none);
 *   when the example deletes the object, or the collection is empty, a fresh object is created
 *   first with the body of a corpus POST to the same collection;
 * - references in the request body are substituted the same way: `@odata.id` and
 *   `…@odata.bind` URLs, and GUID values of known reference keys (`principalId`, `groupId`,
 *   `resourceId`, CA `includeUsers` …); example domains (`contoso.com`) become the tenant's
 *   domain and unique names (`userPrincipalName`, `mailNickname`) get a suffix so that creates
 *   do not collide;
 * - the request carries `Authorization: Bearer <token>` and the docs' own headers.
 *
 * How the answer is compared (a `Difference` is a `mismatch` or `info`):
 * - the status class (2xx/4xx/5xx) must equal the documented one (mismatch); a different status
 *   within the class (201 vs 200) is info;
 * - every property name in the documented body, recursively, must appear in ours (mismatch);
 *   except when the docs show it as null/empty and the schema defines it — optional, info — or
 *   the schema does not define it at all — a docs error, info. Names we return that the docs do
 *   not show are info. Intune docs wrap single entities in `{"value": {...}}`; that is undone;
 * - when a schema and the entity type are known (route `entityType`, else `@odata.type`), our
 *   body is validated against it; each violation is a mismatch.
 *
 * Not done: comparing values, or examples whose documented body is not usable JSON beyond the
 * status. Examples the route table does not serve are reported `served: false` and not sent.
 */
import { isUsableBody, type CorpusExample } from './corpus.js';
import type { GraphSchema } from './graph-schema.js';
import { DOC_PLACEHOLDER, matchTemplate, splitPath, type RouteSpec, type RouteTemplate } from './routes.js';

export interface ReplayRoute extends RouteTemplate {
  /** Entity type of the response body (fully qualified or short), for schema validation. */
  entityType?: string;
}

export interface ReplayContext {
  /** Graph root without version, e.g. `http://127.0.0.1:4010`; requests go to `{root}/{version}{path}`. */
  graphBaseUrl: string;
  getToken: () => string | Promise<string>;
  /** The emulator's route table. */
  routes: ReadonlyArray<RouteSpec | ReplayRoute>;
  /** The whole corpus, to find create bodies for fresh objects. */
  corpus?: readonly CorpusExample[];
  /** Schemas per version for validating our bodies and explaining optional properties. */
  schemas?: Partial<Record<'v1.0' | 'beta', GraphSchema>>;
  /** The emulated tenant's domain; example domains in bodies are replaced by it. */
  domain?: string;
  /** Override ID resolution for a collection path (resolved, e.g. `/groups/abc/members`). */
  resolveId?: (collectionPath: string, version: 'v1.0' | 'beta') => Promise<string | undefined>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Per-request timeout; default 15,000 ms. */
  timeoutMs?: number;
}

export interface Difference {
  severity: 'mismatch' | 'info';
  kind:
    | 'statusClass'
    | 'status'
    | 'missingProperty'
    | 'optionalMissing'
    | 'docsNotInSchema'
    | 'extraProperty'
    | 'schemaViolation'
    | 'shape'
    | 'docsWrappedInValue'
    | 'documentedBodyUnusable'
    | 'setupFailed';
  path: string;
  detail: string;
}

export interface ReplayResult {
  file: string;
  index: number;
  method: string;
  version: 'v1.0' | 'beta';
  /** The docs path, e.g. `/users/{id}`. */
  path: string;
  served: boolean;
  template?: string;
  /** The path we sent, IDs substituted. */
  sentPath?: string;
  /** Docs value → value we used (path segments and body references). */
  substitutions: Record<string, string>;
  status?: { expected: number; actual: number };
  /** Graph's error code and message when we answered 4xx/5xx. */
  error?: { code: string; message: string };
  differences: Difference[];
  /** True when served and no difference is a mismatch. */
  ok: boolean;
}

/** Base types whose direct children are the declared type of their own collections. */
const GENERIC_BASES = new Set(['entity', 'directoryObject', 'policyBase', 'stsPolicy', 'policyDeletableItem'].map((t) => `microsoft.graph.${t}`));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Values the docs write instead of a real one: `clientId-value`, `{id}`, `Group Id value`. */
const PLACEHOLDER_VALUE = /^(\{[^}]*\}|[\w.-]+-value|[\w ]+ value)$/i;
const EXAMPLE_DOMAINS = /@([a-z0-9-]+\.)*(contoso|fabrikam|tailspintoys|m365x\d+|woodgrove|litware|adatum)\.(com|onmicrosoft\.com)/gi;
const UNIQUE_KEYS = new Set(['userPrincipalName', 'mailNickname', 'uniqueName', 'onPremisesImmutableId']);
const PASSED_HEADERS = /^(consistencylevel|accept-language|prefer|if-match|if-none-match|ocp-client-name|ocp-client-version)$/i;

/** Reference keys in request bodies → the collection whose IDs they hold (and the field to take). */
const BODY_REFERENCES: Record<string, { collection: string | ((path: string) => string); field?: string }> = {
  principalId: { collection: '/users' },
  principalIds: { collection: '/users' },
  userId: { collection: '/users' },
  resourceId: { collection: '/servicePrincipals' },
  clientId: { collection: '/servicePrincipals' },
  groupId: { collection: '/groups' },
  groupIds: { collection: '/groups' },
  includedGroups: { collection: '/groups' },
  excludedGroups: { collection: '/groups' },
  includeUsers: { collection: '/users' },
  excludeUsers: { collection: '/users' },
  includeGroups: { collection: '/groups' },
  excludeGroups: { collection: '/groups' },
  includeLocations: { collection: '/identity/conditionalAccess/namedLocations' },
  excludeLocations: { collection: '/identity/conditionalAccess/namedLocations' },
  includeApplications: { collection: '/servicePrincipals', field: 'appId' },
  excludeApplications: { collection: '/servicePrincipals', field: 'appId' },
  roleDefinitionId: { collection: (p) => (p.startsWith('/deviceManagement') ? '/deviceManagement/roleDefinitions' : '/roleManagement/directory/roleDefinitions') },
  deviceAndAppManagementAssignmentFilterId: { collection: '/deviceManagement/assignmentFilters' },
};

/**
 * Where to look when a collection cannot be listed as is: deleted items need a type cast, and
 * `directoryObjects` (the target of most `@odata.id` references) is abstract — any user will do.
 * Keys are lower case; values are full paths.
 */
const LIST_FALLBACKS: Record<string, string[]> = {
  '/directory/deleteditems': ['user', 'group', 'application', 'servicePrincipal', 'administrativeUnit'].map((t) => `/directory/deletedItems/microsoft.graph.${t}`),
  '/directoryobjects': ['/users', '/groups'],
};

function isSubstitutable(segment: string): boolean {
  return DOC_PLACEHOLDER.test(segment) || GUID.test(segment) || segment.includes('@') || segment.includes('.') || /^\d+$/.test(segment);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A replay run: holds per-run caches (collection → ID) and the unique-name counter. */
export class ReplaySession {
  private readonly ctx: ReplayContext;
  private readonly listed = new Map<string, Promise<Array<Record<string, unknown>>>>();
  private counter = 0;

  constructor(ctx: ReplayContext) {
    this.ctx = ctx;
  }

  async replay(example: CorpusExample): Promise<ReplayResult> {
    const base: ReplayResult = {
      file: example.file,
      index: example.index,
      method: example.method,
      version: example.version,
      path: example.path,
      served: false,
      substitutions: {},
      differences: [],
      ok: false,
    };
    const match = matchTemplate(this.ctx.routes, example.path, { method: example.method, version: example.version });
    if (!match) return base;
    const route = match.route as ReplayRoute;
    const result: ReplayResult = { ...base, served: true, template: route.template };
    const subs = result.substitutions;

    // 1. Path IDs. The object addressed last stands for the documented one: of the same
    // `@odata.type` when the docs name one (a PATCH of an iosStoreApp needs an iosStoreApp).
    const wantedType = documentedType(example);
    const segments = splitPath(example.path);
    const templateSegments = splitPath(route.template);
    const sent: string[] = [];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      if (match.segmentParams[i] === undefined || !isSubstitutable(seg)) {
        sent.push(seg);
        continue;
      }
      const collectionPath = `/${sent.join('/')}`;
      const isRef = i === segments.length - 2 && segments[i + 1] === '$ref';
      const fresh = example.method === 'DELETE' && (i === segments.length - 1 || isRef);
      const last = i === segments.length - 1;
      const id = await this.obtainId(example, collectionPath, `/${templateSegments.slice(0, i).join('/')}`, fresh, isRef, last ? wantedType : undefined);
      if (id === undefined) {
        result.differences.push({ severity: 'info', kind: 'setupFailed', path: collectionPath, detail: `no object found or created in ${collectionPath} to stand for ${seg}` });
        return result;
      }
      subs[seg in subs ? `${seg}#${i}` : seg] = id;
      sent.push(encodeURIComponent(id));
    }
    result.sentPath = `/${sent.join('/')}`;

    // 2. Body references.
    let body: unknown = example.body;
    if (isUsableBody(example.bodyStatus)) {
      body = await this.rewriteBody(example, body, subs, undefined, await this.referenceAvoidSet(example, result.sentPath, subs));
    }

    // 3. Send. A write may remove or change what later examples would pick, so listings are
    // forgotten after it.
    const response = await this.send(example.method, example.version, result.sentPath, example.query, body, example.headers, example.bodyStatus);
    if (example.method !== 'GET') this.listed.clear();
    result.status = { expected: example.expected.status, actual: response.status };
    if (response.status >= 400 && isObject(response.body) && isObject(response.body['error'])) {
      const error = response.body['error'];
      result.error = { code: String(error['code'] ?? ''), message: String(error['message'] ?? '') };
    }
    this.compareStatus(result);

    // 4. Compare shapes and validate.
    const documented = isUsableBody(example.expected.bodyStatus) ? example.expected.body : undefined;
    if (example.expected.bodyStatus === 'malformed' || example.expected.bodyStatus === 'nonJson') {
      result.differences.push({ severity: 'info', kind: 'documentedBodyUnusable', path: '', detail: `documented body is ${example.expected.bodyStatus}; only the status is compared` });
    }
    if (Math.floor(response.status / 100) === 2) {
      const schema = this.ctx.schemas?.[example.version];
      let doc = documented;
      if (isObject(doc) && isObject(doc['value']) && isObject(response.body) && !('value' in response.body)) {
        result.differences.push({ severity: 'info', kind: 'docsWrappedInValue', path: 'value', detail: 'the docs wrap a single entity in "value"; compared with the entity itself' });
        doc = doc['value'];
      }
      const typeName = this.entityTypeFor(route, doc, response.body, schema);
      if (doc !== undefined && response.body === undefined) {
        result.differences.push({ severity: 'mismatch', kind: 'shape', path: '', detail: `documented a body with ${example.expected.status}; got none with ${response.status}` });
      } else if (doc !== undefined) {
        this.compareShape(doc, response.body, '', schema, this.declaredType(route, schema), result.differences);
      }
      if (schema && typeName && response.body !== undefined) {
        const violations = isObject(response.body) && Array.isArray(response.body['value'])
          ? schema.validateCollectionResponse(typeName, response.body)
          : schema.validateEntity(typeName, response.body);
        for (const v of violations) result.differences.push({ severity: 'mismatch', kind: 'schemaViolation', path: v.path, detail: v.message });
      }
    }
    result.ok = !result.differences.some((d) => d.severity === 'mismatch');
    return result;
  }

  private compareStatus(result: ReplayResult): void {
    const { expected, actual } = result.status as { expected: number; actual: number };
    if (Math.floor(expected / 100) !== Math.floor(actual / 100)) {
      result.differences.push({ severity: 'mismatch', kind: 'statusClass', path: '', detail: `documented ${expected}, got ${actual}` });
    } else if (expected !== actual) {
      result.differences.push({ severity: 'info', kind: 'status', path: '', detail: `documented ${expected}, got ${actual}` });
    }
  }

  /** The route's declared entity type, else what the schema says the path addresses. */
  private declaredType(route: ReplayRoute, schema: GraphSchema | undefined): string | undefined {
    return route.entityType ?? schema?.typeOfPath(route.template)?.type;
  }

  private entityTypeFor(route: ReplayRoute, documented: unknown, actual: unknown, schema: GraphSchema | undefined): string | undefined {
    const declared = this.declaredType(route, schema);
    if (declared) return declared;
    const pick = (v: unknown): string | undefined => {
      if (!isObject(v)) return undefined;
      if (typeof v['@odata.type'] === 'string') return v['@odata.type'];
      return undefined;
    };
    return pick(actual) ?? pick(documented);
  }

  /** Documented names must exist in ours (recursively); see the module overview. `typeName` is the declared type. */
  private compareShape(doc: unknown, ours: unknown, path: string, schema: GraphSchema | undefined, typeName: string | undefined, out: Difference[]): void {
    if (Array.isArray(doc)) {
      if (!Array.isArray(ours)) {
        if (doc.length > 0) out.push({ severity: 'mismatch', kind: 'shape', path, detail: 'documented an array, got something else' });
        return;
      }
      const docItems = doc.filter(isObject);
      const ourItems = ours.filter(isObject);
      if (docItems.length === 0) return;
      if (ourItems.length === 0) {
        out.push({ severity: 'info', kind: 'shape', path, detail: 'our collection is empty; item properties not compared' });
        return;
      }
      this.compareShape(Object.assign({}, ...docItems), Object.assign({}, ...ourItems), `${path}[]`, schema, typeName, out);
      return;
    }
    if (!isObject(doc)) return;
    if (ours === null) {
      // Graph answers null for an unset complex property; the docs show it filled in.
      out.push({ severity: 'info', kind: 'optionalMissing', path, detail: 'documented an object; ours is null' });
      return;
    }
    if (!isObject(ours)) {
      out.push({ severity: 'mismatch', kind: 'shape', path, detail: 'documented an object, got something else' });
      return;
    }
    const effectiveType = typeof ours['@odata.type'] === 'string' ? ours['@odata.type'] : typeof doc['@odata.type'] === 'string' ? doc['@odata.type'] : typeName;
    for (const [key, docValue] of Object.entries(doc)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (key.startsWith('@') && key !== '@odata.type') continue;
      if (key.includes('@') && !key.startsWith('@')) continue;
      if (!(key in ours)) {
        const emptyDoc = docValue === null || (Array.isArray(docValue) && docValue.length === 0);
        const defined = effectiveType && schema ? schema.propertiesOf(effectiveType).includes(key) || schema.navigationPropertiesOf(effectiveType).includes(key) : undefined;
        if (key === '@odata.type') {
          const needed = this.odataTypeNeeded(String(docValue), typeName, schema);
          out.push({ severity: needed ? 'mismatch' : 'info', kind: needed ? 'missingProperty' : 'optionalMissing', path: keyPath, detail: `documented @odata.type ${String(docValue)} is missing` });
        } else if (defined === false && effectiveType && schema?.isKnownType(effectiveType)) {
          out.push({ severity: 'info', kind: 'docsNotInSchema', path: keyPath, detail: `documented property ${key} is not defined by the schema for ${effectiveType}` });
        } else if (emptyDoc && defined !== false) {
          out.push({ severity: 'info', kind: 'optionalMissing', path: keyPath, detail: `documented as ${JSON.stringify(docValue)}; absent in ours` });
        } else {
          out.push({ severity: 'mismatch', kind: 'missingProperty', path: keyPath, detail: `documented property ${key} is missing` });
        }
        continue;
      }
      // The items of a collection response are of the declared type; anything else is typed by the schema.
      const childType = path === '' && key === 'value' && Array.isArray(docValue) ? typeName : effectiveType && schema ? schema.complexTypeOf(effectiveType, key) : undefined;
      this.compareShape(docValue, ours[key], keyPath, schema, childType, out);
    }
    for (const key of Object.keys(ours)) {
      if (key.includes('@') || key in doc) continue;
      out.push({ severity: 'info', kind: 'extraProperty', path: path ? `${path}.${key}` : key, detail: `${key} is not in the documented body` });
    }
  }

  /**
   * Graph writes `@odata.type` only when an object's type differs from the declared type of what
   * was asked for (docs generated for Intune show it always). Without the route's entity type,
   * a type whose base is one of the generic roots counts as the declared type itself.
   */
  private odataTypeNeeded(documentedType: string, declared: string | undefined, schema: GraphSchema | undefined): boolean {
    if (!schema) return true;
    const doc = schema.resolveTypeName(documentedType);
    if (!doc) return false;
    if (declared) return schema.resolveTypeName(declared) !== doc;
    const base = schema.baseTypesOf(doc)[1];
    return base !== undefined && !GENERIC_BASES.has(base);
  }

  private async send(
    method: string,
    version: 'v1.0' | 'beta',
    path: string,
    query: Record<string, string>,
    body: unknown,
    docHeaders: Record<string, string>,
    bodyStatus: CorpusExample['bodyStatus'],
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.ctx.graphBaseUrl.replace(/\/+$/, '')}/${version}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${await this.ctx.getToken()}` };
    for (const [k, v] of Object.entries(docHeaders)) if (PASSED_HEADERS.test(k)) headers[k] = v;
    Object.assign(headers, this.ctx.headers);
    let payload: string | undefined;
    if (body !== undefined && method !== 'GET' && method !== 'DELETE') {
      if (isUsableBody(bodyStatus)) {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      } else if (typeof body === 'string') {
        payload = body;
        headers['content-type'] = 'application/octet-stream';
      }
    }
    const timeout = AbortSignal.timeout(this.ctx.timeoutMs ?? 15_000);
    const signal = this.ctx.signal ? AbortSignal.any([this.ctx.signal, timeout]) : timeout;
    const res = await (this.ctx.fetch ?? fetch)(url, { method, headers, body: payload ?? null, signal });
    const text = await res.text();
    let parsed: unknown;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed };
  }

  /** An object of the collection (of `type` when given and possible): listed (cached per collection) or, when `fresh`, created. */
  private async obtainId(example: CorpusExample, collectionPath: string, collectionTemplate: string, fresh: boolean, isRef: boolean, type?: string): Promise<string | undefined> {
    if (this.ctx.resolveId) {
      const id = await this.ctx.resolveId(collectionPath, example.version);
      if (id !== undefined) return id;
    }
    if (fresh && !isRef) {
      const created = await this.createIn(example.version, collectionPath, collectionTemplate, type);
      if (created !== undefined) return created;
    }
    if (type) {
      const items = await this.list(example.version, collectionPath);
      // An object of the type or of a type deriving from it (the docs' base-type pages).
      const schema = this.ctx.schemas?.[example.version];
      const fits = (t: unknown): boolean => sameType(t, type) || (typeof t === 'string' && schema !== undefined && schema.isKnownType(t) && schema.isDerivedFrom(t, type));
      const typed = items.find((item) => fits(item['@odata.type']) && typeof item['id'] === 'string');
      if (typed) return typed['id'] as string;
      const created = await this.createIn(example.version, collectionPath, collectionTemplate, type);
      if (created !== undefined) return created;
      // In a polymorphic collection an object of another type does not stand for the documented one.
      if (items.some((item) => typeof item['@odata.type'] === 'string')) return undefined;
    }
    const listed = await this.firstOf(example.version, collectionPath);
    const id = listed?.['id'];
    if (typeof id === 'string') return id;
    if (isRef) return this.linkIn(example.version, collectionPath);
    return fresh ? undefined : this.createIn(example.version, collectionPath, collectionTemplate);
  }

  /** Adds a user to a relationship (`…/owners`, `…/members`) so that removing a link has one to remove. */
  private async linkIn(version: 'v1.0' | 'beta', collectionPath: string): Promise<string | undefined> {
    const user = await this.firstOf(version, '/users');
    const userId = user?.['id'];
    if (typeof userId !== 'string') return undefined;
    const body = { '@odata.id': `${this.ctx.graphBaseUrl.replace(/\/+$/, '')}/${version}/directoryObjects/${userId}` };
    const res = await this.send('POST', version, `${collectionPath}/$ref`, {}, body, {}, 'json');
    return res.status >= 200 && res.status < 300 ? userId : undefined;
  }

  /** The first listed item of a collection whose `field` is a string and not in `avoid`. */
  private async firstOf(version: 'v1.0' | 'beta', collectionPath: string, field = 'id', avoid: ReadonlySet<string> = new Set()): Promise<Record<string, unknown> | undefined> {
    const items = await this.list(version, collectionPath);
    return items.find((item) => typeof item[field] === 'string' && !avoid.has(item[field]));
  }

  /** The first page of a collection (or of its fallbacks), cached until the next write. */
  private list(version: 'v1.0' | 'beta', collectionPath: string): Promise<Array<Record<string, unknown>>> {
    const key = `${version}${collectionPath}`;
    let hit = this.listed.get(key);
    if (!hit) {
      hit = (async () => {
        for (const path of [collectionPath, ...(LIST_FALLBACKS[collectionPath.toLowerCase()] ?? [])]) {
          const res = await this.send('GET', version, path, {}, undefined, {}, 'none');
          if (res.status !== 200 || !isObject(res.body)) continue;
          const items = (Array.isArray(res.body['value']) ? res.body['value'] : []).filter(isObject);
          if (items.length > 0) return items;
        }
        return [];
      })();
      this.listed.set(key, hit);
    }
    return hit;
  }

  /** Creates an object with the body of a corpus POST to the same collection (of `type` when given); its ID or undefined. */
  private async createIn(version: 'v1.0' | 'beta', collectionPath: string, collectionTemplate: string, type?: string): Promise<string | undefined> {
    const candidates = (this.ctx.corpus ?? []).filter(
      (ex) =>
        ex.method === 'POST' &&
        isUsableBody(ex.bodyStatus) &&
        isObject(ex.body) &&
        Math.floor(ex.expected.status / 100) === 2 &&
        matchTemplate([collectionTemplate], ex.path) !== undefined &&
        (type === undefined || sameType((ex.body as Record<string, unknown>)['@odata.type'], type)),
    );
    candidates.sort((a, b) => Number(b.version === version) - Number(a.version === version));
    for (const ex of candidates.slice(0, 3)) {
      const body = await this.rewriteBody(ex, ex.body, {}, undefined);
      const res = await this.send('POST', version, collectionPath, {}, body, ex.headers, ex.bodyStatus);
      if (res.status >= 200 && res.status < 300 && isObject(res.body) && typeof res.body['id'] === 'string') {
        this.listed.clear();
        return res.body['id'];
      }
    }
    return undefined;
  }

  /**
   * IDs a body reference must not resolve to: the objects of the path itself (a user cannot be
   * its own manager) and, for `…/$ref` and `@odata.bind`, the current members of the relationship
   * (adding an existing member is an error in Graph).
   */
  private async referenceAvoidSet(example: CorpusExample, sentPath: string, subs: Record<string, string>): Promise<Set<string>> {
    const avoid = new Set(Object.values(subs));
    const relationships: string[] = [];
    if (sentPath.endsWith('/$ref')) relationships.push(sentPath.slice(0, -'/$ref'.length));
    if (isObject(example.body)) {
      for (const key of Object.keys(example.body)) if (key.endsWith('@odata.bind')) relationships.push(`${sentPath}/${key.slice(0, key.indexOf('@'))}`);
    }
    for (const rel of relationships) for (const item of await this.list(example.version, rel)) if (typeof item['id'] === 'string') avoid.add(item['id']);
    return avoid;
  }

  private async rewriteBody(example: CorpusExample, value: unknown, subs: Record<string, string>, key: string | undefined, avoid: ReadonlySet<string> = new Set()): Promise<unknown> {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) out.push(await this.rewriteBody(example, item, subs, key, avoid));
      return out;
    }
    if (isObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.rewriteBody(example, v, subs, k, avoid);
      return out;
    }
    if (typeof value !== 'string' || key === undefined) return value;
    if (key === '@odata.id' || key.endsWith('@odata.bind')) return this.rewriteReferenceUrl(example, value, subs, avoid);
    const ref = BODY_REFERENCES[key];
    if (ref && (GUID.test(value) || PLACEHOLDER_VALUE.test(value))) {
      const known = subs[value];
      if (known) return known;
      const collection = typeof ref.collection === 'function' ? ref.collection(example.path) : ref.collection;
      const field = ref.field ?? 'id';
      const item = await this.firstOf(example.version, collection, field, avoid);
      const replacement = item?.[field];
      if (typeof replacement === 'string') {
        subs[value] = replacement;
        return replacement;
      }
      return value;
    }
    let text = value;
    if (this.ctx.domain) text = text.replace(EXAMPLE_DOMAINS, `@${this.ctx.domain}`);
    if (UNIQUE_KEYS.has(key)) {
      const n = ++this.counter;
      const at = text.indexOf('@');
      text = at >= 0 ? `${text.slice(0, at)}${n}${text.slice(at)}` : `${text}${n}`;
    }
    if (text !== value) subs[value] = text;
    return text;
  }

  private async rewriteReferenceUrl(example: CorpusExample, url: string, subs: Record<string, string>, avoid: ReadonlySet<string>): Promise<string> {
    const known = subs[url];
    if (known) return known;
    const m = /^https?:\/\/[^/]+\/(v1\.0|beta)(\/.*)$/i.exec(url);
    if (!m) return url;
    const segments = splitPath(m[2] as string);
    const last = segments.pop();
    if (!last || !isSubstitutable(last)) return url;
    const item = await this.firstOf(example.version, `/${segments.join('/')}`, 'id', avoid);
    const id = item?.['id'];
    if (typeof id !== 'string') return url;
    const rewritten = `${this.ctx.graphBaseUrl.replace(/\/+$/, '')}/${m[1]}/${segments.join('/')}/${id}`;
    subs[url] = rewritten;
    return rewritten;
  }
}

function sameType(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.replace(/^#/, '').toLowerCase() === b.replace(/^#/, '').toLowerCase();
}

/** The `@odata.type` the docs give the addressed object: the request body's, else the response's. */
function documentedType(example: CorpusExample): string | undefined {
  const fromBody = isUsableBody(example.bodyStatus) && isObject(example.body) ? example.body['@odata.type'] : undefined;
  if (typeof fromBody === 'string') return fromBody;
  if (!isUsableBody(example.expected.bodyStatus) || !isObject(example.expected.body)) return undefined;
  const body = example.expected.body;
  const entity = isObject(body['value']) ? body['value'] : body;
  const t = entity['@odata.type'];
  return typeof t === 'string' ? t : undefined;
}

/** Replays one example in a fresh session (no caches shared with other examples). */
export function replayCorpusExample(example: CorpusExample, ctx: ReplayContext): Promise<ReplayResult> {
  return new ReplaySession(ctx).replay(example);
}

/** Replays every served example in order, one at a time; yields each result as it completes. */
export async function* replayCorpus(examples: Iterable<CorpusExample>, ctx: ReplayContext): AsyncGenerator<ReplayResult> {
  const session = new ReplaySession(ctx);
  for (const example of examples) {
    ctx.signal?.throwIfAborted();
    yield await session.replay(example);
  }
}
