/**
 * A backup test bench: an in-process emulator with a manual clock (time moves only when a test
 * says so: delta expiry, token lifetimes), a fresh repository and workspace, a profile for the
 * tenant's admin app, an admin Graph client for making changes and reading the live state, and a
 * virtual clock for the engine (its Retry-After and backoff waits return at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, resolveConfig, type Config } from '../../src/config/index.js';
import {
  createCredential, createGraphClient, resolveCloud, ThrottleScheduler, type Clock, type GraphClient,
} from '../../src/connectors/index.js';
import { ManualClock, startEmulator, type Emulator, type EmulatorOptions, type TenantInfo } from '../../src/emulator/index.js';
import { initWorkspaceRepository, openWorkspace, type Workspace } from '../../src/engine/workspace.js';
import { profileStore, type Profile } from '../../src/engine/profiles/index.js';
import { runBackup, type BackupOptions, type BackupReport } from '../../src/engine/backup/index.js';

export const CHEAP_KDF = { N: 16, r: 1, p: 1 };
export const PASSWORD = 'correct horse battery staple';

/** Time that passes only when someone sleeps; sleeps return at once. */
export class VirtualClock implements Clock {
  #now = Date.UTC(2025, 5, 1);
  sleeps = 0;
  now(): number {
    return this.#now;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps++;
    this.#now += Math.max(0, ms);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface Bench {
  readonly emulator: Emulator;
  /** Drives the emulator, unless the options replaced its clock. */
  readonly emulatorClock: ManualClock;
  readonly tenant: TenantInfo;
  readonly dir: string;
  readonly config: Config;
  readonly ws: Workspace;
  readonly clock: VirtualClock;
  /** The admin app, for changes and for reading the live tenant. */
  readonly admin: GraphClient;
  readonly profile: Profile;
  /** runBackup of the `contoso` profile on the virtual clock, a minute after the previous run. */
  backup(options?: BackupOptions, profile?: string): Promise<BackupReport>;
  close(): Promise<void>;
}

export function profileFor(emulator: Emulator, tenant: { tenantId: string }, app: { clientId: string; clientSecret: string }, name = 'contoso'): Profile {
  return {
    name, kind: 'azure', tenant: tenant.tenantId, tenantId: tenant.tenantId, clientId: app.clientId, cloud: emulator.httpsUrl,
    caPem: emulator.caCertificate, credential: { kind: 'secret', secret: new Secret(app.clientSecret) }, consentedVersion: 1,
    createdAt: new Date(Date.UTC(2025, 5, 1)).toISOString(),
  };
}

export function adminClient(emulator: Emulator, tenant: TenantInfo, clock: Clock = new VirtualClock()): GraphClient {
  const cloud = resolveCloud(emulator.httpsUrl);
  const credential = createCredential({ tenantId: tenant.tenantId, clientId: tenant.clientId, cloud, clientSecret: new Secret(tenant.clientSecret), trustedCaPem: emulator.caCertificate });
  return createGraphClient({ cloud, credential, scheduler: new ThrottleScheduler({ clock }), tenantId: tenant.tenantId, clientId: tenant.clientId, trustedCaPem: emulator.caCertificate });
}

export async function startBench(options: Partial<EmulatorOptions> & { size?: 'small' | 'medium' } = {}): Promise<Bench> {
  const emulatorClock = new ManualClock(Date.UTC(2025, 5, 1));
  const { size, ...rest } = options;
  const emulator = await startEmulator({
    port: 0, tenants: [{ name: 'contoso', size: size ?? 'small' }], throttle: false, clock: emulatorClock, login: { deviceCodeIntervalSeconds: 0 }, ...rest,
  });
  const tenant = emulator.tenants[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'tv-backup-'));
  const config = resolveConfig({ home: join(dir, 'home'), repo: join(dir, 'repo') }, { TENANT_VAULT_PASSWORD: PASSWORD });
  await (await initWorkspaceRepository(config, { kdf: CHEAP_KDF })).close();
  const ws = openWorkspace(config);
  const profile = profileFor(emulator, tenant, tenant);
  await profileStore(await ws.repository()).add(profile);
  const clock = new VirtualClock();
  return {
    emulator, emulatorClock, tenant, dir, config, ws, clock, profile,
    admin: adminClient(emulator, tenant),
    backup(options = {}, name = 'contoso') {
      // Snapshots of a profile are ordered by time: each run starts a minute after the last, on
      // both clocks (the audit log's window is measured in the service's time).
      clock.advance(60_000);
      emulatorClock.advance(60_000);
      return runBackup(ws, name, { clock, ...options });
    },
    async close() {
      await ws.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh bench for every test of the suite (restore tests change the tenant), closed after it. */
export function benchPerTest(ready: (bench: Bench) => void, options: Partial<EmulatorOptions> = {}): void {
  let current: Bench | undefined;
  beforeEach(async () => {
    current = await startBench(options);
    ready(current);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
}

/** Every item of a collection through the admin client. */
export async function listAll<T = Record<string, unknown>>(graph: GraphClient, path: string, query: Record<string, string | number | undefined> = {}, api: 'v1.0' | 'beta' = 'v1.0'): Promise<T[]> {
  const out: T[] = [];
  for await (const item of graph.items<T>(path, { query, api })) out.push(item);
  return out;
}
