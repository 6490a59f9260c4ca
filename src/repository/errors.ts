/**
 * The repository's failure helpers: every damaged or unexpected byte becomes a `REPO_CORRUPT`
 * TenantVaultError naming the object (blob, pack, file) so that callers and `check` can say what
 * is broken. Nothing here decides retriability; the error table does.
 */
import { TenantVaultError } from '../errors/index.js';

export function corrupt(message: string, details: Record<string, unknown> = {}, cause?: unknown): TenantVaultError {
  return new TenantVaultError('REPO_CORRUPT', message, { details, cause });
}

export function usage(message: string, hint?: string, details?: Record<string, unknown>): TenantVaultError {
  return new TenantVaultError('USAGE', message, { ...(hint ? { hint } : {}), ...(details ? { details } : {}) });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TenantVaultError('ABORTED', 'Operation aborted', { cause: signal.reason });
}

/** True for the storage layer's "object does not exist" error. */
export function isNotFound(err: unknown): boolean {
  return err instanceof TenantVaultError && err.code === 'STORAGE_NOT_FOUND';
}

export function isExists(err: unknown): boolean {
  return err instanceof TenantVaultError && err.code === 'STORAGE_EXISTS';
}

/** Damage to stored data (as opposed to a failure of the storage itself): what check reports. */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'REPO_CORRUPT' || code === 'STORAGE_NOT_FOUND';
}
