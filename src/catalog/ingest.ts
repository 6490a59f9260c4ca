/**
 * Recording a snapshot: one row in `snapshots`, then the item changes streamed in batches.
 * An `added` or `changed` item opens a version starting at the new snapshot; a `changed` or
 * `removed` item closes the item's current version at the previous snapshot. Items that did not
 * change are not touched, so rows grow with changes, not with snapshots (DESIGN invariant 5).
 *
 * Guarantees: runs inside the caller's write transaction (so it is all-or-nothing); refuses a
 * snapshot from another repository, one older than the profile's latest, one whose declared base
 * is not the profile's latest, and any change the catalog's state contradicts (an `added` item that
 * is already current, a `changed`/`removed` item that is not) — each of these means the catalog
 * and the repository disagree, and the hint says to rebuild. It never holds more than one batch
 * of changes in memory.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { TenantVaultError } from '../errors/index.js';
import type { CatalogContext, Trx } from './context.js';
import { guardSource, throwIfAborted } from './errors.js';
import { analyzeIfStale } from './statistics.js';
import type { CatalogItemChange, CatalogSnapshot, RecordOptions, RecordResult } from './port.js';
import { toNumber, type Dialect } from './schema.js';

/** Changes written per statement: ~4 500 parameters, well inside SQLite's 32 766 and Postgres's 65 535. */
export const INGEST_BATCH = 500;

const REBUILD_HINT = 'The catalog and the repository disagree. Run `tenant-vault catalog rebuild` to recreate the catalog from the repository.';

interface NormalisedSnapshot {
  readonly id: string;
  readonly repositoryId: string;
  readonly profile: string;
  readonly time: string;
  readonly parent: string | null;
  readonly state: 'complete' | 'partial';
  readonly tags: string;
  readonly summary: string;
}

function invalid(message: string): TenantVaultError {
  // The engine or the repository adapter broke the contract: a bug, not a user mistake.
  return new TenantVaultError('INTERNAL', `Catalog: ${message}`);
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function normaliseSnapshot(snapshot: CatalogSnapshot): NormalisedSnapshot {
  const id = nonEmpty(snapshot.id, 'snapshot id');
  const millis = Date.parse(snapshot.time);
  if (Number.isNaN(millis)) throw invalid(`snapshot ${id} has an invalid time ${JSON.stringify(snapshot.time)}`);
  const state = snapshot.state ?? 'complete';
  if (state !== 'complete' && state !== 'partial') throw invalid(`snapshot ${id} has an invalid state ${JSON.stringify(state)}`);
  return {
    id,
    repositoryId: nonEmpty(snapshot.repositoryId, 'snapshot repositoryId'),
    profile: nonEmpty(snapshot.profile, 'snapshot profile'),
    time: new Date(millis).toISOString(),
    parent: snapshot.parent ?? null,
    state,
    tags: JSON.stringify(snapshot.tags ?? []),
    summary: JSON.stringify(snapshot.summary ?? {}),
  };
}

function checkChange(change: CatalogItemChange, snapshotId: string): void {
  nonEmpty(change.type, `change type in snapshot ${snapshotId}`);
  nonEmpty(change.id, `change id in snapshot ${snapshotId}`);
  if (change.kind !== 'added' && change.kind !== 'changed' && change.kind !== 'removed') {
    throw invalid(`change ${change.type}/${change.id} in snapshot ${snapshotId} has an invalid kind ${JSON.stringify(change.kind)}`);
  }
  if (change.kind !== 'removed') nonEmpty(change.blobId, `blobId of ${change.kind} item ${change.type}/${change.id}`);
  if (change.size !== undefined && !(Number.isSafeInteger(change.size) && change.size >= 0)) {
    throw invalid(`size of ${change.type}/${change.id} must be a non-negative integer, got ${change.size}`);
  }
}

/** Checks (and on first use sets) the repository this catalog indexes. */
export async function claimRepository(trx: Trx, repositoryId: string, ctx: CatalogContext): Promise<void> {
  const row = await trx.selectFrom('catalog_meta').select('value').where('key', '=', 'repository_id').executeTakeFirst();
  if (row === undefined) {
    await trx.insertInto('catalog_meta').values({ key: 'repository_id', value: repositoryId }).execute();
  } else if (row.value !== repositoryId) {
    throw new TenantVaultError('CATALOG_ERROR', `The catalog at ${ctx.location} indexes repository ${row.value}, not ${repositoryId}`, {
      hint: 'Use one catalog per repository: point --catalog at another location, or run `tenant-vault catalog rebuild` to re-index this one for the new repository.',
      details: { catalogRepository: row.value, repository: repositoryId },
    });
  }
}

/**
 * `id, type, item_id` of the versions of these items in `profile` that satisfy `condition`
 * (written against alias `w`; it must select at most one version per item).
 *
 * Dialect-specific because of Postgres's planner: inside the transaction that loads a profile the
 * table has no statistics, the default selectivities estimate one row, and an `IN (VALUES …)`
 * semi-join then scans every current version once per item — seconds per batch. A LATERAL
 * subquery with LIMIT cannot be flattened, so each item is one index probe whatever the
 * statistics say. SQLite plans the `IN (VALUES …)` form as index probes by itself and has no LATERAL.
 */
function versionsOf(dialect: Dialect, profile: string, items: readonly CatalogItemChange[], condition: RawBuilder<SqlBool>): RawBuilder<VersionKey> {
  const values = sql.join(items.map((c) => sql`(${c.type}, ${c.id})`));
  if (dialect === 'postgres') {
    return sql<VersionKey>`select o.id, o.type, o.item_id from (values ${values}) as x(type, item_id) cross join lateral (
      select w.id, w.type, w.item_id from item_versions w
      where w.profile = ${profile} and w.type = x.type and w.item_id = x.item_id and ${condition} limit 1) as o`;
  }
  return sql<VersionKey>`select w.id, w.type, w.item_id from item_versions w
    where w.profile = ${profile} and (w.type, w.item_id) in (values ${values}) and ${condition}`;
}

interface VersionKey {
  id: number | string;
  type: string;
  item_id: string;
}

function keyOf(item: { type: string; id: string }): string {
  return `${item.type}\u0000${item.id}`;
}

function itemList(changes: readonly { type: string; id: string }[], max = 5): string {
  const shown = changes.slice(0, max).map((c) => `${c.type}/${c.id}`).join(', ');
  return changes.length > max ? `${shown} and ${changes.length - max} more` : shown;
}

/** Records one snapshot inside `trx`, which must hold the write lock. */
export async function ingestSnapshot(
  trx: Trx,
  ctx: CatalogContext,
  input: CatalogSnapshot,
  changes: AsyncIterable<CatalogItemChange>,
  options: RecordOptions = {},
): Promise<RecordResult> {
  throwIfAborted(options.signal);
  const snapshot = normaliseSnapshot(input);
  await claimRepository(trx, snapshot.repositoryId, ctx);

  const existing = await trx.selectFrom('snapshots').select('seq').where('id', '=', snapshot.id).executeTakeFirst();
  if (existing !== undefined) return { recorded: false, seq: existing.seq, added: 0, changed: 0, removed: 0 };

  const latest = await trx
    .selectFrom('snapshots')
    .select(['id', 'seq', 'time'])
    .where('profile', '=', snapshot.profile)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();

  if (options.base !== undefined && options.base !== (latest?.id ?? null)) {
    throw new TenantVaultError(
      'CATALOG_ERROR',
      `Snapshot ${snapshot.id} of profile ${snapshot.profile} is relative to ${options.base ?? 'no snapshot'}, ` +
        `but the catalog's latest snapshot of that profile is ${latest?.id ?? 'none'}`,
      { hint: REBUILD_HINT, details: { snapshot: snapshot.id, profile: snapshot.profile, base: options.base, latest: latest?.id ?? null } },
    );
  }
  if (latest !== undefined && (snapshot.time < latest.time || (snapshot.time === latest.time && snapshot.id < latest.id))) {
    throw new TenantVaultError(
      'CATALOG_ERROR',
      `Snapshot ${snapshot.id} of profile ${snapshot.profile} (${snapshot.time}) is older than the latest snapshot the catalog holds for it, ` +
        `${latest.id} (${latest.time}); snapshots of a profile must be recorded in time order`,
      { hint: 'Run `tenant-vault catalog rebuild` to recreate the catalog from the repository in time order.', details: { snapshot: snapshot.id, latest: latest.id } },
    );
  }

  const seq = (latest?.seq ?? 0) + 1;
  const prevSeq = latest?.seq;
  await trx
    .insertInto('snapshots')
    .values({
      id: snapshot.id,
      profile: snapshot.profile,
      seq,
      time: snapshot.time,
      parent: snapshot.parent,
      state: snapshot.state,
      tags: snapshot.tags,
      summary: snapshot.summary,
    })
    .execute();

  const counts = { added: 0, changed: 0, removed: 0 };
  let batch: CatalogItemChange[] = [];
  const flush = async (): Promise<void> => {
    throwIfAborted(options.signal);
    await applyBatch(trx, ctx.dialect, snapshot, seq, prevSeq, batch);
    batch = [];
  };
  for await (const change of guardSource(changes)) {
    checkChange(change, snapshot.id);
    counts[change.kind] += 1;
    batch.push(change);
    if (batch.length >= INGEST_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  throwIfAborted(options.signal);
  // Closing and opening versions both change rows.
  await analyzeIfStale(trx, ctx.dialect, counts.added + 2 * counts.changed + counts.removed);
  return { recorded: true, seq, ...counts };
}

async function applyBatch(
  trx: Trx,
  dialect: Dialect,
  snapshot: NormalisedSnapshot,
  seq: number,
  prevSeq: number | undefined,
  batch: readonly CatalogItemChange[],
): Promise<void> {
  const seen = new Set<string>();
  for (const c of batch) {
    if (seen.has(keyOf(c))) {
      throw new TenantVaultError('CATALOG_ERROR', `Snapshot ${snapshot.id} of profile ${snapshot.profile} reports item ${c.type}/${c.id} twice`, { hint: REBUILD_HINT });
    }
    seen.add(keyOf(c));
  }

  const closing = batch.filter((c) => c.kind !== 'added');
  if (closing.length > 0) {
    if (prevSeq === undefined) {
      throw new TenantVaultError('CATALOG_ERROR', `Snapshot ${snapshot.id} is the first of profile ${snapshot.profile} but reports ${closing[0]?.kind} items: ${itemList(closing)}`, {
        hint: REBUILD_HINT,
      });
    }
    // `first_seq < seq` keeps a version opened by this very snapshot from being closed again.
    const open = versionsOf(dialect, snapshot.profile, closing, sql<SqlBool>`w.last_seq is null and w.first_seq < ${seq}`);
    const result = await sql`update item_versions set last_seq = ${prevSeq} where id in (select t.id from (${open}) as t)`.execute(trx);
    if (toNumber(result.numAffectedRows ?? 0n) !== closing.length) {
      const closed = await sql<VersionKey>`${versionsOf(dialect, snapshot.profile, closing, sql<SqlBool>`w.last_seq = ${prevSeq}`)}`.execute(trx);
      const found = new Set(closed.rows.map((r) => keyOf({ type: r.type, id: r.item_id })));
      const missing = closing.filter((c) => !found.has(keyOf(c)));
      throw new TenantVaultError(
        'CATALOG_ERROR',
        `Snapshot ${snapshot.id} of profile ${snapshot.profile} reports items as changed or removed that the catalog does not hold as current: ${itemList(missing)}`,
        { hint: REBUILD_HINT, details: { snapshot: snapshot.id, items: missing.slice(0, 20).map((c) => `${c.type}/${c.id}`) } },
      );
    }
  }

  const opening = batch.filter((c) => c.kind !== 'removed');
  if (opening.length > 0) {
    // The one-current-version index turns an `added` item the catalog already holds into a
    // skipped row (rather than an error that would leave the Postgres transaction unusable).
    const inserted = await trx
      .insertInto('item_versions')
      .values(
        opening.map((c) => ({
          profile: snapshot.profile,
          type: c.type,
          item_id: c.id,
          first_seq: seq,
          last_seq: null,
          blob_id: c.blobId ?? '',
          name: c.name ?? '',
          name_lower: (c.name ?? '').toLowerCase(),
          size: c.size ?? null,
        })),
      )
      .onConflict((oc) => oc.columns(['profile', 'type', 'item_id']).where('last_seq', 'is', null).doNothing())
      .returning(['type', 'item_id'])
      .execute();
    if (inserted.length !== opening.length) {
      const done = new Set(inserted.map((r) => keyOf({ type: r.type, id: r.item_id })));
      const present = opening.filter((c) => !done.has(keyOf(c)));
      throw new TenantVaultError(
        'CATALOG_ERROR',
        `Snapshot ${snapshot.id} of profile ${snapshot.profile} reports items as added that the catalog already holds as current: ${itemList(present)}`,
        { hint: REBUILD_HINT, details: { snapshot: snapshot.id, items: present.slice(0, 20).map((c) => `${c.type}/${c.id}`) } },
      );
    }
  }
}
