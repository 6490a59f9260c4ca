/**
 * Restore writers of Entra ID policies: conditional access (policies, named locations) and the
 * tenant-wide policies the seed's permissions can write. Registered in `writers/index.ts`.
 */
import type { TypeWriter } from '../types.js';
import { ConditionalAccessPolicyWriter, NamedLocationWriter } from './conditional-access.js';
import { tenantPolicyWriters } from './tenant-policies.js';

export function policyWriters(): TypeWriter[] {
  return [new ConditionalAccessPolicyWriter(), new NamedLocationWriter(), ...tenantPolicyWriters()];
}

export { ConditionalAccessPolicyWriter, NamedLocationWriter, ConditionalAccessObjectWriter } from './conditional-access.js';
export { AuthenticationMethodConfigurationWriter, SingletonPolicyWriter } from './tenant-policies.js';
