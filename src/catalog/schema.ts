/**
 * The catalog's tables as Kysely sees them. Column types are what both dialects return: Postgres
 * hands back `bigint` columns and `count(*)` as strings, so those are typed `number | string` and
 * read through `toNumber`. Times are ISO 8601 text (UTC, milliseconds), which sorts correctly as
 * text on both dialects; JSON is stored as text so both dialects store and return the same thing.
 */
import type { ColumnType, Generated } from 'kysely';

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface SnapshotsTable {
  id: string;
  profile: string;
  seq: number;
  time: string;
  parent: string | null;
  state: string;
  /** JSON array of strings. */
  tags: string;
  /** JSON object. */
  summary: string;
}

export interface ItemVersionsTable {
  id: Generated<number | string>;
  profile: string;
  type: string;
  item_id: string;
  first_seq: number;
  /** NULL while the version is current in the profile's latest snapshot. */
  last_seq: number | null;
  blob_id: string;
  name: string;
  /** `name.toLowerCase()` computed in JavaScript, so both dialects fold case identically. */
  name_lower: string;
  /** `bigint`: Postgres returns it as a string. */
  size: ColumnType<number | string | null, number | null, number | null>;
}

export interface JobsTable {
  id: string;
  kind: string;
  profile: string | null;
  status: string;
  params: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress: string | null;
  report: string | null;
  error: string | null;
}

export interface AuditEventsTable {
  id: Generated<number | string>;
  time: string;
  actor: string;
  action: string;
  profile: string | null;
  target: string;
  result: string;
  job_id: string | null;
  details: string;
}

export interface CatalogDatabase {
  catalog_migrations: MigrationsTable;
  catalog_meta: MetaTable;
  snapshots: SnapshotsTable;
  item_versions: ItemVersionsTable;
  jobs: JobsTable;
  audit_events: AuditEventsTable;
}

export type Dialect = 'sqlite' | 'postgres';

export function toNumber(value: number | string | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`Not a safe integer: ${String(value)}`);
  return n;
}
