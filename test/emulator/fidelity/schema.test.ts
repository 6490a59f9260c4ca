import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphSchema, parseCsdl, buildBetaModel, GraphSchema } from '../../../src/emulator/schema/index.js';
import { SHARED_ROOT, SKIP_REASON } from './shared.js';

describe('CSDL parser (small document)', () => {
  const xml = `<?xml version="1.0"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
  <Schema Namespace="microsoft.graph" Alias="graph">
    <EnumType Name="color" IsFlags="true"><Member Name="red" Value="1" /><Member Name="blue" Value="2" /></EnumType>
    <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
    <EntityType Name="thing" BaseType="graph.entity">
      <Property Name="name" Type="Edm.String"><Annotation Term="Org.OData.Core.V1.Computed" Bool="true" /></Property>
      <Property Name="tags" Type="Collection(graph.tag)" />
      <Property Name="color" Type="graph.color" />
      <NavigationProperty Name="parts" Type="Collection(other.part)" ContainsTarget="true" />
    </EntityType>
    <ComplexType Name="tag"><Property Name="label" Type="Edm.String" /></ComplexType>
    <ComplexType Name="bag" OpenType="true" />
    <Action Name="doIt" IsBound="true"><Parameter Name="bindingParameter" Type="graph.thing" /><Parameter Name="Property" Type="Edm.String" /></Action>
    <Annotations Target="graph.thing"><Annotation Term="X"><Record><PropertyValue Property="Property" Bool="true" /></Record></Annotation></Annotations>
    <EntityContainer Name="GraphService"><EntitySet Name="things" EntityType="graph.thing" /><Singleton Name="me" Type="graph.thing" /></EntityContainer>
  </Schema>
  <Schema Namespace="microsoft.graph.other" Alias="other">
    <EntityType Name="part" BaseType="graph.entity"><Property Name="size" Type="Edm.Int32" /></EntityType>
    <EntityType Name="bigPart" BaseType="other.part"><Property Name="weight" Type="Edm.Double" /></EntityType>
  </Schema>
</edmx:DataServices></edmx:Edmx>`;
  const schema = new GraphSchema(parseCsdl(xml));

  it('resolves aliases across namespaces, inheritance and containers', () => {
    expect(schema.baseTypesOf('microsoft.graph.other.bigPart')).toEqual(['microsoft.graph.other.bigPart', 'microsoft.graph.other.part', 'microsoft.graph.entity']);
    expect(schema.propertiesOf('thing')).toEqual(['id', 'name', 'tags', 'color']);
    expect(schema.navigationPropertiesOf('thing')).toEqual(['parts']);
    expect(schema.propertyTypeOf('thing', 'parts')).toBe('Collection(microsoft.graph.other.part)');
    expect(schema.complexTypeOf('thing', 'tags')).toBe('microsoft.graph.tag');
    expect(schema.complexTypeOf('thing', 'name')).toBeUndefined();
    expect(schema.enumMembersOf('color')).toEqual(['red', 'blue']);
    expect(schema.entitySetType('things')).toBe('microsoft.graph.thing');
    expect(schema.entitySetType('me')).toBe('microsoft.graph.thing');
    expect(schema.typeDefinition('entity')?.abstract).toBe(true);
    expect(schema.derivedTypesOf('entity').sort()).toEqual(['microsoft.graph.other.bigPart', 'microsoft.graph.other.part', 'microsoft.graph.thing']);
  });

  it('does not take action parameters or annotation records for properties', () => {
    expect(schema.propertiesOf('thing')).not.toContain('Property');
    expect(schema.propertiesOf('thing')).not.toContain('bindingParameter');
  });

  it('validates nested complex values, expanded navigations with derived types, flags enums and open types', () => {
    const ok = { id: '1', name: 'n', color: 'red,blue', tags: [{ label: 'a' }], parts: [{ '@odata.type': '#microsoft.graph.other.bigPart', id: 'p', size: 1, weight: 2.5 }] };
    expect(schema.validateEntity('thing', ok, { values: true })).toEqual([]);
    const bad = { id: '1', color: 'green', tags: [{ label: 'a', colour: 'x' }], parts: [{ id: 'p', weight: 1 }] };
    expect(schema.validateEntity('thing', bad, { values: true })).toEqual([
      { path: 'color', code: 'badValue', type: 'microsoft.graph.color', property: 'color', message: expect.stringContaining('"green" is not a member') },
      { path: 'tags[0].colour', code: 'unknownProperty', type: 'microsoft.graph.tag', property: 'colour', message: 'microsoft.graph.tag has no property colour' },
      { path: 'parts[0].weight', code: 'unknownProperty', type: 'microsoft.graph.other.part', property: 'weight', message: 'microsoft.graph.other.part has no property weight' },
    ]);
    expect(schema.validateEntity('thing', { id: '1', parts: [] }, { allowNavigation: false })).toEqual([
      expect.objectContaining({ code: 'navigationNotAllowed', path: 'parts' }),
    ]);
  });
});

describe.skipIf(!SHARED_ROOT)('Graph schema from ../shared', () => {
  it(SHARED_ROOT ? 'loads v1.0 and beta' : SKIP_REASON, () => {
    const v1 = loadGraphSchema('v1.0');
    const beta = loadGraphSchema('beta');
    expect(loadGraphSchema('v1.0')).toBe(v1);
    expect(v1.version).toBe('v1.0');
    expect(beta.version).toBe('beta');
    for (const t of ['user', 'group', 'conditionalAccessPolicy', 'bitlockerRecoveryKey', 'windows10GeneralConfiguration', 'directoryAudit', 'mobileApp']) {
      expect(v1.isKnownType(t), t).toBe(true);
    }
    expect(v1.isKnownType('deviceShellScript')).toBe(false);
    expect(beta.isKnownType('deviceShellScript')).toBe(true);
    expect(beta.isKnownType('#microsoft.graph.deviceManagementConfigurationPolicy')).toBe(true);
    expect(v1.isKnownType('noSuchThing')).toBe(false);
  });

  it('resolves inheritance, including across namespaces and abstract bases', () => {
    const v1 = loadGraphSchema('v1.0');
    expect(v1.propertiesOf('bitlockerRecoveryKey').sort()).toEqual(['createdDateTime', 'deviceId', 'id', 'key', 'volumeType']);
    expect(v1.baseTypesOf('microsoft.graph.entraRecoveryServices.recoveryJob')).toEqual([
      'microsoft.graph.entraRecoveryServices.recoveryJob',
      'microsoft.graph.entraRecoveryServices.recoveryJobBase',
      'microsoft.graph.entity',
    ]);
    expect(v1.propertiesOf('windows10GeneralConfiguration')).toEqual(expect.arrayContaining(['id', 'displayName', 'version', 'passwordRequired']));
    expect(v1.propertiesOf('conditionalAccessPolicy')).toEqual(expect.arrayContaining(['deletedDateTime', 'conditions', 'grantControls']));
    expect(v1.navigationPropertiesOf('deviceConfiguration')).toContain('assignments');
    expect(v1.typeDefinition('deviceConfiguration')?.abstract).toBe(true);
    expect(v1.complexTypeOf('conditionalAccessPolicy', 'conditions')).toBe('microsoft.graph.conditionalAccessConditionSet');
    expect(v1.isDerivedFrom('ipNamedLocation', 'namedLocation')).toBe(true);
    expect(v1.derivedTypesOf('namedLocation').sort()).toEqual(['microsoft.graph.compliantNetworkNamedLocation', 'microsoft.graph.countryNamedLocation', 'microsoft.graph.ipNamedLocation'].filter((t) => v1.isKnownType(t)).sort());
  });

  it('beta: names from beta-entity-types.json, bases from the typings, roots stay roots', () => {
    const beta = loadGraphSchema('beta');
    expect(beta.baseTypesOf('windows10CustomConfiguration')).toEqual(['microsoft.graph.windows10CustomConfiguration', 'microsoft.graph.deviceConfiguration', 'microsoft.graph.entity']);
    expect(beta.propertiesOf('windows10CustomConfiguration')).toEqual(expect.arrayContaining(['id', 'displayName', 'omaSettings']));
    expect(beta.baseTypesOf('conditionalAccessPolicy')).toEqual(['microsoft.graph.conditionalAccessPolicy']);
    expect(beta.propertiesOf('deviceShellScript')).toEqual(expect.arrayContaining(['id', 'scriptContent', 'runAsAccount']));
  });

  it('reports a wrong property (with a case hint), a wrong type and allows annotations', () => {
    const v1 = loadGraphSchema('v1.0');
    const policy = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies/$entity',
      '@odata.etag': 'W/"1"',
      id: '1',
      displayName: 'Require MFA',
      state: 'enabled',
      conditions: { users: { includeUsers: ['All'], IncludeGroups: [] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      surprise: true,
      'displayName@odata.type': '#String',
      'nothing@odata.type': '#String',
    };
    expect(v1.validateEntity('conditionalAccessPolicy', policy)).toEqual([
      { path: 'conditions.users.IncludeGroups', code: 'unknownProperty', type: 'microsoft.graph.conditionalAccessUsers', property: 'IncludeGroups', message: 'microsoft.graph.conditionalAccessUsers has no property IncludeGroups (did you mean includeGroups?)' },
      { path: 'surprise', code: 'unknownProperty', type: 'microsoft.graph.conditionalAccessPolicy', property: 'surprise', message: 'microsoft.graph.conditionalAccessPolicy has no property surprise' },
      { path: 'nothing@odata.type', code: 'unknownAnnotatedProperty', type: 'microsoft.graph.conditionalAccessPolicy', property: 'nothing', message: expect.any(String) },
    ]);
    expect(v1.validateEntity('namedLocation', { '@odata.type': '#microsoft.graph.user', id: 'x' })).toEqual([
      expect.objectContaining({ code: 'notDerived', path: '@odata.type' }),
    ]);
    expect(v1.validateEntity('deviceConfiguration', { id: 'x', displayName: 'd' })).toEqual([expect.objectContaining({ code: 'abstractType' })]);
    expect(v1.validateEntity('noSuchType', {})).toEqual([expect.objectContaining({ code: 'unknownType' })]);
  });

  it('open directory types accept extension attributes only', () => {
    const v1 = loadGraphSchema('v1.0');
    const user = { id: 'u', displayName: 'A', extension_0123456789abcdef0123456789abcdef_costCenter: '42', favouriteColour: 'blue' };
    expect(v1.validateEntity('user', user).map((v) => v.path)).toEqual(['favouriteColour']);
    expect(v1.validateEntity('user', user, { allowDynamicProperties: true })).toEqual([]);
  });

  it('validates collection responses', () => {
    const v1 = loadGraphSchema('v1.0');
    const body = {
      '@odata.context': 'x',
      '@odata.nextLink': 'y',
      value: [
        { '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'a', displayName: 'HQ', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.0.0.0/8' }] },
        { '@odata.type': '#microsoft.graph.countryNamedLocation', id: 'b', displayName: 'EU', countriesAndRegions: ['DE'], isTrusted: false },
      ],
      extra: 1,
    };
    expect(v1.validateCollectionResponse('namedLocation', body)).toEqual([
      expect.objectContaining({ path: 'extra', code: 'unknownProperty' }),
      expect.objectContaining({ path: 'value[1].isTrusted', code: 'unknownProperty', type: 'microsoft.graph.countryNamedLocation' }),
    ]);
    expect(v1.validateCollectionResponse('namedLocation', { value: 3 })).toEqual([expect.objectContaining({ code: 'notAnObject', path: 'value' })]);
  });

  it('knows the type a path addresses (entity sets, navigation, keys, casts, delta)', () => {
    const v1 = loadGraphSchema('v1.0');
    const beta = loadGraphSchema('beta');
    expect(v1.typeOfPath('/users')).toEqual({ type: 'microsoft.graph.user', collection: true });
    expect(v1.typeOfPath('/users/{id}/memberOf')).toEqual({ type: 'microsoft.graph.directoryObject', collection: true });
    expect(v1.typeOfPath('/users/{id}/manager/$ref')).toEqual({ type: 'microsoft.graph.directoryObject', collection: false });
    expect(v1.typeOfPath('/groups/delta')).toEqual({ type: 'microsoft.graph.group', collection: true });
    expect(v1.typeOfPath('/directory/deletedItems/microsoft.graph.user')).toEqual({ type: 'microsoft.graph.user', collection: true });
    expect(v1.typeOfPath('/deviceManagement/deviceConfigurations/{id}/assignments')).toEqual({ type: 'microsoft.graph.deviceConfigurationAssignment', collection: true });
    expect(v1.typeOfPath('/deviceManagement/configurationPolicies/{id}/settings')).toBeUndefined();
    expect(beta.typeOfPath('/deviceManagement/configurationPolicies/{id}/settings')).toEqual({ type: 'microsoft.graph.deviceManagementConfigurationSetting', collection: true });
    expect(v1.typeOfPath('/applications/{id}/addPassword')).toBeUndefined();
    expect(v1.typeOfPath('/users/$count')).toBeUndefined();
  });

  it('projects one stored object onto a version: beta-only names go, unknown derived types vanish', () => {
    const v1 = loadGraphSchema('v1.0');
    const config = {
      '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
      id: 'c1',
      displayName: 'OMA',
      roleScopeTagIds: ['0'],
      omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingString', displayName: 'x', omaUri: './Device/x', value: 'v', isEncrypted: false }],
      'assignments@odata.context': 'ctx',
    };
    expect(v1.project('deviceConfiguration', config)).toEqual({
      '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
      id: 'c1',
      displayName: 'OMA',
      omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingString', displayName: 'x', omaUri: './Device/x', value: 'v' }],
      'assignments@odata.context': 'ctx',
    });
    expect(v1.project('mobileApp', { '@odata.type': '#microsoft.graph.winGetApp', id: 'a' })).toBeUndefined();
    expect(v1.project('user', { id: 'u', extension_0123456789abcdef0123456789abcdef_x: 1, nope: 2 })).toEqual({ id: 'u', extension_0123456789abcdef0123456789abcdef_x: 1 });
  });

  it('loads from a given root, fails clearly when files are absent, and works without the typings', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tv-schema-'));
    expect(() => loadGraphSchema('v1.0', { root: join(empty, 'missing') })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', hint: expect.stringContaining('TENANT_VAULT_SHARED') }));
    mkdirSync(join(empty, 'graph-schema'));
    expect(() => loadGraphSchema('v1.0', { root: empty })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const plain = new GraphSchema(
      buildBetaModel({ 'microsoft.graph': { entity: { properties: ['id'] }, deviceShellScript: { properties: ['scriptContent'] }, namedLocation: { properties: ['id', 'displayName'] } } }, undefined),
    );
    expect(plain.propertiesOf('deviceShellScript')).toEqual(['id', 'scriptContent']);
    expect(plain.baseTypesOf('namedLocation')).toEqual(['microsoft.graph.namedLocation']);
  });
});
