/**
 * The Entra ID / Intune backup engine (issue #4). `runBackup` takes a snapshot of everything an
 * app profile can read — incrementally where the service allows — and records it in the
 * repository and catalog as a job with a report; `readLiveItems` reads the live tenant as a full
 * backup would, without writing. See docs/backup.md.
 */
export { readLiveItems, type LiveReadOptions } from './live.js';
export { chooseTypes, openSession, type Session, type SessionOptions, type UnreadableType, type SkippedSub } from './session.js';
export type { BackupWarning, TypeState, BackupState } from './context.js';
export { runBackup, tenantSizeOf, type BackupOptions, type BackupProgress } from './run.js';
export type { BackupReport, TypeReport } from './report.js';
