/**
 * Verification after apply: every operation that wrote is checked by reading its object again
 * and comparing it with what the plan meant — the snapshot document adapted to the target as the
 * plan showed it (another tenant's domains), references through the final id map —
 * - a create: every writable property of the snapshot, and every relationship entry;
 * - a recycle-bin restore or an update: the planned properties, and the relationships as the mode
 *   asks (merge: the snapshot's entries are there; overwrite: and nothing else);
 * - a relink: each repointed reference holds the new id;
 * - a delete (undo): the object is gone from the live directory.
 * Entries restore cannot write (FIDO2 keys), computed relationships and references the plan could
 * not map are not expected.
 *
 * Guarantees: reads only; one difference string per property or relationship that is off, e.g.
 * `jobTitle is "A", expected "B"` or `members lacks 2 entries`.
 */
import type { Repository } from '../../../repository/index.js';
import { entriesOf, isObject } from '../documents.js';
import type { OperationResult, PlanOperation, RestorePlan } from '../model.js';
import { isPlainLink, mapDocument, propertyDiffs, referencesNaming, relationshipDiffs, relationshipOf } from '../plan/diff.js';
import type { TargetSession } from '../session.js';
import { writerFor } from '../writers/index.js';
import type { JsonObject, TypeWriter } from '../writers/types.js';
import { pool } from '../pool.js';
import { ensuredRelationships, plannedProperties, type ApplyMap } from './steps.js';

interface Check {
  readonly index: number;
  readonly op: PlanOperation;
  readonly targetId: string;
  readonly snapshot: JsonObject;
  readonly relationships: readonly string[];
}

function show(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** The target mapping's document hook (`TargetMapping.adapt`): a snapshot document as the target holds it. */
export type DocumentAdapter = (type: string, document: JsonObject) => JsonObject;

export async function verifyOperations(
  plan: RestorePlan, session: TargetSession, repo: Repository, map: ApplyMap,
  states: ReadonlyArray<{ readonly result?: OperationResult; readonly newId?: string }>, adapt: DocumentAdapter, signal: AbortSignal | undefined,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const checks: Check[] = [];
  for (const [index, op] of plan.operations.entries()) {
    const state = states[index]!;
    if (state.result === 'failed' || state.result === 'skipped') continue;
    if (!['create', 'recycleBin', 'update', 'relink', 'delete'].includes(op.action)) continue;
    const targetId = op.action === 'create' ? state.newId : op.targetId;
    if (!targetId) continue;
    const found = await repo.readItem(plan.snapshot, op.type, op.id, signal ? { signal } : {});
    const snapshot = found && isObject(found.document) ? adapt(op.type, found.document) : {};
    const writer = writerFor(op.type);
    const relationships = op.action === 'delete' ? []
      : op.action === 'relink' ? [...new Set((op.references ?? []).map((r) => r.path).filter((p) => p in writer.relationships && !linkChecked(writer, p)))]
        : ensuredRelationships(writer, op, snapshot, plan);
    checks.push({ index, op, targetId, snapshot, relationships });
  }
  // Links added to long lists are looked up one by one (a group of 100,000 members is not read whole).
  const present = new Map<number, Map<string, Set<string>>>();
  await pool(checks.filter((c) => c.op.action === 'relink'), 32, async (check) => {
    const writer = writerFor(check.op.type);
    const byRelationship = new Map<string, string[]>();
    for (const ref of check.op.references ?? []) {
      if (!linkChecked(writer, ref.path)) continue;
      const to = map.resolve({ path: ref.path, declaredPath: ref.path, targetType: ref.targetType, key: ref.key ?? 'id', id: ref.from });
      if (to) byRelationship.set(ref.path, [...(byRelationship.get(ref.path) ?? []), to]);
    }
    const found = new Map<string, Set<string>>();
    for (const [relationship, ids] of byRelationship) found.set(relationship, await writer.linksPresent!(session.ctx, check.targetId, relationship, ids));
    present.set(check.index, found);
  });
  const groups = new Map<string, Check[]>();
  for (const check of checks) {
    const k = `${check.op.type}|${check.op.action === 'delete' ? 'exists' : [...check.relationships].sort().join(',')}`;
    groups.set(k, [...(groups.get(k) ?? []), check]);
  }
  for (const [k, group] of groups) {
    const type = k.slice(0, k.indexOf('|'));
    const existence = k.endsWith('|exists');
    const writer = writerFor(type);
    const byTarget = new Map<string, Check[]>();
    for (const check of group) byTarget.set(check.targetId, [...(byTarget.get(check.targetId) ?? []), check]);
    const relationships = group[0]!.relationships;
    for await (const live of writer.read(session.ctx, [...byTarget.keys()], existence ? { existenceOnly: true } : { relationships })) {
      for (const check of byTarget.get(live.id) ?? []) out.set(check.index, differences(check, live.document, map, plan, present.get(check.index)));
    }
  }
  return out;
}

/** Whether a relationship's links can be checked one by one (`linksPresent`) instead of read whole. */
function linkChecked(writer: TypeWriter, relationship: string): boolean {
  return writer.linksPresent !== undefined && writer.relationships[relationship]?.kind === 'list' && writer.declaration.references[`${relationship}[].id`] !== undefined;
}

function differences(check: Check, live: JsonObject | undefined, map: ApplyMap, plan: RestorePlan, present?: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const { op, snapshot } = check;
  const writer = writerFor(op.type);
  if (op.action === 'delete') return live ? ['still exists'] : [];
  if (!live) return ['not found in the target'];
  const mapped = mapDocument(writer, snapshot, map.idMap).document;
  if (op.action === 'relink') {
    const out: string[] = [];
    const wanted = new Set((op.references ?? []).map((r) => `${r.key ?? 'id'}:${r.from}`));
    // What the target's copy mentions: link ids at once, richer entries and properties as text.
    const linked = new Map<string, { ids: Set<string>; text: string }>();
    const mentions = (relationship: string | undefined, value: string): boolean => {
      const k = relationship ?? '';
      let seen = linked.get(k);
      if (!seen) {
        const entries = relationship ? entriesOf(live, relationship) : [];
        seen = { ids: new Set(entries.filter(isPlainLink).map((e) => String(e.id))), text: JSON.stringify(relationship ? entries.filter((e) => !isPlainLink(e)) : live) };
        linked.set(k, seen);
      }
      return seen.ids.has(value) || seen.text.includes(value);
    };
    for (const ref of referencesNaming(writer, snapshot, wanted)) {
      const to = map.resolve(ref);
      if (!to) {
        out.push(`${ref.declaredPath}: ${ref.id} has no new id`);
        continue;
      }
      const relationship = relationshipOf(writer, ref);
      const looked = relationship ? present?.get(relationship) : undefined;
      if (looked ? !looked.has(to) : !mentions(relationship, to)) out.push(`${relationship ?? ref.declaredPath} does not reference ${to}`);
    }
    return out;
  }
  const out: string[] = [];
  for (const diff of propertyDiffs(writer, mapped, live, plannedProperties(op))) out.push(`${diff.name} is ${show(diff.from)}, expected ${show(diff.to)}`);
  const mode = op.action === 'create' || plan.options.mode === 'skip' ? 'merge' : plan.options.mode;
  for (const diff of relationshipDiffs(writer, mapped, live, mode, new Set(check.relationships))) {
    if (diff.add.length > 0) out.push(`${diff.relationship} lacks ${diff.add.length} entr${diff.add.length === 1 ? 'y' : 'ies'}`);
    if (diff.remove.length > 0) out.push(`${diff.relationship} has ${diff.remove.length} extra entr${diff.remove.length === 1 ? 'y' : 'ies'}`);
  }
  return out;
}
