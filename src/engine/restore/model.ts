/**
 * The restore vocabulary: requests, plans, operations and reports, with their JSON contracts
 * (issue #5). A plan is data — shown first, applied second (DESIGN habit 6) — and everything the
 * applier does is in it or derived from it and the snapshot it names.
 *
 * JSON contracts:
 * - plan (`restore … --plan --json`): `{"operations": [{"type", "id", "action", "targetId"?,
 *   "properties"?: [...], "references"?: [...], "reason"?}], …}` with `action` one of
 *   `recycleBin | create | update | relink | skip | unsupported` (an undo plan also has `delete`);
 * - report (`restore … --apply --json`): `{"restore": ID, "operations": [{…, "result": "done" |
 *   "failed" | "skipped", "newId"?}], …}`.
 * Further keys may be added; these never change meaning.
 */
import type { Limitation, SecretOutput } from './writers/types.js';

export type RestoreMode = 'skip' | 'merge' | 'overwrite';
export const RESTORE_MODES: readonly RestoreMode[] = ['skip', 'merge', 'overwrite'];

export type RestoreAction = 'recycleBin' | 'create' | 'update' | 'relink' | 'skip' | 'unsupported' | 'delete';

/** What the user asked for. */
export interface RestoreRequest {
  /** Snapshot ID or unique prefix. */
  readonly snapshot: string;
  /** `TYPE`, `TYPE/ID`, `TYPE:property=value`. None (and no `changedSince`): every item of the snapshot. */
  readonly selectors?: readonly string[];
  /** Only items that differ between `snapshot` and this one. */
  readonly changedSince?: string;
  /** Target profile; default the snapshot's. */
  readonly to?: string;
  /** Default `merge`. */
  readonly mode?: RestoreMode;
  /** Restrict updates to these top-level properties and relationships. */
  readonly properties?: readonly string[];
  /** Also bring back what the chosen items reference and the target lacks. */
  readonly withReferences?: boolean;
  /** Create new client secrets for recreated applications. */
  readonly newSecrets?: boolean;
}

/** One property an operation writes: `from` the target's value (absent: unset), `to` the snapshot's. */
export interface PropertyChange {
  readonly name: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

/** The placeholder `to` of a reference to an object the plan creates (its id is known only then). */
export const NEW_ID = 'new id after create';

/** One reference an operation writes or repoints. */
export interface ReferenceChange {
  /** A relationship (`members`) or the declared property path (`conditions.users.includeGroups[]`). */
  readonly path: string;
  readonly targetType: string;
  readonly change: 'add' | 'remove' | 'rewrite';
  /** The id in the snapshot (or in the target, for a removal). */
  readonly from: string;
  /** The id written: the same, another tenant's, `NEW_ID`, or null when it cannot be mapped (then nothing is written for it). */
  readonly to: string | null;
  /** The key the reference uses when not `id` (`appId`). */
  readonly key?: string;
  readonly note?: string;
}

export interface PlanOperation {
  readonly type: string;
  /** The item's id in the snapshot. */
  readonly id: string;
  readonly action: RestoreAction;
  /** The object written in the target (absent for a create, which learns it when applied). */
  readonly targetId?: string;
  readonly properties?: readonly PropertyChange[];
  readonly references?: readonly ReferenceChange[];
  readonly reason?: string;
  /** Display name, for people. */
  readonly name?: string;
  /** Target objects matching a create's natural key before the restore (never taken for ours). */
  readonly preexisting?: readonly string[];
}

export interface PlanOptions {
  readonly mode: RestoreMode;
  readonly properties?: readonly string[];
  readonly withReferences: boolean;
  readonly newSecrets: boolean;
}

export interface RestorePlan {
  readonly version: 1;
  /** The restore's id (also the journal's). */
  readonly id: string;
  readonly kind: 'restore' | 'undo';
  readonly createdAt: string;
  /** Where documents come from (for an undo: the safety snapshot). */
  readonly snapshot: string;
  readonly sourceProfile: string;
  /** The target profile. */
  readonly profile: string;
  readonly sameTenant: boolean;
  readonly selectors: readonly string[];
  readonly changedSince?: string;
  readonly options: PlanOptions;
  /** Same request → same key: re-running an interrupted `--apply` finds its restore by it. */
  readonly requestKey: string;
  /** In dependency order. */
  readonly operations: readonly PlanOperation[];
  /**
   * Canonical hash of every target object the plan read, null for one that did not exist:
   * `full:type/id#relationships` (object and those relationships), `exists:type/id` (existence
   * only), `bin:type/id` (recycle bin). `--apply --plan-file` refuses (PLAN_STALE) if any changed.
   */
  readonly fingerprints: Readonly<Record<string, string | null>>;
  /**
   * References to objects outside the plan whose target value is not the snapshot's, by
   * `targetType|key|id`: another tenant's id, or null when they cannot be mapped (nothing is
   * written for them). Same-tenant references to existing objects are absent: they keep their id.
   */
  readonly mapped: Readonly<Record<string, string | null>>;
  /** For an undo: the restore it undoes. */
  readonly undoOf?: string;
  readonly warnings: readonly string[];
}

export type OperationResult = 'done' | 'failed' | 'skipped';

export interface ReportOperation extends PlanOperation {
  readonly result: OperationResult;
  readonly newId?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** Verification after apply: differences between the target and the plan, if any. */
  readonly verified?: boolean;
  readonly differences?: readonly string[];
}

export interface RestoreReport {
  readonly restore: string;
  readonly kind: 'restore' | 'undo';
  readonly profile: string;
  readonly snapshot: string;
  readonly safetySnapshot: string | null;
  readonly status: 'succeeded' | 'partial' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Whether this run continued an interrupted one. */
  readonly resumed: boolean;
  readonly counts: Readonly<Record<OperationResult, number>>;
  /** Graph requests of this run (inner requests of batches counted one by one), and how many wrote. */
  readonly requests: number;
  readonly writes: number;
  readonly durationMs: number;
  readonly operations: readonly ReportOperation[];
  /**
   * Temporary passwords and new client secrets of this run: in the report printed by the apply
   * only, never in the catalog or logs; stored encrypted in the repository (`restore show --secrets`).
   */
  readonly secrets?: readonly (SecretOutput & { readonly type: string; readonly id: string })[];
  readonly undoOf?: string;
}

/** The record `restore list` shows, kept encrypted in the repository (documents kind `restores`). */
export interface RestoreRecord {
  readonly id: string;
  readonly kind: 'restore' | 'undo';
  readonly status: 'planned' | 'running' | 'succeeded' | 'partial' | 'failed';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly snapshot: string;
  readonly profile: string;
  readonly requestKey: string;
  readonly operations: number;
  readonly safetySnapshot?: string;
  readonly undoOf?: string;
  readonly undoneBy?: string;
  /** The last report, without secrets. */
  readonly report?: Omit<RestoreReport, 'secrets'>;
  /** Who applied it: OS user and profile. */
  readonly actor?: string;
}

export type { Limitation };
