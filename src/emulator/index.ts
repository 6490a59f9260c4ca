/**
 * The emulated Microsoft cloud (Entra sign-in + Microsoft Graph) for tests, benchmarks and the
 * demo. Only the CLI's `emulator`/`demo` commands and tests load it — lazily; product code never
 * imports it. Start one with `startEmulator`; add Graph resources with the builders re-exported
 * here (see docs/emulator.md, "How to add a resource").
 */
export { startEmulator, type Emulator, type EmulatorOptions } from './server.js';
export { EmulatorControl, ControlError, type TenantInfo, type AppRegistration, type AppRegistrationRequest } from './control.js';
export { EmulatorRuntime, type HostedTenant } from './runtime.js';
export { ManualClock, systemClock, type Clock } from '../clock.js';
export { createRandom, type Random } from './random.js';
export type { FaultOptions, FaultKind } from './faults.js';
export type { TenantSpec } from './generate/directory.js';
export { SIZE_COUNTS, countsOf, generateTenant } from './generate/directory.js';
export type * from './generate/context.js';

// The resource-declaration API.
export { defineEntitySet, defineSingleton, route, collectionOf, findOr404, auditTarget, type EntitySetSpec, type SingletonSpec, type AuditNames } from './graph/resource.js';
export { defineModule, type GraphModule } from './graph/module.js';
export { listResponse, entityResponse, countResponse, projectForResponse, DIRECTORY_PAGING, EXPAND_CAP, type CollectionSpec, type Paging, type ExpandSpec } from './graph/collection.js';
export { deltaHandler, type DeltaOptions } from './graph/delta.js';
export { GraphError, notFound, badRequest, forbidden, unsupportedQuery } from './graph/errors.js';
export { P, anyOf, allows } from './graph/permissions.js';
export { parseWrite, idFromReference, requireObjectBody, type WriteRules, type ParsedWrite } from './graph/writes.js';
export { tableCatalog, combineCatalogs, type PropertyCatalog } from './graph/schema-catalog.js';
export type { GraphContext, GraphRequest, GraphResponse, RouteSpec, RouteHandler, PermissionRule, ThrottleClass, Caller, GraphVersion, HttpMethod } from './graph/types.js';
export type { OverrideSpec } from './graph/service.js';
export type { EmulatorService, HttpRequestInfo, HttpResult } from './http.js';
export { TenantState } from './state/tenant.js';
export { EntityStore, type Entity } from './state/store.js';
export { appendAudit, AUDIT_STORE, type AuditEntry } from './state/audit.js';
export { GRAPH_APP_ID, EXCHANGE_APP_ID, DEVOPS_APP_ID } from './login/first-party.js';
