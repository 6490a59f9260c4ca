/**
 * Graph throttling as published (facts §1.2–1.5), evaluated per request:
 *
 * - identity (Entra directory): resource units per app+tenant by tenant size
 *   (S < 50 users: 3,500 / 10 s; M ≤ 500: 5,000 / 10 s; L: 8,000 / 10 s) and per app across
 *   tenants (150,000 / 20 s); writes per app+tenant (3,000 / 150 s), per tenant (18,000 / 300 s)
 *   and per app (70,000 / 300 s). Cost = route base cost, −1 with `$select`, +1 with `$expand`,
 *   −1 with `$top` < 20, never below 1. Successful responses carry `x-ms-resource-unit` and, above
 *   80 % use, `x-ms-throttle-limit-percentage`.
 * - intune: 1,000 requests and 100 writes per 20 s per app+tenant; 2,000 / 200 per tenant.
 * - conditionalAccess: 1 request/s per tenant; its 429 has no Retry-After.
 * - reports (audit logs): 5 requests per 10 s per app+tenant (throttling-limits page, "Identity
 *   and access reports service limits"; the connectors' cost model uses the same figure).
 *
 * A throttled response has Graph's 429 body, `Retry-After` in seconds (may be fractional),
 * `x-ms-throttle-scope` (`<Scope>/<Limit>/<appId>/<tenantId>`) and `x-ms-throttle-information`.
 * With throttling disabled nothing is refused but resource units are still reported.
 */
import type { Clock } from '../../clock.js';
import type { ODataQuery } from '../graph/odata/query.js';
import type { ThrottleClass } from '../graph/types.js';
import { TokenBucket } from './bucket.js';

export type SizeClass = 'S' | 'M' | 'L';

export function sizeClassOf(userCount: number): SizeClass {
  return userCount < 50 ? 'S' : userCount <= 500 ? 'M' : 'L';
}

export interface ThrottleLimits {
  identity: {
    ruPerAppTenant: Record<SizeClass, number>;
    ruWindowMs: number;
    ruPerApp: number;
    ruPerAppWindowMs: number;
    writesPerAppTenant: number;
    writesPerAppTenantWindowMs: number;
    writesPerTenant: number;
    writesPerTenantWindowMs: number;
    writesPerApp: number;
    writesPerAppWindowMs: number;
  };
  intune: { requestsPerAppTenant: number; requestsPerTenant: number; writesPerAppTenant: number; writesPerTenant: number; windowMs: number };
  conditionalAccess: { requestsPerTenant: number; windowMs: number };
  reports: { requestsPerAppTenant: number; windowMs: number };
}

/** The published limits (facts §1.2–1.4). */
export const LIMITS: Readonly<ThrottleLimits> = {
  identity: {
    ruPerAppTenant: { S: 3_500, M: 5_000, L: 8_000 },
    ruWindowMs: 10_000,
    ruPerApp: 150_000,
    ruPerAppWindowMs: 20_000,
    writesPerAppTenant: 3_000,
    writesPerAppTenantWindowMs: 150_000,
    writesPerTenant: 18_000,
    writesPerTenantWindowMs: 300_000,
    writesPerApp: 70_000,
    writesPerAppWindowMs: 300_000,
  },
  intune: { requestsPerAppTenant: 1_000, requestsPerTenant: 2_000, writesPerAppTenant: 100, writesPerTenant: 200, windowMs: 20_000 },
  conditionalAccess: { requestsPerTenant: 1, windowMs: 1_000 },
  reports: { requestsPerAppTenant: 5, windowMs: 10_000 },
};

/** Overrides for tests and benchmarks (e.g. a tiny bucket to provoke 429s quickly). */
export interface ThrottleLimitOverrides {
  identity?: Partial<Omit<ThrottleLimits['identity'], 'ruPerAppTenant'>> & { ruPerAppTenant?: Partial<Record<SizeClass, number>> };
  intune?: Partial<ThrottleLimits['intune']>;
  conditionalAccess?: Partial<ThrottleLimits['conditionalAccess']>;
  reports?: Partial<ThrottleLimits['reports']>;
}

export function resolveLimits(overrides: ThrottleLimitOverrides = {}): ThrottleLimits {
  return {
    identity: { ...LIMITS.identity, ...overrides.identity, ruPerAppTenant: { ...LIMITS.identity.ruPerAppTenant, ...overrides.identity?.ruPerAppTenant } },
    intune: { ...LIMITS.intune, ...overrides.intune },
    conditionalAccess: { ...LIMITS.conditionalAccess, ...overrides.conditionalAccess },
    reports: { ...LIMITS.reports, ...overrides.reports },
  };
}

export interface ThrottleRequest {
  readonly appId: string;
  readonly tenantId: string;
  readonly userCount: number;
  readonly throttleClass: ThrottleClass;
  readonly baseCost: number;
  readonly write: boolean;
  readonly query: ODataQuery | undefined;
}

export interface ThrottleDecision {
  readonly ok: boolean;
  /** Resource units this request cost (identity class), for `x-ms-resource-unit`. */
  readonly resourceUnits: number;
  readonly headers: Record<string, string>;
  /** Set when throttled. */
  readonly scope?: string;
  readonly information?: string;
  readonly retryAfterSeconds?: number;
}

/** RU cost with the published modifiers (facts §1.2). */
export function resourceUnitCost(baseCost: number, query: ODataQuery | undefined): number {
  let cost = baseCost;
  if (query) {
    if (query.has('select')) cost -= 1;
    if (query.has('expand')) cost += 1;
    const top = query.params.get('top');
    if (top !== undefined && Number(top) < 20) cost -= 1;
  }
  return Math.max(1, cost);
}

/** Formats seconds as Graph does: up to three decimals, no trailing zeros. */
export function formatRetryAfter(seconds: number): string {
  return String(Math.max(0.001, Math.round(seconds * 1000) / 1000));
}

interface Candidate {
  readonly bucket: TokenBucket;
  readonly cost: number;
  readonly scope: string;
  readonly information: string;
  readonly reportUsage: boolean;
}

export class Throttler {
  enabled: boolean;
  private buckets = new Map<string, TokenBucket>();

  private readonly limits: ThrottleLimits;

  constructor(private readonly clock: Clock, enabled = true, overrides: ThrottleLimitOverrides = {}) {
    this.enabled = enabled;
    this.limits = resolveLimits(overrides);
  }

  reset(): void {
    this.buckets.clear();
  }

  private bucket(key: string, capacity: number, windowMs: number): TokenBucket {
    let b = this.buckets.get(key);
    if (!b || b.capacity !== capacity) {
      b = new TokenBucket(capacity, windowMs, this.clock.now());
      this.buckets.set(key, b);
    }
    return b;
  }

  evaluate(req: ThrottleRequest): ThrottleDecision {
    const now = this.clock.now();
    const { appId, tenantId } = req;
    const candidates: Candidate[] = [];
    let resourceUnits = 0;
    const rw = req.write ? 'Write' : 'Read';
    switch (req.throttleClass) {
      case 'none':
        return { ok: true, resourceUnits: 0, headers: {} };
      case 'identity': {
        const L = this.limits.identity;
        resourceUnits = resourceUnitCost(req.baseCost, req.query);
        const size = sizeClassOf(req.userCount);
        candidates.push({
          bucket: this.bucket(`ru|${appId}|${tenantId}`, L.ruPerAppTenant[size], L.ruWindowMs),
          cost: resourceUnits, scope: `Tenant_Application/${rw}/${appId}/${tenantId}`, information: 'ResourceUnitLimitExceeded', reportUsage: true,
        });
        candidates.push({
          bucket: this.bucket(`ru|${appId}`, L.ruPerApp, L.ruPerAppWindowMs),
          cost: resourceUnits, scope: `Application/${rw}/${appId}/${tenantId}`, information: 'ResourceUnitLimitExceeded', reportUsage: false,
        });
        if (req.write) {
          candidates.push({
            bucket: this.bucket(`w|${appId}|${tenantId}`, L.writesPerAppTenant, L.writesPerAppTenantWindowMs),
            cost: 1, scope: `Tenant_Application/Write/${appId}/${tenantId}`, information: 'WriteLimitExceeded', reportUsage: false,
          });
          candidates.push({
            bucket: this.bucket(`w|${tenantId}`, L.writesPerTenant, L.writesPerTenantWindowMs),
            cost: 1, scope: `Tenant/Write/${appId}/${tenantId}`, information: 'WriteLimitExceeded', reportUsage: false,
          });
          candidates.push({
            bucket: this.bucket(`w|app|${appId}`, L.writesPerApp, L.writesPerAppWindowMs),
            cost: 1, scope: `Application/Write/${appId}/${tenantId}`, information: 'WriteLimitExceeded', reportUsage: false,
          });
        }
        break;
      }
      case 'intune': {
        const L = this.limits.intune;
        candidates.push({ bucket: this.bucket(`in|${appId}|${tenantId}`, L.requestsPerAppTenant, L.windowMs), cost: 1, scope: `Tenant_Application/ReadWrite/${appId}/${tenantId}`, information: 'RequestLimitExceeded', reportUsage: true });
        candidates.push({ bucket: this.bucket(`in|${tenantId}`, L.requestsPerTenant, L.windowMs), cost: 1, scope: `Tenant/ReadWrite/${appId}/${tenantId}`, information: 'RequestLimitExceeded', reportUsage: false });
        if (req.write) {
          candidates.push({ bucket: this.bucket(`inw|${appId}|${tenantId}`, L.writesPerAppTenant, L.windowMs), cost: 1, scope: `Tenant_Application/Write/${appId}/${tenantId}`, information: 'WriteLimitExceeded', reportUsage: false });
          candidates.push({ bucket: this.bucket(`inw|${tenantId}`, L.writesPerTenant, L.windowMs), cost: 1, scope: `Tenant/Write/${appId}/${tenantId}`, information: 'WriteLimitExceeded', reportUsage: false });
        }
        break;
      }
      case 'conditionalAccess': {
        const L = this.limits.conditionalAccess;
        candidates.push({ bucket: this.bucket(`ca|${tenantId}`, L.requestsPerTenant, L.windowMs), cost: 1, scope: `Tenant/ReadWrite/${appId}/${tenantId}`, information: 'RequestLimitExceeded', reportUsage: false });
        break;
      }
      case 'reports': {
        const L = this.limits.reports;
        candidates.push({ bucket: this.bucket(`rp|${appId}|${tenantId}`, L.requestsPerAppTenant, L.windowMs), cost: 1, scope: `Tenant_Application/ReadWrite/${appId}/${tenantId}`, information: 'RequestLimitExceeded', reportUsage: false });
        break;
      }
    }

    const headers: Record<string, string> = {};
    if (req.throttleClass === 'identity') headers['x-ms-resource-unit'] = String(resourceUnits);
    if (!this.enabled) return { ok: true, resourceUnits, headers };

    // Decide on all limits before taking from any, so a refused request is charged consistently.
    const failing = candidates.find((c) => !c.bucket.check(c.cost, now));
    let usage = 0;
    let retryAfterMs = 0;
    for (const c of candidates) {
      const r = c.bucket.take(c.cost, now);
      if (c.reportUsage) usage = r.used;
      if (!r.ok) retryAfterMs = Math.max(retryAfterMs, r.retryAfterMs);
    }
    if (!failing) {
      if (usage > 0.8 && req.throttleClass === 'identity') headers['x-ms-throttle-limit-percentage'] = String(Math.min(1.8, Math.round(usage * 10) / 10));
      return { ok: true, resourceUnits, headers };
    }
    const retryAfterSeconds = retryAfterMs / 1000;
    headers['x-ms-throttle-scope'] = failing.scope;
    headers['x-ms-throttle-information'] = failing.information;
    // Conditional-access limits answer without Retry-After (facts §1.4).
    if (req.throttleClass !== 'conditionalAccess') headers['retry-after'] = formatRetryAfter(retryAfterSeconds);
    return { ok: false, resourceUnits, headers, scope: failing.scope, information: failing.information, retryAfterSeconds };
  }
}
