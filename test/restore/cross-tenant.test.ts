/**
 * Issue #5 acceptance 6: conditional-access policies, a group and an Intune profile of tenant A
 * restored into tenant B (`--to`), through the real pipeline. Objects are matched by stable keys
 * (UPN with its domain mapped, displayName, appId); what cannot be mapped is listed in the plan
 * before anything is written, and an item that needs an unmapped reference is skipped whole.
 * After the apply, B's objects are compared as whole objects with A's snapshot, every reference
 * mapped to B's ids; the skipped policy is B's own, untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileStore } from '../../src/engine/profiles/index.js';
import { NEW_ID, mapUserPrincipalName, type RestorePlan, type RestoreReport } from '../../src/engine/restore/index.js';
import { adminClient, listAll, profileFor, startBench, type Bench, type Doc } from './helpers.js';
import { expectRestored, liveDocs, planAndApply, snapshotDoc } from './families/helpers.js';
import type { GraphClient } from '../../src/connectors/index.js';

const CA = '/identity/conditionalAccess';
const TYPES = ['conditionalAccessPolicy', 'namedLocation', 'group', 'user', 'deviceConfiguration', 'servicePrincipal', 'unifiedRoleDefinition', 'roleScopeTag'];

describe('restore into another tenant', () => {
  let bench: Bench;
  let adminB: GraphClient;
  let snapshot: string;
  let plan: RestorePlan;
  let report: RestoreReport;
  /** A's users by role in the scenario. */
  let mapped: Doc[];
  let unmapped: Doc;
  let groupA: string;
  let createdPolicy: Doc;
  let skippedPolicy: Doc;
  let skippedInB: Doc;
  let profileA: Doc;
  /** A id → B id, as the tenants hold them (users created in B for the test). */
  const aToB = new Map<string, string>();

  beforeAll(async () => {
    bench = await startBench({ tenants: [{ name: 'contoso', size: 'small' }, { name: 'fabrikam', size: 'small' }] });
    const tenantB = bench.emulator.tenants[1]!;
    adminB = adminClient(bench.emulator, tenantB);
    await profileStore(await bench.ws.repository()).add(profileFor(bench.emulator, tenantB, tenantB, 'fabrikam'));

    // Tenant A: a security group with three members, named by a policy and assigned an Intune profile.
    const users = await listAll<Doc>(bench.admin, '/users', { $select: 'id,userPrincipalName,displayName', $top: 10 });
    mapped = users.slice(0, 4);
    unmapped = users[4]!;
    const members = [mapped[0]!, mapped[1]!, unmapped];
    groupA = String((await bench.admin.request<Doc>('/groups', {
      method: 'POST',
      body: {
        displayName: 'Project Apollo', mailNickname: 'apollo', mailEnabled: false, securityEnabled: true, groupTypes: [],
        'members@odata.bind': members.map((u) => `${bench.emulator.httpsUrl}/v1.0/directoryObjects/${String(u.id)}`),
      },
    })).body.id);
    const policies = await listAll<Doc>(bench.admin, `${CA}/policies`);
    createdPolicy = policies.find((p) => String(p.displayName).startsWith('CA003'))!;
    skippedPolicy = policies.find((p) => String(p.displayName).startsWith('CA005'))!;
    await bench.admin.request(`${CA}/policies/${String(createdPolicy.id)}`, {
      method: 'PATCH',
      body: { conditions: { ...(createdPolicy.conditions as Doc), users: { ...((createdPolicy.conditions as Doc).users as Doc), includeUsers: [], includeGroups: [groupA], excludeUsers: [String(mapped[2]!.id), String(mapped[3]!.id)], excludeGroups: [] } } },
    });
    const profiles = await listAll<Doc>(bench.admin, '/deviceManagement/deviceConfigurations', { $expand: 'assignments' });
    profileA = profiles.find((p) => p.displayName === 'WIN - Device restrictions 1')!;
    await bench.admin.request(`/deviceManagement/deviceConfigurations/${String(profileA.id)}/assign`, {
      method: 'POST', body: { assignments: [...(profileA.assignments as Doc[]).map((a) => ({ target: a.target })), { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupA } }] },
    });
    ({ snapshot } = await bench.backup({ types: TYPES }));

    // Tenant B: four of the five people exist there (same local part, B's domain); the policy and
    // the profile to be created do not; the policy to be skipped is B's own.
    for (const user of mapped) {
      const upn = `${String(user.userPrincipalName).split('@')[0]}@${tenantB.domain}`;
      const created = await adminB.request<Doc>('/users', {
        method: 'POST', body: { accountEnabled: true, displayName: user.displayName, mailNickname: upn.split('@')[0], userPrincipalName: upn, passwordProfile: { password: 'Temp-Pass-1234!', forceChangePasswordNextSignIn: true } },
      });
      aToB.set(String(user.id), String(created.body.id));
    }
    const policiesB = await listAll<Doc>(adminB, `${CA}/policies`);
    await adminB.request(`${CA}/policies/${String(policiesB.find((p) => p.displayName === createdPolicy.displayName)!.id)}`, { method: 'DELETE' });
    skippedInB = policiesB.find((p) => p.displayName === skippedPolicy.displayName)!;
    const profilesB = await listAll<Doc>(adminB, '/deviceManagement/deviceConfigurations');
    await adminB.request(`/deviceManagement/deviceConfigurations/${String(profilesB.find((p) => p.displayName === profileA.displayName)!.id)}`, { method: 'DELETE' });

    ({ plan, report } = await planAndApply(bench, {
      snapshot, to: 'fabrikam',
      selectors: [`conditionalAccessPolicy/${String(createdPolicy.id)}`, `conditionalAccessPolicy/${String(skippedPolicy.id)}`, `group/${groupA}`, `deviceConfiguration/${String(profileA.id)}`],
    }));
  });
  afterAll(async () => {
    await bench.close();
  });

  it('maps UPNs to the target\'s domain by the documented rule', () => {
    const domains = { initial: 'fabrikam.onmicrosoft.com', default: 'fabrikam.com', verified: new Set(['fabrikam.onmicrosoft.com', 'fabrikam.com', 'shared.example']) };
    expect(mapUserPrincipalName('alice@contoso.onmicrosoft.com', domains)).toBe('alice@fabrikam.onmicrosoft.com');
    expect(mapUserPrincipalName('alice@contoso.com', domains)).toBe('alice@fabrikam.com');
    expect(mapUserPrincipalName('Alice@Shared.example', domains)).toBe('Alice@shared.example');
    expect(mapUserPrincipalName('bob_partner.com#EXT#@contoso.onmicrosoft.com', domains)).toBe('bob_partner.com#EXT#@fabrikam.onmicrosoft.com');
  });

  it('plans by stable keys and lists, before writing, what it could not map', () => {
    expect(plan.sameTenant).toBe(false);
    const op = (type: string, id: string) => plan.operations.find((o) => o.type === type && o.id === id)!;
    const group = op('group', groupA);
    expect(group.action).toBe('create');
    // Members with a counterpart in B are added by B's id, each from A's user it maps; the one without is listed, unmapped.
    expect(group.references?.filter((r) => r.to !== null).map((r) => [r.path, r.from, r.to]).sort()).toEqual([
      ['members', String(mapped[0]!.id), aToB.get(String(mapped[0]!.id))], ['members', String(mapped[1]!.id), aToB.get(String(mapped[1]!.id))],
    ].sort());
    expect(group.references?.filter((r) => r.to === null).map((r) => [r.targetType, r.from])).toEqual([['user', String(unmapped.id)]]);

    const created = op('conditionalAccessPolicy', String(createdPolicy.id));
    expect(created.action).toBe('create');
    expect(created.references).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'conditions.users.includeGroups[]', from: groupA, to: NEW_ID }),
      expect.objectContaining({ path: 'conditions.users.excludeUsers[]', from: String(mapped[2]!.id), to: aToB.get(String(mapped[2]!.id)) }),
    ]));

    const skipped = op('conditionalAccessPolicy', String(skippedPolicy.id));
    expect(skipped.action).toBe('skip');
    expect(skipped.targetId).toBe(skippedInB.id);
    expect(skipped.reason).toMatch(/missing in the target.*nothing is written/);
    expect(skipped.references?.every((r) => r.to === null)).toBe(true);
    expect(skipped.references?.some((r) => r.targetType === 'namedLocation')).toBe(true);

    expect(op('deviceConfiguration', String(profileA.id)).action).toBe('create');
    // The unmapped principals, listed once for the whole plan.
    expect(plan.mapped[`user|id|${String(unmapped.id)}`]).toBeNull();
    for (const user of mapped) expect(plan.mapped[`user|id|${String(user.id)}`]).toBe(aToB.get(String(user.id)));
  });

  it('writes what maps, whole, and leaves the skipped policy untouched', async () => {
    expect(report.counts.failed).toBe(0);
    expect(report.status).toBe('succeeded');
    const ids = new Map(aToB);
    for (const o of report.operations) {
      if (o.newId) ids.set(o.id, o.newId);
      else if (o.targetId && o.targetId !== o.id) ids.set(o.id, o.targetId);
    }
    for (const [key, value] of Object.entries(plan.mapped)) if (value) ids.set(key.slice(key.lastIndexOf('|') + 1), value);

    const live = await liveDocs(bench, ['conditionalAccessPolicy', 'group', 'deviceConfiguration'], 'fabrikam');
    const groupB = ids.get(groupA)!;
    const group = live.get(`group/${groupB}`);
    const groupSnapshot = await snapshotDoc(bench, snapshot, 'group', groupA);
    // The member who has no counterpart in B is left out; everything else is A's group.
    expectRestored(group, { ...groupSnapshot, members: (groupSnapshot.members as Doc[]).filter((m) => m.id !== unmapped.id) }, { ids, recreated: true });

    const policyB = live.get(`conditionalAccessPolicy/${ids.get(String(createdPolicy.id))}`);
    expectRestored(policyB, await snapshotDoc(bench, snapshot, 'conditionalAccessPolicy', String(createdPolicy.id)), { ids, recreated: true });
    expect(((policyB!.conditions as Doc).users as Doc).includeGroups).toEqual([groupB]);

    const profileB = live.get(`deviceConfiguration/${ids.get(String(profileA.id))}`);
    expectRestored(profileB, await snapshotDoc(bench, snapshot, 'deviceConfiguration', String(profileA.id)), { ids, recreated: true });
    expect((profileB!.assignments as Doc[]).some((a) => (a.target as Doc).groupId === groupB)).toBe(true);

    // Nothing half-written: B's own CA005 is exactly as it was.
    expect(live.get(`conditionalAccessPolicy/${String(skippedInB.id)}`)).toEqual(expect.objectContaining({ conditions: skippedInB.conditions, displayName: skippedInB.displayName, state: skippedInB.state }));
    // Tenant A was not written to.
    expect((await listAll<Doc>(bench.admin, `${CA}/policies`)).length).toBe(12);
  });
});
