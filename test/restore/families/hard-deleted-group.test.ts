/**
 * Issue #5 acceptance 2, its conditional-access, authentication-methods and Intune half: a
 * security group that three conditional-access policies, two Intune assignments, an
 * authentication-method configuration and the registration campaign referenced is hard-deleted
 * (security groups have no recycle bin, facts §5.1). Restoring the group alone recreates it with
 * its members, and the plan — before anything is written — lists every object that named it,
 * each repointed to the new id. After the restore every reference points to the new group and
 * every referrer is otherwise its snapshot self.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll, startBench, type Bench, type Doc } from '../helpers.js';
import { createdIds, expectRestored, liveDocs, planAndApply, snapshotDoc, type Restored } from './helpers.js';

const CA = '/identity/conditionalAccess';
const DM = '/deviceManagement';
const TYPES = ['group', 'user', 'conditionalAccessPolicy', 'deviceConfiguration', 'deviceManagementConfigurationPolicy', 'authenticationMethodConfiguration', 'authenticationMethodsPolicy'];

describe('a hard-deleted group referenced by policies and Intune', () => {
  let bench: Bench;
  let snapshot: string;
  let groupId: string;
  let referrers: Array<[string, string]>;
  let restored: Restored;

  beforeAll(async () => {
    bench = await startBench();
    const users = await listAll<Doc>(bench.admin, '/users', { $select: 'id', $top: 5 });
    const created = await bench.admin.request<Doc>('/groups', {
      method: 'POST',
      body: {
        displayName: 'Finance Approvers', mailNickname: 'finance-approvers', mailEnabled: false, securityEnabled: true, groupTypes: [], description: 'Approvers of finance requests',
        'members@odata.bind': users.slice(0, 3).map((u) => `${bench.emulator.httpsUrl}/v1.0/directoryObjects/${String(u.id)}`),
      },
    });
    groupId = String(created.body.id);
    // Three CA policies name the group, two Intune policies are assigned to it, a method configuration and the campaign target it.
    const policies = (await listAll<Doc>(bench.admin, `${CA}/policies`)).slice(0, 3);
    for (const [i, policy] of policies.entries()) {
      const users = (policy.conditions as Doc).users as Doc;
      const list = i === 0 ? 'includeGroups' : 'excludeGroups';
      await bench.admin.request(`${CA}/policies/${String(policy.id)}`, { method: 'PATCH', body: { conditions: { ...(policy.conditions as Doc), users: { ...users, [list]: [...(users[list] as string[]), groupId] } } } });
    }
    const [configuration] = await listAll<Doc>(bench.admin, `${DM}/deviceConfigurations`, { $expand: 'assignments' });
    await bench.admin.request(`${DM}/deviceConfigurations/${String(configuration!.id)}/assign`, {
      method: 'POST', body: { assignments: [...(configuration!.assignments as Doc[]).map((a) => ({ target: a.target })), { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } }] },
    });
    const [settings] = await listAll<Doc>(bench.admin, `${DM}/configurationPolicies`, { $expand: 'assignments' }, 'beta');
    await bench.admin.request(`${DM}/configurationPolicies/${String(settings!.id)}/assign`, {
      method: 'POST', api: 'beta', body: { assignments: [...(settings!.assignments as Doc[]).map((a) => ({ target: a.target })), { target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId } }] },
    });
    await bench.admin.request('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Email', {
      method: 'PATCH', body: { '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration', excludeTargets: [{ id: groupId, targetType: 'group' }] },
    });
    const methods = (await bench.admin.request<Doc>('/policies/authenticationMethodsPolicy?$select=registrationEnforcement')).body;
    const campaign = (methods.registrationEnforcement as Doc).authenticationMethodsRegistrationCampaign as Doc;
    await bench.admin.request('/policies/authenticationMethodsPolicy', {
      method: 'PATCH', body: { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { ...campaign, excludeTargets: [{ id: groupId, targetType: 'group' }] } } },
    });
    referrers = [
      ...policies.map((p): [string, string] => ['conditionalAccessPolicy', String(p.id)]),
      ['deviceConfiguration', String(configuration!.id)], ['deviceManagementConfigurationPolicy', String(settings!.id)],
      ['authenticationMethodConfiguration', 'Email'], ['authenticationMethodsPolicy', 'authenticationMethodsPolicy'],
    ];

    ({ snapshot } = await bench.backup({ types: TYPES }));
    await bench.admin.request(`/groups/${groupId}`, { method: 'DELETE' });
    restored = await planAndApply(bench, { snapshot, selectors: [`group/${groupId}`] });
  });
  afterAll(async () => {
    await bench.close();
  });

  it('plans the group\'s creation and, before writing, every reference to repoint', () => {
    const ops = restored.plan.operations;
    expect(ops[0]).toMatchObject({ type: 'group', id: groupId, action: 'create', name: 'Finance Approvers' });
    expect(ops[0]!.references?.filter((r) => r.path === 'members').length).toBe(3);
    const relinks = ops.filter((op) => op.action === 'relink');
    expect(relinks.map((op) => `${op.type}/${op.id}`).sort()).toEqual(referrers.map(([type, id]) => `${type}/${id}`).sort());
    for (const op of relinks) {
      expect(op.targetId).toBe(op.id);
      expect(op.references?.length).toBe(1);
      expect(op.references![0]).toMatchObject({ targetType: 'group', from: groupId, to: 'new id after create' });
    }
    expect(relinks.find((op) => op.type === 'deviceConfiguration')!.references![0]).toMatchObject({ path: 'assignments', change: 'add' });
    expect(relinks.find((op) => op.type === 'conditionalAccessPolicy')!.references![0]!.change).toBe('rewrite');
  });

  it('recreates the group with its members and repoints every reference to its new id', async () => {
    const { report } = restored;
    expect(report.status).toBe('succeeded');
    expect(report.operations.map((op) => [op.action, op.result, op.verified])).toEqual(restored.plan.operations.map((op) => [op.action, 'done', true]));
    const ids = createdIds(report);
    const newId = ids.get(groupId)!;
    expect(newId).toBeDefined();
    expect(newId).not.toBe(groupId);

    const live = await liveDocs(bench, TYPES.filter((t) => t !== 'user'));
    expectRestored(live.get(`group/${newId}`), await snapshotDoc(bench, snapshot, 'group', groupId), { ids, recreated: true });
    for (const [type, id] of referrers) {
      const document = live.get(`${type}/${id}`);
      expect(JSON.stringify(document), `${type}/${id} names the new group`).toContain(newId);
      expect(JSON.stringify(document), `${type}/${id} no longer names the deleted group`).not.toContain(groupId);
      // Otherwise the snapshot's object: same id, references mapped (Intune assignment ids embed the group's).
      expectRestored(document, await snapshotDoc(bench, snapshot, type, id), { ids });
    }
  });
});
