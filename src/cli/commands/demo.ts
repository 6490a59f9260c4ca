/**
 * `tenant-vault demo` (what `npm start` runs): the whole product on an emulated tenant in about a
 * minute. It starts the emulator in-process with a medium tenant, creates a repository and an
 * `azure` profile under `./demo-data`, takes a backup, changes a few objects through Graph (renames
 * a user, deletes a group, edits a conditional-access policy, removes a group member, creates a
 * user), takes a second backup, prints both reports and the diff, and says how to explore.
 *
 * Guarantees: every run starts fresh — the emulated tenant is regenerated in memory each time, so
 * a repository left by an earlier run would no longer match it; the directory is deleted and
 * recreated, but only if it is empty or was made by the demo (it holds the marker file
 * `.tenant-vault-demo`) — any other directory is refused with CONFIG_INVALID. The repository
 * password is fixed and printed, with a warning. The emulator is loaded lazily, here only, and
 * stops when the demo ends unless `--keep-running` (then `diff --live` works until Ctrl-C).
 * Not guaranteed: the objects changed are chosen from the generated tenant; a generator change
 * can pick others (the output names them).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveConfig, Secret } from '../../config/index.js';
import { TenantVaultError } from '../../errors/index.js';
import { runBackup, type BackupReport } from '../../engine/backup/index.js';
import { addProfile } from '../../engine/profiles/index.js';
import { initWorkspaceRepository, openWorkspace, type Workspace } from '../../engine/workspace.js';
import { createLogger } from '../../logging/index.js';
import { compareSnapshots, printDifferences } from './browse.js';
import { formatTime, shortId, table } from '../format.js';
import { printLine } from '../output.js';
import { createProgress } from '../progress.js';
import type { GlobalOptions } from '../program.js';

/** The demo's repository password: fixed so the printed commands work; never use it for real data. */
export const DEMO_PASSWORD = 'tenant-vault-demo';
export const DEMO_PROFILE = 'contoso';
const MARKER = '.tenant-vault-demo';
const SIZES = ['small', 'medium', 'large'] as const;
type Size = (typeof SIZES)[number];

interface DemoOptions {
  dir: string;
  size: string;
  port: string;
  keepRunning?: boolean;
}

/** Empties `dir` for a fresh run, refusing anything the demo did not make. */
function prepareDirectory(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new TenantVaultError('CONFIG_INVALID', `${dir} exists and was not made by the demo`, {
        hint: 'The demo deletes its directory on every run; choose another with --dir, or move that one away.',
      });
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, MARKER), 'Made by `tenant-vault demo`, which deletes and recreates this directory on every run.\n');
}

// ---- Graph, as an administrator of the emulated tenant would call it ---------------------------

interface GraphClient {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

async function graphClient(url: string, tenant: { tenantId: string; clientId: string; clientSecret: string }, signal: AbortSignal): Promise<GraphClient> {
  const tokenResponse = await fetch(`${url}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.clientId, client_secret: tenant.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    signal,
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token?: string };
  if (!token) throw new TenantVaultError('AUTH_FAILED', 'The emulator refused the demo administrator\'s sign-in');
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${url}/v1.0${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
      const text = await response.text();
      if (!response.ok) throw new TenantVaultError('SERVICE_ERROR', `${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
      return (text ? JSON.parse(text) : {}) as T;
    },
  };
}

type Entity = Record<string, unknown> & { id: string; displayName?: string };

/** What the demo changed, to print and to point the exploring commands at. */
interface Changes {
  readonly lines: string[];
  renamedUser?: Entity & { newName: string };
  deletedGroup?: Entity;
  createdUser?: Entity;
}

async function changeTenant(graph: GraphClient, domain: string): Promise<Changes> {
  const changes: Changes = { lines: [] };
  const users = (await graph.call<{ value: Entity[] }>('GET', '/users?$top=20&$select=id,displayName,userPrincipalName')).value;
  const user = users[7] ?? users[0];
  if (user) {
    const newName = `${user.displayName ?? 'User'} (renamed by the demo)`;
    await graph.call('PATCH', `/users/${user.id}`, { displayName: newName });
    changes.renamedUser = { ...user, newName };
    changes.lines.push(`renamed user ${JSON.stringify(user.displayName)} → ${JSON.stringify(newName)}  (user/${user.id})`);
  }

  // Assigned security groups only: dynamic groups compute their members, mail-enabled ones are read-only in Graph.
  const groups = (await graph.call<{ value: (Entity & { groupTypes?: string[] })[] }>('GET', '/groups?$filter=securityEnabled eq true and mailEnabled eq false&$top=100&$select=id,displayName,groupTypes')).value
    .filter((g) => !(g.groupTypes ?? []).includes('DynamicMembership'));
  const doomed = groups[0];
  if (doomed) {
    await graph.call('DELETE', `/groups/${doomed.id}`);
    changes.deletedGroup = doomed;
    changes.lines.push(`deleted group ${JSON.stringify(doomed.displayName)}  (group/${doomed.id})`);
  }
  for (const group of groups.slice(1)) {
    const member = (await graph.call<{ value: Entity[] }>('GET', `/groups/${group.id}/members?$top=1&$select=id,displayName`)).value[0];
    if (!member) continue;
    await graph.call('DELETE', `/groups/${group.id}/members/${member.id}/$ref`);
    changes.lines.push(`removed ${JSON.stringify(member.displayName)} from group ${JSON.stringify(group.displayName)}  (group/${group.id})`);
    break;
  }

  try {
    const policy = (await graph.call<{ value: (Entity & { conditions?: { users?: { excludeUsers?: string[] } } })[] }>('GET', '/identity/conditionalAccess/policies?$top=1')).value[0];
    const conditions = policy?.conditions;
    if (policy && conditions?.users) {
      const excludeUsers = [...(conditions.users.excludeUsers ?? []), 'GuestsOrExternalUsers'];
      await graph.call('PATCH', `/identity/conditionalAccess/policies/${policy.id}`, { conditions: { ...conditions, users: { ...conditions.users, excludeUsers } } });
      changes.lines.push(`excluded guests from conditional-access policy ${JSON.stringify(policy.displayName)}  (conditionalAccessPolicy/${policy.id})`);
    }
  } catch (err) {
    if (!(err instanceof TenantVaultError && err.code === 'SERVICE_ERROR')) throw err;
    changes.lines.push('(conditional access is not served by this emulator; no policy edited)');
  }

  const created = await graph.call<Entity>('POST', '/users', {
    accountEnabled: true, displayName: 'Demo Newcomer', mailNickname: 'demo.newcomer', userPrincipalName: `demo.newcomer@${domain}`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: `Demo-${Date.now()}-Pw!` },
  });
  changes.createdUser = created;
  changes.lines.push(`created user "Demo Newcomer"  (user/${created.id})`);
  return changes;
}

// ---- output -------------------------------------------------------------------------------------

/** A backup's report, short: the types with items or changes, and one line per warning. */
function printReport(title: string, report: BackupReport, onlyChanged: boolean): void {
  printLine('');
  printLine(`${title}: snapshot ${shortId(report.snapshot)} (${report.status}), ${report.requests} requests, ${report.resourceUnits} resource units, ${(report.durationMs / 1000).toFixed(1)} s`);
  const rows = Object.entries(report.types).filter(([, t]) => (onlyChanged ? t.new + t.changed + t.deleted > 0 : t.count > 0));
  if (rows.length > 0) {
    printLine(table([
      ['  TYPE', 'ITEMS', 'NEW', 'CHANGED', 'DELETED', 'UNCHANGED'],
      ...rows.map(([type, t]) => [`  ${type}`, String(t.count), String(t.new), String(t.changed), String(t.deleted), String(t.unchanged)]),
    ]));
  }
  if (onlyChanged) {
    const unchanged = Object.values(report.types).filter((t) => t.new + t.changed + t.deleted === 0 && t.count > 0).length;
    printLine(`  (${unchanged} other type(s) unchanged)`);
  }
  const absent = Object.entries(report.types).filter(([, t]) => t.absent !== undefined).map(([type]) => type);
  if (absent.length > 0) printLine(`  not backed up (${absent.length}): ${absent.join(', ')} — \`tenant-vault snapshots --json\` says why`);
}

function printExplore(dir: string, ws: Workspace, first: BackupReport, second: BackupReport, changes: Changes, keepRunning: boolean): void {
  const shown = relative(process.cwd(), dir) || '.';
  const renamed = changes.renamedUser;
  printLine('');
  printLine('Explore the backups (the repository and its catalog are in ' + `${shown}/):`);
  printLine('');
  printLine(`  export TENANT_VAULT_HOME=${ws.config.home}`);
  printLine(`  export TENANT_VAULT_REPOSITORY=${ws.config.repository ?? ''}`);
  printLine(`  export TENANT_VAULT_PASSWORD=${DEMO_PASSWORD}`);
  printLine('');
  printLine('  npx tenant-vault snapshots');
  printLine('  npx tenant-vault ls latest user | head');
  if (renamed) {
    printLine(`  npx tenant-vault show latest user/${renamed.id}`);
    printLine('  npx tenant-vault find "renamed by the demo"');
    printLine(`  npx tenant-vault history user/${renamed.id}`);
  }
  if (changes.deletedGroup) printLine(`  npx tenant-vault history group/${changes.deletedGroup.id}     # who deleted it, from the audit log`);
  printLine(`  npx tenant-vault diff ${shortId(first.snapshot)} ${shortId(second.snapshot)}`);
  printLine(`  npx tenant-vault diff ${shortId(first.snapshot)} ${shortId(second.snapshot)} --json`);
  if (keepRunning) printLine(`  npx tenant-vault diff ${shortId(first.snapshot)} --live     # while this demo keeps running`);
  printLine('');
  printLine(`Run \`npm start\` again to start over (it deletes ${shown}/ first).`);
}

// ---- the command --------------------------------------------------------------------------------

async function runDemo(opts: DemoOptions, cmd: Command, signal: AbortSignal): Promise<void> {
  const size = opts.size as Size;
  if (!SIZES.includes(size)) throw new TenantVaultError('USAGE', `Invalid --size ${JSON.stringify(opts.size)}`, { hint: 'Use small, medium or large.' });
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TenantVaultError('USAGE', `Invalid --port ${JSON.stringify(opts.port)}`, { hint: 'Give a port number, or 0 for any free port.' });
  const started = Date.now();
  const dir = resolve(opts.dir);
  prepareDirectory(dir);

  printLine('Tenant Vault demo');
  printLine(`warning: this is a demo. Its repository password is "${DEMO_PASSWORD}", printed here for you to explore with;`);
  printLine('         never use a password that was printed, or this one, for real backups.');

  const globals = cmd.optsWithGlobals<GlobalOptions>();
  // Warnings are in the reports; the log says more only when asked (--log-level).
  const config = resolveConfig({ home: join(dir, 'home'), repo: join(dir, 'repository'), logLevel: globals.logLevel ?? 'error' }, { TENANT_VAULT_PASSWORD: DEMO_PASSWORD });
  const { startEmulator } = await import('../../emulator/index.js');
  const emulator = await startEmulator({ port, tenants: [{ name: DEMO_PROFILE, size }], throttle: false });
  const ws = openWorkspace(config, { logger: createLogger({ level: config.logLevel }), signal });
  try {
    const tenant = emulator.tenants[0];
    if (!tenant) throw new TenantVaultError('INTERNAL', 'The emulator started without its tenant');
    printLine(`emulated tenant ${tenant.domain} (${size}: ${tenant.users} users, ${tenant.groups} groups) at ${emulator.url}, throttling off`);

    const repo = await initWorkspaceRepository(config, { signal });
    await repo.close();
    await addProfile(await ws.repository(), {
      kind: 'azure', name: DEMO_PROFILE, tenant: tenant.tenantId, clientId: tenant.clientId,
      cloud: emulator.httpsUrl, caPem: emulator.caCertificate, credential: { kind: 'secret', secret: new Secret(tenant.clientSecret) },
    }, { signal });
    printLine(`repository ${relative(process.cwd(), config.repository ?? '') || config.repository}, profile ${DEMO_PROFILE} (app ${tenant.clientId})`);

    const backup = async (title: string): Promise<BackupReport> => {
      const progress = createProgress(title, { quiet: !process.stderr.isTTY });
      try {
        return await runBackup(ws, DEMO_PROFILE, { signal, logger: ws.logger, onProgress: (p) => progress.update(p.type ? `${p.phase} ${p.type}` : p.phase, p.typesDone, Math.max(1, p.typesTotal)) });
      } finally {
        progress.stop();
      }
    };
    const first = await backup('first backup');
    printReport('first backup', first, false);

    printLine('');
    printLine('changing the tenant through Microsoft Graph:');
    const changes = await changeTenant(await graphClient(emulator.url, tenant, signal), tenant.domain);
    for (const line of changes.lines) printLine(`  ${line}`);

    const second = await backup('second backup');
    printReport('second backup', second, true);

    const repository = await ws.repository();
    const [a, b] = [await repository.findSnapshot(first.snapshot, { signal }), await repository.findSnapshot(second.snapshot, { signal })];
    printLine('');
    const { differences, logs } = await compareSnapshots(repository, a, b, { signal });
    printDifferences(differences, `what changed: diff ${shortId(a.id)} (${formatTime(a.time)}) → ${shortId(b.id)} (${formatTime(b.time)})`, logs);

    printExplore(dir, ws, first, second, changes, opts.keepRunning === true);
    printLine(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (opts.keepRunning) {
      printLine(`the emulator keeps running at ${emulator.url}; press Ctrl-C to stop it`);
      await new Promise<void>((done) => (signal.aborted ? done() : signal.addEventListener('abort', () => done(), { once: true })));
    }
  } finally {
    await ws.close();
    await emulator.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('back up an emulated tenant twice with changes in between, and show what changed (what `npm start` runs)')
    .option('--dir <dir>', 'where the demo keeps its repository and catalog (deleted and recreated on every run)', 'demo-data')
    .option('--size <size>', 'emulated tenant size: small, medium or large', 'medium')
    .option('--port <port>', 'emulator port (0: any free port)', '0')
    .option('--keep-running', 'keep the emulator running afterwards (for `diff --live`) until Ctrl-C')
    .action(async (opts: DemoOptions, cmd: Command) => {
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runDemo(opts, cmd, controller.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
