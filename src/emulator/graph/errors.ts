/**
 * The one builder of Graph error responses. Every failure the emulated Graph returns has Graph's
 * shape `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`;
 * handlers throw `GraphError` and the pipeline fills in the request IDs.
 *
 * Source for the shape: https://learn.microsoft.com/graph/errors ("Error resource type"), and
 * the 429 sample in facts §1.5.
 */
import type { GraphResponse } from './types.js';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra `innerError` fields (e.g. the 429 sample's `code`/`status`). */
    readonly inner: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface RequestIds {
  readonly requestId: string;
  readonly clientRequestId: string;
  readonly date: string;
}

/** Graph's `date` in innerError has no fraction and no zone: `2020-08-18T12:51:51`. */
export function innerErrorDate(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19);
}

export function errorBody(code: string, message: string, ids: RequestIds, inner: Record<string, unknown> = {}): unknown {
  return {
    error: {
      code,
      message,
      innerError: { ...inner, date: ids.date, 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
    },
  };
}

export function errorResponse(err: GraphError, ids: RequestIds): GraphResponse {
  return { status: err.status, headers: { ...err.headers }, body: errorBody(err.code, err.message, ids, err.inner) };
}

// Frequent errors, with the messages the real service uses.

export const notFound = (id: string): GraphError =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export const badRequest = (message: string, code = 'Request_BadRequest'): GraphError => new GraphError(400, code, message);

export const unsupportedQuery = (message = 'Unsupported Query.'): GraphError => new GraphError(400, 'Request_UnsupportedQuery', message);

export const segmentNotFound = (segment: string): GraphError =>
  new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);

export const methodNotAllowed = (): GraphError =>
  new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

export const forbidden = (): GraphError =>
  new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
