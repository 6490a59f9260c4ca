/**
 * Sub-reads: the per-item reads that complete a document (owners, app-role assignments, a
 * BitLocker key, script content, Intune settings, distribution-group members …), done only where
 * needed and as cheaply as Graph allows:
 *
 * - which ones an item needs is decided by `plannedReads` from the declaration's read mode
 *   (`whenNew`, `whenChanged`, `everyRun`), whether the item is new or changed, the change
 *   signals, and what the parent snapshot already holds (which is reused otherwise);
 * - Graph reads of a window of items go out as `$batch` requests of 20 (facts §4), several
 *   windows at a time; a list longer than one page continues through its `@odata.nextLink`;
 * - when every item of a type needs a sub-resource that the collection can `$expand`, the values
 *   come from `bulkExpand` (one listing in pages of 100) and only lists of 20 — possibly cut off
 *   by the expand limit (facts §2.3) — are read item by item.
 *
 * Failures: a 403 skips that sub-resource for the rest of the run with a warning naming the
 * permission and the consent URL (DESIGN invariant 6), leaving its key out of the documents; a
 * 404 means "none" for a single-valued relationship (manager) and otherwise that the item vanished
 * between listing and sub-read, so it is dropped (the next run sees it gone); anything else fails
 * the type.
 */
import type { BatchRequest, BatchResult, ResourceDeclaration, SubResourceSpec } from '../../connectors/index.js';
import { TenantVaultError, isTenantVaultError } from '../../errors/index.js';
import type { Item } from '../../repository/index.js';
import type { RunContext } from './context.js';
import { BulkValues } from './bulk-values.js';
import { cleanDocument, isObject, itemName, type JsonObject } from './documents.js';

/** An item whose main document is known and whose listed sub-reads are still to do. */
export interface Pending {
  readonly id: string;
  readonly document: JsonObject;
  readonly reads: readonly SubResourceSpec[];
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface ItemStatus {
  /** Not in the parent snapshot. */
  readonly isNew: boolean;
  /** Its listing or delta entry differs from the parent's. */
  readonly changed: boolean;
  /** The parent's document, when the parent holds the item. */
  readonly previous: JsonObject | undefined;
}

/** Sub-resources read by separate requests (not delivered by delta or `$expand`). */
export function readableSubs(declaration: ResourceDeclaration): SubResourceSpec[] {
  return declaration.subResources.filter((sub) => sub.read !== 'delta' && sub.read !== 'expand');
}

/** Whether a document already holds the sub-resource. */
export function holds(sub: SubResourceSpec, document: JsonObject | undefined): boolean {
  if (!document) return false;
  if (sub.kind === 'properties') return (sub.select ?? []).every((p) => p in document);
  return sub.name in document;
}

function copySub(sub: SubResourceSpec, from: JsonObject, to: JsonObject): void {
  if (sub.kind === 'properties') for (const p of sub.select ?? []) to[p] = from[p];
  else to[sub.name] = from[sub.name];
}

/** Whether this run reads the sub-resource at all (permission, opt-in). */
export function subEnabled(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec): boolean {
  return !ctx.isSkipped(declaration.name, sub);
}

/**
 * Decides the sub-reads of one item and fills the document with what it can reuse from the
 * parent. Returns the document (a copy when something was added) and the sub-resources to read.
 */
export function plannedReads(ctx: RunContext, declaration: ResourceDeclaration, id: string, document: JsonObject, status: ItemStatus): { document: JsonObject; reads: SubResourceSpec[] } {
  const reads: SubResourceSpec[] = [];
  let out = document;
  for (const sub of readableSubs(declaration)) {
    if (!subEnabled(ctx, declaration, sub)) continue;
    const previous = status.previous;
    const reusable = !status.isNew && holds(sub, previous);
    let read: boolean;
    switch (sub.read) {
      case 'whenNew':
        read = !reusable;
        break;
      case 'whenChanged':
        read = !reusable || status.changed;
        break;
      default:
        read = !reusable || status.changed || !ctx.signalsCover(declaration.name) || ctx.signals.has(id);
    }
    if (read) reads.push(sub);
    else {
      if (out === document) out = { ...document };
      copySub(sub, previous as JsonObject, out);
    }
  }
  return { document: out, reads };
}

/** The expand limit: a list this long may have been cut off (facts §2.3). */
const EXPAND_LIMIT = 20;

/** A related object as stored in a relationship: its type and id. */
function relationshipValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relationshipValue);
  if (!isObject(value)) return value ?? null;
  const out: JsonObject = {};
  if (typeof value['@odata.type'] === 'string') out['@odata.type'] = value['@odata.type'];
  out.id = value.id;
  return out;
}

/**
 * Reads, for every item of the type, the sub-resources given (they must be `bulkExpand`) through
 * `$expand` on the collection, and returns their values by item id, staged on disk (bulk-values.ts;
 * the caller closes them).
 */
export async function bulkExpand(ctx: RunContext, declaration: ResourceDeclaration, subs: readonly SubResourceSpec[]): Promise<BulkValues> {
  const out = new BulkValues(ctx.settings.tempDir);
  try {
    for (const sub of subs) await expandInto(ctx, declaration, sub, out);
  } catch (err) {
    out.close();
    throw err;
  }
  return out;
}

async function expandInto(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec, out: BulkValues): Promise<void> {
  for await (const item of ctx.graph.items<JsonObject>(declaration.path, {
    api: declaration.api, type: declaration.name, query: { $select: 'id', $expand: sub.name, $top: 999 },
    ...(declaration.headers ? { headers: declaration.headers } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
  })) {
    if (typeof item.id !== 'string') continue;
    const value = relationshipValue(item[sub.name]);
    // A full list of 20 may be truncated: leave it to the item's own read.
    if (Array.isArray(value) && value.length >= EXPAND_LIMIT) continue;
    out.set(sub.name, item.id, JSON.stringify(value));
  }
}

function subUrl(sub: SubResourceSpec, id: string): string {
  const path = (sub.path ?? '').replace('{id}', encodeURIComponent(id));
  const query: string[] = [];
  if (sub.select?.length) query.push(`$select=${sub.select.join(',')}`);
  if (sub.kind === 'collection' && sub.pageSize) query.push(`$top=${sub.pageSize}`);
  return query.length > 0 ? `${path}?${query.join('&')}` : path;
}

type Outcome = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'vanished' } | { readonly kind: 'skipped' };

const WINDOW = 100;
const PARALLEL_WINDOWS = 4;

/**
 * Completes pending items with their sub-reads and yields them as repository items, in any
 * order. Items whose source vanished meanwhile are dropped.
 */
export async function* completeItems(ctx: RunContext, declaration: ResourceDeclaration, source: AsyncIterable<Pending>, bulk?: BulkValues): AsyncGenerator<Item> {
  const iterator = source[Symbol.asyncIterator]();
  const running = new Map<number, Promise<{ key: number; items: Item[] }>>();
  let exhausted = false;
  let seq = 0;
  const next = async (): Promise<Pending[] | undefined> => {
    const window: Pending[] = [];
    while (window.length < WINDOW) {
      const r = await iterator.next();
      if (r.done) {
        exhausted = true;
        break;
      }
      window.push(r.value);
    }
    return window.length > 0 ? window : undefined;
  };
  try {
    while (!exhausted || running.size > 0) {
      while (!exhausted && running.size < PARALLEL_WINDOWS) {
        const window = await next();
        if (!window) break;
        // Windows without reads finish at once: yield them without waiting for the others.
        if (window.every((p) => p.reads.every((s) => bulkHas(bulk, s, p.id)))) {
          yield* await completeWindow(ctx, declaration, window, bulk);
          continue;
        }
        const key = seq++;
        const promise = completeWindow(ctx, declaration, window, bulk).then((items) => ({ key, items }));
        // Handled here so a failure while another window is awaited is not reported as unhandled.
        promise.catch(() => undefined);
        running.set(key, promise);
      }
      if (running.size === 0) continue;
      const done = await Promise.race(running.values());
      running.delete(done.key);
      yield* done.items;
    }
  } finally {
    // Let windows still in flight settle before the caller's error propagates.
    await Promise.allSettled(running.values());
  }
}

function bulkHas(bulk: BulkValues | undefined, sub: SubResourceSpec, id: string): boolean {
  return bulk?.has(sub.name, id) === true;
}

async function completeWindow(ctx: RunContext, declaration: ResourceDeclaration, window: readonly Pending[], bulk: BulkValues | undefined): Promise<Item[]> {
  const outcomes = new Map<string, Outcome>();
  const graphRequests = new Map<string, Array<BatchRequest & { key: string; sub: SubResourceSpec }>>();
  const exchangeJobs: Array<{ key: string; id: string; sub: SubResourceSpec }> = [];
  window.forEach((pending, index) => {
    for (const sub of pending.reads) {
      const key = `${index}\u0000${sub.name}`;
      const bulkValue = bulk?.get(sub.name, pending.id);
      if (bulkValue !== undefined) {
        outcomes.set(key, { kind: 'value', value: JSON.parse(bulkValue) as unknown });
        continue;
      }
      if (ctx.isSkipped(declaration.name, sub)) {
        outcomes.set(key, { kind: 'skipped' });
        continue;
      }
      if (sub.command) {
        exchangeJobs.push({ key, id: pending.id, sub });
        continue;
      }
      const api = sub.api ?? declaration.api;
      const list = graphRequests.get(api) ?? [];
      list.push({ key, method: 'GET', url: subUrl(sub, pending.id), ...(sub.headers ? { headers: sub.headers } : {}), type: declaration.name, sub });
      graphRequests.set(api, list);
    }
  });

  for (const [api, requests] of graphRequests) {
    if (requests.length === 1) {
      const request = requests[0]!;
      outcomes.set(request.key, await direct(ctx, declaration, request, api as ResourceDeclaration['api']));
      continue;
    }
    for await (const result of ctx.graph.batch(requests, { api: api as ResourceDeclaration['api'], type: declaration.name, ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
      const request = result.request as BatchRequest & { key: string; sub: SubResourceSpec };
      outcomes.set(result.key, await fromBatch(ctx, declaration, request.sub, result, api as ResourceDeclaration['api']));
    }
  }
  for (const job of exchangeJobs) outcomes.set(job.key, await exchangeRead(ctx, declaration, job.sub, job.id));

  const items: Item[] = [];
  window.forEach((pending, index) => {
    let document = pending.document;
    let vanished = false;
    for (const sub of pending.reads) {
      const outcome = outcomes.get(`${index}\u0000${sub.name}`);
      if (!outcome || outcome.kind === 'skipped') continue;
      if (outcome.kind === 'vanished') {
        vanished = true;
        break;
      }
      if (document === pending.document) document = { ...pending.document };
      if (sub.kind === 'properties') {
        const value = isObject(outcome.value) ? outcome.value : {};
        for (const p of sub.select ?? []) if (p in value) document[p] = value[p];
      } else document[sub.name] = outcome.value;
    }
    if (vanished) {
      ctx.logger.debug({ type: declaration.name, id: pending.id }, 'item vanished between listing and sub-read; left for the next run');
      return;
    }
    const name = itemName(document);
    items.push({ type: declaration.name, id: pending.id, document, ...(name ? { name } : {}), ...(pending.meta ? { meta: pending.meta } : {}) });
  });
  ctx.onItems(declaration.name, items.length);
  return items;
}

/** 404 means "no value" for a single-valued relationship, "gone" for anything else. */
function notFoundOutcome(sub: SubResourceSpec): Outcome {
  return sub.kind === 'object' ? { kind: 'value', value: null } : { kind: 'vanished' };
}

function onError(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec, err: unknown): Outcome {
  if (isTenantVaultError(err, 'ITEM_NOT_FOUND')) return notFoundOutcome(sub);
  if (isTenantVaultError(err, 'PERMISSION_MISSING')) {
    if (!ctx.isSkipped(declaration.name, sub)) {
      ctx.skipSub(declaration.name, sub.name, err.message);
      ctx.warnings.add({
        type: declaration.name, code: err.code,
        message: `${declaration.name}.${sub.name} is not backed up in this run: ${err.message}`,
        hint: err.hint,
      });
    }
    return { kind: 'skipped' };
  }
  throw err;
}

async function collectionRest(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec, first: JsonObject, api: ResourceDeclaration['api']): Promise<unknown[]> {
  const values: unknown[] = Array.isArray(first.value) ? [...first.value] : [];
  const next = first['@odata.nextLink'];
  if (typeof next === 'string') {
    for await (const page of ctx.graph.pages(next, { api, type: declaration.name, ...(sub.headers ? { headers: sub.headers } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
      values.push(...page.items);
    }
  }
  return values.map((v) => cleanDocument(v));
}

async function shape(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec, body: unknown, api: ResourceDeclaration['api']): Promise<Outcome> {
  const object = isObject(body) ? body : {};
  if (sub.kind === 'collection') return { kind: 'value', value: await collectionRest(ctx, declaration, sub, object, api) };
  if (sub.kind === 'object') return { kind: 'value', value: sub.select?.length === 1 && sub.select[0] === 'id' ? relationshipValue(object) : cleanDocument(object) };
  return { kind: 'value', value: cleanDocument(object) };
}

async function direct(ctx: RunContext, declaration: ResourceDeclaration, request: BatchRequest & { sub: SubResourceSpec }, api: ResourceDeclaration['api']): Promise<Outcome> {
  try {
    const response = await ctx.graph.request(request.url, {
      api, type: declaration.name, ...(request.headers ? { headers: request.headers } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return await shape(ctx, declaration, request.sub, response.body, api);
  } catch (err) {
    return onError(ctx, declaration, request.sub, err);
  }
}

async function fromBatch(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec, result: BatchResult, api: ResourceDeclaration['api']): Promise<Outcome> {
  if (result.error) return onError(ctx, declaration, sub, result.error);
  try {
    return await shape(ctx, declaration, sub, result.body, api);
  } catch (err) {
    return onError(ctx, declaration, sub, err);
  }
}

async function exchangeRead(ctx: RunContext, declaration: ResourceDeclaration, sub: SubResourceSpec, id: string): Promise<Outcome> {
  const command = sub.command!;
  const parameters = Object.fromEntries(Object.entries(command.parameters).map(([k, v]) => [k, typeof v === 'string' ? v.replace('{id}', id) : v]));
  try {
    const client = await ctx.exchange();
    const values: unknown[] = [];
    for await (const value of client.invoke({ cmdlet: command.cmdlet, parameters }, { type: declaration.name, ...(ctx.signal ? { signal: ctx.signal } : {}) })) values.push(cleanDocument(value));
    return { kind: 'value', value: values };
  } catch (err) {
    if (err instanceof TenantVaultError && err.code === 'SERVICE_ERROR' && /couldn't be found|not found/i.test(err.message)) return { kind: 'vanished' };
    return onError(ctx, declaration, sub, err);
  }
}
