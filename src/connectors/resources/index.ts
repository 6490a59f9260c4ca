/**
 * The resource registry's public face: declarations, lookup, restore order, and reference
 * finding and rewriting. See define.ts for the declaration shape and registry.ts for the rules.
 */
export * from './define.js';
export { allResources, findResource, getResource, listResources, dependencyOrder, dependencyEdges, DIRECTORY_OBJECT_TYPES } from './registry.js';
export type { DependencyEdge, DeferredEdge, DependencyPlan } from './registry.js';
export { referencesOf, rewriteReferences, typeNameFromOData } from './references.js';
export type { Reference, IdMap, RewriteResult, TypeRef } from './references.js';
export { parseReferencePath } from './reference-path.js';
