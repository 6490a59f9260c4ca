/**
 * App registrations and service principals:
 * - `/applications` (also `applications(appId='…')`): list (2 RU), get, create, update, soft delete,
 *   delta; `owners`; `addPassword` (the only time `secretText` is returned), `removePassword`,
 *   `addKey`, `removeKey`;
 * - `/servicePrincipals` (also `servicePrincipals(appId='…')`): list, get, create (`appId` of an
 *   application in the tenant or a known first-party app), update, soft delete, delta; `owners`,
 *   `appRoleAssignedTo`, `appRoleAssignments`, `oauth2PermissionGrants`.
 *
 * Rules (application-addpassword.md, facts §6.1/§6.3): `passwordCredentials` cannot be written
 * directly; `appId`, `publisherDomain` are read-only; restoring an application does not restore
 * its service principal. Not verified: the `proof` JWT of addKey/removeKey (accepted as given).
 */
import { randomUUID } from 'node:crypto';
import { DIRECTORY_PAGING, listResponse } from '../graph/collection.js';
import { badRequest, notFound } from '../graph/errors.js';
import { P } from '../graph/permissions.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import { requireObjectBody, type ParsedWrite } from '../graph/writes.js';
import type { Entity } from '../state/store.js';
import { OAUTH2_GRANTS, addSecret, resolveApplication, resolveServicePrincipal, servicePrincipalByAppId, servicePrincipalFor } from './apps.js';
import { appRoleAssignedToRoutes, appRoleAssignmentRoutes } from './app-role-assignments.js';
import { deleteDirectoryObject } from './objects.js';
import { addLinks, linksExpand, navigationRoutes, type NavigationSpec } from './shared.js';
import { memberOfRoutes } from './users.js';
import { FIRST_PARTY_APPS } from '../login/first-party.js';

const APP_READ_ONLY = ['appId', 'createdDateTime', 'deletedDateTime', 'publisherDomain', 'passwordCredentials', 'applicationTemplateId', 'createdByAppId', 'certification'];
const SP_READ_ONLY = ['appDisplayName', 'appOwnerOrganizationId', 'applicationTemplateId', 'deletedDateTime', 'passwordCredentials', 'signInAudience', 'createdByAppId', 'resourceSpecificApplicationPermissions'];

const appOr404 = (ctx: GraphContext, key: string): Entity => {
  const a = resolveApplication(ctx.tenant, key);
  if (!a) throw notFound(key);
  return a;
};
const spOr404 = (ctx: GraphContext, key: string): Entity => {
  const s = resolveServicePrincipal(ctx.tenant, key);
  if (!s) throw notFound(key);
  return s;
};

const ownersNav = (targetType: string, category = 'ApplicationManagement'): Omit<NavigationSpec, 'base' | 'read' | 'owner'> => ({
  nav: 'owners', relation: 'owners', direction: 'forward', kinds: ['user', 'servicePrincipal'], write: P.appWrite,
  audit: { category, add: `Add owner to ${targetType === 'Application' ? 'application' : 'service principal'}`, remove: `Remove owner from ${targetType === 'Application' ? 'application' : 'service principal'}`, targetType },
});

function createApplication(ctx: GraphContext, write: ParsedWrite): Entity {
  const p = write.props;
  const now = ctx.tenant.nowIso();
  const app: Entity = {
    id: randomUUID(),
    addIns: [],
    api: { acceptMappedClaims: null, knownClientApplications: [], oauth2PermissionScopes: [], preAuthorizedApplications: [], requestedAccessTokenVersion: null },
    appId: randomUUID(),
    appRoles: [],
    applicationTemplateId: null,
    createdDateTime: now,
    deletedDateTime: null,
    description: null,
    groupMembershipClaims: null,
    identifierUris: [],
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    isFallbackPublicClient: false,
    keyCredentials: [],
    notes: null,
    optionalClaims: null,
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    passwordCredentials: [],
    publicClient: { redirectUris: [] },
    publisherDomain: ctx.tenant.domain,
    requiredResourceAccess: [],
    signInAudience: 'AzureADMyOrg',
    spa: { redirectUris: [] },
    tags: [],
    tokenEncryptionKeyId: null,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: { homePageUrl: null, logoutUrl: null, redirectUris: [], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [] },
    ...p,
  };
  ctx.tenant.addObject('application', app);
  return app;
}

function bindOwners(nav: Omit<NavigationSpec, 'base' | 'read' | 'owner'>) {
  return (ctx: GraphContext, entity: Entity, write: ParsedWrite): void => {
    for (const [name, ids] of Object.entries(write.binds)) {
      if (name !== 'owners') throw badRequest(`The navigation property '${name}' cannot be bound here.`);
      addLinks(ctx, nav, entity, ids);
    }
  };
}

export const APPLICATIONS: EntitySetSpec = {
  name: 'applications',
  path: '/applications',
  store: 'applications',
  entityType: 'microsoft.graph.application',
  permissions: { read: P.appRead, create: P.appCreate, update: P.appWrite, delete: P.appWrite },
  cost: { list: 2 },
  paging: DIRECTORY_PAGING,
  advancedQueries: true,
  orderable: ['displayName'],
  searchable: ['displayName', 'appId'],
  delta: true,
  expand: { owners: linksExpand('owners') },
  find: (ctx, key) => resolveApplication(ctx.tenant, key),
  write: { readOnly: APP_READ_ONLY, required: ['displayName'] },
  create: createApplication,
  afterCreate: bindOwners(ownersNav('Application')),
  remove: (ctx, entity) => {
    deleteDirectoryObject(ctx.tenant, entity.id);
  },
  audit: { category: 'ApplicationManagement', noun: 'application', targetType: 'Application' },
};

function createServicePrincipal(ctx: GraphContext, write: ParsedWrite): Entity {
  const appId = write.props.appId;
  if (typeof appId !== 'string') throw badRequest("A value is required for property 'appId' of resource 'ServicePrincipal'.");
  if (servicePrincipalByAppId(ctx.tenant, appId)) throw badRequest('Another object with the same value for property servicePrincipalNames already exists.');
  const app = resolveApplication(ctx.tenant, `appId=${appId}`);
  const firstParty = FIRST_PARTY_APPS.find((a) => a.appId === appId);
  if (!app && !firstParty) throw badRequest(`The appId '${appId}' of the service principal does not reference a valid application object.`);
  const base = app
    ? servicePrincipalFor(ctx.tenant, app, randomUUID())
    : servicePrincipalFor(ctx.tenant, { id: '', appId, displayName: firstParty?.displayName, signInAudience: 'AzureADMultipleOrgs' } as Entity, randomUUID());
  const { appId: _a, ...rest } = write.props;
  const sp = { ...base, ...rest, appId };
  ctx.tenant.addObject('servicePrincipal', sp);
  return sp;
}

export const SERVICE_PRINCIPALS: EntitySetSpec = {
  name: 'servicePrincipals',
  path: '/servicePrincipals',
  store: 'servicePrincipals',
  entityType: 'microsoft.graph.servicePrincipal',
  permissions: { read: P.appRead, create: P.appCreate, update: P.appWrite, delete: P.appWrite },
  paging: DIRECTORY_PAGING,
  advancedQueries: true,
  orderable: ['displayName'],
  searchable: ['displayName', 'appDisplayName', 'appId'],
  delta: true,
  expand: { owners: linksExpand('owners') },
  find: (ctx, key) => resolveServicePrincipal(ctx.tenant, key),
  write: { readOnly: SP_READ_ONLY, required: ['appId'], immutable: ['appId'] },
  create: createServicePrincipal,
  afterCreate: bindOwners(ownersNav('ServicePrincipal')),
  remove: (ctx, entity) => {
    deleteDirectoryObject(ctx.tenant, entity.id);
  },
  audit: { category: 'ApplicationManagement', noun: 'service principal', targetType: 'ServicePrincipal' },
};

function credentialRoutes(): RouteSpec[] {
  const base = '/applications/{id}';
  const audit = (ctx: GraphContext, app: Entity, before: unknown, after: unknown, key: 'PasswordCredentials' | 'KeyCredentials'): void => {
    ctx.audit({
      activityDisplayName: 'Update application – Certificates and secrets management ', category: 'ApplicationManagement', operationType: 'Update',
      targetResources: [{ id: app.id, type: 'Application', displayName: app.displayName as string, modifiedProperties: [{ displayName: key, oldValue: JSON.stringify(before), newValue: JSON.stringify(after) }] }],
    });
  };
  return [
    route('POST', `${base}/addPassword`, { permissions: P.appWrite, name: 'applications.addPassword' }, (ctx) => {
      const app = appOr404(ctx, ctx.params.id as string);
      const body = (ctx.request.body ?? {}) as { passwordCredential?: { displayName?: string; endDateTime?: string } };
      const credential = addSecret(ctx.tenant, app.id, { displayName: body.passwordCredential?.displayName ?? null, endDateTime: body.passwordCredential?.endDateTime ?? null });
      const { id: _id, ...shown } = credential;
      const after = ctx.tenant.store('applications').get(app.id) as Entity;
      audit(ctx, app, app.passwordCredentials, after.passwordCredentials, 'PasswordCredentials');
      return { status: 200, body: { '@odata.context': ctx.contextUrl('microsoft.graph.passwordCredential'), ...shown } };
    }),
    route('POST', `${base}/removePassword`, { permissions: P.appWrite, name: 'applications.removePassword' }, (ctx) => {
      const app = appOr404(ctx, ctx.params.id as string);
      const keyId = String(requireObjectBody(ctx.request.body).keyId ?? '');
      const creds = (app.passwordCredentials as Entity[] | undefined) ?? [];
      if (!creds.some((c) => c.keyId === keyId)) throw badRequest(`No password credential found with keyId '${keyId}'.`);
      const remaining = creds.filter((c) => c.keyId !== keyId);
      ctx.tenant.store('applications').update(app.id, { passwordCredentials: remaining });
      ctx.tenant.secrets.delete(keyId);
      audit(ctx, app, creds, remaining, 'PasswordCredentials');
      return { status: 204 };
    }),
    route('POST', `${base}/addKey`, { permissions: P.appWrite, name: 'applications.addKey' }, (ctx) => {
      const app = appOr404(ctx, ctx.params.id as string);
      const body = requireObjectBody(ctx.request.body);
      const kc = body.keyCredential as Record<string, unknown> | undefined;
      if (!kc || typeof kc.key !== 'string') throw badRequest("A value is required for property 'keyCredential' of resource 'Application'.");
      if (typeof body.proof !== 'string') throw badRequest("A value is required for parameter 'proof'.");
      const credential = {
        customKeyIdentifier: kc.customKeyIdentifier ?? null, displayName: kc.displayName ?? null, endDateTime: kc.endDateTime ?? null,
        key: kc.key, keyId: kc.keyId ?? randomUUID(), startDateTime: kc.startDateTime ?? ctx.tenant.nowIso(), type: kc.type ?? 'AsymmetricX509Cert', usage: kc.usage ?? 'Verify',
      };
      const creds = (app.keyCredentials as Entity[] | undefined) ?? [];
      ctx.tenant.store('applications').update(app.id, { keyCredentials: [...creds, credential] });
      audit(ctx, app, creds, [...creds, credential], 'KeyCredentials');
      return { status: 200, body: { '@odata.context': ctx.contextUrl('microsoft.graph.keyCredential'), ...credential } };
    }),
    route('POST', `${base}/removeKey`, { permissions: P.appWrite, name: 'applications.removeKey' }, (ctx) => {
      const app = appOr404(ctx, ctx.params.id as string);
      const body = requireObjectBody(ctx.request.body);
      const keyId = String(body.keyId ?? '');
      const creds = (app.keyCredentials as Entity[] | undefined) ?? [];
      if (!creds.some((c) => c.keyId === keyId)) throw badRequest(`No key credential found with keyId '${keyId}'.`);
      const remaining = creds.filter((c) => c.keyId !== keyId);
      ctx.tenant.store('applications').update(app.id, { keyCredentials: remaining });
      audit(ctx, app, creds, remaining, 'KeyCredentials');
      return { status: 204 };
    }),
  ];
}

export function applicationRoutes(): RouteSpec[] {
  return [
    ...defineEntitySet(APPLICATIONS),
    ...navigationRoutes({ base: '/applications/{id}', read: P.appRead, owner: appOr404, ...ownersNav('Application') }),
    ...credentialRoutes(),
    ...defineEntitySet(SERVICE_PRINCIPALS),
    ...navigationRoutes({ base: '/servicePrincipals/{id}', read: P.appRead, owner: spOr404, ...ownersNav('ServicePrincipal') }),
    ...appRoleAssignedToRoutes(spOr404),
    ...appRoleAssignmentRoutes('/servicePrincipals/{id}', spOr404, 'ServicePrincipal'),
    ...memberOfRoutes('/servicePrincipals/{id}', spOr404, 'servicePrincipals'),
    route('GET', '/servicePrincipals/{id}/oauth2PermissionGrants', { permissions: P.grantRead, cost: 2, name: 'servicePrincipals.oauth2PermissionGrants' }, (ctx) => {
      const sp = spOr404(ctx, ctx.params.id as string);
      const store = ctx.tenant.store(OAUTH2_GRANTS);
      return listResponse(ctx, {
        source: function* () {
          for (const g of store.values()) if (g.clientId === sp.id) yield g;
        },
        contextName: 'oauth2PermissionGrants', paging: DIRECTORY_PAGING, projection: { entityType: 'microsoft.graph.oAuth2PermissionGrant' },
      });
    }),
  ];
}
