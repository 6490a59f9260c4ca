/**
 * Backup benchmark (issue #4): the emulated tenant with throttling on, the emulator in its own
 * process (the `tenant-vault emulator` CLI) and each backup in its own process — the product CLI
 * as shipped (`tsc` build, `tenant-vault backup PROFILE --json`) under `/usr/bin/time`, whose
 * maximum resident set size is the backup's peak memory.
 *
 * Runs: a full backup; the incremental right after it (it reads the audit records the full
 * backup's BitLocker key reads created); an incremental with no change; 1 % churn applied through
 * Graph by a second app; the incremental after it. Reports requests and resource units (ours and
 * the emulator's), throttled responses, wall time, peak RSS of the backup process, and the floor
 * the data needs (floor.ts) with the time the published limits allow for it.
 *
 * The audit log is read from 15 minutes before the previous read started, so an incremental run
 * that follows, within 15 minutes, a run during heavy activity (the full backup's own BitLocker
 * key reads, 38,721 audit records) reads those records again; `--settle-minutes N` waits, then
 * takes two more no-change runs: the second is the steady state.
 *
 * Usage: npx tsx bench/backup/run.ts [--size large|medium|small] [--churn 0.01] [--settle-minutes 16] [--json FILE] [--only-full]
 * (`BENCH_BACKUP_NODE_ARGS="--heap-prof"` passes node flags to the backup processes.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Secret, resolveConfig } from '../../src/config/index.js';
import { createCredential, createGraphClient, resolveCloud, ThrottleScheduler } from '../../src/connectors/index.js';
import { initWorkspaceRepository, openWorkspace } from '../../src/engine/workspace.js';
import { addProfile } from '../../src/engine/profiles/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { computeFloor, summarise, type FloorLine } from './floor.js';
import { arg, control, ROOT, startEmulator, writeAll, type Credentials } from '../emulator-process.js';

const BUILD = join(ROOT, 'bench/out/backup-dist');


const size = arg('size', 'large') as 'small' | 'medium' | 'large';
const churnRate = Number(arg('churn', '0.01'));
const jsonOut = arg('json', '');
const settleMinutes = Number(arg('settle-minutes', '0'));
/** Only the full backup (memory and time experiments). */
const onlyFull = process.argv.includes('--only-full');
/** Node flags for the backup processes (`--heap-prof`, `--max-old-space-size=…`), space-separated. */
const NODE_ARGS = (process.env.BENCH_BACKUP_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);

/** The CLI as shipped: compiled with the project's build settings into an ignored folder. */
function build(): string {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', BUILD], { cwd: ROOT, stdio: 'inherit' });
  const main = join(BUILD, 'cli/main.js');
  if (!existsSync(main)) throw new Error(`the build produced no ${main} (tsc exit ${result.status})`);
  return main;
}


interface ServerStats {
  readonly requests: number;
  readonly resourceUnits: number;
  readonly throttled: number;
  readonly writes: number;
  readonly apps: Record<string, { requests: number; resourceUnits: number; throttled: number; endpoints: Record<string, { requests: number; resourceUnits: number }> }>;
}

interface RunResult {
  readonly label: string;
  readonly report: BackupReport;
  readonly maxRssKb: number;
  readonly wallMs: number;
  readonly server: { requests: number; resourceUnits: number; throttled: number; topEndpoints: Array<[string, number, number]> };
}



function runChild(cli: string, env: Record<string, string>, args: string[]): Promise<{ report: BackupReport; maxRssKb: number; wallMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB %M', process.execPath, ...NODE_ARGS, cli, 'backup', ...args, '--json'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let maxRssKb = 0;
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const m = /^MAXRSS_KB (\d+)/.exec(line);
      if (m) maxRssKb = Number(m[1]);
      else process.stderr.write(`  ${line}\n`);
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`backup exited ${code}`));
      resolve({ report: JSON.parse(out) as BackupReport, maxRssKb, wallMs: Date.now() - started });
    });
  });
}

async function backup(cli: string, label: string, creds: Credentials, tenantId: string, appId: string, env: Record<string, string>, args: string[]): Promise<RunResult> {
  await control(creds, '/stats/reset', 'POST', { tenant: tenantId });
  process.stderr.write(`\n== ${label}\n`);
  const result = await runChild(cli, env, ['bench', ...args]);
  const stats = await control<ServerStats>(creds, `/stats?tenant=${tenantId}`);
  const app = stats.apps[appId] ?? { requests: 0, resourceUnits: 0, throttled: 0, endpoints: {} };
  const topEndpoints = Object.entries(app.endpoints).map(([k, v]) => [k, v.requests, v.resourceUnits] as [string, number, number]).sort((a, b) => b[2] - a[2] || b[1] - a[1]).slice(0, 12);
  const r = result.report;
  process.stderr.write(`${label}: ${r.requests} requests (server ${app.requests}), ${r.resourceUnits} RU (server ${app.resourceUnits}), ${r.throttled} throttled, ${(result.wallMs / 1000).toFixed(1)} s, peak RSS ${(result.maxRssKb / 1024).toFixed(0)} MB\n`);
  return { label, ...result, server: { requests: app.requests, resourceUnits: app.resourceUnits, throttled: app.throttled, topEndpoints } };
}


async function ids(repo: Awaited<ReturnType<ReturnType<typeof openWorkspace>['repository']>>, snapshot: string, type: string, keep: (doc: Record<string, unknown>) => boolean = () => true): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const entry of repo.entries(snapshot, { type })) {
    const doc = (await repo.readDocument(entry)) as Record<string, unknown>;
    if (keep(doc)) out.push(doc);
  }
  return out;
}

/** Every n-th element, so churn spreads over the whole tenant. */
function spread<T>(items: readonly T[], rate: number): T[] {
  const n = Math.max(1, Math.round(items.length * rate));
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}

async function main(): Promise<void> {
  const cli = build();
  const dir = mkdtempSync(join(tmpdir(), 'tv-bench-backup-'));
  const started = Date.now();
  const { child: emulator, creds } = await startEmulator(dir, size);
  process.stderr.write(`emulator ready after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  try {
    const tenant = creds.tenants[0]!;
    const env = { TENANT_VAULT_HOME: join(dir, 'home'), TENANT_VAULT_REPOSITORY: join(dir, 'repo'), TENANT_VAULT_PASSWORD: 'bench password', TENANT_VAULT_LOG_LEVEL: 'warn' };
    const config = resolveConfig({}, env);
    await (await initWorkspaceRepository(config)).close();
    const ws = openWorkspace(config);
    const repo = await ws.repository();
    await addProfile(repo, {
      kind: 'azure', name: 'bench', tenant: tenant.tenantId, clientId: tenant.clientId, cloud: creds.https.graph, caPem: creds.caCertificate,
      credential: { kind: 'secret', secret: new Secret(tenant.clientSecret) },
    });
    await ws.close();

    const runs: RunResult[] = [];
    const full = await backup(cli, 'full backup', creds, tenant.tenantId, tenant.clientId, env, ['--full']);
    runs.push(full);

    const ws2 = openWorkspace(config);
    const repo2 = await ws2.repository();
    const snapshot = await repo2.findSnapshot(full.report.snapshot);
    const skipped = new Set(Object.entries(full.report.types).flatMap(([t, r]) => Object.keys(r.skippedSubResources ?? {}).map((s) => `${t}.${s}`)));
    const floorLines: FloorLine[] = await computeFloor(repo2, snapshot, { skippedSubs: skipped });
    const floor = summarise(floorLines, size === 'small' ? 'small' : size === 'medium' ? 'medium' : 'large');

    if (onlyFull) {
      process.stdout.write(`${JSON.stringify({ floorRU: floor.resourceUnits, fullRU: full.server.resourceUnits, seconds: full.wallMs / 1000, rssMb: full.maxRssKb / 1024 })}\n`);
      await ws2.close();
      return;
    }
    runs.push(await backup(cli, 'incremental after the full backup', creds, tenant.tenantId, tenant.clientId, env, []));
    runs.push(await backup(cli, 'incremental, no change', creds, tenant.tenantId, tenant.clientId, env, []));
    if (settleMinutes > 0) {
      process.stderr.write(`waiting ${settleMinutes} min, past the audit log's overlap window\n`);
      await new Promise((r) => setTimeout(r, settleMinutes * 60_000));
      // That run still reads back 15 minutes before the previous one started; the one after it
      // starts past the full backup's burst of audit records: the steady state.
      runs.push(await backup(cli, `incremental, no change, ${settleMinutes} min later`, creds, tenant.tenantId, tenant.clientId, env, []));
      runs.push(await backup(cli, 'incremental, no change, steady state', creds, tenant.tenantId, tenant.clientId, env, []));
    }

    // 1 % churn through Graph by another app (its own throttling budget).
    const churnApp = await control<{ clientId: string; clientSecret: string }>(creds, `/tenants/${tenant.tenantId}/apps`, 'POST', {
      displayName: 'Benchmark churn', applicationPermissions: ['User.ReadWrite.All', 'Group.ReadWrite.All', 'Device.ReadWrite.All', 'Application.ReadWrite.All', 'DeviceManagementConfiguration.ReadWrite.All'],
    });
    const cloud = resolveCloud(creds.https.graph);
    const graph = createGraphClient({
      cloud, credential: createCredential({ tenantId: tenant.tenantId, clientId: churnApp.clientId, cloud, clientSecret: new Secret(churnApp.clientSecret), trustedCaPem: creds.caCertificate }),
      scheduler: new ThrottleScheduler({ tenantSize: 'large' }), tenantId: tenant.tenantId, clientId: churnApp.clientId, trustedCaPem: creds.caCertificate,
    });
    const users = spread(await ids(repo2, snapshot.id, 'user'), churnRate);
    const groups = spread(await ids(repo2, snapshot.id, 'group', (g) => (g.groupTypes as string[]).includes('Unified') && !(g.groupTypes as string[]).includes('DynamicMembership')), churnRate);
    const devices = spread(await ids(repo2, snapshot.id, 'device'), churnRate);
    const apps = spread(await ids(repo2, snapshot.id, 'application'), churnRate);
    const configs = spread(await ids(repo2, snapshot.id, 'deviceConfiguration'), churnRate);
    const allUsers = await ids(repo2, snapshot.id, 'user');
    await ws2.close();
    const churn = {
      users: await writeAll(graph, users.map((u, i) => ({ method: 'PATCH' as const, url: `/users/${u.id}`, body: { jobTitle: `Churned ${i}` } }))),
      groupMembers: await writeAll(graph, groups.map((g, i) => ({ method: 'POST' as const, url: `/groups/${g.id}/members/$ref`, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${allUsers[(i * 7919) % allUsers.length]!.id}` } }))),
      devices: await writeAll(graph, devices.map((d) => ({ method: 'PATCH' as const, url: `/devices/${d.id}`, body: { accountEnabled: !(d.accountEnabled as boolean) } }))),
      applications: await writeAll(graph, apps.map((a, i) => ({ method: 'PATCH' as const, url: `/applications/${a.id}`, body: { notes: `Churned ${i}` } }))),
      deviceConfigurations: await writeAll(graph, configs.map((c, i) => ({ method: 'PATCH' as const, url: `/deviceManagement/deviceConfigurations/${c.id}`, body: { '@odata.type': c['@odata.type'], description: `Churned ${i}` } }))),
    };
    process.stderr.write(`churn applied: ${JSON.stringify(churn)}\n`);
    runs.push(await backup(cli, `incremental after ${churnRate * 100} % churn`, creds, tenant.tenantId, tenant.clientId, env, []));

    const result = {
      size, date: new Date().toISOString(), node: process.version, floor, floorLines, churn,
      runs: runs.map((r) => ({
        label: r.label, snapshot: r.report.snapshot, status: r.report.status, requests: r.report.requests, roundTrips: r.report.roundTrips, resourceUnits: r.report.resourceUnits,
        throttled: r.report.throttled, retries: r.report.retries, wallMs: r.wallMs, maxRssMb: Math.round(r.maxRssKb / 1024), server: r.server,
        types: Object.fromEntries(Object.entries(r.report.types).map(([t, v]) => [t, { mode: v.mode, new: v.new, changed: v.changed, deleted: v.deleted, unchanged: v.unchanged, count: v.count, requests: v.requests, resourceUnits: v.resourceUnits, absent: v.absent }])),
        warnings: r.report.warnings,
      })),
    };
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
    const f = result.runs[0]!;
    process.stdout.write(`${JSON.stringify({ floorRU: floor.resourceUnits, floorSeconds: floor.seconds, floorSecondsByBucket: floor.secondsByBucket, floorRequestsByBucket: floor.requestsByBucket, fullRU: f.server.resourceUnits, ratio: f.server.resourceUnits / floor.resourceUnits, runs: result.runs.map((r) => ({ label: r.label, requests: r.requests, serverRequests: r.server.requests, ru: r.server.resourceUnits, ourRu: r.resourceUnits, throttled: r.throttled, seconds: r.wallMs / 1000, rssMb: r.maxRssMb })) }, null, 2)}\n`);
  } finally {
    emulator.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
