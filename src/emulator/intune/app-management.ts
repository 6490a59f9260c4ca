/**
 * Intune `deviceAppManagement` collections: mobile apps, app protection policies per platform
 * (`iosManagedAppProtections`, `androidManagedAppProtections`), managed-app configurations
 * (`targetedManagedAppConfigurations`), managed-device app configurations
 * (`mobileAppConfigurations`), and the `managedAppPolicies` read view over protections and
 * configurations alike (facts §7.2: it lists them all; writes go through the typed collections).
 *
 * Per resource (facts §7.2; docs `intune-apps-mobileapp-assign`, `intune-mam-*-assign`,
 * `intune-mam-*-targetapps`, `intune-apps-manageddevicemobileappconfiguration-assign`):
 * - `/assign` answers 204; mobile apps take `mobileAppAssignments`, the others `assignments`;
 *   mobile-app assignment IDs end in `_0_0` as Intune forms them;
 * - `targetApps` (`{apps, appGroupType}`) replaces a policy's targeted apps (204) and counts them
 *   in `deployedAppCount`;
 * - permissions: DeviceManagementApps.Read.All / ReadWrite.All.
 * App binaries (content versions, files) are not emulated beyond their empty collections (facts §6.1).
 */
import { entityResponse, listResponse } from '../graph/collection.js';
import { anyOf } from '../graph/permissions.js';
import { typeOf } from '../graph/projection.js';
import { route } from '../graph/resource.js';
import type { GraphContext, GraphResponse, RouteSpec } from '../graph/types.js';
import { parseWrite, requireObjectBody } from '../graph/writes.js';
import { familyCatalog } from '../family-schema/index.js';
import type { Entity } from '../state/store.js';
import { children, defineIntuneCollection, INTUNE_PAGING, intuneBadRequest, intuneNotFound, type IntuneCollectionSpec } from './collection.js';

export const APPS_READ = anyOf(['DeviceManagementApps.Read.All', 'DeviceManagementApps.ReadWrite.All']);
export const APPS_WRITE = anyOf(['DeviceManagementApps.ReadWrite.All']);

const DAM = '/deviceAppManagement';
const policyAssign = { lists: [{ key: 'assignments', nav: 'assignments', type: 'targetedManagedAppPolicyAssignment' }], status: 204 } as const;

export const MOBILE_APPS: IntuneCollectionSpec = {
  name: 'mobileApps',
  path: `${DAM}/mobileApps`,
  store: 'mobileApps',
  entityType: 'mobileApp',
  polymorphic: true,
  permissions: { read: APPS_READ, write: APPS_WRITE },
  assign: { lists: [{ key: 'mobileAppAssignments', nav: 'assignments', type: 'mobileAppAssignment' }], status: 204, idSuffix: '_0_0' },
};

const protection = (collection: string, type: string): IntuneCollectionSpec => ({
  name: collection,
  path: `${DAM}/${collection}`,
  store: 'managedAppPolicies',
  childPrefix: 'managedAppPolicies',
  entityType: type,
  onlyType: type,
  permissions: { read: APPS_READ, write: APPS_WRITE },
  assign: policyAssign,
});

export const APP_PROTECTIONS: IntuneCollectionSpec[] = [
  protection('iosManagedAppProtections', 'iosManagedAppProtection'),
  protection('androidManagedAppProtections', 'androidManagedAppProtection'),
];

export const TARGETED_CONFIGURATIONS: IntuneCollectionSpec = {
  name: 'targetedManagedAppConfigurations',
  path: `${DAM}/targetedManagedAppConfigurations`,
  store: 'targetedManagedAppConfigurations',
  entityType: 'targetedManagedAppConfiguration',
  permissions: { read: APPS_READ, write: APPS_WRITE },
  assign: policyAssign,
};

export const MOBILE_APP_CONFIGURATIONS: IntuneCollectionSpec = {
  name: 'mobileAppConfigurations',
  path: `${DAM}/mobileAppConfigurations`,
  store: 'mobileAppConfigurations',
  entityType: 'managedDeviceMobileAppConfiguration',
  polymorphic: true,
  permissions: { read: APPS_READ, write: APPS_WRITE },
  assign: { lists: [{ key: 'assignments', nav: 'assignments', type: 'managedDeviceMobileAppConfigurationAssignment' }], status: 204 },
};

/** The collection spec that owns a managed-app policy ID (protections or targeted configurations). */
function owningSpec(ctx: GraphContext, id: string): { spec: IntuneCollectionSpec; entity: Entity } | undefined {
  const protectionEntity = ctx.tenant.store('managedAppPolicies').get(id);
  if (protectionEntity) {
    const type = typeOf(protectionEntity, 'microsoft.graph.managedAppPolicy').replace(/^microsoft\.graph\./, '');
    const spec = APP_PROTECTIONS.find((s) => s.onlyType === type);
    return spec ? { spec, entity: protectionEntity } : undefined;
  }
  const configuration = ctx.tenant.store('targetedManagedAppConfigurations').get(id);
  return configuration ? { spec: TARGETED_CONFIGURATIONS, entity: configuration } : undefined;
}

/** `targetApps`: the posted apps replace the policy's targeted apps. */
function targetApps(ctx: GraphContext, spec: IntuneCollectionSpec, parent: Entity): GraphResponse {
  const body = requireObjectBody(ctx.request.body);
  if (!Array.isArray(body.apps)) throw intuneBadRequest(ctx, "A value is required for parameter 'apps'.");
  // Every app is checked before anything changes.
  const apps = (body.apps as unknown[]).map((raw, index) => {
    const { '@odata.type': _t, ...record } = requireObjectBody(raw);
    const app = parseWrite(ctx, record, { entityType: 'microsoft.graph.managedMobileApp', resourceName: 'managedMobileApp', ignored: ['version'], clientKey: true }, 'create').props;
    const identifier = (app.mobileAppIdentifier ?? {}) as Record<string, unknown>;
    const key = String(identifier.bundleId ?? identifier.packageId ?? identifier.windowsAppId ?? index);
    const platform = /ios/i.test(String(identifier['@odata.type'] ?? '')) ? 'ios' : /android/i.test(String(identifier['@odata.type'] ?? '')) ? 'android' : 'windows';
    return { ...app, id: typeof app.id === 'string' && app.id !== '' ? app.id : `${key}.${platform}` };
  });
  const store = children(ctx, spec, parent.id, 'apps');
  store.clear();
  for (const app of apps) if (!store.has(app.id)) store.insert(app);
  const patch: Record<string, unknown> = { deployedAppCount: store.size };
  if (typeof body.appGroupType === 'string') patch.appGroupType = body.appGroupType;
  const owner = spec.store;
  ctx.tenant.store(owner).update(parent.id, patch);
  return { status: 204 };
}

function targetAppsRoute(spec: IntuneCollectionSpec): RouteSpec {
  return route('POST', `${spec.path}/{id}/targetApps`, { throttle: 'intune', permissions: APPS_WRITE, name: `${spec.name}.targetApps` }, (ctx) => {
    const parent = ctx.tenant.store(spec.store).get(ctx.params.id as string);
    if (!parent || (spec.onlyType && typeOf(parent, '').replace(/^microsoft\.graph\./, '') !== spec.onlyType)) throw intuneNotFound(ctx);
    return targetApps(ctx, spec, parent);
  });
}

/** `managedAppPolicies`: every app protection and managed-app configuration, read-only but for `assign` and `targetApps`. */
function managedAppPolicyView(): RouteSpec[] {
  const path = `${DAM}/managedAppPolicies`;
  const projection = { entityType: 'microsoft.graph.managedAppPolicy', fillDefaults: true };
  const typed = (e: Entity): Entity => (e['@odata.type'] ? e : { ...e, '@odata.type': '#microsoft.graph.targetedManagedAppConfiguration' });
  const visible = (ctx: GraphContext, e: Entity): boolean => familyCatalog.knows(ctx.version, typeOf(e, 'microsoft.graph.managedAppPolicy'));
  const find = (ctx: GraphContext): { spec: IntuneCollectionSpec; entity: Entity } => {
    const owned = owningSpec(ctx, ctx.params.id as string);
    if (!owned || !visible(ctx, typed(owned.entity))) throw intuneNotFound(ctx);
    return owned;
  };
  const common = { throttle: 'intune' as const };
  // The typed collections' own assign routes hold the replace-all logic.
  const assignBySpec = new Map<IntuneCollectionSpec, RouteSpec>();
  for (const spec of [...APP_PROTECTIONS, TARGETED_CONFIGURATIONS]) {
    const own = defineIntuneCollection(spec).find((r) => r.method === 'POST' && r.path.endsWith('/assign'));
    if (own) assignBySpec.set(spec, own);
  }
  return [
    route('GET', path, { ...common, permissions: APPS_READ, name: 'managedAppPolicies.list' }, (ctx) =>
      listResponse(ctx, {
        source: function* () {
          for (const e of ctx.tenant.store('managedAppPolicies').values()) yield e;
          for (const e of ctx.tenant.store('targetedManagedAppConfigurations').values()) yield typed(e);
        },
        where: (e) => visible(ctx, e),
        contextName: 'deviceAppManagement/managedAppPolicies',
        paging: INTUNE_PAGING,
        projection,
        expandCapsPage: false,
      }),
    ),
    route('GET', `${path}/{id}`, { ...common, permissions: APPS_READ, name: 'managedAppPolicies.get' }, (ctx) =>
      entityResponse(ctx, { contextName: 'deviceAppManagement/managedAppPolicies', projection }, typed(find(ctx).entity)),
    ),
    route('POST', `${path}/{id}/targetApps`, { ...common, permissions: APPS_WRITE, name: 'managedAppPolicies.targetApps' }, (ctx) => {
      const { spec, entity } = find(ctx);
      return targetApps(ctx, spec, entity);
    }),
    route('POST', `${path}/{id}/assign`, { ...common, permissions: APPS_WRITE, name: 'managedAppPolicies.assign' }, (ctx) => {
      const own = assignBySpec.get(find(ctx).spec);
      if (!own) throw intuneBadRequest(ctx, 'This policy cannot be assigned.');
      return own.handler(ctx);
    }),
  ];
}

export function appManagementRoutes(): RouteSpec[] {
  return [
    ...defineIntuneCollection(MOBILE_APPS),
    ...APP_PROTECTIONS.flatMap((s) => [...defineIntuneCollection(s), targetAppsRoute(s)]),
    ...defineIntuneCollection(TARGETED_CONFIGURATIONS),
    targetAppsRoute(TARGETED_CONFIGURATIONS),
    ...defineIntuneCollection(MOBILE_APP_CONFIGURATIONS),
    ...managedAppPolicyView(),
  ];
}
