/**
 * The directory audit log (v1.0 and beta): `GET /auditLogs/directoryAudits` and `…/{id}`, over
 * the tenant's `directoryAudits` store — the generated history followed by a record for every
 * write the emulator performs (`state/audit.ts`).
 *
 * Rules (docs `directoryaudit-list`, `directoryaudit-get`; throttling-limits "Identity and access
 * reports service limits"):
 * - AuditLog.Read.All; the reports throttling class (5 requests per 10 s per app and tenant);
 * - `$filter` on `activityDateTime` (`ge`, `le`, …), `category`, `activityDisplayName`,
 *   `loggedByService`, `result`, `initiatedBy/app/appId`, `initiatedBy/user/id`, `targetResources/any(…)`;
 *   timestamps compare as instants;
 * - newest first [I: as the portal and the API return them]; `$top` up to 999 [I]; the next
 *   link continues below the last record returned, so records written while a client pages
 *   never shift the pages it has not read yet.
 * The list and get are `defineAuditLog` (log.ts), which Intune's audit log shares.
 */
import { DIRECTORY_PAGING } from '../graph/collection.js';
import { defineModule } from '../graph/module.js';
import { anyOf } from '../graph/permissions.js';
import { familyCatalog } from '../family-schema/index.js';
import { AUDIT_STORE } from '../state/audit.js';
import { defineAuditLog } from './log.js';

export const auditModule = defineModule({
  name: 'audit',
  routes: defineAuditLog({
    name: 'directoryAudits',
    path: '/auditLogs/directoryAudits',
    store: AUDIT_STORE,
    contextName: 'auditLogs/directoryAudits',
    entityType: 'microsoft.graph.directoryAudit',
    permissions: anyOf(['AuditLog.Read.All']),
    throttle: 'reports',
    paging: DIRECTORY_PAGING,
  }),
  catalog: familyCatalog,
});
