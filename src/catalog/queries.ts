/**
 * Read queries over the snapshot index: snapshots, the items of a snapshot, the history of an
 * item, and name search. One query text serves both dialects; the only dialect-specific piece is
 * how a name filter finds candidate rows (`nameContains`).
 *
 * Guarantees: answers are ordered deterministically and identically on both dialects (bytewise
 * on JavaScript-lower-cased names, then IDs); pages of `listItems` are keyset-paged, so a page
 * costs the same however deep it is. Does not lock: reads see the last committed state.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { TenantVaultError } from '../errors/index.js';
import type { CatalogContext } from './context.js';
import type { CatalogItem, ItemPage, ItemVersion, ListItemsOptions, SearchOptions, SnapshotRecord, SnapshotState } from './port.js';
import { toNumber, type Dialect } from './schema.js';

const SNAPSHOT_COLUMNS = ['id', 'profile', 'seq', 'time', 'parent', 'state', 'tags', 'summary'] as const;

interface SnapshotRow {
  id: string;
  profile: string;
  seq: number;
  time: string;
  parent: string | null;
  state: string;
  tags: string;
  summary: string;
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new TenantVaultError('CATALOG_ERROR', `The catalog holds invalid JSON in ${what}`, { cause });
  }
}

function toSnapshot(row: SnapshotRow): SnapshotRecord {
  return {
    id: row.id,
    profile: row.profile,
    seq: row.seq,
    time: row.time,
    parent: row.parent,
    state: row.state as SnapshotState,
    tags: parseJson<string[]>(row.tags, `the tags of snapshot ${row.id}`),
    summary: parseJson<Record<string, unknown>>(row.summary, `the summary of snapshot ${row.id}`),
  };
}

export async function listSnapshots(ctx: CatalogContext, options: { readonly profile?: string } = {}): Promise<SnapshotRecord[]> {
  let query = ctx.reader.selectFrom('snapshots').select(SNAPSHOT_COLUMNS).orderBy('time').orderBy('id');
  if (options.profile !== undefined) query = query.where('profile', '=', options.profile);
  return (await query.execute()).map(toSnapshot);
}

export async function getSnapshot(ctx: CatalogContext, idOrPrefix: string): Promise<SnapshotRecord> {
  if (idOrPrefix.length === 0) throw new TenantVaultError('USAGE', 'A snapshot ID is empty');
  const rows = await ctx.reader
    .selectFrom('snapshots')
    .select(SNAPSHOT_COLUMNS)
    .where('id', '>=', idOrPrefix)
    .where((eb) => eb(eb.fn('substr', ['id', eb.val(1), eb.val([...idOrPrefix].length)]), '=', idOrPrefix))
    .orderBy('id')
    .limit(6)
    .execute();
  const exact = rows.find((r) => r.id === idOrPrefix);
  if (exact !== undefined) return toSnapshot(exact);
  const [only, ...others] = rows;
  if (only === undefined) throw new TenantVaultError('SNAPSHOT_NOT_FOUND', `No snapshot ${idOrPrefix} in the catalog`);
  if (others.length > 0) {
    throw new TenantVaultError('USAGE', `The snapshot ID prefix ${idOrPrefix} is ambiguous: it matches ${rows.slice(0, 5).map((r) => r.id).join(', ')}${rows.length > 5 ? ' …' : ''}`, {
      hint: 'Give more characters of the snapshot ID.',
    });
  }
  return toSnapshot(only);
}

// ---- items ----------------------------------------------------------------------------------

interface Cursor {
  readonly type: string;
  readonly nameLower: string;
  readonly id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.type, cursor.nameLower, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      const [type, nameLower, id] = value as [string, string, string];
      return { type, nameLower, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new TenantVaultError('USAGE', 'Invalid page cursor', { hint: 'Pass the `next` value of the previous page unchanged.' });
}

function limitOf(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new TenantVaultError('USAGE', `A limit must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

/**
 * The version is current in snapshot `seq` of its profile. The unary `+` keeps the planner from
 * walking the (profile, first_seq) index and sorting the whole profile instead of reading the
 * listing index in order (https://www.sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_;
 * a no-op on Postgres integers).
 */
function currentAt(seq: number): Expression<SqlBool> {
  return sql<SqlBool>`(+item_versions.first_seq <= ${seq} and (item_versions.last_seq is null or +item_versions.last_seq >= ${seq}))`;
}

export async function listItems(ctx: CatalogContext, snapshotIdOrPrefix: string, options: ListItemsOptions = {}): Promise<ItemPage> {
  const limit = limitOf(options.limit, 1_000, 10_000);
  const snapshot = await getSnapshot(ctx, snapshotIdOrPrefix);
  let query = ctx.reader
    .selectFrom('item_versions')
    .select(['profile', 'type', 'item_id', 'name', 'name_lower', 'blob_id', 'size'])
    .where('profile', '=', snapshot.profile)
    .where(currentAt(snapshot.seq));
  if (options.type !== undefined) query = query.where('type', '=', options.type);
  if (options.after !== undefined) {
    const c = decodeCursor(options.after);
    query = query.where((eb) => eb(eb.refTuple('type', 'name_lower', 'item_id'), '>', eb.tuple(c.type, c.nameLower, c.id)));
  }
  const rows = await query.orderBy('type').orderBy('name_lower').orderBy('item_id').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const items = page.map(
    (r): CatalogItem => ({ profile: r.profile, type: r.type, id: r.item_id, name: r.name, blobId: r.blob_id, size: r.size === null ? null : toNumber(r.size) }),
  );
  const last = page.at(-1);
  return rows.length > limit && last !== undefined ? { items, next: encodeCursor({ type: last.type, nameLower: last.name_lower, id: last.item_id }) } : { items };
}

// ---- versions: history and search -------------------------------------------------------------

/**
 * Versions with the snapshots that bound them. `first_seq`/`last_seq` always name existing
 * snapshots (see forget.ts), so plain joins find them; an open version ends at the latest.
 */
function versionsQuery(ctx: CatalogContext) {
  return ctx.reader
    .selectFrom('item_versions as v')
    .innerJoin('snapshots as f', (join) => join.onRef('f.profile', '=', 'v.profile').onRef('f.seq', '=', 'v.first_seq'))
    .innerJoin('snapshots as l', (join) =>
      join
        .onRef('l.profile', '=', 'v.profile')
        .on((eb) =>
          eb(
            'l.seq',
            '=',
            eb.fn.coalesce('v.last_seq', eb.selectFrom('snapshots as n').select((n) => n.fn.max('n.seq').as('seq')).whereRef('n.profile', '=', 'v.profile')),
          ),
        ),
    )
    .select([
      'v.profile',
      'v.type',
      'v.item_id',
      'v.name',
      'v.blob_id',
      'v.size',
      'v.first_seq',
      'v.last_seq',
      'f.id as first_id',
      'f.time as first_time',
      'l.id as last_id',
      'l.seq as last_snapshot_seq',
      'l.time as last_time',
    ])
    .select((eb) =>
      eb
        .selectFrom('snapshots as c')
        .select((c) => c.fn.countAll<number | string>().as('n'))
        .whereRef('c.profile', '=', 'v.profile')
        .whereRef('c.seq', '>=', 'v.first_seq')
        .whereRef('c.seq', '<=', 'l.seq')
        .as('snapshot_count'),
    );
}

type VersionRow = Awaited<ReturnType<ReturnType<typeof versionsQuery>['execute']>>[number];

function toVersion(row: VersionRow): ItemVersion {
  return {
    profile: row.profile,
    type: row.type,
    id: row.item_id,
    name: row.name,
    blobId: row.blob_id,
    size: row.size === null ? null : toNumber(row.size),
    first: { id: row.first_id, seq: row.first_seq, time: row.first_time },
    last: { id: row.last_id, seq: row.last_snapshot_seq, time: row.last_time },
    current: row.last_seq === null,
    snapshotCount: row.snapshot_count === null ? 0 : toNumber(row.snapshot_count),
  };
}

export async function itemHistory(ctx: CatalogContext, item: { readonly profile?: string; readonly type: string; readonly id: string }): Promise<ItemVersion[]> {
  let query = versionsQuery(ctx).where('v.type', '=', item.type).where('v.item_id', '=', item.id);
  if (item.profile !== undefined) query = query.where('v.profile', '=', item.profile);
  const rows = await query.orderBy('v.profile').orderBy('v.first_seq').execute();
  return rows.map(toVersion);
}

/** Escapes `%`, `_` and the escape character itself for a Postgres LIKE pattern. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * "name_lower contains `folded`": FTS5 trigram phrase on SQLite when the text has the three
 * characters a trigram needs, else a scan with instr(); LIKE on Postgres, which pg_trgm's GIN
 * index serves for three characters or more.
 */
function nameContains(dialect: Dialect, folded: string): Expression<SqlBool> {
  if (dialect === 'postgres') return sql<SqlBool>`v.name_lower like ${`%${likeLiteral(folded)}%`}`;
  if ([...folded].length >= 3) {
    const phrase = `"${folded.replaceAll('"', '""')}"`;
    return sql<SqlBool>`v.id in (select rowid from item_names where item_names match ${phrase})`;
  }
  return sql<SqlBool>`instr(v.name_lower, ${folded}) > 0`;
}

export async function search(ctx: CatalogContext, text: string, options: SearchOptions = {}): Promise<ItemVersion[]> {
  if (text.length === 0) throw new TenantVaultError('USAGE', 'The search text is empty', { hint: 'Give part of a name to look for.' });
  const limit = limitOf(options.limit, 100, 10_000);
  let query = versionsQuery(ctx).where(nameContains(ctx.dialect, text.toLowerCase()));
  if (options.profile !== undefined) query = query.where('v.profile', '=', options.profile);
  if (options.type !== undefined) query = query.where('v.type', '=', options.type);
  const rows = await query.orderBy('v.profile').orderBy('v.type').orderBy('v.name_lower').orderBy('v.item_id').orderBy('v.first_seq').limit(limit).execute();
  return rows.map(toVersion);
}
