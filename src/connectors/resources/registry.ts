/**
 * The resource-type registry: every declaration, looked up by name or by profile kind, and the
 * restore order derived from their references.
 *
 * Guarantees:
 * - names are unique and every reference targets a declared type (or `directoryObject`), checked
 *   when the module loads, so a broken declaration fails every test at once;
 * - `dependencyOrder` is deterministic: ties and cycles are broken by declaration order. A type
 *   comes after the types it references, except for edges it cannot honour, which it returns as
 *   `deferred` for a second pass (relink after create): self-references (user.manager → user,
 *   nested groups), relationship sub-resources that close a cycle (group members ↔ service
 *   principal app-role assignments), and — reported as `cycle` — property references that do.
 * Not guaranteed: that the order suits types of different profile kinds mixed together.
 */
import { TenantVaultError } from '../../errors/index.js';
import { referenceSpec, splitTarget, type ProfileKind, type ResourceDeclaration } from './define.js';
import { parseReferencePath } from './reference-path.js';
import * as entraDirectory from './types/entra-directory.js';
import * as entraPolicies from './types/entra-policies.js';
import * as intune from './types/intune.js';
import * as exchange from './types/exchange.js';

/** Declaration order: the tie-breaker for every ordering question. */
const DECLARATIONS: readonly ResourceDeclaration[] = [
  ...Object.values(entraDirectory),
  ...Object.values(entraPolicies),
  ...Object.values(intune),
  ...Object.values(exchange),
];

/** The concrete types a `directoryObject` reference may point at among declared types. */
export const DIRECTORY_OBJECT_TYPES: readonly string[] = ['user', 'group', 'servicePrincipal', 'application', 'device'];

const BY_NAME = new Map<string, ResourceDeclaration>();
for (const declaration of DECLARATIONS) {
  if (BY_NAME.has(declaration.name)) throw new Error(`Resource type ${declaration.name} is declared twice`);
  BY_NAME.set(declaration.name, declaration);
}
for (const declaration of DECLARATIONS) {
  for (const [path, raw] of Object.entries(declaration.references)) {
    const { type } = splitTarget(referenceSpec(raw).target);
    if (type !== 'directoryObject' && !BY_NAME.has(type)) {
      throw new Error(`Resource type ${declaration.name}: reference ${path} targets undeclared type ${type}`);
    }
  }
  for (const dep of [...(declaration.dependsOn ?? []), ...(declaration.parent ? [declaration.parent.type] : []), ...(declaration.ownedBy ? [declaration.ownedBy.type] : [])]) {
    if (!BY_NAME.has(dep)) throw new Error(`Resource type ${declaration.name} depends on undeclared type ${dep}`);
  }
  const log = declaration.audited && BY_NAME.get(declaration.audited.log);
  if (declaration.audited && (log?.change !== 'appendOnly' || log.service !== declaration.service)) {
    throw new Error(`Resource type ${declaration.name} is audited by ${declaration.audited.log}, which is not an append-only log of its service`);
  }
}

/** Every declared type, in declaration order. */
export function allResources(): readonly ResourceDeclaration[] {
  return DECLARATIONS;
}

export function findResource(name: string): ResourceDeclaration | undefined {
  return BY_NAME.get(name);
}

export function getResource(name: string): ResourceDeclaration {
  const declaration = BY_NAME.get(name);
  if (!declaration) {
    throw new TenantVaultError('USAGE', `Unknown resource type "${name}"`, {
      hint: `Known types: ${DECLARATIONS.map((d) => d.name).join(', ')}.`,
    });
  }
  return declaration;
}

export function listResources(service: ProfileKind): ResourceDeclaration[] {
  return DECLARATIONS.filter((declaration) => declaration.service === service);
}

export interface DependencyEdge {
  readonly from: string;
  readonly to: string;
  /** The reference path, or `dependsOn` / `parent`. */
  readonly via: string;
  /** A relationship held in a sub-resource, written after both objects exist. */
  readonly link: boolean;
}

export interface DeferredEdge extends DependencyEdge {
  readonly reason: 'self' | 'link' | 'cycle';
}

export interface DependencyPlan {
  readonly order: readonly string[];
  readonly deferred: readonly DeferredEdge[];
}

/** What `from` needs before it can be restored: one edge per (reference path, concrete target). */
export function dependencyEdges(declaration: ResourceDeclaration): DependencyEdge[] {
  const subNames = new Set(declaration.subResources.map((sub) => sub.name));
  const edges: DependencyEdge[] = [];
  for (const [path, raw] of Object.entries(declaration.references)) {
    const { type } = splitTarget(referenceSpec(raw).target);
    const first = parseReferencePath(path)[0]!.name;
    const link = subNames.has(first);
    const targets = type === 'directoryObject' ? DIRECTORY_OBJECT_TYPES : [type];
    for (const to of targets) edges.push({ from: declaration.name, to, via: path, link });
  }
  for (const to of declaration.dependsOn ?? []) edges.push({ from: declaration.name, to, via: 'dependsOn', link: false });
  if (declaration.parent) edges.push({ from: declaration.name, to: declaration.parent.type, via: 'parent', link: false });
  return edges;
}

/**
 * Restore order for the given types (unknown names throw USAGE). Kahn's algorithm over the
 * references among the given types; when every remaining type waits on another, the first one
 * (in declaration order) whose remaining waits are all relationship links goes next, or failing
 * that the first one with the fewest waits, and its unmet edges are deferred.
 */
export function dependencyOrder(types: readonly string[]): DependencyPlan {
  const wanted = new Set(types.map((name) => getResource(name).name));
  const nodes = DECLARATIONS.filter((d) => wanted.has(d.name)).map((d) => d.name);
  const deferred: DeferredEdge[] = [];
  const pending = new Map<string, DependencyEdge[]>();
  for (const name of nodes) {
    const edges: DependencyEdge[] = [];
    for (const edge of dependencyEdges(BY_NAME.get(name)!)) {
      if (!wanted.has(edge.to)) continue;
      if (edge.to === edge.from) deferred.push({ ...edge, reason: 'self' });
      else edges.push(edge);
    }
    pending.set(name, edges);
  }

  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < nodes.length) {
    const remaining = nodes.filter((name) => !done.has(name));
    const unmet = (name: string) => pending.get(name)!.filter((edge) => !done.has(edge.to));
    let next = remaining.find((name) => unmet(name).length === 0);
    if (next === undefined) {
      next = remaining.find((name) => unmet(name).every((edge) => edge.link));
      if (next === undefined) {
        const fewest = Math.min(...remaining.map((name) => unmet(name).length));
        next = remaining.find((name) => unmet(name).length === fewest)!;
      }
      for (const edge of unmet(next)) deferred.push({ ...edge, reason: edge.link ? 'link' : 'cycle' });
    }
    order.push(next);
    done.add(next);
  }
  return { order, deferred };
}
