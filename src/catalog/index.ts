/**
 * The catalog: the derived index of snapshots and item versions (browsing, search, history),
 * plus job records and the audit trail. See `port.ts` for the contract and `open.ts` to get one.
 */
export * from './port.js';
export { openCatalog, type OpenCatalogOptions } from './open.js';
export { rebuildCatalog, type RebuildOptions, type RebuildProgress, type RebuildResult } from './rebuild.js';
export { SCHEMA_VERSION } from './migrations.js';
export { DEFAULT_PG_SCHEMA } from './postgres.js';
