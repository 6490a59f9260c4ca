/**
 * Loads the non-directory families' data (conditional access, policies, Intune, BitLocker, audit
 * logs, Exchange) into a freshly generated tenant, if `generate/families/index.ts` exists. That
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
}
