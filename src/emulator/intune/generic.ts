/**
 * Every other Intune collection, served generically from the schema: the `deviceManagement` and
 * `deviceAppManagement` singletons themselves (GET, PATCH) and each of their navigation
 * properties that the typed modules (device-management.ts, app-management.ts) do not serve —
 * group policy configurations, enrollment configurations, policy sets, intents, terms and
 * conditions, Autopilot profiles, managed e-books, … — with `defineIntuneCollection` (CRUD,
 * polymorphic types, child navigations, Intune's errors and throttling), in the versions that
 * have them.
 *
 * These collections start empty: the product backs none of them up, and the generator makes no
 * data for them. They exist so that clients and the corpus replay meet Intune's behaviour
 * everywhere, not a "segment not found".
 * Not modelled: their actions and functions (`/assign` included — its body and answer differ
 * per resource), and the exact permission of each page: any DeviceManagement* permission of the
 * right strength opens them [I].
 */
import { anyOf } from '../graph/permissions.js';
import { defineSingleton } from '../graph/resource.js';
import type { GraphVersion, RouteSpec } from '../graph/types.js';
import { familyCatalog, type FamilyNavigation } from '../family-schema/index.js';
import { defineIntuneCollection } from './collection.js';

const SCOPES = ['DeviceManagementConfiguration', 'DeviceManagementServiceConfig', 'DeviceManagementManagedDevices', 'DeviceManagementApps', 'DeviceManagementRBAC'];
const GENERIC_READ = anyOf(SCOPES.flatMap((s) => [`${s}.Read.All`, `${s}.ReadWrite.All`]));
const GENERIC_WRITE = anyOf(SCOPES.map((s) => `${s}.ReadWrite.All`));

/** Navigations the typed modules serve (with generated data and their own rules), and the audit log. */
const TYPED: Readonly<Record<string, readonly string[]>> = {
  deviceManagement: [
    'deviceConfigurations', 'deviceCompliancePolicies', 'configurationPolicies', 'deviceManagementScripts', 'deviceShellScripts',
    'deviceHealthScripts', 'deviceCustomAttributeShellScripts', 'roleDefinitions', 'roleAssignments', 'roleScopeTags', 'assignmentFilters',
    // Intune's audit log: read-only, written by the service (audit.ts).
    'auditEvents',
  ],
  deviceAppManagement: [
    'mobileApps', 'managedAppPolicies', 'iosManagedAppProtections', 'androidManagedAppProtections', 'targetedManagedAppConfigurations', 'mobileAppConfigurations',
  ],
};

const VERSIONS: readonly GraphVersion[] = ['v1.0', 'beta'];

/** The container's navigations with the versions that have each. */
function navigationsOf(container: string): Array<FamilyNavigation & { versions: GraphVersion[] }> {
  const out = new Map<string, FamilyNavigation & { versions: GraphVersion[] }>();
  for (const v of VERSIONS) {
    for (const nav of familyCatalog.navigation(v, container)) {
      const seen = out.get(nav.name);
      if (seen) seen.versions.push(v);
      else out.set(nav.name, { ...nav, versions: [v] });
    }
  }
  return [...out.values()];
}

function containerRoutes(container: 'deviceManagement' | 'deviceAppManagement'): RouteSpec[] {
  const routes: RouteSpec[] = [
    ...defineSingleton({
      name: container,
      path: `/${container}`,
      store: `intune.${container}`,
      id: container,
      entityType: `microsoft.graph.${container}`,
      permissions: { read: GENERIC_READ, update: GENERIC_WRITE },
      throttle: 'intune',
      projection: { fillDefaults: true },
      audit: false,
    }),
  ];
  for (const nav of navigationsOf(container)) {
    if (TYPED[container]?.includes(nav.name) || !familyCatalog.knows(nav.versions[0] as GraphVersion, nav.type)) continue;
    if (!nav.collection) {
      // One object per tenant, created on first read with its defaults.
      routes.push(...defineSingleton({
        name: `${container}.${nav.name}`,
        path: `/${container}/${nav.name}`,
        store: `intune.${container}.${nav.name}`,
        id: nav.name,
        entityType: `microsoft.graph.${nav.type}`,
        versions: nav.versions,
        permissions: { read: GENERIC_READ, update: GENERIC_WRITE },
        throttle: 'intune',
        projection: { fillDefaults: true },
        audit: false,
      }));
      continue;
    }
    routes.push(...defineIntuneCollection({
      name: `${container}.${nav.name}`,
      path: `/${container}/${nav.name}`,
      store: `intune.${container}.${nav.name}`,
      entityType: nav.type,
      versions: nav.versions,
      polymorphic: familyCatalog.isAbstract(nav.versions[0] as GraphVersion, nav.type),
      permissions: { read: GENERIC_READ, write: GENERIC_WRITE },
    }));
  }
  return routes;
}

export function genericIntuneRoutes(): RouteSpec[] {
  return [...containerRoutes('deviceManagement'), ...containerRoutes('deviceAppManagement')];
}

/** The singletons the generic routes read and write, created per tenant with their fixed IDs. */
export function initGenericIntune(tenant: { store(name: string): { has(id: string): boolean; insert(e: { id: string }, o?: { silent?: boolean }): unknown } }): void {
  for (const container of ['deviceManagement', 'deviceAppManagement'] as const) {
    const store = tenant.store(`intune.${container}`);
    if (!store.has(container)) store.insert({ id: container }, { silent: true });
    for (const nav of navigationsOf(container)) {
      if (nav.collection || TYPED[container]?.includes(nav.name)) continue;
      const single = tenant.store(`intune.${container}.${nav.name}`);
      if (!single.has(nav.name)) single.insert({ id: nav.name }, { silent: true });
    }
  }
}
