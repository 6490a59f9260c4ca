/**
 * Tenant policies (v1.0 and beta): the authentication methods policy and its per-method
 * configurations, the authorization policy, token-lifetime / home-realm-discovery /
 * claims-mapping policies with the objects they apply to, the cross-tenant access policy (its
 * default configuration and partners, whose deleted ones wait in `policies/deletedItems/
 * crossTenantPartners`), and security defaults.
 *
 * Rules, from the v1.0 API pages (authenticationmethodspolicy-get/-update,
 * fido2authenticationmethodconfiguration-get/-update/-delete, authorizationpolicy-get/-update,
 * tokenlifetimepolicy-*, homerealmdiscoverypolicy-*, claimsmappingpolicy-*, *-list-appliesto,
 * application-post-tokenlifetimepolicies, serviceprincipal-post-claimsmappingpolicies,
 * crosstenantaccesspolicy-*, crosstenantaccesspolicyconfigurationpartner-*,
 * identitysecuritydefaultsenforcementpolicy-get/-update) and facts §5.2, §7.1:
 * - reads need Policy.Read.All; writes need the policy's own permission —
 *   Policy.ReadWrite.AuthenticationMethod, .Authorization, .ApplicationConfiguration,
 *   .CrossTenantAccess; security defaults need Policy.ReadWrite.SecurityDefaults or .ConditionalAccess;
 * - `GET /policies/authenticationMethodsPolicy` carries its method configurations inline (the
 *   docs example shows them; a `$select` leaves them out); method IDs (`Fido2`, `Sms`, …) match
 *   case-insensitively; a PATCH may name the configuration's `@odata.type` but not another one, and
 *   may carry `includeTargets` (checked against the configuration's target type);
 * - beta serves `/policies/authorizationPolicy` as a collection of one (`…/authorizationPolicy/
 *   authorizationPolicy`), v1.0 as a singleton;
 * - cross-tenant partners are keyed by `tenantId` and carry no `id`; deleting one keeps it 30
 *   days in the policy bin (policyDeletableItem);
 * - policy objects come back with every property of their type; writes append directoryAudit
 *   records in category Policy.
 */
import { randomUUID } from 'node:crypto';
import { entityResponse, listResponse } from '../graph/collection.js';
import { badRequest, notFound } from '../graph/errors.js';
import { defineModule } from '../graph/module.js';
import { anyOf, withAlso } from '../graph/permissions.js';
import { defineEntitySet, defineSingleton, route, type AuditNames, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, PermissionRule, RouteSpec } from '../graph/types.js';
import { idFromReference, requireObjectBody } from '../graph/writes.js';
import { familyCatalog } from '../family-schema/index.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { mixedProjection, typed } from '../directory/shared.js';
import { defineDeletedItems, softDelete } from './deleted-items.js';

const READ = 'Policy.Read.All';
const policyRead = (write: string): PermissionRule => anyOf([READ, write]);

const AUTH_METHODS_WRITE = anyOf(['Policy.ReadWrite.AuthenticationMethod']);
const AUTHORIZATION_WRITE = anyOf(['Policy.ReadWrite.Authorization']);
const APP_CONFIG_WRITE = anyOf(['Policy.ReadWrite.ApplicationConfiguration']);
const CROSS_TENANT_WRITE = anyOf(['Policy.ReadWrite.CrossTenantAccess']);
/**
 * identitysecuritydefaultsenforcementpolicy-update (v1.0, learn.microsoft.com and contrib @0d0307ab):
 * "Policy.Read.All, Policy.ReadWrite.SecurityDefaults, Policy.ReadWrite.ConditionalAccess", any one
 * of them. The 2021 page and today's beta page still say "Policy.Read.All and
 * Policy.ReadWrite.ConditionalAccess". Policy.Read.All alone is not taken as enough to write [I]:
 * a read permission in a generated table, listed for the GET beside it.
 */
const SECURITY_DEFAULTS_WRITE = anyOf(['Policy.ReadWrite.SecurityDefaults', 'Policy.ReadWrite.ConditionalAccess']);
/** Assigning a policy to an app or service principal: the app write permission plus Policy.Read.All. */
const POLICY_LINK_WRITE = withAlso(['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'], [READ]);

const audit = (noun: string): AuditNames => ({ category: 'Policy', noun, targetType: 'Policy' });
const fill = { fillDefaults: true } as const;
const G = 'microsoft.graph.';

// ---- authentication methods ------------------------------------------------------------------

const AUTH_METHODS = '/policies/authenticationMethodsPolicy';
const CONFIGS = `${AUTH_METHODS}/authenticationMethodConfigurations`;

function methodConfiguration(ctx: GraphContext, key: string): Entity | undefined {
  const store = ctx.tenant.store('authenticationMethodConfigurations');
  const direct = store.get(key);
  if (direct) return direct;
  const lower = key.toLowerCase();
  for (const e of store.values()) if (e.id.toLowerCase() === lower) return e;
  return undefined;
}

const METHOD_CONFIGURATIONS: EntitySetSpec = {
  name: 'authenticationMethodConfigurations',
  path: CONFIGS,
  store: 'authenticationMethodConfigurations',
  entityType: `${G}authenticationMethodConfiguration`,
  contextName: 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations',
  permissions: { read: policyRead('Policy.ReadWrite.AuthenticationMethod'), update: AUTH_METHODS_WRITE, delete: AUTH_METHODS_WRITE },
  paging: 'none',
  // In beta the targets are navigation properties that come back inline.
  projection: { fillDefaults: true, inline: ['includeTargets'] },
  find: methodConfiguration,
  // `includeTargets` is a navigation property, yet the update pages take it in the body (below).
  write: { extraWritable: ['includeTargets'] },
  update: (ctx, before, write) => {
    const declared = write.props['@odata.type'];
    if (typeof declared === 'string' && declared.replace(/^#/, '') !== String(before['@odata.type'] ?? '').replace(/^#/, '')) {
      throw badRequest(`The @odata.type '${declared}' does not match the authentication method configuration '${before.id}'.`, 'BadRequest');
    }
    const { '@odata.type': _t, ...rest } = write.props;
    if ('includeTargets' in rest) rest.includeTargets = includeTargets(ctx, String(before['@odata.type'] ?? ''), rest.includeTargets);
    touchAuthMethodsPolicy(ctx);
    return rest;
  },
  // fido2authenticationmethodconfiguration-delete: "reverts … to its default configuration" [I: the defaults].
  remove: (ctx, entity) => {
    ctx.tenant.store('authenticationMethodConfigurations').replace({
      id: entity.id,
      ...(entity['@odata.type'] ? { '@odata.type': entity['@odata.type'] } : {}),
      state: 'disabled',
      excludeTargets: [],
      includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
    });
    touchAuthMethodsPolicy(ctx);
  },
  audit: { ...audit('authentication method policy'), service: 'Authentication Methods' },
};

/** authenticationMethodTarget.targetType (authenticationmethodtarget.md: "user, group"). */
const TARGET_TYPES: readonly unknown[] = ['user', 'group'];

/**
 * The `includeTargets` of a method configuration PATCH. The update pages (e.g. v1.0
 * fido2authenticationmethodconfiguration-update, microsoftauthenticatorauthenticationmethodconfiguration-update)
 * take "the values of fields that should be updated" and point to the resource page, whose
 * `includeTargets` relationship is expanded by default; Microsoft365DSC's
 * AADAuthenticationMethodPolicy* resources set targets this way [C]. The list replaces the old
 * one [I]. Each item must be a target of the configuration's own target type (e.g.
 * microsoftAuthenticatorAuthenticationMethodTarget with `authenticationMode`) with an `id` and a
 * `targetType` of user or group; unset booleans and collections get their defaults.
 */
function includeTargets(ctx: GraphContext, configurationType: string, value: unknown): Record<string, unknown>[] {
  const nav = familyCatalog.navigation(ctx.version, configurationType).find((n) => n.name === 'includeTargets');
  if (!nav) throw badRequest(`Invalid property 'includeTargets'.`, 'BadRequest');
  const type = `${G}${nav.type}`;
  if (!Array.isArray(value)) throw badRequest(`The property 'includeTargets' must be a collection of '${type}'.`, 'BadRequest');
  const defaults = familyCatalog.defaults(ctx.version, nav.type) ?? {};
  return value.map((item, i) => {
    const path = `includeTargets[${i}]`;
    const problem = familyCatalog.checkValue(ctx.version, nav.type, item, path);
    if (problem) throw badRequest(problem, 'BadRequest');
    const target = item as Record<string, unknown>;
    if (typeof target.id !== 'string' || target.id === '') throw badRequest(`A value is required for property 'id' of '${path}'.`, 'BadRequest');
    if (!TARGET_TYPES.includes(target.targetType)) {
      throw badRequest(`The value of '${path}.targetType' must be one of ${TARGET_TYPES.join(', ')}; got ${JSON.stringify(target.targetType)}.`, 'BadRequest');
    }
    if (target.isRegistrationRequired !== undefined && typeof target.isRegistrationRequired !== 'boolean') {
      throw badRequest(`The value of '${path}.isRegistrationRequired' must be a Boolean.`, 'BadRequest');
    }
    const filled: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(defaults)) if (v !== null && k !== 'id' && !(k in target)) filled[k] = Array.isArray(v) ? [] : v;
    return { ...target, ...filled };
  });
}

function touchAuthMethodsPolicy(ctx: GraphContext): void {
  ctx.tenant.store('authenticationMethodsPolicy').update('authenticationMethodsPolicy', { lastModifiedDateTime: ctx.tenant.nowIso() });
}

function authenticationMethodRoutes(): RouteSpec[] {
  const read = policyRead('Policy.ReadWrite.AuthenticationMethod');
  const shape = { contextName: 'policies/authenticationMethodsPolicy', projection: { entityType: `${G}authenticationMethodsPolicy`, fillDefaults: true } };
  return [
    ...defineSingleton({
      name: 'authenticationMethodsPolicy',
      path: AUTH_METHODS,
      store: 'authenticationMethodsPolicy',
      id: 'authenticationMethodsPolicy',
      entityType: `${G}authenticationMethodsPolicy`,
      permissions: { read, update: AUTH_METHODS_WRITE },
      projection: fill,
      write: { readOnly: ['lastModifiedDateTime', 'policyVersion'] },
      update: (ctx, _before, write) => ({ ...write.props, lastModifiedDateTime: ctx.tenant.nowIso() }),
      audit: { ...audit('authentication methods policy'), service: 'Authentication Methods' },
    }),
    // Replaces the singleton's GET: the method configurations come inline unless `$select` is used.
    route('GET', AUTH_METHODS, { permissions: read, name: 'authenticationMethodsPolicy.get' }, (ctx) => {
      const policy = ctx.tenant.store('authenticationMethodsPolicy').get('authenticationMethodsPolicy');
      if (!policy) throw notFound('authenticationMethodsPolicy');
      const res = entityResponse(ctx, shape, policy);
      if (!ctx.query.select) {
        const configs = [...ctx.tenant.store('authenticationMethodConfigurations').values()].map((c) => {
          const { '@odata.context': _c, ...rest } = entityResponse(ctx, { contextName: '', projection: { entityType: `${G}authenticationMethodConfiguration`, fillDefaults: true, inline: ['includeTargets'] } }, c).body as Record<string, unknown>;
          return rest;
        });
        const body = res.body as Record<string, unknown>;
        body['authenticationMethodConfigurations@odata.context'] = ctx.contextUrl('policies/authenticationMethodsPolicy/authenticationMethodConfigurations');
        body.authenticationMethodConfigurations = configs;
      }
      return res;
    }),
    ...defineEntitySet(METHOD_CONFIGURATIONS),
  ];
}

// ---- authorization policy ---------------------------------------------------------------------

function authorizationRoutes(): RouteSpec[] {
  const read = policyRead('Policy.ReadWrite.Authorization');
  const names = audit('authorization policy');
  return [
    ...defineSingleton({
      name: 'authorizationPolicy',
      path: '/policies/authorizationPolicy',
      store: 'authorizationPolicy',
      id: 'authorizationPolicy',
      entityType: `${G}authorizationPolicy`,
      versions: ['v1.0'],
      permissions: { read, update: AUTHORIZATION_WRITE },
      projection: fill,
      audit: names,
    }),
    // Beta models it as a collection of one.
    ...defineEntitySet({
      name: 'authorizationPolicy.beta',
      path: '/policies/authorizationPolicy',
      store: 'authorizationPolicy',
      entityType: `${G}authorizationPolicy`,
      contextName: 'policies/authorizationPolicy',
      versions: ['beta'],
      permissions: { read, update: AUTHORIZATION_WRITE },
      paging: 'none',
      count: false,
      projection: fill,
      audit: names,
    }),
  ];
}

// ---- token lifetime, home realm discovery, claims mapping ----------------------------------------

interface StsPolicyKind {
  readonly collection: string;
  readonly type: string;
  readonly noun: string;
  /** Where the policy is assigned from: `/applications/{id}/…`, `/servicePrincipals/{id}/…`. */
  readonly assignedFrom: ReadonlyArray<'applications' | 'servicePrincipals'>;
}

const STS_POLICIES: readonly StsPolicyKind[] = [
  { collection: 'tokenLifetimePolicies', type: 'tokenLifetimePolicy', noun: 'token lifetime policy', assignedFrom: ['applications', 'servicePrincipals'] },
  { collection: 'homeRealmDiscoveryPolicies', type: 'homeRealmDiscoveryPolicy', noun: 'home realm discovery policy', assignedFrom: ['servicePrincipals'] },
  { collection: 'claimsMappingPolicies', type: 'claimsMappingPolicy', noun: 'claims mapping policy', assignedFrom: ['servicePrincipals'] },
];

const appliesTo = (tenant: TenantState, kind: StsPolicyKind, policyId: string) => tenant.childStore(`${kind.collection}/appliesTo`, policyId);

function stsPolicyRoutes(kind: StsPolicyKind): RouteSpec[] {
  const read = policyRead('Policy.ReadWrite.ApplicationConfiguration');
  const spec: EntitySetSpec = {
    name: kind.collection,
    path: `/policies/${kind.collection}`,
    store: kind.collection,
    entityType: G + kind.type,
    contextName: `policies/${kind.collection}`,
    permissions: { read, create: APP_CONFIG_WRITE, update: APP_CONFIG_WRITE, delete: APP_CONFIG_WRITE },
    projection: fill,
    write: { readOnly: ['deletedDateTime'], required: ['displayName', 'definition'] },
    create: (_ctx, write) => {
      if (!Array.isArray(write.props.definition) || write.props.definition.some((d) => typeof d !== 'string')) {
        throw badRequest("The property 'definition' must be a collection of JSON strings.", 'BadRequest');
      }
      return { isOrganizationDefault: false, ...write.props, id: randomUUID(), deletedDateTime: null };
    },
    remove: (ctx, entity) => {
      ctx.tenant.store(kind.collection).remove(entity.id, 'hardDelete');
      ctx.tenant.dropChildren(kind.collection, entity.id);
    },
    audit: audit(kind.noun),
  };
  const routes: RouteSpec[] = [
    ...defineEntitySet(spec),
    route('GET', `/policies/${kind.collection}/{id}/appliesTo`, { permissions: read, name: `${kind.collection}.appliesTo` }, (ctx) => {
      if (!ctx.tenant.store(kind.collection).has(ctx.params.id as string)) throw notFound(ctx.params.id as string);
      const refs = appliesTo(ctx.tenant, kind, ctx.params.id as string);
      return listResponse(ctx, {
        source: function* () {
          for (const ref of refs.values()) {
            const live = ctx.tenant.liveObject(ref.id);
            if (live) yield typed(ctx, live.entity);
          }
        },
        contextName: 'directoryObjects',
        paging: 'none',
        projection: mixedProjection(),
      });
    }),
  ];
  for (const owner of kind.assignedFrom) {
    const base = `/${owner}/{id}/${kind.collection}`;
    const ownerOf = (ctx: GraphContext): Entity => {
      const live = ctx.tenant.liveObject(ctx.params.id as string);
      if (!live || live.kind !== (owner === 'applications' ? 'application' : 'servicePrincipal')) throw notFound(ctx.params.id as string);
      return live.entity;
    };
    const policiesOf = (ctx: GraphContext, objectId: string): Entity[] =>
      [...ctx.tenant.store(kind.collection).values()].filter((p) => appliesTo(ctx.tenant, kind, p.id).has(objectId));
    routes.push(
      route('GET', base, { permissions: read, name: `${owner}.${kind.collection}.list` }, (ctx) => {
        const object = ownerOf(ctx);
        return listResponse(ctx, { source: () => policiesOf(ctx, object.id), contextName: kind.collection, paging: 'none', projection: { entityType: G + kind.type, fillDefaults: true } });
      }),
      route('POST', `${base}/$ref`, { permissions: POLICY_LINK_WRITE, name: `${owner}.${kind.collection}.add` }, (ctx) => {
        const object = ownerOf(ctx);
        const policyId = idFromReference(requireObjectBody(ctx.request.body)['@odata.id']);
        if (!ctx.tenant.store(kind.collection).has(policyId)) throw notFound(policyId);
        // An object has at most one policy of each kind (the API pages' note).
        if (policiesOf(ctx, object.id).length > 0) throw badRequest(`The object already has a ${kind.noun}; remove it first.`);
        appliesTo(ctx.tenant, kind, policyId).insert({ id: object.id });
        ctx.audit({ activityDisplayName: `Add policy to ${owner === 'applications' ? 'application' : 'service principal'}`, category: 'Policy', operationType: 'Assign', targetResources: [{ id: policyId, type: 'Policy' }, { id: object.id, type: owner === 'applications' ? 'Application' : 'ServicePrincipal' }] });
        return { status: 204 };
      }),
      route('DELETE', `${base}/{policyId}/$ref`, { permissions: POLICY_LINK_WRITE, name: `${owner}.${kind.collection}.remove` }, (ctx) => {
        const object = ownerOf(ctx);
        const policyId = ctx.params.policyId as string;
        if (!appliesTo(ctx.tenant, kind, policyId).remove(object.id)) throw notFound(policyId);
        ctx.audit({ activityDisplayName: `Remove policy from ${owner === 'applications' ? 'application' : 'service principal'}`, category: 'Policy', operationType: 'Unassign', targetResources: [{ id: policyId, type: 'Policy' }, { id: object.id, type: owner === 'applications' ? 'Application' : 'ServicePrincipal' }] });
        return { status: 204 };
      }),
    );
  }
  return routes;
}

// ---- cross-tenant access -----------------------------------------------------------------------

const CROSS_TENANT = '/policies/crossTenantAccessPolicy';
const PARTNERS_STORE = 'crossTenantAccessPolicyPartners';

const PARTNERS: EntitySetSpec = {
  name: 'crossTenantPartners',
  path: `${CROSS_TENANT}/partners`,
  store: PARTNERS_STORE,
  entityType: `${G}crossTenantAccessPolicyConfigurationPartner`,
  contextName: 'policies/crossTenantAccessPolicy/partners',
  permissions: { read: policyRead('Policy.ReadWrite.CrossTenantAccess'), create: CROSS_TENANT_WRITE, update: CROSS_TENANT_WRITE, delete: CROSS_TENANT_WRITE },
  projection: { fillDefaults: true, hidden: ['id'] },
  write: { readOnly: ['isServiceProvider', 'isInMultiTenantOrganization', 'deletedDateTime'], required: ['tenantId'] },
  create: (ctx, write) => {
    const tenantId = String(write.props.tenantId);
    if (ctx.tenant.store(PARTNERS_STORE).has(tenantId)) throw badRequest(`A partner configuration for tenant '${tenantId}' already exists.`, 'BadRequest');
    return { ...write.props, id: tenantId };
  },
  update: (_ctx, before, write) => {
    if (write.props.tenantId !== undefined && write.props.tenantId !== before.id) throw badRequest("Property 'tenantId' is read-only and cannot be set.");
    return write.props;
  },
  remove: (ctx, entity) => softDelete(ctx, { store: PARTNERS_STORE, binStore: 'deletedCrossTenantPartners' }, entity),
  audit: audit('partner cross-tenant access setting'),
};

function crossTenantRoutes(): RouteSpec[] {
  const read = policyRead('Policy.ReadWrite.CrossTenantAccess');
  return [
    ...defineSingleton({
      name: 'crossTenantAccessPolicy', path: CROSS_TENANT, store: 'crossTenantAccessPolicy', id: 'crossTenantAccessPolicy',
      entityType: `${G}crossTenantAccessPolicy`, permissions: { read, update: CROSS_TENANT_WRITE }, projection: fill, audit: audit('cross-tenant access policy'),
    }),
    ...defineSingleton({
      name: 'crossTenantAccessPolicy.default', path: `${CROSS_TENANT}/default`, store: 'crossTenantAccessPolicyDefault', id: 'default',
      entityType: `${G}crossTenantAccessPolicyConfigurationDefault`, permissions: { read, update: CROSS_TENANT_WRITE }, projection: fill,
      write: { readOnly: ['isServiceDefault'] },
      // Any change makes the configuration the tenant's own rather than the service default.
      update: (_ctx, _before, write) => ({ ...write.props, isServiceDefault: false }),
      audit: audit('default cross-tenant access setting'),
    }),
    ...defineEntitySet(PARTNERS),
    ...defineDeletedItems({
      name: 'crossTenantPartners',
      store: PARTNERS_STORE,
      binStore: 'deletedCrossTenantPartners',
      binPath: '/policies/deletedItems/crossTenantPartners',
      contextName: 'policies/deletedItems/crossTenantPartners',
      projection: { entityType: `${G}crossTenantAccessPolicyConfigurationPartner`, fillDefaults: true, hidden: ['id'] },
      permissions: { read, write: CROSS_TENANT_WRITE },
      audit: audit('partner cross-tenant access setting'),
    }),
  ];
}

// ---- security defaults -------------------------------------------------------------------------

export const SECURITY_DEFAULTS_ID = '00000000-0000-0000-0000-000000000005';

function securityDefaultsRoutes(): RouteSpec[] {
  return defineSingleton({
    name: 'identitySecurityDefaultsEnforcementPolicy',
    path: '/policies/identitySecurityDefaultsEnforcementPolicy',
    store: 'identitySecurityDefaultsEnforcementPolicy',
    id: SECURITY_DEFAULTS_ID,
    entityType: `${G}identitySecurityDefaultsEnforcementPolicy`,
    permissions: { read: policyRead('Policy.ReadWrite.ConditionalAccess'), update: SECURITY_DEFAULTS_WRITE },
    projection: fill,
    audit: audit('security defaults policy'),
  });
}

export const policiesModule = defineModule({
  name: 'policies',
  routes: [...authenticationMethodRoutes(), ...authorizationRoutes(), ...STS_POLICIES.flatMap(stsPolicyRoutes), ...crossTenantRoutes(), ...securityDefaultsRoutes()],
  catalog: familyCatalog,
  // Partners come from the generator as children of the policy; they live in a store of their own here.
  initTenant: (tenant) => {
    const partners = tenant.store(PARTNERS_STORE);
    for (const p of tenant.childStore('crossTenantAccessPolicy/partners', 'crossTenantAccessPolicy').values()) if (!partners.has(p.id)) partners.insert(p, { silent: true });
  },
});
