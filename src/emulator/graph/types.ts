/**
 * The vocabulary of the emulated Graph: requests and responses independent of `node:http` (so
 * `$batch` items and in-process calls go through the same pipeline), the authenticated caller,
 * and route declarations with their permissions and throttling class.
 *
 * A route is the unit everything else is built from: `defineEntitySet` and friends expand into
 * routes, per-test overrides are routes, and stats are kept per route template.
 */
import type { Clock } from '../../clock.js';
import type { AuditEntry } from '../state/audit.js';
import type { TenantState } from '../state/tenant.js';
import type { ODataQuery } from './odata/query.js';

export type GraphVersion = 'v1.0' | 'beta';
export const GRAPH_VERSIONS: readonly GraphVersion[] = ['v1.0', 'beta'];
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GraphRequest {
  readonly method: HttpMethod;
  readonly version: GraphVersion;
  /** Path after the version, decoded, starting with `/` (e.g. `/users/abc/manager/$ref`). */
  readonly path: string;
  /** Raw query string without the leading `?` (kept verbatim for next links). */
  readonly rawQuery: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON body, `undefined` when there is none. */
  readonly body: unknown;
  /** The raw body, for non-JSON payloads (images, XML). */
  readonly rawBody?: Buffer;
  /** `scheme://host[:port]` the request came in on; links in responses use it. */
  readonly origin: string;
  /** Set for requests inside a `$batch`. */
  readonly batchItemId?: string;
}

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable body; a string or Buffer is sent as is. */
  body?: unknown;
  /** Tells the HTTP layer to destroy the socket instead of answering (fault injection). */
  resetConnection?: boolean;
}

/** Who is calling, from the access token. */
export interface Caller {
  readonly tenantId: string;
  /** The client application's appId (`appid`/`azp` claim). */
  readonly appId: string;
  readonly appDisplayName: string | null;
  /** The client's service principal object ID in this tenant, if any. */
  readonly servicePrincipalId: string | null;
  /** `application` for app-only tokens (roles), `delegated` for user tokens (scp). */
  readonly kind: 'application' | 'delegated';
  /** Signed-in user for delegated tokens. */
  readonly userId: string | null;
  readonly userPrincipalName: string | null;
  /** Application permissions (`roles` claim). */
  readonly roles: ReadonlySet<string>;
  /** Delegated permissions (`scp` claim). */
  readonly scopes: ReadonlySet<string>;
}

/**
 * The permissions that open a route: any one listed permission of the token's kind is enough
 * (as in the "Permissions" table of each Graph API page). `public` needs no token at all.
 */
export type PermissionRule =
  | {
      readonly application?: readonly string[];
      readonly delegated?: readonly string[];
      /**
       * Permissions needed as well, every one of them (pages that say "Policy.Read.All and
       * Policy.ReadWrite.ConditionalAccess").
       */
      readonly requires?: { readonly application?: readonly string[]; readonly delegated?: readonly string[] };
    }
  | 'public'
  | 'anyAuthenticated';

/**
 * Which published limit a route counts against (facts §1.2–1.4):
 * `identity` — resource units per app+tenant by tenant size, write quotas;
 * `intune` — 1,000 requests / 100 writes per 20 s per app+tenant, 2,000 / 200 per tenant;
 * `conditionalAccess` — 1 request/s per tenant, 429 without Retry-After;
 * `reports` — identity and access reports (audit logs): 5 requests per 10 s per app+tenant;
 * `none` — not throttled.
 */
export type ThrottleClass = 'identity' | 'intune' | 'conditionalAccess' | 'reports' | 'none';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Template relative to the version root, e.g. `/groups/{id}/members/$ref`. */
  readonly path: string;
  /** Versions that serve it; default both. */
  readonly versions?: readonly GraphVersion[];
  readonly permissions: PermissionRule;
  readonly throttle?: ThrottleClass;
  /** Base resource-unit cost before query modifiers (default 1). */
  readonly cost?: number;
  /** Whether this request counts as a write (default: every method but GET). */
  readonly write?: boolean;
  readonly handler: RouteHandler;
  /** Free text for docs and stats, e.g. `users.list`. */
  readonly name?: string;
}

export type RouteHandler = (ctx: GraphContext) => GraphResponse | Promise<GraphResponse>;

export interface GraphContext {
  readonly request: GraphRequest;
  readonly version: GraphVersion;
  /** Path parameters by the names in the template. */
  readonly params: Readonly<Record<string, string>>;
  /** The template that matched, e.g. `/users/{id}`. */
  readonly template: string;
  readonly tenant: TenantState;
  readonly caller: Caller;
  readonly clock: Clock;
  /** Parsed OData query options (parsing errors surface as Graph 400s when first read). */
  readonly query: ODataQuery;
  /** Property names (and defaults, where the catalog has them) per entity type for this request's version (see schema-catalog.ts). */
  readonly schema: {
    properties(entityType: string): ReadonlySet<string> | undefined;
    defaults(entityType: string): Readonly<Record<string, unknown>> | undefined;
    /** How the type's property values are served in this version; undefined: as stored. */
    valueProjector(entityType: string): ((property: string, value: unknown) => unknown) | undefined;
    /** What a write of the type must not carry inside complex values (a message), if the catalog knows. */
    valueChecker(entityType: string): ((property: string, value: unknown) => string | undefined) | undefined;
  };
  /** `{origin}/{version}` — the Graph root links are built on. */
  readonly serviceRoot: string;
  /** `{serviceRoot}/$metadata#{fragment}`. */
  contextUrl(fragment: string): string;
  /** Appends a directoryAudit record initiated by the caller. */
  audit(entry: AuditEntry): void;
  /**
   * For overrides: the response the built-in route would give (a 400 "segment not found" if
   * there is none). Calling it is optional, as with msw's passthrough.
   */
  next(): Promise<GraphResponse>;
}
