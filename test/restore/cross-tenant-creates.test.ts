/**
 * Restore into another tenant that creates objects (issue #5 acceptance 6): a user and a
 * distribution group of tenant A, missing in tenant B, are created in B with their documents
 * adapted to B — the UPN and the group's addresses get B's domain by the documented UPN rule
 * (B refuses a domain it does not own), the plan shows the adapted values, and the group's member
 * is the user created in B. B's objects are then compared as whole objects with the adapted
 * expectations, written out here rather than computed by the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, profileStore } from '../../src/engine/profiles/index.js';
import { NEW_ID, adaptDocument, type RestorePlan, type RestoreReport } from '../../src/engine/restore/index.js';
import { adminClient, listAll, profileFor, startBench, type Bench, type Doc } from './helpers.js';
import { expectRestored, liveDocs, planAndApply, snapshotDoc } from './families/helpers.js';
import type { TenantInfo } from '../../src/emulator/index.js';

const ID = 'ExternalDirectoryObjectId';

describe('adapting documents for another tenant (pure)', () => {
  const domains = { initial: 'fabrikam.onmicrosoft.com', default: 'fabrikam.com', verified: new Set(['fabrikam.onmicrosoft.com', 'fabrikam.com', 'shared.example']) };

  it('gives a user B\'s domains: UPN, mail, proxy addresses and the UPN identity; leaves other values', () => {
    const user = {
      id: 'u1', displayName: 'Ada', userPrincipalName: 'ada@contoso.com', mail: 'ada@contoso.com', otherMails: ['ada@gmail.example'], mailNickname: 'ada',
      proxyAddresses: ['SMTP:ada@contoso.com', 'smtp:ada@contoso.onmicrosoft.com', 'smtp:ada@shared.example', 'X500:/o=Contoso/cn=ada'],
      identities: [{ signInType: 'userPrincipalName', issuer: 'contoso.onmicrosoft.com', issuerAssignedId: 'ada@contoso.com' }, { signInType: 'federated', issuer: 'idp.example', issuerAssignedId: 'ada-77' }],
    };
    const before = structuredClone(user);
    expect(adaptDocument('user', user, domains)).toEqual({
      id: 'u1', displayName: 'Ada', userPrincipalName: 'ada@fabrikam.com', mail: 'ada@fabrikam.com', otherMails: ['ada@gmail.example'], mailNickname: 'ada',
      proxyAddresses: ['SMTP:ada@fabrikam.com', 'smtp:ada@fabrikam.onmicrosoft.com', 'smtp:ada@shared.example', 'X500:/o=Contoso/cn=ada'],
      identities: [{ signInType: 'userPrincipalName', issuer: 'fabrikam.onmicrosoft.com', issuerAssignedId: 'ada@fabrikam.com' }, { signInType: 'federated', issuer: 'idp.example', issuerAssignedId: 'ada-77' }],
    });
    expect(user).toEqual(before);
  });

  it('gives a distribution group B\'s addresses, one entry per address, the primary first', () => {
    const group = {
      ExternalDirectoryObjectId: 'g1', Alias: 'sales', PrimarySmtpAddress: 'sales@contoso.com', WindowsEmailAddress: 'sales@contoso.com',
      EmailAddresses: ['SMTP:sales@contoso.com', 'smtp:sales@contoso.net', 'smtp:sales@contoso.onmicrosoft.com'], ManagedBy: ['ada'],
      members: [{ [ID]: 'u1', PrimarySmtpAddress: 'ada@contoso.com' }],
    };
    // contoso.com and contoso.net both become B's default domain: one address remains.
    expect(adaptDocument('distributionGroup', group, domains)).toEqual({
      ...group, PrimarySmtpAddress: 'sales@fabrikam.com', WindowsEmailAddress: 'sales@fabrikam.com',
      EmailAddresses: ['SMTP:sales@fabrikam.com', 'smtp:sales@fabrikam.onmicrosoft.com'],
    });
    const policy = { displayName: 'CA001', conditions: { users: { includeUsers: ['ada@contoso.com'] } } };
    expect(adaptDocument('conditionalAccessPolicy', policy, domains)).toBe(policy);
  });
});

describe('restore into another tenant that creates a user and a distribution group', () => {
  let bench: Bench;
  let tenantB: TenantInfo;
  let snapshot: string;
  let userA: Doc;
  let groupA: string;
  let plan: RestorePlan;
  let report: RestoreReport;

  beforeAll(async () => {
    bench = await startBench({ tenants: [{ name: 'contoso', size: 'small' }, { name: 'fabrikam', size: 'small' }] });
    tenantB = bench.emulator.tenants[1]!;
    await profileStore(await bench.ws.repository()).add(profileFor(bench.emulator, tenantB, tenantB, 'fabrikam'));

    // In A: a user on A's custom domain, and a distribution list on it with the user as member.
    userA = (await bench.admin.request<Doc>('/users', {
      method: 'POST',
      body: {
        accountEnabled: true, displayName: 'Ada Adapted', givenName: 'Ada', surname: 'Adapted', jobTitle: 'Analyst', mailNickname: 'ada.adapted',
        userPrincipalName: 'ada.adapted@contoso.com', passwordProfile: { password: 'Temp-Pass-1234!', forceChangePasswordNextSignIn: true },
      },
    })).body;
    const exchangeA = connect(bench.profile, { clock: bench.clock }).exchange(bench.tenant.domain);
    const created: Doc[] = [];
    for await (const value of exchangeA.invoke<Doc>({
      cmdlet: 'New-DistributionGroup',
      parameters: { Name: 'Adapted list', Alias: 'adapted-list', PrimarySmtpAddress: 'adapted-list@contoso.com', Type: 'Distribution', Notes: 'cross-tenant', Members: [String(userA.id)] },
    } as never)) created.push(value);
    groupA = String(created[0]![ID]);
    ({ snapshot } = await bench.backup({ types: ['user', 'group', 'distributionGroup'] }));

    ({ plan, report } = await planAndApply(bench, { snapshot, to: 'fabrikam', selectors: [`user/${String(userA.id)}`, `distributionGroup/${groupA}`] }));
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('plans the creates with B\'s domains, and the member from A\'s user to the one it creates', () => {
    const upnB = `ada.adapted@${tenantB.domain}`;
    const user = plan.operations.find((op) => op.type === 'user' && op.action === 'create')!;
    expect(user.properties?.find((p) => p.name === 'userPrincipalName')).toEqual({ name: 'userPrincipalName', to: upnB });
    const group = plan.operations.find((op) => op.type === 'distributionGroup' && op.action === 'create')!;
    const shown = Object.fromEntries((group.properties ?? []).map((p) => [p.name, p.to]));
    // (WindowsEmailAddress is Exchange's copy of the primary address: not written, not shown.)
    expect([shown.PrimarySmtpAddress, shown.EmailAddresses, 'WindowsEmailAddress' in shown]).toEqual([
      `adapted-list@${tenantB.domain}`, [`SMTP:adapted-list@${tenantB.domain}`], false,
    ]);
    expect(group.references).toEqual([{ path: 'members', targetType: 'directoryObject', change: 'add', from: String(userA.id), to: NEW_ID }]);
  });

  it('creates them in B as A had them, with B\'s domains, and verifies them', async () => {
    expect(report.operations.filter((op) => op.action === 'create').map((op) => [op.type, op.result, op.verified])).toEqual([
      ['user', 'done', true], ['distributionGroup', 'done', true],
    ]);
    expect(report.status).toBe('succeeded');
    const userB = report.operations.find((op) => op.type === 'user' && op.action === 'create')!.newId!;
    const groupB = report.operations.find((op) => op.type === 'distributionGroup')!.newId!;
    const upnB = `ada.adapted@${tenantB.domain}`;
    const live = await liveDocs(bench, ['user', 'distributionGroup'], 'fabrikam');

    const userSnapshot = await snapshotDoc(bench, snapshot, 'user', String(userA.id));
    expectRestored(live.get(`user/${userB}`), {
      ...userSnapshot, userPrincipalName: upnB,
      identities: [{ signInType: 'userPrincipalName', issuer: tenantB.domain, issuerAssignedId: upnB }],
    }, { recreated: true });

    const groupSnapshot = await snapshotDoc(bench, snapshot, 'distributionGroup', groupA);
    const { [ID]: _old, ...wanted } = groupSnapshot;
    const { [ID]: newId, ...actual } = live.get(`distributionGroup/${groupB}`)!;
    expect(newId).toBe(groupB);
    const address = `adapted-list@${tenantB.domain}`;
    expectRestored(actual, {
      ...wanted, PrimarySmtpAddress: address, WindowsEmailAddress: address, EmailAddresses: [`SMTP:${address}`],
      // The member is B's user: its entry is B's copy of it (its address from its UPN in B).
      members: (wanted.members as Doc[]).map((m) => ({ ...m, PrimarySmtpAddress: upnB })),
    }, { ids: new Map([[String(userA.id), userB]]), recreated: true });

    // B has one such user and list; A is unchanged.
    const adminB = adminClient(bench.emulator, tenantB);
    expect(await listAll<Doc>(adminB, '/users', { $filter: `userPrincipalName eq '${upnB}'`, $select: 'id' })).toEqual([{ id: userB }]);
    expect((await listAll<Doc>(bench.admin, '/users', { $filter: 'userPrincipalName eq \'ada.adapted@contoso.com\'', $select: 'id' })).map((u) => u.id)).toEqual([userA.id]);
  });
});
