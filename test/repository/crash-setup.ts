/** What crash.test.ts and its child share: repository options, the password and the tenant of a round. */
import type { RepositoryOptions } from '../../src/repository/index.js';
import { SyntheticTenant } from './fixtures/synthetic-tenant.js';

export { PASSWORD } from './helpers.js';

/** Small packs and an index file every two packs: a run leaves many resumable states behind. */
export const CRASH_OPTIONS: RepositoryOptions = { packSizeBytes: 96 * 1024, indexEveryPacks: 2 };

/** The tenant as of round `round`: half of it changes every round, so every run uploads a lot. */
export function crashTenant(seed: number, items: number, round: number): SyntheticTenant {
  const tenant = new SyntheticTenant(seed, items, { users: 1, groups: 0 });
  for (let r = 1; r <= round; r++) tenant.churn(r, 0.5);
  return tenant;
}
