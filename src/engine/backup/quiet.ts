/**
 * Quiet types: a list or singleton type whose every change an audit log records (`audited` in
 * its declaration: the directory audit log for Entra policies, roles, domains and the
 * organization; Intune's audit events for Intune) is not listed again while the log is quiet
 * about it. Graph has no delta query for any of them (facts §3.1), so without this every
 * incremental run lists each — most of a no-change run's requests.
 *
 * A type is quiet in an incremental run, and its items are carried from the parent unchanged,
 * when all of these hold:
 * - its audit log was read in this run, so the window reaches back past the type's last listing:
 *   each window starts 15 minutes before the previous read (read-audit.ts), or the whole log is
 *   read, and the type was listed after that read or was quiet then too;
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
  const listedAt = ctx.parent.typeState(type)?.listedAt;
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

/** The plan of a quiet type: no change against the parent, whose state it keeps. */
export function quietPlan(ctx: RunContext, declaration: ResourceDeclaration): TypePlan {
  const state = ctx.parent.typeState(declaration.name);
  return { write: 'patch', mode: 'quiet', changes: (async function* () {})(), state: () => state };
}

/** The state of a type listed in this run: the parent's, with the time the listing started. */
export function listedState(ctx: RunContext, declaration: ResourceDeclaration): () => TypeState {
  const previous = ctx.parent.typeState(declaration.name);
  const listedAt = new Date(ctx.connection.scheduler.clock.now()).toISOString();
  return () => ({ ...previous, listedAt });
}
