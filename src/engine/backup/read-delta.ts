/**
 * Types with a Graph delta query (users, groups with `members@delta`, applications, service
 * principals, directory roles, administrative units, oauth2PermissionGrants, devices — facts §3).
 *
 * - With the parent's delta link: one delta round, folded per object (fold.ts), then written as
 *   changes: updates are merged onto the parent's document (delta sends at least the changed
 *   properties, facts §3.2), relationship additions and removals onto its lists, `@removed`
 *   objects (soft or hard deleted, facts §3.3) are deletions. Sub-resources are read again for
 *   changed items as their read mode says; `everyRun` ones also for unchanged items the change
 *   signals name (or all of them when there are no signals).
 * - Without one, with `--full`, or when the link expired (DELTA_EXPIRED: `syncStateNotFound` or
 *   410, facts §3.4 — a warning says so): a full round written as the complete listing, with
 *   every sub-resource read (through `$expand` listings where the collection allows).
 *
 * Every object an incremental round reports is a change signal for the other types (a
 * distribution group's members are read again when its Entra group changed); a full round with a
 * parent snapshot makes the signals incomplete for the rest of the run.
 */
import { isTenantVaultError, TenantVaultError } from '../../errors/index.js';
import { allResources, type ResourceDeclaration, type SubResourceSpec } from '../../connectors/index.js';
import type { Item, ItemDeletion } from '../../repository/index.js';
import type { RunContext, TypeState } from './context.js';
import { foldDeltaObject, type JsonObject } from './documents.js';
import { DeltaFold } from './fold.js';
import { deletion, type ReadOptions, type TypePlan } from './plan.js';
import type { BulkValues } from './bulk-values.js';
import { bulkExpand, completeItems, plannedReads, readableSubs, subEnabled, type Pending } from './sub-reads.js';

/** Objects per delta page we ask for; the service may send fewer (facts §2.1). */
const DELTA_PAGE = 999;

interface Round {
  readonly fold: DeltaFold;
  readonly deltaLink: string;
}

function deltaHeaders(declaration: ResourceDeclaration): Record<string, string> {
  return { ...declaration.headers, Prefer: `odata.maxpagesize=${DELTA_PAGE}` };
}

async function runRound(ctx: RunContext, declaration: ResourceDeclaration, from: string, initial: boolean): Promise<Round> {
  const fold = new DeltaFold(ctx.settings.tempDir);
  try {
    let deltaLink: string | undefined;
    let seen = 0;
    // Owned types (BitLocker keys of devices) need each changed owner's key.
    const ownerKey = ownedKeyOf(declaration.name);
    if (ownerKey !== undefined && initial) ctx.owners(declaration.name).full = true;
    const query = initial && declaration.select ? { $select: declaration.select.join(',') } : undefined;
    for await (const event of ctx.graph.delta<JsonObject>(from, {
      api: declaration.api, type: declaration.name, headers: deltaHeaders(declaration),
      ...(query ? { query } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
    })) {
      if (event.kind === 'deltaLink') {
        deltaLink = event.url;
        continue;
      }
      fold.add(event);
      // A full round reports every object: no signal in that (and nothing kept in memory for it).
      if (initial) continue;
      const id = event.kind === 'upsert' ? String(event.item.id) : event.id;
      ctx.signals.add(id);
      if (ownerKey !== undefined) {
        const owners = ctx.owners(declaration.name);
        if (event.kind === 'removed') owners.removed.add(id);
        else if (typeof event.item[ownerKey] === 'string') owners.keys.set(id, event.item[ownerKey] as string);
      }
      if (++seen % 1000 === 0) ctx.onItems(declaration.name, 0);
    }
    if (!deltaLink) throw new TenantVaultError('SERVICE_ERROR', `The delta round of ${declaration.name} ended without a delta link`);
    return { fold, deltaLink };
  } catch (err) {
    fold.close();
    throw err;
  }
}

/** The property owned types refer to this type by (`deviceId` for BitLocker keys), if any. */
function ownedKeyOf(type: string): string | undefined {
  return allResources().find((d) => d.ownedBy?.type === type)?.ownedBy?.key;
}

/** Sub-resources to take from `$expand` listings because every item needs them. */
function bulkSubs(ctx: RunContext, declaration: ResourceDeclaration, all: boolean): SubResourceSpec[] {
  return readableSubs(declaration).filter((sub) => sub.bulkExpand && subEnabled(ctx, declaration, sub)
    && (all || (sub.read === 'everyRun' && !ctx.signalsCover(declaration.name))));
}

export async function readDeltaType(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<TypePlan> {
  const previous = ctx.parent.typeState(declaration.name);
  const now = new Date(ctx.connection.scheduler.clock.now()).toISOString();
  if (!options.full && !options.live && previous?.deltaLink && ctx.parent.hasType(declaration.name)) {
    try {
      const round = await runRound(ctx, declaration, previous.deltaLink, false);
      return incrementalPlan(ctx, declaration, round, { ...previous, deltaLink: round.deltaLink });
    } catch (err) {
      if (!isTenantVaultError(err, 'DELTA_EXPIRED')) throw err;
      ctx.warnings.add({
        type: declaration.name, code: err.code,
        message: `The delta link of ${declaration.name} expired (${String(err.details?.graphMessage ?? err.message)}); it was read in full again`,
        hint: 'Delta links live 7 days (facts §3.4): back up at least weekly to stay incremental.',
      });
    }
  }
  const path = declaration.deltaPath ?? `${declaration.path}/delta`;
  // Every object of this type may have changed since the parent: signals no longer tell other
  // types (distribution-group members follow their Entra group) which ones.
  if (ctx.parent.snapshot) ctx.signals.available = false;
  const round = await runRound(ctx, declaration, path, true);
  return fullPlan(ctx, declaration, round, { deltaLink: round.deltaLink, fullAt: now });
}

function fullPlan(ctx: RunContext, declaration: ResourceDeclaration, round: Round, state: TypeState): TypePlan {
  async function* items(): AsyncGenerator<Item> {
    try {
      const subs = bulkSubs(ctx, declaration, true);
      const bulk: BulkValues | undefined = subs.length > 0 ? await bulkExpand(ctx, declaration, subs) : undefined;
      async function* pending(): AsyncGenerator<Pending> {
        for (const change of round.fold.rows()) {
          if (change.kind !== 'upsert') continue;
          const document = foldDeltaObject(declaration, undefined, change.item);
          const planned = plannedReads(ctx, declaration, change.id, document, { isNew: true, changed: true, previous: undefined });
          yield { id: change.id, ...planned };
        }
      }
      try {
        yield* completeItems(ctx, declaration, pending(), bulk);
      } finally {
        bulk?.close();
      }
    } finally {
      round.fold.close();
    }
  }
  return { write: 'replace', mode: 'delta-full', items: items(), state: () => state };
}

function incrementalPlan(ctx: RunContext, declaration: ResourceDeclaration, round: Round, state: TypeState): TypePlan {
  const type = declaration.name;
  const refreshSubs = readableSubs(declaration).filter((sub) => sub.read === 'everyRun' && subEnabled(ctx, declaration, sub));
  async function* changes(): AsyncGenerator<Item | ItemDeletion> {
    try {
      for (const change of round.fold.rows()) if (change.kind === 'removed') yield deletion(type, change.id);
      const subs = bulkSubs(ctx, declaration, false);
      const bulk: BulkValues | undefined = subs.length > 0 ? await bulkExpand(ctx, declaration, subs) : undefined;
      async function* pending(): AsyncGenerator<Pending> {
        for (const change of round.fold.rows()) {
          if (change.kind !== 'upsert') continue;
          const previous = await ctx.parent.document(type, change.id);
          const document = foldDeltaObject(declaration, previous, change.item);
          const planned = plannedReads(ctx, declaration, change.id, document, { isNew: previous === undefined, changed: true, previous });
          yield { id: change.id, ...planned };
        }
        if (refreshSubs.length === 0) return;
        // Unchanged items whose `everyRun` sub-resources may have changed: the signalled ones,
        // or every one when nothing tells us which.
        if (ctx.signalsCover(type)) {
          for (const id of ctx.signals.ids()) {
            if (round.fold.has(id)) continue;
            const previous = await ctx.parent.document(type, id);
            if (!previous) continue;
            const planned = plannedReads(ctx, declaration, id, previous, { isNew: false, changed: false, previous });
            if (planned.reads.length > 0) yield { id, ...planned };
          }
          return;
        }
        for await (const entry of ctx.parent.entries(type)) {
          if (round.fold.has(entry.id)) continue;
          const previous = await ctx.parent.read(entry);
          if (!previous) continue;
          const planned = plannedReads(ctx, declaration, entry.id, previous, { isNew: false, changed: false, previous });
          if (planned.reads.length > 0) yield { id: entry.id, ...planned };
        }
      }
      try {
        yield* completeItems(ctx, declaration, pending(), bulk);
      } finally {
        bulk?.close();
      }
    } finally {
      round.fold.close();
    }
  }
  return { write: 'patch', mode: 'delta', changes: changes(), state: () => state };
}
