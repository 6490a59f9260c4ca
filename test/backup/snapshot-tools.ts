/**
 * Reading snapshots and the live tenant for comparisons: every document of a snapshot by type and
 * id, top-level property differences, and each declared type's live copy fetched through Graph
 * with the declaration's own `$select` / `$expand` (independently of the engine's readers).
 */
import { Secret } from '../../src/config/index.js';
import {
  createCredential, createExchangeClient, getResource, resolveCloud, ThrottleScheduler,
  type ExchangeClient, type GraphClient, type ResourceDeclaration, type SubResourceSpec,
} from '../../src/connectors/index.js';
import type { Emulator, TenantInfo } from '../../src/emulator/index.js';
import type { Repository } from '../../src/repository/index.js';

export type Doc = Record<string, unknown>;

export async function snapshotDocs(repo: Repository, snapshot: string, type?: string): Promise<Map<string, Map<string, Doc>>> {
  const out = new Map<string, Map<string, Doc>>();
  for await (const entry of repo.entries(snapshot, type ? { type } : {})) {
    let byId = out.get(entry.type);
    if (!byId) out.set(entry.type, (byId = new Map()));
    byId.set(entry.id, (await repo.readDocument(entry)) as Doc);
  }
  return out;
}

/** Top-level properties whose values differ (JSON equality), sorted. */
export function changedProperties(before: Doc, after: Doc): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(sortDeep(before[k])) !== JSON.stringify(sortDeep(after[k]))).sort();
}

/** A value with object keys sorted, for order-insensitive JSON comparison of objects (arrays keep order). */
export function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value as Doc).sort().map((k) => [k, sortDeep((value as Doc)[k])]));
}

const ANNOTATION = /(^|@)odata\.(context|nextLink|deltaLink|count)$/;

export function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Doc).filter(([k]) => !ANNOTATION.test(k) && k !== '@removed').map(([k, v]) => [k, clean(v)]));
}

/** Names of the sub-resources the engine embeds that a plain listing does not return. */
export function embeddedNames(declaration: ResourceDeclaration): string[] {
  return declaration.subResources.filter((s) => s.read !== 'expand').flatMap((s) => (s.kind === 'properties' ? [...(s.select ?? [])] : [s.name]));
}

function idOf(declaration: ResourceDeclaration, doc: Doc): string {
  return String(doc[declaration.idProperty ?? 'id']);
}

async function all(graph: GraphClient, path: string, query: Record<string, string | number | undefined>, declaration: ResourceDeclaration): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const item of graph.items<Doc>(path, { query, api: declaration.api, ...(declaration.headers ? { headers: declaration.headers } : {}) })) out.push(item);
  return out;
}

/** The live main documents of a type (without separately read sub-resources), by id. */
export async function liveMain(graph: GraphClient, type: string): Promise<Map<string, Doc>> {
  const declaration = getResource(type);
  const query = { $select: declaration.select?.filter((s) => !embeddedNames(declaration).includes(s)).join(','), $expand: declaration.expand, $filter: declaration.filter, $top: declaration.pageSize };
  const out = new Map<string, Doc>();
  const parents = declaration.parent ? (await all(graph, getResource(declaration.parent.type).path, { $select: 'id' }, getResource(declaration.parent.type))).map((p) => String(p.id)) : [undefined];
  for (const parentId of parents) {
    const path = parentId ? declaration.path.replace('{parentId}', parentId) : declaration.path;
    if (declaration.change === 'singleton') {
      try {
        const doc = (await graph.request<Doc>(path, { query: { $select: declaration.select?.join(','), $expand: declaration.expand }, api: declaration.api })).body;
        out.set(declaration.singletonId!.replace('{parentId}', parentId ?? ''), clean(doc) as Doc);
      } catch {
        // Not configured.
      }
      continue;
    }
    for (const doc of await all(graph, path, query, declaration)) out.set(idOf(declaration, doc), clean(doc) as Doc);
  }
  return out;
}

/** The live value of one sub-resource of one item, as the engine would embed it. */
export async function liveSub(graph: GraphClient, declaration: ResourceDeclaration, sub: SubResourceSpec, id: string): Promise<unknown> {
  const path = sub.path ? sub.path.replace('{id}', id) : `${declaration.path}/${id}/${sub.name}`;
  const query = { $select: sub.select?.join(',') ?? (sub.read === 'delta' ? 'id' : undefined), $top: sub.kind === 'collection' ? 999 : undefined };
  if (sub.kind === 'collection') return (await all(graph, path, query, { ...declaration, api: sub.api ?? declaration.api, headers: { ...declaration.headers, ...sub.headers } } as ResourceDeclaration)).map(clean);
  try {
    const body = (await graph.request<Doc>(path, { query: { $select: sub.select?.join(',') }, api: sub.api ?? declaration.api, ...(sub.headers ? { headers: sub.headers } : {}) })).body;
    return clean(body);
  } catch {
    return null;
  }
}

export function ids(list: unknown): string[] {
  return Array.isArray(list) ? list.map((e) => String((e as Doc).id)).sort() : [];
}

/** The admin app's Exchange admin API client (it holds the Exchange Administrator role). */
export function exchange(bench: { emulator: Emulator; tenant: TenantInfo }): ExchangeClient {
  const cloud = resolveCloud(bench.emulator.httpsUrl);
  const credential = createCredential({ tenantId: bench.tenant.tenantId, clientId: bench.tenant.clientId, cloud, clientSecret: new Secret(bench.tenant.clientSecret), trustedCaPem: bench.emulator.caCertificate });
  return createExchangeClient({ cloud, credential, scheduler: new ThrottleScheduler(), tenantId: bench.tenant.tenantId, clientId: bench.tenant.clientId, trustedCaPem: bench.emulator.caCertificate, initialDomain: bench.tenant.domain });
}

/** The live objects of an Exchange type, by id. */
export async function liveExchange(client: ExchangeClient, declaration: ResourceDeclaration): Promise<Map<string, Doc>> {
  const out = new Map<string, Doc>();
  for await (const item of client.invoke<Doc>(declaration.command!)) out.set(idOf(declaration, item), clean(item) as Doc);
  return out;
}

export async function liveExchangeSub(client: ExchangeClient, sub: SubResourceSpec, id: string): Promise<unknown> {
  const parameters = Object.fromEntries(Object.entries(sub.command!.parameters).map(([k, v]) => [k, v === '{id}' ? id : v]));
  const out: unknown[] = [];
  for await (const item of client.invoke<Doc>({ cmdlet: sub.command!.cmdlet, parameters })) out.push(clean(item));
  return out;
}
