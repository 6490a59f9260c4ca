/**
 * Small helpers shared by the family generators: JSON types, dates relative to the generation
 * time, distinct picks from the directory, base64 script bodies and size scaling.
 *
 * Everything is deterministic for a given `Random` stream; nothing reads the wall clock.
 */
import { createRandom, type Random } from '../../random.js';
import type { FamilyContext, GroupRef, TenantSizeClass } from '../context.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
/** A generated Graph entity: plain JSON with a string id. */
export type GraphEntity = JsonObject & { id: string };

export const DAY_MS = 86_400_000;

/** ISO timestamp `days` (fractional allowed) before the generation time, with Graph's 7 fractional digits. */
export function daysAgo(ctx: FamilyContext, days: number): string {
  return isoWith7(ctx.nowMs - Math.round(days * DAY_MS));
}

/** `2024-05-01T10:00:00.1230000Z`: Graph writes timestamps with seven fractional digits. */
export function isoWith7(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000Z');
}

/** A random timestamp within the last `maxDays` days (and at least `minDays` ago). */
export function randomPast(ctx: FamilyContext, random: Random, maxDays: number, minDays = 0): string {
  return daysAgo(ctx, minDays + random.next() * (maxDays - minDays));
}

/** `n` distinct values produced by `draw`, giving up after a bounded number of attempts. */
export function distinct<T>(n: number, draw: () => T, key: (t: T) => string = String): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (let attempts = 0; out.length < n && attempts < n * 20; attempts++) {
    const item = draw();
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

/** Security and Microsoft 365 groups: what policies and assignments target. One function object, so pickers can cache by it. */
export const TARGETABLE_GROUP = (g: GroupRef): boolean => g.kind === 'security' || g.kind === 'unified';

const targetablePools = new WeakMap<FamilyContext, GroupRef[]>();

/**
 * The context's targetable groups, collected once per context: a filtered `pickGroup` may rescan
 * every group on each call, which costs seconds for the 20,000 groups of a large tenant.
 */
export function targetableGroups(ctx: FamilyContext): readonly GroupRef[] {
  let pool = targetablePools.get(ctx);
  if (!pool) {
    pool = [];
    for (const g of ctx.groups()) if (TARGETABLE_GROUP(g)) pool.push(g);
    targetablePools.set(ctx, pool);
  }
  return pool;
}

/** A random targetable group of the context (falls back to any group when none is targetable). */
export function pickTargetableGroup(ctx: FamilyContext, random: Random): GroupRef {
  const pool = targetableGroups(ctx);
  return pool.length > 0 ? random.pick(pool) : ctx.pickGroup(undefined, random);
}

/** Distinct IDs of targetable groups. */
export function pickGroupIds(ctx: FamilyContext, random: Random, n: number): string[] {
  return distinct(n, () => pickTargetableGroup(ctx, random).id);
}

export function pickUserIds(ctx: FamilyContext, random: Random, n: number): string[] {
  return distinct(n, () => ctx.pickUser(random).id);
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Scales a count by tenant size: `[small, medium, large]`, interpolated for custom sizes by user count. */
export function bySize(ctx: FamilyContext, counts: readonly [number, number, number]): number {
  const size: TenantSizeClass | 'custom' = ctx.size;
  if (size === 'small') return counts[0];
  if (size === 'medium') return counts[1];
  if (size === 'large') return counts[2];
  const users = ctx.counts.users;
  if (users <= 50) return counts[0];
  if (users <= 2_000) return Math.round(counts[0] + ((counts[1] - counts[0]) * (users - 50)) / 1_950);
  return Math.round(counts[1] + ((counts[2] - counts[1]) * Math.min(users - 2_000, 98_000)) / 98_000);
}

/**
 * A GUID that depends only on `label`, for objects whose IDs are the same in every tenant
 * (Intune built-in roles). Not Microsoft's real IDs.
 */
export function fixedGuid(label: string): string {
  return createRandom(`tenant-vault/builtin/${label}`).uuid();
}

export function odataType(name: string): string {
  return `#microsoft.graph.${name}`;
}
