/**
 * The safety snapshot (DESIGN invariant 4): before a plan writes anything, the current state of
 * every target object it will touch is saved as a repository snapshot, so the restore can be
 * undone (`restore undo` restores it in overwrite mode).
 *
 * It is a normal snapshot with profile `<target profile>:safety` (kept apart from the profile's
 * backups, which must never take it as their parent), tags `safety` and `restore:<id>`, no
 * parent, and one item per touched object, under its target id, in the backup's document shape —
 * the object with the relationships the plan touches (a partial document: undo compares only the
 * keys a document holds).
 *
 * Guarantees: written completely or not at all (packs → index → snapshot); objects that do not
 * exist (creates, recycle-bin restores) are not in it — undo deletes those from the journal.
 */
import { parseReferencePath } from '../../../connectors/index.js';
import type { Item, Repository } from '../../../repository/index.js';
import { isObject } from '../documents.js';
import type { PlanOperation, RestorePlan } from '../model.js';
import { SAFETY_SUFFIX, type TargetSession } from '../session.js';
import { writerFor } from '../writers/index.js';

const TOUCHING: ReadonlySet<PlanOperation['action']> = new Set(['update', 'relink', 'delete']);

/**
 * The relationships whose current entries undo needs. A relink only adds links to objects the
 * restore creates (or replaces links naming deleted ones): undo deletes those objects, and their
 * links go with them, so the object itself is enough. An update may add and remove anything; a
 * delete (undo) takes everything.
 */
export function touchedRelationships(op: PlanOperation, snapshotDocument: Record<string, unknown> | undefined): string[] {
  const writer = writerFor(op.type);
  const names = new Set<string>();
  if (op.action === 'delete') for (const name of Object.keys(writer.relationships)) names.add(name);
  if (op.action === 'update') {
    for (const ref of op.references ?? []) {
      const first = parseReferencePath(ref.path)[0]?.name;
      if (first && first in writer.relationships) names.add(first);
    }
    if (snapshotDocument) for (const name of Object.keys(writer.relationships)) if (name in snapshotDocument) names.add(name);
  }
  return [...names].sort();
}

export async function takeSafetySnapshot(
  repo: Repository, session: TargetSession, plan: RestorePlan, options: { signal?: AbortSignal; time: Date },
): Promise<string> {
  const { signal } = options;
  const touched = plan.operations.filter((op) => TOUCHING.has(op.action) && op.targetId !== undefined);
  const byType = new Map<string, Map<string, PlanOperation[]>>();
  for (const op of touched) {
    const snapshotDoc = op.action === 'update' ? (await repo.readItem(plan.snapshot, op.type, op.id, { signal }))?.document : undefined;
    const names = touchedRelationships(op, isObject(snapshotDoc) ? snapshotDoc : undefined).join(',');
    const groups = byType.get(op.type) ?? new Map<string, PlanOperation[]>();
    groups.set(names, [...(groups.get(names) ?? []), op]);
    byType.set(op.type, groups);
  }
  const profile = `${plan.profile}${SAFETY_SUFFIX}`;
  // A profile's snapshots are ordered by time (the catalog records them so): never before the last one.
  let time = options.time.getTime();
  for await (const earlier of repo.snapshots({ profile, ...(signal ? { signal } : {}) })) time = Math.max(time, Date.parse(earlier.time) + 1);
  const writer = await repo.startSnapshot({ profile, parent: null, tags: ['safety', `restore:${plan.id}`], time: new Date(time), ...(signal ? { signal } : {}) });
  try {
    for (const [type, groups] of byType) {
      const items: Item[] = [];
      const seen = new Set<string>();
      for (const [names, ops] of groups) {
        const ids = [...new Set(ops.map((op) => op.targetId!))].filter((id) => !seen.has(id));
        for await (const live of writerFor(type).read(session.ctx, ids, { relationships: names ? names.split(',') : [] })) {
          if (!live.document || seen.has(live.id)) continue;
          seen.add(live.id);
          const name = typeof live.document.displayName === 'string' ? live.document.displayName : undefined;
          items.push({ type, id: live.id, document: live.document, ...(name ? { name } : {}) });
        }
      }
      await writer.replaceType(type, items, { ...(signal ? { signal } : {}) });
    }
    return (await writer.commit()).id;
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}
