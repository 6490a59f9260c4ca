/**
 * Builds the property table the emulator's non-directory families use (conditional access,
 * policies, BitLocker, audit, Intune): for every entity type those families serve — the roots
 * below, every type deriving from them, their base types and the entity types of their
 * navigation properties (statuses, assignments, settings) — its base type and own structural
 * properties per Graph version, each marked with the kind of its default value.
 *
 * The table is generated into `src/emulator/family-schema/generated.ts` by
 * `bench/emulator/gen-family-schema.ts`, so the emulator never reads `../shared` at run time; a
 * fidelity test rebuilds it from the schema and fails when the checked-in copy is stale.
 *
 * Complex types reachable from those entity types' properties are in the table too (marked
 * `complex`), so nested values can be projected per version and checked on writes.
 *
 * Guarantees: deterministic output (types and properties sorted); only the `microsoft.graph`
 * namespace. Kinds come from the v1.0 CSDL, else from the beta typings: `!` boolean, `*`
 * collection, none for anything else (whose default is null); `:Type` names a complex type.
 */
import type { GraphSchema } from './graph-schema.js';
import { parseTypeRef } from './model.js';

/** Entity types the families serve; derived and related types are added by `buildFamilyTable`. */
export const FAMILY_ROOT_TYPES: readonly string[] = [
  // conditional access
  'conditionalAccessPolicy', 'namedLocation',
  // policies
  'authenticationMethodsPolicy', 'authenticationMethodConfiguration', 'authorizationPolicy', 'stsPolicy', 'crossTenantAccessPolicy',
  'crossTenantAccessPolicyConfigurationDefault', 'crossTenantAccessPolicyConfigurationPartner', 'identitySecurityDefaultsEnforcementPolicy',
  // BitLocker and audit
  'bitlockerRecoveryKey', 'directoryAudit',
  // Intune device management
  'deviceConfiguration', 'deviceCompliancePolicy', 'deviceManagementConfigurationPolicy', 'deviceManagementScript', 'deviceShellScript',
  'deviceHealthScript', 'deviceCustomAttributeShellScript', 'roleDefinition', 'roleAssignment', 'roleScopeTag', 'deviceAndAppManagementAssignmentFilter',
  // Intune app management
  'mobileApp', 'managedAppPolicy', 'managedDeviceMobileAppConfiguration', 'managedMobileApp', 'targetedManagedAppPolicyAssignment',
  // The Intune containers: every collection under them (served generically, intune/generic.ts)
  'deviceManagement', 'deviceAppManagement',
];

/** Where the table comes from, as written into the generated file's header. */
export const FAMILY_TABLE_PROVENANCE =
  '../shared/graph-schema (v1.0 CSDL from microsoftgraph/msgraph-metadata @ f54f11b6, its beta-entity-types.json, and the @microsoft/microsoft-graph-types-beta typings for beta property kinds)';

export interface FamilyTableRow {
  /** Short name of the base type (v1.0's when both versions have the type). */
  base?: string;
  /** Beta's base type when it differs from `base` (`''`: none — the type is a root in beta). A type without `base` is a root. */
  betaBase?: string;
  /** Own properties in both versions (space-separated tokens `name` + kind mark). */
  both?: string;
  v1?: string;
  beta?: string;
  /** Set when the type exists in one version only. */
  only?: 'v1.0' | 'beta';
  /** A complex type (values nested in entities) rather than an entity type. */
  complex?: boolean;
  /** Abstract in v1.0: a value needs an `@odata.type` naming a concrete derived type. */
  abstract?: boolean;
  /** Open type: values may carry properties it does not declare. */
  open?: boolean;
  /**
   * Own navigation properties: tokens `name:type` (short type name), `*` after a collection, and
   * `^` after one only beta has — what the Intune routes serve under `{id}/name`.
   */
  nav?: string;
}

const SHORT = /^microsoft\.graph\.([A-Za-z0-9_]+)$/;

function short(full: string | undefined): string | undefined {
  return full ? SHORT.exec(full)?.[1] : undefined;
}

/**
 * A property token: its name, `:Type` when its values are of a complex type the table has (short
 * name), then `*` for a collection or `!` for a boolean.
 */
function token(name: string, ref: string | undefined, schemas: readonly GraphSchema[]): string {
  if (!ref) return name;
  const { type, collection } = parseTypeRef(ref);
  const complex = short(type) && schemas.some((s) => s.typeDefinition(type)?.kind === 'complex') ? `:${short(type)}` : '';
  return `${name}${complex}${collection ? '*' : type === 'Edm.Boolean' ? '!' : ''}`;
}

const NOT_FAMILY = ['microsoft.graph.directoryObject', 'microsoft.graph.user', 'microsoft.graph.group', 'microsoft.graph.device'];

/** Every type the families need, with their rows. */
export function buildFamilyTable(v1: GraphSchema, beta: GraphSchema, roots: readonly string[] = FAMILY_ROOT_TYPES): Record<string, FamilyTableRow> {
  const schemas = [v1, beta];
  const wanted = new Set<string>();
  const addWithFamily = (name: string): void => {
    for (const s of schemas) {
      const full = s.resolveTypeName(name);
      if (!full || !SHORT.test(full)) continue;
      for (const t of [full, ...s.derivedTypesOf(full)]) if (SHORT.test(t)) wanted.add(t);
    }
  };
  for (const r of roots) addWithFamily(r);
  // Entity types of navigation properties (assignments, statuses, settings), two levels deep:
  // the containers' collections and what hangs under their objects.
  for (let depth = 0; depth < 2; depth++) {
    for (const t of [...wanted]) {
      for (const s of schemas) {
        if (!s.isKnownType(t)) continue;
        for (const nav of s.navigationPropertiesOf(t)) {
          const ref = s.propertyTypeOf(t, nav);
          if (!ref) continue;
          const target = parseTypeRef(ref).type;
          if (SHORT.test(target) && !NOT_FAMILY.includes(target)) addWithFamily(target);
        }
      }
    }
  }
  // Base types, so inherited properties resolve; then every complex type their values can hold.
  for (const t of [...wanted]) for (const s of schemas) for (const b of s.baseTypesOf(t)) if (SHORT.test(b)) wanted.add(b);
  const queue = [...wanted];
  while (queue.length > 0) {
    const t = queue.shift() as string;
    for (const s of schemas) {
      const def = s.typeDefinition(t);
      if (!def) continue;
      const related = [...Object.values(def.properties).map((ref) => parseTypeRef(ref).type), ...(def.kind === 'complex' ? [def.baseType, ...s.derivedTypesOf(t)] : [])];
      for (const r of related) {
        if (!r || wanted.has(r) || !SHORT.test(r) || s.typeDefinition(r)?.kind !== 'complex') continue;
        wanted.add(r);
        queue.push(r);
      }
    }
  }

  const table: Record<string, FamilyTableRow> = {};
  for (const full of [...wanted].sort()) {
    const name = short(full) as string;
    const a = v1.typeDefinition(full);
    const b = beta.typeDefinition(full);
    const kind = a?.kind ?? b?.kind;
    if (kind !== 'entity' && kind !== 'complex') continue;
    const row: FamilyTableRow = {};
    if (kind === 'complex') row.complex = true;
    if (a?.abstract) row.abstract = true;
    if (a?.open || b?.open) row.open = true;
    // v1.0's base when the type is there (a root in v1.0 stays a root), else beta's.
    const base = a ? short(a.baseType) : short(b?.baseType);
    if (base) row.base = base;
    if (a && b && short(b.baseType) !== base) row.betaBase = short(b.baseType) ?? '';
    if (!a) row.only = 'beta';
    if (!b) row.only = 'v1.0';
    const own = (p: string): string => token(p, a?.properties[p] || b?.properties[p], schemas);
    const ap = new Set(Object.keys(a?.properties ?? {}));
    const bp = new Set(Object.keys(b?.properties ?? {}));
    const both = [...ap].filter((p) => bp.has(p)).sort();
    const v1Only = [...ap].filter((p) => !bp.has(p)).sort();
    const betaOnly = [...bp].filter((p) => !ap.has(p)).sort();
    if (both.length) row.both = both.map((p) => own(p)).join(' ');
    if (v1Only.length && b) row.v1 = v1Only.map((p) => own(p)).join(' ');
    else if (v1Only.length) row.both = [row.both, v1Only.map((p) => own(p)).join(' ')].filter(Boolean).join(' ');
    if (betaOnly.length && a) row.beta = betaOnly.map((p) => own(p)).join(' ');
    else if (betaOnly.length) row.both = [row.both, betaOnly.map((p) => own(p)).join(' ')].filter(Boolean).join(' ');
    const navs = new Map<string, string>();
    for (const [def, isBeta] of [[a, false], [b, true]] as const) {
      for (const [navName, ref] of Object.entries(def?.navigation ?? {})) {
        if (navs.has(navName)) continue;
        const { type, collection } = parseTypeRef(ref || (a?.navigation[navName] ?? ''));
        const target = short(type);
        if (!target) continue;
        navs.set(navName, `${navName}:${target}${collection ? '*' : ''}${isBeta && a && !(navName in a.navigation) ? '^' : ''}`);
      }
    }
    if (navs.size > 0) row.nav = [...navs.keys()].sort().map((k) => navs.get(k) as string).join(' ');
    table[name] = row;
  }
  return table;
}

/** The TypeScript source of `family-schema/generated.ts`. */
export function renderFamilyTable(table: Record<string, FamilyTableRow>, provenance: string): string {
  const lines = Object.entries(table).map(([name, row]) => `  ${JSON.stringify(name)}: ${JSON.stringify(row)},`);
  return [
    '/**',
    ` * GENERATED by bench/emulator/gen-family-schema.ts from ${provenance}. Do not edit.`,
    ' *',
    ' * Entity and complex types of the non-directory families: base type and own structural',
    ' * properties per version (`both`, `v1`, `beta`; `only` when the type exists in one version).',
    ' * Each token is a property name, `:Type` for a complex type, and its default-value kind:',
    ' * `!` boolean (false), `*` collection ([]), none (null).',
    ' */',
    "import type { FamilyTableRow } from '../schema/family-table.js';",
    '',
    'export const FAMILY_SCHEMA: Readonly<Record<string, FamilyTableRow>> = {',
    ...lines,
    '};',
    '',
  ].join('\n');
}
