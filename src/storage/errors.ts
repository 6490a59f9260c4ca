/**
 * Small helpers every backend and wrapper shares: abort checks, the standard storage errors,
 * and byte-range validation. Keeping them in one place keeps the error codes and messages of
 * all backends identical, which the conformance suite relies on.
 */
import { TenantVaultError } from '../errors/index.js';
import type { ByteRange } from './port.js';

/** Throws an `AbortError` if `signal` is aborted. A custom abort reason is kept as `cause`. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  // Callers match on `name === 'AbortError'`; a TimeoutError or a string reason would slip past.
  return Object.assign(new DOMException('The operation was aborted', 'AbortError'), { cause: reason });
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

export function notFound(key: string, description: string): TenantVaultError {
  return new TenantVaultError('STORAGE_NOT_FOUND', `No object ${key} in ${description}`, { details: { key } });
}

export function alreadyExists(key: string, description: string): TenantVaultError {
  return new TenantVaultError('STORAGE_EXISTS', `Object ${key} already exists in ${description}`, { details: { key } });
}

/**
 * Checks a range against an object of `size` bytes and returns its end offset. Beyond the end
 * is a caller error (the bytes will never appear), hence STORAGE_IO that is not retriable.
 */
export function checkRange(key: string, size: number, range: ByteRange): number {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new TypeError(`Invalid byte range for ${key}: ${JSON.stringify(range)}`);
  }
  if (offset + length > size) {
    throw new TenantVaultError('STORAGE_IO', `Range ${offset}+${length} is beyond the end of ${key} (${size} bytes)`, {
      retriable: false,
      hint: 'The object is shorter than expected; the repository index may be damaged. Run `tenant-vault check`.',
      details: { key, offset, length, size },
    });
  }
  return offset + length;
}
