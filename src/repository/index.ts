/**
 * The encrypted snapshot repository: the public API. The format is specified in
 * docs/design/repository-format.md; `openRepository` / `initRepository` return a `Repository`.
 *
 * Modules, bottom up: crypto (keys, content IDs, sealing), compression, envelope (encrypted
 * files), keys (password-wrapped master key), canonical (canonical JSON), chunker (FastCDC),
 * pack / pack-writer / index-file / master-index / blob-reader (blobs in packs and finding them),
 * tree / tree-write / staging (sharded trees with delta chains), snapshot-file / snapshot-writer /
 * diff (snapshots), walk / check / retention / prune (maintenance), locks, documents (named
 * encrypted records), repository (the facade that wires them).
 */
export { initRepository, openRepository, FORMAT_VERSION } from './repository.js';
export type { Repository, RepositoryOptions, InitOptions, KeyInfo, StartSnapshotOptions, ForgetOptions, ForgetGroup, ForgetResult, SnapshotRef, RepositoryConfig, SnapshotWarning, SnapshotListOptions } from './repository.js';
export type { SnapshotWriter, Item, ItemDeletion, TypeWriteStats, StreamSource } from './snapshot-writer.js';
export type { SnapshotInfo, SnapshotStats, TypeSummary } from './snapshot-file.js';
export type { ItemEntry, BlobRef } from './tree.js';
export type { ItemChange, DiffOptions } from './diff.js';
export type { CheckReport, CheckError, CheckErrorKind, CheckWarning, CheckOptions, CheckProgress, AffectedItem } from './check.js';
export type { PrunePlan, PruneResult, PruneProgress } from './prune.js';
export { PRUNE_SAFETY } from './prune.js';
export type { RetentionPolicy } from './retention.js';
export type { LockInfo, LockOptions } from './locks.js';
export type { DocumentStore } from './documents.js';
export type { KdfParams } from './keys.js';
export { DEFAULT_KDF } from './keys.js';
export type { ChunkerParams } from './chunker.js';
export { DEFAULT_CHUNKER } from './chunker.js';
export type { Clock } from '../clock.js';
export { systemClock } from '../clock.js';
export { TREE_POLICY } from './tree-write.js';
export { ScratchDatabase, removeStaleScratch } from './scratch.js';
