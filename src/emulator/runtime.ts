/**
 * `EmulatorRuntime`: the state of one emulated cloud — its tenants, signing key, clock, throttling,
 * faults, statistics, the Graph service with its modules, and the sign-in service. The HTTP
 * server (server.ts) and the control API (control.ts) are thin layers over it.
 *
 * Guarantees: tenants are found by GUID, initial domain, any domain in their `domains` store, or
 * short name; `reset` regenerates a tenant from its spec (same seed → same state); a token is
 * accepted only if this runtime signed it, for a hosted tenant, within its lifetime.
 */
import type { Logger } from '../logging/index.js';
import { silentLogger } from '../logging/index.js';
import type { Clock } from '../clock.js';
import { FaultInjector, type FaultOptions } from './faults.js';
import { GraphError } from './graph/errors.js';
import type { GraphModule } from './graph/module.js';
import { GraphService } from './graph/service.js';
import { createBatchRoute } from './graph/batch.js';
import type { Caller } from './graph/types.js';
import { generateTenant, type GeneratedTenant, type TenantSpec } from './generate/directory.js';
import { loadFamilies } from './generate/families-hook.js';
import { applicationByAppId, servicePrincipalByAppId, type RegisteredApp } from './directory/apps.js';
import { GRAPH_AUDIENCES } from './login/first-party.js';
import { LoginService, type LoginSettings } from './login/service.js';
import { TokenVerifier, createSigningKey, type SigningKey, type TokenClaims } from './login/tokens.js';
import type { TenantState } from './state/tenant.js';
import type { Entity } from './state/store.js';
import { Stats } from './stats.js';
import { Throttler, type ThrottleLimitOverrides } from './throttle/index.js';

export interface HostedTenant {
  readonly spec: TenantSpec;
  state: TenantState;
  admin: RegisteredApp;
  /** The user delegated sign-ins use (default: the tenant's first user, a Global Administrator). */
  signInUserId: string;
  generated: GeneratedTenant;
}

export interface RuntimeOptions {
  clock: Clock;
  logger?: Logger;
  throttle?: boolean;
  throttleLimits?: ThrottleLimitOverrides;
  faults?: FaultOptions;
  modules: readonly GraphModule[];
  login?: Partial<LoginSettings>;
}

const WWW_AUTHENTICATE = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export class EmulatorRuntime {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly throttler: Throttler;
  readonly faults: FaultInjector;
  readonly stats = new Stats();
  readonly graph: GraphService;
  readonly login: LoginService;
  readonly loginSettings: LoginSettings;
  private readonly tenants = new Map<string, HostedTenant>();
  private verifier: TokenVerifier;
  private callers = new Map<string, { caller: Caller; tenant: TenantState }>();

  private constructor(readonly key: SigningKey, options: RuntimeOptions) {
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger;
    this.throttler = new Throttler(options.clock, options.throttle ?? true, options.throttleLimits);
    this.faults = new FaultInjector(options.faults ?? { rate: 0 });
    this.verifier = new TokenVerifier(key);
    this.loginSettings = { tokenLifetimeSeconds: 3599, deviceCodeIntervalSeconds: 5, ...options.login };
    this.graph = new GraphService({
      clock: this.clock,
      throttler: this.throttler,
      faults: this.faults,
      stats: this.stats,
      logger: this.logger,
      authenticate: (authorization) => this.authenticate(authorization, GRAPH_AUDIENCES),
    });
    for (const m of options.modules) this.graph.register(m);
    this.graph.addRoute(createBatchRoute(this.graph));
    this.login = new LoginService({
      clock: this.clock,
      key,
      settings: this.loginSettings,
      resolveTenant: (segment, clientId) => this.resolveTenant(segment, clientId),
      signInUser: (tenant, hint) => this.signInUser(tenant, hint),
    });
  }

  static async create(options: RuntimeOptions): Promise<EmulatorRuntime> {
    return new EmulatorRuntime(await createSigningKey(), options);
  }

  async addTenant(spec: TenantSpec): Promise<HostedTenant> {
    const name = spec.name.toLowerCase();
    if ([...this.tenants.values()].some((t) => t.state.name === name)) throw new Error(`tenant ${name} already exists`);
    const hosted = await this.build(spec);
    this.tenants.set(hosted.state.tenantId, hosted);
    return hosted;
  }

  private async build(spec: TenantSpec): Promise<HostedTenant> {
    const started = Date.now();
    const generated = generateTenant(spec, this.clock);
    await loadFamilies(generated.state, generated.context, this.logger);
    for (const m of this.graph.modules) m.initTenant?.(generated.state, generated.context);
    this.logger.info({ tenant: spec.name, ms: Date.now() - started }, 'emulator tenant generated');
    return { spec, state: generated.state, admin: generated.admin, signInUserId: generated.signInUserId, generated };
  }

  /** Regenerates a tenant from its spec (same IDs and credentials); statistics are cleared too. */
  async resetTenant(tenantId: string): Promise<HostedTenant> {
    const current = this.tenants.get(tenantId);
    if (!current) throw new Error(`unknown tenant ${tenantId}`);
    const hosted = await this.build(current.spec);
    this.tenants.set(tenantId, hosted);
    this.stats.reset(tenantId);
    return hosted;
  }

  listTenants(): HostedTenant[] {
    return [...this.tenants.values()];
  }

  tenant(key: string): HostedTenant | undefined {
    const direct = this.tenants.get(key);
    if (direct) return direct;
    const k = key.toLowerCase();
    for (const t of this.tenants.values()) {
      if (t.state.tenantId === k || t.state.name === k || t.state.domain === k) return t;
    }
    for (const t of this.tenants.values()) {
      if (t.state.store('domains').has(k)) return t;
    }
    return undefined;
  }

  resolveTenant(segment: string, clientId?: string): TenantState | undefined {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations') {
      if (!clientId) return this.tenants.size === 1 ? this.listTenants()[0]?.state : undefined;
      return this.listTenants().find((t) => applicationByAppId(t.state, clientId))?.state;
    }
    return this.tenant(s)?.state;
  }

  signInUser(tenant: TenantState, hint?: string): Entity | undefined {
    const users = tenant.store('users');
    if (hint) {
      const byId = users.get(hint);
      if (byId) return byId;
      const h = hint.toLowerCase();
      for (const u of users.values()) if (String(u.userPrincipalName).toLowerCase() === h) return u;
      return undefined;
    }
    const hosted = this.tenants.get(tenant.tenantId);
    return hosted ? users.get(hosted.signInUserId) : undefined;
  }

  /** Validates a bearer token for one of `audiences`; the 401 follows Graph's wording. */
  async authenticate(authorization: string | undefined, audiences: ReadonlySet<string>): Promise<{ caller: Caller; tenant: TenantState; claims: TokenClaims } | { error: GraphError }> {
    const unauthorized = (message: string): { error: GraphError } => ({
      error: new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': WWW_AUTHENTICATE }),
    });
    const token = authorization?.replace(/^Bearer(\s+|$)/i, '').trim();
    const result = await this.verifier.verify(token, this.clock.now(), audiences);
    if ('problem' in result) {
      switch (result.problem) {
        case 'empty': return unauthorized('Access token is empty.');
        case 'expired': return unauthorized('Access token has expired or is not yet valid.');
        case 'audience': return unauthorized('Access token validation failure. Invalid audience.');
        case 'malformed': return unauthorized('IDX14100: JWT is not well formed, there are no dots (.).');
        default: return unauthorized('Access token validation failure.');
      }
    }
    const claims = result.claims;
    const hosted = this.tenants.get(claims.tid);
    if (!hosted) return unauthorized('Access token validation failure.');
    const tenant = hosted.state;
    // Callers are cached per token (the lookups below scan the tenant's service principals).
    const cached = this.callers.get(token as string);
    if (cached && cached.tenant === tenant) return { caller: cached.caller, tenant, claims };
    const appId = String(claims.appid ?? claims.azp ?? '');
    const sp = servicePrincipalByAppId(tenant, appId);
    const delegated = claims.idtyp === 'user' || typeof claims.scp === 'string';
    const caller: Caller = {
      tenantId: tenant.tenantId,
      appId,
      appDisplayName: typeof claims.app_displayname === 'string' ? claims.app_displayname : null,
      servicePrincipalId: sp?.id ?? null,
      kind: delegated ? 'delegated' : 'application',
      userId: delegated ? String(claims.oid) : null,
      userPrincipalName: delegated && typeof claims.upn === 'string' ? claims.upn : null,
      roles: new Set(Array.isArray(claims.roles) ? (claims.roles as string[]) : []),
      scopes: new Set(typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : []),
    };
    if (this.callers.size >= 5_000) this.callers.clear();
    this.callers.set(token as string, { caller, tenant });
    return { caller, tenant, claims };
  }
}
