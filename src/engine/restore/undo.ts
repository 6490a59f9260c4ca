/**
 * `planUndo`: the plan that returns the target to its state before a restore — its own restore,
 * with its own safety snapshot, journal and report:
 * - every object the restore touched is restored from the restore's safety snapshot in
 *   `overwrite` mode (properties and the relationships it wrote, extra entries removed);
 * - every object it created is deleted (to the recycle bin where the type has one — users,
 *   Microsoft 365 groups, applications, service principals, administrative units — for good
 *   otherwise), and every object it brought back from a recycle bin is deleted again;
 * - what cannot be undone (an activated directory role cannot be deactivated) is `unsupported`.
 *
 * Guarantees: nothing is written here; the plan is applied by `applyRestore` like any other.
 * Refused (USAGE) for a restore that never wrote (no safety snapshot) or that was undone already.
 */
import { TenantVaultError } from '../../errors/index.js';
import type { Workspace } from '../workspace.js';
import { restoreStore } from './apply/store.js';
import type { PlanOperation, RestorePlan } from './model.js';
import { buildPlan, newRestoreId, openPlanContext, type PlanRestoreOptions } from './plan/planner.js';
import type { ChosenKey } from './plan/selectors.js';
import { writerFor } from './writers/index.js';

export async function planUndo(ws: Workspace, restoreRef: string, options: PlanRestoreOptions = {}): Promise<RestorePlan> {
  const repo = await ws.repository();
  const { signal } = options;
  const store = restoreStore(repo);
  const record = await store.findRecord(restoreRef, { ...(signal ? { signal } : {}) });
  if (record.undoneBy) {
    throw new TenantVaultError('USAGE', `Restore ${record.id} was undone already (by ${record.undoneBy})`, { hint: `Undo that one instead: tenant-vault restore undo ${record.undoneBy}` });
  }
  const journal = await store.loadJournal(record.id, { ...(signal ? { signal } : {}) });
  if (!journal.safetySnapshot) {
    throw new TenantVaultError('USAGE', `Restore ${record.id} never wrote to the tenant: there is nothing to undo`, { hint: 'Only an applied (or partly applied) restore can be undone.' });
  }
  const context = await openPlanContext(ws, { snapshot: journal.safetySnapshot, to: record.profile, mode: 'overwrite' }, options);
  const chosen: ChosenKey[] = [];
  for await (const entry of repo.entries(context.snapshot, { ...(signal ? { signal } : {}) })) chosen.push({ type: entry.type, id: entry.id });

  const deletes: PlanOperation[] = [];
  for (const created of journal.created) {
    const writer = writerFor(created.type);
    const why = writer.cannotRemove(undefined);
    deletes.push(why
      ? { type: created.type, id: created.id, action: 'unsupported', targetId: created.id, reason: why }
      : { type: created.type, id: created.id, action: 'delete', targetId: created.id, reason: `Created by restore ${record.id}.` });
  }
  for (const recycled of journal.recycled) {
    deletes.push({
      type: recycled.type, id: recycled.id, action: 'delete', targetId: recycled.id,
      reason: `Brought back from the recycle bin by restore ${record.id}: deleted again${writerFor(recycled.type).hasRecycleBin ? ' (back to the recycle bin)' : ''}.`,
    });
  }
  const now = options.clockNow?.() ?? Date.now();
  return buildPlan(context, chosen, {
    id: newRestoreId(), kind: 'undo', createdAt: new Date(now).toISOString(), sourceProfile: record.profile, selectors: [], undoOf: record.id,
  }, { operations: deletes });
}
