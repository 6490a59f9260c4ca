/**
 * Distribution groups restored through Exchange's admin API (issue #5 acceptance 7, its
 * distribution-group half): Graph cannot write them and deletes them for good, so a deleted one
 * is recreated with `New-DistributionGroup` and its members added one by one; a changed one is
 * reverted with `Set-DistributionGroup` and member adds (merge) and removes (overwrite).
 * Compared as whole objects with the snapshot: Exchange's own bookkeeping (GUIDs, distinguished
 * names, timestamps) and, for a recreated group, its object id aside.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../../src/engine/profiles/index.js';
import { listAll, benchPerTest, type Bench, type Doc } from '../helpers.js';
import { NEW_ID } from '../../../src/engine/restore/index.js';
import { createdIds, expectRestored, liveDocs, planAndApply, snapshotDoc } from './helpers.js';

const ID = 'ExternalDirectoryObjectId';

/** Runs a cmdlet as the tenant's admin app. */
async function exchange(bench: Bench, cmdlet: string, parameters: Record<string, unknown>): Promise<Doc[]> {
  const client = connect(bench.profile, { clock: bench.clock }).exchange(bench.tenant.domain);
  const out: Doc[] = [];
  for await (const value of client.invoke<Doc>({ cmdlet, parameters } as never)) out.push(value);
  return out;
}

/** A group document without its own object id (a recreated group has a new one). */
function withoutOwnId(document: Doc | undefined): Doc | undefined {
  if (!document) return document;
  const { [ID]: _id, ...rest } = document;
  return rest;
}

describe('distribution group restore', () => {
  let bench: Bench;
  benchPerTest((b) => (bench = b));

  it('recreates a deleted distribution group with its settings and members', async () => {
    const users = await listAll<Doc>(bench.admin, '/users', { $select: 'id,userPrincipalName', $top: 6 });
    const [created] = await exchange(bench, 'New-DistributionGroup', {
      Name: 'Project Phoenix', Alias: 'phoenix', Type: 'Distribution', Notes: 'Launch team',
      ManagedBy: [String(users[0]!.userPrincipalName)], HiddenFromAddressListsEnabled: true, RequireSenderAuthenticationEnabled: false, MemberJoinRestriction: 'ApprovalRequired',
      Members: users.slice(1, 5).map((u) => String(u.id)),
    });
    const id = String(created![ID]);
    const { snapshot } = await bench.backup({ types: ['distributionGroup', 'user', 'group'] });
    const original = await snapshotDoc(bench, snapshot, 'distributionGroup', id);
    expect((original.members as Doc[]).length).toBe(4);
    await exchange(bench, 'Remove-DistributionGroup', { Identity: id, Confirm: false });

    const { plan, report } = await planAndApply(bench, { snapshot, selectors: [`distributionGroup/${id}`] });
    expect(plan.operations.map((op) => [op.type, op.action, op.name])).toEqual([['distributionGroup', 'create', 'Project Phoenix']]);
    expect(plan.operations[0]!.references?.map((r) => [r.path, r.change, r.from])).toEqual(users.slice(1, 5).map((u) => ['members', 'add', String(u.id)]));
    expect(report.status).toBe('succeeded');
    expect(report.operations[0]).toMatchObject({ result: 'done', verified: true });
    const newId = report.operations[0]!.newId!;
    expect(newId).not.toBe(id);

    const live = await liveDocs(bench, ['distributionGroup']);
    const restored = live.get(`distributionGroup/${newId}`);
    expectRestored(withoutOwnId(restored), withoutOwnId(original)!);
    // The directory sees the same group and membership.
    const members = await listAll<Doc>(bench.admin, `/groups/${newId}/members`, { $select: 'id' });
    expect(members.map((m) => m.id).sort()).toEqual(users.slice(1, 5).map((u) => u.id).sort());
  });

  it('repoints what referenced a recreated mail-enabled security group by its directory id: a conditional-access policy and an Intune assignment', async () => {
    const users = await listAll<Doc>(bench.admin, '/users', { $select: 'id', $top: 3 });
    const [created] = await exchange(bench, 'New-DistributionGroup', { Name: 'Remote staff', Alias: 'remote-staff', Type: 'Security', Members: users.map((u) => String(u.id)) });
    const id = String(created![ID]);
    // Its Entra object (same id) is what conditional access and Intune name.
    const [policy] = await listAll<Doc>(bench.admin, '/identity/conditionalAccess/policies');
    const conditions = policy!.conditions as Doc;
    await bench.admin.request(`/identity/conditionalAccess/policies/${String(policy!.id)}`, {
      method: 'PATCH', body: { conditions: { ...conditions, users: { ...(conditions.users as Doc), excludeGroups: [...((conditions.users as Doc).excludeGroups as string[]), id] } } },
    });
    const [config] = await listAll<Doc>(bench.admin, '/deviceManagement/deviceConfigurations', { $expand: 'assignments' });
    await bench.admin.request(`/deviceManagement/deviceConfigurations/${String(config!.id)}/assign`, {
      method: 'POST', body: { assignments: [...(config!.assignments as Doc[]).map((a) => ({ target: a.target })), { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: id } }] },
    });
    const { snapshot } = await bench.backup({ types: ['distributionGroup', 'user', 'group', 'conditionalAccessPolicy', 'deviceConfiguration'] });
    await exchange(bench, 'Remove-DistributionGroup', { Identity: id, Confirm: false });

    const { plan, report } = await planAndApply(bench, { snapshot, selectors: [`distributionGroup/${id}`] });
    // The create comes first: the relinks need its new id.
    expect(plan.operations[0]).toMatchObject({ type: 'distributionGroup', id, action: 'create' });
    expect(plan.operations.filter((op) => op.action !== 'create').map((op) => [op.type, op.id, op.action, op.references?.map((r) => [r.from, r.to])])).toEqual([
      ['conditionalAccessPolicy', String(policy!.id), 'relink', [[id, NEW_ID]]],
      ['deviceConfiguration', String(config!.id), 'relink', [[id, NEW_ID]]],
    ]);
    expect(report.status).toBe('succeeded');
    expect(report.operations.map((op) => [op.type, op.result, op.verified])).toEqual([
      ['distributionGroup', 'done', true], ['conditionalAccessPolicy', 'done', true], ['deviceConfiguration', 'done', true],
    ]);
    const ids = createdIds(report);
    expect(ids.get(id)).toBeDefined();
    const live = await liveDocs(bench, ['conditionalAccessPolicy', 'deviceConfiguration']);
    expectRestored(live.get(`conditionalAccessPolicy/${String(policy!.id)}`), await snapshotDoc(bench, snapshot, 'conditionalAccessPolicy', String(policy!.id)), { ids });
    expectRestored(live.get(`deviceConfiguration/${String(config!.id)}`), await snapshotDoc(bench, snapshot, 'deviceConfiguration', String(config!.id)), { ids });
  });

  it('reverts a changed group: settings with Set-DistributionGroup, members added (merge) and removed (overwrite)', async () => {
    const { snapshot } = await bench.backup({ types: ['distributionGroup', 'user', 'group'] });
    const [group] = await exchange(bench, 'Get-DistributionGroup', { ResultSize: 'Unlimited' });
    const id = String(group![ID]);
    const original = await snapshotDoc(bench, snapshot, 'distributionGroup', id);
    const members = original.members as Doc[];
    // A user who joined after the backup.
    const outsider = (await bench.admin.request<Doc>('/users', {
      method: 'POST',
      body: { accountEnabled: true, displayName: 'New Joiner', mailNickname: 'new.joiner', userPrincipalName: `new.joiner@${bench.tenant.domain}`, passwordProfile: { password: 'Temp-Pass-1234!', forceChangePasswordNextSignIn: true } },
    })).body;
    await exchange(bench, 'Set-DistributionGroup', { Identity: id, DisplayName: 'Renamed list', HiddenFromAddressListsEnabled: !original.HiddenFromAddressListsEnabled });
    await exchange(bench, 'Remove-DistributionGroupMember', { Identity: id, Member: String(members[0]![ID]), Confirm: false });
    await exchange(bench, 'Add-DistributionGroupMember', { Identity: id, Member: String(outsider.id) });

    const merged = await planAndApply(bench, { snapshot, selectors: [`distributionGroup/${id}`] });
    expect(merged.plan.operations.map((op) => [op.action, op.properties?.map((p) => p.name).sort(), op.references?.map((r) => [r.change, r.from])])).toEqual([
      ['update', ['DisplayName', 'HiddenFromAddressListsEnabled'], [['add', String(members[0]![ID])]]],
    ]);
    expect(merged.report.status).toBe('succeeded');
    let live = (await liveDocs(bench, ['distributionGroup'])).get(`distributionGroup/${id}`)!;
    expect((live.members as Doc[]).map((m) => m[ID]).sort()).toEqual([...members.map((m) => m[ID]), outsider.id].sort());

    const overwritten = await planAndApply(bench, { snapshot, selectors: [`distributionGroup/${id}`], mode: 'overwrite' });
    expect(overwritten.plan.operations.map((op) => [op.action, op.references?.map((r) => [r.change, r.from])])).toEqual([['update', [['remove', String(outsider.id)]]]]);
    expect(overwritten.report.status).toBe('succeeded');
    live = (await liveDocs(bench, ['distributionGroup'])).get(`distributionGroup/${id}`)!;
    expectRestored(live, original);
  });
});
