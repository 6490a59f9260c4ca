import { it } from 'vitest';
import { startBench, listAll, adminClient, profileFor, type Doc } from '../helpers.js';
import { profileStore } from '../../../src/engine/profiles/index.js';
import { planRestore, applyRestore } from '../../../src/engine/restore/index.js';
it('explore cross', async () => {
  const bench = await startBench({ tenants: [{ name: 'contoso', size: 'small' }, { name: 'fabrikam', size: 'small' }] });
  try {
    const b = bench.emulator.tenants[1]!;
    await profileStore(await bench.ws.repository()).add(profileFor(bench.emulator, b, b, 'fabrikam'));
    const report = await bench.backup({ types: ['conditionalAccessPolicy', 'namedLocation', 'group', 'user', 'deviceConfiguration', 'roleScopeTag', 'deviceAndAppManagementAssignmentFilter', 'servicePrincipal', 'unifiedRoleDefinition'] });
    const plan = await planRestore(bench.ws, { snapshot: report.snapshot, to: 'fabrikam', selectors: ['conditionalAccessPolicy', 'deviceConfiguration', 'group'] }, { clock: bench.clock });
    for (const op of plan.operations) console.log(op.action, op.type, op.name, op.targetId ?? '', (op.properties ?? []).map(p => p.name).join(','), JSON.stringify((op.references ?? []).map(r => [r.path, r.targetType, r.from.slice(0,8), r.to?.slice(0, 8) ?? null])).slice(0, 300), op.reason?.slice(0, 200));
    console.log(Object.entries(plan.mapped).length, JSON.stringify(plan.mapped).slice(0, 1500));
    console.log(plan.warnings);
  } finally { await bench.close(); }
}, 120000);
