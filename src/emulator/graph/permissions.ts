/**
 * Permission checks for emulated Graph routes, and the permission sets the directory routes
 * share. A route opens when the token carries any one permission its rule lists for the token's
 * kind (application `roles` or delegated `scp`), as the "Permissions" tables on the Graph API
 * reference pages describe (least to most privileged; any of them is enough).
 *
 * The sets below follow those tables (learn.microsoft.com/graph/api/<resource>-list, -get,
 * -post, -update, -delete, v1.0). `Directory.Read.All` and `Directory.ReadWrite.All` open most
 * directory reads. Deleting users needs `User.ReadWrite.All` and deleting groups
 * `Group.ReadWrite.All`: `Directory.ReadWrite.All` "does not allow the app to delete users or
 * groups" (its consent text, seed/000_…txt; user-delete.md lists only User.ReadWrite.All).
 */
import { forbidden, type GraphError } from './errors.js';
import type { Caller, PermissionRule } from './types.js';

export function allows(rule: PermissionRule, caller: Caller): boolean {
  if (rule === 'public' || rule === 'anyAuthenticated') return true;
  const app = caller.kind === 'application';
  const list = app ? rule.application : rule.delegated;
  if (!list) return false;
  const held = app ? caller.roles : caller.scopes;
  const also = (app ? rule.requires?.application : rule.requires?.delegated) ?? [];
  return list.some((p) => held.has(p)) && also.every((p) => held.has(p));
}

export function checkPermission(rule: PermissionRule, caller: Caller): GraphError | undefined {
  if (allows(rule, caller)) return undefined;
  const err = forbidden();
  const app = caller.kind === 'application';
  const list = rule === 'public' || rule === 'anyAuthenticated' ? [] : (app ? rule.application : rule.delegated) ?? [];
  const also = rule === 'public' || rule === 'anyAuthenticated' ? [] : (app ? rule.requires?.application : rule.requires?.delegated) ?? [];
  // Not something Graph sends; it lets tests and humans see which permissions would have opened the route.
  err.headers['x-emulator-required-permissions'] = list.length > 0 ? [list.join(','), ...also].join(' + ') : `(none for ${caller.kind} tokens)`;
  return err;
}

/** Builds a rule; `app` and `delegated` list permissions any one of which is enough. */
export const anyOf = (app: readonly string[], delegated: readonly string[] = app): PermissionRule => ({ application: app, delegated });

/** A rule needing one of `anyOfThese` and every one of `alsoAll` (the same for both token kinds). */
export const withAlso = (anyOfThese: readonly string[], alsoAll: readonly string[]): PermissionRule => ({
  application: anyOfThese,
  delegated: anyOfThese,
  requires: { application: alsoAll, delegated: alsoAll },
});

const DR = 'Directory.Read.All';
const DRW = 'Directory.ReadWrite.All';

/** Permission sets for the directory families (application list, delegated list). */
export const P = {
  userRead: anyOf(['User.Read.All', 'User.ReadWrite.All', DR, DRW], ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', DR, DRW]),
  userWrite: anyOf(['User.ReadWrite.All', DRW]),
  userCreate: anyOf(['User.ReadWrite.All', DRW]),
  /** Deleting users needs User.ReadWrite.All (Directory.ReadWrite.All is not enough; user-delete.md). */
  userDelete: anyOf(['User.ReadWrite.All']),
  me: anyOf([], ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', DR, DRW]),
  groupRead: anyOf(['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', DR, DRW]),
  groupWrite: anyOf(['Group.ReadWrite.All', DRW]),
  groupCreate: anyOf(['Group.Create', 'Group.ReadWrite.All', DRW]),
  groupMemberWrite: anyOf(['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', DRW]),
  groupDelete: anyOf(['Group.ReadWrite.All']),
  memberOfRead: anyOf(['User.Read.All', 'User.ReadWrite.All', 'GroupMember.Read.All', 'Group.Read.All', DR, DRW]),
  appRead: anyOf(['Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', DR, DRW]),
  appWrite: anyOf(['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All']),
  appCreate: anyOf(['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All']),
  appRoleAssignmentRead: anyOf(['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', DR, DRW]),
  appRoleAssignmentWrite: anyOf(['AppRoleAssignment.ReadWrite.All']),
  grantRead: anyOf([DR, DRW, 'DelegatedPermissionGrant.ReadWrite.All'], [DR, DRW, 'DelegatedPermissionGrant.ReadWrite.All']),
  grantWrite: anyOf(['DelegatedPermissionGrant.ReadWrite.All', DRW]),
  auRead: anyOf(['AdministrativeUnit.Read.All', 'AdministrativeUnit.ReadWrite.All', DR, DRW]),
  auWrite: anyOf(['AdministrativeUnit.ReadWrite.All']),
  auMemberWrite: anyOf(['AdministrativeUnit.ReadWrite.All', DRW]),
  roleRead: anyOf(['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', DR, DRW]),
  roleWrite: anyOf(['RoleManagement.ReadWrite.Directory']),
  roleDefinitionRead: anyOf(['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', DR, DRW]),
  deviceRead: anyOf(['Device.Read.All', 'Device.ReadWrite.All', DR, DRW]),
  deviceWrite: anyOf(['Device.ReadWrite.All', DRW]),
  domainRead: anyOf(['Domain.Read.All', 'Domain.ReadWrite.All', DR, DRW]),
  domainWrite: anyOf(['Domain.ReadWrite.All']),
  orgRead: anyOf(['Organization.Read.All', 'Organization.ReadWrite.All', DR, DRW], ['User.Read', 'Organization.Read.All', 'Organization.ReadWrite.All', DR, DRW]),
  orgWrite: anyOf(['Organization.ReadWrite.All']),
  brandingRead: anyOf(['Organization.Read.All', 'Organization.ReadWrite.All', 'OrganizationalBranding.Read.All', 'OrganizationalBranding.ReadWrite.All', DR]),
  brandingWrite: anyOf(['OrganizationalBranding.ReadWrite.All', 'Organization.ReadWrite.All']),
  authMethodRead: anyOf(['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All']),
  authMethodWrite: anyOf(['UserAuthenticationMethod.ReadWrite.All']),
  directoryObjectRead: anyOf([DR, DRW, 'User.Read.All', 'User.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Application.Read.All', 'Application.ReadWrite.All', 'Device.Read.All', 'AdministrativeUnit.Read.All', 'AdministrativeUnit.ReadWrite.All']),
} as const satisfies Record<string, PermissionRule>;
