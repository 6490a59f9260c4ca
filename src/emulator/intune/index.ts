/**
 * The Intune module of the emulated Graph: device management (configurations, compliance,
 * settings catalog, scripts, RBAC, scope tags, assignment filters) and app management (apps,
 * app protection, app configurations), with their assignments and `/assign` actions, in v1.0
 * and beta as Graph serves them (facts §7.2), under the Intune throttling class (facts §1.3).
 * Every other collection under `deviceManagement` / `deviceAppManagement` is served generically
 * and empty (generic.ts). See `collection.ts` for what every collection gets. Every successful
 * write is recorded in Intune's own audit log, `deviceManagement/auditEvents` (audit.ts).
 */
import { defineModule } from '../graph/module.js';
import { familyCatalog } from '../family-schema/index.js';
import { appManagementRoutes } from './app-management.js';
import { intuneAuditRoutes } from './audit.js';
import { deviceManagementRoutes } from './device-management.js';
import { genericIntuneRoutes, initGenericIntune } from './generic.js';

export const intuneModule = defineModule({
  name: 'intune',
  routes: [...deviceManagementRoutes(), ...appManagementRoutes(), ...intuneAuditRoutes(), ...genericIntuneRoutes()],
  catalog: familyCatalog,
  initTenant: (tenant) => initGenericIntune(tenant),
});
