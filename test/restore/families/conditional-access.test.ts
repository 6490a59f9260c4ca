/**
 * Conditional access restored through the real pipeline (backup → change the tenant → plan →
 * apply), compared as whole objects with the snapshot (issue #5 acceptance 3 and 4):
 * - a deleted policy and the named location it names come back from conditional access's own
 *   deleted-items containers, with their ids, the location first;
 * - a modified policy is reverted by a PATCH of exactly the changed properties; with
 *   `--properties state` only its state changes;
 * - a policy and location purged from the bins are recreated, the policy naming the new location;
 * - with the emulator's conditional-access throttling on (1 request per second, no Retry-After),
 *   the writes are paced by the scheduler: no request is refused and the restore takes the
 *   seconds the limit asks for.
 */
import { describe, expect, it } from 'vitest';
import { listAll, benchPerTest, startBench, type Bench, type Doc } from '../helpers.js';
import { actions, createdIds, expectRestored, liveDocs, planAndApply, snapshotDoc } from './helpers.js';

const CA = '/identity/conditionalAccess';
const TYPES = ['conditionalAccessPolicy', 'namedLocation', 'group', 'user'];

/** A policy whose conditions name a named location by id, and that location. */
async function policyWithLocation(bench: Bench): Promise<{ policy: Doc; location: string }> {
  const policies = await listAll<Doc>(bench.admin, `${CA}/policies`);
  for (const policy of policies) {
    const locations = ((policy.conditions as Doc | undefined)?.locations as Doc | null | undefined)?.includeLocations;
    const id = Array.isArray(locations) ? locations.find((l) => /^[0-9a-f]{8}-/.test(String(l))) : undefined;
    if (id) return { policy, location: String(id) };
  }
  throw new Error('no policy names a location');
}

describe('conditional access restore', () => {
  let bench: Bench;
  benchPerTest((b) => (bench = b));

  it('brings a deleted policy and named location back from their deleted-items containers with their ids (acceptance 4)', async () => {
    const { snapshot } = await bench.backup({ types: TYPES });
    const { policy, location } = await policyWithLocation(bench);
    await bench.admin.request(`${CA}/policies/${String(policy.id)}`, { method: 'DELETE' });
    await bench.admin.request(`${CA}/namedLocations/${location}`, { method: 'DELETE' });

    const { plan, report } = await planAndApply(bench, { snapshot, selectors: [`conditionalAccessPolicy/${String(policy.id)}`, `namedLocation/${location}`] });
    expect(actions(plan.operations)).toEqual([`recycleBin namedLocation/${location}`, `recycleBin conditionalAccessPolicy/${String(policy.id)}`]);
    expect(plan.operations.map((op) => op.targetId)).toEqual([location, policy.id]);
    // The reason says what conditional access's container keeps: nothing about memberships or roles.
    expect(plan.operations.map((op) => op.reason)).toEqual([
      'Restored from conditional access\'s deleted named locations with its id and settings.',
      'Restored from conditional access\'s deleted policies with its id and settings.',
    ]);
    expect(report.status).toBe('succeeded');
    expect(report.operations.map((op) => [op.result, op.verified])).toEqual([['done', true], ['done', true]]);

    const live = await liveDocs(bench, ['conditionalAccessPolicy', 'namedLocation']);
    expectRestored(live.get(`namedLocation/${location}`), await snapshotDoc(bench, snapshot, 'namedLocation', location));
    expectRestored(live.get(`conditionalAccessPolicy/${String(policy.id)}`), await snapshotDoc(bench, snapshot, 'conditionalAccessPolicy', String(policy.id)));
    // The bins are empty again.
    expect(await listAll(bench.admin, `${CA}/deletedItems/policies`)).toEqual([]);
    expect(await listAll(bench.admin, `${CA}/deletedItems/namedLocations`)).toEqual([]);
  });

  it('reverts a modified policy, and with --properties changes only those (acceptance 3)', async () => {
    const { snapshot } = await bench.backup({ types: TYPES });
    const [policy] = await listAll<Doc>(bench.admin, `${CA}/policies`);
    const id = String(policy!.id);
    const original = await snapshotDoc(bench, snapshot, 'conditionalAccessPolicy', id);
    const users = (original.conditions as Doc).users as Doc;
    const modified = {
      displayName: 'Renamed by mistake', state: 'disabled',
      conditions: { ...(original.conditions as Doc), users: { ...users, excludeUsers: [], excludeGroups: [] } },
      grantControls: { operator: 'OR', builtInControls: ['block'], customAuthenticationFactors: [], termsOfUse: [] },
    };
    await bench.admin.request(`${CA}/policies/${id}`, { method: 'PATCH', body: modified });

    // --properties state: only the state goes back.
    const first = await planAndApply(bench, { snapshot, selectors: [`conditionalAccessPolicy/${id}`], properties: ['state'] });
    expect(first.plan.operations.map((op) => [op.action, op.properties?.map((p) => p.name)])).toEqual([['update', ['state']]]);
    expect(first.plan.operations[0]!.properties).toEqual([{ name: 'state', from: 'disabled', to: original.state }]);
    expect(first.report.status).toBe('succeeded');
    let live = (await liveDocs(bench, ['conditionalAccessPolicy'])).get(`conditionalAccessPolicy/${id}`)!;
    expectRestored(live, { ...original, ...modified, state: original.state });

    // Then the whole policy: exactly the changed properties are written.
    const second = await planAndApply(bench, { snapshot, selectors: [`conditionalAccessPolicy/${id}`] });
    expect(second.plan.operations.map((op) => [op.action, op.properties?.map((p) => p.name).sort()])).toEqual([['update', ['conditions', 'displayName', 'grantControls']]]);
    expect(second.report.status).toBe('succeeded');
    live = (await liveDocs(bench, ['conditionalAccessPolicy'])).get(`conditionalAccessPolicy/${id}`)!;
    expectRestored(live, original);

    // Applying the same request again finds nothing to do.
    const third = await planAndApply(bench, { snapshot, selectors: [`conditionalAccessPolicy/${id}`] });
    expect(third.plan.operations.map((op) => op.action)).toEqual(['skip']);
  });

  it('recreates a purged policy and named location, the policy naming the new location', async () => {
    const { snapshot } = await bench.backup({ types: TYPES });
    const { policy, location } = await policyWithLocation(bench);
    const id = String(policy.id);
    for (const [live, bin] of [[`policies/${id}`, `deletedItems/policies/${id}`], [`namedLocations/${location}`, `deletedItems/namedLocations/${location}`]] as const) {
      await bench.admin.request(`${CA}/${live}`, { method: 'DELETE' });
      await bench.admin.request(`${CA}/${bin}`, { method: 'DELETE' });
    }

    const { plan, report } = await planAndApply(bench, { snapshot, selectors: [`conditionalAccessPolicy/${id}`, `namedLocation/${location}`] });
    expect(actions(plan.operations)).toEqual([`create namedLocation/${location}`, `create conditionalAccessPolicy/${id}`]);
    expect(plan.operations[1]!.references).toEqual([
      { path: 'conditions.locations.includeLocations[]', targetType: 'namedLocation', change: 'rewrite', from: location, to: 'new id after create' },
    ]);
    expect(report.status).toBe('succeeded');
    const ids = createdIds(report);
    expect(ids.size).toBe(2);

    const live = await liveDocs(bench, ['conditionalAccessPolicy', 'namedLocation']);
    expectRestored(live.get(`namedLocation/${ids.get(location)}`), await snapshotDoc(bench, snapshot, 'namedLocation', location), { recreated: true });
    const restored = live.get(`conditionalAccessPolicy/${ids.get(id)}`);
    expectRestored(restored, await snapshotDoc(bench, snapshot, 'conditionalAccessPolicy', id), { ids, recreated: true });
    expect(JSON.stringify(restored)).not.toContain(location);
  });

  it('paces conditional-access writes at the service limit: nothing is refused', async () => {
    // A bench of its own, throttled. The engine's waits move the emulator's clock, so its
    // 1 request/s limit is real time for both.
    const bench = await startBench({ throttle: true });
    try {
      const emulatorClock = bench.emulatorClock;
      const clock = { now: () => emulatorClock.now(), sleep: async (ms: number) => emulatorClock.advance(Math.max(0, ms)) };
      const { snapshot } = await bench.backup({ types: ['conditionalAccessPolicy'], clock });
      // The admin client's own waits do not move the emulator's clock: the test leaves it room.
      emulatorClock.advance(2_000);
      const policies = (await listAll<Doc>(bench.admin, `${CA}/policies`)).slice(0, 4);
      for (const policy of policies) {
        emulatorClock.advance(1_000);
        await bench.admin.request(`${CA}/policies/${String(policy.id)}`, { method: 'PATCH', body: { state: 'disabled', displayName: `${String(policy.displayName)} (changed)` } });
      }
      emulatorClock.advance(5_000);

      const { planRestore, applyRestore } = await import('../../../src/engine/restore/index.js');
      const plan = await planRestore(bench.ws, { snapshot, selectors: policies.map((p) => `conditionalAccessPolicy/${String(p.id)}`) }, { clock });
      // Plan and apply are two sessions, each with its own scheduler: a new one cannot know the
      // previous one's last request, so the test leaves the second a person would take in between.
      emulatorClock.advance(2_000);
      bench.emulator.control.resetStats();
      const started = emulatorClock.now();
      const report = await applyRestore(bench.ws, plan, { clock });
      expect(report.status).toBe('succeeded');
      expect(report.operations.map((op) => op.result)).toEqual(['done', 'done', 'done', 'done']);
      const stats = bench.emulator.control.stats('contoso');
      expect(stats.throttled).toBe(0);
      // Safety snapshot reads, 4 PATCHes and the verification reads, one per second.
      const caRequests = Object.entries(stats.apps).flatMap(([, app]) => Object.entries(app.endpoints)).filter(([endpoint]) => endpoint.includes('/identity/conditionalAccess')).reduce((n, [, c]) => n + c.requests, 0);
      expect(caRequests).toBeGreaterThanOrEqual(8);
      expect(emulatorClock.now() - started).toBeGreaterThanOrEqual((caRequests - 1) * 1_000);
      const live = await liveDocs(bench, ['conditionalAccessPolicy'], 'contoso', clock);
      for (const policy of policies) expectRestored(live.get(`conditionalAccessPolicy/${String(policy.id)}`), await snapshotDoc(bench, snapshot, 'conditionalAccessPolicy', String(policy.id)));
    } finally {
      await bench.close();
    }
  });
});
