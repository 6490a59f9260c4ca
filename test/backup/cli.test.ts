/**
 * The CLI contract of `profile add|list|show|remove`, `permissions --json` and `backup --json`,
 * with nothing but TENANT_VAULT_HOME, TENANT_VAULT_REPOSITORY and TENANT_VAULT_PASSWORD (and the
 * secret's variable) against an in-process emulator; exit statuses from the error table
 * (AUTH_FAILED 42, PROFILE_NOT_FOUND 40, USAGE 2); no secret in any output or file; and crash
 * safety: a backup killed with SIGKILL mid-run leaves `check --read-data` passing and the next
 * backup completes. The contract and the crash run as child processes; the many other checks run
 * the same `main` in-process (a child's start-up costs seconds on a loaded machine).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/index.js';
import { SEED_PERMISSIONS } from '../../src/connectors/index.js';
import { filesHolding, MAIN, parseJson, ROOT, runCli, type CliResult } from '../cli/run-cli.js';
import { runInProcess } from '../browse/run-in-process.js';
import { startBench, type Bench } from './helpers.js';



describe('backup, profile and permissions CLI', () => {
  let bench: Bench;
  let env: Record<string, string>;
  let caFile: string;
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, { ...env, ...extra });
  const inProcess = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runInProcess(args, { ...env, ...extra });

  beforeAll(async () => {
    bench = await startBench();
    await bench.ws.close();
    caFile = join(bench.dir, 'emulator-ca.pem');
    writeFileSync(caFile, bench.emulator.caCertificate);
    env = { TENANT_VAULT_HOME: bench.config.home, TENANT_VAULT_REPOSITORY: bench.config.repository!, TENANT_VAULT_PASSWORD: 'correct horse battery staple' };
  }, 60_000);

  afterAll(async () => {
    await bench?.close();
  });

  it('adds, lists and shows a profile without ever printing or storing its secret in plaintext', async () => {
    const secret = bench.tenant.clientSecret;
    const added = await cli(['profile', 'add', 'azure', 'cli', '--tenant', bench.tenant.domain, '--client-id', bench.tenant.clientId, '--client-secret-env', 'CLI_SECRET', '--cloud', bench.emulator.httpsUrl, '--ca-file', caFile, '--json'], { CLI_SECRET: secret });
    expect(added.code, added.stderr).toBe(0);
    expect(parseJson(added)).toMatchObject({ name: 'cli', kind: 'azure', tenant: bench.tenant.domain, tenantId: bench.tenant.tenantId, clientId: bench.tenant.clientId, credential: { kind: 'secret' }, consentedVersion: 1 });
    const list = await inProcess(['profile', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((parseJson<Array<{ name: string }>>(list)).map((p) => p.name)).toEqual(['cli', 'contoso']);
    const show = await inProcess(['profile', 'show', 'cli', '--json']);
    expect(parseJson(show)).toMatchObject({ name: 'cli', tenantId: bench.tenant.tenantId, trustsExtraCa: true });
    const text = await inProcess(['profile', 'show', 'cli']);
    expect(text.stdout).toContain('client secret (stored encrypted)');
    for (const r of [added, list, show, text]) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(filesHolding([bench.config.repository!, bench.config.home], secret)).toEqual([]);
  }, 60_000);

  it('refuses a wrong client secret with AUTH_FAILED and its exit status, storing nothing', async () => {
    const bad = await cli(['profile', 'add', 'azure', 'bad', '--tenant', bench.tenant.tenantId, '--client-id', bench.tenant.clientId, '--client-secret-env', 'BAD', '--cloud', bench.emulator.httpsUrl, '--ca-file', caFile, '--json'], { BAD: 'definitely-wrong' });
    expect(bad.code).toBe(ERROR_CODES.AUTH_FAILED.exit);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: 'AUTH_FAILED', details: { aadsts: 'AADSTS7000215' } } });
    const show = await inProcess(['profile', 'show', 'bad']);
    expect(show.code).toBe(ERROR_CODES.PROFILE_NOT_FOUND.exit);
    const missingVar = await inProcess(['profile', 'add', 'azure', 'bad', '--tenant', bench.tenant.tenantId, '--client-id', bench.tenant.clientId, '--client-secret-env', 'UNSET_VARIABLE', '--cloud', bench.emulator.httpsUrl]);
    expect(missingVar.code).toBe(ERROR_CODES.CONFIG_INVALID.exit);
    expect(missingVar.stderr).toContain('UNSET_VARIABLE');
  }, 60_000);

  it('reports every manifest permission with --json', async () => {
    const granted = await cli(['permissions', 'contoso', '--json']);
    expect(granted.code, granted.stderr).toBe(0);
    const report = parseJson<{ missing: number; permissions: Array<{ permission: string; type: string; status: string; newlyRequired: boolean; neededBy: { read: string[] } }> }>(granted);
    expect(report.missing).toBe(0);
    expect(report.permissions).toHaveLength(SEED_PERMISSIONS.filter((p) => p.profile === 'azure').length);
    expect(report.permissions.find((p) => p.permission === 'Policy.Read.All')).toMatchObject({ type: 'Application', status: 'granted', newlyRequired: false, neededBy: { read: expect.arrayContaining(['conditionalAccessPolicy']) } });
    expect(report.permissions.find((p) => p.permission === 'Exchange.ManageAsApp')).toMatchObject({ status: 'granted', neededBy: { read: ['distributionGroup'] } });

    const limited = bench.emulator.control.registerApp(bench.tenant.tenantId, { displayName: 'Users only', applicationPermissions: ['User.ReadWrite.All'] });
    const add = await inProcess(['profile', 'add', 'azure', 'limited', '--tenant', bench.tenant.tenantId, '--client-id', limited.clientId, '--client-secret-env', 'S', '--cloud', bench.emulator.httpsUrl, '--ca-file', caFile], { S: limited.clientSecret });
    expect(add.code, add.stderr).toBe(0);
    const partial = parseJson<{ missing: number; consentUrl: string; permissions: Array<{ permission: string; type: string; status: string }>; types: Array<{ type: string; readable: boolean }> }>(await inProcess(['permissions', 'limited', '--json']));
    const missing = partial.permissions.filter((p) => p.status === 'missing').map((p) => `${p.permission}/${p.type}`);
    expect(missing).toContain('Policy.Read.All/Application');
    expect(missing).toContain('Exchange.ManageAsApp/Application');
    expect(missing).not.toContain('User.ReadWrite.All/Application');
    expect(partial.missing).toBe(missing.length);
    expect(partial.consentUrl).toBe(`${bench.emulator.httpsUrl}/${bench.tenant.tenantId}/adminconsent?client_id=${limited.clientId}`);
    expect(partial.types.find((t) => t.type === 'conditionalAccessPolicy')).toMatchObject({ readable: false });
    const text = await inProcess(['permissions', 'limited']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(partial.consentUrl);
  }, 60_000);

  it('prints one JSON object with the contract fields from backup --json', async () => {
    const run = await cli(['backup', 'contoso', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = parseJson<{ snapshot: string; requests: number; resourceUnits: number; types: Record<string, Record<string, number>> }>(run);
    expect(report.snapshot).toMatch(/^[0-9a-f]{64}$/);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.resourceUnits).toBeGreaterThan(0);
    expect(Object.keys(report.types)).toEqual(expect.arrayContaining(['user', 'group', 'conditionalAccessPolicy', 'deviceConfiguration']));
    for (const [type, counts] of Object.entries(report.types)) {
      for (const field of ['new', 'changed', 'deleted', 'unchanged']) expect(typeof counts[field], `${type}.${field}`).toBe('number');
    }
    expect(report.types.user!.new).toBe(bench.tenant.users);

    const subset = parseJson<{ types: Record<string, unknown>; parent: string }>(await cli(['backup', 'contoso', '--types', 'user,group', '--json']));
    expect(Object.keys(subset.types).sort()).toEqual(['group', 'user']);
    expect(subset.parent).toBe(report.snapshot);
    const unknown = await inProcess(['backup', 'contoso', '--types', 'nonsense']);
    expect(unknown.code).toBe(ERROR_CODES.USAGE.exit);
    const text = await inProcess(['backup', 'contoso', '--types', 'user']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^TYPE\s+MODE\s+NEW/m);
    expect(text.stdout).toMatch(/^user\s+delta\s+0\s+0\s+0\s+50/m);
    // --relist-after 0 lists the types the audit log would let rest; a negative number is a usage error.
    const relisted = await inProcess(['backup', 'contoso', '--types', 'directoryAudit,domain', '--relist-after', '0']);
    expect(relisted.code, relisted.stderr).toBe(0);
    expect(relisted.stdout).toMatch(/^domain\s+list\s/m);
    const negative = await inProcess(['backup', 'contoso', '--relist-after', '-1']);
    expect(negative.code).toBe(ERROR_CODES.USAGE.exit);
    expect(negative.stderr).toMatch(/non-negative number/);
  }, 90_000);

  it('survives a backup killed with SIGKILL: check --read-data passes and the next backup completes', async () => {
    const before = parseJson<unknown[]>(await inProcess(['snapshots', 'contoso', '--json'])).length;
    let child: ReturnType<typeof spawn> | undefined;
    let killed = false;
    // Kill the backup while it reads service principals' app role assignments, mid-run, with packs being written.
    const undo = bench.emulator.control.use({
      method: 'GET', path: '/servicePrincipals/{id}/appRoleAssignedTo',
      handler: async (ctx) => {
        if (!killed && child) {
          killed = true;
          child.kill('SIGKILL');
        }
        return ctx.next();
      },
    });
    try {
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'backup', 'contoso', '--full', '--json'], {
          cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.on('error', reject);
        child.on('exit', (code, signal) => resolve({ code, signal }));
      });
      expect(exit.signal).toBe('SIGKILL');
    } finally {
      undo();
    }
    const check = await cli(['check', '--read-data', '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(parseJson<{ ok: boolean }>(check).ok).toBe(true);
    expect(parseJson<unknown[]>(await inProcess(['snapshots', 'contoso', '--json']))).toHaveLength(before);
    const next = await cli(['backup', 'contoso', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(parseJson<unknown[]>(await inProcess(['snapshots', 'contoso', '--json']))).toHaveLength(before + 1);
    const again = await inProcess(['check', '--read-data', '--json']);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);

  it('removes a profile, after which its backups fail with PROFILE_NOT_FOUND', async () => {
    const removed = await inProcess(['profile', 'remove', 'cli', '--json']);
    expect(removed.code).toBe(0);
    expect(parseJson(removed)).toEqual({ removed: 'cli' });
    const backup = await inProcess(['backup', 'cli', '--json']);
    expect(backup.code).toBe(ERROR_CODES.PROFILE_NOT_FOUND.exit);
    expect(JSON.parse(backup.stderr)).toMatchObject({ error: { code: 'PROFILE_NOT_FOUND' } });
    expect((await inProcess(['profile', 'remove', 'cli'])).code).toBe(ERROR_CODES.PROFILE_NOT_FOUND.exit);
  }, 60_000);
});
