/**
 * Helpers of the family restore tests: plan then apply through the engine's public entry points,
 * snapshot and live documents (the live ones read exactly as a backup reads them), and whole-object
 * comparison that ignores only what the service manages — timestamps, version counters, and for
 * recreated objects their ids — with references mapped through the restore's old → new ids.
 */
import { expect } from 'vitest';
import { readLiveItems } from '../../../src/engine/backup/index.js';
import { applyRestore, planRestore, type RestorePlan, type RestoreReport, type RestoreRequest } from '../../../src/engine/restore/index.js';
import type { Clock } from '../../../src/connectors/index.js';
import type { Bench, Doc } from '../helpers.js';

/**
 * Keys the service sets, at any depth (Graph timestamps; Intune's version counter and `isAssigned`,
 * facts §6.3 "Intune, all"; Exchange bookkeeping).
 */
const SERVER_MANAGED = new Set([
  'createdDateTime', 'modifiedDateTime', 'lastModifiedDateTime', 'deletedDateTime', 'renewedDateTime', 'version', 'isAssigned',
  'WhenChanged', 'WhenChangedUTC', 'WhenCreated', 'WhenCreatedUTC', 'Guid', 'DistinguishedName',
]);

/**
 * Also ignored for recreated objects: what the service derives from a new object's id (an Intune
 * assignment's id embeds its policy's and group's ids; a group's security identifier).
 */
const IDS = new Set(['id', 'sourceId', 'securityIdentifier']);

/** Relationship lists, whose order Graph does not promise: compared as sets. */
const UNORDERED = new Set(['assignments', 'members', 'apps', 'scheduledActionsForRule']);

export function strip(value: unknown, ignoreIds: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v, ignoreIds));
  if (value === null || typeof value !== 'object') return value;
  const out: Doc = {};
  for (const [k, v] of Object.entries(value as Doc)) {
    if (SERVER_MANAGED.has(k) || (ignoreIds && IDS.has(k))) continue;
    const stripped = strip(v, ignoreIds);
    out[k] = UNORDERED.has(k) && Array.isArray(stripped) ? [...stripped].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : stripped;
  }
  return out;
}

/** The document with every old id replaced by its new one. */
export function mapIds(document: unknown, ids: ReadonlyMap<string, string>): unknown {
  let text = JSON.stringify(document);
  for (const [from, to] of ids) text = text.split(from).join(to);
  return JSON.parse(text);
}

/** Old → new ids of the objects a restore created. */
export function createdIds(report: RestoreReport): Map<string, string> {
  return new Map(report.operations.filter((op) => op.action === 'create' && op.newId).map((op) => [op.id, op.newId!]));
}

export async function snapshotDoc(bench: Bench, snapshot: string, type: string, id: string): Promise<Doc> {
  const repo = await bench.ws.repository();
  const found = await repo.readItem(await repo.findSnapshot(snapshot), type, id);
  if (!found) throw new Error(`snapshot has no ${type}/${id}`);
  return found.document as Doc;
}

export async function snapshotDocs(bench: Bench, snapshot: string, type: string): Promise<Doc[]> {
  const repo = await bench.ws.repository();
  const snap = await repo.findSnapshot(snapshot);
  const out: Doc[] = [];
  for await (const entry of repo.entries(snap, { type })) out.push(await repo.readDocument(entry) as Doc);
  return out;
}

/** Live documents of these types, by `type/id`, read as a backup reads them. */
export async function liveDocs(bench: Bench, types: readonly string[], profile = 'contoso', clock: Clock = bench.clock): Promise<Map<string, Doc>> {
  const out = new Map<string, Doc>();
  const skipped: string[] = [];
  for await (const item of readLiveItems(bench.ws, profile, { types: [...types], clock, onSkipped: (s) => skipped.push(`${s.type}: ${s.reason}`) })) out.set(`${item.type}/${item.id}`, item.document as Doc);
  expect(skipped, 'every type could be read').toEqual([]);
  return out;
}

export interface Restored {
  readonly plan: RestorePlan;
  readonly report: RestoreReport;
}

export async function planAndApply(bench: Bench, request: RestoreRequest): Promise<Restored> {
  const plan = await planRestore(bench.ws, request, { clock: bench.clock });
  const report = await applyRestore(bench.ws, plan, { clock: bench.clock });
  return { plan, report };
}

/** Asserts the live object equals the snapshot's, references mapped, server-managed keys (and for recreated objects ids) aside. */
export function expectRestored(live: Doc | undefined, snapshot: Doc, options: { ids?: ReadonlyMap<string, string>; recreated?: boolean } = {}): void {
  expect(live, 'the object exists in the tenant').toBeDefined();
  const wanted = options.ids ? mapIds(snapshot, options.ids) : snapshot;
  expect(strip(live, options.recreated === true)).toEqual(strip(wanted, options.recreated === true));
}

/** Operations of a plan or report, without the keys that vary (for whole-object assertions). */
export function actions(ops: ReadonlyArray<{ type: string; id: string; action: string }>): string[] {
  return ops.map((op) => `${op.action} ${op.type}/${op.id}`);
}
