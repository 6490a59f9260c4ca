/**
 * Loading the Graph schemas from the shared folder, once per process.
 *
 * - v1.0: `graph-schema/v1.0-Prod.csdl`, parsed by `csdl.ts`.
 * - beta: `graph-schema/beta-entity-types.json` holds property and navigation names per entity
 *   type but no base types, property types or complex types; those come from the beta typings
 *   (`beta-typings.ts`) when the package is installed, else base types fall back to the v1.0
 *   CSDL and then `microsoft.graph.entity`, and nested values are not checked. A beta type
 *   whose own list contains `id` is a root, as the beta metadata declares it so
 *   (conditionalAccessPolicy, namedLocation).
 *
 * A cold load costs ~250 ms (v1.0) and ~350 ms (beta, with the typings) on the 2-core CI
 * machine, so each parsed model is also cached as JSON in `os.tmpdir()` under a name keyed by its
 * source files' paths, mtimes and sizes and the model format; a warm load is one JSON.parse
 * (~30–60 ms v1.0, ~45–100 ms beta). A cache that cannot be read or written is ignored — it is
 * only a speed-up. Within a process each schema is built once.
 *
 * Fails with CONFIG_INVALID (and a hint naming TENANT_VAULT_SHARED) when the files are absent.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TenantVaultError } from '../../errors/index.js';
import { findBetaTypings, parseBetaTypings, type BetaTypings } from './beta-typings.js';
import { parseCsdl } from './csdl.js';
import { GraphSchema } from './graph-schema.js';
import { MODEL_FORMAT, type SchemaModel, type SchemaTypeDef } from './model.js';
import { findSharedRoot, SHARED_MISSING_HINT } from './paths.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface LoadSchemaOptions {
  /** The shared folder (holding `graph-schema/`); default from TENANT_VAULT_SHARED or ../shared. */
  root?: string;
  /** Use and refresh the parsed-model cache in os.tmpdir(); default true. */
  diskCache?: boolean;
  /** Read the beta typings package for beta base/property/complex types; default true. */
  betaTypings?: boolean;
}

const loaded = new Map<string, GraphSchema>();

function schemaFile(root: string | undefined, file: string): string {
  const shared = findSharedRoot(root === undefined ? {} : { root });
  if (!shared) {
    throw new TenantVaultError('CONFIG_INVALID', `The shared Graph schema folder was not found (looked for ${root ?? 'TENANT_VAULT_SHARED or ../shared'})`, { hint: SHARED_MISSING_HINT });
  }
  const path = join(shared, 'graph-schema', file);
  try {
    statSync(path);
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `The Graph schema file ${path} is missing`, { hint: SHARED_MISSING_HINT, cause });
  }
  return path;
}

/** Builds a model, or reads it from the tmpdir cache keyed by the source files' identity. */
function cachedModel(version: GraphVersion, sources: string[], diskCache: boolean, build: () => SchemaModel): SchemaModel {
  if (!diskCache) return build();
  const identity = sources.map((p) => {
    const st = statSync(p);
    return `${p}\0${st.mtimeMs}\0${st.size}`;
  });
  const key = createHash('sha256').update(`${identity.join('\n')}\0${MODEL_FORMAT}`).digest('hex').slice(0, 20);
  const cachePath = join(tmpdir(), `tenant-vault-graph-schema-${version}-${key}.json`);
  try {
    const cached = JSON.parse(readFileSync(cachePath, 'utf8')) as SchemaModel;
    if (cached.format === MODEL_FORMAT && cached.version === version) return cached;
  } catch {
    // absent or unreadable: build below
  }
  const model = build();
  try {
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(model));
    renameSync(tmp, cachePath);
  } catch {
    // a read-only tmpdir only costs speed
  }
  return model;
}

type BetaFile = Record<string, Record<string, { properties?: string[]; navigationProperties?: string[] }>>;

/**
 * Beta model: entity types and their property names from `beta-entity-types.json`; base types,
 * property types, complex types and enums from the beta typings when given.
 */
export function buildBetaModel(beta: BetaFile, v1: SchemaModel | undefined, typings?: BetaTypings): SchemaModel {
  const types: Record<string, SchemaTypeDef> = {};
  for (const [ns, entries] of Object.entries(beta)) {
    for (const [name, entry] of Object.entries(entries)) {
      const typed = ns === 'microsoft.graph' ? typings?.interfaces.get(name)?.properties : undefined;
      const properties: Record<string, string> = {};
      const navigation: Record<string, string> = {};
      for (const p of entry.properties ?? []) properties[p] = typed?.get(p) ?? '';
      for (const p of entry.navigationProperties ?? []) navigation[p] = typed?.get(p) ?? '';
      types[`${ns}.${name}`] = { kind: 'entity', properties, navigation };
    }
  }
  if (typings) {
    for (const [name, members] of typings.enums) {
      const full = `microsoft.graph.${name}`;
      // The typings do not say which enums are flags; accepting comma lists errs on the lenient side.
      if (!(full in types)) types[full] = { kind: 'enum', properties: {}, navigation: {}, members, flags: true };
    }
    for (const [name, iface] of typings.interfaces) {
      const full = `microsoft.graph.${name}`;
      if (full in types) continue;
      const def: SchemaTypeDef = { kind: 'complex', properties: Object.fromEntries(iface.properties), navigation: {} };
      if (iface.base) def.baseType = `microsoft.graph.${iface.base}`;
      // The typings do not say which types are open; v1.0 does for the types both versions share.
      if (v1?.types[full]?.open) def.open = true;
      types[full] = def;
    }
  }
  for (const [full, def] of Object.entries(types)) {
    if (def.kind !== 'entity' || 'id' in def.properties) continue;
    const short = full.startsWith('microsoft.graph.') && !full.slice(16).includes('.') ? full.slice(16) : undefined;
    const typedBase = short ? typings?.interfaces.get(short)?.base : undefined;
    const candidates = [typedBase ? `microsoft.graph.${typedBase}` : undefined, v1?.types[full]?.baseType, 'microsoft.graph.entity'];
    const base = candidates.find((c): c is string => c !== undefined && c !== full && types[c]?.kind === 'entity');
    if (base) def.baseType = base;
  }
  return { format: MODEL_FORMAT, version: 'beta', types, entitySets: v1?.entitySets ?? {}, singletons: v1?.singletons ?? {} };
}

/** The schema of a Graph version, parsed once per process (and cached on disk). */
export function loadGraphSchema(version: GraphVersion, options: LoadSchemaOptions = {}): GraphSchema {
  const useTypings = options.betaTypings ?? true;
  const cacheKey = `${version}\0${options.root ?? ''}\0${useTypings}`;
  const hit = loaded.get(cacheKey);
  if (hit) return hit;
  const diskCache = options.diskCache ?? true;
  const csdlPath = schemaFile(options.root, 'v1.0-Prod.csdl');
  const v1Model = (): SchemaModel => cachedModel('v1.0', [csdlPath], diskCache, () => parseCsdl(readFileSync(csdlPath, 'utf8'), 'v1.0'));
  let model: SchemaModel;
  if (version === 'v1.0') {
    model = v1Model();
  } else {
    const betaPath = schemaFile(options.root, 'beta-entity-types.json');
    const typingsPath = useTypings ? findBetaTypings() : undefined;
    const sources = typingsPath ? [csdlPath, betaPath, typingsPath] : [csdlPath, betaPath];
    model = cachedModel('beta', sources, diskCache, () =>
      buildBetaModel(JSON.parse(readFileSync(betaPath, 'utf8')) as BetaFile, v1Model(), typingsPath ? parseBetaTypings(typingsPath) : undefined),
    );
  }
  const schema = new GraphSchema(model);
  loaded.set(cacheKey, schema);
  return schema;
}
