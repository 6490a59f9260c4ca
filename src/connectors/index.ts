/**
 * Connectors: how Tenant Vault reaches Microsoft's services. `clouds` (endpoints per cloud),
 * `resources` (the declarative type registry), `permissions` (the manifest per profile kind) and
 * `graph` (credentials, scheduler, Graph client) and `exchange` (the admin API's InvokeCommand).
 */
export * from './clouds.js';
export * from './resources/index.js';
export * from './permissions/index.js';
export * from './graph/index.js';
export * from './exchange/index.js';
