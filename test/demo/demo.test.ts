/**
 * The demo as `npm start` runs it, as a child process in a fresh directory: it finishes, names
 * the changes it made, its diff reports exactly those, the repository it leaves passes `check`,
 * and the printed `export …` lines are enough to explore it. A directory the demo did not make is
 * refused; one it made is started over.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/index.js';
import { parseJson, runCli, type CliResult } from '../cli/run-cli.js';
import { runInProcess } from '../browse/run-in-process.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** `tenant-vault demo` from the sources (never a stale build), in `cwd`, with a clean environment. */
function runDemo(cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'demo'], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function match(text: string, pattern: RegExp): string {
  const m = pattern.exec(text);
  if (!m?.[1]) throw new Error(`demo output lacks ${pattern}:\n${text}`);
  return m[1];
}

const dir = mkdtempSync(join(tmpdir(), 'tv-demo-'));
let demo: CliResult;
let env: Record<string, string>;

beforeAll(async () => {
  // What an earlier run left: the demo starts over.
  mkdirSync(join(dir, 'demo-data'));
  writeFileSync(join(dir, 'demo-data', '.tenant-vault-demo'), '');
  writeFileSync(join(dir, 'demo-data', 'left-by-an-earlier-run'), '');
  demo = await runDemo(dir);
  if (demo.code !== 0) throw new Error(`demo failed (${demo.code}):\n${demo.stdout}\n${demo.stderr}`);
  env = Object.fromEntries([...demo.stdout.matchAll(/^ {2}export (TENANT_VAULT_\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo', () => {
  it('warns about its printed password, starts over and says how to explore', () => {
    expect(demo.stdout).toContain('warning: this is a demo. Its repository password is "tenant-vault-demo"');
    expect(existsSync(join(dir, 'demo-data', 'left-by-an-earlier-run'))).toBe(false);
    expect(env).toEqual({
      TENANT_VAULT_HOME: join(dir, 'demo-data', 'home'),
      TENANT_VAULT_REPOSITORY: join(dir, 'demo-data', 'repository'),
      TENANT_VAULT_PASSWORD: 'tenant-vault-demo',
    });
    for (const command of ['snapshots', 'ls latest user', 'find "renamed by the demo"', 'history user/', 'diff ']) expect(demo.stdout).toContain(`npx tenant-vault ${command}`);
  });

  it('names its changes, and its diff reports exactly them', async () => {
    const renamed = match(demo.stdout, /renamed user .* \(user\/([\w-]+)\)/);
    const deleted = match(demo.stdout, /deleted group .* \(group\/([\w-]+)\)/);
    const lostMember = match(demo.stdout, /removed .* from group .* \(group\/([\w-]+)\)/);
    const policy = match(demo.stdout, /excluded guests from conditional-access policy .* \(conditionalAccessPolicy\/([\w-]+)\)/);
    const created = match(demo.stdout, /created user "Demo Newcomer" {2}\(user\/([\w-]+)\)/);
    // The human diff the demo printed.
    expect(demo.stdout).toMatch(new RegExp(`~ .*\\(renamed by the demo\\) {2}${renamed} {2}\\[displayName\\]`));
    expect(demo.stdout).toMatch(new RegExp(`- .* {2}${deleted}\\n`));
    expect(demo.stdout).toMatch(new RegExp(`~ .* {2}${lostMember} {2}\\[members\\]`));
    expect(demo.stdout).toMatch(new RegExp(`~ .* {2}${policy} {2}\\[conditions`));
    expect(demo.stdout).toContain(`+ Demo Newcomer  ${created}`);
    expect(demo.stdout).toContain('1 added, 3 changed, 1 removed');

    const first = match(demo.stdout, /^first backup: snapshot ([0-9a-f]{8})/m);
    const second = match(demo.stdout, /^second backup: snapshot ([0-9a-f]{8})/m);
    const diff = await runCli(['diff', first, second, '--json'], env);
    expect(diff.code, diff.stderr).toBe(0);
    expect(parseJson(diff)).toEqual({
      added: [{ type: 'user', id: created }],
      removed: [{ type: 'group', id: deleted }],
      changed: [
        // Graph moves the policy's modifiedDateTime with any change.
        { type: 'conditionalAccessPolicy', id: policy, properties: expect.arrayContaining(['conditions']) },
        { type: 'group', id: lostMember, properties: ['members'] },
        { type: 'user', id: renamed, properties: ['displayName'] },
      ],
    });
  });

  it('leaves a repository that passes check, explorable with the printed environment alone, history says who renamed the user', async () => {
    const renamed = match(demo.stdout, /renamed user .* \(user\/([\w-]+)\)/);
    const [check, found, history] = await Promise.all([
      runCli(['check'], env),
      runCli(['find', 'renamed by the demo', '--json'], env),
      runCli(['history', `user/${renamed}`, '--json'], env),
    ]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^no errors: 2 snapshots/m);
    // Who renamed the user: the emulator's audit record of the demo's PATCH, backed up by the second backup.
    const versions = parseJson<{ versions: { properties: string[] | null; changedBy: { activity: string; by: { kind: string; displayName: string } }[] }[] }>(history).versions;
    expect(versions.map((v) => v.properties)).toEqual([null, ['displayName']]);
    expect(versions[1]?.changedBy).toEqual([expect.objectContaining({ activity: 'Update user', by: expect.objectContaining({ kind: 'app', displayName: 'Tenant Vault Emulator Admin' }) })]);
    expect(parseJson<{ type: string; id: string }[]>(found).map((i) => `${i.type}/${i.id}`)).toEqual([`user/${renamed}`]);
  });

  it('refuses a directory it did not make', async () => {
    const foreign = join(dir, 'precious');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep-me'), 'data');
    const r = await runInProcess(['demo', '--dir', foreign], {});
    expect(r.code).toBe(ERROR_CODES.CONFIG_INVALID.exit);
    expect(r.stderr).toMatch(/^error CONFIG_INVALID: .*precious exists and was not made by the demo\n {2}hint: /);
    expect(existsSync(join(foreign, 'keep-me'))).toBe(true);
  });
});
