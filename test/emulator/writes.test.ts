/**
 * Write semantics of the directory: validation messages, `@odata.bind` and `$ref` with Graph's
 * limits and duplicate rule, audit records for every write, app secrets, delegated grants,
 * manager, authentication methods, the recycle bin (soft vs hard delete, restore keeps ID and
 * memberships, 30-day purge), and `$batch`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, graph, startTest, type TestEmulator } from './helpers.js';

const ref = (em: TestEmulator, id: string) => ({ '@odata.id': `${em.url}/v1.0/directoryObjects/${id}` });

describe('directory writes', () => {
  let em: TestEmulator;
  let token: string;
  let userIds: string[];
  beforeAll(async () => {
    em = await startTest();
    token = await clientToken(em, em.t);
    userIds = (await graph(em, token, '/users?$select=id&$top=30')).body.value.map((u: { id: string }) => u.id);
  });
  afterAll(async () => {
    await em?.close();
  });

  const newUser = (nick: string, extra: Record<string, unknown> = {}) => ({
    accountEnabled: true, displayName: `User ${nick}`, mailNickname: nick, userPrincipalName: `${nick}@${em.t.domain}`, passwordProfile: { password: 'Str0ng!pass', forceChangePasswordNextSignIn: true }, ...extra,
  });

  it('creates users with Graph\'s checks: required, read-only, unknown, domain, uniqueness', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...newUser('a1'), mailNickname: undefined }, "A value is required for property 'mailNickname' of resource 'User'."],
      [{ ...newUser('a2'), passwordProfile: undefined }, "A value is required for property 'passwordProfile' of resource 'User'."],
      [newUser('a3', { createdDateTime: '2020-01-01T00:00:00Z' }), "Property 'createdDateTime' is read-only and cannot be set."],
      [newUser('a4', { id: '11111111-1111-1111-1111-111111111111' }), "Property 'id' is read-only and cannot be set."],
      [newUser('a5', { favouriteColour: 'blue' }), "Invalid property 'favouriteColour'."],
      [{ ...newUser('a6'), userPrincipalName: 'a6@example.com' }, 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.'],
    ];
    for (const [body, message] of cases) {
      const res = await graph(em, token, '/users', { method: 'POST', body: JSON.parse(JSON.stringify(body)) });
      expect({ status: res.status, message: res.body.error?.message }).toEqual({ status: 400, message });
    }
    const ok = await graph(em, token, '/users', { method: 'POST', body: newUser('writer.one', { department: 'Finance', jobTitle: 'Analyst' }) });
    expect(ok.status).toBe(201);
    expect(ok.body['@odata.context']).toBe(`${em.url}/v1.0/$metadata#users/$entity`);
    expect(ok.body).toMatchObject({ displayName: 'User writer.one', userPrincipalName: `writer.one@${em.t.domain}` });
    expect(ok.body).not.toHaveProperty('passwordProfile');
    const dup = await graph(em, token, '/users', { method: 'POST', body: newUser('writer.one') });
    expect(dup.body.error.message).toBe('Another object with the same value for property userPrincipalName already exists.');
    // Custom domain works too.
    expect((await graph(em, token, '/users', { method: 'POST', body: { ...newUser('custom'), userPrincipalName: 'custom@contoso.com' } })).status).toBe(201);
  });

  it('updates with 204 and writes an audit record with old and new values', async () => {
    const id = userIds[2] as string;
    const before = (await graph(em, token, `/users/${id}?$select=jobTitle`)).body.jobTitle;
    const res = await graph(em, token, `/users/${id}`, { method: 'PATCH', body: { jobTitle: 'Chief Auditor' } });
    expect(res.status).toBe(204);
    const audits = [...em.control.tenantState(em.t.tenantId).store('directoryAudits').values()];
    const last = audits[audits.length - 1];
    expect(last).toMatchObject({
      activityDisplayName: 'Update user', category: 'UserManagement', operationType: 'Update', result: 'success', loggedByService: 'Core Directory',
      initiatedBy: { app: { appId: em.t.clientId, displayName: 'Tenant Vault Emulator Admin' }, user: null },
      targetResources: [{ id, type: 'User', modifiedProperties: [{ displayName: 'jobTitle', oldValue: JSON.stringify([before]), newValue: '["Chief Auditor"]' }] }],
    });
    const readOnly = await graph(em, token, `/users/${id}`, { method: 'PATCH', body: { securityIdentifier: 'S-1' } });
    expect(readOnly.body.error.message).toBe("Property 'securityIdentifier' is read-only and cannot be set.");
  });

  it('groups: binds on create (max 20), $ref add/remove, duplicate member, read-only distribution lists', async () => {
    const create = await graph(em, token, '/groups', {
      method: 'POST',
      body: {
        displayName: 'Bound group', mailEnabled: false, mailNickname: 'boundgroup', securityEnabled: true,
        'members@odata.bind': userIds.slice(0, 3).map((id) => `${em.url}/v1.0/directoryObjects/${id}`),
        'owners@odata.bind': [`${em.url}/v1.0/users/${userIds[4]}`],
      },
    });
    expect(create.status).toBe(201);
    const gid = create.body.id as string;
    expect((await graph(em, token, `/groups/${gid}/members?$select=id`)).body.value.map((m: { id: string }) => m.id).sort()).toEqual(userIds.slice(0, 3).sort());
    expect((await graph(em, token, `/groups/${gid}/owners?$select=id`)).body.value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: userIds[4] }]);

    const tooMany = await graph(em, token, `/groups/${gid}`, { method: 'PATCH', body: { 'members@odata.bind': userIds.slice(5, 26).map((id) => `${em.url}/v1.0/directoryObjects/${id}`) } });
    expect(tooMany.status).toBe(400);
    const twenty = await graph(em, token, `/groups/${gid}`, { method: 'PATCH', body: { 'members@odata.bind': userIds.slice(5, 25).map((id) => `${em.url}/v1.0/directoryObjects/${id}`) } });
    expect(twenty.status).toBe(204);

    const add = await graph(em, token, `/groups/${gid}/members/$ref`, { method: 'POST', body: ref(em, userIds[26] as string) });
    expect(add.status).toBe(204);
    const again = await graph(em, token, `/groups/${gid}/members/$ref`, { method: 'POST', body: ref(em, userIds[26] as string) });
    expect(again.body.error).toMatchObject({ code: 'Request_BadRequest', message: "One or more added object references already exist for the following modified properties: 'members'." });
    expect((await graph(em, token, `/groups/${gid}/members/${userIds[26]}/$ref`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `/groups/${gid}/members/${userIds[26]}/$ref`, { method: 'DELETE' })).status).toBe(404);
    const audits = [...em.control.tenantState(em.t.tenantId).store('directoryAudits').values()].map((a) => a.activityDisplayName);
    expect(audits).toEqual(expect.arrayContaining(['Add group', 'Add member to group', 'Add owner to group', 'Remove member from group']));

    const dl = await graph(em, token, '/groups', { method: 'POST', body: { displayName: 'DL', mailEnabled: true, mailNickname: 'dl1', securityEnabled: false } });
    expect(dl.status).toBe(400);
    const existingDl = (await graph(em, token, '/groups?$filter=mailEnabled eq true and securityEnabled eq false&$select=id')).body.value[0];
    if (existingDl) {
      const patch = await graph(em, token, `/groups/${existingDl.id}`, { method: 'PATCH', body: { description: 'x' } });
      expect(patch.body.error.message).toBe('Cannot Update a mail-enabled security groups and or distribution list.');
    }
  });

  it('applications: addPassword shows the secret once; it signs in; removePassword revokes it', async () => {
    const app = (await graph(em, token, '/applications', { method: 'POST', body: { displayName: 'Secret keeper' } })).body;
    expect(app).toMatchObject({ displayName: 'Secret keeper', publisherDomain: em.t.domain, signInAudience: 'AzureADMyOrg' });
    expect((await graph(em, token, '/applications', { method: 'POST', body: { displayName: 'x', appId: 'y' } })).body.error.message).toBe("Property 'appId' is read-only and cannot be set.");
    const sp = await graph(em, token, '/servicePrincipals', { method: 'POST', body: { appId: app.appId } });
    expect(sp.status).toBe(201);
    const pw = await graph(em, token, `/applications/${app.id}/addPassword`, { method: 'POST', body: { passwordCredential: { displayName: 'ci' } } });
    expect(pw.status).toBe(200);
    expect(pw.body.secretText).toMatch(/^.{3}8Q~.{34}$/);
    expect(pw.body.hint).toBe(pw.body.secretText.slice(0, 3));
    const read = (await graph(em, token, `/applications/${app.id}?$select=passwordCredentials`)).body.passwordCredentials;
    expect(read).toEqual([expect.objectContaining({ keyId: pw.body.keyId, hint: pw.body.hint, secretText: null, displayName: 'ci' })]);
    const creds = { tenantId: em.t.tenantId, clientId: app.appId as string, clientSecret: pw.body.secretText as string };
    await expect(clientToken(em, creds)).resolves.toMatch(/^ey/);
    expect((await graph(em, token, `/applications/${app.id}/removePassword`, { method: 'POST', body: { keyId: pw.body.keyId } })).status).toBe(204);
    await expect(clientToken(em, creds)).rejects.toThrow(/401/);
    expect((await graph(em, token, `/applications(appId='${app.appId}')`)).body.id).toBe(app.id);
  });

  it('oauth2PermissionGrants: only scope can be changed', async () => {
    const grant = (await graph(em, token, '/oauth2PermissionGrants?$top=1')).body.value[0];
    expect((await graph(em, token, `/oauth2PermissionGrants/${grant.id}`, { method: 'PATCH', body: { scope: 'User.Read email' } })).status).toBe(204);
    expect((await graph(em, token, `/oauth2PermissionGrants/${grant.id}`)).body.scope).toBe('User.Read email');
    const bad = await graph(em, token, `/oauth2PermissionGrants/${grant.id}`, { method: 'PATCH', body: { clientId: grant.resourceId } });
    expect(bad.body.error.message).toBe("Property 'clientId' is read-only and cannot be set.");
  });

  it('manager: PUT, GET and DELETE $ref', async () => {
    const [u, m] = [userIds[10] as string, userIds[11] as string];
    expect((await graph(em, token, `/users/${u}/manager/$ref`, { method: 'PUT', body: ref(em, m) })).status).toBe(204);
    const got = await graph(em, token, `/users/${u}/manager?$select=id`);
    expect(got.body).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: m });
    expect((await graph(em, token, `/users/${m}/directReports?$select=id`)).body.value.map((x: { id: string }) => x.id)).toContain(u);
    expect((await graph(em, token, `/users/${u}/manager/$ref`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `/users/${u}/manager`)).status).toBe(404);
  });

  it('authentication methods: phone/email create-update-delete, TAP shown once, FIDO2 delete only, password read only', async () => {
    const u = userIds[12] as string;
    const base = `/users/${u}/authentication`;
    const existing = (await graph(em, token, `${base}/methods`)).body.value as { '@odata.type': string; id: string }[];
    expect(existing.some((m) => m['@odata.type'] === '#microsoft.graph.passwordAuthenticationMethod' && m.id === '28c10230-6103-485e-b985-444c60001490')).toBe(true);
    for (const m of existing.filter((x) => x['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod')) {
      await graph(em, token, `${base}/phoneMethods/${m.id}`, { method: 'DELETE' });
    }
    const phone = await graph(em, token, `${base}/phoneMethods`, { method: 'POST', body: { phoneNumber: '+1 2065555555', phoneType: 'mobile' } });
    expect(phone.status).toBe(201);
    expect(phone.body).toMatchObject({ id: '3179e48a-750b-4051-897c-87b9720928f7', phoneNumber: '+1 2065555555', phoneType: 'mobile' });
    expect((await graph(em, token, `${base}/phoneMethods/${phone.body.id}`, { method: 'PATCH', body: { phoneNumber: '+1 2065550000' } })).status).toBe(204);
    expect((await graph(em, token, `${base}/phoneMethods/${phone.body.id}`)).body.phoneNumber).toBe('+1 2065550000');
    const tap = await graph(em, token, `${base}/temporaryAccessPassMethods`, { method: 'POST', body: { lifetimeInMinutes: 60, isUsableOnce: true } });
    expect(tap.status).toBe(201);
    expect(tap.body.temporaryAccessPass).toMatch(/^.{8}$/);
    expect((await graph(em, token, `${base}/temporaryAccessPassMethods/${tap.body.id}`)).body.temporaryAccessPass).toBeNull();
    expect((await graph(em, token, `${base}/passwordMethods/28c10230-6103-485e-b985-444c60001490`, { method: 'DELETE' })).status).toBe(405);
    expect((await graph(em, token, `${base}/fido2Methods`, { method: 'POST', body: {} })).status).toBe(405);
    expect((await graph(em, token, `${base}/phoneMethods/${phone.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('recycle bin: users and M365 groups are soft-deleted and restored with ID and memberships; security groups are gone', async () => {
    const u = (await graph(em, token, '/users', { method: 'POST', body: newUser('bin.user') })).body.id as string;
    const m365 = (await graph(em, token, '/groups', { method: 'POST', body: { displayName: 'Bin M365', mailEnabled: true, mailNickname: 'binm365', securityEnabled: false, groupTypes: ['Unified'], 'members@odata.bind': [`${em.url}/v1.0/users/${u}`] } })).body.id as string;
    const sec = (await graph(em, token, '/groups', { method: 'POST', body: { displayName: 'Bin SG', mailEnabled: false, mailNickname: 'binsg', securityEnabled: true, 'members@odata.bind': [`${em.url}/v1.0/users/${u}`] } })).body.id as string;

    expect((await graph(em, token, `/users/${u}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `/users/${u}`)).status).toBe(404);
    const binned = await graph(em, token, '/directory/deletedItems/microsoft.graph.user?$select=id,deletedDateTime,userPrincipalName');
    expect(binned.body.value).toEqual(expect.arrayContaining([expect.objectContaining({ id: u, '@odata.type': '#microsoft.graph.user', deletedDateTime: em.control.tenantState(em.t.tenantId).nowIso() })]));
    // Hidden from member lists while deleted.
    expect((await graph(em, token, `/groups/${sec}/members`)).body.value).toEqual([]);
    const restored = await graph(em, token, `/directory/deletedItems/${u}/restore`, { method: 'POST' });
    expect(restored.status).toBe(200);
    expect(restored.body.id).toBe(u);
    expect((await graph(em, token, `/groups/${sec}/members?$select=id`)).body.value.map((x: { id: string }) => x.id)).toEqual([u]);

    expect((await graph(em, token, `/groups/${sec}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `/directory/deletedItems/${sec}`)).status).toBe(404);
    expect((await graph(em, token, `/groups/${m365}`, { method: 'DELETE' })).status).toBe(204);
    const gBin = await graph(em, token, '/directory/deletedItems/microsoft.graph.group?$select=id');
    expect(gBin.body.value.map((g: { id: string }) => g.id)).toEqual([m365]);
    expect((await graph(em, token, '/directory/deletedItems')).status).toBe(400);

    const devices = (await graph(em, token, '/devices?$top=1&$select=id')).body.value;
    expect((await graph(em, token, `/devices/${devices[0].id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `/directory/deletedItems/${devices[0].id}`)).status).toBe(404);

    // An application comes back without its service principal.
    const app = (await graph(em, token, '/applications', { method: 'POST', body: { displayName: 'Bin app' } })).body;
    const sp = (await graph(em, token, '/servicePrincipals', { method: 'POST', body: { appId: app.appId } })).body;
    await graph(em, token, `/servicePrincipals/${sp.id}`, { method: 'DELETE' });
    await graph(em, token, `/applications/${app.id}`, { method: 'DELETE' });
    expect((await graph(em, token, `/directory/deletedItems/${app.id}/restore`, { method: 'POST' })).body.appId).toBe(app.appId);
    expect((await graph(em, token, `/servicePrincipals(appId='${app.appId}')`)).status).toBe(404);

    // Thirty days later the bin is empty.
    em.clock.advance(31 * 24 * 3600 * 1000);
    token = await clientToken(em, em.t);
    expect((await graph(em, token, '/directory/deletedItems/microsoft.graph.group')).body.value).toEqual([]);
  });

  it('$batch: per-item status, dependsOn → 424, 20 requests at most, unique IDs', async () => {
    token = await clientToken(em, em.t);
    const ok = await graph(em, token, '/$batch', {
      method: 'POST',
      body: {
        requests: [
          { id: '1', method: 'POST', url: '/groups', headers: { 'Content-Type': 'application/json' }, body: { displayName: 'Batch group', mailEnabled: false, mailNickname: 'batchg', securityEnabled: true } },
          { id: '2', method: 'GET', url: '/groups/nope', dependsOn: ['1'] },
          { id: '3', method: 'GET', url: 'organization?$select=id', dependsOn: ['2'] },
          { id: '4', method: 'GET', url: '/users/$count', headers: { ConsistencyLevel: 'eventual' } },
        ],
      },
    });
    expect(ok.status).toBe(200);
    const byId = Object.fromEntries(ok.body.responses.map((r: { id: string }) => [r.id, r]));
    expect(byId['1']).toMatchObject({ status: 201, body: { displayName: 'Batch group' } });
    expect(byId['2']).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    expect(byId['3'].status).toBe(424);
    expect(byId['4']).toMatchObject({ status: 200 });
    const tooMany = await graph(em, token, '/$batch', { method: 'POST', body: { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' })) } });
    expect(tooMany.status).toBe(400);
    const dup = await graph(em, token, '/$batch', { method: 'POST', body: { requests: [{ id: '1', method: 'GET', url: '/organization' }, { id: '1', method: 'GET', url: '/domains' }] } });
    expect(dup.status).toBe(400);
  });
});
