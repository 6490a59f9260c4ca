/**
 * The emulated Microsoft Graph: one pipeline every request goes through, whether it came over
 * HTTP, from inside a `$batch`, or from a test in-process:
 *
 *   authenticate (401) → route (overrides first, 400/405) → permissions (403)
 *   → faults → throttling (429) → handler → headers (request-id, resource units) → stats
 *
 * Guarantees: every error body has Graph's shape with the request's IDs; `request-id` and
 * `client-request-id` headers are always set; stats count every request that reached a tenant;
 * every 2xx write on an Intune route appends one event to Intune's audit log (intune/audit.ts).
 * Per-test overrides (msw-style `use`) win over built-in routes and can delegate to them with
 * `ctx.next()`; they keep the built-in route's permissions and throttling when one matches.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logging/index.js';
import type { Clock } from '../../clock.js';
import type { FaultInjector } from '../faults.js';
import { FAULT_RESPONSES } from '../faults.js';
import { appendIntuneAudit, planIntuneAudit } from '../intune/audit.js';
import { appendAudit } from '../state/audit.js';
import type { TenantState } from '../state/tenant.js';
import type { Stats } from '../stats.js';
import type { Throttler } from '../throttle/index.js';
import { GraphError, errorBody, errorResponse, innerErrorDate, methodNotAllowed, segmentNotFound, type RequestIds } from './errors.js';
import type { GraphModule } from './module.js';
import { parseQuery } from './odata/query.js';
import { checkPermission } from './permissions.js';
import { Router } from './router.js';
import { combineCatalogs, type PropertyCatalog } from './schema-catalog.js';
import { GRAPH_VERSIONS, type Caller, type GraphContext, type GraphRequest, type GraphResponse, type GraphVersion, type HttpMethod, type RouteHandler, type RouteSpec } from './types.js';

export interface GraphHost {
  readonly clock: Clock;
  readonly throttler: Throttler;
  readonly faults: FaultInjector;
  readonly stats: Stats;
  readonly logger: Logger;
  /** Resolves the bearer token to a caller and its tenant, or the 401 to answer. */
  authenticate(authorization: string | undefined): Promise<{ caller: Caller; tenant: TenantState } | { error: GraphError }>;
}

export interface OverrideSpec {
  readonly method: HttpMethod;
  /** Template (`/users/{id}`) or concrete path, relative to the version root. */
  readonly path: string;
  readonly versions?: readonly GraphVersion[];
  /** Only for this tenant (ID or name). */
  readonly tenant?: string;
  /** Remove the override after this many uses. */
  readonly times?: number;
  readonly handler: RouteHandler;
}

interface OverrideEntry extends OverrideSpec {
  remaining: number;
}

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export class GraphService {
  private readonly router = new Router<RouteSpec>();
  private overrides: OverrideEntry[] = [];
  private overrideRouter = new Router<OverrideEntry[]>();
  private catalogs: PropertyCatalog[] = [];
  private catalog: PropertyCatalog = combineCatalogs([]);
  readonly modules: GraphModule[] = [];

  constructor(private readonly host: GraphHost) {}

  register(module: GraphModule): void {
    this.modules.push(module);
    for (const r of module.routes) this.addRoute(r);
    if (module.catalog && !this.catalogs.includes(module.catalog)) {
      this.catalogs.push(module.catalog);
      this.catalog = combineCatalogs(this.catalogs);
    }
  }

  addRoute(r: RouteSpec): void {
    for (const v of r.versions ?? GRAPH_VERSIONS) this.router.add(v, r.method, r.path, r);
  }

  /** Registers a per-test override; returns a function that removes it. */
  use(spec: OverrideSpec): () => void {
    const entry: OverrideEntry = { ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY };
    this.overrides.push(entry);
    this.rebuildOverrides();
    return () => {
      this.overrides = this.overrides.filter((o) => o !== entry);
      this.rebuildOverrides();
    };
  }

  resetOverrides(): void {
    this.overrides = [];
    this.rebuildOverrides();
  }

  private rebuildOverrides(): void {
    this.overrideRouter = new Router();
    const byKey = new Map<string, OverrideEntry[]>();
    for (const o of this.overrides) {
      for (const v of o.versions ?? GRAPH_VERSIONS) {
        const key = `${v} ${o.method} ${o.path}`;
        let list = byKey.get(key);
        if (!list) {
          list = [];
          byKey.set(key, list);
          this.overrideRouter.add(v, o.method, o.path, list);
        }
        list.push(o);
      }
    }
  }

  /** Handles one request end to end (HTTP entry point). */
  async handle(req: GraphRequest): Promise<GraphResponse> {
    const ids = this.ids(req);
    const auth = await this.host.authenticate(req.headers['authorization']);
    if ('error' in auth) return this.finish(errorResponse(auth.error, ids), ids);
    return this.dispatch(req, auth.caller, auth.tenant, ids, true);
  }

  /** Runs a request for an already authenticated caller (used by `$batch` for its items). */
  async dispatch(req: GraphRequest, caller: Caller, tenant: TenantState, ids = this.ids(req), withFaults = false): Promise<GraphResponse> {
    const host = this.host;
    const matched = this.router.match(req.version, req.method, req.path);
    const override = this.findOverride(req, tenant);
    const builtIn = matched.kind === 'match' ? matched.match : undefined;
    // Unknown paths are counted under one key, so stats stay small whatever clients send.
    const template = override?.template ?? builtIn?.template ?? '(unknown)';
    const endpoint = `${req.method} ${template}`;
    const spec = builtIn?.route;
    const record = (res: GraphResponse, extra: { resourceUnits?: number; throttled?: boolean; fault?: boolean } = {}): GraphResponse => {
      host.stats.record({
        tenantId: tenant.tenantId, appId: caller.appId, endpoint, resourceUnits: extra.resourceUnits ?? 0, write: req.method !== 'GET',
        throttled: extra.throttled ?? false, fault: extra.fault ?? false, status: res.status,
      });
      return this.finish(res, ids);
    };

    if (!override && matched.kind !== 'match') {
      const err = matched.kind === 'method' ? methodNotAllowed() : segmentNotFound(matched.segment);
      return record(errorResponse(err, ids));
    }
    if (spec) {
      const denied = checkPermission(spec.permissions, caller);
      if (denied) return record(errorResponse(denied, ids));
    }

    if (withFaults && req.headers['x-emulator-no-faults'] !== '1') {
      const fault = host.faults.draw();
      if (fault) {
        if (fault.kind === 'reset') return record({ status: 0, resetConnection: true }, { fault: true });
        if (fault.kind === 'slow') await host.clock.sleep(fault.slowMs);
        else {
          const f = FAULT_RESPONSES[fault.kind];
          const headers: Record<string, string> = {};
          if (fault.kind === 'throttle') headers['retry-after'] = String(fault.retryAfterSeconds);
          const inner = fault.kind === 'throttle' ? { code: '429', message: 'Please retry after', status: '429' } : {};
          return record({ status: f.status, headers, body: errorBody(f.code, f.message, ids, inner) }, { fault: true, throttled: fault.kind === 'throttle' });
        }
      }
    }

    const query = parseQuery(req.rawQuery);
    const throttle = host.throttler.evaluate({
      appId: caller.appId, tenantId: tenant.tenantId, userCount: tenant.userCount, throttleClass: spec?.throttle ?? 'identity',
      baseCost: spec?.cost ?? 1, write: spec?.write ?? req.method !== 'GET', query,
    });
    if (!throttle.ok) {
      const body = errorBody('TooManyRequests', 'Please retry again later.', ids, { code: '429', message: 'Please retry after', status: '429' });
      return record({ status: 429, headers: throttle.headers, body }, { resourceUnits: throttle.resourceUnits, throttled: true });
    }

    const ctx = this.context(req, caller, tenant, query, builtIn?.params ?? {}, template, ids);
    // Intune keeps its own audit log: one event per successful write on an Intune route.
    const intunePlan = spec?.throttle === 'intune' && builtIn ? planIntuneAudit(req.version, req.method, builtIn.template, builtIn.params) : undefined;
    const before = intunePlan?.objectPath !== undefined ? await this.read(req, caller, tenant, ids, intunePlan.objectPath) : undefined;
    let res: GraphResponse;
    try {
      if (override) {
        const next = async (): Promise<GraphResponse> => (builtIn ? builtIn.route.handler({ ...ctx, params: builtIn.params }) : errorResponse(segmentNotFound(req.path), ids));
        res = await override.entry.handler({ ...ctx, params: override.params, next });
      } else {
        res = await (spec as RouteSpec).handler(ctx);
      }
    } catch (err) {
      if (err instanceof GraphError) res = errorResponse(err, ids);
      else {
        host.logger.error({ err, path: req.path }, 'emulator handler failed');
        res = errorResponse(new GraphError(500, 'InternalServerError', `The emulator failed: ${err instanceof Error ? err.message : String(err)}`), ids);
      }
    }
    if (intunePlan && res.status >= 200 && res.status < 300) {
      const after = intunePlan.operation === 'Patch' && intunePlan.objectPath !== undefined ? await this.read(req, caller, tenant, ids, intunePlan.objectPath) : undefined;
      appendIntuneAudit(tenant, intunePlan, { caller, response: res, before, after, requestBody: req.body, clientRequestId: req.headers['client-request-id'] });
    }
    res.headers = { ...throttle.headers, ...res.headers };
    return record(res, { resourceUnits: throttle.resourceUnits });
  }

  /**
   * The object at `path` as the built-in GET route returns it, for audit records: no permission
   * check, throttling or stats (the emulator reading its own state); undefined when not a 200.
   */
  private async read(req: GraphRequest, caller: Caller, tenant: TenantState, ids: RequestIds, path: string): Promise<Record<string, unknown> | undefined> {
    const m = this.router.match(req.version, 'GET', path);
    if (m.kind !== 'match') return undefined;
    const get: GraphRequest = { ...req, method: 'GET', path, rawQuery: '', body: undefined, rawBody: undefined };
    try {
      const res = await m.match.route.handler(this.context(get, caller, tenant, parseQuery(''), m.match.params, m.match.template, ids));
      const body = res.body;
      return res.status === 200 && body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private findOverride(req: GraphRequest, tenant: TenantState): { entry: OverrideEntry; template: string; params: Record<string, string> } | undefined {
    if (this.overrides.length === 0) return undefined;
    const m = this.overrideRouter.match(req.version, req.method, req.path);
    if (m.kind !== 'match') return undefined;
    const entry = m.match.route.find((o) => o.remaining > 0 && (!o.tenant || o.tenant === tenant.tenantId || o.tenant === tenant.name));
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) {
      this.overrides = this.overrides.filter((o) => o !== entry);
      this.rebuildOverrides();
    }
    return { entry, template: m.match.template, params: m.match.params };
  }

  private context(req: GraphRequest, caller: Caller, tenant: TenantState, query: GraphContext['query'], params: Record<string, string>, template: string, ids: RequestIds): GraphContext {
    const serviceRoot = `${req.origin}/${req.version}`;
    const catalog = this.catalog;
    const version = req.version;
    return {
      request: req,
      version,
      params,
      template,
      tenant,
      caller,
      clock: this.host.clock,
      query,
      schema: {
        properties: (type) => catalog.properties(version, type),
        defaults: (type) => catalog.defaults?.(version, type),
        valueProjector: (type) => catalog.valueProjector?.(version, type),
        valueChecker: (type) => catalog.valueChecker?.(version, type),
      },
      serviceRoot,
      contextUrl: (fragment) => `${serviceRoot}/$metadata#${fragment}`,
      audit: (entry) => {
        appendAudit(tenant, {
          appId: caller.appId, appDisplayName: caller.appDisplayName, servicePrincipalId: caller.servicePrincipalId,
          userId: caller.userId, userPrincipalName: caller.userPrincipalName,
        }, entry, ids.clientRequestId);
      },
      next: async () => errorResponse(segmentNotFound(req.path), ids),
    };
  }

  private ids(req: GraphRequest): RequestIds {
    const requestId = randomUUID();
    return { requestId, clientRequestId: req.headers['client-request-id'] ?? requestId, date: innerErrorDate(this.host.clock.now()) };
  }

  private finish(res: GraphResponse, ids: RequestIds): GraphResponse {
    const headers: Record<string, string> = {
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
      'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"EMULATOR"}}',
      ...res.headers,
    };
    if (res.body !== undefined && headers['content-type'] === undefined && typeof res.body !== 'string' && !Buffer.isBuffer(res.body)) {
      headers['content-type'] = JSON_TYPE;
      headers['odata-version'] = '4.0';
    }
    return { ...res, headers };
  }
}
