/**
 * `restore undo` for the policy, Intune and Exchange writers: after a restore that recreated a
 * device configuration and a distribution group, brought a conditional-access policy back from its
 * bin and reverted a settings-catalog policy and the authorization policy, the undo returns each of
 * them to its state just before the restore (whole objects compared), through the same writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/engine/profiles/index.js';
import { applyRestore, planUndo } from '../../../src/engine/restore/index.js';
import { listAll, startBench, type Bench, type Doc } from '../helpers.js';
import { liveDocs, planAndApply, strip, type Restored } from './helpers.js';

const TYPES = ['conditionalAccessPolicy', 'deviceConfiguration', 'deviceManagementConfigurationPolicy', 'authorizationPolicy', 'distributionGroup', 'group', 'user'];
const DM = '/deviceManagement';

describe('undo of policy, Intune and Exchange restores', () => {
  let bench: Bench;
  let before: Map<string, Doc>;
  let restored: Restored;

  beforeAll(async () => {
    bench = await startBench();
    const { snapshot } = await bench.backup({ types: TYPES });
    const [policy] = await listAll<Doc>(bench.admin, '/identity/conditionalAccess/policies');
    const [configuration] = await listAll<Doc>(bench.admin, `${DM}/deviceConfigurations`);
    const [settings] = await listAll<Doc>(bench.admin, `${DM}/configurationPolicies`, {}, 'beta');
    const client = connect(bench.profile, { clock: bench.clock }).exchange(bench.tenant.domain);
    let group: Doc | undefined;
    for await (const g of client.invoke<Doc>({ cmdlet: 'Get-DistributionGroup', parameters: { ResultSize: 'Unlimited' } })) group ??= g;
    await bench.admin.request(`/identity/conditionalAccess/policies/${String(policy!.id)}`, { method: 'DELETE' });
    await bench.admin.request(`${DM}/deviceConfigurations/${String(configuration!.id)}`, { method: 'DELETE' });
    await bench.admin.request(`${DM}/configurationPolicies/${String(settings!.id)}`, { method: 'PUT', api: 'beta', body: { name: 'Edited', platforms: settings!.platforms, technologies: settings!.technologies, settings: [] } });
    await bench.admin.request('/policies/authorizationPolicy', { method: 'PATCH', body: { allowInvitesFrom: 'none' } });
    for await (const _ of client.invoke({ cmdlet: 'Remove-DistributionGroup', parameters: { Identity: String(group!.ExternalDirectoryObjectId), Confirm: false } })) void _;
    before = await liveDocs(bench, TYPES.slice(0, 5));

    restored = await planAndApply(bench, {
      snapshot,
      selectors: [
        `conditionalAccessPolicy/${String(policy!.id)}`, `deviceConfiguration/${String(configuration!.id)}`, `deviceManagementConfigurationPolicy/${String(settings!.id)}`,
        'authorizationPolicy', `distributionGroup/${String(group!.ExternalDirectoryObjectId)}`,
      ],
    });
  });
  afterAll(async () => {
    await bench.close();
  });

  it('returns every touched object to its state before the restore', async () => {
    expect(restored.report.status).toBe('succeeded');
    expect(restored.plan.operations.map((op) => op.action).sort()).toEqual(['create', 'create', 'recycleBin', 'update', 'update']);

    const undo = await planUndo(bench.ws, restored.report.restore, { clock: bench.clock });
    expect(undo.operations.filter((op) => op.action === 'delete').map((op) => op.type).sort()).toEqual(['conditionalAccessPolicy', 'deviceConfiguration', 'distributionGroup']);
    const report = await applyRestore(bench.ws, undo, { clock: bench.clock });
    expect(report.status).toBe('succeeded');

    const after = await liveDocs(bench, TYPES.slice(0, 5));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, document] of before) expect(strip(after.get(key), false), key).toEqual(strip(document, false));
    // The policy went back to its bin, as the restore found it.
    expect((await listAll(bench.admin, '/identity/conditionalAccess/deletedItems/policies')).length).toBe(1);
  });
});
