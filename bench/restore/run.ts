/**
 * Restore benchmark (issue #5): recreate N hard-deleted users (default 1,000) with their
 * memberships and manager links in the large emulated tenant, with throttling on and the emulator
 * in its own process (the `tenant-vault emulator` CLI).
 *
 * Set-up (throttling off, so it does not eat the restore's budgets): a backup of users and groups;
 * N member users spread over the tenant deleted and purged from the recycle bin by a second app.
 * Then, throttling on: the plan and the apply of `restore SNAPSHOT user/… ×N` (in this process,
 * real clock).
 *
 * The floor: the fewest write requests the data needs — one create per user, one
 * `members@odata.bind` request per group per 20 members to add back, one manager link per user
 * that had a manager and per direct report — divided by the published write rate of one app in
 * one tenant (3,000 per 150 s = 20 per second, facts §1.2). Graph's token bucket starts full, so a
 * run may beat that floor by up to its 3,000-write burst; the burst-aware floor
 * (writes − 3,000) / 20 s is reported too.
 *
 * Usage: npx tsx bench/restore/run.ts [--size large|medium] [--users 1000] [--json FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, resolveConfig } from '../../src/config/index.js';
import { createCredential, createGraphClient, resolveCloud, ThrottleScheduler } from '../../src/connectors/index.js';
import { initWorkspaceRepository, openWorkspace } from '../../src/engine/workspace.js';
import { addProfile } from '../../src/engine/profiles/index.js';
import { runBackup } from '../../src/engine/backup/index.js';
import { applyRestore, planRestore, type RestorePlan } from '../../src/engine/restore/index.js';
import { createLogger } from '../../src/logging/index.js';
import { arg, control, startEmulator, writeAll } from '../emulator-process.js';



const size = arg('size', 'large');
const userCount = Number(arg('users', '1000'));
const jsonOut = arg('json', '');
/** Published write limit per app and tenant (facts §1.2). */
const WRITES = 3000;
const WINDOW_S = 150;
const BINDS_PER_REQUEST = 20;


interface EndpointStats { requests: number; writes: number; throttled: number; resourceUnits: number }
interface ServerStats extends EndpointStats { readonly apps: Record<string, EndpointStats & { endpoints: Record<string, EndpointStats> }> }

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}




/** The fewest write requests the plan's data needs, by kind. */
function floorOf(plan: RestorePlan): { creates: number; memberRequests: number; memberEntries: number; managerLinks: number; other: number; writes: number } {
  let creates = 0;
  let memberRequests = 0;
  let memberEntries = 0;
  let managerLinks = 0;
  let other = 0;
  for (const op of plan.operations) {
    const refs = (op.references ?? []).filter((r) => r.to !== null);
    if (op.action === 'create') {
      creates++;
      managerLinks += refs.filter((r) => r.path === 'manager').length;
      continue;
    }
    if (op.action !== 'relink' && op.action !== 'update') continue;
    const byPath = new Map<string, number>();
    for (const r of refs) byPath.set(r.path, (byPath.get(r.path) ?? 0) + 1);
    for (const [path, n] of byPath) {
      if (op.type === 'group' && (path === 'members' || path === 'owners')) {
        memberRequests += Math.ceil(n / BINDS_PER_REQUEST);
        memberEntries += n;
      } else if (op.type === 'user' && path === 'manager') managerLinks += 1;
      else other += n;
    }
  }
  return { creates, memberRequests, memberEntries, managerLinks, other, writes: creates + memberRequests + managerLinks + other };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-bench-restore-'));
  const started = Date.now();
  const { child: emulator, creds } = await startEmulator(dir, size, 6144);
  log(`emulator (${size}) ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const tenant = creds.tenants[0]!;
    await control(creds, '/throttle', 'PUT', { enabled: false });
    const env = { TENANT_VAULT_HOME: join(dir, 'home'), TENANT_VAULT_REPOSITORY: join(dir, 'repo'), TENANT_VAULT_PASSWORD: 'bench password' };
    const config = resolveConfig({}, env);
    await (await initWorkspaceRepository(config)).close();
    const ws = openWorkspace(config, { logger: createLogger({ level: 'warn' }) });
    const repo = await ws.repository();
    await addProfile(repo, {
      kind: 'azure', name: 'bench', tenant: tenant.tenantId, clientId: tenant.clientId, cloud: creds.https.graph, caPem: creds.caCertificate,
      credential: { kind: 'secret', secret: new Secret(tenant.clientSecret) },
    });

    let t = Date.now();
    const backup = await runBackup(ws, 'bench', { types: ['user', 'group'] });
    log(`backup of users and groups (throttling off): ${backup.types.user?.count} users, ${backup.types.group?.count} groups in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // N member users spread over the tenant, deleted for good by another app.
    const members: Array<{ id: string }> = [];
    for await (const entry of repo.entries(backup.snapshot, { type: 'user' })) {
      const doc = (await repo.readDocument(entry)) as Record<string, unknown>;
      if (doc.userType === 'Member' && doc.onPremisesSyncEnabled !== true) members.push({ id: entry.id });
    }
    const step = members.length / userCount;
    const chosen = Array.from({ length: userCount }, (_, i) => members[Math.floor(i * step)]!);
    const deleter = await control<{ clientId: string; clientSecret: string }>(creds, `/tenants/${tenant.tenantId}/apps`, 'POST', { displayName: 'Benchmark deleter', applicationPermissions: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] });
    const cloud = resolveCloud(creds.https.graph);
    const graph = createGraphClient({
      cloud, credential: createCredential({ tenantId: tenant.tenantId, clientId: deleter.clientId, cloud, clientSecret: new Secret(deleter.clientSecret), trustedCaPem: creds.caCertificate }),
      scheduler: new ThrottleScheduler({ tenantSize: 'large' }), tenantId: tenant.tenantId, clientId: deleter.clientId, trustedCaPem: creds.caCertificate,
    });
    t = Date.now();
    const deleted = await writeAll(graph, chosen.map((u) => ({ method: 'DELETE' as const, url: `/users/${u.id}` })));
    const purged = await writeAll(graph, chosen.map((u) => ({ method: 'DELETE' as const, url: `/directory/deletedItems/${u.id}` })));
    log(`deleted ${deleted} users and purged ${purged} from the recycle bin in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    await control(creds, '/throttle', 'PUT', { enabled: true });
    await control(creds, '/stats/reset', 'POST', { tenant: tenant.tenantId });

    t = Date.now();
    const plan = await planRestore(ws, { snapshot: backup.snapshot, selectors: chosen.map((u) => `user/${u.id}`) });
    const planMs = Date.now() - t;
    const floor = floorOf(plan);
    const floorSeconds = floor.writes / (WRITES / WINDOW_S);
    const burstFloorSeconds = Math.max(0, floor.writes - WRITES) / (WRITES / WINDOW_S);
    log(`plan: ${plan.operations.length} operations in ${(planMs / 1000).toFixed(1)} s; floor ${floor.writes} writes (${JSON.stringify(floor)}) = ${floorSeconds.toFixed(0)} s at 20 writes/s`);

    const phases: Record<string, number> = {};
    t = Date.now();
    let lastLine = 0;
    const report = await applyRestore(ws, plan, {
      logger: createLogger({ level: 'warn' }),
      onProgress: (p) => {
        phases[p.phase] ??= Date.now() - t;
        if (Date.now() - lastLine > 15_000) {
          lastLine = Date.now();
          log(`apply ${p.phase} ${p.done}/${p.total}`);
        }
      },
    });
    const applyMs = Date.now() - t;
    const stats = await control<ServerStats>(creds, `/stats?tenant=${tenant.tenantId}`);
    const app = stats.apps[tenant.clientId]!;
    const serverWrites = Object.entries(app.endpoints).filter(([e]) => e !== 'POST /$batch' && e !== 'POST /directoryObjects/getByIds').reduce((n, [, c]) => n + c.writes, 0);
    const writesFrom = (phase: string) => phases[phase] ?? applyMs;
    const writeMs = writesFrom('verify') - writesFrom('recycleBin');
    const result = {
      size, users: userCount, date: new Date().toISOString(), node: process.version,
      floor: { ...floor, writesPerSecond: WRITES / WINDOW_S, seconds: floorSeconds, burstAwareSeconds: burstFloorSeconds },
      plan: { operations: plan.operations.length, seconds: planMs / 1000, byAction: Object.fromEntries([...new Set(plan.operations.map((o) => o.action))].map((a) => [a, plan.operations.filter((o) => o.action === a).length])) },
      apply: {
        status: report.status, counts: report.counts, seconds: applyMs / 1000, writeSeconds: writeMs / 1000, phasesStartMs: phases,
        requests: report.requests, writes: report.writes, serverWrites, serverRequests: app.requests, throttled: app.throttled,
        unverified: report.operations.filter((o) => o.verified === false).length,
      },
      ratio: { applyToFloor: applyMs / 1000 / floorSeconds, writesToFloor: report.writes / floor.writes, writePhaseToFloor: writeMs / 1000 / floorSeconds },
    };
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await ws.close();
  } finally {
    emulator.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
