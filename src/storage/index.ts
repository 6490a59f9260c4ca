/** The storage layer's public API: the BlobStore port, its backends, wrappers and `openBlobStore`. */
export { assertValidKey, assertValidPrefix } from './port.js';
export type { BlobInfo, BlobOp, BlobStore, ByteRange, CallOptions, GetOptions, PutOptions } from './port.js';
export { MemoryBlobStore } from './memory.js';
export { FsBlobStore, type CleanupOptions } from './fs.js';
export { openBlobStore, stackBlobStore, createBackend, type OpenOptions, type StackOptions } from './open.js';
export { withRetry, type RetryOptions, type RetryEvent } from './wrappers/retry.js';
export { withConcurrencyLimit, Semaphore } from './wrappers/limit.js';
export { withFaults, seededRandom, type FaultDecision, type FaultOptions, type FaultyBlobStore } from './wrappers/faults.js';
export { withReadOnly } from './wrappers/read-only.js';
export { withCounting, type BlobStoreCounts, type CountingBlobStore } from './wrappers/counting.js';
