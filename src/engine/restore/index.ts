/**
 * Restore (issue #5): plan the diff of a snapshot's chosen items against the live target, apply
 * it (safety snapshot first, journal, resume, verification, report and audit), undo it. See
 * docs/restore.md.
 *
 * - `writers/` — the type-writer interface every resource type implements (types.ts), the generic
 *   writer driven by the registry, and the directory writers;
 * - `plan/` — selectors, the planner, the target mapping port (cross-tenant mapping plugs in there);
 * - `mapping/` — the cross-tenant mapping (stable keys: UPN, appId, displayName …);
 * - `model.ts` — plans, operations and reports with their JSON contracts.
 */
export * from './model.js';
export { planRestore, openRequestTarget, recycleBinReason, resolveRequestKey, buildPlan, openPlanContext, requestKeyOf, newRestoreId, describe, type PlanRestoreOptions, type PlanContext, type PlanHeader } from './plan/planner.js';
export { parseSelector, resolveSelection, type Selector, type ChosenKey } from './plan/selectors.js';
export { setCrossTenantMapping, sameTenantMapping, referenceKey, type TargetMapping, type MappingFactory, type MappingInput, type SourceItem, type ReferenceTarget } from './plan/target.js';
export { mapDocument, propertyDiffs, relationshipDiffs, relationshipOf, type MappedDocument, type RelationshipDiff, type PropertyDiff } from './plan/diff.js';
export { openTarget, profileOfSnapshot, SAFETY_SUFFIX, type TargetSession, type ConnectionOptions } from './session.js';
export { writerFor } from './writers/index.js';
export type * from './writers/types.js';
export { applyRestore, defaultActor, type ApplyOptions, type ApplyProgress } from './apply/applier.js';
export { restoreStore, type RestoreStore, type Journal, type StoredSecret } from './apply/store.js';
export { planUndo } from './undo.js';
export { renderPlan, renderReport } from './render.js';
// Restore into another tenant: importing the module registers the cross-tenant mapping with the planner.
export { adaptDocument, crossTenantMapping, mapAddress, mapProxyAddress, mapUserPrincipalName, stableKeyOf } from './mapping/index.js';
