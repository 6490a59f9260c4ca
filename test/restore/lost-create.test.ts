/**
 * A create Graph answers with 429 although it happened (a request inside a batch can, facts §4)
 * must not be repeated: the applier looks for the object by its natural key before sending it
 * again, and adopts the one it created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRestore, planRestore } from '../../src/engine/restore/index.js';
import { listAll, startBench, type Bench, type Doc } from './helpers.js';

describe('a throttled create that happened', () => {
  let bench: Bench;

  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('is found, not created twice', async () => {
    const admin = bench.admin;
    const group = (await admin.request<Doc>('/groups', { method: 'POST', body: { displayName: 'Twice?', mailEnabled: false, mailNickname: 'twice', securityEnabled: true } })).body;
    const people = (await listAll<Doc>(admin, '/users', { $select: 'id,userPrincipalName,userType', $top: 60 })).filter((u) => u.userType === 'Member').slice(44, 47);
    const before = await bench.backup({ types: ['user', 'group'] });
    await admin.request(`/groups/${group.id}`, { method: 'DELETE' });
    for (const u of people) {
      await admin.request(`/users/${u.id}`, { method: 'DELETE' });
      await admin.request(`/directory/deletedItems/${u.id}`, { method: 'DELETE' });
    }
    const plan = await planRestore(bench.ws, { snapshot: before.snapshot, selectors: [`group/${group.id}`, ...people.map((u) => `user/${u.id}`)] }, { clock: bench.clock });

    // Each first create happens, but the answer says 429 (with Retry-After).
    let throttled = 0;
    const tooMany = { status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } };
    const undoUsers = bench.emulator.control.use({ method: 'POST', path: '/users', times: 2, handler: async (ctx) => { await ctx.next(); throttled++; return tooMany; } });
    const undoGroups = bench.emulator.control.use({ method: 'POST', path: '/groups', times: 1, handler: async (ctx) => { await ctx.next(); throttled++; return tooMany; } });
    try {
      const report = await applyRestore(bench.ws, plan, { clock: bench.clock });
      expect(throttled).toBe(3);
      expect(report.operations.filter((op) => op.result === 'failed')).toEqual([]);
      expect(report.status).toBe('succeeded');
    } finally {
      undoUsers();
      undoGroups();
    }
    for (const u of people) {
      const same = await listAll<Doc>(admin, '/users', { $filter: `userPrincipalName eq '${String(u.userPrincipalName)}'`, $select: 'id' });
      expect(same, String(u.userPrincipalName)).toHaveLength(1);
    }
    expect(await listAll<Doc>(admin, '/groups', { $filter: "mailNickname eq 'twice'", $select: 'id' })).toHaveLength(1);
  });
});
