/**
 * Request statistics per tenant, per app and per endpoint template (`GET /users/{id}`): requests,
 * resource units, writes, throttled responses, injected faults and errors. Cheap enough to update
 * on every request (a few map lookups), so it is always on.
 */

export interface Counters {
  requests: number;
  resourceUnits: number;
  writes: number;
  throttled: number;
  faults: number;
  errors: number;
}

export interface StatsEvent {
  readonly tenantId: string;
  readonly appId: string;
  /** `METHOD /template`, e.g. `GET /users/{id}`. */
  readonly endpoint: string;
  readonly resourceUnits: number;
  readonly write: boolean;
  readonly throttled: boolean;
  readonly fault: boolean;
  readonly status: number;
}

export interface AppStats extends Counters {
  readonly endpoints: Record<string, Counters>;
}

export interface TenantStats extends Counters {
  readonly apps: Record<string, AppStats>;
}

const zero = (): Counters => ({ requests: 0, resourceUnits: 0, writes: 0, throttled: 0, faults: 0, errors: 0 });

function add(c: Counters, e: StatsEvent): void {
  c.requests++;
  c.resourceUnits += e.resourceUnits;
  if (e.write) c.writes++;
  if (e.throttled) c.throttled++;
  if (e.fault) c.faults++;
  if (e.status >= 400) c.errors++;
}

export class Stats {
  private tenants = new Map<string, { totals: Counters; apps: Map<string, { totals: Counters; endpoints: Map<string, Counters> }> }>();

  record(e: StatsEvent): void {
    let t = this.tenants.get(e.tenantId);
    if (!t) {
      t = { totals: zero(), apps: new Map() };
      this.tenants.set(e.tenantId, t);
    }
    let a = t.apps.get(e.appId);
    if (!a) {
      a = { totals: zero(), endpoints: new Map() };
      t.apps.set(e.appId, a);
    }
    let ep = a.endpoints.get(e.endpoint);
    if (!ep) {
      ep = zero();
      a.endpoints.set(e.endpoint, ep);
    }
    add(t.totals, e);
    add(a.totals, e);
    add(ep, e);
  }

  tenant(tenantId: string): TenantStats {
    const t = this.tenants.get(tenantId);
    if (!t) return { ...zero(), apps: {} };
    const apps: Record<string, AppStats> = {};
    for (const [appId, a] of t.apps) {
      apps[appId] = { ...a.totals, endpoints: Object.fromEntries([...a.endpoints].map(([k, v]) => [k, { ...v }])) };
    }
    return { ...t.totals, apps };
  }

  reset(tenantId?: string): void {
    if (tenantId === undefined) this.tenants.clear();
    else this.tenants.delete(tenantId);
  }
}
