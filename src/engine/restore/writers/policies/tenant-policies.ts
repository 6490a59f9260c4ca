/**
 * Tenant-wide policies (facts §7.1; v1.0 authenticationmethodspolicy-update,
 * microsoftauthenticatorauthenticationmethodconfiguration-update, authorizationpolicy-update,
 * identitysecuritydefaultsenforcementpolicy-update):
 * - the authentication methods policy, the authorization policy and security defaults are
 *   singletons: they always exist, are never created or deleted, and are restored by a PATCH of
 *   the properties that differ (the generic writer reads and writes them at their path);
 * - the per-method configurations (`Fido2`, `Sms`, `Email`, …) have fixed ids and exist in every
 *   tenant: they are PATCHed with their `@odata.type` (the service checks it names the
 *   configuration's own type), never created or deleted. Their `includeTargets`/`excludeTargets`
 *   name groups by id (`all_users` is a marker), mapped by the planner like any reference, and the
 *   registration campaign of the policy names groups the same way.
 * Types the seed's permissions cannot write are restored by no one and need no writer here: the
 * generic writer reports them `unsupported`, naming the permission from the registry's note —
 * token lifetime, home realm discovery and claims mapping policies (with their `appliesTo`
 * links) need Policy.ReadWrite.ApplicationConfiguration, the cross-tenant access policy and its
 * partners Policy.ReadWrite.CrossTenantAccess.
 */
import { getResource } from '../../../../connectors/index.js';
import { GraphWriter } from '../generic.js';
import type { JsonObject, RestoreContext } from '../types.js';

/** A singleton policy: PATCH only (the generic writer refuses to create or delete singletons). */
export class SingletonPolicyWriter extends GraphWriter {
  constructor(type: string) {
    super(getResource(type), { naturalKey: null });
  }
}

export class AuthenticationMethodConfigurationWriter extends GraphWriter {
  constructor() {
    // Ids are the method names, the same in every tenant.
    super(getResource('authenticationMethodConfiguration'), { naturalKey: null });
  }

  override cannotRestore(document: JsonObject, context: RestoreContext): string | undefined {
    const base = super.cannotRestore(document, context);
    if (base) return base;
    if (context.recreate) return `The ${String(document.id)} method configuration is built into every tenant and cannot be created; it is only updated.`;
    return undefined;
  }

  override cannotRemove(): string | undefined {
    return 'Authentication method configurations are built in; they are updated, never deleted.';
  }
}

export function tenantPolicyWriters(): GraphWriter[] {
  return [
    new SingletonPolicyWriter('authenticationMethodsPolicy'),
    new SingletonPolicyWriter('authorizationPolicy'),
    new SingletonPolicyWriter('identitySecurityDefaultsEnforcementPolicy'),
    new AuthenticationMethodConfigurationWriter(),
  ];
}
