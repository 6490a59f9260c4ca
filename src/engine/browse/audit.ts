/**
 * Who changed an item, from the directory audit log the backup keeps (`directoryAudit` items,
 * shaped as Graph's `directoryAudit`: `activityDateTime`, `activityDisplayName`, `initiatedBy`
 * with `user` or `app`, `targetResources[]` with `id` and `modifiedProperties`).
 * Shape: https://learn.microsoft.com/graph/api/resources/directoryaudit and
 * https://learn.microsoft.com/graph/api/resources/targetresource.
 *
 * Guarantees: `attributionFor` reads a stored record defensively (it is tenant data): a record
 * that is not an object, has no parsable time, or does not name the item among its targets gives
 * `undefined`, never an exception. The initiator is the user when the record names one, else
 * the app. Property names are the ones Entra lists for that target, without its summary entry
 * "Included Updated Properties".
 * Not guaranteed: Entra's names are its own (`Department`, `AccountEnabled`), not always the
 * Graph property names the diff reports (`department`).
 */

export const AUDIT_TYPE = 'directoryAudit';

export interface AuditActor {
  readonly kind: 'user' | 'app';
  /** The user's object ID, or the app's service principal ID. */
  readonly id: string | null;
  readonly displayName: string | null;
  /** Users only. */
  readonly userPrincipalName?: string | null;
  /** Apps only. */
  readonly appId?: string | null;
}

export interface Attribution {
  /** The audit record's ID. */
  readonly auditId: string;
  /** `activityDateTime`, as recorded. */
  readonly time: string;
  readonly activity: string;
  readonly operationType: string | null;
  readonly result: string | null;
  readonly by: AuditActor | null;
  /** `modifiedProperties[].displayName` of the target that is the item. */
  readonly properties: readonly string[];
}

type Json = Record<string, unknown>;

const SUMMARY_PROPERTY = 'Included Updated Properties';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function actorOf(initiatedBy: unknown): AuditActor | null {
  if (!isObject(initiatedBy)) return null;
  const { user, app } = initiatedBy;
  if (isObject(user) && (text(user.id) ?? text(user.userPrincipalName)) !== null) {
    return { kind: 'user', id: text(user.id), displayName: text(user.displayName), userPrincipalName: text(user.userPrincipalName) };
  }
  if (isObject(app) && (text(app.appId) ?? text(app.servicePrincipalId) ?? text(app.displayName)) !== null) {
    return { kind: 'app', id: text(app.servicePrincipalId), displayName: text(app.displayName) ?? text(app.servicePrincipalName), appId: text(app.appId) };
  }
  return null;
}

/** The record's attribution for the item `itemId`, or undefined when the record does not target it. */
export function attributionFor(record: unknown, itemId: string): Attribution | undefined {
  if (!isObject(record)) return undefined;
  const time = text(record.activityDateTime);
  if (time === null || Number.isNaN(Date.parse(time))) return undefined;
  const wanted = itemId.toLowerCase();
  const targets = Array.isArray(record.targetResources) ? record.targetResources : [];
  const target = targets.find((t): t is Json => isObject(t) && typeof t.id === 'string' && t.id.toLowerCase() === wanted);
  if (!target) return undefined;
  const modified = Array.isArray(target.modifiedProperties) ? target.modifiedProperties : [];
  const properties = modified
    .map((p) => (isObject(p) ? text(p.displayName) : null))
    .filter((n): n is string => n !== null && n !== SUMMARY_PROPERTY);
  return {
    auditId: text(record.id) ?? '',
    time,
    activity: text(record.activityDisplayName) ?? '',
    operationType: text(record.operationType),
    result: text(record.result),
    by: actorOf(record.initiatedBy),
    properties,
  };
}

/** How a person reads the initiator: a UPN, a name, or an ID. */
export function describeActor(actor: AuditActor | null): string {
  if (!actor) return 'unknown';
  if (actor.kind === 'user') return actor.userPrincipalName ?? actor.displayName ?? actor.id ?? 'a user';
  return `app ${actor.displayName ?? actor.appId ?? actor.id ?? '(unnamed)'}`;
}
