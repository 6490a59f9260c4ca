/**
 * Browsing snapshots: listing and showing items, finding them by name, their history with
 * attribution from the audit log, and diffs between snapshots or against the live tenant.
 * The CLI's `ls`, `show`, `find`, `history` and `diff` are thin faces over these functions.
 */
export { parseItemRef, formatItemRef, type ItemRef } from './item-ref.js';
export { changedProperties, changedStreams, WHOLE_DOCUMENT } from './properties.js';
export { collectDifferences, compareDifferences, countDifferences, isLogType, toDiffReport, type DiffReport, type DifferenceKind, type ItemDifference } from './differences.js';
export { diffSnapshots, type DiffSnapshotsOptions, type DiffSource } from './snapshot-diff.js';
export { diffLive, liveDiffTypes, snapshotIncludes, type DiffLiveOptions, type LiveDiffSource, type LiveItem, type LiveItemSource, type SkippedType } from './live-diff.js';
export { itemHistory, type HistorySources, type HistoryRemoval, type HistoryVersion, type ItemHistory, type ItemHistoryOptions, type SnapshotPoint } from './history.js';
export { attributionFor, describeActor, AUDIT_TYPE, type Attribution, type AuditActor } from './audit.js';
export { findItems, type FindOptions, type FindResult, type FoundItem, type FoundRange } from './find.js';
export { listSnapshotItems, showItem, type ListSnapshotItemsOptions, type ShownItem } from './items.js';
export { mapOrdered } from './ordered.js';
