/**
 * A `GraphModule` is how a family of Graph resources plugs into the emulator: its routes, an
 * optional property catalog for its entity types, and an optional per-tenant set-up hook. The
 * directory module (`directory/index.ts`) is one; the remaining families (conditional access,
 * policies, Intune, BitLocker, audit logs) are added the same way — see docs/emulator.md,
 * "How to add a resource".
 */
import type { PropertyCatalog } from './schema-catalog.js';
import type { RouteSpec } from './types.js';
import type { TenantState } from '../state/tenant.js';
import type { FamilyContext } from '../generate/context.js';

export interface GraphModule {
  readonly name: string;
  readonly routes: readonly RouteSpec[];
  readonly catalog?: PropertyCatalog;
  /**
   * Called for every tenant after its directory and family data are loaded (and again after a
   * reset), e.g. to create singletons that must always exist.
   */
  readonly initTenant?: (tenant: TenantState, ctx: FamilyContext) => void;
}

export function defineModule(module: GraphModule): GraphModule {
  return module;
}
