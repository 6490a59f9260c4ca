/**
 * The control API: what tests and operators use to steer the emulated cloud. The same operations
 * are available in-process (`emulator.control`) and over HTTP under `/_emulator` (no auth; the
 * server only answers it from loopback addresses). Control requests are never faulted, throttled
 * or counted in stats.
 *
 * Operations: create/list/reset tenants, register an app with chosen permissions (application +
 * service principal + admin consent + secret [+ certificate]), statistics per tenant/app/endpoint,
 * faults on/off/rate, throttling on/off, clock advance (ManualClock only), device-code approval,
 * delta reset switch, sign-in user, and per-test overrides.
 */
import type { EmulatorRuntime, HostedTenant } from './runtime.js';
import type { FaultOptions } from './faults.js';
import type { OverrideSpec } from './graph/service.js';
import type { TenantSpec } from './generate/directory.js';
import { ManualClock } from '../clock.js';
import { registerApp, type RegisteredApp } from './directory/apps.js';
import { GRAPH_APP_ID } from './login/first-party.js';
import type { TenantStats } from './stats.js';
import type { TenantState } from './state/tenant.js';
import { link } from './directory/objects.js';

export interface TenantInfo {
  readonly name: string;
  readonly tenantId: string;
  readonly domain: string;
  /** The admin app's client ID and secret (all seed `azure` permissions consented). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** PEM with certificate and private key for certificate sign-in as the admin app. */
  readonly certificatePem: string;
  readonly certificateThumbprint: string;
  readonly users: number;
  readonly groups: number;
}

export interface AppRegistrationRequest {
  readonly displayName?: string;
  /** Graph application permissions, or `{ [resourceAppId]: [...] }` for other resources. */
  readonly applicationPermissions?: readonly string[] | Readonly<Record<string, readonly string[]>>;
  readonly delegatedPermissions?: readonly string[] | Readonly<Record<string, readonly string[]>>;
  readonly certificate?: boolean;
  readonly publicClient?: boolean;
  readonly redirectUris?: readonly string[];
  /** Directory role template IDs to give the app's service principal. */
  readonly directoryRoles?: readonly string[];
}

export interface AppRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly applicationId: string;
  readonly servicePrincipalId: string;
  readonly certificatePem?: string;
  readonly certificateThumbprint?: string;
}

export class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const byResource = (p: AppRegistrationRequest['applicationPermissions']): Record<string, readonly string[]> =>
  p === undefined ? {} : Array.isArray(p) ? { [GRAPH_APP_ID]: p } : { ...(p as Record<string, readonly string[]>) };

export function tenantInfo(t: HostedTenant): TenantInfo {
  return {
    name: t.state.name,
    tenantId: t.state.tenantId,
    domain: t.state.domain,
    clientId: t.admin.clientId,
    clientSecret: t.admin.clientSecret,
    certificatePem: t.admin.certificate?.combinedPem ?? '',
    certificateThumbprint: t.admin.certificate?.thumbprintSha1Hex ?? '',
    users: t.state.store('users').size,
    groups: t.state.store('groups').size,
  };
}

export class EmulatorControl {
  constructor(private readonly runtime: EmulatorRuntime) {}

  private hosted(tenant: string): HostedTenant {
    const t = this.runtime.tenant(tenant);
    if (!t) throw new ControlError(404, `unknown tenant '${tenant}'`);
    return t;
  }

  async createTenant(spec: TenantSpec): Promise<TenantInfo> {
    if (!spec.name || !/^[a-z0-9][a-z0-9-]{0,62}$/i.test(spec.name)) throw new ControlError(400, 'a tenant needs a name of letters, digits and dashes');
    if (this.runtime.tenant(spec.name)) throw new ControlError(409, `tenant '${spec.name}' already exists`);
    return tenantInfo(await this.runtime.addTenant(spec));
  }

  listTenants(): TenantInfo[] {
    return this.runtime.listTenants().map(tenantInfo);
  }

  /** The live in-memory state of a tenant (in-process use only). */
  tenantState(tenant: string): TenantState {
    return this.hosted(tenant).state;
  }

  async reset(tenant: string): Promise<TenantInfo> {
    return tenantInfo(await this.runtime.resetTenant(this.hosted(tenant).state.tenantId));
  }

  registerApp(tenant: string, request: AppRegistrationRequest): AppRegistration {
    const state = this.hosted(tenant).state;
    let app: RegisteredApp;
    try {
      app = registerApp(state, {
        displayName: request.displayName ?? 'Emulator test app',
        applicationPermissions: byResource(request.applicationPermissions),
        delegatedPermissions: byResource(request.delegatedPermissions),
        certificate: request.certificate,
        publicClient: request.publicClient,
        redirectUris: request.redirectUris,
      });
    } catch (err) {
      throw new ControlError(400, err instanceof Error ? err.message : String(err));
    }
    for (const templateId of request.directoryRoles ?? []) {
      const role = [...state.store('directoryRoles').values()].find((r) => r.roleTemplateId === templateId);
      if (!role) throw new ControlError(400, `directory role template ${templateId} is not activated in ${state.name}`);
      link(state, 'roleMembers', role.id, app.servicePrincipal.id);
    }
    return {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      applicationId: app.application.id,
      servicePrincipalId: app.servicePrincipal.id,
      ...(app.certificate ? { certificatePem: app.certificate.combinedPem, certificateThumbprint: app.certificate.thumbprintSha1Hex } : {}),
    };
  }

  stats(tenant: string): TenantStats {
    return this.runtime.stats.tenant(this.hosted(tenant).state.tenantId);
  }

  resetStats(tenant?: string): void {
    this.runtime.stats.reset(tenant === undefined ? undefined : this.hosted(tenant).state.tenantId);
  }

  setFaults(options: FaultOptions): void {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new ControlError(400, 'fault rate must be between 0 and 1');
    this.runtime.faults.configure(options);
  }

  faults(): Readonly<FaultOptions> {
    return this.runtime.faults.settings;
  }

  setThrottling(enabled: boolean): void {
    this.runtime.throttler.enabled = enabled;
    if (!enabled) this.runtime.throttler.reset();
  }

  get throttling(): boolean {
    return this.runtime.throttler.enabled;
  }

  /** Moves the emulator's ManualClock forward (token expiry, delta-link expiry, throttle refill). */
  advanceClock(ms: number): number {
    const clock = this.runtime.clock;
    if (!(clock instanceof ManualClock)) throw new ControlError(409, 'the emulator runs on the system clock; start it with a ManualClock to move time');
    clock.advance(ms);
    return clock.now();
  }

  approveDeviceCode(userCode: string, user?: string): { tenantId: string; userId: string } {
    try {
      return this.runtime.login.approveDeviceCode(userCode, user);
    } catch (err) {
      throw new ControlError(400, err instanceof Error ? err.message : String(err));
    }
  }

  pendingDeviceCodes(): ReturnType<EmulatorRuntime['login']['pendingDeviceCodes']> {
    return this.runtime.login.pendingDeviceCodes();
  }

  /** Makes every delta request with a token answer 410 Gone (Graph's "synchronization reset"). */
  setDeltaReset(tenant: string, enabled: boolean): void {
    this.hosted(tenant).state.flags.forceDeltaReset = enabled;
  }

  setSignInUser(tenant: string, userIdOrUpn: string): string {
    const t = this.hosted(tenant);
    const user = this.runtime.signInUser(t.state, userIdOrUpn);
    if (!user) throw new ControlError(404, `no user '${userIdOrUpn}' in ${t.state.name}`);
    t.signInUserId = user.id;
    return user.id;
  }

  /** Registers an override (msw-style): it wins over the built-in route; returns its remover. */
  use(spec: OverrideSpec): () => void {
    return this.runtime.graph.use(spec);
  }

  resetOverrides(): void {
    this.runtime.graph.resetOverrides();
  }

  /** Login events (`devicecode:poll`, `devicecode:approved`) for tests that await them. */
  get loginEvents(): EmulatorRuntime['login']['events'] {
    return this.runtime.login.events;
  }
}
