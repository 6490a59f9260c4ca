/**
 * Forgetting snapshots while keeping every item version's range right.
 *
 * A version is current in the snapshots of its profile with `first_seq <= seq <= last_seq`
 * (open-ended while `last_seq` is NULL). When snapshots go:
 * 1. a version none of whose snapshots remains is deleted — only versions that start in a removed
 *    snapshot can be such, because `first_seq` always names an existing snapshot;
 * 2. ranges are tightened so `first_seq` and `last_seq` again name existing snapshots;
 * 3. two versions of an item with the same blob that have become neighbours (the snapshots that
 *    told them apart are gone — say a partial snapshot in which a type was missing) are merged
 *    into one, as a diff between the remaining snapshots would see no change;
 * 4. if the profile's newest snapshots went, the versions current in the newest remaining one are
 *    reopened (`last_seq` NULL), because the next snapshot will be recorded relative to it.
 * The result holds the same versions with the same ranges as a rebuild from the remaining
 * snapshots would; only the sequence numbers keep their gaps (a rebuild renumbers them).
 *
 * Runs inside the caller's write transaction. Unknown IDs are ignored, so a retried forget is
 * harmless.
 */
import { sql, type SqlBool } from 'kysely';
import type { Trx } from './context.js';
import { throwIfAborted } from './errors.js';
import type { CallOptions, RemoveResult } from './port.js';
import { toNumber } from './schema.js';

const CHUNK = 500;

function chunks<T>(values: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** The version has no remaining snapshot of its profile inside its range. */
const uncovered = sql<SqlBool>`not exists (
  select 1 from snapshots s
  where s.profile = item_versions.profile
    and s.seq >= item_versions.first_seq
    and (item_versions.last_seq is null or s.seq <= item_versions.last_seq))`;

export async function forgetSnapshots(trx: Trx, ids: readonly string[], options: CallOptions = {}): Promise<RemoveResult> {
  const seqsByProfile = new Map<string, number[]>();
  let snapshots = 0;
  for (const chunk of chunks([...new Set(ids)])) {
    throwIfAborted(options.signal);
    const rows = await trx.selectFrom('snapshots').select(['id', 'profile', 'seq']).where('id', 'in', chunk).execute();
    for (const row of rows) {
      const seqs = seqsByProfile.get(row.profile) ?? [];
      seqs.push(row.seq);
      seqsByProfile.set(row.profile, seqs);
    }
    if (rows.length > 0) {
      await trx.deleteFrom('snapshots').where('id', 'in', rows.map((r) => r.id)).execute();
      snapshots += rows.length;
    }
  }

  let versions = 0;
  for (const [profile, removed] of seqsByProfile) {
    for (const seqs of chunks(removed)) {
      throwIfAborted(options.signal);
      const deleted = await trx
        .deleteFrom('item_versions')
        .where('profile', '=', profile)
        .where('first_seq', 'in', seqs)
        .where(uncovered)
        .executeTakeFirst();
      versions += toNumber(deleted.numDeletedRows);
    }
    for (const seqs of chunks(removed)) {
      throwIfAborted(options.signal);
      await sql`update item_versions
        set first_seq = (select min(s.seq) from snapshots s where s.profile = item_versions.profile and s.seq >= item_versions.first_seq)
        where profile = ${profile} and first_seq in (${sql.join(seqs)})`.execute(trx);
      await sql`update item_versions
        set last_seq = (select max(s.seq) from snapshots s where s.profile = item_versions.profile and s.seq <= item_versions.last_seq)
        where profile = ${profile} and last_seq in (${sql.join(seqs)})`.execute(trx);
    }
    const remaining = (await trx.selectFrom('snapshots').select('seq').where('profile', '=', profile).orderBy('seq').execute()).map((r) => r.seq);
    for (const [before, after] of newNeighbours(remaining, removed)) {
      throwIfAborted(options.signal);
      versions += await mergeAcross(trx, profile, before, after);
    }
    const newest = remaining.at(-1);
    if (newest !== undefined) {
      await trx.updateTable('item_versions').set({ last_seq: null }).where('profile', '=', profile).where('last_seq', '=', newest).execute();
    }
  }
  return { snapshots, versions };
}

/** Pairs of remaining snapshots (ascending seqs) that had removed snapshots between them. */
function newNeighbours(remaining: readonly number[], removed: readonly number[]): [number, number][] {
  const pairs = new Map<number, number>();
  for (const seq of removed) {
    // The first remaining seq above the removed one; its predecessor is the one below.
    let lo = 0;
    let hi = remaining.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((remaining[mid] ?? Infinity) < seq) lo = mid + 1;
      else hi = mid;
    }
    const before = remaining[lo - 1];
    const after = remaining[lo];
    if (before !== undefined && after !== undefined) pairs.set(before, after);
  }
  // Ascending, so chains (a|b removed|c removed|d, all one blob) merge step by step.
  return [...pairs].sort((x, y) => x[0] - y[0]);
}

/**
 * Merges each version ending at `before` with the version of the same item starting at `after`
 * when both hold the same blob: the later one is deleted and the earlier one takes its end.
 */
async function mergeAcross(trx: Trx, profile: string, before: number, after: number): Promise<number> {
  const pairs = await trx
    .selectFrom('item_versions as a')
    .innerJoin('item_versions as b', (join) =>
      join.onRef('b.profile', '=', 'a.profile').onRef('b.type', '=', 'a.type').onRef('b.item_id', '=', 'a.item_id').onRef('b.blob_id', '=', 'a.blob_id'),
    )
    .select(['a.id as keep', 'b.id as drop', 'b.last_seq as last'])
    .where('a.profile', '=', profile)
    .where('a.last_seq', '=', before)
    .where('b.first_seq', '=', after)
    .execute();
  for (const chunk of chunks(pairs)) {
    // Delete first: extending a version to "open" while the later one is still open would break
    // the one-current-version-per-item index.
    await trx.deleteFrom('item_versions').where('id', 'in', chunk.map((p) => p.drop)).execute();
    const byLast = new Map<number | null, (number | string)[]>();
    for (const p of chunk) {
      const keep = byLast.get(p.last) ?? [];
      keep.push(p.keep);
      byLast.set(p.last, keep);
    }
    for (const [last, keep] of byLast) {
      await trx.updateTable('item_versions').set({ last_seq: last }).where('id', 'in', keep).execute();
    }
  }
  return pairs.length;
}
