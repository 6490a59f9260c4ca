/**
 * Request-body rules for POST/PATCH/PUT, with the messages the directory service uses:
 * - the body must be a JSON object ("Empty Payload. JSON content expected.");
 * - a property the type does not have is refused ("Invalid property 'x'.");
 * - read-only properties are refused ("Property 'x' is read-only and cannot be set.");
 * - required properties must be present on create ("A value is required for property 'x' of
 *   resource 'User'.", seen in msgraph-sdk-dotnet#2561);
 * - `x@odata.bind` annotations are split out for the caller (members/owners binding), with
 *   Graph's cap of 20 references per request (facts §7.1).
 * - complex values must fit their types where the catalog knows them (no undeclared nested
 *   property, no abstract or unrelated `@odata.type`), with OData's deserializer message;
 * - server-managed properties a service accepts and drops (`ignored`, e.g. Intune's `version`,
 *   `createdDateTime` in bodies exported from a GET) are removed without an error.
 * Annotations such as `@odata.type` pass through.
 */
import { badRequest } from './errors.js';
import type { GraphContext } from './types.js';

export interface WriteRules {
  /** Type whose property list decides "unknown property" (full name, e.g. microsoft.graph.user). */
  readonly entityType: string;
  /** Name in messages, e.g. `User`. */
  readonly resourceName: string;
  readonly readOnly?: readonly string[];
  /** Required on create. */
  readonly required?: readonly string[];
  /** Settable on create only. */
  readonly immutable?: readonly string[];
  /** Properties accepted and silently dropped (server-managed values the service ignores). */
  readonly ignored?: readonly string[];
  /** Properties accepted although the schema does not list them (write-only inputs). */
  readonly extraWritable?: readonly string[];
  /** Whether the client chooses `id` on create (domains). */
  readonly clientKey?: boolean;
}

export interface ParsedWrite {
  /** Properties to store (annotations other than `@odata.type` removed). */
  readonly props: Record<string, unknown>;
  /** `nav@odata.bind` values by navigation name, as object IDs. */
  readonly binds: Record<string, string[]>;
}

export const MAX_BINDS_PER_REQUEST = 20;

/** The object ID at the end of an `@odata.id` / bind URL (`…/directoryObjects/{id}`, `…/users('{id}')`). */
export function idFromReference(ref: unknown): string {
  if (typeof ref !== 'string' || ref.length === 0) throw badRequest('Invalid object identifier in reference.', 'Request_BadRequest');
  const trimmed = ref.replace(/\/+$/, '');
  const paren = /\('([^']+)'\)$/.exec(trimmed) ?? /\(([^)]+)\)$/.exec(trimmed);
  if (paren) return paren[1] as string;
  const last = trimmed.split('/').pop() as string;
  if (!/^[0-9a-fA-F-]{36}$/.test(last)) throw badRequest(`Invalid object identifier '${last}'.`, 'Request_BadRequest');
  return last;
}

export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) throw badRequest('Empty Payload. JSON content expected.', 'BadRequest');
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.', 'BadRequest');
  return body as Record<string, unknown>;
}

export function parseWrite(ctx: GraphContext, body: unknown, rules: WriteRules, mode: 'create' | 'update' | 'replace', currentId?: string): ParsedWrite {
  const input = requireObjectBody(body);
  const declaredType = typeof input['@odata.type'] === 'string' ? (input['@odata.type'] as string).replace(/^#/, '') : rules.entityType;
  const known = ctx.schema.properties(declaredType) ?? ctx.schema.properties(rules.entityType);
  const check = ctx.schema.valueChecker(ctx.schema.properties(declaredType) ? declaredType : rules.entityType);
  const props: Record<string, unknown> = {};
  const binds: Record<string, string[]> = {};
  let bindCount = 0;
  for (const [key, value] of Object.entries(input)) {
    if (key.endsWith('@odata.bind')) {
      const nav = key.slice(0, -'@odata.bind'.length);
      const refs = Array.isArray(value) ? value : [value];
      bindCount += refs.length;
      binds[nav] = refs.map(idFromReference);
      continue;
    }
    if (key === '@odata.type') {
      props[key] = `#${declaredType}`;
      continue;
    }
    if (key.startsWith('@') || key.includes('@odata.')) continue;
    if (rules.ignored?.includes(key)) continue;
    if (key === 'id') {
      if (mode === 'create' && rules.clientKey) {
        props.id = value;
        continue;
      }
      if (mode !== 'create' && value === currentId) continue;
      throw badRequest(`Property 'id' is read-only and cannot be set.`);
    }
    if (known && !known.has(key) && !rules.extraWritable?.includes(key)) throw badRequest(`Invalid property '${key}'.`);
    if (rules.readOnly?.includes(key)) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    if (mode !== 'create' && rules.immutable?.includes(key)) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    const problem = check?.(key, value);
    if (problem) throw badRequest(problem, 'BadRequest');
    props[key] = value;
  }
  if (bindCount > MAX_BINDS_PER_REQUEST) {
    throw badRequest(`The request contains ${bindCount} references; at most ${MAX_BINDS_PER_REQUEST} can be added in one request.`);
  }
  if (mode === 'create' || mode === 'replace') {
    for (const r of rules.required ?? []) {
      if (props[r] === undefined || props[r] === null || props[r] === '') {
        throw badRequest(`A value is required for property '${r}' of resource '${rules.resourceName}'.`);
      }
    }
  }
  return { props, binds };
}
