/**
 * Writers of the Entra directory types with rules of their own. Devices need none: their
 * declaration is backup-only, so the generic writer reports them as not restorable (they come from
 * device registration and are deleted for good, facts §5.1).
 */
import type { TypeWriter } from '../types.js';
import { ApplicationWriter, ServicePrincipalWriter } from './apps.js';
import { GroupWriter } from './groups.js';
import { AdministrativeUnitWriter, DirectoryRoleWriter, OAuth2PermissionGrantWriter, RoleAssignmentWriter, RoleDefinitionWriter } from './roles-and-grants.js';
import { UserWriter } from './users.js';

export function directoryWriters(): TypeWriter[] {
  return [
    new UserWriter(), new GroupWriter(), new ApplicationWriter(), new ServicePrincipalWriter(), new OAuth2PermissionGrantWriter(),
    new AdministrativeUnitWriter(), new DirectoryRoleWriter(), new RoleDefinitionWriter(), new RoleAssignmentWriter(),
  ];
}

export { UserWriter } from './users.js';
export { GroupWriter, BINDS_PER_REQUEST } from './groups.js';
export { ApplicationWriter, ServicePrincipalWriter } from './apps.js';
export { AdministrativeUnitWriter, DirectoryRoleWriter, OAuth2PermissionGrantWriter, RoleAssignmentWriter, RoleDefinitionWriter } from './roles-and-grants.js';
