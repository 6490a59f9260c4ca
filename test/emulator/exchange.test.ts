/**
 * The Exchange Online admin API over HTTP: authentication for the Exchange resource, the
 * Exchange.ManageAsApp role and the Exchange directory role, every supported cmdlet, the Exchange
 * error shape, paging by `Prefer: odata.maxpagesize` and `ResultSize`, `$select`, and that Graph
 * and Exchange show the same distribution groups and members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { all, clientToken, graph, startTest, type TestEmulator } from './helpers.js';

const EXO = 'https://outlook.office365.com/.default';
const EXCHANGE_APP = '00000002-0000-0ff1-ce00-000000000000';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';

describe('Exchange admin API', () => {
  let em: TestEmulator;
  let exo: string;
  let token: string;
  let upns: string[];
  beforeAll(async () => {
    em = await startTest({ tenants: [{ name: 'contoso', size: 'medium', seed: 'exchange' }] });
    exo = await clientToken(em, em.t, EXO);
    token = await clientToken(em, em.t);
    upns = (await graph(em, token, '/users?$top=5&$select=userPrincipalName')).body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName);
  });
  afterAll(async () => {
    await em?.close();
  });

  const invoke = async (cmdlet: string, parameters: Record<string, unknown> = {}, options: { query?: string; headers?: Record<string, string>; url?: string; bearer?: string } = {}) => {
    const url = options.url ?? `${em.url}/adminapi/beta/${em.t.tenantId}/InvokeCommand${options.query ?? ''}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.bearer ?? exo}`, 'content-type': 'application/json', 'x-responseformat': 'json', ...options.headers },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
    });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('lists the same distribution groups and members as Graph', async () => {
    const dls = await invoke('Get-DistributionGroup', { ResultSize: 'Unlimited' });
    expect(dls.status).toBe(200);
    expect(dls.body['@adminapi.warnings']).toEqual([]);
    const graphDls = await all(em, token, '/groups?$filter=mailEnabled eq true&$select=id,groupTypes,securityEnabled');
    const expected = graphDls.filter((g) => !g.groupTypes.includes('Unified')).map((g) => g.id).sort();
    expect(dls.body.value.map((g: { ExternalDirectoryObjectId: string }) => g.ExternalDirectoryObjectId).sort()).toEqual(expected);
    const dl = dls.body.value.find((g: { RecipientTypeDetails: string }) => g.RecipientTypeDetails === 'MailUniversalDistributionGroup');
    expect(dl).toMatchObject({ Guid: expect.any(String), ManagedBy: expect.any(Array), MemberJoinRestriction: expect.any(String), PrimarySmtpAddress: expect.stringContaining('@') });
    const members = await invoke('Get-DistributionGroupMember', { Identity: dl.PrimarySmtpAddress, ResultSize: 'Unlimited' });
    const graphMembers = await all(em, token, `/groups/${dl.ExternalDirectoryObjectId}/members?$select=id,mailEnabled`);
    const mailable = graphMembers.filter((m) => m['@odata.type'] === '#microsoft.graph.user' || m.mailEnabled === true).map((m) => m.id).sort();
    expect(members.body.value.map((m: { ExternalDirectoryObjectId: string }) => m.ExternalDirectoryObjectId).sort()).toEqual(mailable);
  });

  it('New/Set/Add/Remove/Update/Remove-DistributionGroup keep Graph in step and write audit records', async () => {
    const created = await invoke('New-DistributionGroup', { Name: 'Vault Test DL', Alias: 'vaulttestdl', Type: 'Distribution', Members: [upns[0]], MemberJoinRestriction: 'ApprovalRequired' });
    expect(created.status).toBe(200);
    const dl = created.body.value[0];
    expect(dl).toMatchObject({ Alias: 'vaulttestdl', DisplayName: 'Vault Test DL', RecipientTypeDetails: 'MailUniversalDistributionGroup', MemberJoinRestriction: 'ApprovalRequired' });
    const id = dl.ExternalDirectoryObjectId as string;
    const group = (await graph(em, token, `/groups/${id}`)).body;
    expect(group).toMatchObject({ displayName: 'Vault Test DL', mailEnabled: true, securityEnabled: false, groupTypes: [], mailNickname: 'vaulttestdl' });
    // Graph still refuses to write a distribution list.
    expect((await graph(em, token, `/groups/${id}`, { method: 'PATCH', body: { description: 'x' } })).status).toBe(400);

    expect((await invoke('Add-DistributionGroupMember', { Identity: 'vaulttestdl', Member: upns[1] })).status).toBe(200);
    const again = await invoke('Add-DistributionGroupMember', { Identity: 'vaulttestdl', Member: upns[1] });
    expect(again.status).toBe(400);
    expect(again.body.error.details[0].message).toMatch(/^Ex94914C\|Microsoft\.Exchange\.Management\.Tasks\.MemberAlreadyExistsException\|/);
    const memberIds = async () => (await all(em, token, `/groups/${id}/members?$select=id`)).map((m) => m.id).sort();
    const userIds = (await graph(em, token, `/users?$top=5&$select=id`)).body.value.map((u: { id: string }) => u.id);
    expect(await memberIds()).toEqual([userIds[0], userIds[1]].sort());

    expect((await invoke('Set-DistributionGroup', { Identity: id, DisplayName: 'Vault Test DL 2', ManagedBy: { Add: [upns[2]] }, HiddenFromAddressListsEnabled: true })).status).toBe(200);
    expect((await graph(em, token, `/groups/${id}?$select=displayName`)).body.displayName).toBe('Vault Test DL 2');
    const after = (await invoke('Get-DistributionGroup', { Identity: 'Vault Test DL 2' })).body.value[0];
    expect(after).toMatchObject({ DisplayName: 'Vault Test DL 2', HiddenFromAddressListsEnabled: true, ManagedBy: [upns[2]?.split('@')[0]] });

    expect((await invoke('Update-DistributionGroupMember', { Identity: id, Members: [upns[3], upns[4]], Confirm: false })).status).toBe(200);
    expect(await memberIds()).toEqual([userIds[3], userIds[4]].sort());
    expect((await invoke('Remove-DistributionGroupMember', { Identity: id, Member: upns[3], Confirm: false })).status).toBe(200);
    expect(await memberIds()).toEqual([userIds[4]]);
    const notMember = await invoke('Remove-DistributionGroupMember', { Identity: id, Member: upns[3] });
    expect(notMember.status).toBe(400);

    expect((await invoke('Remove-DistributionGroup', { Identity: id, Confirm: false })).status).toBe(200);
    expect((await graph(em, token, `/groups/${id}`)).status).toBe(404);
    // Distribution lists are hard-deleted: nothing in the recycle bin.
    expect((await graph(em, token, `/directory/deletedItems/${id}`)).status).toBe(404);
    const audits = [...(em.runtime.tenant(em.t.tenantId)?.state.store('directoryAudits').values() ?? [])]
      .filter((a) => (a.targetResources as { id: string }[]).some((t) => t.id === id))
      .map((a) => a.activityDisplayName);
    expect(audits).toEqual(['Add group', 'Add member to group', 'Add member to group', 'Update group', 'Remove member from group', 'Remove member from group', 'Add member to group', 'Add member to group', 'Remove member from group', 'Delete group']);
  });

  it('answers errors in Exchange\'s shape', async () => {
    const missing = await invoke('Get-DistributionGroup', { Identity: 'no-such-dl' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'NotFound',
      message: 'Error executing cmdlet',
      details: [{ code: 'Client', target: '', message: expect.stringMatching(/^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object 'no-such-dl' couldn't be found on '/) }],
      innererror: expect.objectContaining({ type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' }),
    });
    expect((await invoke('Get-DistributionGroup', { Colour: 'red' })).body.error.details[0].message).toMatch(/ParameterBindingException\|A parameter cannot be found that matches parameter name 'Colour'\.$/);
    expect((await invoke('Get-DistributionGroupMember', {})).status).toBe(400);
    expect((await invoke('Get-Mailbox', {})).body.error.details[0].message).toMatch(/CommandNotFoundException/);
    expect((await invoke('New-DistributionGroup', { Name: 'x', Type: 'Mystery' })).status).toBe(400);
    expect((await invoke('Add-DistributionGroupMember', { Identity: (await invoke('Get-DistributionGroup', { ResultSize: 1 })).body.value[0].Alias, Member: 'nobody@nowhere.example' })).status).toBe(404);
  });

  it('pages by Prefer: odata.maxpagesize with a next link for the same body; ResultSize caps with a warning; $select trims', async () => {
    const everything = (await invoke('Get-DistributionGroup', { ResultSize: 'Unlimited' })).body.value;
    expect(everything.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let url: string | undefined = `${em.url}/adminapi/beta/${em.t.domain}/InvokeCommand?$select=ExternalDirectoryObjectId,DisplayName`;
    while (url) {
      const page: { status: number; body: any } = await invoke('Get-DistributionGroup', { ResultSize: 'Unlimited' }, { url, headers: { prefer: 'odata.maxpagesize=2' } }); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(page.status).toBe(200);
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      for (const item of page.body.value) expect(Object.keys(item).sort()).toEqual(['DisplayName', 'ExternalDirectoryObjectId']);
      seen.push(...page.body.value.map((g: { ExternalDirectoryObjectId: string }) => g.ExternalDirectoryObjectId));
      url = page.body['@odata.nextLink'];
    }
    expect(seen).toEqual(everything.map((g: { ExternalDirectoryObjectId: string }) => g.ExternalDirectoryObjectId));
    const capped = await invoke('Get-DistributionGroup', { ResultSize: 2 });
    expect(capped.body.value).toHaveLength(2);
    expect(capped.body['@adminapi.warnings']).toEqual(['There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.']);
  });

  it('needs an Exchange token, Exchange.ManageAsApp and an Exchange role on the service principal', async () => {
    expect((await invoke('Get-DistributionGroup', {}, { bearer: token })).status).toBe(401);
    const noRole = em.control.registerApp(em.t.tenantId, { displayName: 'EXO without role', applicationPermissions: { [EXCHANGE_APP]: ['Exchange.ManageAsApp'] } });
    const noRoleToken = await clientToken(em, { tenantId: em.t.tenantId, clientId: noRole.clientId, clientSecret: noRole.clientSecret }, EXO);
    const forbidden = await invoke('Get-DistributionGroup', {}, { bearer: noRoleToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.message).toMatch(/isn't supported in this scenario/);
    const withRole = em.control.registerApp(em.t.tenantId, { displayName: 'EXO admin', applicationPermissions: { [EXCHANGE_APP]: ['Exchange.ManageAsApp'] }, directoryRoles: [EXCHANGE_ADMIN] });
    const ok = await clientToken(em, { tenantId: em.t.tenantId, clientId: withRole.clientId, clientSecret: withRole.clientSecret }, EXO);
    expect((await invoke('Get-DistributionGroup', { ResultSize: 1 }, { bearer: ok })).status).toBe(200);
    const graphOnly = em.control.registerApp(em.t.tenantId, { displayName: 'No EXO permission', applicationPermissions: ['User.Read.All'], directoryRoles: [EXCHANGE_ADMIN] });
    const graphOnlyToken = await clientToken(em, { tenantId: em.t.tenantId, clientId: graphOnly.clientId, clientSecret: graphOnly.clientSecret }, EXO);
    expect((await invoke('Get-DistributionGroup', {}, { bearer: graphOnlyToken })).status).toBe(401);
    const other = await invoke('Get-DistributionGroup', {}, { url: `${em.url}/adminapi/beta/00000000-0000-0000-0000-000000000001/InvokeCommand` });
    expect(other.status).toBe(401);
    const stats = em.control.stats(em.t.tenantId);
    expect(Object.keys(stats?.apps[em.t.clientId]?.endpoints ?? {})).toContain('POST /adminapi/InvokeCommand Get-DistributionGroup');
  });
});
