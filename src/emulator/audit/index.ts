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
 */
import { buildPredicate, entityResponse, nextLink, projectForResponse } from '../graph/collection.js';
import { badRequest, notFound } from '../graph/errors.js';
import { defineModule } from '../graph/module.js';
import { anyOf } from '../graph/permissions.js';
import { decodeToken, encodeToken } from '../graph/odata/tokens.js';
import { contextFragment } from '../graph/projection.js';
import { route } from '../graph/resource.js';
import type { GraphContext, GraphResponse } from '../graph/types.js';
import { familyCatalog } from '../family-schema/index.js';
import { AUDIT_STORE } from '../state/audit.js';
import type { Entity } from '../state/store.js';

const READ = anyOf(['AuditLog.Read.All']);
const PATH = '/auditLogs/directoryAudits';
const CONTEXT = 'auditLogs/directoryAudits';
const PAGING = { defaultTop: 100, maxTop: 999 };
const projection = { entityType: 'microsoft.graph.directoryAudit', fillDefaults: true } as const;

function list(ctx: GraphContext): GraphResponse {
  const store = ctx.tenant.store(AUDIT_STORE);
  const shape = { source: store, contextName: CONTEXT, paging: PAGING, projection, expandCapsPage: false };
  const predicate = buildPredicate(ctx, shape);
  const top = ctx.query.top ?? PAGING.defaultTop;
  if (top < 1 || top > PAGING.maxTop) throw badRequest(`Invalid page size specified: '${top}'. Must be between 1 and ${PAGING.maxTop} inclusive.`);
  const token = ctx.query.skipToken === undefined ? undefined : decodeToken<{ b: number }>('A', ctx.query.skipToken);
  const before = token?.b ?? store.end;
  // Newest first: walk ordinals downwards from the continuation point.
  const matching: Array<[number, Entity]> = [];
  for (const [ordinal, e] of store.scan(0)) if (ordinal < before && predicate(e)) matching.push([ordinal, e]);
  const page = matching.slice(-top).reverse();
  const body: Record<string, unknown> = { '@odata.context': ctx.contextUrl(contextFragment(CONTEXT, ctx.query.select)) };
  if (ctx.query.count && !token) body['@odata.count'] = matching.length;
  if (matching.length > top) body['@odata.nextLink'] = nextLink(ctx, encodeToken('A', { b: (page.at(-1) as [number, Entity])[0] }));
  body.value = page.map(([, e]) => projectForResponse(ctx, { contextName: CONTEXT, projection }, e));
  return { status: 200, body };
}

export const auditModule = defineModule({
  name: 'audit',
  routes: [
    route('GET', PATH, { permissions: READ, throttle: 'reports', name: 'directoryAudits.list' }, list),
    route('GET', `${PATH}/{id}`, { permissions: READ, throttle: 'reports', name: 'directoryAudits.get' }, (ctx) => {
      const e = ctx.tenant.store(AUDIT_STORE).get(ctx.params.id as string);
      if (!e) throw notFound(ctx.params.id as string);
      return entityResponse(ctx, { contextName: CONTEXT, projection }, e);
    }),
  ],
  catalog: familyCatalog,
});
