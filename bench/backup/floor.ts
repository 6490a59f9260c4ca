/**
 * The floor a tenant's data needs: for each resource type, the fewest requests that can read its
 * items and sub-resources at the largest page size the service allows, times each request's cost
 * under Graph's published model (facts §1.2 via `classifyRequest`: base cost per path, `$select`
 * −1, `$expand` +1, never below 1). Counts come from the full snapshot.
 *
 * Per type:
 * - delta: max(⌈items / 999⌉, ⌈relationship entries / 1000⌉) pages — the emulator's largest delta
 *   page (`Prefer: odata.maxpagesize`, capped at 999) and relationship slice (1,000 per page);
 * - list: ⌈items / page⌉ with page = the declared `$top`, else the service's fixed page (100 for
 *   directory lists and BitLocker keys, which take no `$top`; 1,000 for Intune; 25 for the settings
 *   catalog, facts §2.1; unpaged collections are one request); one per parent for child types;
 * - singleton: one request (per parent);
 * - append-only (audit log): ⌈records / 999⌉;
 * - sub-resources read per item: one request per item (a list longer than 999 needs more); those
 *   the collection can `$expand` (`bulkExpand` in the registry: manager, group, application and
 *   service-principal owners, device owners and users): ⌈items / 100⌉ expanded pages (the expand
 *   cap) plus one request per item whose list reached the 20-entry expand limit;
 * - Exchange: one page of 1,000 groups, one member call per group.
 * Resource units are counted for the identity-and-access limit (the `directory` bucket); Intune,
 * conditional access, the reports (audit) limit and Exchange count requests.
 */
import { classifyRequest, defaultLimits, listResources, type BucketName, type ResourceDeclaration, type SubResourceSpec } from '../../src/connectors/index.js';
import type { Repository, SnapshotInfo } from '../../src/repository/index.js';

export interface FloorLine {
  readonly type: string;
  readonly what: string;
  readonly requests: number;
  /** In the line's bucket: resource units for `directory`, requests elsewhere. */
  readonly units: number;
  readonly bucket: BucketName;
}

const UNPAGED = new Set(['unifiedRoleDefinition', 'domain', 'directoryRole']);
const FIXED_PAGE: Readonly<Record<string, number>> = { bitlockerRecoveryKey: 100, deviceManagementConfigurationPolicy: 25 };
const EXPAND_PAGE = 100;
const EXPAND_LIMIT = 20;

function cost(url: string, endpoint: 'graph' | 'exchange' = 'graph'): { bucket: BucketName; units: number } {
  const c = classifyRequest({ method: endpoint === 'exchange' ? 'POST' : 'GET', url, endpoint }).charges[0]!;
  return { bucket: c.bucket, units: c.cost };
}

function query(parts: Record<string, string | number | undefined>): string {
  const q = Object.entries(parts).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return q.length > 0 ? `?${q.join('&')}` : '';
}

function listPage(d: ResourceDeclaration): number {
  if (UNPAGED.has(d.name)) return Number.POSITIVE_INFINITY;
  if (d.pageSize) return d.pageSize;
  if (FIXED_PAGE[d.name]) return FIXED_PAGE[d.name]!;
  if (d.endpoint === 'exchange') return 1000;
  return d.path.startsWith('/deviceManagement') || d.path.startsWith('/deviceAppManagement') ? 1000 : 100;
}

const sample = (path: string) => path.replace('{id}', '00000000-0000-0000-0000-000000000001').replace('{parentId}', '00000000-0000-0000-0000-000000000002');

export async function computeFloor(repo: Repository, snapshot: SnapshotInfo, options: { skippedSubs?: ReadonlySet<string> } = {}): Promise<FloorLine[]> {
  const lines: FloorLine[] = [];
  const push = (type: string, what: string, requests: number, c: { bucket: BucketName; units: number }) => {
    if (requests > 0) lines.push({ type, what, requests, units: requests * c.units, bucket: c.bucket });
  };
  for (const d of listResources('azure')) {
    const summary = snapshot.types[d.name];
    if (!summary || summary.absent !== undefined) continue;
    const n = summary.count;
    // Per-item measures from the stored documents: relationship entries, long lists, expand-capped lists.
    const links = new Map<string, number>();
    const longLists = new Map<string, number>();
    const capped = new Map<string, number>();
    const parents = new Set<string>();
    for await (const entry of repo.entries(snapshot, { type: d.name })) {
      const doc = (await repo.readDocument(entry)) as Record<string, unknown>;
      for (const sub of d.subResources) {
        const value = doc[sub.name];
        if (!Array.isArray(value)) continue;
        links.set(sub.name, (links.get(sub.name) ?? 0) + value.length);
        if (value.length > 999) longLists.set(sub.name, (longLists.get(sub.name) ?? 0) + Math.ceil(value.length / 999) - 1);
        if (value.length >= EXPAND_LIMIT) capped.set(sub.name, (capped.get(sub.name) ?? 0) + 1);
      }
      if (d.parent) parents.add(entry.id);
    }
    if (d.change === 'delta') {
      const relationEntries = d.subResources.filter((s) => s.read === 'delta').reduce((sum, s) => sum + (links.get(s.name) ?? 0), 0);
      const pages = Math.max(1, Math.ceil(n / 999), Math.ceil(relationEntries / 1000));
      push(d.name, `delta, ${n} objects, ${relationEntries} relationship entries`, pages, cost(`${d.deltaPath ?? `${d.path}/delta`}${query({ $select: d.select?.join(',') })}`));
    } else if (d.change === 'list') {
      const page = listPage(d);
      const perParent = d.parent ? Math.max(1, parents.size) : 1;
      const pages = d.endpoint === 'exchange' ? Math.max(1, Math.ceil(n / page)) : Math.max(perParent, Number.isFinite(page) ? Math.ceil(n / page) : 1);
      push(d.name, `list, ${n} items${Number.isFinite(page) ? ` at ${page} per page` : ', unpaged'}`, pages, cost(sample(`${d.path}${query({ $select: d.select?.join(','), $expand: d.expand, $top: d.pageSize })}`), d.endpoint));
    } else if (d.change === 'singleton') {
      push(d.name, 'singleton', Math.max(1, n), cost(sample(`${d.path}${query({ $select: d.select?.join(',') })}`)));
    } else {
      push(d.name, `log, ${n} records at 999 per page`, Math.max(1, Math.ceil(n / 999)), cost(`${d.path}?$top=999`));
    }
    for (const sub of d.subResources) {
      if (sub.read === 'delta' || sub.read === 'expand') continue;
      if (options.skippedSubs?.has(`${d.name}.${sub.name}`)) continue;
      pushSub(d, sub, n, longLists.get(sub.name) ?? 0, capped.get(sub.name) ?? 0, push);
    }
  }
  return lines;
}

function pushSub(d: ResourceDeclaration, sub: SubResourceSpec, n: number, extraPages: number, capped: number, push: (type: string, what: string, requests: number, c: { bucket: BucketName; units: number }) => void): void {
  const label = `${d.name}.${sub.name}`;
  if (sub.command) {
    push(d.name, `${label}: one cmdlet call per item`, n, { bucket: 'exchange', units: 1 });
    return;
  }
  if (sub.bulkExpand) {
    push(d.name, `${label}: $expand pages of ${EXPAND_PAGE}`, Math.ceil(n / EXPAND_PAGE), cost(`${d.path}?$select=id&$expand=${sub.name}&$top=999`));
    if (capped > 0) push(d.name, `${label}: lists at the expand limit, read alone`, capped, cost(sample(`${sub.path}?$select=id&$top=999`)));
    return;
  }
  const url = sample(`${sub.path}${query({ $select: sub.select?.join(','), $top: sub.kind === 'collection' ? sub.pageSize : undefined })}`);
  push(d.name, `${label}: one request per item`, n + extraPages, cost(url));
}

export interface FloorSummary {
  readonly resourceUnits: number;
  readonly requestsByBucket: Readonly<Record<string, number>>;
  readonly unitsByBucket: Readonly<Record<string, number>>;
  /** The least time the published limits allow for the floor, per bucket and overall (the buckets run side by side). */
  readonly secondsByBucket: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Requests per window the scheduler assumes for Exchange [I]; the others are published (cost-model.ts). */
export function summarise(lines: readonly FloorLine[], size: 'small' | 'medium' | 'large'): FloorSummary {
  const limits = defaultLimits(size);
  const requestsByBucket: Record<string, number> = {};
  const unitsByBucket: Record<string, number> = {};
  for (const l of lines) {
    requestsByBucket[l.bucket] = (requestsByBucket[l.bucket] ?? 0) + l.requests;
    unitsByBucket[l.bucket] = (unitsByBucket[l.bucket] ?? 0) + l.units;
  }
  const secondsByBucket: Record<string, number> = {};
  for (const [bucket, units] of Object.entries(unitsByBucket)) {
    const limit = limits[bucket as BucketName];
    secondsByBucket[bucket] = (units / limit.capacity) * (limit.windowMs / 1000);
  }
  return {
    resourceUnits: unitsByBucket.directory ?? 0,
    requestsByBucket, unitsByBucket, secondsByBucket,
    seconds: Math.max(0, ...Object.values(secondsByBucket)),
  };
}
