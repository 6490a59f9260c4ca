/**
 * Corpus figures and the coverage report: how many docs examples exist (per version, method,
 * family and resource, and how many have usable JSON bodies), how many the emulator's route
 * table serves ("n of N"), which ones it does not, and which replays mismatched.
 *
 * Guarantees: `coverageReport` counts every example exactly once; `served` uses the same
 * matcher as the replay harness, with the method and version. Families are decided by path
 * prefix (see `familyOf`), resources by the path's leading literal segments.
 */
import { isUsableBody, type CorpusExample } from './corpus.js';
import type { GraphSchema } from './graph-schema.js';
import type { ReplayResult } from './replay.js';
import { matchTemplate, splitPath, type RouteSpec, type RouteTemplate } from './routes.js';

export type CorpusFamily =
  | 'directory'
  | 'conditionalAccess'
  | 'policies'
  | 'branding'
  | 'intune'
  | 'bitlocker'
  | 'audit'
  | 'b2c'
  | 'me'
  | 'other';

const CONTAINERS = new Set(['deviceManagement', 'deviceAppManagement', 'policies', 'identity', 'conditionalAccess', 'directory', 'roleManagement', 'informationProtection', 'bitlocker', 'auditLogs', 'me', 'trustFramework', 'identityGovernance']);
const DIRECTORY_ROOTS = new Set([
  'users', 'groups', 'applications', 'serviceprincipals', 'devices', 'directoryroles', 'directoryroletemplates', 'directoryobjects',
  'oauth2permissiongrants', 'administrativeunits', 'directory', 'rolemanagement', 'domains', 'organization', 'contacts', 'subscribedskus',
  'grouplifecyclepolicies', 'groupsettings', 'groupsettingtemplates', 'invitations', 'contracts', 'schemaextensions', 'applicationtemplates', 'serviceprincipalsbyappid', 'applicationsbyappid',
]);
const B2C = /^\/(identity\/(b2cUserFlows|b2xUserFlows|identityProviders|userFlowAttributes|apiConnectors|authenticationEventListeners)|identityProviders|trustFramework)/i;

function isIdSegment(seg: string): boolean {
  return /^\{[^}]*\}$/.test(seg) || /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(seg) || seg.includes('@') || seg.includes("'");
}

/** The family a corpus path belongs to. */
export function familyOf(path: string): CorpusFamily {
  const segs = splitPath(path);
  const first = (segs[0] ?? '').toLowerCase();
  if (first === 'me') return 'me';
  if (B2C.test(path)) return 'b2c';
  if (/^\/identity\/conditionalAccess/i.test(path)) return 'conditionalAccess';
  if (/^\/organization\/[^/]+\/branding/i.test(path)) return 'branding';
  if (first === 'policies') return 'policies';
  if (first === 'devicemanagement' || first === 'deviceappmanagement') return 'intune';
  if (/^\/informationProtection\/bitlocker/i.test(path)) return 'bitlocker';
  if (first === 'auditlogs') return 'audit';
  if (DIRECTORY_ROOTS.has(first)) return 'directory';
  return 'other';
}

/** The resource a path addresses: its leading literal segments, IDs dropped (`deviceManagement/deviceConfigurations`). */
export function resourceOf(path: string): string {
  const out: string[] = [];
  for (const seg of splitPath(path)) {
    if (isIdSegment(seg)) break;
    out.push(seg);
    if (!CONTAINERS.has(seg)) break;
  }
  return out.join('/') || '/';
}

export interface BodyCounts {
  none: number;
  json: number;
  recovered: number;
  nonJson: number;
  malformed: number;
}

export interface CorpusFigures {
  files: number;
  examples: number;
  byVersion: Record<string, number>;
  byMethod: Record<string, number>;
  byFamily: Record<string, number>;
  byResource: Record<string, number>;
  requestBodies: BodyCounts;
  responseBodies: BodyCounts;
  /** Examples whose documented response is usable JSON (json or recovered). */
  usableResponses: number;
  /** Examples with a request body that is usable JSON. */
  usableRequests: number;
  /** Examples whose usable request or response body holds placeholders ("String", "Guid", "clientId-value"). */
  placeholderBodies: number;
}

/** Type names the docs write instead of values ("String", "Guid", "String (timestamp)"). */
const TYPE_NAME_VALUES = new Set(['String', 'string', 'Boolean', 'boolean', 'Int32', 'Int64', 'Guid', 'DateTimeOffset', 'String (identifier)', 'String (timestamp)', 'Binary', 'Double', 'Duration', 'TimeOfDay', 'Date']);

function hasPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return TYPE_NAME_VALUES.has(value) || /^[\w.]+-value$/i.test(value);
  if (Array.isArray(value)) return value.some(hasPlaceholder);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasPlaceholder);
  return false;
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

const emptyCounts = (): BodyCounts => ({ none: 0, json: 0, recovered: 0, nonJson: 0, malformed: 0 });

export function corpusFigures(examples: Iterable<CorpusExample>): CorpusFigures {
  const figures: CorpusFigures = {
    files: 0,
    examples: 0,
    byVersion: {},
    byMethod: {},
    byFamily: {},
    byResource: {},
    requestBodies: emptyCounts(),
    responseBodies: emptyCounts(),
    usableResponses: 0,
    usableRequests: 0,
    placeholderBodies: 0,
  };
  const files = new Set<string>();
  for (const ex of examples) {
    files.add(ex.file);
    figures.examples++;
    bump(figures.byVersion, ex.version);
    bump(figures.byMethod, ex.method);
    bump(figures.byFamily, familyOf(ex.path));
    bump(figures.byResource, resourceOf(ex.path));
    figures.requestBodies[ex.bodyStatus]++;
    figures.responseBodies[ex.expected.bodyStatus]++;
    if (isUsableBody(ex.expected.bodyStatus)) figures.usableResponses++;
    if (isUsableBody(ex.bodyStatus)) figures.usableRequests++;
    if ((isUsableBody(ex.bodyStatus) && hasPlaceholder(ex.body)) || (isUsableBody(ex.expected.bodyStatus) && hasPlaceholder(ex.expected.body))) figures.placeholderBodies++;
  }
  figures.files = files.size;
  return figures;
}

export interface CoverageEntry {
  file: string;
  index: number;
  version: 'v1.0' | 'beta';
  method: string;
  path: string;
  family: CorpusFamily;
}

export interface CoverageReport {
  total: number;
  served: number;
  notServed: CoverageEntry[];
  /** Replays with at least one mismatch (only when results are given). */
  mismatches: Array<Pick<ReplayResult, 'file' | 'index' | 'method' | 'path' | 'status' | 'error' | 'differences'>>;
  /** Replays that could not be set up (no object to stand for an ID). */
  setupFailures: Array<Pick<ReplayResult, 'file' | 'index' | 'method' | 'path' | 'differences'>>;
  byFamily: Record<string, { total: number; served: number }>;
}

export function coverageReport(input: { examples: Iterable<CorpusExample>; routes: readonly RouteSpec[]; results?: Iterable<ReplayResult> }): CoverageReport {
  const report: CoverageReport = { total: 0, served: 0, notServed: [], mismatches: [], setupFailures: [], byFamily: {} };
  for (const ex of input.examples) {
    const family = familyOf(ex.path);
    const fam = (report.byFamily[family] ??= { total: 0, served: 0 });
    report.total++;
    fam.total++;
    if (matchTemplate(input.routes, ex.path, { method: ex.method, version: ex.version })) {
      report.served++;
      fam.served++;
    } else {
      report.notServed.push({ file: ex.file, index: ex.index, version: ex.version, method: ex.method, path: ex.path, family });
    }
  }
  for (const r of input.results ?? []) {
    const pick = { file: r.file, index: r.index, method: r.method, path: r.path, differences: r.differences };
    if (r.differences.some((d) => d.kind === 'setupFailed')) report.setupFailures.push(pick);
    else if (r.served && !r.ok) {
      report.mismatches.push({ ...pick, status: r.status, ...(r.error ? { error: r.error } : {}), differences: r.differences.filter((d) => d.severity === 'mismatch') });
    }
  }
  return report;
}

/**
 * Synthetic GET examples, one per GET route template and version whose response type the schema
 * knows (entities and collections, not `$count`, media streams or functions), for a schema sweep:
 * replaying them with `ReplaySession` resolves the IDs and validates every body the emulator
 * returns against the schema (differences of kind `schemaViolation`).
 */
export function schemaSweepExamples(routes: readonly RouteSpec[], schemas: Partial<Record<'v1.0' | 'beta', GraphSchema>>): CorpusExample[] {
  const out: CorpusExample[] = [];
  for (const spec of routes) {
    const route: RouteTemplate = typeof spec === 'string' ? { template: spec } : spec;
    if (route.methods && !route.methods.includes('GET')) continue;
    for (const version of route.versions ?? (['v1.0', 'beta'] as const)) {
      const schema = schemas[version];
      const shape = schema?.typeOfPath(route.template);
      if (!shape || shape.type.startsWith('Edm.') || route.template.includes('$')) continue;
      out.push({
        file: `sweep:${version}${route.template}`,
        index: 0,
        source: 'schema sweep',
        version,
        method: 'GET',
        path: route.template,
        query: {},
        headers: {},
        body: undefined,
        bodyStatus: 'none',
        expected: { status: 200, body: undefined, bodyStatus: 'none' },
      });
    }
  }
  return out;
}
