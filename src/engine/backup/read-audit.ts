/**
 * Append-only logs (the directory audit log): read by time window from the parent snapshot's
 * high-water mark, added to the snapshot as items keyed by record id, never deleted by a backup.
 *
 * Retention rule: a snapshot holds every record its backup read plus every record its parent
 * held, so records outlive Graph's own retention (30 days for directory audits) for as long as
 * snapshots keep them; `forget` + `prune` of old snapshots does not remove them from newer ones.
 *
 * The window starts `OVERLAP_MS` before the service time of the previous read, because records
 * can appear in the log some time after their `activityDateTime` [I]; records read twice are the
 * same item and stay unchanged. That service time is known only from below: the newest record
 * returned, and after a quiet spell that bound plus the time our own clock measured between reads
 * (`settledAt`) — durations, never our absolute time, so clock skew cannot skip records. `--full`
 * reads everything the service still keeps.
 *
 * The records are also the change signals for sub-resources Graph reports no changes of
 * (owners, app-role assignments, registered owners, …): every target resource of a record read
 * from the parent's mark is signalled, and the signals are complete when the parent had a mark.
 * Their categories tell which audited types may have changed (quiet.ts).
 */
import type { ResourceDeclaration } from '../../connectors/index.js';
import type { Item } from '../../repository/index.js';
import type { RunContext, TypeState } from './context.js';
import { cleanDocument, isObject, itemId, itemName, type JsonObject } from './documents.js';
import type { ReadOptions, TypePlan } from './plan.js';

/** How far before the high-water mark each window starts [I]. */
export const OVERLAP_MS = 15 * 60_000;

/** The ids a record names: a directory record's target resources, an Intune event's resources. */
function targetIds(record: JsonObject): string[] {
  const targets = record.targetResources ?? record.resources;
  if (!Array.isArray(targets)) return [];
  return targets.filter(isObject).map((t) => t.id ?? t.resourceId).filter((id): id is string => typeof id === 'string' && id.length > 0);
}

/**
 * A read changes nothing: the directory log records BitLocker key reads (`Read BitLocker key`,
 * our own included); Intune's names an operation type (`Get`, `Create`, `Patch`, `Delete`, `Action`).
 */
function isRead(record: JsonObject): boolean {
  return /^(Read|Get)\b/i.test(String(record.activityDisplayName ?? record.activityType ?? '')) || record.activityOperationType === 'Get';
}

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const iso = (t: number): string => new Date(t).toISOString();

export async function readAppendOnlyType(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<TypePlan> {
  const type = declaration.name;
  const timeProperty = declaration.timeProperty!;
  const previous = ctx.parent.typeState(type);
  const incremental = !options.full && !options.live && previous?.highWaterMark !== undefined;
  const readAtMs = ctx.connection.scheduler.clock.now();
  // How far the service's clock had got, at least, when the previous read started: the newest
  // record it returned, or the bound before that plus the time our clock measured since — so a
  // quiet log does not keep the last records of a busy hour inside the window for ever. A read
  // of everything still measures from it: the bound holds whatever this read asks for.
  const known = previous?.highWaterMark === undefined ? undefined : Math.max(ms(previous.highWaterMark)!, ms(previous.settledAt) ?? -Infinity);
  const settled = incremental ? known : undefined;
  const from = settled === undefined ? undefined : iso(settled - OVERLAP_MS).replace(/\.\d{3}Z$/, 'Z');
  let highWaterMark = incremental ? previous.highWaterMark : undefined;
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
      if (!isRead(document)) {
        for (const target of targetIds(document)) ctx.signals.add(target);
        ctx.signals.categories(type).add(typeof document.category === 'string' ? document.category : '');
      }
      const name = itemName(document);
      yield { type, id, document, ...(name ? { name } : {}) };
      if (++done % 1000 === 0) ctx.onItems(type, 1000);
    }
    ctx.onItems(type, done % 1000);
  }
  const state = (): TypeState | undefined => {
    if (highWaterMark === undefined) return previous;
    const elapsed = previous?.readAtMs !== undefined && known !== undefined ? Math.max(0, readAtMs - previous.readAtMs) : 0;
    const bound = Math.max(ms(highWaterMark)!, known === undefined ? -Infinity : known + elapsed);
    return { ...previous, highWaterMark, settledAt: iso(bound), readAtMs };
  };
  return { write: 'patch', mode: 'append', changes: items(), state };
}

/** Whether a complete read of the log (from the parent's mark) gives complete change signals. */
export function auditGivesSignals(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): boolean {
  return !options.full && !options.live && ctx.parent.typeState(declaration.name)?.highWaterMark !== undefined;
}
