/**
 * The tenant's directory audit log (`directoryAudit` entities in the `directoryAudits` store).
 * Every write the emulator performs appends one record here, shaped as Graph returns it from
 * `/auditLogs/directoryAudits`, so restore tests can check what was changed and by whom.
 *
 * Guarantees: records are appended in time order, never modified; `oldValue`/`newValue` are JSON
 * strings as in Graph (e.g. `"[\"Sales\"]"`).
 * Source for the shape: v1.0 CSDL `microsoft.graph.directoryAudit`, `targetResource`,
 * `modifiedProperty`, `auditActivityInitiator`.
 */
import { randomUUID } from 'node:crypto';
import type { Entity } from './store.js';
import type { TenantState } from './tenant.js';

export const AUDIT_STORE = 'directoryAudits';

export interface AuditModifiedProperty {
  readonly displayName: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
}

export interface AuditTarget {
  readonly id: string;
  readonly type: string;
  readonly displayName?: string | null;
  readonly userPrincipalName?: string | null;
  readonly groupType?: string | null;
  readonly modifiedProperties?: readonly AuditModifiedProperty[];
}

export interface AuditEntry {
  readonly activityDisplayName: string;
  /** e.g. UserManagement, GroupManagement, ApplicationManagement, RoleManagement, Device, Policy, KeyManagement. */
  readonly category: string;
  readonly operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign' | 'Restore' | 'Other';
  readonly targetResources: readonly AuditTarget[];
  readonly result?: 'success' | 'failure';
  readonly resultReason?: string;
  readonly loggedByService?: string;
  readonly additionalDetails?: readonly { key: string; value: string }[];
}

/** Who performed the write, as the token says. */
export interface AuditInitiator {
  readonly appId: string;
  readonly appDisplayName: string | null;
  readonly servicePrincipalId: string | null;
  readonly userId?: string | null;
  readonly userPrincipalName?: string | null;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export function appendAudit(tenant: TenantState, initiator: AuditInitiator, entry: AuditEntry, correlationId?: string): Entity {
  const record: Entity = {
    id: `Directory_${randomUUID()}`,
    category: entry.category,
    correlationId: correlationId ?? randomUUID(),
    result: entry.result ?? 'success',
    resultReason: entry.resultReason ?? '',
    activityDisplayName: entry.activityDisplayName,
    activityDateTime: tenant.nowIso(),
    loggedByService: entry.loggedByService ?? 'Core Directory',
    operationType: entry.operationType,
    initiatedBy: {
      app: initiator.userId
        ? null
        : {
            appId: initiator.appId,
            displayName: initiator.appDisplayName,
            servicePrincipalId: initiator.servicePrincipalId,
            servicePrincipalName: initiator.appDisplayName,
          },
      user: initiator.userId
        ? { id: initiator.userId, displayName: null, userPrincipalName: initiator.userPrincipalName ?? null, ipAddress: '127.0.0.1' }
        : null,
    },
    targetResources: entry.targetResources.map((t) => ({
      id: t.id,
      displayName: t.displayName ?? null,
      type: t.type,
      userPrincipalName: t.userPrincipalName ?? null,
      groupType: t.groupType ?? null,
      modifiedProperties: (t.modifiedProperties ?? []).map((p) => ({
        displayName: p.displayName,
        oldValue: typeof p.oldValue === 'string' || p.oldValue === null ? p.oldValue : json(p.oldValue),
        newValue: typeof p.newValue === 'string' || p.newValue === null ? p.newValue : json(p.newValue),
      })),
    })),
    additionalDetails: entry.additionalDetails ?? [],
  };
  tenant.store(AUDIT_STORE).insert(record);
  return record;
}

/** The property-level difference between two versions of an entity, for `modifiedProperties`. */
export function diffProperties(before: Record<string, unknown> | undefined, after: Record<string, unknown>, keys?: Iterable<string>): AuditModifiedProperty[] {
  const out: AuditModifiedProperty[] = [];
  for (const key of keys ?? Object.keys(after)) {
    if (key === 'id' || key.startsWith('@')) continue;
    const oldValue = before?.[key];
    const newValue = after[key];
    if (JSON.stringify(oldValue) === JSON.stringify(newValue)) continue;
    out.push({
      displayName: key,
      oldValue: oldValue === undefined || oldValue === null ? null : json([oldValue]),
      newValue: newValue === undefined || newValue === null ? null : json([newValue]),
    });
  }
  return out;
}
