/**
 * Turns failures of the catalog's database into `CATALOG_ERROR`s with a hint a user can act on,
 * and decides which of them a retry can help (busy SQLite file, lost Postgres connection,
 * serialization failure). Errors thrown by a caller's iterable are not database failures: they
 * are carried out unchanged (see `SourceFailure`).
 */
import { TenantVaultError } from '../errors/index.js';

/** Wraps an error thrown by a caller-supplied iterable so the boundary can rethrow it untouched. */
export class SourceFailure extends Error {
  constructor(readonly original: unknown) {
    super('source failed', { cause: original });
    this.name = 'SourceFailure';
  }
}

/** Reads an async iterable, marking anything it throws as the caller's own failure. */
export async function* guardSource<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    for (;;) {
      let step: IteratorResult<T>;
      try {
        step = await iterator.next();
      } catch (err) {
        exhausted = true;
        throw new SourceFailure(err);
      }
      if (step.done) {
        exhausted = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // The consumer stopped early (it failed or was aborted): let the source release what it holds.
    if (!exhausted) await iterator.return?.()?.catch(() => undefined);
  }
}

const RETRIABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a database error to a TenantVaultError. `location` is already free of credentials. */
export function catalogDbError(err: unknown, operation: string, location: string): TenantVaultError {
  const code = codeOf(err) ?? '';
  const reason = err instanceof Error ? err.message : String(err);
  const message = `Catalog ${operation} failed (${location}): ${reason}`;
  const make = (hint: string | undefined, retriable?: boolean): TenantVaultError =>
    new TenantVaultError('CATALOG_ERROR', message, {
      cause: err,
      details: { operation, ...(code ? { dbCode: code } : {}) },
      ...(hint === undefined ? {} : { hint }),
      ...(retriable === undefined ? {} : { retriable }),
    });

  if (code.startsWith('SQLITE_')) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return make('Another process is writing the catalog; retry when it is done.', true);
    }
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
      return make(
        `The catalog file is damaged or is not a Tenant Vault catalog. Move ${location} away and run ` +
          '`tenant-vault catalog rebuild` (snapshots are recreated from the repository; the job and audit history in the old file is lost).',
      );
    }
    if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
      return make(`Check that ${location} and its directory exist and are writable by this user.`);
    }
    if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
      return make('Check free disk space and the disk holding the catalog.', code.startsWith('SQLITE_IOERR'));
    }
    return make(undefined);
  }

  // Postgres: SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
  if (RETRIABLE_NODE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code === '53300') {
    return make('Cannot reach the Postgres server of the catalog; check the URL and that the server is running. The operation can be retried.', true);
  }
  if (code === '40001' || code === '40P01') return make('A concurrent catalog update conflicted; retry.', true);
  if (code.startsWith('28')) return make('Postgres refused the credentials; check the user and password in the catalog URL.');
  if (code === '3D000') return make('The database in the catalog URL does not exist; create it first (`createdb`).');
  if (code === '42501') return make('The Postgres user lacks a privilege the catalog needs (CREATE on the database or schema).');
  if (/Connection terminated|connection timeout/i.test(reason)) {
    return make('The connection to the catalog\'s Postgres server was lost; retry.', true);
  }
  return make(undefined);
}

/**
 * Throws an AbortError if `signal` is aborted. Unlike `signal.throwIfAborted()`, the error is an
 * AbortError even when the caller aborted with a reason of its own (kept as the cause), so every
 * layer recognises it as an abort.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  if (isAbortError(reason)) throw reason;
  throw new DOMException('The operation was aborted', { name: 'AbortError', cause: reason });
}

/** True for errors that say "this is how the caller wanted it": aborts. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
