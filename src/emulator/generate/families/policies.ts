/**
 * Tenant policies: the authentication methods policy and its method configurations (FIDO2,
 * Authenticator, SMS, TAP, email, voice, software OATH, X.509), the authorization policy,
 * token-lifetime, home-realm-discovery and claims-mapping policies, the cross-tenant access
 * policy (default configuration plus partners) and security defaults. Organization branding
 * is generated with the directory (`generate/directory.ts`), not here.
 *
 * Guarantees: method configurations target groups of the context (or `all_users`, the pseudo
 * group Graph uses); singletons carry the fixed IDs Graph gives them (`authenticationMethodsPolicy`,
 * `authorizationPolicy`, security defaults `00000000-0000-0000-0000-000000000005`).
 * Shapes follow the v1.0 CSDL and the docs examples `authenticationmethodspolicy-get`,
 * `authorizationpolicy-update` and `homerealmdiscoverypolicy-post-homerealmdiscoverypolicies`;
 * properties are those both v1.0 and beta define.
 *
 * Cross-tenant partners are keyed by `tenantId` in v1.0 (no `id`), so they are children of the
 * `crossTenantAccessPolicy` singleton rather than store entities.
 */
import type { FamilyContext } from '../context.js';
import { addChild, type FamilyPart } from './output.js';
import { bySize, daysAgo, odataType, pickGroupIds, type GraphEntity, type JsonObject } from './util.js';

/** The Guest User role template; `guestUserRoleId` names it in the default authorization policy. */
const GUEST_USER_ROLE_ID = '10dae51f-b6af-4016-8d66-8c2a99b929b3';
const SECURITY_DEFAULTS_ID = '00000000-0000-0000-0000-000000000005';
const ALL_USERS = 'all_users';

function target(id: string, extra: JsonObject = {}): JsonObject {
  return { targetType: 'group', id, isRegistrationRequired: false, ...extra };
}

export function generatePolicies(ctx: FamilyContext): FamilyPart {
  const random = ctx.random.fork('policies');
  const groups = (n: number): string[] => pickGroupIds(ctx, random, n);
  const modified = (maxDays: number): string => daysAgo(ctx, random.next() * maxDays);
  const part: FamilyPart = { stores: {} };

  // Authentication methods policy (singleton) and its method configurations.
  const mfaPilot = groups(1)[0] ?? ALL_USERS;
  part.stores['authenticationMethodsPolicy'] = [
    {
      id: 'authenticationMethodsPolicy',
      displayName: 'Authentication Methods Policy',
      description: 'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings',
      lastModifiedDateTime: modified(120),
      policyVersion: '1.5',
      reconfirmationInDays: random.pick([0, 90, 180]),
      policyMigrationState: random.pick(['migrationInProgress', 'migrationComplete']),
      registrationEnforcement: {
        authenticationMethodsRegistrationCampaign: {
          snoozeDurationInDays: random.pick([1, 3, 7]),
          state: random.pick(['default', 'enabled']),
          excludeTargets: [],
          includeTargets: [{ id: random.chance(0.5) ? ALL_USERS : mfaPilot, targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
        },
      },
    },
  ];
  const excludeSome = (): JsonObject[] => (random.chance(0.3) ? groups(1).map((id) => ({ id, targetType: 'group' })) : []);
  const includeTargets = (extra: JsonObject = {}): JsonObject[] =>
    random.chance(0.5) ? [target(ALL_USERS, extra)] : groups(random.between(1, 3)).map((id) => target(id, extra));
  const feature = (state: string): JsonObject => ({
    state,
    includeTarget: { targetType: 'group', id: ALL_USERS },
    excludeTarget: { targetType: 'group', id: '00000000-0000-0000-0000-000000000000' },
  });
  part.stores['authenticationMethodConfigurations'] = [
    {
      '@odata.type': odataType('fido2AuthenticationMethodConfiguration'),
      id: 'Fido2',
      state: random.pick(['enabled', 'disabled']),
      isSelfServiceRegistrationAllowed: true,
      isAttestationEnforced: random.chance(0.5),
      keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] },
      excludeTargets: excludeSome(),
      // passkeyAuthenticationMethodTarget: as a PATCH of includeTargets leaves it (defaults filled).
      includeTargets: includeTargets({ allowedPasskeyProfiles: [] }),
    },
    {
      '@odata.type': odataType('microsoftAuthenticatorAuthenticationMethodConfiguration'),
      id: 'MicrosoftAuthenticator',
      state: 'enabled',
      isSoftwareOathEnabled: random.chance(0.3),
      featureSettings: { displayAppInformationRequiredState: feature('enabled'), displayLocationInformationRequiredState: feature(random.pick(['default', 'enabled'])) },
      excludeTargets: excludeSome(),
      includeTargets: includeTargets({ '@odata.type': odataType('microsoftAuthenticatorAuthenticationMethodTarget'), authenticationMode: 'any' }),
    },
    {
      '@odata.type': odataType('smsAuthenticationMethodConfiguration'),
      id: 'Sms',
      state: random.pick(['enabled', 'disabled']),
      excludeTargets: excludeSome(),
      includeTargets: includeTargets({ '@odata.type': odataType('smsAuthenticationMethodTarget'), isUsableForSignIn: false }),
    },
    {
      '@odata.type': odataType('temporaryAccessPassAuthenticationMethodConfiguration'),
      id: 'TemporaryAccessPass',
      state: 'enabled',
      defaultLifetimeInMinutes: 60,
      defaultLength: 8,
      minimumLifetimeInMinutes: 60,
      maximumLifetimeInMinutes: 480,
      isUsableOnce: random.chance(0.5),
      excludeTargets: [],
      includeTargets: includeTargets(),
    },
    {
      '@odata.type': odataType('emailAuthenticationMethodConfiguration'),
      id: 'Email',
      state: 'enabled',
      allowExternalIdToUseEmailOtp: 'default',
      excludeTargets: [],
      includeTargets: [target(ALL_USERS)],
    },
    {
      '@odata.type': odataType('voiceAuthenticationMethodConfiguration'),
      id: 'Voice',
      state: random.pick(['enabled', 'disabled']),
      isOfficePhoneAllowed: random.chance(0.5),
      excludeTargets: [],
      includeTargets: includeTargets(),
    },
    {
      '@odata.type': odataType('softwareOathAuthenticationMethodConfiguration'),
      id: 'SoftwareOath',
      state: random.pick(['enabled', 'disabled']),
      excludeTargets: [],
      includeTargets: includeTargets(),
    },
    {
      '@odata.type': odataType('x509CertificateAuthenticationMethodConfiguration'),
      id: 'X509Certificate',
      state: random.pick(['enabled', 'disabled']),
      certificateUserBindings: [
        { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1 },
        { x509CertificateField: 'RFC822Name', userProperty: 'userPrincipalName', priority: 2 },
      ],
      authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules: [] },
      excludeTargets: [],
      includeTargets: includeTargets(),
    },
  ];

  part.stores['authorizationPolicy'] = [
    {
      id: 'authorizationPolicy',
      displayName: 'Authorization Policy',
      description: 'Used to manage authorization related settings across the company.',
      allowInvitesFrom: random.pick(['everyone', 'adminsAndGuestInviters', 'adminsGuestInvitersAndAllMembers']),
      allowedToSignUpEmailBasedSubscriptions: true,
      allowedToUseSSPR: true,
      allowEmailVerifiedUsersToJoinOrganization: false,
      blockMsolPowerShell: random.chance(0.4),
      guestUserRoleId: GUEST_USER_ROLE_ID,
      defaultUserRolePermissions: {
        allowedToCreateApps: random.chance(0.3),
        allowedToCreateSecurityGroups: random.chance(0.5),
        allowedToCreateTenants: false,
        allowedToReadBitlockerKeysForOwnedDevice: true,
        allowedToReadOtherUsers: true,
      },
    },
  ];

  const stsPolicy = (displayName: string, definition: object, isOrganizationDefault = false): GraphEntity => ({
    id: random.uuid(),
    deletedDateTime: null,
    displayName,
    definition: [JSON.stringify(definition)],
    isOrganizationDefault,
  });
  const lifetimes = ['1:00:00', '4:00:00', '8:00:00', '12:00:00', '23:59:00'];
  part.stores['tokenLifetimePolicies'] = Array.from({ length: bySize(ctx, [1, 3, 8]) }, (_, i) => {
    const lifetime = random.pick(lifetimes);
    return stsPolicy(i === 0 ? 'Default access token lifetime' : `Access token lifetime ${lifetime}`, { TokenLifetimePolicy: { Version: 1, AccessTokenLifetime: lifetime } }, i === 0 && random.chance(0.3));
  });
  part.stores['homeRealmDiscoveryPolicies'] = Array.from({ length: bySize(ctx, [1, 2, 5]) }, (_, i) =>
    stsPolicy(`Home realm discovery ${i + 1}`, {
      HomeRealmDiscoveryPolicy: { AccelerateToFederatedDomain: random.chance(0.5), PreferredDomain: `federated${i}.${ctx.domain.replace(/\.onmicrosoft\.com$/, '.com')}`, AllowCloudPasswordValidation: random.chance(0.5) },
    }),
  );
  part.stores['claimsMappingPolicies'] = Array.from({ length: bySize(ctx, [1, 3, 10]) }, (_, i) =>
    stsPolicy(`Claims mapping ${i + 1}`, {
      ClaimsMappingPolicy: {
        Version: 1,
        IncludeBasicClaimSet: 'true',
        ClaimsSchema: [
          { Source: 'user', ID: 'employeeid', SamlClaimType: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/employeeid', JwtClaimType: 'employeeid' },
          { Source: 'user', ID: random.pick(['department', 'jobtitle', 'companyname']), JwtClaimType: 'org' },
        ],
      },
    }),
  );

  const b2b = (accessType: 'allowed' | 'blocked'): JsonObject => ({
    usersAndGroups: { accessType, targets: [{ target: 'AllUsers', targetType: 'user' }] },
    applications: { accessType, targets: [{ target: 'AllApplications', targetType: 'application' }] },
  });
  part.stores['crossTenantAccessPolicy'] = [{ id: 'crossTenantAccessPolicy', displayName: 'CrossTenantAccessPolicy', description: null, allowedCloudEndpoints: [] }];
  part.stores['crossTenantAccessPolicyDefault'] = [
    {
      id: 'default',
      isServiceDefault: random.chance(0.5),
      inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
      b2bCollaborationOutbound: b2b('allowed'),
      b2bCollaborationInbound: b2b('allowed'),
      b2bDirectConnectOutbound: b2b('blocked'),
      b2bDirectConnectInbound: b2b('blocked'),
      automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
    },
  ];
  const partners: JsonObject[] = Array.from({ length: bySize(ctx, [1, 4, 15]) }, () => ({
    tenantId: random.uuid(),
    isServiceProvider: random.chance(0.2),
    isInMultiTenantOrganization: random.chance(0.2),
    inboundTrust: { isMfaAccepted: random.chance(0.6), isCompliantDeviceAccepted: random.chance(0.3), isHybridAzureADJoinedDeviceAccepted: random.chance(0.3) },
    b2bCollaborationOutbound: null,
    b2bCollaborationInbound: random.chance(0.5) ? b2b('allowed') : null,
    b2bDirectConnectOutbound: random.chance(0.4) ? b2b('allowed') : null,
    b2bDirectConnectInbound: random.chance(0.4) ? b2b('allowed') : null,
    automaticUserConsentSettings: { inboundAllowed: random.chance(0.3), outboundAllowed: random.chance(0.3) },
  }));
  addChild(part, 'crossTenantAccessPolicy/partners', 'crossTenantAccessPolicy', partners);

  part.stores['identitySecurityDefaultsEnforcementPolicy'] = [
    {
      id: SECURITY_DEFAULTS_ID,
      displayName: 'Security Defaults',
      description:
        'Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.',
      // Conditional access and security defaults exclude each other; this tenant uses CA.
      isEnabled: false,
    },
  ];

  return part;
}
