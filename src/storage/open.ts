/**
 * openBlobStore: turns a repository location into a ready BlobStore, with the wrappers stacked
 * here and nowhere else. Opening does no I/O: a missing directory shows up on the first call
 * (the repository turns that into REPO_NOT_FOUND).
 *
 * Locations: a plain path or a `file://` URL → FsBlobStore; `memory:` (optionally `memory:NAME`)
 * → a fresh, empty MemoryBlobStore per call. Anything else is a USAGE error listing these.
 *
 * The stack, outermost first, and why:
 *   read-only → concurrency limit → retry → backend
 * - read-only first: a refused write should not wait for a slot, nor be retried.
 * - the limit outside retry: a call keeps its slot through its backoff, so a struggling backend
 *   sees at most `concurrency` requests, retries included, instead of a growing herd.
 * - retry right on the backend: it sees the backend's own errors and nothing else.
 */
import { fileURLToPath } from 'node:url';
import { TenantVaultError } from '../errors/index.js';
import { FsBlobStore } from './fs.js';
import { MemoryBlobStore } from './memory.js';
import type { BlobStore } from './port.js';
import { withConcurrencyLimit } from './wrappers/limit.js';
import { withReadOnly } from './wrappers/read-only.js';
import { withRetry, type RetryOptions } from './wrappers/retry.js';

export interface StackOptions {
  readonly readOnly?: boolean;
  /** Calls in flight at most. Default 8. */
  readonly concurrency?: number;
  /** Retry policy, or `false` for none (tests that want to see raw failures). */
  readonly retry?: RetryOptions | false;
}

export type OpenOptions = StackOptions;

const DEFAULT_CONCURRENCY = 8;

/** Stacks the standard wrappers on a backend; `openBlobStore` uses it, tests may too. */
export function stackBlobStore(backend: BlobStore, options: StackOptions = {}): BlobStore {
  let store = backend;
  if (options.retry !== false) store = withRetry(store, options.retry);
  store = withConcurrencyLimit(store, options.concurrency ?? DEFAULT_CONCURRENCY);
  if (options.readOnly) store = withReadOnly(store);
  return store;
}

/** Backends by URL scheme. Azure Blob Storage joins as `azblob://ACCOUNT/CONTAINER[/PREFIX]`. */
const BACKENDS: Record<string, (location: string) => BlobStore> = {
  file: (location) => new FsBlobStore(fileURLToPath(location)),
  memory: (location) => new MemoryBlobStore(location.slice('memory:'.length)),
};

const SUPPORTED = 'a directory path, file:///path/to/dir, or memory: (tests and demos)';
// Two characters at least, so that a Windows drive (`C:\backups`) stays a path.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;

export function openBlobStore(location: string, options: OpenOptions = {}): BlobStore {
  return stackBlobStore(createBackend(location), options);
}

/** The bare backend for a location, without wrappers. */
export function createBackend(location: string): BlobStore {
  if (location.trim() === '') {
    throw new TenantVaultError('USAGE', 'The repository location is empty', { hint: `Give the repository location as ${SUPPORTED}.` });
  }
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return new FsBlobStore(location);
  const create = BACKENDS[scheme];
  if (!create) {
    throw new TenantVaultError('USAGE', `Unsupported repository location scheme "${scheme}:"`, {
      hint: `Give the repository location as ${SUPPORTED}.`,
      details: { scheme },
    });
  }
  try {
    return create(location);
  } catch (err) {
    // fileURLToPath refuses remote hosts and encoded slashes.
    throw new TenantVaultError('USAGE', `Invalid repository location ${location}: ${err instanceof Error ? err.message : String(err)}`, {
      hint: `Give the repository location as ${SUPPORTED}.`,
      cause: err,
    });
  }
}
