/**
 * Intune `deviceManagement` collections: device configurations and compliance policies (v1.0 and
 * beta), settings-catalog policies, PowerShell / shell / remediation / custom-attribute scripts,
 * scope tags and assignment filters (beta only), Intune RBAC role definitions and assignments.
 *
 * Per resource, from facts §7.2 and the docs pages in the corpus (`intune-deviceconfig-*`,
 * `intune-deviceconfigv2-*`, `intune-shared-devicemanagementscript-*`, `intune-devices-*`,
 * `intune-rbac-*`, `intune-policyset-*`):
 * - `/assign` bodies and answers: configurations, compliance policies, settings-catalog policies
 *   and scope tags take `assignments` and answer 200 with the collection; scripts take
 *   `deviceManagementScriptAssignments` (+ `deviceManagementScriptGroupAssignments`), health
 *   scripts `deviceHealthScriptAssignments`, and answer 204;
 * - compliance policies take `scheduledActionsForRule` inline on create and change them later
 *   only with `scheduleActionsForRules` (204); `$expand=scheduledActionsForRule($expand=
 *   scheduledActionConfigurations)` returns the action items;
 * - settings-catalog policies take `settings` inline on create and PUT (which replaces the whole
 *   policy, settings included); a PATCH of one setting is refused with the service's "No OData
 *   route" error (facts §7.2); lists page 25 at a time (facts §2.1); `createCopy` copies one;
 * - script content (`scriptContent`, detection/remediation content) is returned by GET by ID or
 *   with `$select` only (facts §6.3);
 * - permissions per the pages' tables: DeviceManagementConfiguration.* for configurations,
 *   compliance, settings catalog and filters; DeviceManagementScripts.* (or the older
 *   DeviceManagementConfiguration.*) for scripts; DeviceManagementRBAC.* for RBAC and scope tags.
 */
import { randomUUID } from 'node:crypto';
import { entityResponse } from '../graph/collection.js';
import { GraphError } from '../graph/errors.js';
import { anyOf } from '../graph/permissions.js';
import { route } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import { requireObjectBody } from '../graph/writes.js';
import type { Entity } from '../state/store.js';
import { children, defineIntuneCollection, intuneBadRequest, intuneNotFound, type IntuneCollectionSpec } from './collection.js';

export const DMC_READ = anyOf(['DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All']);
export const DMC_WRITE = anyOf(['DeviceManagementConfiguration.ReadWrite.All']);
const SCRIPTS_READ = anyOf(['DeviceManagementScripts.Read.All', 'DeviceManagementScripts.ReadWrite.All', 'DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All']);
const SCRIPTS_WRITE = anyOf(['DeviceManagementScripts.ReadWrite.All', 'DeviceManagementConfiguration.ReadWrite.All']);
const RBAC_READ = anyOf(['DeviceManagementRBAC.Read.All', 'DeviceManagementRBAC.ReadWrite.All']);
const RBAC_WRITE = anyOf(['DeviceManagementRBAC.ReadWrite.All']);

const DM = '/deviceManagement';
const BETA = ['beta'] as const;

export const DEVICE_CONFIGURATIONS: IntuneCollectionSpec = {
  name: 'deviceConfigurations',
  path: `${DM}/deviceConfigurations`,
  store: 'deviceConfigurations',
  entityType: 'deviceConfiguration',
  polymorphic: true,
  permissions: { read: DMC_READ, write: DMC_WRITE },
  // Beta also takes group assignments (docs beta `intune-shared-deviceconfiguration-assign`).
  assign: { lists: [{ key: 'assignments', nav: 'assignments', type: 'deviceConfigurationAssignment' }, { key: 'deviceConfigurationGroupAssignments', nav: 'groupAssignments', type: 'deviceConfigurationGroupAssignment' }], status: 200 },
};

export const COMPLIANCE_POLICIES: IntuneCollectionSpec = {
  name: 'deviceCompliancePolicies',
  path: `${DM}/deviceCompliancePolicies`,
  store: 'deviceCompliancePolicies',
  entityType: 'deviceCompliancePolicy',
  polymorphic: true,
  permissions: { read: DMC_READ, write: DMC_WRITE },
  inline: ['scheduledActionsForRule'],
  assign: { lists: [{ key: 'assignments', nav: 'assignments', type: 'deviceCompliancePolicyAssignment' }], status: 200 },
};

export const CONFIGURATION_POLICIES: IntuneCollectionSpec = {
  name: 'configurationPolicies',
  path: `${DM}/configurationPolicies`,
  store: 'configurationPolicies',
  entityType: 'deviceManagementConfigurationPolicy',
  versions: BETA,
  permissions: { read: DMC_READ, write: DMC_WRITE },
  // Pages of 25 (facts §2.1: ugurkocde/IntuneAssignmentChecker#28, ThomasKur/M365Documentation#45) [C];
  // no page documents a maximum $top: 1,000 as for other Intune lists [I].
  paging: { defaultTop: 25, maxTop: 1000 },
  inline: ['settings'],
  replace: true,
  required: ['name'],
  assign: { lists: [{ key: 'assignments', nav: 'assignments', type: 'deviceManagementConfigurationPolicyAssignment' }], status: 200 },
};

const scriptAssign = { lists: [
  { key: 'deviceManagementScriptAssignments', nav: 'assignments', type: 'deviceManagementScriptAssignment' },
  { key: 'deviceManagementScriptGroupAssignments', nav: 'groupAssignments', type: 'deviceManagementScriptGroupAssignment' },
], status: 204 } as const;

const script = (name: string, entityType: string, contentProperties: string[], assign: IntuneCollectionSpec['assign']): IntuneCollectionSpec => ({
  name,
  path: `${DM}/${name}`,
  store: name,
  entityType,
  versions: BETA,
  permissions: { read: SCRIPTS_READ, write: SCRIPTS_WRITE },
  contentProperties,
  assign,
});

export const SCRIPTS: IntuneCollectionSpec[] = [
  script('deviceManagementScripts', 'deviceManagementScript', ['scriptContent'], scriptAssign),
  script('deviceShellScripts', 'deviceShellScript', ['scriptContent'], scriptAssign),
  script('deviceHealthScripts', 'deviceHealthScript', ['detectionScriptContent', 'remediationScriptContent'], {
    lists: [{ key: 'deviceHealthScriptAssignments', nav: 'assignments', type: 'deviceHealthScriptAssignment' }],
    status: 204,
  }),
  script('deviceCustomAttributeShellScripts', 'deviceCustomAttributeShellScript', ['scriptContent'], scriptAssign),
];

export const ROLE_DEFINITIONS: IntuneCollectionSpec = {
  name: 'intuneRoleDefinitions',
  path: `${DM}/roleDefinitions`,
  store: 'intuneRoleDefinitions',
  entityType: 'roleDefinition',
  permissions: { read: RBAC_READ, write: RBAC_WRITE },
  required: ['displayName'],
};

export const ROLE_ASSIGNMENTS: IntuneCollectionSpec = {
  name: 'intuneRoleAssignments',
  path: `${DM}/roleAssignments`,
  store: 'intuneRoleAssignments',
  entityType: 'deviceAndAppManagementRoleAssignment',
  permissions: { read: RBAC_READ, write: RBAC_WRITE },
  references: { roleDefinition: { store: 'intuneRoleDefinitions' } },
};

export const SCOPE_TAGS: IntuneCollectionSpec = {
  name: 'roleScopeTags',
  path: `${DM}/roleScopeTags`,
  store: 'roleScopeTags',
  entityType: 'roleScopeTag',
  versions: BETA,
  permissions: { read: RBAC_READ, write: RBAC_WRITE },
  required: ['displayName'],
  assign: { lists: [{ key: 'assignments', nav: 'assignments', type: 'roleScopeTagAutoAssignment' }], status: 200 },
  // Scope tag IDs are small integers as strings; "0" is the built-in Default.
  onCreate: (ctx, entity) => {
    let next = 1;
    for (const t of ctx.tenant.store('roleScopeTags').values()) next = Math.max(next, Number(t.id) + 1);
    return { ...entity, id: String(next), isBuiltIn: false };
  },
};

export const ASSIGNMENT_FILTERS: IntuneCollectionSpec = {
  name: 'assignmentFilters',
  path: `${DM}/assignmentFilters`,
  store: 'assignmentFilters',
  entityType: 'deviceAndAppManagementAssignmentFilter',
  versions: BETA,
  permissions: { read: DMC_READ, write: DMC_WRITE },
  required: ['displayName', 'platform', 'rule'],
};

/** `scheduleActionsForRules` replaces a compliance policy's scheduled actions (204). */
function scheduleActionsRoute(): RouteSpec {
  return route('POST', `${COMPLIANCE_POLICIES.path}/{id}/scheduleActionsForRules`, { throttle: 'intune', permissions: DMC_WRITE, name: 'deviceCompliancePolicies.scheduleActionsForRules' }, (ctx) => {
    const parent = ctx.tenant.store(COMPLIANCE_POLICIES.store).get(ctx.params.id as string);
    if (!parent) throw intuneNotFound(ctx);
    const body = requireObjectBody(ctx.request.body);
    const rules = body.deviceComplianceScheduledActionForRules;
    if (!Array.isArray(rules)) throw intuneBadRequest(ctx, "A value is required for parameter 'deviceComplianceScheduledActionForRules'.");
    const store = children(ctx, COMPLIANCE_POLICIES, parent.id, 'scheduledActionsForRule');
    store.clear();
    for (const raw of rules) {
      const { '@odata.type': _t, id: _id, ...rule } = raw as Record<string, unknown>;
      const actions = Array.isArray(rule.scheduledActionConfigurations)
        ? (rule.scheduledActionConfigurations as Record<string, unknown>[]).map(({ '@odata.type': _a, ...a }) => ({ ...a, id: typeof a.id === 'string' ? a.id : randomUUID() }))
        : [];
      store.insert({ ...rule, scheduledActionConfigurations: actions, id: randomUUID() });
    }
    return { status: 204 };
  });
}

/** The settings catalog's answer to a PATCH of one setting (facts §7.2, docs issue #17478). */
function settingPatchRefused(): RouteSpec {
  return route('PATCH', `${CONFIGURATION_POLICIES.path}/{id}/settings/{childId}`, { versions: BETA, throttle: 'intune', permissions: DMC_WRITE, name: 'configurationPolicies.settings.update' }, (ctx) => {
    throw new GraphError(400, 'BadRequest', `No OData route exists that match template ~/singleton/navigation/key/navigation/key with http verb PATCH for request /deviceManagement/configurationPolicies('${String(ctx.params.id)}')/settings('${String(ctx.params.childId)}').`);
  });
}

/** `createCopy`: a new policy with the same settings and no assignments (200 with the copy). */
function createCopyRoute(): RouteSpec {
  return route('POST', `${CONFIGURATION_POLICIES.path}/{id}/createCopy`, { versions: BETA, throttle: 'intune', permissions: DMC_WRITE, name: 'configurationPolicies.createCopy' }, (ctx) => {
    const source = ctx.tenant.store(CONFIGURATION_POLICIES.store).get(ctx.params.id as string);
    if (!source) throw intuneNotFound(ctx);
    const body = requireObjectBody(ctx.request.body);
    if (typeof body.displayName !== 'string' || body.displayName === '') throw intuneBadRequest(ctx, "A value is required for parameter 'displayName'.");
    const now = ctx.tenant.nowIso();
    const copy: Entity = {
      ...source,
      id: randomUUID(),
      name: body.displayName,
      description: typeof body.description === 'string' ? body.description : source.description,
      createdDateTime: now,
      lastModifiedDateTime: now,
      isAssigned: false,
    };
    ctx.tenant.store(CONFIGURATION_POLICIES.store).insert(copy);
    const settings = children(ctx, CONFIGURATION_POLICIES, copy.id, 'settings');
    for (const s of children(ctx, CONFIGURATION_POLICIES, source.id, 'settings').values()) settings.insert(s);
    return entityResponse(ctx, { contextName: 'deviceManagement/configurationPolicies', projection: { entityType: 'microsoft.graph.deviceManagementConfigurationPolicy', fillDefaults: true } }, copy);
  });
}

/** Children of compliance scheduled actions: `scheduledActionsForRule/{id}/scheduledActionConfigurations`. */
function scheduledActionItemRoutes(): RouteSpec[] {
  const base = `${COMPLIANCE_POLICIES.path}/{id}/scheduledActionsForRule/{childId}/scheduledActionConfigurations`;
  const rule = (ctx: GraphContext): Entity => {
    const r = children(ctx, COMPLIANCE_POLICIES, ctx.params.id as string, 'scheduledActionsForRule').get(ctx.params.childId as string);
    if (!r || !ctx.tenant.store(COMPLIANCE_POLICIES.store).has(ctx.params.id as string)) throw intuneNotFound(ctx);
    return r;
  };
  const items = (r: Entity): Entity[] => (Array.isArray(r.scheduledActionConfigurations) ? (r.scheduledActionConfigurations as Entity[]) : []);
  const save = (ctx: GraphContext, r: Entity, next: Entity[]): void => {
    children(ctx, COMPLIANCE_POLICIES, ctx.params.id as string, 'scheduledActionsForRule').update(r.id, { scheduledActionConfigurations: next });
  };
  const shape = { contextName: 'deviceManagement/deviceCompliancePolicies/scheduledActionsForRule/scheduledActionConfigurations', projection: { entityType: 'microsoft.graph.deviceComplianceActionItem', fillDefaults: true } };
  const common = { throttle: 'intune' as const };
  const item = (ctx: GraphContext): { r: Entity; it: Entity } => {
    const r = rule(ctx);
    const it = items(r).find((i) => i.id === ctx.params.itemId);
    if (!it) throw intuneNotFound(ctx);
    return { r, it };
  };
  return [
    route('GET', base, { ...common, permissions: DMC_READ, name: 'deviceCompliancePolicies.actionItems.list' }, (ctx) => ({
      status: 200,
      body: { '@odata.context': ctx.contextUrl(shape.contextName), value: items(rule(ctx)).map((i) => stripContext(entityResponse(ctx, shape, i).body)) },
    })),
    route('GET', `${base}/{itemId}`, { ...common, permissions: DMC_READ, name: 'deviceCompliancePolicies.actionItems.get' }, (ctx) => entityResponse(ctx, shape, item(ctx).it)),
    route('POST', base, { ...common, permissions: DMC_WRITE, name: 'deviceCompliancePolicies.actionItems.create' }, (ctx) => {
      const r = rule(ctx);
      const { '@odata.type': _t, id: _id, ...props } = requireObjectBody(ctx.request.body);
      const created = { ...props, id: randomUUID() } as Entity;
      save(ctx, r, [...items(r), created]);
      return entityResponse(ctx, shape, created, 201);
    }),
    route('PATCH', `${base}/{itemId}`, { ...common, permissions: DMC_WRITE, name: 'deviceCompliancePolicies.actionItems.update' }, (ctx) => {
      const { r, it } = item(ctx);
      const { '@odata.type': _t, id: _id, ...props } = requireObjectBody(ctx.request.body);
      save(ctx, r, items(r).map((i) => (i.id === it.id ? { ...i, ...props } : i)));
      return { status: 204 };
    }),
    route('DELETE', `${base}/{itemId}`, { ...common, permissions: DMC_WRITE, name: 'deviceCompliancePolicies.actionItems.delete' }, (ctx) => {
      const { r, it } = item(ctx);
      save(ctx, r, items(r).filter((i) => i.id !== it.id));
      return { status: 204 };
    }),
  ];
}

function stripContext(body: unknown): Record<string, unknown> {
  const { '@odata.context': _c, ...rest } = body as Record<string, unknown>;
  return rest;
}

export function deviceManagementRoutes(): RouteSpec[] {
  return [
    ...defineIntuneCollection(DEVICE_CONFIGURATIONS),
    ...defineIntuneCollection(COMPLIANCE_POLICIES),
    scheduleActionsRoute(),
    ...scheduledActionItemRoutes(),
    ...defineIntuneCollection(CONFIGURATION_POLICIES),
    // After the collection: a later route for the same method and template wins.
    settingPatchRefused(),
    createCopyRoute(),
    ...SCRIPTS.flatMap(defineIntuneCollection),
    ...defineIntuneCollection(ROLE_DEFINITIONS),
    ...defineIntuneCollection(ROLE_ASSIGNMENTS),
    ...defineIntuneCollection(SCOPE_TAGS),
    ...defineIntuneCollection(ASSIGNMENT_FILTERS),
  ];
}
