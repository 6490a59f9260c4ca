/**
 * The CLI contract of issue 2: TENANT_VAULT_REPOSITORY and TENANT_VAULT_PASSWORD (or --repo and
 * --password-file) are enough to run init, snapshots --json, check and check --read-data with no
 * prompt; wrong password, missing repository and a locked repository give their codes and exit
 * statuses; a flipped byte in a pack makes `check --read-data` fail naming the blob.
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { ERROR_CODES } from '../../src/errors/index.js';
import { openRepository, type Repository } from '../../src/repository/index.js';
import { FsBlobStore } from '../../src/storage/index.js';
import { parseJson, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tv-cli-'));
const repoPath = join(dir, 'repo');
const env = { TENANT_VAULT_REPOSITORY: repoPath, TENANT_VAULT_PASSWORD: 'first password', TENANT_VAULT_HOME: join(dir, 'home') };

function user(i: number, version = 0): { type: string; id: string; name: string; document: unknown } {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return { type: 'user', id, name: `User ${i}`, document: { id, displayName: `User ${i}`, userPrincipalName: `user${i}@contoso.example`, jobTitle: `Engineer v${version}` } };
}

async function writeSnapshot(repo: Repository, time: string, version: number): Promise<string> {
  const writer = await repo.startSnapshot({ profile: 'contoso', time: new Date(time) });
  await writer.replaceType('user', (async function* () {
    for (let i = 0; i < 300; i++) yield user(i, i < 3 ? version : 0);
  })());
  return (await writer.commit()).id;
}

let snapshotIds: string[] = [];

beforeAll(async () => {
  const init = await runCli(['init', '--json'], env);
  expect(init.code, init.stderr).toBe(0);
  expect(parseJson<{ id: string }>(init).id).toMatch(/^[0-9a-f]{64}$/);
  const repo = await openRepository(new FsBlobStore(repoPath), new Secret(env.TENANT_VAULT_PASSWORD));
  snapshotIds = [await writeSnapshot(repo, '2026-11-01T10:00:00Z', 1), await writeSnapshot(repo, '2026-11-02T10:00:00Z', 2)];
  await repo.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('repository CLI', () => {
  it('lists snapshots as a JSON array of {id, profile, time}, newest last', async () => {
    const r = await runCli(['snapshots', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = parseJson<{ id: string; profile: string; time: string }[]>(r);
    expect(list.map((s) => [s.id, s.profile, s.time])).toEqual([
      [snapshotIds[0], 'contoso', '2026-11-01T10:00:00.000Z'],
      [snapshotIds[1], 'contoso', '2026-11-02T10:00:00.000Z'],
    ]);
  });

  it('takes --repo and --password-file instead of the environment', async () => {
    const pwFile = join(dir, 'pw');
    writeFileSync(pwFile, `${env.TENANT_VAULT_PASSWORD}\n`);
    const r = await runCli(['--repo', repoPath, '--password-file', pwFile, 'check', '--read-data'], { TENANT_VAULT_HOME: env.TENANT_VAULT_HOME });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no errors: 2 snapshots/);
  });

  it('fails with REPO_WRONG_PASSWORD, REPO_NOT_FOUND and PASSWORD_MISSING and their exit statuses', async () => {
    const wrong = await runCli(['snapshots', '--json'], { ...env, TENANT_VAULT_PASSWORD: 'nope' });
    expect(wrong.code).toBe(ERROR_CODES.REPO_WRONG_PASSWORD.exit);
    expect(wrong.stderr).toContain('REPO_WRONG_PASSWORD');

    const missing = await runCli(['check'], { ...env, TENANT_VAULT_REPOSITORY: join(dir, 'absent') });
    expect(missing.code).toBe(ERROR_CODES.REPO_NOT_FOUND.exit);
    expect(missing.stderr).toMatch(/error REPO_NOT_FOUND: .*\n\s+hint: /);

    const noPassword = await runCli(['snapshots'], { ...env, TENANT_VAULT_PASSWORD: undefined });
    expect(noPassword.code).toBe(ERROR_CODES.PASSWORD_MISSING.exit);
  });

  it('reports a locked repository with REPO_LOCKED naming the holder', async () => {
    const repo = await openRepository(new FsBlobStore(repoPath), new Secret(env.TENANT_VAULT_PASSWORD));
    const plan = await repo.planPrune(); // holds the exclusive lock
    try {
      const r = await runCli(['check'], env);
      expect(r.code).toBe(ERROR_CODES.REPO_LOCKED.exit);
      expect(r.stderr).toContain('REPO_LOCKED');
      expect(r.stderr).toContain(`pid ${process.pid}`);
    } finally {
      await repo.abandonPrune(plan);
      await repo.close();
    }
  });

  it('manages keys: a second password opens the repository, the last key cannot be removed', async () => {
    const added = await runCli(['key', 'add', '--json', '--label', 'second'], { ...env, TENANT_VAULT_NEW_PASSWORD: 'second password' });
    expect(added.code, added.stderr).toBe(0);
    const newKey = parseJson<{ id: string }>(added).id;
    const list = parseJson<{ id: string; current: boolean; label?: string }[]>(await runCli(['key', 'list', '--json'], { ...env, TENANT_VAULT_PASSWORD: 'second password' }));
    expect(list).toHaveLength(2);
    expect(list.find((k) => k.current)).toMatchObject({ id: newKey, label: 'second' });
    const first = list.find((k) => !k.current)!.id;
    const removed = await runCli(['key', 'remove', first.slice(0, 8)], { ...env, TENANT_VAULT_PASSWORD: 'second password' });
    expect(removed.code, removed.stderr).toBe(0);
    expect((await runCli(['snapshots'], env)).code).toBe(ERROR_CODES.REPO_WRONG_PASSWORD.exit);
    const last = await runCli(['key', 'remove', newKey, '--allow-current'], { ...env, TENANT_VAULT_PASSWORD: 'second password' });
    expect(last.code).toBe(ERROR_CODES.REPO_LAST_KEY.exit);
    env.TENANT_VAULT_PASSWORD = 'second password';
  });

  it('rebuilds the catalog from the repository alone, even over a damaged catalog file', async () => {
    const first = await runCli(['catalog', 'rebuild', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(parseJson(first)).toEqual({ profiles: 1, snapshots: 2, changes: 303 });
    const catalogs = join(env.TENANT_VAULT_HOME, 'catalogs');
    const file = join(catalogs, readdirSync(catalogs).find((f) => f.endsWith('.sqlite'))!);
    writeFileSync(file, 'this is not a database');
    const again = await runCli(['catalog', 'rebuild', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson(again)).toEqual({ profiles: 1, snapshots: 2, changes: 303 });
  });

  it('names the damaged blob when one byte of a pack is flipped, and the rest still reads', async () => {
    const packs: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else packs.push(p);
      }
    };
    walk(join(repoPath, 'data'));
    const pack = packs.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(pack);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(pack, bytes);

    const structural = await runCli(['check'], env);
    expect(structural.code, structural.stderr).toBe(0);
    const r = await runCli(['check', '--read-data', '--json'], env);
    expect(r.code).toBe(ERROR_CODES.CHECK_FAILED.exit);
    const report = parseJson<{ ok: boolean; errors: { blob?: string; items: { type: string; id: string }[]; snapshots: string[] }[] }>(r);
    expect(report.ok).toBe(false);
    const damaged = report.errors.find((e) => e.blob !== undefined)!;
    expect(damaged.blob).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stderr).toContain('CHECK_FAILED');
    expect(r.stderr).toContain(damaged.blob!.slice(0, 8));
    expect(damaged.snapshots.length).toBeGreaterThan(0);
    expect(damaged.items.length).toBeGreaterThan(0);

    // Every item not named as damaged still reads, equal to what was written.
    const repo = await openRepository(new FsBlobStore(repoPath), new Secret(env.TENANT_VAULT_PASSWORD));
    const bad = new Set(report.errors.flatMap((e) => e.items.map((i) => i.id)));
    let read = 0;
    for await (const entry of repo.entries(snapshotIds[1]!)) {
      if (bad.has(entry.id)) continue;
      const i = Number(entry.id.slice(-12));
      expect(await repo.readDocument(entry)).toEqual(user(i, i < 3 ? 2 : 0).document);
      read += 1;
    }
    expect(read).toBe(300 - bad.size);
    await repo.close();
  });

  it('forgets by policy and prunes the data no snapshot needs any more', async () => {
    const dry = await runCli(['forget', '--keep-last', '1', '--dry-run', '--json'], env);
    expect(parseJson<{ removed: string[] }>(dry).removed).toEqual([snapshotIds[0]]);
    expect(parseJson<unknown[]>(await runCli(['snapshots', '--json'], env))).toHaveLength(2);
    const forget = await runCli(['forget', '--keep-last', '1', '--json'], env);
    expect(forget.code, forget.stderr).toBe(0);
    expect(parseJson<{ id: string }[]>(await runCli(['snapshots', '--json'], env)).map((s) => s.id)).toEqual([snapshotIds[1]]);
    const noPolicy = await runCli(['forget'], env);
    expect(noPolicy.code).toBe(ERROR_CODES.USAGE.exit);
  });

  it('lists the other snapshots when one snapshot file is damaged, warns on stderr, and check names it', async () => {
    const repo = await openRepository(new FsBlobStore(repoPath), new Secret(env.TENANT_VAULT_PASSWORD));
    const damaged = await writeSnapshot(repo, '2026-11-03T10:00:00Z', 3);
    await repo.close();
    const file = join(repoPath, 'snapshots', damaged);
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(file, bytes);

    const r = await runCli(['snapshots', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson<{ id: string }[]>(r).map((s) => s.id)).toEqual([snapshotIds[1]]);
    expect(r.stderr).toMatch(/^warning snapshot-damaged: .*/m);
    expect(r.stderr).toContain(damaged.slice(0, 8));
    const check = await runCli(['check', '--json'], env);
    expect(check.code).toBe(ERROR_CODES.CHECK_FAILED.exit);
    expect(check.stdout).toContain(damaged);
  });
});
