/**
 * Restore into another tenant: the cross-tenant implementation of the planner's mapping port.
 * Importing this module registers it (`setCrossTenantMapping`), so `planRestore` with `--to` a
 * profile of another tenant maps objects by stable keys instead of refusing.
 */
import { setCrossTenantMapping } from '../plan/target.js';
import { crossTenantMapping } from './cross-tenant.js';

setCrossTenantMapping(crossTenantMapping);

export { crossTenantMapping } from './cross-tenant.js';
export { mapAddress, mapProxyAddress, mapUserPrincipalName, readTargetDomains, type TargetDomains } from './domains.js';
export { adaptDocument } from './adapt.js';
export { stableKeyOf, type StableKey } from './keys.js';
export { TargetLookup, type LookupResult, type Match } from './lookup.js';
