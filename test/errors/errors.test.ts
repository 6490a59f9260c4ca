import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TenantVaultError, isRetriable, toTenantVaultError } from '../../src/errors/index.js';

describe('errors', () => {
  it('takes exit status, HTTP status, hint and retriability from the one table', () => {
    const e = new TenantVaultError('REPO_LOCKED', 'locked by pid 42');
    expect(e.exitCode).toBe(ERROR_CODES.REPO_LOCKED.exit);
    expect(e.httpStatus).toBe(423);
    expect(e.retriable).toBe(true);
    expect(e.hint).toMatch(/unlock/);
    expect(e.toJSON()).toMatchObject({ code: 'REPO_LOCKED', message: 'locked by pid 42' });
  });

  it('gives every code a distinct non-zero exit status, except codes that share a meaning', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(spec.exit, code).toBeGreaterThan(0);
      expect(spec.hint.length, code).toBeGreaterThan(10);
    }
  });

  it('turns unknown throwables into INTERNAL and aborts into ABORTED', () => {
    expect(toTenantVaultError(new Error('boom')).code).toBe('INTERNAL');
    const abort = new DOMException('aborted', 'AbortError');
    expect(toTenantVaultError(abort).code).toBe('ABORTED');
  });

  it('decides retriability in one place', () => {
    expect(isRetriable(new TenantVaultError('STORAGE_IO', 'disk'))).toBe(true);
    expect(isRetriable(new TenantVaultError('STORAGE_IO', 'bad range', { retriable: false }))).toBe(false);
    expect(isRetriable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetriable(new Error('other'))).toBe(false);
  });
});
