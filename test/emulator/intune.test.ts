/**
 * Intune over HTTP: polymorphic create/update with server-managed properties, version-aware
 * reads (beta-only types and nested properties), `$expand` without the directory's cap, every
 * `/assign` flavour with the replace-all rule, settings-catalog inline settings and PUT, script
 * content only by ID, compliance scheduled actions, RBAC expand, the managedAppPolicies view,
 * `targetApps`, Intune's 404 shape, permissions and the Intune throttling class.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { all, clientToken, graph, startTest, type TestEmulator } from './helpers.js';

const DM = '/deviceManagement';
const DAM = '/deviceAppManagement';
const group = (groupId: string, filter?: string) => ({
  '@odata.type': '#microsoft.graph.groupAssignmentTarget',
  groupId,
  ...(filter ? { deviceAndAppManagementAssignmentFilterId: filter, deviceAndAppManagementAssignmentFilterType: 'include' } : {}),
});

const customConfig = {
  '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
  displayName: 'OMA test',
  description: 'from a GET export',
  // Server-managed values, as an exported object carries them: accepted and ignored.
  id: '11111111-1111-1111-1111-111111111111',
  version: 7,
  createdDateTime: '2020-01-01T00:00:00Z',
  lastModifiedDateTime: '2020-01-01T00:00:00Z',
  supportsScopeTags: true,
  omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: 'x', omaUri: './Device/x', value: 1 }],
};

describe('Intune', () => {
  let em: TestEmulator;
  let token: string;
  let groups: string[];
  beforeAll(async () => {
    em = await startTest();
    token = await clientToken(em, em.t);
    groups = (await all(em, token, '/groups?$filter=securityEnabled eq true&$select=id')).map((g) => g.id as string);
  });
  afterAll(async () => {
    await em?.close();
  });

  it('creates a polymorphic configuration, ignoring server-managed values; PATCH counts the version up', async () => {
    const created = await graph(em, token, `${DM}/deviceConfigurations`, { method: 'POST', body: customConfig });
    expect(created.status).toBe(201);
    const now = new Date(em.clock.now()).toISOString();
    expect(created.body).toMatchObject({ '@odata.type': '#microsoft.graph.windows10CustomConfiguration', displayName: 'OMA test', version: 1, createdDateTime: now, lastModifiedDateTime: now });
    expect(created.body.id).not.toBe(customConfig.id);
    const id = created.body.id as string;
    const beta = await graph(em, token, `/beta${DM}/deviceConfigurations/${id}`);
    expect(beta.body).toMatchObject({ supportsScopeTags: true, roleScopeTagIds: ['0'] });
    expect(created.body).not.toHaveProperty('supportsScopeTags');
    // isEncrypted is a beta-only property of omaSetting: refused on v1.0, stored once, served per version.
    const encrypted = { ...customConfig, omaSettings: [{ ...customConfig.omaSettings[0], isEncrypted: false }] };
    expect((await graph(em, token, `${DM}/deviceConfigurations`, { method: 'POST', body: encrypted })).status).toBe(400);
    const betaCreated = await graph(em, token, `/beta${DM}/deviceConfigurations`, { method: 'POST', body: encrypted });
    expect(betaCreated.body.omaSettings[0]).toHaveProperty('isEncrypted', false);
    expect((await graph(em, token, `${DM}/deviceConfigurations/${betaCreated.body.id}`)).body.omaSettings[0]).not.toHaveProperty('isEncrypted');
    em.clock.advance(1_000);
    expect((await graph(em, token, `${DM}/deviceConfigurations/${id}`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.windows10CustomConfiguration', displayName: 'OMA test 2', version: 99 } })).status).toBe(204);
    const after = (await graph(em, token, `${DM}/deviceConfigurations/${id}`)).body;
    expect(after).toMatchObject({ displayName: 'OMA test 2', version: 2, lastModifiedDateTime: new Date(em.clock.now()).toISOString(), createdDateTime: now });
  });

  it('refuses creates without a concrete type, with an unrelated type, or with values their types do not define', async () => {
    const base = `${DM}/deviceConfigurations`;
    const abstract = await graph(em, token, base, { method: 'POST', body: { displayName: 'x' } });
    expect(abstract.status).toBe(400);
    expect(JSON.parse(abstract.body.error.message)).toMatchObject({ _version: 3, Message: expect.stringContaining('abstract') });
    expect((await graph(em, token, base, { method: 'POST', body: { '@odata.type': '#microsoft.graph.iosStoreApp', displayName: 'x' } })).status).toBe(400);
    // A beta-only type cannot be created on v1.0.
    expect((await graph(em, token, base, { method: 'POST', body: { '@odata.type': '#microsoft.graph.windows10XSCEPCertificateProfile', displayName: 'x' } })).status).toBe(400);
    const nested = await graph(em, token, base, { method: 'POST', body: { ...customConfig, omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', omaUri: 'x', value: 1, colour: 'red' }] } });
    expect(nested.body.error.message).toBe("The property 'colour' does not exist on type 'microsoft.graph.omaSettingInteger'. Make sure to only use property names that are defined by the type or mark the type as open type.");
    const abstractNested = await graph(em, token, base, { method: 'POST', body: { ...customConfig, omaSettings: [{ omaUri: 'x', displayName: 'x' }] } });
    expect(abstractNested.body.error.message).toMatch(/omaSetting' of 'omaSettings' is abstract/);
    const id = (await graph(em, token, base, { method: 'POST', body: customConfig })).body.id as string;
    expect((await graph(em, token, `${base}/${id}`, { method: 'PATCH', body: { '@odata.type': '#microsoft.graph.iosGeneralDeviceConfiguration', displayName: 'x' } })).status).toBe(400);
  });

  it('answers unknown IDs with Intune\'s 404 and deletes objects with their assignments', async () => {
    const missing = await graph(em, token, `${DM}/deviceConfigurations/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ResourceNotFound');
    expect(JSON.parse(missing.body.error.message)).toMatchObject({ _version: 3, CustomApiErrorPhrase: '', RetryAfter: null });
    const id = (await graph(em, token, `${DM}/deviceConfigurations`, { method: 'POST', body: customConfig })).body.id as string;
    await graph(em, token, `${DM}/deviceConfigurations/${id}/assign`, { method: 'POST', body: { assignments: [{ target: group(groups[0] as string) }] } });
    expect((await graph(em, token, `${DM}/deviceConfigurations/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(em, token, `${DM}/deviceConfigurations/${id}/assignments`)).status).toBe(404);
    expect(em.runtime.tenant(em.t.tenantId)?.state.childStore('deviceConfigurations/assignments', id).size).toBe(0);
  });

  it('/assign replaces the whole set, ignores duplicate targets and returns the collection (configurations)', async () => {
    const id = (await graph(em, token, `${DM}/deviceConfigurations`, { method: 'POST', body: customConfig })).body.id as string;
    const path = `${DM}/deviceConfigurations/${id}`;
    const [g1, g2, g3] = groups as [string, string, string];
    const first = await graph(em, token, `${path}/assign`, { method: 'POST', body: { assignments: [{ target: group(g1) }, { target: group(g2) }, { target: group(g1) }] } });
    expect(first.status).toBe(200);
    expect(first.body['@odata.context']).toMatch(/\$metadata#Collection\(microsoft\.graph\.deviceConfigurationAssignment\)$/);
    expect(first.body.value.map((a: { id: string }) => a.id)).toEqual([`${id}_${g1}`, `${id}_${g2}`]);
    const second = await graph(em, token, `${path}/assign`, { method: 'POST', body: { assignments: [{ target: group(g3) }, { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] } });
    expect(second.body.value.map((a: { id: string }) => a.id)).toEqual([`${id}_${g3}`, `${id}_adadadad-808e-44e2-905a-0b7873a8a531`]);
    const listed = await graph(em, token, `${path}/assignments`);
    expect(listed.body.value.map((a: { target: { groupId?: string } }) => a.target.groupId ?? 'all')).toEqual([g3, 'all']);
    expect((await graph(em, token, `${path}/assign`, { method: 'POST', body: { assignments: [] } })).body.value).toEqual([]);
    expect((await graph(em, token, `${path}/assignments`)).body.value).toEqual([]);
    expect((await graph(em, token, `${path}/assign`, { method: 'POST', body: { nope: [] } })).status).toBe(400);
  });

  it('$expand=assignments returns every assignment (no directory cap of 20)', async () => {
    const id = (await graph(em, token, `${DM}/deviceConfigurations`, { method: 'POST', body: customConfig })).body.id as string;
    // Intune does not check that a group exists [I]; the small tenant has fewer than 25 groups.
    const many = Array.from({ length: 25 }, () => ({ target: group(randomUUID()) }));
    expect(many.length).toBe(25);
    await graph(em, token, `${DM}/deviceConfigurations/${id}/assign`, { method: 'POST', body: { assignments: many } });
    const expanded = await graph(em, token, `${DM}/deviceConfigurations/${id}?$expand=assignments`);
    expect(expanded.body.assignments).toHaveLength(25);
    const page = await graph(em, token, `${DM}/deviceConfigurations?$expand=assignments&$top=500`);
    expect(page.body.value.length).toBeGreaterThan(8);
    expect(page.body.value.find((c: { id: string }) => c.id === id).assignments).toHaveLength(25);
  });

  it('scripts: assign with both lists answers 204; content only by ID or $select', async () => {
    const scripts = await graph(em, token, `/beta${DM}/deviceManagementScripts`);
    expect(scripts.body.value.length).toBeGreaterThan(0);
    expect(scripts.body.value[0]).not.toHaveProperty('scriptContent');
    const id = scripts.body.value[0].id as string;
    const one = await graph(em, token, `/beta${DM}/deviceManagementScripts/${id}`);
    expect(Buffer.from(one.body.scriptContent, 'base64').toString('utf8')).toMatch(/\S/);
    expect((await graph(em, token, `/beta${DM}/deviceManagementScripts?$select=id,scriptContent`)).body.value[0].scriptContent).toEqual(expect.any(String));
    expect((await graph(em, token, `${DM}/deviceManagementScripts`)).status).toBe(400);
    const assigned = await graph(em, token, `/beta${DM}/deviceManagementScripts/${id}/assign`, {
      method: 'POST',
      body: { deviceManagementScriptAssignments: [{ target: group(groups[0] as string) }], deviceManagementScriptGroupAssignments: [{ targetGroupId: groups[1] }] },
    });
    expect(assigned.status).toBe(204);
    expect((await graph(em, token, `/beta${DM}/deviceManagementScripts/${id}/assignments`)).body.value).toEqual([
      // Complex values come back with every property of their type.
      { id: `${id}_${groups[0]}`, target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', deviceAndAppManagementAssignmentFilterId: null, deviceAndAppManagementAssignmentFilterType: null, groupId: groups[0] } },
    ]);
    expect((await graph(em, token, `/beta${DM}/deviceManagementScripts/${id}/groupAssignments`)).body.value).toEqual([{ id: `${id}_${groups[1]}`, targetGroupId: groups[1] }]);
    const health = (await graph(em, token, `/beta${DM}/deviceHealthScripts?$top=1&$expand=assignments`)).body.value[0];
    expect(health).not.toHaveProperty('detectionScriptContent');
    const schedule = { '@odata.type': '#microsoft.graph.deviceHealthScriptDailySchedule', interval: 1, time: '09:00:00.0000000', useUtc: true };
    expect((await graph(em, token, `/beta${DM}/deviceHealthScripts/${health.id}/assign`, { method: 'POST', body: { deviceHealthScriptAssignments: [{ target: group(groups[2] as string), runRemediationScript: true, runSchedule: schedule }] } })).status).toBe(204);
    expect((await graph(em, token, `/beta${DM}/deviceHealthScripts/${health.id}/assignments`)).body.value[0]).toMatchObject({ runRemediationScript: true, runSchedule: schedule });
  });

  it('settings catalog: settings inline on create, PUT replaces them, PATCH of one setting is refused, pages of 25', async () => {
    const setting = (id: string, value: string) => ({
      '@odata.type': '#microsoft.graph.deviceManagementConfigurationSetting',
      settingInstance: {
        '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance',
        settingDefinitionId: id,
        choiceSettingValue: { '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingValue', value: `${id}_${value}`, children: [] },
      },
    });
    const base = `/beta${DM}/configurationPolicies`;
    const created = await graph(em, token, base, { method: 'POST', body: { name: 'Catalog test', platforms: 'windows10', technologies: 'mdm', settings: [setting('a', '1'), setting('b', '0')] } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ settingCount: 2, isAssigned: false, roleScopeTagIds: ['0'] });
    expect((await graph(em, token, `${base}/${id}/settings`)).body.value.map((s: { id: string }) => s.id)).toEqual(['0', '1']);
    expect((await graph(em, token, `${base}/${id}`, { method: 'PUT', body: { name: 'Catalog test 2', platforms: 'windows10', technologies: 'mdm', settings: [setting('c', '1')] } })).status).toBe(204);
    const after = await graph(em, token, `${base}/${id}?$expand=settings`);
    expect(after.body).toMatchObject({ name: 'Catalog test 2', settingCount: 1, createdDateTime: created.body.createdDateTime });
    expect(after.body.settings.map((s: { settingInstance: { settingDefinitionId: string } }) => s.settingInstance.settingDefinitionId)).toEqual(['c']);
    const patched = await graph(em, token, `${base}/${id}/settings/0`, { method: 'PATCH', body: setting('c', '0') });
    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toMatch(/^No OData route exists/);
    expect((await graph(em, token, `${base}/${id}`, { method: 'PATCH', body: { settings: [] } })).status).toBe(400);
    // Settings-catalog lists page at 25 (facts §2.1); $top goes up to the emulator's 1,000 [I].
    const existing = (await all(em, token, base)).length;
    for (let i = existing; i < 26; i++) {
      expect((await graph(em, token, base, { method: 'POST', body: { name: `Paging ${i}`, platforms: 'windows10', technologies: 'mdm', settings: [] } })).status).toBe(201);
    }
    const page = await graph(em, token, base);
    expect(page.body.value).toHaveLength(25);
    const rest = await graph(em, token, page.body['@odata.nextLink']);
    expect(rest.body['@odata.nextLink']).toBeUndefined();
    expect([...page.body.value, ...rest.body.value].map((p: { id: string }) => p.id).sort()).toEqual((await all(em, token, `${base}?$top=1000`)).map((p) => p.id).sort());
    expect((await graph(em, token, `${base}?$top=1001`)).status).toBe(400);
    const assigned = await graph(em, token, `${base}/${id}/assign`, { method: 'POST', body: { assignments: [{ target: group(groups[0] as string) }] } });
    expect(assigned.body.value[0]).toMatchObject({ id: `${id}_${groups[0]}`, source: 'direct', sourceId: id });
    expect((await graph(em, token, `${base}/${id}`)).body.isAssigned).toBe(true);
  });

  it('compliance: scheduled actions inline on create, nested $expand, scheduleActionsForRules replaces them', async () => {
    const base = `${DM}/deviceCompliancePolicies`;
    const action = (actionType: string, gracePeriodHours: number) => ({ '@odata.type': '#microsoft.graph.deviceComplianceActionItem', actionType, gracePeriodHours, notificationTemplateId: '', notificationMessageCCList: [] });
    const created = await graph(em, token, base, {
      method: 'POST',
      body: {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'Compliance test',
        passwordRequired: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [action('block', 0)] }],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const expanded = await graph(em, token, `${base}/${id}?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)`);
    expect(expanded.body.scheduledActionsForRule).toHaveLength(1);
    expect(expanded.body.scheduledActionsForRule[0].scheduledActionConfigurations).toEqual([expect.objectContaining({ actionType: 'block', gracePeriodHours: 0 })]);
    expect((await graph(em, token, `${base}/${id}?$expand=scheduledActionsForRule`)).body.scheduledActionsForRule[0]).not.toHaveProperty('scheduledActionConfigurations');
    expect((await graph(em, token, `${base}/${id}/scheduleActionsForRules`, {
      method: 'POST',
      body: { deviceComplianceScheduledActionForRules: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [action('block', 24), action('retire', 720)] }] },
    })).status).toBe(204);
    const rules = (await graph(em, token, `${base}/${id}/scheduledActionsForRule`)).body.value;
    expect(rules).toHaveLength(1);
    const items = await graph(em, token, `${base}/${id}/scheduledActionsForRule/${rules[0].id}/scheduledActionConfigurations`);
    expect(items.body.value.map((i: { actionType: string }) => i.actionType)).toEqual(['block', 'retire']);
  });

  it('RBAC: role assignments expand their role definition; writes need DeviceManagementRBAC.ReadWrite.All', async () => {
    const assignments = await graph(em, token, `${DM}/roleAssignments?$expand=roleDefinition`);
    expect(assignments.status).toBe(200);
    const first = assignments.body.value[0];
    expect(first.roleDefinition).toMatchObject({ id: expect.any(String), displayName: expect.any(String), isBuiltIn: expect.any(Boolean) });
    expect((await graph(em, token, `${DM}/roleAssignments/${first.id}/roleDefinition`)).body.id).toBe(first.roleDefinition.id);
    const denied = await graph(em, token, `${DM}/roleDefinitions`, { method: 'POST', body: { '@odata.type': '#microsoft.graph.deviceAndAppManagementRoleDefinition', displayName: 'x' } });
    expect(denied.status).toBe(403);
    expect((await graph(em, token, `/beta${DM}/roleScopeTags`)).body.value[0]).toMatchObject({ id: '0', displayName: 'Default', isBuiltIn: true });
  });

  it('apps: beta-only types are not listed on v1.0; assign answers 204 with _0_0 IDs', async () => {
    const v1 = await all(em, token, `${DAM}/mobileApps`);
    const beta = await all(em, token, `/beta${DAM}/mobileApps`);
    const types = (items: { '@odata.type': string }[]) => new Set(items.map((a) => a['@odata.type']));
    expect(types(beta).has('#microsoft.graph.winGetApp')).toBe(true);
    expect(types(v1).has('#microsoft.graph.winGetApp')).toBe(false);
    expect(v1.length).toBeLessThan(beta.length);
    const winGet = beta.find((a) => a['@odata.type'] === '#microsoft.graph.winGetApp');
    expect((await graph(em, token, `${DAM}/mobileApps/${winGet.id}`)).status).toBe(404);
    const app = v1[0];
    const res = await graph(em, token, `${DAM}/mobileApps/${app.id}/assign`, { method: 'POST', body: { mobileAppAssignments: [{ intent: 'required', target: group(groups[0] as string) }] } });
    expect(res.status).toBe(204);
    expect((await graph(em, token, `${DAM}/mobileApps/${app.id}/assignments`)).body.value).toEqual([
      expect.objectContaining({ id: `${app.id}_${groups[0]}_0_0`, intent: 'required' }),
    ]);
  });

  it('app protection: typed collections, the managedAppPolicies view, targetApps and assign through the view', async () => {
    const ios = await all(em, token, `${DAM}/iosManagedAppProtections`);
    const android = await all(em, token, `${DAM}/androidManagedAppProtections`);
    const configs = await all(em, token, `${DAM}/targetedManagedAppConfigurations`);
    const view = await all(em, token, `${DAM}/managedAppPolicies`);
    expect(view.map((p) => p.id).sort()).toEqual([...ios, ...android, ...configs].map((p) => p.id).sort());
    expect(new Set(view.map((p) => p['@odata.type']))).toEqual(new Set(['#microsoft.graph.iosManagedAppProtection', '#microsoft.graph.androidManagedAppProtection', '#microsoft.graph.targetedManagedAppConfiguration']));
    const created = await graph(em, token, `${DAM}/iosManagedAppProtections`, { method: 'POST', body: { displayName: 'iOS test', pinRequired: true } });
    expect(created.status).toBe(201);
    expect(created.body['@odata.type']).toBe('#microsoft.graph.iosManagedAppProtection');
    const id = created.body.id as string;
    expect((await graph(em, token, `${DAM}/androidManagedAppProtections/${id}`)).status).toBe(404);
    const apps = [{ mobileAppIdentifier: { '@odata.type': '#microsoft.graph.iosMobileAppIdentifier', bundleId: 'com.microsoft.Office.Outlook' } }];
    expect((await graph(em, token, `${DAM}/managedAppPolicies/${id}/targetApps`, { method: 'POST', body: { apps, appGroupType: 'selectedPublicApps' } })).status).toBe(204);
    // appGroupType is a beta property.
    const withApps = await graph(em, token, `/beta${DAM}/iosManagedAppProtections/${id}?$expand=apps,assignments`);
    expect(withApps.body).toMatchObject({ deployedAppCount: 1, appGroupType: 'selectedPublicApps', assignments: [] });
    expect(withApps.body.apps).toEqual([expect.objectContaining({ id: 'com.microsoft.Office.Outlook.ios' })]);
    expect(created.body.isAssigned).toBe(false);
    expect((await graph(em, token, `${DAM}/managedAppPolicies/${id}/assign`, { method: 'POST', body: { assignments: [{ target: group(groups[0] as string) }] } })).status).toBe(204);
    expect((await graph(em, token, `${DAM}/iosManagedAppProtections/${id}/assignments`)).body.value).toHaveLength(1);
    // isAssigned follows the assignments, in both views.
    expect((await graph(em, token, `${DAM}/managedAppPolicies/${id}`)).body.isAssigned).toBe(true);
    expect((await graph(em, token, `${DAM}/iosManagedAppProtections/${id}/assign`, { method: 'POST', body: { assignments: [] } })).status).toBe(204);
    expect((await graph(em, token, `${DAM}/iosManagedAppProtections/${id}`)).body.isAssigned).toBe(false);
    expect((await graph(em, token, `${DAM}/managedAppPolicies/${id}`)).body.isAssigned).toBe(false);
    const badApps = await graph(em, token, `${DAM}/iosManagedAppProtections/${id}/targetApps`, { method: 'POST', body: { apps: [{ mobileAppIdentifier: { bundleId: 'x' } }] } });
    expect(badApps.status).toBe(400);
    expect((await graph(em, token, `${DAM}/iosManagedAppProtections/${id}/apps`)).body.value).toHaveLength(1);
  });
});

describe('generated Intune objects', () => {
  it('say isAssigned exactly when they have assignments', async () => {
    // The default tenant has an iOS policy without assignments (it used to say isAssigned: true).
    const em = await startTest({ tenants: [{ name: 'contoso', size: 'small' }, ...[1, 2, 3].map((seed) => ({ name: `seed${seed}`, size: 'small' as const, seed }))] });
    try {
      const seen = new Set<boolean>();
      for (const tenant of em.tenants) {
        const token = await clientToken(em, tenant);
        // Beta: mobileApp.isAssigned is not in v1.0.
        for (const path of [`${DAM}/iosManagedAppProtections`, `${DAM}/androidManagedAppProtections`, `${DAM}/targetedManagedAppConfigurations`, `${DAM}/mobileApps`, `${DM}/configurationPolicies`]) {
          for (const item of await all(em, token, `/beta${path}?$expand=assignments`)) {
            expect(item.isAssigned, `${tenant.name} ${path} ${item.id}`).toBe(item.assignments.length > 0);
            if (path.includes('ManagedApp')) seen.add(item.isAssigned as boolean);
          }
        }
      }
      // Both cases occur among the app protection and configuration policies, so the check bites.
      expect(seen).toEqual(new Set([true, false]));
    } finally {
      await em.close();
    }
  });
});

describe('Intune collections served from the schema alone', () => {
  it('serves the containers and every other collection under them, empty, with Intune semantics', async () => {
    const em = await startTest();
    try {
      const token = await clientToken(em, em.t);
      expect((await graph(em, token, `${DM}`)).body).toMatchObject({ id: 'deviceManagement', intuneAccountId: null });
      expect((await graph(em, token, `${DM}`, { method: 'PATCH', body: { intuneAccountId: '11111111-2222-3333-4444-555555555555' } })).status).toBe(204);
      expect((await graph(em, token, `${DM}`)).body.intuneAccountId).toBe('11111111-2222-3333-4444-555555555555');
      const terms = `${DM}/termsAndConditions`;
      expect((await graph(em, token, terms)).body.value).toEqual([]);
      const created = await graph(em, token, terms, { method: 'POST', body: { displayName: 'Acceptable use', title: 'AUP', bodyText: 'Be nice.', acceptanceStatement: 'I agree', version: 9 } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ displayName: 'Acceptable use', version: 1, createdDateTime: expect.any(String) });
      const id = created.body.id as string;
      expect((await graph(em, token, `${terms}/${id}/assignments`)).body.value).toEqual([]);
      expect((await graph(em, token, `${terms}/${id}`, { method: 'PATCH', body: { title: 'AUP 2' } })).status).toBe(204);
      expect((await graph(em, token, `${terms}/${id}`)).body).toMatchObject({ title: 'AUP 2', version: 2 });
      expect((await graph(em, token, `${terms}/${id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await graph(em, token, `${terms}/${id}`)).body.error.code).toBe('ResourceNotFound');
      // Beta-only collections are beta-only here too.
      expect((await graph(em, token, `/beta${DM}/groupPolicyConfigurations`)).status).toBe(200);
      expect((await graph(em, token, `${DM}/groupPolicyConfigurations`)).status).toBe(400);
      const reader = em.control.registerApp(em.t.tenantId, { displayName: 'Users only', applicationPermissions: ['User.Read.All'] });
      const r = await clientToken(em, { tenantId: em.t.tenantId, clientId: reader.clientId, clientSecret: reader.clientSecret });
      expect((await graph(em, r, terms)).status).toBe(403);
    } finally {
      await em.close();
    }
  });
});

describe('Intune throttling', () => {
  it('counts requests and writes per app and tenant and answers 429 with Retry-After', async () => {
    const em = await startTest({ throttle: true, throttleLimits: { intune: { requestsPerAppTenant: 3, writesPerAppTenant: 1 } } });
    try {
      const token = await clientToken(em, em.t);
      const created = await graph(em, token, `${DM}/deviceConfigurations`, { method: 'POST', body: customConfig });
      expect(created.status).toBe(201);
      const write = await graph(em, token, `${DM}/deviceConfigurations/${created.body.id}`, { method: 'PATCH', body: { displayName: 'x' } });
      expect(write.status).toBe(429);
      expect(write.headers.get('x-ms-throttle-scope')).toMatch(/^Tenant_Application\/Write\//);
      expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await graph(em, token, `${DM}/deviceConfigurations?$top=1`)).status).toBe(200);
      const read = await graph(em, token, `${DAM}/mobileApps?$top=1`);
      expect(read.status).toBe(429);
      expect(read.headers.get('x-ms-throttle-information')).toBe('RequestLimitExceeded');
      // The directory has its own budget.
      expect((await graph(em, token, '/users?$top=1')).status).toBe(200);
    } finally {
      await em.close();
    }
  });
});
