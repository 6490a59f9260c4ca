/**
 * Conditional access (v1.0 and beta): `identity/conditionalAccess/policies` and
 * `namedLocations` (list, get, create, update, delete), and their recycle bins
 * `identity/conditionalAccess/deletedItems/policies` and `/namedLocations` (list, get, restore,
 * permanent delete; a DELETE of a live object moves it there for 30 days — facts §5.2).
 *
 * Rules, from the v1.0 API pages (conditionalaccessroot-list-policies, -post-policies,
 * conditionalaccesspolicy-update/-delete, conditionalaccessroot-post-namedlocations,
 * ipnamedlocation-update, namedlocation-delete) and facts §1.4, §6.3, §7.1:
 * - reads need Policy.Read.All (or Policy.ReadWrite.ConditionalAccess); writes need
 *   "Policy.Read.All and Policy.ReadWrite.ConditionalAccess" — both;
 * - every request counts against the conditional-access limit: 1 request per second per
 *   tenant, and its 429 carries no Retry-After;
 * - `id`, `createdDateTime`, `modifiedDateTime`, `deletedDateTime` and `templateId` are read-only;
 *   a policy needs `displayName`, `state` (enabled | disabled | enabledForReportingButNotEnforced)
 *   and `conditions`; named locations are polymorphic (`#microsoft.graph.ipNamedLocation` with
 *   `ipRanges`, `#microsoft.graph.countryNamedLocation` with `countriesAndRegions`) and a PATCH
 *   must name the `@odata.type` — of the object itself;
 * - create answers 201 with the object, update and delete 204; every property of the type comes
 *   back, unset ones as null (the `-get` pages show them so);
 * - writes append directoryAudit records in category Policy, logged by "Conditional Access".
 * Paging of these lists is not documented; the directory's 100 / 999 is used [I]. Restoring from
 * the bins with an application token is allowed here; the beta page listed no permission at the
 * time of the facts crawl (facts §5.2, open question).
 */
import { randomUUID } from 'node:crypto';
import { badRequest } from '../graph/errors.js';
import { defineModule } from '../graph/module.js';
import { anyOf, withAlso } from '../graph/permissions.js';
import { defineEntitySet, type AuditNames, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext } from '../graph/types.js';
import type { ParsedWrite } from '../graph/writes.js';
import { familyCatalog } from '../family-schema/index.js';
import { defineDeletedItems, softDelete } from '../policies/deleted-items.js';

export const CA_READ = anyOf(['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess']);
export const CA_WRITE = withAlso(['Policy.ReadWrite.ConditionalAccess'], ['Policy.Read.All']);

const READ_ONLY = ['createdDateTime', 'modifiedDateTime', 'deletedDateTime', 'templateId'];
const STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
const AUDIT_SERVICE = 'Conditional Access';
const ROOT = '/identity/conditionalAccess';

const POLICY_AUDIT: AuditNames = { category: 'Policy', noun: 'conditional access policy', targetType: 'Policy', service: AUDIT_SERVICE };
const LOCATION_AUDIT: AuditNames = { category: 'Policy', noun: 'named location', targetType: 'Policy', service: AUDIT_SERVICE };

const policyProjection = { entityType: 'microsoft.graph.conditionalAccessPolicy', fillDefaults: true } as const;
const locationProjection = { entityType: 'microsoft.graph.namedLocation', fillDefaults: true } as const;

function checkState(props: Record<string, unknown>): void {
  if (props.state !== undefined && !STATES.includes(String(props.state))) {
    throw badRequest(`Invalid value '${String(props.state)}' for property 'state'. Allowed values: ${STATES.join(', ')}.`, 'BadRequest');
  }
}

const POLICIES: EntitySetSpec = {
  name: 'conditionalAccessPolicies',
  path: `${ROOT}/policies`,
  store: 'conditionalAccessPolicies',
  entityType: 'microsoft.graph.conditionalAccessPolicy',
  contextName: 'identity/conditionalAccess/policies',
  permissions: { read: CA_READ, create: CA_WRITE, update: CA_WRITE, delete: CA_WRITE },
  throttle: 'conditionalAccess',
  projection: { fillDefaults: true },
  write: { readOnly: READ_ONLY, required: ['displayName', 'state', 'conditions'] },
  create: (ctx, write) => {
    checkState(write.props);
    return { ...write.props, id: randomUUID(), createdDateTime: ctx.tenant.nowIso(), modifiedDateTime: null };
  },
  update: (ctx, _before, write) => {
    checkState(write.props);
    return { ...write.props, modifiedDateTime: ctx.tenant.nowIso() };
  },
  remove: (ctx, entity) => softDelete(ctx, { store: 'conditionalAccessPolicies', binStore: 'deletedConditionalAccessPolicies' }, entity),
  audit: POLICY_AUDIT,
};

const LOCATION_TYPES = ['ipNamedLocation', 'countryNamedLocation', 'compliantNetworkNamedLocation'];

/** The concrete named-location type a body names, checked against the request's version. */
function locationType(ctx: GraphContext, write: ParsedWrite): string | undefined {
  const declared = write.props['@odata.type'];
  if (typeof declared !== 'string') return undefined;
  const short = declared.replace(/^#?microsoft\.graph\./, '');
  if (!LOCATION_TYPES.includes(short) || !familyCatalog.isA(ctx.version, short, 'namedLocation')) {
    throw badRequest(`The type '${declared}' is not a named location type.`, 'BadRequest');
  }
  return short;
}

function checkLocation(type: string, props: Record<string, unknown>, creating: boolean): void {
  if (type === 'ipNamedLocation' && (creating || props.ipRanges !== undefined)) {
    if (!Array.isArray(props.ipRanges) || props.ipRanges.length === 0) throw badRequest("A value is required for property 'ipRanges' of resource 'IpNamedLocation'.", 'BadRequest');
  }
  if (type === 'countryNamedLocation' && creating && !Array.isArray(props.countriesAndRegions)) {
    throw badRequest("A value is required for property 'countriesAndRegions' of resource 'CountryNamedLocation'.", 'BadRequest');
  }
}

const LOCATIONS: EntitySetSpec = {
  name: 'namedLocations',
  path: `${ROOT}/namedLocations`,
  store: 'namedLocations',
  entityType: 'microsoft.graph.namedLocation',
  contextName: 'identity/conditionalAccess/namedLocations',
  permissions: { read: CA_READ, create: CA_WRITE, update: CA_WRITE, delete: CA_WRITE },
  throttle: 'conditionalAccess',
  projection: { fillDefaults: true },
  write: { readOnly: READ_ONLY, required: ['displayName'] },
  create: (ctx, write) => {
    const type = locationType(ctx, write);
    if (!type) throw badRequest("A value is required for property '@odata.type': a named location is an ipNamedLocation or a countryNamedLocation.", 'BadRequest');
    checkLocation(type, write.props, true);
    const now = ctx.tenant.nowIso();
    return { ...write.props, id: randomUUID(), createdDateTime: now, modifiedDateTime: now };
  },
  update: (ctx, before, write) => {
    // ipnamedlocation-update: "You must specify the @odata.type"; it cannot change the kind.
    const type = locationType(ctx, write);
    if (!type) throw badRequest('The @odata.type property must be specified when updating a named location.', 'BadRequest');
    const own = String(before['@odata.type'] ?? '').replace(/^#?microsoft\.graph\./, '');
    if (own !== type) throw badRequest(`The @odata.type '${String(write.props['@odata.type'])}' does not match the type of the named location.`, 'BadRequest');
    checkLocation(type, write.props, false);
    const { '@odata.type': _type, ...rest } = write.props;
    return { ...rest, modifiedDateTime: ctx.tenant.nowIso() };
  },
  remove: (ctx, entity) => softDelete(ctx, { store: 'namedLocations', binStore: 'deletedNamedLocations' }, entity),
  audit: LOCATION_AUDIT,
};

export const conditionalAccessModule = defineModule({
  name: 'conditional-access',
  routes: [
    ...defineEntitySet(POLICIES),
    ...defineEntitySet(LOCATIONS),
    ...defineDeletedItems({
      name: 'conditionalAccessPolicies',
      store: 'conditionalAccessPolicies',
      binStore: 'deletedConditionalAccessPolicies',
      binPath: `${ROOT}/deletedItems/policies`,
      contextName: 'identity/conditionalAccess/deletedItems/policies',
      projection: policyProjection,
      permissions: { read: CA_READ, write: CA_WRITE },
      throttle: 'conditionalAccess',
      audit: POLICY_AUDIT,
    }),
    ...defineDeletedItems({
      name: 'namedLocations',
      store: 'namedLocations',
      binStore: 'deletedNamedLocations',
      binPath: `${ROOT}/deletedItems/namedLocations`,
      contextName: 'identity/conditionalAccess/deletedItems/namedLocations',
      projection: locationProjection,
      permissions: { read: CA_READ, write: CA_WRITE },
      throttle: 'conditionalAccess',
      audit: LOCATION_AUDIT,
    }),
  ],
  catalog: familyCatalog,
});
