/**
 * JSON batching (`POST /v1.0/$batch`, `/beta/$batch`), per facts §4 and
 * https://learn.microsoft.com/graph/json-batching:
 * - at most 20 requests, unique `id`s, relative `url`s (resolved against the batch's version);
 * - requests run in the declared order; one whose `dependsOn` includes a failed request answers
 *   `424 Failed Dependency`;
 * - each item goes through the full pipeline (permissions, throttling, stats) as a direct call
 *   would; a throttled item is a 429 with its own `Retry-After` inside a 200 batch;
 * - a malformed batch is a 400 for the whole request.
 */
import { badRequest } from './errors.js';
import type { GraphService } from './service.js';
import type { GraphContext, GraphRequest, GraphResponse, HttpMethod, RouteSpec } from './types.js';

export const MAX_BATCH_REQUESTS = 20;

interface BatchItem {
  id: string;
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

const CANONICAL: Record<string, string> = {
  'content-type': 'Content-Type', 'odata-version': 'OData-Version', 'retry-after': 'Retry-After', location: 'Location', 'cache-control': 'Cache-Control',
};

const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

function parseItems(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) throw badRequest('Invalid batch payload format.', 'BadRequest');
  if (requests.length > MAX_BATCH_REQUESTS) throw badRequest(`Number of requests in a batch cannot exceed ${MAX_BATCH_REQUESTS}.`, 'BadRequest');
  const seen = new Set<string>();
  const items: BatchItem[] = [];
  for (const raw of requests) {
    const r = raw as Partial<BatchItem>;
    if (typeof r.id !== 'string' || r.id === '' || typeof r.url !== 'string' || typeof r.method !== 'string') {
      throw badRequest('A batch request must have an id, a method and a url.', 'BadRequest');
    }
    const method = r.method.toUpperCase();
    if (!METHODS.has(method)) throw badRequest(`Invalid method '${r.method}' in batch request ${r.id}.`, 'BadRequest');
    if (seen.has(r.id)) throw badRequest(`Batch request id '${r.id}' is duplicated; request ids must be unique.`, 'BadRequest');
    if (/^https?:/i.test(r.url)) throw badRequest(`Batch request ${r.id} must use a relative URL.`, 'BadRequest');
    for (const d of r.dependsOn ?? []) {
      if (!seen.has(d)) throw badRequest(`Batch request ${r.id} depends on '${d}', which is not an earlier request in the batch.`, 'BadRequest');
    }
    seen.add(r.id);
    items.push({ ...r, method: method as HttpMethod } as BatchItem);
  }
  return items;
}

function decodeBody(item: BatchItem): unknown {
  if (item.body === undefined) return undefined;
  const type = Object.entries(item.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
  if (typeof item.body === 'string' && !/json/i.test(type)) return Buffer.from(item.body, 'base64');
  return item.body;
}

export function createBatchRoute(service: GraphService): RouteSpec {
  return {
    method: 'POST',
    path: '/$batch',
    permissions: 'anyAuthenticated',
    throttle: 'none',
    write: false,
    name: 'batch',
    handler: async (ctx: GraphContext): Promise<GraphResponse> => {
      const items = parseItems(ctx.request.body);
      const status = new Map<string, number>();
      const responses: unknown[] = [];
      for (const item of items) {
        const failed = (item.dependsOn ?? []).find((d) => (status.get(d) ?? 0) >= 400);
        if (failed !== undefined) {
          status.set(item.id, 424);
          responses.push({
            id: item.id, status: 424, headers: { 'Content-Type': 'application/json' },
            body: { error: { code: 'FailedDependency', message: `The request depends on request '${failed}', which failed.` } },
          });
          continue;
        }
        // The JS SDK sends `/v1.0/users` (it strips only scheme and host); the version is the batch's.
        const url = (item.url.startsWith('/') ? item.url : `/${item.url}`).replace(/^\/(v1\.0|beta)(?=\/|\?|$)/i, '') || '/';
        const q = url.indexOf('?');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = String(v);
        const inner: GraphRequest = {
          method: item.method,
          version: ctx.version,
          path: q < 0 ? url : url.slice(0, q),
          rawQuery: q < 0 ? '' : url.slice(q + 1),
          headers: { authorization: ctx.request.headers['authorization'], ...headers },
          body: decodeBody(item),
          origin: ctx.request.origin,
          batchItemId: item.id,
        };
        const res = await service.dispatch(inner, ctx.caller, ctx.tenant);
        status.set(item.id, res.status);
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers ?? {})) {
          if (k === 'request-id' || k === 'x-ms-ags-diagnostic') continue;
          // Graph capitalises these inside batch responses, and the JS SDK looks for "Content-Type".
          h[CANONICAL[k] ?? k] = v;
        }
        responses.push({ id: item.id, status: res.status, headers: h, ...(res.body === undefined ? {} : { body: res.body }) });
      }
      return { status: 200, body: { responses } };
    },
  };
}
