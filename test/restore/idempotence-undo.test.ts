/**
 * Issue #5 acceptance 8 (in process): applying the same plan twice changes nothing the second
 * time — neither the same plan again (its journal says it is done) nor a fresh plan of the same
 * request (every operation compares with the target first) writes anything; `restore undo` returns
 * the tenant to its state before the restore (a backup taken before the restore and one taken
 * after the undo hold the same objects).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRestore, planRestore, planUndo, restoreStore, type RestoreReport, type RestoreRequest } from '../../src/engine/restore/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import type { Repository } from '../../src/repository/index.js';
import { comparable, snapshotDocs } from './compare.js';
import { listAll, startBench, type Bench, type Doc } from './helpers.js';

const TYPES = ['user', 'group', 'application', 'servicePrincipal', 'administrativeUnit'];
const GRAPH = 'https://graph.microsoft.com/v1.0/directoryObjects';
const READ_POSTS = new Set(['POST /$batch', 'POST /directoryObjects/getByIds']);

describe('idempotence and undo (acceptance 8)', () => {
  let bench: Bench;
  let repo: Repository;
  let snapshot: BackupReport;
  let beforeRestore: BackupReport;
  let request: RestoreRequest;
  let first: RestoreReport;
  /**
   * Writes the tenant saw. The emulator's stats book every non-GET as a write; a `$batch` envelope
   * and `getByIds` (a read action) write nothing.
   */
  const writes = () => Object.values(bench.emulator.control.stats('contoso').apps)
    .flatMap((app) => Object.entries(app.endpoints)).filter(([endpoint]) => !READ_POSTS.has(endpoint)).reduce((n, [, c]) => n + c.writes, 0);

  beforeAll(async () => {
    bench = await startBench();
    repo = await bench.ws.repository();
    const admin = bench.admin;
    const people = (await listAll<Doc>(admin, '/users', { $select: 'id,userType', $top: 60 })).filter((u) => u.userType === 'Member');
    const group = (await admin.request<Doc>('/groups', {
      method: 'POST', body: { displayName: 'Undo test group', mailEnabled: false, mailNickname: 'undo-test', securityEnabled: true, 'members@odata.bind': people.slice(30, 33).map((u) => `${GRAPH}/${u.id}`) },
    })).body;
    const unified = (await listAll<Doc>(admin, '/groups', { $select: 'id,groupTypes' })).find((g) => (g.groupTypes as string[]).includes('Unified'))!;
    snapshot = await bench.backup({ types: TYPES });

    // What happens after the snapshot: a group deleted for good, a user to the recycle bin, a user
    // edited, a member removed.
    const [gone, edited] = [people[40]!, people[41]!];
    await admin.request(`/groups/${group.id}`, { method: 'DELETE' });
    await admin.request(`/users/${gone.id}`, { method: 'DELETE' });
    await admin.request(`/users/${edited.id}`, { method: 'PATCH', body: { jobTitle: 'Changed after the snapshot', department: 'Elsewhere' } });
    const members = (await admin.request<{ value: Doc[] }>(`/groups/${unified.id}/members`, { query: { $select: 'id' } })).body.value;
    await admin.request(`/groups/${unified.id}/members/${members[0]!.id}/$ref`, { method: 'DELETE' });
    beforeRestore = await bench.backup({ types: TYPES });
    request = { snapshot: snapshot.snapshot, selectors: [`group/${group.id}`, `user/${gone.id}`, `user/${edited.id}`, `group/${unified.id}`], mode: 'overwrite' };
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('applies a plan once; the same plan again, and a new plan of the same request, write nothing', async () => {
    const plan = await planRestore(bench.ws, request, { clock: bench.clock });
    expect(plan.operations.map((op) => op.action).filter((a) => a !== 'unsupported' && a !== 'skip')).toEqual(expect.arrayContaining(['create', 'recycleBin', 'update']));
    first = await applyRestore(bench.ws, plan, { clock: bench.clock });
    expect(first.status).toBe('succeeded');
    expect(first.writes).toBeGreaterThan(0);

    const written = writes();
    const again = await applyRestore(bench.ws, plan, { clock: bench.clock });
    expect(writes()).toBe(written);
    expect(again.writes).toBe(0);
    expect(again.status).toBe('succeeded');
    expect(again.operations.filter((op) => op.action !== 'skip' && op.action !== 'unsupported').every((op) => op.result === 'skipped' && /earlier run/.test(op.reason ?? ''))).toBe(true);
    // Verification still ran against the tenant.
    expect(again.operations.filter((op) => op.verified !== undefined).every((op) => op.verified === true)).toBe(true);

    const fresh = await planRestore(bench.ws, request, { clock: bench.clock });
    expect(fresh.operations.filter((op) => op.action !== 'skip' && op.action !== 'unsupported')).toEqual([]);
    const third = await applyRestore(bench.ws, fresh, { clock: bench.clock });
    expect(third.writes).toBe(0);
    expect(writes()).toBe(written);
  });

  it('undo returns the tenant to its state before the restore', async () => {
    const undo = await planUndo(bench.ws, first.restore.slice(0, 8), { clock: bench.clock });
    expect(undo.kind).toBe('undo');
    expect(undo.undoOf).toBe(first.restore);
    // The recreated group and the user brought back from the bin are deleted again.
    expect(undo.operations.filter((op) => op.action === 'delete').map((op) => op.type).sort()).toEqual(['group', 'user']);
    const report = await applyRestore(bench.ws, undo, { clock: bench.clock });
    expect(report.operations.filter((op) => op.result === 'failed')).toEqual([]);
    expect(report.status).toBe('succeeded');

    const was = await snapshotDocs(repo, beforeRestore.snapshot);
    const now = await snapshotDocs(repo, (await bench.backup({ types: TYPES })).snapshot);
    for (const type of TYPES) {
      expect([...now.get(type)!.keys()].sort(), type).toEqual([...was.get(type)!.keys()].sort());
      for (const [id, doc] of was.get(type)!) expect(comparable(type, now.get(type)!.get(id)!), `${type}/${id}`).toEqual(comparable(type, doc));
    }
    // The records say who undid what; the undone restore cannot be undone twice.
    const store = restoreStore(repo);
    expect((await store.getRecord(first.restore))?.undoneBy).toBe(report.restore);
    await expect(planUndo(bench.ws, first.restore, { clock: bench.clock })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
