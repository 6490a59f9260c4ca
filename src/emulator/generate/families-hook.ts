/**
 * Loads the non-directory families' data (conditional access, policies, Intune, BitLocker, audit
 * logs, Exchange) into a freshly generated tenant, if `generate/families/index.ts` exists:
 * `stores` and `audit` into the tenant's stores, `children` into its child stores; the rest
 * (BitLocker secrets, Exchange data) stays on `tenant.familyData` for the modules that serve it. That
 * module is written separately and exports `generateFamilies(ctx: FamilyContext): FamilyData`
 * (see context.ts); until it exists the emulator serves the directory alone.
 *
 * The import specifier is a variable on purpose: the compiler must not require the module to
 * exist, and the rest of the emulator must not depend on it.
 */
import type { Logger } from '../../logging/index.js';
import { AUDIT_STORE } from '../state/audit.js';
import type { TenantState } from '../state/tenant.js';
import type { FamilyContext, GenerateFamilies } from './context.js';

let cached: Promise<GenerateFamilies | undefined> | undefined;

async function importFamilies(logger: Logger): Promise<GenerateFamilies | undefined> {
  const specifier = './families/index.js';
  try {
    const mod = (await import(specifier)) as { generateFamilies?: GenerateFamilies };
    if (typeof mod.generateFamilies !== 'function') {
      logger.warn('generate/families/index does not export generateFamilies; families are not generated');
      return undefined;
    }
    return mod.generateFamilies;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('families')) return undefined;
    throw err;
  }
}

/** Runs the families generator (if present) and inserts its data silently (the change-log baseline). */
export async function loadFamilies(tenant: TenantState, ctx: FamilyContext, logger: Logger): Promise<void> {
  cached ??= importFamilies(logger);
  const generate = await cached;
  if (!generate) return;
  const data = await generate(ctx);
  tenant.familyData = data;
  for (const [name, entities] of Object.entries(data.stores)) {
    const store = tenant.store(name);
    for (const e of entities) store.insert(e, { silent: true });
  }
  if (data.audit) {
    const audit = tenant.store(AUDIT_STORE);
    for (const e of data.audit) audit.insert(e, { silent: true });
  }
  // Child collections (assignments, settings, …): name → parent ID → items. Items without an
  // `id` (cross-tenant partners, keyed by tenantId) are stored under their first string key.
  const children = (data as { children?: Readonly<Record<string, ReadonlyMap<string, readonly Record<string, unknown>[]>>> }).children;
  for (const [name, byParent] of Object.entries(children ?? {})) {
    for (const [parentId, items] of byParent) {
      const store = tenant.childStore(name, parentId);
      for (const item of items) store.insert({ ...item, id: childKey(item) }, { silent: true });
    }
  }
}

function childKey(item: Record<string, unknown>): string {
  if (typeof item.id === 'string') return item.id;
  if (typeof item.tenantId === 'string') return item.tenantId;
  throw new Error(`a generated child has no id: ${JSON.stringify(item).slice(0, 120)}`);
}
