/**
 * `planRestore`: the plan that brings the chosen items of a snapshot back into a target — the
 * diff of the snapshot against the live target, in dependency order (DESIGN "Restore", habit 6).
 *
 * What it reads from the target: only the chosen items (GET by id, with the relationships their
 * snapshot copies hold), the recycle bins for those that are gone, the existence of what they
 * reference and of the items that reference what must be recreated — never whole collections.
 *
 * Per chosen item:
 * - not restorable (a device, a distribution list through Graph …) → `unsupported`, with why;
 * - in a recycle bin → `recycleBin` (keeps the id, and what the type's container keeps:
 *   `recycleBinReason`, facts §5.1, §5.2), then the properties that differ from the bin's copy;
 * - gone → `create`, unless its natural key is taken by another object (a UPN) → `skip`; every
 *   snapshot item that references it is repointed to the new id (`relink` when not chosen),
 *   and a missing item whose only role is linking it (a grant, a role assignment) is recreated;
 * - present → `skip` (mode skip), or `update` with the differing properties and relationship
 *   entries (`merge` adds, `overwrite` also removes), or `skip` when equal;
 * - what restore cannot bring back (passwords, secrets, FIDO2 keys) → an `unsupported` line after
 *   the item's operation, saying what is done instead.
 * A reference that cannot be mapped drops its relationship entry (listed with `to: null`); a
 * property reference that cannot be mapped stops the item's write (`skip`): nothing is written
 * half (issue #5). `--with-references` first adds the referenced items the target lacks.
 *
 * The plan records a fingerprint of every target object it read, so applying it later can refuse
 * when the tenant changed (PLAN_STALE).
 */
import { randomBytes } from 'node:crypto';
import { DIRECTORY_OBJECT_TYPES, dependencyOrder, referencesOf, type IdMap, type Reference } from '../../../connectors/index.js';
import { silentLogger, type Logger } from '../../../logging/index.js';
import type { Repository, SnapshotInfo } from '../../../repository/index.js';
import { profileStore } from '../../profiles/index.js';
import type { Workspace } from '../../workspace.js';
import { fingerprint, isObject } from '../documents.js';
import {
  NEW_ID, type PlanOperation, type PlanOptions, type PropertyChange, type ReferenceChange, type RestoreMode, type RestorePlan, type RestoreRequest,
} from '../model.js';
import { openTarget, profileOfSnapshot, type ConnectionOptions, type TargetSession } from '../session.js';
import { pool } from '../pool.js';
import { writerFor } from '../writers/index.js';
import type { JsonObject, TypeWriter } from '../writers/types.js';
import { isPlainLink, mapDocument, propertyDiffs, relationshipDiffs, relationshipOf } from './diff.js';
import { findReferrers, referencedAs, refersToRecreated, type Recreated } from './referrers.js';
import { parseSelector, resolveSelection, type ChosenKey } from './selectors.js';
import { mappingFor, referenceKey, type TargetMapping } from './target.js';

export interface PlanRestoreOptions extends ConnectionOptions {
  /** An open target session to use (the applier's), instead of opening one. */
  readonly session?: TargetSession;
  readonly clockNow?: () => number;
}

/**
 * Types whose objects exist only to link others (a delegated grant, a role assignment): gone
 * with the principal they linked, they are recreated with it. Any other referrer that is gone was
 * deleted on its own, and is restored only when chosen.
 */
/** Items planned at once (their reads share `$batch` round trips). */
const ITEM_CONCURRENCY = 64;

const ASSOCIATIONS: ReadonlySet<string> = new Set(['oAuth2PermissionGrant', 'unifiedRoleAssignment']);

/** Why an item is in the plan. */
type Origin = { readonly kind: 'chosen' } | { readonly kind: 'reference'; readonly by: string } | { readonly kind: 'link'; readonly to: string };

type State = 'live' | 'bin' | 'absent';

interface Item {
  readonly type: string;
  readonly id: string;
  readonly document: JsonObject;
  readonly writer: TypeWriter;
  readonly origin: Origin;
  state: State;
  targetId?: string;
  /** The target's copy (live or in the bin). */
  live?: JsonObject;
}

const key = (type: string, id: string): string => `${type}/${id}`;

function displayName(document: JsonObject): string | undefined {
  for (const k of ['displayName', 'userPrincipalName', 'name', 'DisplayName']) if (typeof document[k] === 'string') return document[k] as string;
  return undefined;
}

/** The request, normalised, as the key that finds an interrupted apply of the same restore. */
export function requestKeyOf(snapshot: string, profile: string, selectors: readonly string[], options: PlanOptions, changedSince?: string): string {
  return fingerprint({ snapshot, profile, selectors: [...selectors].sort(), changedSince: changedSince ?? null, options });
}

export function newRestoreId(): string {
  return randomBytes(8).toString('hex');
}

export interface PlanContext {
  readonly repo: Repository;
  readonly snapshot: SnapshotInfo;
  readonly session: TargetSession;
  readonly mapping: TargetMapping;
  readonly options: PlanOptions;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** Opens what planning needs: the snapshot, the target profile and connection, the mapping. */
export async function openPlanContext(ws: Workspace, request: RestoreRequest, options: PlanRestoreOptions = {}): Promise<PlanContext & { readonly changedSince?: SnapshotInfo; readonly sourceProfile: string }> {
  const repo = await ws.repository();
  const { signal } = options;
  const snapshot = await repo.findSnapshot(request.snapshot, { signal });
  const changedSince = request.changedSince ? await repo.findSnapshot(request.changedSince, { signal }) : undefined;
  const sourceProfile = profileOfSnapshot(snapshot.profile);
  const session = options.session ?? await openTarget(repo, targetProfileOf(request, snapshot), options);
  const source = sourceProfile === session.profile.name ? session.profile : await profileStore(repo).get(sourceProfile, { signal }).catch(() => undefined);
  const sameTenant = source === undefined ? request.to === undefined : source.tenantId === session.profile.tenantId;
  const mapping = await mappingFor({ repo, snapshot, target: session }, sameTenant);
  const planOptions = planOptionsOf(request);
  return {
    repo, snapshot, session, mapping, options: planOptions, logger: options.logger ?? silentLogger, sourceProfile,
    ...(changedSince ? { changedSince } : {}), ...(signal ? { signal } : {}),
  };
}

function planOptionsOf(request: RestoreRequest): PlanOptions {
  return {
    mode: request.mode ?? 'merge', withReferences: request.withReferences === true, newSecrets: request.newSecrets === true,
    ...(request.properties && request.properties.length > 0 ? { properties: [...request.properties] } : {}),
  };
}

/** The profile a request restores into: `--to`, else the snapshot's own. */
function targetProfileOf(request: RestoreRequest, snapshot: SnapshotInfo): string {
  return request.to ?? profileOfSnapshot(snapshot.profile);
}

/**
 * The target session of a request, opened once for a run that plans and then applies
 * (`restore … --apply`): passed as `session` to both `planRestore` and `applyRestore`, their
 * requests share one scheduler — one budget per app and tenant — and one `$batch` batcher.
 */
export async function openRequestTarget(ws: Workspace, request: RestoreRequest, options: ConnectionOptions = {}): Promise<TargetSession> {
  const repo = await ws.repository();
  const snapshot = await repo.findSnapshot(request.snapshot, { signal: options.signal });
  return openTarget(repo, targetProfileOf(request, snapshot), options);
}

/** The request key of a request, without connecting to the target (to find an interrupted apply of it). */
export async function resolveRequestKey(ws: Workspace, request: RestoreRequest, options: { signal?: AbortSignal } = {}): Promise<string> {
  const repo = await ws.repository();
  const snapshot = await repo.findSnapshot(request.snapshot, options);
  return requestKeyOf(snapshot.id, targetProfileOf(request, snapshot), request.selectors ?? [], planOptionsOf(request), request.changedSince);
}

export async function planRestore(ws: Workspace, request: RestoreRequest, options: PlanRestoreOptions = {}): Promise<RestorePlan> {
  const selectors = (request.selectors ?? []).map(parseSelector);
  const context = await openPlanContext(ws, request, options);
  const chosen = await resolveSelection(context.repo, context.snapshot, selectors, context.changedSince, { ...(options.signal ? { signal: options.signal } : {}) });
  const now = options.clockNow?.() ?? Date.now();
  return buildPlan(context, chosen, {
    id: newRestoreId(), kind: 'restore', createdAt: new Date(now).toISOString(), sourceProfile: context.sourceProfile,
    selectors: request.selectors ?? [], ...(request.changedSince ? { changedSince: request.changedSince } : {}),
  });
}

export interface PlanHeader {
  readonly id: string;
  readonly kind: 'restore' | 'undo';
  readonly createdAt: string;
  readonly sourceProfile: string;
  readonly selectors: readonly string[];
  readonly changedSince?: string;
  readonly undoOf?: string;
}

/** The plan for these chosen snapshot items (the planner's core, shared with undo). */
export async function buildPlan(context: PlanContext, chosen: readonly ChosenKey[], header: PlanHeader, extra: { operations?: readonly PlanOperation[]; fingerprints?: Record<string, string | null> } = {}): Promise<RestorePlan> {
  const planner = new Planner(context);
  await planner.add(chosen.map((c) => ({ ...c, origin: { kind: 'chosen' } as const })));
  if (context.options.withReferences) await planner.addReferenced();
  await planner.addLinks();
  const operations = [...(extra.operations ?? []), ...(await planner.operations())];
  return {
    version: 1, id: header.id, kind: header.kind, createdAt: header.createdAt, snapshot: context.snapshot.id, sourceProfile: header.sourceProfile,
    profile: context.session.profile.name, sameTenant: context.mapping.sameTenant, selectors: header.selectors,
    ...(header.changedSince ? { changedSince: header.changedSince } : {}), options: context.options,
    requestKey: requestKeyOf(context.snapshot.id, context.session.profile.name, header.selectors, context.options, header.changedSince),
    operations, fingerprints: { ...extra.fingerprints, ...planner.fingerprints }, mapped: { ...planner.mapped, ...planner.movedReferences() },
    ...(header.undoOf ? { undoOf: header.undoOf } : {}), warnings: planner.warnings,
  };
}

class Planner {
  readonly #items = new Map<string, Item>();
  readonly #order: string[] = [];
  /** Relink operations for items not chosen, by item key. */
  readonly #relinks = new Map<string, { type: string; id: string; document: JsonObject; references: Reference[]; targetId: string }>();
  /** Target values of references outside the plan, by `referenceKey` (undefined: cannot be mapped). */
  readonly #refTargets = new Map<string, string | undefined>();
  readonly fingerprints: Record<string, string | null> = {};
  readonly warnings: string[] = [];

  constructor(private readonly ctx: PlanContext) {}

  /** References whose target value differs from the source value (null: cannot be mapped). */
  get mapped(): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const [k, v] of this.#refTargets) {
      const source = k.slice(k.lastIndexOf('|') + 1);
      if (v !== source) out[k] = v ?? null;
    }
    return out;
  }

  /** The references of the plan's documents that name planned items found under another id. */
  movedReferences(): Record<string, string> {
    const out: Record<string, string> = {};
    const moved = [...this.#items.values()].filter((i) => i.targetId && i.targetId !== i.id && i.state === 'live');
    if (moved.length === 0) return out;
    const byId = new Map(moved.map((i) => [i.id, i.targetId!]));
    const docs = [...[...this.#items.values()].map((i) => ({ type: i.type, document: i.document })), ...[...this.#relinks.values()].map((r) => ({ type: r.type, document: r.document }))];
    for (const { type, document } of docs) {
      for (const ref of referencesOf(type, document)) {
        const to = ref.key === 'id' ? byId.get(ref.id) : undefined;
        if (to) out[referenceKey(ref)] = to;
      }
    }
    return out;
  }

  get #signal(): { signal?: AbortSignal } {
    return this.ctx.signal ? { signal: this.ctx.signal } : {};
  }

  /** Adds items (reading their snapshot documents and target state). */
  async add(keys: ReadonlyArray<ChosenKey & { origin: Origin }>): Promise<Item[]> {
    const added: Item[] = [];
    for (const k of keys) {
      if (this.#items.has(key(k.type, k.id))) continue;
      const found = await this.ctx.repo.readItem(this.ctx.snapshot, k.type, k.id, this.#signal);
      if (!found || !isObject(found.document)) continue;
      // The document as the target should hold it (another tenant's domains): the plan shows what is written.
      const document = this.ctx.mapping.adapt(k.type, found.document);
      const item: Item = { type: k.type, id: k.id, document, writer: writerFor(k.type), origin: k.origin, state: 'absent' };
      this.#items.set(key(k.type, k.id), item);
      this.#order.push(key(k.type, k.id));
      added.push(item);
    }
    await this.#locate(added);
    return added;
  }

  /** Finds each item's target object: live, in a recycle bin, or absent. */
  async #locate(items: readonly Item[]): Promise<void> {
    const targets = await this.ctx.mapping.locate(items.map((i) => ({ type: i.type, id: i.id, document: i.document })), this.#signal);
    const byType = new Map<string, Item[]>();
    for (const item of items) {
      const targetId = targets.get(key(item.type, item.id));
      if (targetId) item.targetId = targetId;
      const list = byType.get(item.type) ?? [];
      list.push(item);
      byType.set(item.type, list);
    }
    for (const [type, list] of byType) {
      const writer = writerFor(type);
      // Relationships are read when the snapshot copy holds them (opt-in ones included).
      const groups = new Map<string, Item[]>();
      for (const item of list) {
        if (!item.targetId) continue;
        const names = Object.keys(writer.relationships).filter((r) => r in item.document).sort();
        const k = names.join(',');
        groups.set(k, [...(groups.get(k) ?? []), item]);
      }
      for (const [names, group] of groups) {
        const relationships = names.length > 0 ? names.split(',') : [];
        const byTarget = new Map(group.map((i) => [i.targetId!, i]));
        for await (const live of writer.read(this.ctx.session.ctx, [...byTarget.keys()], { relationships })) {
          const item = byTarget.get(live.id)!;
          this.fingerprints[`full:${key(type, live.id)}#${names}`] = live.document ? fingerprint(live.document) : null;
          if (live.document) {
            item.state = 'live';
            item.live = live.document;
          }
        }
      }
      const gone = list.filter((i) => i.state === 'absent');
      if (gone.length > 0 && writer.hasRecycleBin && this.ctx.mapping.sameTenant) {
        const byId = new Map(gone.map((i) => [i.id, i]));
        for await (const deleted of writer.readDeleted(this.ctx.session.ctx, [...byId.keys()])) {
          this.fingerprints[`bin:${key(type, deleted.id)}`] = deleted.document ? fingerprint(deleted.document) : null;
          if (!deleted.document) continue;
          const item = byId.get(deleted.id)!;
          item.state = 'bin';
          item.targetId = deleted.id;
          item.live = deleted.document;
        }
      }
    }
  }

  #recreated(): Recreated {
    const types = new Set<string>();
    const ids = new Set<string>();
    const keys = new Set<string>();
    for (const item of this.#items.values()) {
      if (item.state !== 'absent' || this.#blocked(item)) continue;
      types.add(item.type);
      ids.add(item.id);
      // Other keys references use (an application's appId).
      for (const k of ['appId']) if (typeof item.document[k] === 'string') keys.add(`${k}:${item.document[k] as string}`);
    }
    return { types, ids, keys };
  }

  #blocked(item: Item): string | undefined {
    return item.writer.cannotRestore(item.document, { recreate: item.state === 'absent', newSecrets: this.ctx.options.newSecrets });
  }

  /** `--with-references`: referenced objects the target lacks, taken from the snapshot, until none is missing. */
  async addReferenced(): Promise<void> {
    let frontier = [...this.#items.values()];
    while (frontier.length > 0) {
      const refs = new Map<string, Reference & { by: string }>();
      for (const item of frontier) {
        if (this.#blocked(item)) continue;
        for (const ref of referencesOf(item.type, item.document)) {
          if (ref.key !== 'id' || this.#isPlanned(ref)) continue;
          refs.set(referenceKey(ref), { ...ref, by: key(item.type, item.id) });
        }
      }
      await this.#resolve([...refs.values()]);
      const missing: Array<ChosenKey & { origin: Origin }> = [];
      for (const ref of refs.values()) {
        if (this.#refTargets.get(referenceKey(ref)) !== undefined) continue;
        const type = await this.#snapshotTypeOf(ref);
        if (type) missing.push({ type, id: ref.id, origin: { kind: 'reference', by: ref.by } });
      }
      frontier = await this.add(missing);
    }
  }

  /** The snapshot type holding a referenced id (a `directoryObject` reference tries each directory type). */
  async #snapshotTypeOf(ref: Reference): Promise<string | undefined> {
    const candidates = ref.targetType === 'directoryObject' ? DIRECTORY_OBJECT_TYPES : [ref.targetType];
    for (const type of candidates) {
      if (await this.ctx.repo.readItem(this.ctx.snapshot, type, ref.id, this.#signal)) return type;
    }
    return undefined;
  }

  #isPlanned(ref: Reference): boolean {
    return this.#plannedItem(ref) !== undefined;
  }

  #plannedItem(ref: Reference): Item | undefined {
    if (ref.key !== 'id') return undefined;
    if (ref.targetType !== 'directoryObject') return this.#items.get(key(ref.targetType, ref.id));
    for (const type of DIRECTORY_OBJECT_TYPES) {
      const item = this.#items.get(key(type, ref.id));
      if (item) return item;
    }
    return undefined;
  }

  /** Maps references to objects outside the plan (once each). */
  async #resolve(refs: readonly Reference[]): Promise<void> {
    const todo = refs.filter((ref) => !this.#refTargets.has(referenceKey(ref)));
    if (todo.length === 0) return;
    const unique = new Map(todo.map((ref) => [referenceKey(ref), { targetType: ref.targetType, key: ref.key, id: ref.id }]));
    const result = await this.ctx.mapping.mapReferences([...unique.values()], this.#signal);
    for (const [k] of unique) this.#refTargets.set(k, result.get(k));
  }

  /**
   * Items that reference a recreated object: chosen ones repoint it in their own operation; others
   * get a relink, or — when gone too and restorable — are recreated (a grant or role assignment
   * that died with its principal). Repeats while that recreates more.
   */
  async addLinks(): Promise<void> {
    const linked = new Set<string>();
    for (;;) {
      const recreated = this.#recreated();
      const fresh = [...recreated.ids].filter((id) => !linked.has(id));
      if (fresh.length === 0) return;
      for (const id of fresh) linked.add(id);
      const referrers: Array<{ type: string; id: string; document: JsonObject; references: Reference[] }> = [];
      for await (const referrer of findReferrers(this.ctx.repo, this.ctx.snapshot, recreated, { ...this.#signal, skip: (type, id) => this.#items.has(key(type, id)) })) {
        const existing = this.#relinks.get(key(referrer.type, referrer.id));
        if (existing) {
          // Seen in an earlier round: only the references to objects added since are new.
          for (const ref of referrer.references) if (!existing.references.some((r) => r.path === ref.path)) existing.references.push(ref);
          continue;
        }
        referrers.push({ ...referrer, references: [...referrer.references] });
      }
      // Where each referrer is in the target (same lookup as chosen items, existence only).
      const targets = await this.ctx.mapping.locate(referrers.map((r) => ({ type: r.type, id: r.id, document: r.document })), this.#signal);
      const byType = new Map<string, typeof referrers>();
      for (const r of referrers) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
      const toAdd: Array<ChosenKey & { origin: Origin }> = [];
      for (const [type, list] of byType) {
        const writer = writerFor(type);
        const located = list.filter((r) => targets.get(key(r.type, r.id)) !== undefined);
        const byTarget = new Map(located.map((r) => [targets.get(key(r.type, r.id))!, r]));
        const exists = new Set<string>();
        // The object itself (not its relationships, which a relink only adds to): a change to it makes the plan stale.
        for await (const live of writer.read(this.ctx.session.ctx, [...byTarget.keys()], { relationships: [] })) {
          this.fingerprints[`full:${key(type, live.id)}#`] = live.document ? fingerprint(live.document) : null;
          if (live.document) exists.add(live.id);
        }
        for (const r of list) {
          const targetId = targets.get(key(r.type, r.id));
          if (targetId && exists.has(targetId)) {
            this.#relinks.set(key(r.type, r.id), { ...r, targetId });
            continue;
          }
          const linkedTo = r.references[0]!;
          if (ASSOCIATIONS.has(r.type) && !writer.cannotRestore(r.document, { recreate: true, newSecrets: this.ctx.options.newSecrets })) {
            toAdd.push({ type: r.type, id: r.id, origin: { kind: 'link', to: linkedTo.id } });
          } else {
            this.warnings.push(`${r.type}/${r.id} referenced ${linkedTo.targetType}/${linkedTo.id}, which is recreated, but is not in the target itself; choose it too to restore it with the new reference.`);
          }
        }
      }
      await this.add(toAdd);
    }
  }

  /**
   * The map used while planning: a recreated object keeps its snapshot id (the target cannot hold
   * it, so every link to it shows as missing), others their mapped value.
   */
  #planMap(recreated: Recreated): IdMap {
    return (ref: Reference) => {
      if (refersToRecreated(ref, recreated)) return ref.id;
      const planned = this.#plannedItem(ref);
      if (planned) return planned.targetId ?? ref.id;
      return this.#refTargets.get(referenceKey(ref));
    };
  }

  async operations(): Promise<PlanOperation[]> {
    const recreated = this.#recreated();
    // Every reference of an item the plan writes is mapped now, once.
    const refs: Reference[] = [];
    for (const item of this.#items.values()) for (const ref of referencesOf(item.type, item.document)) if (!refersToRecreated(ref, recreated) && !this.#isPlanned(ref)) refs.push(ref);
    // A relink writes only the entries that name a recreated object: their other references are mapped too.
    for (const relink of this.#relinks.values()) {
      const writer = writerFor(relink.type);
      const entries = new Set(relink.references.map((r) => /^[^.]+\[\d+\]/.exec(r.path)?.[0]).filter((p): p is string => p !== undefined));
      if (entries.size === 0) continue;
      const rich: JsonObject = {};
      for (const entry of entries) {
        const [, name, index] = /^([^[]+)\[(\d+)\]$/.exec(entry)!;
        const value = (relink.document[name!] as unknown[] | undefined)?.[Number(index)];
        if (!isObject(value) || isPlainLink(value)) continue;
        const list = (rich[name!] ??= []) as unknown[];
        list.push(value);
      }
      for (const ref of referencesOf(writer.declaration, rich)) if (!refersToRecreated(ref, recreated) && !this.#isPlanned(ref)) refs.push(ref);
    }
    await this.#resolve(refs);
    const map = this.#planMap(recreated);

    const perItem = new Map<string, PlanOperation[]>();
    const computed = new Map<string, PlanOperation[]>();
    // Items are independent here; their lookups (natural keys) share batches.
    await pool(this.#order, ITEM_CONCURRENCY, async (k) => {
      computed.set(k, await this.#itemOperations(this.#items.get(k)!, map, recreated));
    });
    for (const k of this.#order) perItem.set(k, computed.get(k)!);
    for (const [k, relink] of this.#relinks) perItem.set(k, [this.#relinkOperation(relink, map)]);

    const types = [...new Set([...perItem.values()].flat().map((op) => op.type))];
    // A type also referenced as another (a distribution group as a group) goes no later than that one would.
    const order = dependencyOrder([...new Set(types.flatMap(referencedAs))]).order;
    const at = new Map(order.map((t, i) => [t, i]));
    const rank = new Map(types.map((t) => [t, Math.min(...referencedAs(t).map((a) => at.get(a)!))]));
    const keys = [...perItem.keys()];
    const position = new Map(keys.map((k, i) => [k, i]));
    keys.sort((a, b) => {
      const ta = rank.get(a.slice(0, a.indexOf('/')))!;
      const tb = rank.get(b.slice(0, b.indexOf('/')))!;
      return ta - tb || position.get(a)! - position.get(b)!;
    });
    return keys.flatMap((k) => perItem.get(k)!);
  }

  async #itemOperations(item: Item, map: IdMap, recreated: Recreated): Promise<PlanOperation[]> {
    const options = this.ctx.options;
    const base = { type: item.type, id: item.id, ...(displayName(item.document) ? { name: displayName(item.document)! } : {}) };
    const context = { recreate: item.state === 'absent', newSecrets: options.newSecrets };
    const blocked = item.writer.cannotRestore(item.document, context);
    if (blocked) return [{ ...base, action: 'unsupported', ...(item.targetId && item.state === 'live' ? { targetId: item.targetId } : {}), reason: blocked }];

    const mapped = mapDocument(item.writer, item.document, map);
    const sources = sourceIds(item.writer, mapped.rewritten, map);
    const propertyRefsUnmapped = mapped.unmapped.filter((ref) => relationshipOf(item.writer, ref) === undefined);
    const linkRefsUnmapped = mapped.unmapped.filter((ref) => relationshipOf(item.writer, ref) !== undefined);
    const why = origin(item.origin);
    const names = options.properties && item.state !== 'absent' ? new Set(options.properties) : undefined;
    const limitations = item.writer.limitations(item.document, context).map((l): PlanOperation => ({
      ...base, action: 'unsupported', properties: [{ name: l.property }], reason: `${l.reason} Instead: ${l.action}.`,
    }));

    if (item.state === 'absent') {
      if (propertyRefsUnmapped.length > 0) return [{ ...base, action: 'skip', references: propertyRefsUnmapped.map(unmappedChange), reason: unmappedReason(propertyRefsUnmapped) }];
      const existing = await item.writer.findExisting(this.ctx.session.ctx, item.document);
      if (item.type === 'user' && existing.length > 0) {
        return [{ ...base, action: 'skip', reason: `Its userPrincipalName is taken by another user (${existing.map((e) => e.id).join(', ')}) in the target.` }];
      }
      const properties: PropertyChange[] = Object.entries(item.document).filter(([name]) => item.writer.isWritable(name)).map(([name, to]) => ({ name, to }));
      const references = [
        ...relationshipDiffs(item.writer, mapped.document, undefined, 'merge').flatMap((d) => d.add.map((entry) => ({ relationship: d.relationship, entry }))).flatMap(({ relationship, entry }) => linkChanges(item, relationship, entry, 'add', recreated, sources)),
        ...propertyReferenceChanges(item, recreated, map),
        ...linkRefsUnmapped.map(unmappedChange),
      ];
      const reason = [why, options.properties ? '--properties does not apply to an item that must be created.' : undefined].filter(Boolean).join(' ');
      return [{
        ...base, action: 'create', properties, ...(references.length > 0 ? { references } : {}),
        ...(existing.length > 0 ? { preexisting: existing.map((e) => e.id) } : {}), ...(reason ? { reason } : {}),
      }, ...limitations];
    }

    const live = item.live!;
    const targetId = item.targetId!;
    const repointed = propertyReferenceChanges(item, recreated, map);
    const props = [
      ...propertyDiffs(item.writer, mapped.document, live, names),
      // A property naming a recreated object must be written even if the target still holds the old id.
      ...repointed.map((r) => topLevel(r.path)).filter((name, i, all) => all.indexOf(name) === i && (!names || names.has(name)))
        .filter((name) => item.writer.isWritable(name)).map((name) => ({ name, from: live[name], to: mapped.document[name] })),
    ].filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i);
    const blockedProps = props.filter((p) => propertyRefsUnmapped.some((ref) => topLevel(ref.declaredPath) === p.name));
    if (blockedProps.length > 0) {
      return [{ ...base, action: 'skip', targetId, references: propertyRefsUnmapped.map(unmappedChange), reason: unmappedReason(propertyRefsUnmapped) }];
    }
    const properties: PropertyChange[] = props.map((p) => ({ name: p.name, ...(p.from === undefined ? {} : { from: p.from }), to: original(item.document, p.name) }));
    const relMode: RestoreMode = options.mode === 'skip' ? 'merge' : options.mode;
    const rels = relationshipDiffs(item.writer, mapped.document, live, relMode, names);
    const references: ReferenceChange[] = [
      ...rels.flatMap((d) => [
        ...d.add.flatMap((entry) => linkChanges(item, d.relationship, entry, 'add', recreated, sources)),
        ...d.remove.flatMap((entry) => linkChanges(item, d.relationship, entry, 'remove', recreated, sources)),
      ]),
      ...repointed.filter((r) => props.some((p) => topLevel(r.path) === p.name)),
      ...linkRefsUnmapped.map(unmappedChange),
    ];
    this.#noteRecycled(references);
    const notes = rels.flatMap((d) => [
      ...(d.computed ? [`${d.relationship}: ${d.computed}`] : []),
      ...d.unsupported.map((u) => `${d.relationship}: ${u.reason}`),
    ]);

    if (item.state === 'bin') {
      const reason = [recycleBinReason(item.type), why, ...notes].filter(Boolean).join(' ');
      return [{ ...base, action: 'recycleBin', targetId, ...(properties.length > 0 ? { properties } : {}), ...(references.length > 0 ? { references } : {}), reason }, ...limitations];
    }
    if (options.mode === 'skip') {
      // Existing items are left alone; references to recreated objects are still repointed.
      const repoint = references.filter((r) => r.to === NEW_ID);
      if (repoint.length > 0) return [{ ...base, action: 'relink', targetId, references: repoint, reason: 'Exists in the target (mode skip); only references to recreated objects are repointed.' }];
      return [{ ...base, action: 'skip', targetId, reason: 'Exists in the target (mode skip).' }];
    }
    const linkWrites = rels.some((d) => d.add.length > 0 || d.remove.length > 0);
    if (properties.length === 0 && !linkWrites) {
      return [{ ...base, action: 'skip', targetId, reason: ['Equal to the snapshot.', ...notes].join(' ') }];
    }
    const reason = [why, ...notes].filter(Boolean).join(' ');
    return [{ ...base, action: 'update', targetId, ...(properties.length > 0 ? { properties } : {}), ...(references.length > 0 ? { references } : {}), ...(reason ? { reason } : {}) }, ...limitations];
  }

  /** Links to objects restored from a recycle bin come back with them (facts §5.1); the apply only checks. */
  #noteRecycled(references: ReferenceChange[]): void {
    for (let i = 0; i < references.length; i++) {
      const r = references[i]!;
      if (r.change !== 'add' || r.to === null || r.to === NEW_ID) continue;
      const planned = this.#isPlanned({ targetType: r.targetType, key: r.key ?? 'id', id: r.from, path: r.path, declaredPath: r.path });
      const recycled = planned && [...DIRECTORY_OBJECT_TYPES, r.targetType].some((t) => this.#items.get(key(t, r.from))?.state === 'bin');
      if (recycled) references[i] = { ...r, note: 'comes back with its recycle-bin restore; added only if missing then' };
    }
  }

  #relinkOperation(relink: { type: string; id: string; document: JsonObject; references: Reference[]; targetId: string }, _map: IdMap): PlanOperation {
    const name = displayName(relink.document);
    const writer = writerFor(relink.type);
    const base = { type: relink.type, id: relink.id, targetId: relink.targetId, ...(name ? { name } : {}) };
    const blocked = writer.cannotRestore(relink.document, { recreate: false, newSecrets: this.ctx.options.newSecrets });
    if (blocked) return { ...base, action: 'unsupported', reason: `It references an object the restore recreates, but cannot be written: ${blocked}` };
    const computed = new Map<string, string>();
    const references = relink.references.filter((ref) => {
      const relationship = relationshipOf(writer, ref);
      const why = relationship ? writer.relationships[relationship]?.computed?.(relink.document) : undefined;
      if (why) computed.set(relationship!, why);
      return why === undefined;
    });
    const notes = [...computed].map(([r, why]) => `${r}: ${why}`);
    if (references.length === 0) return { ...base, action: 'skip', reason: `It references an object the restore recreates, through a relationship the service maintains. ${notes.join(' ')}` };
    return {
      ...base, action: 'relink',
      references: references.map((ref) => ({
        path: relationshipOf(writer, ref) ?? ref.declaredPath, targetType: ref.targetType,
        change: relationshipOf(writer, ref) ? 'add' : 'rewrite', from: ref.id, to: NEW_ID, ...(ref.key !== 'id' ? { key: ref.key } : {}),
      })),
      reason: ['References an object the restore recreates: repointed to its new id.', ...notes].join(' '),
    };
  }
}

/**
 * What a restore from the type's deleted-items container keeps (facts §5.1 table "Properties
 * maintained with soft delete", §5.2): the directory's recycle bin keeps a user's memberships and
 * roles and a Microsoft 365 group's memberships, but an application's or a service principal's
 * own properties only; conditional access's and the cross-tenant access policy's containers
 * keep the object with its id.
 */
const RECYCLE_BIN_KEEPS: Readonly<Record<string, string>> = {
  user: 'Restored from the directory recycle bin with its id, group memberships, roles, licenses and application assignments.',
  group: 'Restored from the directory recycle bin with its id, memberships, licenses and application assignments.',
  application: 'Restored from the directory recycle bin with its id and properties (its service principal is restored on its own).',
  servicePrincipal: 'Restored from the directory recycle bin with its id and properties.',
  administrativeUnit: 'Restored from the directory recycle bin with its id and properties.',
  conditionalAccessPolicy: 'Restored from conditional access\'s deleted policies with its id and settings.',
  namedLocation: 'Restored from conditional access\'s deleted named locations with its id and settings.',
  crossTenantAccessPolicyConfigurationPartner: 'Restored from the cross-tenant access policy\'s deleted partners with its settings.',
};

export function recycleBinReason(type: string): string {
  return RECYCLE_BIN_KEEPS[type] ?? 'Restored from its deleted-items container with its id.';
}

/** The top-level property of a declared path (`conditions.users.includeGroups[]` → `conditions`). */
function topLevel(path: string): string {
  return path.split('.')[0]!.replace('[]', '');
}

function origin(o: Origin): string | undefined {
  if (o.kind === 'reference') return `Referenced by ${o.by}, and missing in the target (--with-references).`;
  if (o.kind === 'link') return `Links ${o.to}, which is recreated, and is gone from the target too.`;
  return undefined;
}

function original(document: JsonObject, name: string): unknown {
  return document[name];
}

function unmappedChange(ref: Reference): ReferenceChange {
  return { path: ref.declaredPath, targetType: ref.targetType, change: 'add', from: ref.id, to: null, ...(ref.key !== 'id' ? { key: ref.key } : {}), note: 'not in the target and not restored by this plan' };
}

function unmappedReason(refs: readonly Reference[]): string {
  const list = refs.slice(0, 5).map((r) => `${r.targetType}/${r.id} (${r.declaredPath})`).join(', ');
  return `It references ${refs.length} object(s) missing in the target (${list}${refs.length > 5 ? ', …' : ''}); nothing is written rather than dropping them. Restore them too, e.g. with --with-references.`;
}

/** Relationship entries are compared in the target's values: `relationship|key|target value` → the snapshot's value, for the references mapping changed. */
type SourceIds = ReadonlyMap<string, string>;

function sourceIds(writer: TypeWriter, rewritten: readonly Reference[], map: IdMap): SourceIds {
  const out = new Map<string, string>();
  for (const ref of rewritten) {
    const relationship = relationshipOf(writer, ref);
    const to = relationship ? (typeof map === 'function' ? map(ref) : map.get(ref.id)) : undefined;
    if (to !== undefined) out.set(`${relationship}|${ref.key}|${to}`, ref.id);
  }
  return out;
}

/**
 * The reference changes one relationship entry brings (usually one: the entry's target). An
 * added entry is given in the target's values: `from` is the snapshot's object it came from
 * (another tenant's id), `to` the target's. A removed entry exists only in the target.
 */
function linkChanges(item: Item, relationship: string, entry: JsonObject, change: 'add' | 'remove', recreated: Recreated, sources: SourceIds): ReferenceChange[] {
  const refs = referencesOf(item.type, { [relationship]: item.writer.relationships[relationship]?.kind === 'single' ? entry : [entry] });
  if (refs.length === 0) return [{ path: relationship, targetType: 'entry', change, from: String(entry.id ?? ''), to: change === 'remove' ? null : String(entry.id ?? '') }];
  return refs.filter((ref) => relationshipOf(item.writer, ref) === relationship).map((ref) => ({
    path: relationship, targetType: ref.targetType, change,
    from: change === 'add' ? sources.get(`${relationship}|${ref.key}|${ref.id}`) ?? ref.id : ref.id,
    to: change === 'remove' ? null : refersToRecreated(ref, recreated) ? NEW_ID : ref.id,
    ...(ref.key !== 'id' ? { key: ref.key } : {}),
  }));
}

/** Property references of an item that are rewritten (to a recreated object, or to another tenant's id). */
function propertyReferenceChanges(item: Item, recreated: Recreated, map: IdMap): ReferenceChange[] {
  const out: ReferenceChange[] = [];
  for (const ref of referencesOf(item.type, item.document)) {
    if (relationshipOf(item.writer, ref) !== undefined) continue;
    const to = refersToRecreated(ref, recreated) ? NEW_ID : typeof map === 'function' ? map(ref) : map.get(ref.id);
    if (to === undefined || to === ref.id) continue;
    out.push({ path: ref.declaredPath, targetType: ref.targetType, change: 'rewrite', from: ref.id, to, ...(ref.key !== 'id' ? { key: ref.key } : {}) });
  }
  return out;
}

/** For messages: an operation's item. */
export function describe(op: PlanOperation): string {
  return `${op.type}/${op.id}${op.name ? ` (${op.name})` : ''}`;
}
