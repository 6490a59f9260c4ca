/**
 * Domains and the organization:
 * - `/domains`: list, get, create (`id` is the only property, domain-post-domains.md), update,
 *   delete (refused while users still use the domain — domain-delete.md), `verify`;
 * - `/organization` (one entity, id = tenant ID): list, get, PATCH of its writable properties;
 * - `/organization/{id}/branding` (GET/PATCH; image streams such as `bannerLogo` via PUT/GET) and
 *   `/branding/localizations` (list, get, create, update, delete), organizationalbranding-*.md.
 *   Facts §7.1: PATCH is documented with `Accept-Language: 0`; the emulator accepts it with or
 *   without the header (application permission support is uncertain upstream).
 */
import { P } from '../graph/permissions.js';
import { badRequest, notFound } from '../graph/errors.js';
import { defineEntitySet, route, type EntitySetSpec } from '../graph/resource.js';
import { entityResponse } from '../graph/collection.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';

const DOMAINS: EntitySetSpec = {
  name: 'domains',
  path: '/domains',
  store: 'domains',
  entityType: 'microsoft.graph.domain',
  permissions: { read: P.domainRead, create: P.domainWrite, update: P.domainWrite, delete: P.domainWrite },
  paging: 'none',
  write: {
    clientKey: true,
    readOnly: ['authenticationType', 'isInitial', 'isRoot', 'isVerified', 'availabilityStatus', 'state', 'manufacturer', 'model', 'isAdminManaged'],
  },
  create: (ctx, write) => {
    const id = write.props.id;
    if (typeof id !== 'string' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(id)) throw badRequest("A value is required for property 'id' of resource 'Domain'.");
    const extra = Object.keys(write.props).filter((k) => k !== 'id');
    if (extra.length > 0) throw badRequest(`Property '${extra[0]}' cannot be set when creating a domain; only 'id' is allowed.`);
    if (ctx.tenant.store('domains').has(id.toLowerCase())) throw badRequest('A domain with the specified name already exists in the directory.');
    return {
      id: id.toLowerCase(), authenticationType: 'Managed', availabilityStatus: null, isAdminManaged: true, isDefault: false, isInitial: false, isRoot: true,
      isVerified: false, manufacturer: null, model: null, passwordNotificationWindowInDays: 14, passwordValidityPeriodInDays: 2147483647, state: null, supportedServices: [],
    };
  },
  update: (ctx, before, write) => {
    if (write.props.isDefault === true) {
      if (before.isVerified !== true) throw badRequest('Only a verified domain can be the default domain.');
      for (const d of [...ctx.tenant.store('domains').values()]) if (d.isDefault === true && d.id !== before.id) ctx.tenant.store('domains').update(d.id, { isDefault: false });
    }
    return write.props;
  },
  remove: (ctx, entity) => {
    if (entity.isInitial === true) throw badRequest('The initial domain cannot be deleted.');
    const suffix = `@${entity.id.toLowerCase()}`;
    for (const u of ctx.tenant.store('users').values()) {
      if (String(u.userPrincipalName).toLowerCase().endsWith(suffix)) {
        throw badRequest(`Domain '${entity.id}' cannot be deleted because it is referenced by objects in the directory. Use GET /domains/${entity.id}/domainNameReferences to find them.`);
      }
    }
    ctx.tenant.store('domains').remove(entity.id, 'hardDelete');
  },
  audit: { category: 'DirectoryManagement', noun: 'domain', targetType: 'Other' },
};

const ORG_WRITABLE = ['marketingNotificationEmails', 'privacyProfile', 'securityComplianceNotificationMails', 'securityComplianceNotificationPhones', 'technicalNotificationMails', 'onPremisesSyncEnabled'];

const ORGANIZATION: EntitySetSpec = {
  name: 'organization',
  path: '/organization',
  store: 'organization',
  entityType: 'microsoft.graph.organization',
  permissions: { read: P.orgRead, update: P.orgWrite },
  paging: 'none',
  update: (_ctx, _before, write) => {
    for (const k of Object.keys(write.props)) if (!ORG_WRITABLE.includes(k)) throw badRequest(`Property '${k}' is read-only and cannot be set.`);
    return write.props;
  },
  audit: { category: 'DirectoryManagement', noun: 'company settings', targetType: 'Other' },
};

const IMAGES = ['backgroundImage', 'bannerLogo', 'squareLogo', 'squareLogoDark', 'favicon', 'headerLogo', 'customCSS'];
const BRANDING_READ_ONLY = ['backgroundImageRelativeUrl', 'bannerLogoRelativeUrl', 'cdnList', 'customCSSRelativeUrl', 'faviconRelativeUrl', 'headerLogoRelativeUrl', 'squareLogoRelativeUrl', 'squareLogoDarkRelativeUrl'];

/** Branding image streams per tenant (binary, so not entities). */
const brandingImages = new WeakMap<TenantState, Map<string, { type: string; data: Buffer }>>();

function orgOr404(ctx: GraphContext, key: string): Entity {
  const org = ctx.tenant.store('organization').get(key);
  if (!org) throw notFound(key);
  return org;
}

function brandingRoutes(): RouteSpec[] {
  const base = '/organization/{id}/branding';
  const images = (ctx: GraphContext): Map<string, { type: string; data: Buffer }> => {
    let map = brandingImages.get(ctx.tenant);
    if (!map) brandingImages.set(ctx.tenant, (map = new Map()));
    return map;
  };
  const branding = (ctx: GraphContext): Entity => {
    const b = ctx.tenant.store('organizationalBranding').get('0');
    if (!b) throw notFound('branding');
    return b;
  };
  const shape = (ctx: GraphContext) => ({ contextName: `organization('${ctx.params.id}')/branding`, projection: { entityType: 'microsoft.graph.organizationalBranding', selectOnly: IMAGES } });
  const locShape = (ctx: GraphContext) => ({ contextName: `organization('${ctx.params.id}')/branding/localizations`, projection: { entityType: 'microsoft.graph.organizationalBrandingLocalization', selectOnly: IMAGES } });
  const audit = (ctx: GraphContext, action: string, id: string): void =>
    ctx.audit({ activityDisplayName: `${action} company branding`, category: 'DirectoryManagement', operationType: action === 'Delete' ? 'Delete' : 'Update', targetResources: [{ id, type: 'Other' }] });
  const routes: RouteSpec[] = [
    route('GET', base, { permissions: P.brandingRead, name: 'organization.branding.get' }, (ctx) => {
      orgOr404(ctx, ctx.params.id as string);
      return entityResponse(ctx, shape(ctx), branding(ctx));
    }),
    route('PATCH', base, { permissions: P.brandingWrite, name: 'organization.branding.update' }, (ctx) => {
      orgOr404(ctx, ctx.params.id as string);
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(body)) if (BRANDING_READ_ONLY.includes(k) || k === 'id') throw badRequest(`Property '${k}' is read-only and cannot be set.`);
      const props = ctx.schema.properties('microsoft.graph.organizationalBranding');
      for (const k of Object.keys(body)) if (props && !props.has(k) && !k.startsWith('@')) throw badRequest(`Invalid property '${k}'.`);
      ctx.tenant.store('organizationalBranding').update('0', body);
      audit(ctx, 'Update', '0');
      return { status: 204 };
    }),
  ];
  const localizations = (ctx: GraphContext) => ctx.tenant.store('organizationalBrandingLocalizations');
  routes.push(
    route('GET', `${base}/localizations`, { permissions: P.brandingRead, name: 'organization.branding.localizations.list' }, (ctx) => {
      orgOr404(ctx, ctx.params.id as string);
      const items = [{ ...branding(ctx), id: '0' }, ...localizations(ctx).values()];
      return { status: 200, body: { '@odata.context': ctx.contextUrl(locShape(ctx).contextName), value: items.map((e) => entityResponse(ctx, locShape(ctx), e).body).map((b) => { const { '@odata.context': _c, ...rest } = b as Record<string, unknown>; return rest; }) } };
    }),
    route('GET', `${base}/localizations/{locale}`, { permissions: P.brandingRead, name: 'organization.branding.localizations.get' }, (ctx) => {
      const locale = ctx.params.locale as string;
      const e = locale === '0' ? { ...branding(ctx), id: '0' } : localizations(ctx).get(locale);
      if (!e) throw notFound(locale);
      return entityResponse(ctx, locShape(ctx), e);
    }),
    route('POST', `${base}/localizations`, { permissions: P.brandingWrite, name: 'organization.branding.localizations.create' }, (ctx) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      if (typeof body.id !== 'string' || body.id === '') throw badRequest("A value is required for property 'id' of resource 'OrganizationalBrandingLocalization'.");
      if (localizations(ctx).has(body.id)) throw badRequest(`A localization for '${body.id}' already exists.`);
      const e = localizations(ctx).insert({ ...body, id: body.id });
      audit(ctx, 'Add', body.id);
      return entityResponse(ctx, locShape(ctx), e, 201);
    }),
    route('PATCH', `${base}/localizations/{locale}`, { permissions: P.brandingWrite, name: 'organization.branding.localizations.update' }, (ctx) => {
      const locale = ctx.params.locale as string;
      if (!localizations(ctx).has(locale)) throw notFound(locale);
      localizations(ctx).update(locale, (ctx.request.body ?? {}) as Record<string, unknown>);
      audit(ctx, 'Update', locale);
      return { status: 204 };
    }),
    route('DELETE', `${base}/localizations/{locale}`, { permissions: P.brandingWrite, name: 'organization.branding.localizations.delete' }, (ctx) => {
      const locale = ctx.params.locale as string;
      if (!localizations(ctx).remove(locale)) throw notFound(locale);
      audit(ctx, 'Delete', locale);
      return { status: 204 };
    }),
  );
  for (const image of IMAGES) {
    routes.push(
      route('GET', `${base}/${image}`, { permissions: P.brandingRead, name: `organization.branding.${image}.get` }, (ctx) => {
        const img = images(ctx).get(`0/${image}`);
        if (!img) throw notFound(image);
        return { status: 200, headers: { 'content-type': img.type }, body: img.data };
      }),
      route('PUT', `${base}/${image}`, { permissions: P.brandingWrite, name: `organization.branding.${image}.put` }, (ctx) => {
        const type = ctx.request.headers['content-type'] ?? 'application/octet-stream';
        images(ctx).set(`0/${image}`, { type, data: ctx.request.rawBody ?? Buffer.alloc(0) });
        ctx.tenant.store('organizationalBranding').update('0', { [`${image}RelativeUrl`]: `${ctx.tenant.tenantId}/${image}/${Date.now().toString(36)}` });
        audit(ctx, 'Update', '0');
        return { status: 204 };
      }),
    );
  }
  return routes;
}

export function organizationRoutes(): RouteSpec[] {
  return [
    ...defineEntitySet(DOMAINS),
    route('POST', '/domains/{id}/verify', { permissions: P.domainWrite, name: 'domains.verify' }, (ctx) => {
      const d = ctx.tenant.store('domains').get(String(ctx.params.id).toLowerCase());
      if (!d) throw notFound(ctx.params.id as string);
      const after = ctx.tenant.store('domains').update(d.id, { isVerified: true, supportedServices: (d.supportedServices as string[]).length ? d.supportedServices : ['Email'] })?.after as Entity;
      ctx.audit({ activityDisplayName: 'Verify domain', category: 'DirectoryManagement', operationType: 'Update', targetResources: [{ id: d.id, type: 'Other', displayName: d.id }] });
      return entityResponse(ctx, { contextName: 'domains', projection: { entityType: 'microsoft.graph.domain' } }, after);
    }),
    ...defineEntitySet(ORGANIZATION),
    ...brandingRoutes(),
  ];
}
