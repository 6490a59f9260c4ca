/**
 * Selectors (`TYPE`, `TYPE/ID`, `TYPE:property=value`, `--changed-since`) choose exactly the
 * snapshot items they name; modes decide what happens to items that exist: `skip` leaves them,
 * `merge` writes the properties that differ and adds missing relationship entries (never
 * removing extra ones), `overwrite` makes them equal to the snapshot; `--properties` restricts
 * the write to the properties named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRestore, parseSelector, planRestore } from '../../src/engine/restore/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { comparable, snapshotDocs } from './compare.js';
import { listAll, startBench, type Bench, type Doc } from './helpers.js';

const TYPES = ['user', 'group'];

describe('selectors, modes and --properties', () => {
  let bench: Bench;
  let s1: BackupReport;
  let s2: BackupReport;
  let alice: Doc;
  let bob: Doc;
  let team: Doc;
  let removed: string;
  let added: string;

  beforeAll(async () => {
    bench = await startBench();
    const admin = bench.admin;
    const people = (await listAll<Doc>(admin, '/users', { $select: 'id,displayName,userType,jobTitle,department,officeLocation', $top: 60 })).filter((u) => u.userType === 'Member');
    [alice, bob] = [people[5]!, people[6]!];
    const members = people.slice(10, 14).map((u) => String(u.id));
    team = (await admin.request<Doc>('/groups', {
      method: 'POST', body: { displayName: 'Modes team', mailEnabled: true, mailNickname: 'modes-team', securityEnabled: false, groupTypes: ['Unified'], 'members@odata.bind': members.map((m) => `https://graph.microsoft.com/v1.0/directoryObjects/${m}`) },
    })).body;
    s1 = await bench.backup({ types: TYPES });
    await admin.request(`/users/${alice.id}`, { method: 'PATCH', body: { jobTitle: 'Changed title', department: 'Changed department' } });
    await admin.request(`/users/${bob.id}`, { method: 'PATCH', body: { officeLocation: 'Changed office' } });
    removed = members[0]!;
    added = String(people[20]!.id);
    await admin.request(`/groups/${team.id}/members/${removed}/$ref`, { method: 'DELETE' });
    await admin.request(`/groups/${team.id}/members/$ref`, { method: 'POST', body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${added}` } });
    s2 = await bench.backup({ types: TYPES });
  });
  afterAll(async () => {
    await bench?.close();
  });

  const plan = (selectors: string[], extra: Record<string, unknown> = {}) => planRestore(bench.ws, { snapshot: s1.snapshot, selectors, ...extra }, { clock: bench.clock });
  const items = (ops: ReadonlyArray<{ type: string; id: string }>) => [...new Set(ops.map((op) => `${op.type}/${op.id}`))].sort();

  it('chooses items by type, id, property value and change since another snapshot', async () => {
    expect(items((await plan([`user:displayName=${String(alice.displayName).toUpperCase()}`])).operations)).toEqual([`user/${alice.id}`]);
    expect(items((await plan([`user/${bob.id}`])).operations)).toEqual([`user/${bob.id}`]);
    const users = await snapshotDocs(await bench.ws.repository(), s1.snapshot, 'user');
    expect(items((await plan(['user'])).operations)).toEqual([...users.get('user')!.keys()].map((id) => `user/${id}`).sort());
    expect(items((await plan([], { changedSince: s2.snapshot })).operations)).toEqual([`group/${team.id}`, `user/${alice.id}`, `user/${bob.id}`].sort());
    expect(items((await plan(['user'], { changedSince: s2.snapshot })).operations)).toEqual([`user/${alice.id}`, `user/${bob.id}`].sort());

    expect(() => parseSelector('nosuchtype')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseSelector('user:displayName')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    await expect(plan(['user/00000000-0000-0000-0000-00000000abcd'])).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
  });

  it('skip leaves existing items alone; merge writes what differs; --properties only those properties', async () => {
    expect((await plan([`user/${alice.id}`], { mode: 'skip' })).operations).toEqual([
      expect.objectContaining({ type: 'user', id: alice.id, action: 'skip', reason: 'Exists in the target (mode skip).' }),
    ]);
    const merge = (await plan([`user/${alice.id}`])).operations[0]!;
    expect(merge).toMatchObject({ action: 'update', targetId: alice.id });
    expect(merge.properties).toHaveLength(2);
    expect(merge.properties).toEqual(expect.arrayContaining([
      { name: 'department', from: 'Changed department', to: alice.department },
      { name: 'jobTitle', from: 'Changed title', to: alice.jobTitle },
    ]));

    const only = await plan([`user/${alice.id}`], { properties: ['jobTitle'] });
    expect(only.operations[0]!.properties).toEqual([{ name: 'jobTitle', from: 'Changed title', to: alice.jobTitle }]);
    const report = await applyRestore(bench.ws, only, { clock: bench.clock });
    expect(report.status).toBe('succeeded');
    const now = (await bench.admin.request<Doc>(`/users/${alice.id}`, { query: { $select: 'jobTitle,department' } })).body;
    expect(now).toMatchObject({ jobTitle: alice.jobTitle, department: 'Changed department' });
  });

  it('merge adds a missing member and keeps the extra one; overwrite makes the members equal to the snapshot', async () => {
    const merge = (await plan([`group/${team.id}`])).operations[0]!;
    expect(merge).toMatchObject({ action: 'update', references: [{ path: 'members', targetType: 'user', change: 'add', from: removed, to: removed }] });
    const overwrite = await plan([`group/${team.id}`], { mode: 'overwrite' });
    expect(overwrite.operations[0]!.references).toEqual(expect.arrayContaining([
      { path: 'members', targetType: 'user', change: 'add', from: removed, to: removed },
      { path: 'members', targetType: 'user', change: 'remove', from: added, to: null },
    ]));

    await applyRestore(bench.ws, await plan([`group/${team.id}`]), { clock: bench.clock });
    const merged = (await listAll<Doc>(bench.admin, `/groups/${team.id}/members`, { $select: 'id' })).map((m) => String(m.id));
    expect(merged).toEqual(expect.arrayContaining([removed, added]));

    const report = await applyRestore(bench.ws, await plan([`group/${team.id}`], { mode: 'overwrite' }), { clock: bench.clock });
    expect(report.status).toBe('succeeded');
    const was = await snapshotDocs(await bench.ws.repository(), s1.snapshot, 'group');
    const now = await snapshotDocs(await bench.ws.repository(), (await bench.backup({ types: ['group'] })).snapshot, 'group');
    expect(comparable('group', now.get('group')!.get(String(team.id))!)).toEqual(comparable('group', was.get('group')!.get(String(team.id))!));
  });
});
