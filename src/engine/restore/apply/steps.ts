/**
 * The steps that carry out one operation, each computed against the target just before it writes
 * (so a step run twice writes nothing the second time):
 * - `main`: restore from the recycle bin, create (looking first for an object an earlier attempt
 *   created), or delete (undo);
 * - `props`: the operation's properties that still differ, mapped through the id map;
 * - `links`: relationship entries the target lacks (and, in overwrite, has in excess), and for a
 *   relink the references to recreated objects, repointed to their new ids.
 *
 * The id map (`ApplyMap`) resolves a snapshot reference: an object this restore created → its new
 * id; an object it was to create but did not (yet) → unmapped; a reference the plan mapped →
 * that value (null: unmapped); otherwise, in the same tenant, the same id.
 */
import { parseReferencePath, rewriteReferences, type IdMap, type Reference } from '../../../connectors/index.js';
import { TenantVaultError } from '../../../errors/index.js';
import { entriesOf, isObject } from '../documents.js';
import type { PlanOperation, RestorePlan } from '../model.js';
import { isPlainLink, mapDocument, propertyDiffs, referencesNaming, relationshipDiffs, relationshipOf } from '../plan/diff.js';
import { referenceKey } from '../plan/target.js';
import type { JsonObject, TypeWriter, WriterContext } from '../writers/types.js';

export class ApplyMap {
  constructor(
    private readonly plan: RestorePlan,
    private readonly ids: ReadonlyMap<string, string>,
    /** Ids (and `key:value`) of objects the plan creates. */
    private readonly pending: ReadonlySet<string>,
  ) {}

  resolve(ref: Reference): string | undefined {
    const k = ref.key === 'id' ? ref.id : `${ref.key}:${ref.id}`;
    const created = this.ids.get(k);
    if (created !== undefined) return created;
    if (this.pending.has(k)) return undefined;
    const mapped = this.plan.mapped[referenceKey(ref)];
    if (mapped !== undefined) return mapped ?? undefined;
    return this.plan.sameTenant ? ref.id : undefined;
  }

  get idMap(): IdMap {
    return (ref) => this.resolve(ref);
  }

  /** Whether the reference names an object this restore (re)creates. */
  isRecreated(ref: Reference): boolean {
    return this.pending.has(ref.key === 'id' ? ref.id : `${ref.key}:${ref.id}`);
  }
}

function unmappedError(op: PlanOperation, refs: readonly Reference[]): TenantVaultError {
  const list = refs.slice(0, 5).map((r) => `${r.targetType}/${r.id}`).join(', ');
  return new TenantVaultError('RESTORE_FAILED', `${op.type}/${op.id} references ${refs.length} object(s) that do not exist in the target (${list}); it was not written`, {
    hint: 'An object it depends on was not restored (see the failed operations); fix that and apply again.',
  });
}

/** The target's current copy of one object, with these relationships. */
export async function readOne(writer: TypeWriter, ctx: WriterContext, id: string, relationships: readonly string[]): Promise<JsonObject | undefined> {
  for await (const item of writer.read(ctx, [id], { relationships })) return item.document;
  return undefined;
}

/** Property names an operation writes: the plan's, or every writable one for a create. */
export function plannedProperties(op: PlanOperation): Set<string> | undefined {
  return op.action === 'create' ? undefined : new Set((op.properties ?? []).map((p) => p.name));
}

/** `props`: writes the planned properties that still differ. */
export async function writeProperties(writer: TypeWriter, ctx: WriterContext, op: PlanOperation, targetId: string, snapshot: JsonObject, map: ApplyMap): Promise<void> {
  const names = plannedProperties(op);
  if (names && names.size === 0) return;
  const mapped = mapDocument(writer, snapshot, map.idMap);
  const live = await readOne(writer, ctx, targetId, []);
  if (!live) throw new TenantVaultError('RESTORE_FAILED', `${op.type}/${targetId} is gone from the target`, { hint: 'Plan the restore again.' });
  const diffs = propertyDiffs(writer, mapped.document, live, names);
  if (diffs.length === 0) return;
  const blocked = mapped.unmapped.filter((ref) => relationshipOf(writer, ref) === undefined && diffs.some((d) => d.name === topLevel(ref.declaredPath)));
  if (blocked.length > 0) throw unmappedError(op, blocked);
  await writer.update(ctx, targetId, Object.fromEntries(diffs.map((d) => [d.name, d.to])), live);
}

function topLevel(path: string): string {
  return path.split('.')[0]!.replace('[]', '');
}

/** Relationship names an operation on a chosen item ensures. */
export function ensuredRelationships(writer: TypeWriter, op: PlanOperation, snapshot: JsonObject, plan: RestorePlan): string[] {
  const restrict = op.action !== 'create' && plan.options.properties ? new Set(plan.options.properties) : undefined;
  return Object.keys(writer.relationships).filter((name) => name in snapshot && (!restrict || restrict.has(name)));
}

/** `links` for a created, recycled or updated item: its relationships as the mode asks. */
export async function writeLinks(writer: TypeWriter, ctx: WriterContext, op: PlanOperation, targetId: string, snapshot: JsonObject, map: ApplyMap, plan: RestorePlan): Promise<void> {
  const names = ensuredRelationships(writer, op, snapshot, plan);
  if (names.length === 0) return;
  const mapped = mapDocument(writer, snapshot, map.idMap);
  const live = await readOne(writer, ctx, targetId, names);
  if (!live) throw new TenantVaultError('RESTORE_FAILED', `${op.type}/${targetId} is gone from the target`, { hint: 'Plan the restore again.' });
  const mode = op.action === 'create' || plan.options.mode === 'skip' ? 'merge' : plan.options.mode;
  const diffs = relationshipDiffs(writer, mapped.document, live, mode, new Set(names));
  for (const diff of diffs) {
    if (diff.add.length === 0 && diff.remove.length === 0) continue;
    await writer.relink(ctx, targetId, diff.relationship, { add: diff.add, remove: diff.remove }, live);
  }
  const lost = mapped.unmapped.filter((ref) => relationshipOf(writer, ref) !== undefined && map.isRecreated(ref));
  if (lost.length > 0) throw unmappedError(op, lost);
}

/**
 * `links` for a relink: every reference the plan lists (to recreated objects) is repointed —
 * relationship entries added with the new id, property references rewritten (or added to their
 * list when the target no longer holds the old id).
 */
export async function writeRelink(writer: TypeWriter, ctx: WriterContext, op: PlanOperation, targetId: string, snapshot: JsonObject, map: ApplyMap): Promise<void> {
  const wanted = new Set((op.references ?? []).map((r) => `${r.key ?? 'id'}:${r.from}`));
  const refs = referencesNaming(writer, snapshot, wanted);
  const missing = refs.filter((ref) => map.resolve(ref) === undefined);
  if (missing.length > 0) throw unmappedError(op, missing);
  const relationships = [...new Set(refs.map((ref) => relationshipOf(writer, ref)).filter((r): r is string => r !== undefined))];
  // The entries that hold a repointed reference, by relationship (their other references keep their ids).
  const chosenOf = (relationship: string): JsonObject[] => {
    const entries = entriesOf(snapshot, relationship);
    if (writer.relationships[relationship]!.kind === 'single') return entries;
    const indexes = new Set(refs.filter((ref) => relationshipOf(writer, ref) === relationship).map((ref) => entryIndexOf(ref)));
    return entries.filter((_, i) => indexes.has(i));
  };
  // A list of plain links ({ id }) needs no read: adding one that exists succeeds, and the directory
  // drops links to deleted objects. Lists of richer entries are read for entries still naming the old id.
  const toRead = relationships.filter((r) => !chosenOf(r).every(isPlainLink));
  const live = await readOne(writer, ctx, targetId, toRead);
  if (!live) throw new TenantVaultError('RESTORE_FAILED', `${op.type}/${targetId} is gone from the target`, { hint: 'Plan the restore again.' });

  for (const relationship of relationships) {
    const spec = writer.relationships[relationship]!;
    const chosen = chosenOf(relationship);
    const mappedEntries = entriesOf(mapDocument(writer, { [relationship]: spec.kind === 'single' ? chosen[0] ?? null : chosen }, map.idMap).document, relationship);
    const liveEntries = toRead.includes(relationship) ? entriesOf(live, relationship) : [];
    const have = new Set(liveEntries.map((e) => spec.key(e)));
    const add = mappedEntries.filter((e) => !have.has(spec.key(e)));
    // An entry still naming the old id (Graph keeps some references to deleted objects) is replaced.
    const oldKeys = new Set(chosen.map((e) => spec.key(e)).filter((k) => !mappedEntries.some((m) => spec.key(m) === k)));
    const remove = spec.kind === 'single' ? [] : liveEntries.filter((e) => oldKeys.has(spec.key(e)));
    if (add.length > 0 || remove.length > 0) await writer.relink(ctx, targetId, relationship, { add, remove }, live);
  }

  const propertyRefs = refs.filter((ref) => relationshipOf(writer, ref) === undefined);
  if (propertyRefs.length === 0) return;
  const replacements = new Map(propertyRefs.map((ref) => [`${ref.key}:${ref.id}`, map.resolve(ref)!]));
  const rewritten = rewriteReferences(writer.declaration, live, (ref) => replacements.get(`${ref.key}:${ref.id}`) ?? ref.id).document as JsonObject;
  for (const ref of propertyRefs) {
    const value = replacements.get(`${ref.key}:${ref.id}`)!;
    if (!holds(rewritten, ref.declaredPath, value)) appendTo(rewritten, ref.declaredPath, value);
  }
  const patch: JsonObject = {};
  for (const name of new Set(propertyRefs.map((ref) => topLevel(ref.declaredPath)))) {
    if (writer.isWritable(name) && JSON.stringify(rewritten[name]) !== JSON.stringify(live[name])) patch[name] = rewritten[name];
  }
  if (Object.keys(patch).length > 0) await writer.update(ctx, targetId, patch, live);
}

function entryIndexOf(ref: Reference): number {
  const match = /^[^.[]+\[(\d+)\]/.exec(ref.path);
  return match ? Number(match[1]) : 0;
}

/** Whether the value is at the declared path (`a.b[]` holds it, or `a.b` equals it). */
function holds(document: JsonObject, declaredPath: string, value: string): boolean {
  const segments = parseReferencePath(declaredPath);
  let nodes: unknown[] = [document];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: unknown[] = [];
    for (const node of nodes) {
      if (!isObject(node)) continue;
      const v = node[segment.name];
      if (last) {
        if (segment.each ? Array.isArray(v) && v.includes(value) : v === value) return true;
      } else if (segment.each) {
        if (Array.isArray(v)) next.push(...v);
      } else next.push(v);
    }
    nodes = next;
  }
  return false;
}

/** Adds the value to the list at a declared path of plain objects ending in `name[]` (creating the list). */
function appendTo(document: JsonObject, declaredPath: string, value: string): void {
  const segments = parseReferencePath(declaredPath);
  if (segments.slice(0, -1).some((s) => s.each) || !segments[segments.length - 1]!.each) return;
  let node: JsonObject = document;
  for (const segment of segments.slice(0, -1)) {
    const child = node[segment.name];
    if (!isObject(child)) {
      const created: JsonObject = {};
      node[segment.name] = created;
      node = created;
    } else node = child;
  }
  const name = segments[segments.length - 1]!.name;
  const list = Array.isArray(node[name]) ? (node[name] as unknown[]) : [];
  node[name] = [...list, value];
}
