/**
 * Append-only logs (the directory audit log): read by time window from the parent snapshot's
 * high-water mark, added to the snapshot as items keyed by record id, never deleted by a backup.
 *
 * Retention rule: a snapshot holds every record its backup read plus every record its parent
 * held, so records outlive Graph's own retention (30 days for directory audits) for as long as
 * snapshots keep them; `forget` + `prune` of old snapshots does not remove them from newer ones.
 *
 * The window starts `OVERLAP_MS` before the mark, because records can appear in the log some
 * time after their `activityDateTime` [I]; records read twice are the same item and stay
 * unchanged. `--full` reads everything the service still keeps.
 *
 * The records are also the change signals for sub-resources Graph reports no changes of
 * (owners, app-role assignments, registered owners, …): every target resource of a record read
 * from the parent's mark is signalled, and the signals are complete when the parent had a mark.
 */
import type { ResourceDeclaration } from '../../connectors/index.js';
import type { Item } from '../../repository/index.js';
import type { RunContext, TypeState } from './context.js';
import { cleanDocument, isObject, itemId, itemName, type JsonObject } from './documents.js';
import type { ReadOptions, TypePlan } from './plan.js';

/** How far before the high-water mark each window starts [I]. */
export const OVERLAP_MS = 15 * 60_000;

function targetIds(record: JsonObject): string[] {
  const targets = record.targetResources;
  if (!Array.isArray(targets)) return [];
  return targets.filter(isObject).map((t) => t.id).filter((id): id is string => typeof id === 'string' && id.length > 0);
}

export async function readAppendOnlyType(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<TypePlan> {
  const type = declaration.name;
  const timeProperty = declaration.timeProperty!;
  const previous = ctx.parent.typeState(type);
  const mark = options.full || options.live ? undefined : previous?.highWaterMark;
  const from = mark === undefined ? undefined : new Date(Date.parse(mark) - OVERLAP_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let highWaterMark = mark;
  async function* items(): AsyncGenerator<Item> {
    let done = 0;
    for await (const raw of ctx.graph.items<JsonObject>(declaration.path, {
      api: declaration.api, type,
      query: { $filter: from ? `${timeProperty} ge ${from}` : undefined, $top: declaration.pageSize },
      ...(declaration.headers ? { headers: declaration.headers } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
    })) {
      const document = cleanDocument(raw);
      const id = itemId(declaration, document);
      if (id === undefined) continue;
      const time = document[timeProperty];
      if (typeof time === 'string' && (highWaterMark === undefined || Date.parse(time) > Date.parse(highWaterMark))) highWaterMark = time;
      // A read changes nothing (the audit log records BitLocker key reads, our own included).
      if (!/^Read\b/i.test(String(document.activityDisplayName ?? ''))) for (const target of targetIds(document)) ctx.signals.add(target);
      const name = itemName(document);
      yield { type, id, document, ...(name ? { name } : {}) };
      if (++done % 1000 === 0) ctx.onItems(type, 1000);
    }
    ctx.onItems(type, done % 1000);
  }
  return {
    write: 'patch',
    mode: 'append',
    changes: items(),
    state: (): TypeState | undefined => (highWaterMark === undefined ? previous : { ...previous, highWaterMark }),
  };
}

/** Whether a complete read of the log (from the parent's mark) gives complete change signals. */
export function auditGivesSignals(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): boolean {
  return !options.full && !options.live && ctx.parent.typeState(declaration.name)?.highWaterMark !== undefined;
}
