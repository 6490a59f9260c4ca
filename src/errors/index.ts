/**
 * One error vocabulary for the whole program: `TenantVaultError` with a stable `code` from
 * `codes.ts`, a hint for the human, optional structured details, and the retriable flag from
 * the table. Anything else thrown is a bug and is reported as `INTERNAL`.
 */
import { ERROR_CODES, type ErrorCode } from './codes.js';

export { ERROR_CODES, type ErrorCode, type ErrorCodeSpec, specOf } from './codes.js';

export interface TenantVaultErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
  /** Overrides the table, e.g. a storage error known to be permanent. */
  retriable?: boolean;
}

export class TenantVaultError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: TenantVaultErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TenantVaultError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, retriable: this.retriable, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isTenantVaultError(err: unknown, code?: ErrorCode): err is TenantVaultError {
  return err instanceof TenantVaultError && (code === undefined || err.code === code);
}

/** Normalises anything thrown into a TenantVaultError; unknown errors become INTERNAL. */
export function toTenantVaultError(err: unknown): TenantVaultError {
  if (err instanceof TenantVaultError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new TenantVaultError('ABORTED', 'Operation aborted', { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new TenantVaultError('INTERNAL', message, { cause: err });
}

/** The one place that decides whether a retry can help. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof TenantVaultError) return err.retriable;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EAGAIN' || code === 'EBUSY' || code === 'EPIPE' || code === 'ECONNREFUSED';
}
