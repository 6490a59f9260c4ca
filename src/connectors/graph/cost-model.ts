/**
 * Graph's published throttling model as data: which limits ("buckets") a request counts
 * against, how much it costs in each, and the limits themselves per tenant size.
 *
 * Sources (../shared/facts/graph-api.md §1 and https://learn.microsoft.com/graph/throttling-limits):
 * - Identity and access (§1.2): per app and tenant, resource units (RU) S 3,500 / M 5,000 /
 *   L 8,000 per 10 s and 3,000 writes per 150 s; base RU cost per path (table below), `$select`
 *   −1, `$expand` +1, `$top` < 20 −1, never below 1.
 * - Intune (§1.3): per app and tenant 1,000 requests and 100 writes per 20 s.
 * - Identity protection and conditional access (§1.4): 1 request per second per tenant, all apps,
 *   without Retry-After.
 * - Identity and access reports (throttling-limits page, "Identity and access reports service
 *   limits"; contrib includes/throttling-entra-logs-reports.md @161a8feb): 5 requests per 10 s per
 *   app and tenant; covers auditLogRoot and authenticationMethod (a user's methods, every kind).
 * - Exchange Online admin API: no published limit [I]; a cautious 100 requests per 10 s.
 *
 * Guarantees: pure functions; every request lands in at least one bucket; unknown Graph paths
 * count as directory requests of cost 1 (the published default) [I].
 * Not guaranteed: the real cost — the scheduler learns it from `x-ms-resource-unit`.
 */

export type TenantSize = 'small' | 'medium' | 'large';
export type BucketName = 'directory' | 'directoryWrite' | 'intune' | 'intuneWrite' | 'conditionalAccess' | 'reports' | 'exchange';

export interface BucketLimit {
  /** Units (RU or requests) allowed per window. */
  readonly capacity: number;
  readonly windowMs: number;
}

const DIRECTORY_RU: Readonly<Record<TenantSize, number>> = { small: 3500, medium: 5000, large: 8000 };

export function defaultLimits(size: TenantSize): Readonly<Record<BucketName, BucketLimit>> {
  return {
    directory: { capacity: DIRECTORY_RU[size], windowMs: 10_000 },
    directoryWrite: { capacity: 3000, windowMs: 150_000 },
    intune: { capacity: 1000, windowMs: 20_000 },
    intuneWrite: { capacity: 100, windowMs: 20_000 },
    conditionalAccess: { capacity: 1, windowMs: 1_000 },
    reports: { capacity: 5, windowMs: 10_000 },
    exchange: { capacity: 100, windowMs: 10_000 },
  };
}

/** The services that do not send Retry-After on 429 (§1.4): back off on our own. */
export const NO_RETRY_AFTER: ReadonlySet<BucketName> = new Set(['conditionalAccess']);

export interface RequestShape {
  readonly method: string;
  /** Path with query, relative to the version root (`/users?$select=id`), or a whole URL. */
  readonly url: string;
  /** Which endpoint the request goes to; Exchange has its own bucket. */
  readonly endpoint?: 'graph' | 'exchange';
}

export interface Classification {
  /** Stable key for learning costs: method, path template and the modifiers that change cost. */
  readonly costKey: string;
  readonly charges: ReadonlyArray<{ readonly bucket: BucketName; readonly cost: number }>;
  readonly write: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** POSTs that only read (cost like GETs, no write quota). */
const READ_ACTIONS = /\/(getbyids|getobjectsbyid|getmembergroups|getmemberobjects|checkmembergroups|checkmemberobjects|ismemberof|invokecommand)$/;

/** Base RU costs from the identity and access table (§1.2); paths are normalised templates. */
const BASE_COSTS: ReadonlyArray<readonly [string, RegExp, number]> = [
  ['GET', /^\/applications(\/delta)?$/, 2],
  ['GET', /^\/applications\/\{id\}\/extensionproperties$/, 2],
  ['GET', /^\/oauth2permissiongrants(\/delta|\/\{id\})?$/, 2],
  ['GET', /^\/serviceprincipals\/\{id\}\/approleassignments$/, 2],
  ['GET', /^\/users(\/delta)?$/, 2],
  ['GET', /^\/users\/\{id\}\/(memberof|ownedobjects|transitivememberof|licensedetails)$/, 2],
  ['POST', /^\/users\/\{id\}\/(getmembergroups|getmemberobjects)$/, 2],
  ['GET', /^\/contracts$/, 3],
  ['POST', /^\/directoryobjects\/getbyids$/, 3],
  ['POST', /^\/getobjectsbyid$/, 3],
  ['GET', /^\/groups\/\{id\}\/members$/, 3],
  ['GET', /^\/subscribedskus$/, 3],
  ['GET', /^\/domains\/\{id\}\/domainnamereferences$/, 4],
  ['POST', /^\/(groups|users)\/\{id\}\/(checkmembergroups|checkmemberobjects)$/, 4],
  ['POST', /^\/ismemberof$/, 4],
  ['GET', /^\/groups\/\{id\}\/transitivemembers$/, 5],
];

const ID_SEGMENT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)$/i;

export interface ParsedRequestUrl {
  /** Lower-case path without version, ids replaced by `{id}`. */
  readonly template: string;
  readonly query: URLSearchParams;
  /** A nextLink or deltaLink: its query options are encoded in the token, invisible here. */
  readonly continuation: boolean;
}

/** Normalises `/v1.0/users/{guid}/members?$top=5` (or a whole URL) into a template and its query. */
export function parseRequestUrl(url: string): ParsedRequestUrl {
  const parsed = new URL(url, 'http://relative.invalid');
  const segments = parsed.pathname.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
  let i = 0;
  // Skip any path prefix of a custom cloud, then the version segment.
  const versionAt = segments[0] === 'adminapi' ? -1 : segments.findIndex((s) => s === 'v1.0' || s === 'beta');
  if (versionAt !== -1) i = versionAt + 1;
  const out: string[] = [];
  for (; i < segments.length; i++) {
    const segment = segments[i]!;
    const previous = out[out.length - 1];
    const isId = ID_SEGMENT.test(segment) || segment.includes('@')
      || (segment.includes('.') && !segment.toLowerCase().startsWith('microsoft.graph.'))
      || previous === 'domains';
    out.push(isId ? '{id}' : segment.toLowerCase());
  }
  const query = parsed.searchParams;
  const continuation = ['$skiptoken', '$deltatoken', '$skip'].some((k) => [...query.keys()].some((q) => q.toLowerCase() === k));
  return { template: `/${out.join('/')}`, query, continuation };
}

function queryValue(query: URLSearchParams, name: string): string | null {
  for (const [key, value] of query) if (key.toLowerCase() === name) return value;
  return null;
}

/**
 * A user's authentication methods, all kinds (`methods`, `phoneMethods`, `fido2Methods`, …): the
 * authenticationMethod resource of the reports limits. The methods policy
 * (`/policies/authenticationMethodsPolicy`) is in no published list and stays a directory request [I].
 */
const AUTHENTICATION_METHODS = /^\/users\/\{id\}\/authentication\/(methods|[a-z0-9]+methods)(\/|$)/;

/** The bucket family of a path template. */
export function serviceOf(template: string, endpoint: 'graph' | 'exchange' = 'graph'): 'directory' | 'intune' | 'conditionalAccess' | 'reports' | 'exchange' {
  if (endpoint === 'exchange' || template.startsWith('/adminapi/')) return 'exchange';
  if (template.startsWith('/devicemanagement') || template.startsWith('/deviceappmanagement')) return 'intune';
  if (template.startsWith('/identity/conditionalaccess') || template.startsWith('/identityprotection')) return 'conditionalAccess';
  if (template.startsWith('/auditlogs') || template.startsWith('/reports') || AUTHENTICATION_METHODS.test(template)) return 'reports';
  return 'directory';
}

/** Where a request is charged and what it costs there, before any learning from headers. */
export function classifyRequest(request: RequestShape): Classification {
  const method = request.method.toUpperCase();
  const { template, query, continuation } = parseRequestUrl(request.url);
  const service = serviceOf(template, request.endpoint);
  const write = WRITE_METHODS.has(method) && !READ_ACTIONS.test(template);
  const charges: Array<{ bucket: BucketName; cost: number }> = [];
  let modifiers = '';
  if (service === 'directory') {
    let cost = 1;
    for (const [m, pattern, base] of BASE_COSTS) {
      if (m === method && pattern.test(template)) {
        cost = base;
        break;
      }
    }
    if (!continuation) {
      const top = Number(queryValue(query, '$top'));
      const applied = [
        [queryValue(query, '$select') !== null, -1, 's'],
        [queryValue(query, '$expand') !== null, +1, 'e'],
        [Number.isFinite(top) && top > 0 && top < 20, -1, 't'],
      ] as const;
      for (const [present, delta, flag] of applied) {
        if (!present) continue;
        cost += delta;
        modifiers += flag;
      }
    } else {
      modifiers = 'c';
    }
    charges.push({ bucket: 'directory', cost: Math.max(1, cost) });
    if (write) charges.push({ bucket: 'directoryWrite', cost: 1 });
  } else if (service === 'intune') {
    charges.push({ bucket: 'intune', cost: 1 });
    if (write) charges.push({ bucket: 'intuneWrite', cost: 1 });
  } else {
    charges.push({ bucket: service, cost: 1 });
  }
  return { costKey: `${method} ${template}${modifiers ? `#${modifiers}` : ''}`, charges, write };
}
