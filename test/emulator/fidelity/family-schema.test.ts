/**
 * The families' property table: the checked-in `family-schema/generated.ts` is what the real
 * schema gives today (regenerate with `npx tsx bench/emulator/gen-family-schema.ts`), and the
 * catalog built on it answers per version — properties, defaults, inheritance, navigation, and
 * nested complex values projected and checked.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { familyCatalog } from '../../../src/emulator/family-schema/index.js';
import { buildFamilyTable, FAMILY_TABLE_PROVENANCE, renderFamilyTable } from '../../../src/emulator/schema/family-table.js';
import { loadGraphSchema } from '../../../src/emulator/schema/index.js';
import { SHARED_ROOT, SKIP_REASON } from './shared.js';

describe('family property catalog', () => {
  it('knows types per version, with inherited properties and defaults by kind', () => {
    expect(familyCatalog.knows('beta', 'deviceShellScript')).toBe(true);
    expect(familyCatalog.knows('v1.0', 'deviceShellScript')).toBe(false);
    const v1 = familyCatalog.properties('v1.0', 'microsoft.graph.windows10GeneralConfiguration');
    const beta = familyCatalog.properties('beta', '#microsoft.graph.windows10GeneralConfiguration');
    expect(v1?.has('id')).toBe(true);
    expect(v1?.has('displayName')).toBe(true);
    expect(v1?.has('roleScopeTagIds')).toBe(false);
    expect(beta?.has('roleScopeTagIds')).toBe(true);
    const defaults = familyCatalog.defaults('beta', 'windows10GeneralConfiguration') ?? {};
    expect(defaults).toMatchObject({ id: null, roleScopeTagIds: [], supportsScopeTags: false, displayName: null });
    expect(Object.isFrozen(defaults)).toBe(true);
    expect(familyCatalog.isA('v1.0', 'iosStoreApp', 'mobileApp')).toBe(true);
    expect(familyCatalog.isA('v1.0', 'iosStoreApp', 'deviceConfiguration')).toBe(false);
    expect(familyCatalog.isAbstract('v1.0', 'deviceConfiguration')).toBe(true);
    expect(familyCatalog.navigation('v1.0', 'deviceCompliancePolicy').map((n) => n.name)).toEqual(expect.arrayContaining(['assignments', 'scheduledActionsForRule', 'deviceStatusOverview']));
    expect(familyCatalog.navigation('beta', 'deviceConfiguration').map((n) => n.name)).toContain('groupAssignments');
    expect(familyCatalog.navigation('v1.0', 'deviceConfiguration').map((n) => n.name)).not.toContain('groupAssignments');
  });

  it('projects nested complex values per version, with every property of their type', () => {
    const project = familyCatalog.valueProjector('v1.0', 'windows10CustomConfiguration');
    const stored = [{ '@odata.type': '#microsoft.graph.omaSettingInteger', omaUri: './x', value: 1, isEncrypted: true, isReadOnly: false }];
    expect(project?.('omaSettings', stored)).toEqual([{ '@odata.type': '#microsoft.graph.omaSettingInteger', description: null, displayName: null, omaUri: './x', value: 1 }]);
    const betaProject = familyCatalog.valueProjector('beta', 'windows10CustomConfiguration');
    expect(betaProject?.('omaSettings', stored)).toEqual([expect.objectContaining({ isEncrypted: true, isReadOnly: false, secretReferenceValueId: null })]);
    expect(project?.('displayName', 'x')).toBe('x');
  });

  it('checks written complex values as the deserializer does', () => {
    const check = familyCatalog.valueChecker('v1.0', 'windows10CustomConfiguration');
    expect(check?.('omaSettings', [{ '@odata.type': '#microsoft.graph.omaSettingString', omaUri: 'x', value: 'v' }])).toBeUndefined();
    expect(check?.('omaSettings', [{ omaUri: 'x' }])).toMatch(/abstract/);
    expect(check?.('omaSettings', [{ '@odata.type': '#microsoft.graph.user', omaUri: 'x' }])).toMatch(/is not a type derived from 'microsoft.graph.omaSetting'/);
    expect(check?.('omaSettings', [{ '@odata.type': '#microsoft.graph.omaSettingString', omaUri: 'x', isEncrypted: true }])).toMatch(/The property 'isEncrypted' does not exist on type 'microsoft.graph.omaSettingString'/);
    expect(check?.('omaSettings', ['x'])).toMatch(/must be an object/);
  });
});

describe.skipIf(!SHARED_ROOT)('generated family table', () => {
  it(SHARED_ROOT ? 'matches what the shared schema gives (regenerate with bench/emulator/gen-family-schema.ts)' : SKIP_REASON, () => {
    const fresh = renderFamilyTable(buildFamilyTable(loadGraphSchema('v1.0'), loadGraphSchema('beta')), FAMILY_TABLE_PROVENANCE);
    const checkedIn = readFileSync(fileURLToPath(new URL('../../../src/emulator/family-schema/generated.ts', import.meta.url)), 'utf8');
    expect(fresh === checkedIn, 'src/emulator/family-schema/generated.ts is stale').toBe(true);
  });
});
