/**
 * Quiet types: a list or singleton type whose every change an audit log records (`audited` in
 * its declaration: the directory audit log for Entra policies, roles, domains and the
 * organization; Intune's audit events for Intune) is not listed again while the log is quiet
 * about it. Graph has no delta query for any of them (facts §3.1), so without this every
 * incremental run lists each — most of a no-change run's requests.
 *
 * A type is quiet in an incremental run, and its items are carried from the parent unchanged,
 * when all of these hold:
 * - its audit log was read in this run, and the previous read of the log was the one the type
 *   was last listed or found quiet with (`logReadAtMs`): each read starts 15 minutes before the
 *   previous one (read-audit.ts), or reads the whole log, so the windows cover every change since
 *   the type's items were last known — a run that read the log without the type (`--types`)
 *   breaks the chain;
 * - no record of the window, reads excepted, has a category the declaration does not name as
 *   unrelated (a record of an unknown category counts), and no record or delta round of this run
 *   names one of the type's items;
 * - the type was listed within `relistAfterMs` (default a day) by our clock, so anything the log
 *   does not record (an organization's licence plans) or records later than the window allows
 *   is found within a day.
 * `--full`, a live read, the first snapshot and a parent that lacks the type list it as usual.
 */
import type { ResourceDeclaration } from '../../connectors/index.js';
import type { RunContext, TypeState } from './context.js';
import type { ReadOptions, TypePlan } from './plan.js';

export const RELIST_AFTER_MS = 24 * 3_600_000;

/** Whether the type need not be listed in this run (see the overview). */
export async function isQuiet(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<boolean> {
  const type = declaration.name;
  const audited = declaration.audited;
  if (!audited || options.full || options.live || !ctx.signals.logsRead.has(audited.log)) return false;
  if (!ctx.parent.hasType(type) || ctx.parent.snapshot?.types[type]?.absent !== undefined) return false;
  const previous = ctx.parent.typeState(type);
  if (previous?.logReadAtMs !== ctx.parent.typeState(audited.log)?.readAtMs) return false;
  const listedAt = previous?.listedAt;
  const age = listedAt === undefined ? NaN : ctx.connection.scheduler.clock.now() - Date.parse(listedAt);
  // A clock that went back (negative age) proves nothing.
  if (!(age >= 0 && age < (ctx.settings.relistAfterMs ?? RELIST_AFTER_MS))) return false;
  const unrelated = new Set<string>(audited.unrelated);
  for (const category of ctx.signals.categories(audited.log)) if (!unrelated.has(category)) return false;
  if (ctx.signals.size > 0) {
    for await (const entry of ctx.parent.entries(type)) if (ctx.signals.has(entry.id)) return false;
  }
  return true;
}

/** The `readAtMs` the log's state holds after this run: this run's read, or the parent's. */
function logReadAtMs(ctx: RunContext, declaration: ResourceDeclaration): number | undefined {
  const log = declaration.audited?.log;
  if (log === undefined) return undefined;
  return ctx.signals.logsRead.has(log) ? ctx.signals.logsRead.get(log) : ctx.parent.typeState(log)?.readAtMs;
}

/** The plan of a quiet type: no change against the parent, whose state it keeps, checked against this run's log read. */
export function quietPlan(ctx: RunContext, declaration: ResourceDeclaration): TypePlan {
  const previous = ctx.parent.typeState(declaration.name);
  return { write: 'patch', mode: 'quiet', changes: (async function* () {})(), state: () => ({ ...previous, logReadAtMs: logReadAtMs(ctx, declaration) }) };
}

/**
 * The state of a type listed in this run: the parent's, with the time the listing started and,
 * for an audited type, the log read it follows (the logs are read before any listing).
 */
export function listedState(ctx: RunContext, declaration: ResourceDeclaration): () => TypeState {
  const previous = ctx.parent.typeState(declaration.name);
  const listedAt = new Date(ctx.connection.scheduler.clock.now()).toISOString();
  return () => ({ ...previous, listedAt, logReadAtMs: logReadAtMs(ctx, declaration) });
}
