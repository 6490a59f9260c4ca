/**
 * The report of one backup run (issue #4): per type new / changed / deleted / unchanged, requests,
 * resource units, throttled responses and duration; totals; warnings. It is printed by
 * `backup --json` (the contract: `snapshot`, `requests`, `resourceUnits`, `types.{TYPE}.{new,
 * changed, deleted, unchanged}`) and stored as the job's report in the catalog.
 *
 * Counting: `requests` is what Graph (and Exchange) evaluate — every request, a request inside a
 * `$batch` included, plus each batch envelope (the emulator's statistics count the same way);
 * `roundTrips` is HTTP requests sent; both include retries. `resourceUnits` are the services'
 * `x-ms-resource-unit` where sent, else the published cost model's estimate.
 */
import type { RequestCounters } from '../../connectors/index.js';
import type { BackupWarning } from './context.js';
import type { ReadMode } from './plan.js';

export interface TypeReport {
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
  readonly unchanged: number;
  /** Items of the type in the snapshot. */
  readonly count: number;
  /** How the type was read; absent when it was not. */
  readonly mode?: ReadMode;
  readonly requests: number;
  readonly resourceUnits: number;
  readonly throttled: number;
  readonly durationMs: number;
  /** Why the type could not be read (its items are carried from the parent snapshot). */
  readonly absent?: string;
  /** Sub-resources not read in this run, and why. */
  readonly skippedSubResources?: Readonly<Record<string, string>>;
}

export interface BackupReport {
  readonly snapshot: string;
  readonly profile: string;
  readonly parent: string | null;
  readonly time: string;
  readonly job: string;
  /** `partial` when a type could not be read (see its `absent`). */
  readonly status: 'complete' | 'partial';
  readonly full: boolean;
  readonly requests: number;
  readonly roundTrips: number;
  readonly resourceUnits: number;
  readonly throttled: number;
  readonly retries: number;
  readonly durationMs: number;
  readonly types: Readonly<Record<string, TypeReport>>;
  readonly warnings: readonly BackupWarning[];
}

/** Requests as the service counts them: envelopes and the requests inside. */
export function serviceRequests(counters: RequestCounters | undefined): number {
  return counters ? counters.requests + counters.batchedRequests : 0;
}

export function emptyTypeReport(): TypeReport {
  return { new: 0, changed: 0, deleted: 0, unchanged: 0, count: 0, requests: 0, resourceUnits: 0, throttled: 0, durationMs: 0 };
}
