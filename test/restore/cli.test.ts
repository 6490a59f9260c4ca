/**
 * `tenant-vault restore` as users run it — child processes of the CLI against the in-process
 * emulator:
 * - the plan JSON contract (`--plan --json`, issue #5) and `--out`;
 * - `--apply` without `--yes` off a terminal refuses (USAGE) and writes nothing;
 * - a plan file is refused with PLAN_STALE once the tenant changed, writing nothing;
 * - acceptance 8: a restore killed with SIGKILL in the middle of its creates, run again with the
 *   same command, resumes and completes — nothing created twice, everything verified;
 * - `restore list` and `restore show` (with `--secrets`).
 * The contract and the crash run as child processes; the rest runs the same `main` in process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../browse/run-in-process.js';
import { startCli, type CliResult, type CliRun } from '../cli/run-cli.js';
import type { RestorePlan, RestoreReport } from '../../src/engine/restore/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { comparable, snapshotDocs } from './compare.js';
import { PASSWORD, listAll, startBench, type Bench, type Doc } from './helpers.js';

const ACTIONS = ['recycleBin', 'create', 'update', 'relink', 'skip', 'unsupported'];

const start = (bench: Bench, args: readonly string[]): CliRun => startCli(args, cliEnv(bench));
const cli = (bench: Bench, args: readonly string[]) => start(bench, args).done;

function cliEnv(bench: Bench): Record<string, string> {
  return { TENANT_VAULT_PASSWORD: PASSWORD, TENANT_VAULT_REPOSITORY: join(bench.dir, 'repo'), TENANT_VAULT_HOME: join(bench.dir, 'home') };
}

/** The same `main` in this process (a child process costs seconds to start). */
function inProcess(bench: Bench, args: readonly string[]): Promise<CliResult> {
  return runInProcess(args, cliEnv(bench));
}

describe('tenant-vault restore (CLI)', () => {
  let bench: Bench;
  let snapshot: BackupReport;
  let group: Doc;
  let au: Doc;
  let people: Doc[];

  beforeAll(async () => {
    bench = await startBench();
    const admin = bench.admin;
    people = (await listAll<Doc>(admin, '/users', { $select: 'id,userPrincipalName,userType', $top: 60 })).filter((u) => u.userType === 'Member');
    group = (await admin.request<Doc>('/groups', {
      method: 'POST', body: { displayName: 'CLI group', mailEnabled: false, mailNickname: 'cli-group', securityEnabled: true, 'members@odata.bind': people.slice(1, 3).map((u) => `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}`) },
    })).body;
    au = (await listAll<Doc>(admin, '/directory/administrativeUnits'))[1]!;
    await admin.request(`/directory/administrativeUnits/${au.id}/members/$ref`, { method: 'POST', body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${group.id}` } });
    snapshot = await bench.backup({ types: ['user', 'group', 'administrativeUnit', 'servicePrincipal', 'application'] });
    await admin.request(`/groups/${group.id}`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('prints the plan as the JSON contract says, writes it with --out, and writes nothing to the tenant', async () => {
    bench.emulator.control.resetStats();
    const out = join(bench.dir, 'plan.json');
    const result = await cli(bench, ['restore', snapshot.snapshot.slice(0, 10), `group/${group.id}`, '--plan', '--json', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as RestorePlan;
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(plan);
    expect(Array.isArray(plan.operations)).toBe(true);
    for (const op of plan.operations) {
      expect(typeof op.type).toBe('string');
      expect(typeof op.id).toBe('string');
      expect(ACTIONS).toContain(op.action);
      if (op.targetId !== undefined) expect(typeof op.targetId).toBe('string');
      if (op.properties !== undefined) expect(Array.isArray(op.properties)).toBe(true);
      if (op.references !== undefined) expect(Array.isArray(op.references)).toBe(true);
      if (op.reason !== undefined) expect(typeof op.reason).toBe('string');
    }
    expect(plan.operations.find((op) => op.action === 'create')).toMatchObject({ type: 'group', id: group.id });
    expect(plan.operations.find((op) => op.type === 'administrativeUnit')).toMatchObject({
      action: 'relink', targetId: au.id, references: [{ path: 'members', targetType: 'group', change: 'add', from: group.id, to: 'new id after create' }],
    });
    // Planning only reads: the only non-GET requests are $batch envelopes and getByIds reads.
    const endpoints = Object.values(bench.emulator.control.stats('contoso').apps).flatMap((a) => Object.entries(a.endpoints));
    expect(endpoints.filter(([, c]) => c.writes > 0).map(([e]) => e).filter((e) => !['POST /$batch', 'POST /directoryObjects/getByIds'].includes(e))).toEqual([]);
  });

  it('refuses to apply without --yes off a terminal, and refuses a stale plan file', async () => {
    const out = join(bench.dir, 'plan.json');
    const refused = await inProcess(bench, ['restore', '--apply', '--plan-file', out, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'USAGE' });

    // The administrative unit the plan read changes: the plan no longer says what would happen.
    await bench.admin.request(`/directory/administrativeUnits/${au.id}`, { method: 'PATCH', body: { description: 'changed after the plan' } });
    const stale = await inProcess(bench, ['restore', '--apply', '--plan-file', out, '--yes', '--json']);
    expect(stale.code).toBe(50);
    expect(JSON.parse(stale.stderr).error).toMatchObject({ code: 'PLAN_STALE' });
    expect(JSON.parse(stale.stderr).error.message).toContain(`administrativeUnit/${au.id}`);
    expect(await listAll<Doc>(bench.admin, '/groups', { $filter: "mailNickname eq 'cli-group'", $select: 'id' })).toEqual([]);
  });

  it('resumes a restore killed with SIGKILL and completes it (acceptance 8)', async () => {
    const admin = bench.admin;
    const doomed = people.slice(20, 32);
    for (const u of doomed) {
      await admin.request(`/users/${u.id}`, { method: 'DELETE' });
      await admin.request(`/directory/deletedItems/${u.id}`, { method: 'DELETE' });
    }
    const args = ['restore', snapshot.snapshot, ...doomed.map((u) => `user/${u.id}`), '--apply', '--yes', '--json'];
    // The fifth create happens, then its answer never comes: the process dies waiting for it.
    let creates = 0;
    let reached!: () => void;
    const atFifth = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const undo = bench.emulator.control.use({
      method: 'POST', path: '/users',
      handler: async (ctx) => {
        const response = await ctx.next();
        if (++creates === 5) {
          reached();
          await released;
        }
        return response;
      },
    });
    const first = start(bench, args);
    await Promise.race([atFifth, first.done.then((r) => Promise.reject(new Error(`the CLI ended first: ${r.stderr}`)))]);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    undo();
    release();

    const second = await cli(bench, args);
    expect(second.stderr).toMatch(/^Resuming restore [0-9a-f]{16}/);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as RestoreReport;
    expect(report.resumed).toBe(true);
    expect(report.status).toBe('succeeded');
    const created = report.operations.filter((op) => op.action === 'create');
    expect(created).toHaveLength(doomed.length);
    expect(created.every((op) => op.result === 'done' && op.verified === true && typeof op.newId === 'string')).toBe(true);
    // Nothing was created twice, and every temporary password is in the report once.
    for (const u of doomed) {
      expect(await listAll<Doc>(admin, '/users', { $filter: `userPrincipalName eq '${String(u.userPrincipalName)}'`, $select: 'id' })).toHaveLength(1);
    }
    expect(report.secrets?.map((s) => s.id).sort()).toEqual(doomed.map((u) => String(u.id)).sort());
    // The users are back with their memberships.
    const map = new Map(created.map((op) => [op.id, op.newId!]));
    const was = await snapshotDocs(await bench.ws.repository(), snapshot.snapshot, 'user');
    const now = await snapshotDocs(await bench.ws.repository(), (await bench.backup({ types: ['user'] })).snapshot, 'user');
    for (const u of doomed) expect(comparable('user', now.get('user')!.get(map.get(String(u.id))!)!)).toEqual(comparable('user', was.get('user')!.get(String(u.id))!, map));

    // list and show.
    const listed = JSON.parse((await inProcess(bench, ['restore', 'list', '--json'])).stdout) as { restores: Array<{ id: string; status: string }> };
    expect(listed.restores.find((r) => r.id === report.restore)).toMatchObject({ status: 'succeeded' });
    const shown = JSON.parse((await inProcess(bench, ['restore', 'show', report.restore.slice(0, 6), '--json', '--secrets'])).stdout) as { id: string; plan: RestorePlan; secrets: Array<{ value: string }> };
    expect(shown.id).toBe(report.restore);
    expect(shown.plan.operations).toHaveLength(report.operations.length);
    expect(shown.secrets.map((s) => s.value).sort()).toEqual(report.secrets!.map((s) => s.value).sort());
  });

  it('plans and applies in one run through one connection (one scheduler per app and tenant), for a restore and its undo', async () => {
    const user = people[40]!;
    await bench.admin.request(`/users/${String(user.id)}`, { method: 'DELETE' });
    // Every connection sizes its scheduler from the tenant's user count, once (session.ts): counts are connections.
    const connections = (): number => Object.values(bench.emulator.control.stats('contoso').apps)
      .reduce((n, app) => n + Object.entries(app.endpoints).filter(([e]) => e.startsWith('GET /users/$count')).reduce((m, [, c]) => m + c.requests, 0), 0);

    bench.emulator.control.resetStats();
    const applied = await inProcess(bench, ['restore', snapshot.snapshot, `user/${String(user.id)}`, '--apply', '--yes', '--json']);
    expect(applied.code).toBe(0);
    const report = JSON.parse(applied.stdout) as RestoreReport;
    expect(report.operations.filter((op) => op.action !== 'unsupported').map((op) => [op.action, op.result, op.verified])).toEqual([['recycleBin', 'done', true]]);
    expect(connections()).toBe(1);

    bench.emulator.control.resetStats();
    const undone = await inProcess(bench, ['restore', 'undo', report.restore, '--yes', '--json']);
    expect(undone.code).toBe(0);
    expect((JSON.parse(undone.stdout) as RestoreReport).operations.map((op) => [op.action, op.result])).toEqual([['delete', 'done']]);
    expect(connections()).toBe(1);
  });
});
