/**
 * The Graph transport: `@microsoft/microsoft-graph-client` with our own middleware chain —
 * scheduler (budget, Retry-After, retries) → auth (app token for the cloud's Graph scope) →
 * the SDK's `HTTPMessageHandler` (fetch), or a node:https handler when extra CA certificates must
 * be trusted (the emulator) — and the helpers the engine reads Graph with, as async iterators:
 * `pages` / `items` follow `@odata.nextLink` whole, `delta` yields changes and finally the new
 * delta link, `batch` sends `$batch` in chunks of 20 and retries only the throttled requests.
 *
 * Guarantees: every request goes through the run's scheduler; every failure is a
 * TenantVaultError (errors.ts); links are followed only within the cloud's Graph root, so a token
 * never leaves it; headers such as ConsistencyLevel are sent again on every page (facts §2.1);
 * nothing collects a whole collection in memory.
 * Not guaranteed: `delta` merges the slices of one object only when they arrive one after the
 * other (within a page or across a page boundary); replays and distant slices reach the caller
 * separately, and `mergeDeltaItems` is the one way to fold them (facts §3.2–3.3).
 * Why the SDK's Client is used but not its AuthenticationHandler or RetryHandler: see
 * docs/decisions/0003-resource-registry.md.
 */
import pkg from '@microsoft/microsoft-graph-client';
import type { Client as GraphSdkClient, Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/identity';
import { TenantVaultError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import type { CloudEndpoints } from '../clouds.js';
import { adminConsentUrl, permissionsForType } from '../permissions/index.js';
import { findResource, type ApiVersion } from '../resources/index.js';
import { abortError } from '../../clock.js';
import { graphError } from './errors.js';
import { AuthHandler, NodeHttpHandler, RequestTag, SchedulingHandler, TimeoutHandler } from './middleware.js';
import { isRetriedStatus, type PartResult, type ScheduledRequest, type ThrottleScheduler } from './scheduler.js';

const { Client, HTTPMessageHandler, ResponseType } = pkg;

export const BATCH_LIMIT = 20;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface GraphRequestOptions {
  readonly method?: Method;
  readonly api?: ApiVersion;
  readonly query?: Query;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Resource type the request serves: counters, and the permissions named on a 403. */
  readonly type?: string;
  /** Permissions to name on a 403 instead of the type's read permissions. */
  readonly permissions?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface GraphResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextLink?: string;
  readonly deltaLink?: string;
  /** `@odata.count`, on the first page only (facts §2.1). */
  readonly count?: number;
}

export type DeltaEvent<T> =
  | { readonly kind: 'upsert'; readonly item: T }
  | { readonly kind: 'removed'; readonly id: string; readonly reason: 'changed' | 'deleted' | string; readonly item: T }
  | { readonly kind: 'deltaLink'; readonly url: string };

export interface BatchRequest {
  /** Caller's key, returned with the result; defaults to the position in the input. */
  readonly key?: string;
  readonly method: Method;
  /** Relative to the version root, e.g. `/users/{id}/authentication/methods`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly type?: string;
}

export interface BatchResult {
  readonly key: string;
  readonly request: BatchRequest;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Set when the request failed (after retries, for throttling). */
  readonly error?: TenantVaultError;
}

export interface BatchOptions {
  readonly api?: ApiVersion;
  readonly signal?: AbortSignal;
  readonly type?: string;
  /**
   * Whether a request answered 429/503/504 inside the batch is sent again (default: every one).
   * A create that Graph throttled may still have happened (facts §4), so restore sends creates
   * with `retry` false for them and looks for the object before sending it again.
   */
  readonly retry?: (request: BatchRequest) => boolean;
}

export interface GraphClientOptions {
  readonly cloud: CloudEndpoints;
  readonly credential: TokenCredential;
  readonly scheduler: ThrottleScheduler;
  /** For the admin-consent URL in permission errors. */
  readonly tenantId: string;
  readonly clientId: string;
  /** Extra CA certificates (PEM) to trust: the emulator's self-signed one. */
  readonly trustedCaPem?: string;
  readonly logger?: Logger;
  /** Replaces the last middleware (the HTTP call); for tests of the helpers. */
  readonly httpHandler?: Middleware;
  /** Batch retries of throttled requests before they are reported as THROTTLED. */
  readonly maxBatchRetries?: number;
  /** Bound on one HTTP attempt, answer body included (default 120 s); a timeout is retried. */
  readonly requestTimeoutMs?: number;
}

/** Long enough for a 999-item page of a slow tenant, short enough that a stalled socket is noticed. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** Encodes a query, leaving the characters OData reads as syntax readable. */
function queryString(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const encoded = encodeURIComponent(String(value)).replace(/%2C/gi, ',').replace(/%24/g, '$').replace(/%28/g, '(').replace(/%29/g, ')').replace(/%3D/gi, '=').replace(/%27/g, "'");
    parts.push(`${key}=${encoded}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function toHeaderRecord(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** Folds two appearances of the same delta object: later properties win, `*@delta` lists accumulate by id. */
export function mergeDeltaItems<T extends Record<string, unknown>>(earlier: T, later: T): T {
  const merged: Record<string, unknown> = { ...earlier, ...later };
  for (const [key, value] of Object.entries(earlier)) {
    if (!key.endsWith('@delta') || !Array.isArray(value)) continue;
    const next = later[key];
    if (!Array.isArray(next)) continue;
    const byId = new Map<unknown, unknown>();
    for (const entry of [...value, ...next]) {
      const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : entry;
      byId.delete(id);
      byId.set(id, entry);
    }
    merged[key] = [...byId.values()];
  }
  return merged as T;
}

export class GraphClient {
  readonly #sdk: GraphSdkClient;
  readonly #root: string;
  readonly #options: GraphClientOptions;
  readonly #logger: Logger;

  constructor(options: GraphClientOptions) {
    this.#options = options;
    this.#root = options.cloud.graph;
    this.#logger = options.logger ?? silentLogger;
    const last: Middleware = options.httpHandler ?? (options.trustedCaPem ? new NodeHttpHandler(options.trustedCaPem) : new HTTPMessageHandler());
    this.#sdk = Client.initWithMiddleware({
      baseUrl: this.#root,
      defaultVersion: 'v1.0',
      middleware: [
        new SchedulingHandler(options.scheduler), new AuthHandler(options.credential, options.cloud.graphScope),
        new TimeoutHandler(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS), last,
      ],
    });
  }

  get scheduler(): ThrottleScheduler {
    return this.#options.scheduler;
  }

  /** Splits a whole Graph URL into version and relative path; refuses URLs outside the root. */
  #relative(pathOrUrl: string, api: ApiVersion): { version: string; path: string } {
    if (!/^https?:\/\//i.test(pathOrUrl)) return { version: api, path: pathOrUrl };
    if (!pathOrUrl.startsWith(`${this.#root}/`)) {
      throw new TenantVaultError('SERVICE_ERROR', `Graph returned a link outside ${this.#root}: ${pathOrUrl.replace(/\?.*$/, '')}`, {
        hint: 'The link is not followed, so the token is not sent elsewhere. Check the profile\'s cloud.',
      });
    }
    const rest = pathOrUrl.slice(this.#root.length + 1);
    const slash = rest.indexOf('/');
    return { version: rest.slice(0, slash), path: rest.slice(slash) };
  }

  #consentUrl(): string {
    return adminConsentUrl(this.#options.cloud, this.#options.tenantId, this.#options.clientId);
  }

  #permissionsFor(options: GraphRequestOptions): readonly string[] {
    if (options.permissions) return options.permissions;
    const declaration = options.type ? findResource(options.type) : undefined;
    return declaration ? permissionsForType(declaration, options.method && options.method !== 'GET' ? 'write' : 'read') : [];
  }

  async #send(pathOrUrl: string, options: GraphRequestOptions, extra: { parts?: ScheduledRequest['parts']; observeParts?: RequestTag['observeParts'] } = {}): Promise<Response> {
    const method = options.method ?? 'GET';
    const { version, path } = this.#relative(pathOrUrl, options.api ?? 'v1.0');
    const relative = `${path}${path.includes('?') ? queryString(options.query).replace(/^\?/, '&') : queryString(options.query)}`;
    const tag = new RequestTag({ method, url: `/${version}${relative}`, ...(options.type ? { type: options.type } : {}), ...(extra.parts ? { parts: extra.parts } : {}) }, options.signal, extra.observeParts);
    let request = this.#sdk.api(relative).version(version).responseType(ResponseType.RAW).middlewareOptions([tag]);
    if (options.headers) request = request.headers({ ...options.headers });
    if (options.signal) request = request.option('signal', options.signal);
    try {
      switch (method) {
        case 'GET':
          return (await request.get()) as Response;
        case 'DELETE':
          return (await request.delete()) as Response;
        case 'POST':
          return (await request.post(options.body ?? {})) as Response;
        case 'PATCH':
          return (await request.patch(options.body ?? {})) as Response;
        case 'PUT':
          return (await request.put(options.body ?? {})) as Response;
      }
    } catch (err) {
      const cause = tag.error ?? err;
      if (cause instanceof TenantVaultError) throw cause;
      if (options.signal?.aborted) throw abortError(options.signal);
      throw new TenantVaultError('NETWORK', `${method} ${path.replace(/\?.*$/, '')} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  async #read(response: Response): Promise<unknown> {
    const text = await response.text();
    if (text.length === 0) return undefined;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json') || /^[[{]/.test(text.trimStart())) {
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
    return text;
  }

  /** One request; a non-2xx answer (after the scheduler's retries) is thrown as a TenantVaultError. */
  async request<T = unknown>(pathOrUrl: string, options: GraphRequestOptions = {}, delta = false): Promise<GraphResponse<T>> {
    const response = await this.#send(pathOrUrl, options);
    const body = await this.#read(response);
    if (!response.ok) {
      throw graphError(response.status, body, {
        method: options.method ?? 'GET', url: pathOrUrl, ...(options.type ? { type: options.type } : {}), delta,
        permissions: this.#permissionsFor(options), consentUrl: this.#consentUrl(),
        location: response.headers.get('location'), requestId: response.headers.get('request-id'),
      });
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }

  /** Pages of a collection, following each `@odata.nextLink` as the whole URL (facts §2.1). */
  async *pages<T = Record<string, unknown>>(pathOrUrl: string, options: GraphRequestOptions = {}, delta = false): AsyncGenerator<Page<T>> {
    let next: string | undefined = pathOrUrl;
    let first = true;
    while (next !== undefined) {
      // The first request carries the caller's query; links already carry theirs.
      const response: GraphResponse<Record<string, unknown> | undefined> = await this.request(next, first ? options : { ...options, query: undefined }, delta);
      const body = response.body;
      first = false;
      const nextLink: string | undefined = typeof body?.['@odata.nextLink'] === 'string' ? (body['@odata.nextLink'] as string) : undefined;
      const deltaLink = typeof body?.['@odata.deltaLink'] === 'string' ? (body['@odata.deltaLink'] as string) : undefined;
      const count = typeof body?.['@odata.count'] === 'number' ? (body['@odata.count'] as number) : undefined;
      yield {
        items: Array.isArray(body?.value) ? (body.value as T[]) : [],
        ...(nextLink ? { nextLink } : {}), ...(deltaLink ? { deltaLink } : {}), ...(count === undefined ? {} : { count }),
      };
      next = nextLink;
    }
  }

  async *items<T = Record<string, unknown>>(pathOrUrl: string, options: GraphRequestOptions = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(pathOrUrl, options)) yield* page.items;
  }

  /**
   * A delta round: from the delta function path (first sync, with the caller's `$select`) or a
   * saved delta link. Yields upserts and removals, then `deltaLink`. An expired link throws
   * DELTA_EXPIRED (`syncStateNotFound`, or 410 Gone with a Location for the full resync).
   */
  async *delta<T extends Record<string, unknown> = Record<string, unknown>>(pathOrDeltaLink: string, options: GraphRequestOptions = {}): AsyncGenerator<DeltaEvent<T>> {
    let pending: T | undefined;
    const flush = function* (): Generator<DeltaEvent<T>> {
      if (pending === undefined) return;
      const item = pending;
      pending = undefined;
      const removed = item['@removed'] as { reason?: string } | undefined;
      if (removed) yield { kind: 'removed', id: String(item.id), reason: removed.reason ?? 'deleted', item };
      else yield { kind: 'upsert', item };
    };
    let deltaLink: string | undefined;
    for await (const page of this.pages<T>(pathOrDeltaLink, options, true)) {
      for (const item of page.items) {
        // A large group comes back in slices, one after another (facts §3.3): fold them.
        if (pending !== undefined && pending.id === item.id && !pending['@removed'] && !item['@removed']) {
          pending = mergeDeltaItems(pending, item);
          continue;
        }
        yield* flush();
        pending = item;
      }
      deltaLink = page.deltaLink ?? deltaLink;
    }
    yield* flush();
    if (deltaLink === undefined) {
      throw new TenantVaultError('SERVICE_ERROR', `The delta round of ${options.type ?? pathOrDeltaLink} ended without a delta link`);
    }
    yield { kind: 'deltaLink', url: deltaLink };
  }

  /**
   * JSON batching: chunks of 20 (facts §4), one scheduler charge per inner request. Requests
   * throttled inside a batch (the SDK does not retry those) are sent again, alone with the other
   * throttled ones, after the longest Retry-After; results are yielded as they become final.
   */
  async *batch(requests: Iterable<BatchRequest> | AsyncIterable<BatchRequest>, options: BatchOptions = {}): AsyncGenerator<BatchResult> {
    const maxRetries = this.#options.maxBatchRetries ?? 6;
    let chunk: Array<BatchRequest & { key: string }> = [];
    let index = 0;
    const runChunk = async function* (this: GraphClient, items: Array<BatchRequest & { key: string }>): AsyncGenerator<BatchResult> {
      let pending = items;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const ids = new Map(pending.map((item, i) => [String(i + 1), { item, index: i }]));
        const payload = {
          requests: pending.map((item, i) => ({
            id: String(i + 1), method: item.method, url: item.url,
            ...(item.body !== undefined ? { body: item.body, headers: { 'Content-Type': 'application/json', ...item.headers } } : item.headers ? { headers: item.headers } : {}),
          })),
        };
        let parsed: { responses?: Array<{ id: string; status: number; headers?: unknown; body?: unknown }> } = {};
        const response = await this.#send('/$batch', { method: 'POST', api: options.api ?? 'v1.0', body: payload, ...(options.type ? { type: options.type } : {}), ...(options.signal ? { signal: options.signal } : {}) }, {
          parts: pending.map((item) => ({ method: item.method, url: item.url, ...(item.type ?? options.type ? { type: item.type ?? options.type } : {}) })),
          observeParts: async (res) => {
            parsed = (JSON.parse(await res.clone().text()) ?? {}) as typeof parsed;
            const results: PartResult[] = [];
            for (const r of parsed.responses ?? []) {
              const at = ids.get(String(r.id));
              const headers = toHeaderRecord(r.headers);
              if (at) results[at.index] = { status: r.status, headers: { get: (name: string) => headers[name.toLowerCase()] ?? null } };
            }
            return results;
          },
        });
        if (!response.ok) {
          const body = await this.#read(response);
          throw graphError(response.status, body, { method: 'POST', url: '/$batch', consentUrl: this.#consentUrl() });
        }
        await response.body?.cancel().catch(() => undefined);
        const retry: Array<{ item: BatchRequest & { key: string }; index: number }> = [];
        let waitMs = 0;
        for (const r of parsed.responses ?? []) {
          const at = ids.get(String(r.id));
          if (!at) continue;
          const headers = toHeaderRecord(r.headers);
          const retriable = isRetriedStatus(r.status, at.item) && (options.retry?.(at.item) ?? true);
          if (retriable && attempt < maxRetries) {
            retry.push(at);
            waitMs = Math.max(waitMs, this.scheduler.noteThrottled({ method: at.item.method, url: at.item.url }, { get: (n: string) => headers[n.toLowerCase()] ?? null }, attempt, r.status));
            continue;
          }
          const ok = r.status >= 200 && r.status < 300;
          yield {
            key: at.item.key, request: at.item, status: r.status, headers, body: r.body,
            ...(ok ? {} : {
              error: graphError(r.status, r.body, {
                method: at.item.method, url: at.item.url, ...(at.item.type ? { type: at.item.type } : {}),
                permissions: this.#permissionsFor({ method: at.item.method, ...(at.item.type ? { type: at.item.type } : {}) }), consentUrl: this.#consentUrl(),
              }),
            }),
          };
        }
        // A request Graph did not answer at all is sent again too.
        const answered = new Set((parsed.responses ?? []).map((r) => String(r.id)));
        for (const [id, at] of ids) {
          const { item } = at;
          if (answered.has(id)) continue;
          if (attempt < maxRetries) {
            retry.push(at);
            continue;
          }
          yield {
            key: item.key, request: item, status: 0, headers: {}, body: undefined,
            error: new TenantVaultError('SERVICE_ERROR', `Graph's batch response had no answer for ${item.method} ${item.url}`),
          };
        }
        if (retry.length > 0) {
          this.#logger.debug({ retry: retry.length, waitMs, attempt }, 'graph batch: retrying throttled requests');
          await this.scheduler.clock.sleep(waitMs, options.signal);
        }
        // Responses come in any order (facts §4); retry in the caller's order.
        pending = retry.sort((a, b) => a.index - b.index).map((r) => r.item);
      }
    };
    for await (const request of requests) {
      chunk.push({ ...request, key: request.key ?? String(index) });
      index++;
      if (chunk.length === BATCH_LIMIT) {
        yield* runChunk.call(this, chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) yield* runChunk.call(this, chunk);
  }
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  return new GraphClient(options);
}
