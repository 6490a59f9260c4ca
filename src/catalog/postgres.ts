/**
 * Opens the Postgres flavour of the catalog: a `pg` pool whose connections all use the catalog's
 * schema as their search path, so the same unqualified queries run on both dialects. The schema
 * comes from the `schema` option, else the URL's `?schema=` parameter, else `tenant_vault`; it is
 * created by the migrations, not here.
 *
 * Not handled here: the schema's tables (`migrations.ts`) and error translation (`errors.ts`).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, CompiledQuery } from 'kysely';
import { TenantVaultError } from '../errors/index.js';
import type { CatalogDatabase } from './schema.js';

export const DEFAULT_PG_SCHEMA = 'tenant_vault';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOptions {
  /** Schema holding the catalog's tables; lower-case letters, digits and `_`. */
  readonly schema?: string;
  /** Largest number of connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** How long to wait for a connection. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

export interface PostgresTarget {
  /** The URL handed to `pg`, without the `schema` parameter. */
  readonly connectionString: string;
  readonly schema: string;
  /** The URL without its password, for messages. */
  readonly location: string;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Splits a catalog URL into what `pg` needs, the schema, and a printable location. */
export function parsePostgresUrl(url: string, schemaOption?: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', 'The catalog location is not a valid postgres:// URL', {
      cause,
      hint: 'Use postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME], or a file path for SQLite.',
    });
  }
  const schema = schemaOption ?? parsed.searchParams.get('schema') ?? DEFAULT_PG_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new TenantVaultError('CONFIG_INVALID', `Invalid catalog schema name ${JSON.stringify(schema)}`, {
      hint: 'Use lower-case letters, digits and _ (at most 63), starting with a letter or _.',
    });
  }
  parsed.searchParams.delete('schema');
  const connectionString = parsed.toString();
  if (parsed.password) parsed.password = 'redacted';
  parsed.search = '';
  return { connectionString, schema, location: `${parsed.toString()} (schema ${schema})` };
}

export function openPostgres(target: PostgresTarget, options: PostgresOptions = {}): Kysely<CatalogDatabase> {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // An idle connection that breaks emits 'error' on the pool; without a listener that would end
  // the process. The next query on the pool fails (and is reported) instead.
  pool.on('error', () => undefined);
  const setPath = CompiledQuery.raw(`set search_path to "${target.schema}"`);
  return new Kysely<CatalogDatabase>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(setPath);
      },
    }),
  });
}
