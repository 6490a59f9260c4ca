/**
 * The browse commands as a user runs them (environment only, no prompt): `ls`, `show`,
 * `find`, `history` and `diff` print the documented JSON (compared whole), readable text, and
 * the documented errors with their exit statuses — unknown and ambiguous snapshot prefixes,
 * unknown items, malformed arguments. The JSON contract and the exit statuses run as child
 * processes; the text outputs run the same `main` in-process (each child costs ~2 s of CPU).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/index.js';
import type { SnapshotInfo } from '../../src/repository/index.js';
import { parseJson, runCli, type CliResult } from '../cli/run-cli.js';
import { auditRecord, createTestRepo, guid, PASSWORD, user, type ModelItem, type TestRepo } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let t: TestRepo;
let env: Record<string, string>;
let s1: SnapshotInfo;
let s2: SnapshotInfo;
let ambiguous: string;
const s1Items: ModelItem[] = [...[1, 2, 3, 4, 5].map((n) => user(n)), { type: 'group', id: guid(1, 'b'), name: 'all staff', document: { id: guid(1, 'b'), displayName: 'all staff', members: [{ id: guid(1, 'a') }] } }];
const s2Items: ModelItem[] = s1Items.filter((i) => i.id !== guid(3, 'a')).map((i) => (i.id === guid(2, 'a') ? user(2, { displayName: 'Renamed Two', jobTitle: 'Lead' }) : i)).concat([user(6), auditRecord({ id: 'Directory_1', time: '2026-04-01T12:00:00Z', activity: 'Update user', targets: [{ id: guid(2, 'a'), properties: ['DisplayName'] }] })]);

/** Runs the CLI with at most `limit` processes at once (two cores). */
function pool(limit: number): (args: string[]) => Promise<CliResult> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (args) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await runCli(args, env);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

const runs: Record<string, Promise<CliResult>> = {};
const result = (name: string): Promise<CliResult> => runs[name] as Promise<CliResult>;

beforeAll(async () => {
  t = await createTestRepo('tv-browse-cli-');
  env = { TENANT_VAULT_REPOSITORY: t.repoPath, TENANT_VAULT_PASSWORD: PASSWORD, TENANT_VAULT_HOME: join(t.dir, 'home') };
  // Older snapshots of another profile until two share a first hex digit (an ambiguous prefix).
  const firsts = new Map<string, number>();
  for (let day = 1; ambiguous === undefined; day++) {
    const spare = await t.snapshot('spare', `2026-01-${String(day).padStart(2, '0')}T00:00:00Z`, [user(100 + day)]);
    const c = spare.id[0] as string;
    if (firsts.has(c)) ambiguous = c;
    firsts.set(c, day);
  }
  s1 = await t.snapshot('contoso', '2026-04-01T10:00:00Z', s1Items);
  s2 = await t.snapshot('contoso', '2026-04-02T10:00:00Z', s2Items);
  const unknown = [...'0123456789abcdef'].find((c) => !t.repo.id.startsWith('x') && ![s1.id, s2.id].some((id) => id.startsWith(c)) && !firsts.has(c)) ?? 'f';
  const children: Record<string, string[]> = {
    lsJson: ['ls', s1.id.slice(0, 10), '--json'],
    showJson: ['show', s2.id.slice(0, 8), `user/${guid(2, 'a')}`, '--json'],
    showMissing: ['show', s2.id, `user/${guid(3, 'a')}`],
    diffJson: ['diff', s1.id.slice(0, 8), s2.id.slice(0, 8), '--json'],
    findJson: ['find', 'two', '--json'],
    historyJson: ['history', `user/${guid(2, 'a')}`, '--profile', 'contoso', '--json'],
    unknownPrefix: ['ls', `${unknown}${unknown}${unknown}`],
    ambiguousPrefix: ['diff', ambiguous, s2.id, '--json'],
  };
  const run = pool(3);
  for (const [name, args] of Object.entries(children)) runs[name] = run(args);
  const inProcess: Record<string, string[]> = {
    lsText: ['ls', 'latest', 'user', '--profile', 'contoso'],
    showText: ['show', s2.id, `group/${guid(1, 'b')}`],
    showMissingType: ['show', s2.id, 'namedLocation/abc', '--json'],
    diffText: ['diff', s1.id, s2.id],
    diffType: ['diff', s1.id, s2.id, '--type', 'group', '--json'],
    diffLogs: ['diff', s1.id, s2.id, '--logs', '--json'],
    historyText: ['history', `user/${guid(2, 'a')}`],
    oneSnapshot: ['diff', s1.id],
    badItem: ['show', s1.id, 'no-slash'],
  };
  for (const [name, args] of Object.entries(inProcess)) {
    const r = await runInProcess(args, env);
    runs[name] = Promise.resolve(r);
  }
  await Promise.all(Object.values(runs));
});

afterAll(async () => t?.close());

const byListingOrder = (a: ModelItem, b: ModelItem): number => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id < b.id ? -1 : 1);

describe('browse CLI', () => {
  it('ls --json prints every item of the snapshot as {type, id, name}, in listing order', async () => {
    const r = await result('lsJson');
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson(r)).toEqual([...s1Items].sort(byListingOrder).map((i) => ({ type: i.type, id: i.id, name: i.name })));
  });

  it('ls prints aligned rows and a count, and resolves latest of a profile', async () => {
    const r = await result('lsText');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+ID\s+NAME$/);
    expect(lines.slice(1, -1)).toEqual([...s2Items].filter((i) => i.type === 'user').sort(byListingOrder).map((i) => `user  ${i.id}  ${i.name}`));
    expect(lines.at(-1)).toBe(`5 item(s) in snapshot ${s2.id.slice(0, 8)} (contoso, 2026-04-02 10:00:00Z) of type user`);
  });

  it('show --json prints exactly the stored document; without --json a header and pretty JSON', async () => {
    const r = await result('showJson');
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson(r)).toEqual(user(2, { displayName: 'Renamed Two', jobTitle: 'Lead' }).document);
    const text = await result('showText');
    expect(text.code, text.stderr).toBe(0);
    const [header, ...json] = text.stdout.split('\n');
    expect(header).toBe(`# group/${guid(1, 'b')}  all staff  — snapshot ${s2.id.slice(0, 8)} (contoso, 2026-04-02 10:00:00Z)`);
    expect(JSON.parse(json.join('\n'))).toEqual(s1Items[5]?.document);
  });

  it('show of an unknown item fails with ITEM_NOT_FOUND, its exit status and a hint', async () => {
    const r = await result('showMissing');
    expect(r.code).toBe(ERROR_CODES.ITEM_NOT_FOUND.exit);
    expect(r.stderr).toBe(`error ITEM_NOT_FOUND: Snapshot ${s2.id.slice(0, 8)} holds no user/${guid(3, 'a')}\n  hint: List the snapshot's user items with \`tenant-vault ls ${s2.id.slice(0, 8)} user\`, or search by name with \`tenant-vault find TEXT\`.\n`);
    const type = await result('showMissingType');
    expect(type.code).toBe(ERROR_CODES.ITEM_NOT_FOUND.exit);
    expect(JSON.parse(type.stderr)).toMatchObject({ error: { code: 'ITEM_NOT_FOUND', hint: `Snapshot ${s2.id.slice(0, 8)} has no namedLocation items; its types are: directoryAudit, group, user.` } });
  });

  it('diff --json prints the contract shape with exactly the changes', async () => {
    const r = await result('diffJson');
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson(r)).toEqual({
      added: [{ type: 'user', id: guid(6, 'a') }],
      removed: [{ type: 'user', id: guid(3, 'a') }],
      changed: [{ type: 'user', id: guid(2, 'a'), properties: ['displayName', 'jobTitle'] }],
    });
    const group = await result('diffType');
    expect(parseJson(group)).toEqual({ added: [], removed: [], changed: [] });
    // The audit log growing is not a change of the tenant: listed only with --logs (or --type).
    const logs = await result('diffLogs');
    expect(parseJson(logs)).toEqual({
      added: [{ type: 'directoryAudit', id: 'Directory_1' }, { type: 'user', id: guid(6, 'a') }],
      removed: [{ type: 'user', id: guid(3, 'a') }],
      changed: [{ type: 'user', id: guid(2, 'a'), properties: ['displayName', 'jobTitle'] }],
    });
  });

  it('diff prints changes grouped by type, with names and properties', async () => {
    const r = await result('diffText');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        `diff ${s1.id.slice(0, 8)} (contoso, 2026-04-01 10:00:00Z) → ${s2.id.slice(0, 8)} (contoso, 2026-04-02 10:00:00Z)`,
        '',
        'user: 1 added, 1 changed, 1 removed',
        `  + User 6  ${guid(6, 'a')}`,
        `  ~ Renamed Two  ${guid(2, 'a')}  [displayName, jobTitle]`,
        `  - User 3  ${guid(3, 'a')}`,
        '',
        '1 added, 1 changed, 1 removed',
        '(directoryAudit: 1 new log record(s) — not changes of the tenant; `--type directoryAudit` lists them)',
        '',
      ].join('\n'),
    );
  });

  it('find --json names the item and the snapshots of each matching version', async () => {
    const r = await result('findJson');
    expect(r.code, r.stderr).toBe(0);
    const at = (s: SnapshotInfo) => ({ id: s.id, time: s.time });
    expect(parseJson(r)).toEqual([
      { profile: 'contoso', type: 'user', id: guid(2, 'a'), name: 'Renamed Two', ranges: [{ name: 'Renamed Two', first: at(s2), last: at(s2), current: true, snapshots: 1 }] },
    ]);
  });

  it('history --json gives the versions and the changed properties; text reads as a timeline', async () => {
    const r = await result('historyJson');
    expect(r.code, r.stderr).toBe(0);
    const h = parseJson<{ versions: { name: string; properties: string[] | null; change: string; changedBy: unknown[] }[]; removals: unknown[] }>(r);
    const update = { auditId: 'Directory_1', time: '2026-04-01T12:00:00Z', activity: 'Update user', operationType: 'Update', result: 'success', by: null, properties: ['DisplayName'] };
    expect(h.versions.map((v) => [v.name, v.change, v.properties, v.changedBy])).toEqual([
      ['User 2', 'added', null, []],
      ['Renamed Two', 'changed', ['displayName', 'jobTitle'], [update]],
    ]);
    expect(h.removals).toEqual([]);
    const text = await result('historyText');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      [
        `user/${guid(2, 'a')} — 2 version(s) in profile contoso`,
        `  ${s1.id.slice(0, 8)} 2026-04-01 10:00:00Z … ${s1.id.slice(0, 8)} 2026-04-01 10:00:00Z  "User 2"  in the first snapshot`,
        `  ${s2.id.slice(0, 8)} 2026-04-02 10:00:00Z … current  "Renamed Two"  changed: displayName, jobTitle`,
        '      2026-04-01 12:00:00Z  Update user by unknown: DisplayName',
        '',
      ].join('\n'),
    );
  });

  it('fails with SNAPSHOT_NOT_FOUND for an unknown prefix and USAGE for an ambiguous one or bad arguments', async () => {
    const unknown = await result('unknownPrefix');
    expect(unknown.code).toBe(ERROR_CODES.SNAPSHOT_NOT_FOUND.exit);
    expect(unknown.stderr).toMatch(/^error SNAPSHOT_NOT_FOUND: No snapshot \w+\n {2}hint: List snapshots with `tenant-vault snapshots`/);
    const ambiguousRun = await result('ambiguousPrefix');
    expect(ambiguousRun.code).toBe(ERROR_CODES.USAGE.exit);
    expect(JSON.parse(ambiguousRun.stderr)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('ambiguous'), hint: 'Give more characters of the snapshot ID.' } });
    for (const name of ['oneSnapshot', 'badItem']) {
      const r = await result(name);
      expect(r.code, name).toBe(ERROR_CODES.USAGE.exit);
      expect(r.stderr, name).toMatch(/^error USAGE: .*\n {2}hint: /);
    }
  });
});
