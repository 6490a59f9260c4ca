/**
 * The directory module of the emulated Graph: users, groups, applications, service principals,
 * oauth2PermissionGrants, administrative units, directory roles and templates, role definitions
 * and assignments, devices, domains, organization with branding, the recycle bin, directory
 * objects, and users' authentication methods — in v1.0 and beta, with the property lists of the
 * real schema (schema.generated.ts).
 */
import { defineModule } from '../graph/module.js';
import { tableCatalog } from '../graph/schema-catalog.js';
import { adminUnitAndDeviceRoutes } from './admin-units-devices.js';
import { applicationRoutes } from './applications.js';
import { authMethodRoutes } from './auth-methods.js';
import { deletedItemRoutes } from './deleted-items.js';
import { groupRoutes } from './groups.js';
import { roleRoutes } from './grants-and-roles.js';
import { organizationRoutes } from './organization.js';
import { DIRECTORY_SCHEMA } from './schema.generated.js';
import { userRoutes } from './users.js';

export const directoryModule = defineModule({
  name: 'directory',
  routes: [
    ...userRoutes(),
    ...authMethodRoutes(),
    ...groupRoutes(),
    ...applicationRoutes(),
    ...roleRoutes(),
    ...adminUnitAndDeviceRoutes(),
    ...organizationRoutes(),
    ...deletedItemRoutes(),
  ],
  catalog: tableCatalog(DIRECTORY_SCHEMA),
});
