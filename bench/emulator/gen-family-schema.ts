/**
 * Development tool (not a benchmark): regenerates `src/emulator/family-schema/generated.ts`, the
 * entity types of the emulator's non-directory families (conditional access, policies, BitLocker,
 * audit, Intune) with their base types and own properties per version, from the real schema in
 * `../shared/graph-schema` (v1.0 CSDL; beta property names plus the beta typings). The emulator
 * never reads `../shared` at run time; re-run this after the schema changes (a fidelity test
 * fails while the checked-in table is stale):
 *
 *   npx tsx bench/emulator/gen-family-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGraphSchema } from '../../src/emulator/schema/index.js';
import { buildFamilyTable, renderFamilyTable, FAMILY_TABLE_PROVENANCE } from '../../src/emulator/schema/family-table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const table = buildFamilyTable(loadGraphSchema('v1.0', { diskCache: false }), loadGraphSchema('beta', { diskCache: false }));
const out = join(root, 'src', 'emulator', 'family-schema', 'generated.ts');
writeFileSync(out, renderFamilyTable(table, FAMILY_TABLE_PROVENANCE));
console.log(`wrote ${Object.keys(table).length} types to ${out}`);
