/**
 * Intune's own audit log: `GET /deviceManagement/auditEvents` and `…/{id}` (v1.0 and beta; docs
 * https://learn.microsoft.com/graph/api/intune-auditing-auditevent-list), over the tenant's
 * `intuneAuditEvents` store, and the one function that appends to it.
 *
 * Where events come from: the Graph pipeline (graph/service.ts) calls `planIntuneAudit` for every
 * non-GET request on a route of the `intune` throttling class — direct or inside `$batch` — and
 * `appendIntuneAudit` once the handler answered 2xx. GETs and failed writes leave no event, and
 * Intune writes still write nothing to the Entra directory audit log.
 *
 * Event shape (v1.0 CSDL `microsoft.graph.auditEvent`, `auditActor`, `auditResource`, `auditProperty`):
 * - `activityOperationType`: `Create` (POST to a collection), `Patch` (PATCH or PUT), `Delete`,
 *   `Action` (POST to an action: `assign`, `targetApps`, `scheduleActionsForRules`, `createCopy`, …);
 * - `activityType` = `activity` = `displayName`: `Create DeviceConfiguration`, `assign
 *   DeviceConfiguration` — the declared type of the addressed collection, PascalCase;
 * - `category` = `componentName`: a coarse area from the collection under `deviceManagement` /
 *   `deviceAppManagement` (CATEGORIES below), `Other` otherwise;
 * - `actor`: the calling app (and user, for delegated tokens), as `ItPro`;
 * - `resources`: the addressed object — for a create the new one (ID from the answer) — with its
 *   display name and concrete type (`@odata.type`) when known; a PATCH or PUT lists the properties
 *   it changed (old and new values as strings; server-managed ones left out);
 * - `correlationId`: the request's `client-request-id` when it is a GUID, else a new GUID.
 * The list is newest first with `$filter` on `activityDateTime`, `category`, `componentName` and
 * `activityOperationType`, `$top` up to 999 (default 100) [I], stable next links (audit/log.ts);
 * DeviceManagementApps.Read.All or .ReadWrite.All (the docs page's permission table).
 */
import { randomUUID } from 'node:crypto';
import { defineAuditLog } from '../audit/log.js';
import type { Caller, GraphResponse, GraphVersion, HttpMethod, RouteSpec } from '../graph/types.js';
import { familyCatalog } from '../family-schema/index.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { APPS_READ } from './app-management.js';
import { INTUNE_SERVER_MANAGED, intuneNotFound } from './collection.js';

export const INTUNE_AUDIT_STORE = 'intuneAuditEvents';

/** The area of each collection (`category`, `componentName`); everything else is `Other`. */
const CATEGORIES: Readonly<Record<string, string>> = {
  deviceConfigurations: 'DeviceConfiguration',
  configurationPolicies: 'DeviceConfiguration',
  deviceManagementScripts: 'DeviceConfiguration',
  deviceShellScripts: 'DeviceConfiguration',
  deviceHealthScripts: 'DeviceConfiguration',
  deviceCustomAttributeShellScripts: 'DeviceConfiguration',
  deviceCompliancePolicies: 'Compliance',
  mobileApps: 'Application',
  managedAppPolicies: 'Application',
  iosManagedAppProtections: 'Application',
  androidManagedAppProtections: 'Application',
  targetedManagedAppConfigurations: 'Application',
  mobileAppConfigurations: 'Application',
  roleDefinitions: 'Role',
  roleAssignments: 'Role',
  roleScopeTags: 'Role',
};

export type IntuneOperationType = 'Create' | 'Patch' | 'Delete' | 'Action';

/** What one Intune write will be recorded as, worked out from its route before the handler runs. */
export interface IntuneAuditPlan {
  readonly operation: IntuneOperationType;
  readonly activityType: string;
  readonly category: string;
  /** Short type name of the addressed collection or object, e.g. `deviceConfiguration`. */
  readonly entityType: string;
  /** Path (relative to the version root) of the addressed object, to read it; none for a create. */
  readonly objectPath?: string;
  /** ID of the addressed object from the path, if it has one. */
  readonly resourceId?: string;
}

const isParam = (segment: string): boolean => segment.startsWith('{') && segment.endsWith('}');
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const shortType = (type: unknown): string | undefined => (typeof type === 'string' ? type.replace(/^#?microsoft\.graph\./, '') : undefined);

/**
 * Walks a route template (`/deviceManagement/deviceConfigurations/{id}/assign`) through the
 * schema's navigation properties: the type it lands on, and whether it ends at a collection, an
 * object or an action.
 */
export function planIntuneAudit(version: GraphVersion, method: HttpMethod, template: string, params: Readonly<Record<string, string>>): IntuneAuditPlan | undefined {
  if (method === 'GET') return undefined;
  const segments = template.split('/').filter((s) => s !== '');
  const root = segments[0];
  if (root === undefined) return undefined;
  const concrete = segments.map((s) => (isParam(s) ? encodeURIComponent(params[s.slice(1, -1)] ?? '') : s));
  let type = root;
  let end: 'collection' | 'object' = 'object';
  let lastParam: string | undefined;
  let action: string | undefined;
  let objectLength = segments.length;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (isParam(segment)) {
      lastParam = params[segment.slice(1, -1)];
      end = 'object';
      continue;
    }
    const nav = familyCatalog.navigation(version, type).find((n) => n.name.toLowerCase() === segment.toLowerCase());
    if (!nav) {
      action = segment;
      objectLength = i;
      break;
    }
    type = nav.type;
    end = nav.collection ? 'collection' : 'object';
  }
  const category = CATEGORIES[segments[1] ?? ''] ?? 'Other';
  const objectPath = `/${concrete.slice(0, objectLength).join('/')}`;
  const noun = pascal(type);
  if (action !== undefined) return { operation: 'Action', activityType: `${action} ${noun}`, category, entityType: type, objectPath, resourceId: lastParam };
  if (method === 'DELETE') return { operation: 'Delete', activityType: `Delete ${noun}`, category, entityType: type, objectPath, resourceId: lastParam };
  if (method === 'POST' && end === 'collection') return { operation: 'Create', activityType: `Create ${noun}`, category, entityType: type };
  if (method === 'POST') return { operation: 'Action', activityType: `post ${noun}`, category, entityType: type, objectPath, resourceId: lastParam };
  return { operation: 'Patch', activityType: `Patch ${noun}`, category, entityType: type, objectPath, resourceId: lastParam };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SKIPPED = new Set([...INTUNE_SERVER_MANAGED, 'lastModifiedDateTime']);

const asText = (value: unknown): string | null => (value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value));
const asObject = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) ? (value as Record<string, unknown>) : undefined;

/** The properties a PATCH or PUT named and actually changed. */
function modifiedProperties(requestBody: unknown, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): Array<{ displayName: string; oldValue: string | null; newValue: string | null }> {
  const body = asObject(requestBody);
  if (!body || !before || !after) return [];
  const out: Array<{ displayName: string; oldValue: string | null; newValue: string | null }> = [];
  for (const key of Object.keys(body)) {
    if (key.includes('@') || SKIPPED.has(key)) continue;
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    out.push({ displayName: key, oldValue: asText(before[key]), newValue: asText(after[key]) });
  }
  return out;
}

export interface IntuneAuditInput {
  readonly caller: Caller;
  readonly response: GraphResponse;
  /** The addressed object as a GET returned it before the write (patch, delete, action). */
  readonly before?: Record<string, unknown>;
  /** …and after it (patch). */
  readonly after?: Record<string, unknown>;
  readonly requestBody?: unknown;
  readonly clientRequestId?: string;
}

/** Appends one Intune audit event for a successful write. */
export function appendIntuneAudit(tenant: TenantState, plan: IntuneAuditPlan, input: IntuneAuditInput): Entity {
  const { caller } = input;
  const object = plan.operation === 'Create' ? asObject(input.response.body) : (input.after ?? input.before);
  const name = object?.displayName ?? object?.name;
  const id = plan.resourceId ?? (typeof object?.id === 'string' ? object.id : null);
  const resourceType = shortType(object?.['@odata.type']) ?? plan.entityType;
  const delegated = caller.kind === 'delegated';
  const event: Entity = {
    id: randomUUID(),
    displayName: plan.activityType,
    componentName: plan.category,
    activity: plan.activityType,
    activityDateTime: tenant.nowIso(),
    activityType: plan.activityType,
    activityOperationType: plan.operation,
    activityResult: 'Success',
    correlationId: input.clientRequestId && GUID.test(input.clientRequestId) ? input.clientRequestId : randomUUID(),
    category: plan.category,
    actor: {
      type: 'ItPro',
      auditActorType: 'ItPro',
      userPermissions: [],
      applicationId: caller.appId,
      applicationDisplayName: caller.appDisplayName,
      userPrincipalName: delegated ? caller.userPrincipalName : null,
      servicePrincipalName: caller.appDisplayName,
      ipAddress: '127.0.0.1',
      userId: delegated ? caller.userId : null,
      remoteTenantId: null,
      remoteUserId: null,
    },
    resources: [{
      displayName: typeof name === 'string' ? name : null,
      type: resourceType,
      auditResourceType: resourceType,
      resourceId: id,
      modifiedProperties: plan.operation === 'Patch' ? modifiedProperties(input.requestBody, input.before, input.after) : [],
    }],
  };
  tenant.store(INTUNE_AUDIT_STORE).insert(event);
  return event;
}

/** `GET /deviceManagement/auditEvents` and `…/{id}`. */
export function intuneAuditRoutes(): RouteSpec[] {
  return defineAuditLog({
    name: 'intuneAuditEvents',
    path: '/deviceManagement/auditEvents',
    store: INTUNE_AUDIT_STORE,
    contextName: 'deviceManagement/auditEvents',
    entityType: 'microsoft.graph.auditEvent',
    permissions: APPS_READ,
    throttle: 'intune',
    paging: { defaultTop: 100, maxTop: 999 },
    filterable: ['activityDateTime', 'category', 'componentName', 'activityOperationType'],
    notFound: intuneNotFound,
  });
}
