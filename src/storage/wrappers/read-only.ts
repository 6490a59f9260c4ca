/**
 * withReadOnly: refuses every write (`put`, `delete`) with STORAGE_READ_ONLY before it reaches
 * the store; reads pass through. Used for `check`, browsing, and repositories on immutable media.
 */
import { TenantVaultError } from '../../errors/index.js';
import type { BlobStore } from '../port.js';

export function withReadOnly(inner: BlobStore): BlobStore {
  const refuse = async (op: string, key: string): Promise<never> => {
    throw new TenantVaultError('STORAGE_READ_ONLY', `Cannot ${op} ${key}: ${inner.description} is opened read-only`, { details: { op, key } });
  };
  return {
    description: `${inner.description} (read-only)`,
    get: (key, opts) => inner.get(key, opts),
    stat: (key, opts) => inner.stat(key, opts),
    list: (prefix, opts) => inner.list(prefix, opts),
    put: (key) => refuse('put', key),
    delete: (key) => refuse('delete', key),
  };
}
