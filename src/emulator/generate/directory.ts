/**
 * Synthetic Entra directories, deterministic by seed: users with a management chain, departments,
 * offices and guests; Microsoft 365, security, mail-enabled security, distribution and dynamic
 * groups with heavy-tailed membership sizes (one "All Company" group, department-based dynamic
 * groups, nested groups); app registrations with requiredResourceAccess, appRoles, identifier URIs
 * and secrets, their service principals and consents, and Microsoft's first-party service
 * principals; devices with owners; administrative units with scoped role members; activated
 * directory roles with members and matching role assignments; custom role definitions; domains;
 * the organization with branding; authentication methods.
 *
 * Guarantees: the same spec (name, size/counts, seed) yields the same tenant — IDs included —
 * because every draw comes from PRNG streams forked per object family. Loading is `silent`: the
 * generated state is every change log's baseline. Sizes: `small` ~50 users, `medium` ~2,000,
 * `large` 100,000 users / 20,000 groups / 1,000,000 memberships / 5,000 apps / 50,000 devices
 * (bench/emulator measures time and memory).
 */
import { createRandom, hash32, type Random } from '../random.js';
import { TenantState } from '../state/tenant.js';
import type { Entity } from '../state/store.js';
import type { Clock } from '../../clock.js';
import { link } from '../directory/objects.js';
import {
  addFirstPartyServicePrincipals, addSecret, grantAppRole, grantDelegated, registerApp, servicePrincipalByAppId, servicePrincipalFor,
  type RegisteredApp,
} from '../directory/apps.js';
import { BUILT_IN_ROLES, EXCHANGE_ADMIN_TEMPLATE_ID, GLOBAL_ADMIN_TEMPLATE_ID } from '../directory/roles.js';
import { EXCHANGE_APP_ID, GRAPH_APP_ID, knownPermissions, seedProfilePermissions } from '../login/first-party.js';
import { AUTH_METHODS_STORE, PASSWORD_METHOD_ID, PHONE_METHOD_IDS, EMAIL_METHOD_ID } from '../directory/auth-methods.js';
import { APP_PREFIXES, APP_SUFFIXES, DEPARTMENTS, DEVICE_MODELS, GIVEN_NAMES, GROUP_TOPICS, OFFICES, SURNAMES } from './names.js';
import type {
  ApplicationRef, DeviceRef, FamilyContext, GroupKind, GroupRef, ServicePrincipalRef, TenantCounts, TenantSizeClass, UserRef,
} from './context.js';

export interface TenantSpec {
  /** Short name; the initial domain is `{name}.onmicrosoft.com`. */
  readonly name: string;
  readonly size?: TenantSizeClass;
  /** Explicit counts; override the size class's. */
  readonly counts?: Partial<TenantCounts>;
  readonly seed?: number | string;
  readonly kind?: 'entra' | 'b2c';
  readonly displayName?: string;
}

export const SIZE_COUNTS: Readonly<Record<TenantSizeClass, TenantCounts>> = {
  small: { users: 50, groups: 15, memberships: 250, applications: 8, servicePrincipals: 8, devices: 40, administrativeUnits: 3 },
  medium: { users: 2_000, groups: 300, memberships: 20_000, applications: 120, servicePrincipals: 120, devices: 1_500, administrativeUnits: 12 },
  large: { users: 100_000, groups: 20_000, memberships: 1_000_000, applications: 5_000, servicePrincipals: 5_000, devices: 50_000, administrativeUnits: 200 },
};

/** The admin app every generated tenant has: all seed `azure` permissions consented, secret and certificate. */
export const ADMIN_APP_NAME = 'Tenant Vault Emulator Admin';

export interface GeneratedTenant {
  readonly state: TenantState;
  readonly admin: RegisteredApp;
  readonly context: FamilyContext;
  /** The user delegated sign-ins (authorization code, device code) sign in as. */
  readonly signInUserId: string;
}

export function countsOf(spec: TenantSpec): TenantCounts {
  return { ...SIZE_COUNTS[spec.size ?? 'small'], ...spec.counts };
}

export function tenantIdOf(spec: TenantSpec): string {
  return createRandom(`tenant-id/${spec.name}/${spec.seed ?? 1}`).uuid();
}

const day = 24 * 3600 * 1000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function generateTenant(spec: TenantSpec, clock: Clock): GeneratedTenant {
  const seed = `${spec.name}/${spec.seed ?? 1}`;
  const root = createRandom(seed);
  const counts = countsOf(spec);
  const now = clock.now();
  const name = spec.name.toLowerCase();
  const domain = `${name}.onmicrosoft.com`;
  const displayName = spec.displayName ?? `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  const tenant = new TenantState({ tenantId: tenantIdOf(spec), name, domain, displayName, kind: spec.kind ?? 'entra' }, clock);
  const silent = { silent: true } as const;

  // --- Microsoft's service principals and the admin app ---------------------------------------
  addFirstPartyServicePrincipals(tenant, root.fork('first-party'));
  const azure = seedProfilePermissions('azure');
  const appPerms: Record<string, string[]> = {};
  const delegated: Record<string, string[]> = {};
  for (const p of azure) {
    const bucket = p.type === 'Application' ? appPerms : delegated;
    (bucket[p.resourceAppId] ??= []).push(p.value);
  }
  (delegated[GRAPH_APP_ID] ??= []).push('openid', 'profile', 'offline_access');
  const admin = registerApp(tenant, {
    displayName: ADMIN_APP_NAME, applicationPermissions: appPerms, delegatedPermissions: delegated, certificate: true,
    publicClient: false, redirectUris: ['http://localhost'], random: root.fork('admin-app'), silent: true,
  });

  // --- Users ------------------------------------------------------------------------------------
  const ur = root.fork('users');
  const userRefs: UserRef[] = [];
  // Handles parallel to userRefs: the million memberships are linked by handle, not by ID lookup.
  const userHandles: number[] = [];
  const usersByDept = new Map<string, string[]>();
  const usersByCity = new Map<string, string[]>();
  const nickCount = new Map<string, number>();
  const deptWeights = DEPARTMENTS.map((d) => d.weight);
  const deptHeads = new Map<string, string>();
  let ceoId = '';
  for (let i = 0; i < counts.users; i++) {
    const given = ur.pick(GIVEN_NAMES);
    const surname = ur.pick(SURNAMES);
    const guest = i > 5 && ur.chance(0.04);
    const dept = i === 0 ? DEPARTMENTS[3] as (typeof DEPARTMENTS)[number] : ur.weighted(DEPARTMENTS, deptWeights);
    const office = ur.pick(OFFICES);
    const baseNick = `${given}.${surname}`.toLowerCase().replace(/[^a-z.]/g, '');
    const n = (nickCount.get(baseNick) ?? 0) + 1;
    nickCount.set(baseNick, n);
    const nick = n === 1 ? baseNick : `${baseNick}${n}`;
    const id = ur.uuid();
    const created = now - ur.between(30, 2_000) * day;
    const externalDomain = ur.pick(['fabrikam.com', 'example.org', 'partner.net', 'outlook.com']);
    const mail = guest ? `${nick}@${externalDomain}` : `${nick}@${domain}`;
    const upn = guest ? `${nick}_${externalDomain.replace(/\./g, '.')}#EXT#@${domain}` : `${nick}@${domain}`;
    const phone = `${office.phonePrefix} ${String(ur.between(100, 9999)).padStart(4, '0')}`;
    const title = i === 0 ? 'Chief Executive Officer' : ur.pick(dept.titles);
    const user: Entity = {
      id,
      accountEnabled: ur.chance(0.98) || i === 0,
      ageGroup: null,
      assignedLicenses: [],
      assignedPlans: [],
      businessPhones: guest ? [] : [phone],
      city: office.city,
      companyName: guest ? null : displayName,
      consentProvidedForMinor: null,
      country: office.country,
      createdDateTime: iso(created),
      creationType: guest ? 'Invitation' : null,
      deletedDateTime: null,
      department: guest ? null : dept.name,
      displayName: `${given} ${surname}`,
      employeeHireDate: guest ? null : iso(created),
      employeeId: guest ? null : String(100000 + i),
      employeeType: guest ? null : ur.chance(0.9) ? 'Employee' : 'Contractor',
      externalUserState: guest ? 'Accepted' : null,
      externalUserStateChangeDateTime: guest ? iso(created + day) : null,
      faxNumber: null,
      givenName: given,
      identities: [{ signInType: guest ? 'federated' : 'userPrincipalName', issuer: guest ? 'ExternalAzureAD' : domain, issuerAssignedId: guest ? null : upn }],
      imAddresses: guest ? [] : [upn],
      isResourceAccount: null,
      jobTitle: guest ? null : title,
      lastPasswordChangeDateTime: iso(created + ur.between(1, 25) * day),
      legalAgeGroupClassification: null,
      mail,
      mailNickname: guest ? `${nick}_${externalDomain.replace(/\./g, '.')}#EXT#` : nick,
      mobilePhone: guest || ur.chance(0.3) ? null : `${office.phonePrefix} ${String(ur.between(1000, 9999))}`,
      officeLocation: guest ? null : `${ur.between(1, 40)}/${ur.between(1000, 3999)}`,
      onPremisesDistinguishedName: null,
      onPremisesDomainName: null,
      onPremisesExtensionAttributes: null,
      onPremisesImmutableId: null,
      onPremisesLastSyncDateTime: null,
      onPremisesProvisioningErrors: [],
      onPremisesSamAccountName: null,
      onPremisesSecurityIdentifier: null,
      onPremisesSyncEnabled: null,
      onPremisesUserPrincipalName: null,
      otherMails: guest ? [mail] : [],
      passwordPolicies: null,
      passwordProfile: null,
      postalCode: office.postalCode,
      preferredDataLocation: null,
      preferredLanguage: office.language,
      proxyAddresses: [`SMTP:${mail}`],
      securityIdentifier: `S-1-12-1-${hash32(id)}-${hash32(id, 7)}-${hash32(id, 11)}-${hash32(id, 13)}`,
      showInAddressList: null,
      signInSessionsValidFromDateTime: iso(created),
      state: office.state,
      streetAddress: guest ? null : `${ur.between(1, 999)} ${ur.pick(['Main', 'Market', 'Park', 'Lake', 'Hill'])} Street`,
      surname,
      usageLocation: office.usageLocation,
      userPrincipalName: upn,
      userType: guest ? 'Guest' : 'Member',
    };
    userHandles.push(tenant.addObject('user', user, silent));
    userRefs.push({ id, userPrincipalName: upn, displayName: `${given} ${surname}`, mail, department: guest ? null : dept.name });
    if (!guest) {
      let list = usersByDept.get(dept.name);
      if (!list) usersByDept.set(dept.name, (list = []));
      list.push(id);
      let cityList = usersByCity.get(office.city);
      if (!cityList) usersByCity.set(office.city, (cityList = []));
      cityList.push(id);
    }
    // Management chain: user 0 is the CEO, the first member of each department its head.
    if (i === 0) ceoId = id;
    else if (!guest) {
      const head = deptHeads.get(dept.name);
      if (!head) {
        deptHeads.set(dept.name, id);
        link(tenant, 'manager', id, ceoId, silent);
      } else if (ur.chance(0.9)) {
        const peers = usersByDept.get(dept.name) as string[];
        // Most report to a recent peer that has been there long enough to lead, else the head.
        const leadIndex = Math.floor(peers.length / 8);
        const manager = leadIndex > 1 && ur.chance(0.7) ? (peers[ur.int(leadIndex)] as string) : head;
        if (manager !== id) link(tenant, 'manager', id, manager, silent);
      }
    }
  }
  const signInUserId = userRefs[0]?.id ?? '';

  // --- Authentication methods -------------------------------------------------------------------
  const mr = root.fork('auth-methods');
  const methods = tenant.store(AUTH_METHODS_STORE);
  for (const u of userRefs) {
    const created = iso(now - mr.between(10, 900) * day);
    const list: Entity[] = [{ '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: PASSWORD_METHOD_ID, createdDateTime: created, password: null }];
    if (mr.chance(0.6)) list.push({ '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: PHONE_METHOD_IDS.mobile, phoneNumber: `+1 425555${String(mr.between(1000, 9999))}`, phoneType: 'mobile', smsSignInState: mr.pick(['notAllowedByPolicy', 'ready', 'notEnabled']) });
    if (mr.chance(0.1)) list.push({ '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: PHONE_METHOD_IDS.office, phoneNumber: `+1 425555${String(mr.between(1000, 9999))}`, phoneType: 'office', smsSignInState: 'notSupported' });
    if (mr.chance(0.3)) list.push({ '@odata.type': '#microsoft.graph.emailAuthenticationMethod', id: EMAIL_METHOD_ID, emailAddress: `${u.userPrincipalName.split('@')[0]}@outlook.com` });
    if (mr.chance(0.5)) list.push({ '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: mr.uuid(), createdDateTime: created, displayName: mr.pick(['iPhone 15', 'Pixel 8', 'Galaxy S23']), deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.8.7' });
    if (mr.chance(0.08)) list.push({ '@odata.type': '#microsoft.graph.fido2AuthenticationMethod', id: mr.uuid(), createdDateTime: created, displayName: 'YubiKey 5 NFC', aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', model: 'YubiKey 5 Series', attestationCertificates: [], attestationLevel: 'attested' });
    methods.insert({ id: u.id, methods: list }, silent);
  }

  // --- Devices ----------------------------------------------------------------------------------
  const dr = root.fork('devices');
  const deviceRefs: DeviceRef[] = [];
  const deviceWeights = DEVICE_MODELS.map((m) => m.weight);
  const userDeviceStart = Math.min(6, userRefs.length);
  for (let i = 0; i < counts.devices; i++) {
    const m = dr.weighted(DEVICE_MODELS, deviceWeights);
    const id = dr.uuid();
    const deviceId = dr.uuid();
    const displayName = `${m.prefix}${dr.hex(7).toUpperCase()}`;
    const registered = now - dr.between(5, 1_000) * day;
    const managed = dr.chance(0.85);
    const device: Entity = {
      id,
      accountEnabled: dr.chance(0.97),
      alternativeSecurityIds: [{ type: 2, identityProvider: null, key: Buffer.from(`X509:<SHA1-TP-PUBKEY>${dr.hex(40)}`).toString('base64') }],
      approximateLastSignInDateTime: iso(now - dr.between(0, 60) * day),
      complianceExpirationDateTime: null,
      deletedDateTime: null,
      deviceCategory: null,
      deviceId,
      deviceMetadata: null,
      deviceOwnership: dr.chance(0.8) ? 'Company' : 'Personal',
      deviceVersion: 2,
      displayName,
      enrollmentProfileName: null,
      enrollmentType: managed ? (m.os === 'Windows' ? 'AzureDomainJoined' : 'UserEnrollment') : null,
      isCompliant: managed ? dr.chance(0.9) : null,
      isManaged: managed,
      isRooted: false,
      managementType: managed ? 'MDM' : null,
      manufacturer: m.manufacturer,
      mdmAppId: managed ? '0000000a-0000-0000-c000-000000000000' : null,
      model: dr.pick(m.models),
      onPremisesLastSyncDateTime: null,
      onPremisesSecurityIdentifier: null,
      onPremisesSyncEnabled: null,
      operatingSystem: m.os,
      operatingSystemVersion: dr.pick(m.versions),
      physicalIds: [`[USER-GID]:${dr.uuid()}:${dr.between(1e9, 9e9)}`],
      profileType: 'RegisteredDevice',
      registrationDateTime: iso(registered),
      systemLabels: [],
      trustType: m.os === 'Windows' ? dr.pick(['AzureAd', 'AzureAd', 'ServerAd']) : 'Workplace',
      extensionAttributes: Object.fromEntries(Array.from({ length: 15 }, (_, k) => [`extensionAttribute${k + 1}`, null])),
    };
    tenant.addObject('device', device, silent);
    let ownerId: string | null = null;
    if (userRefs.length > userDeviceStart && dr.chance(0.9)) {
      ownerId = (userRefs[userDeviceStart + dr.int(userRefs.length - userDeviceStart)] as UserRef).id;
      link(tenant, 'registeredOwners', id, ownerId, silent);
      link(tenant, 'registeredUsers', id, ownerId, silent);
    }
    deviceRefs.push({ id, deviceId, displayName, operatingSystem: m.os, ownerId });
  }

  // --- Groups -----------------------------------------------------------------------------------
  const gr = root.fork('groups');
  const groupRefs: GroupRef[] = [];
  const usedNicks = new Set<string>();
  let membershipsLeft = counts.memberships;
  const nonGuestUsers = userRefs.filter((u) => u.department !== null);
  const groupHandles = new Map<string, number>();
  const members = tenant.relations.members;
  const userIndex = new Map(userRefs.map((u, i) => [u.id, i]));
  const addGroup = (kind: GroupKind, groupName: string, description: string, rule: string | null): GroupRef => {
    let nick = groupName.replace(/[^A-Za-z0-9]/g, '');
    if (usedNicks.has(nick.toLowerCase())) nick = `${nick}${gr.between(10, 9999)}`;
    usedNicks.add(nick.toLowerCase());
    const id = gr.uuid();
    const mailEnabled = kind !== 'security';
    const mail = mailEnabled ? `${nick}@${domain}` : null;
    const groupTypes = kind === 'unified' ? (rule ? ['Unified', 'DynamicMembership'] : ['Unified']) : rule ? ['DynamicMembership'] : [];
    const created = now - gr.between(10, 1_500) * day;
    const group: Entity = {
      id,
      assignedLabels: [],
      assignedLicenses: [],
      classification: null,
      createdDateTime: iso(created),
      deletedDateTime: null,
      description,
      displayName: groupName,
      expirationDateTime: null,
      groupTypes,
      isAssignableToRole: kind === 'security' && gr.chance(0.03) ? true : null,
      mail,
      mailEnabled,
      mailNickname: nick,
      membershipRule: rule,
      membershipRuleProcessingState: rule ? 'On' : null,
      onPremisesDomainName: null,
      onPremisesLastSyncDateTime: null,
      onPremisesNetBiosName: null,
      onPremisesProvisioningErrors: [],
      onPremisesSamAccountName: null,
      onPremisesSecurityIdentifier: null,
      onPremisesSyncEnabled: null,
      preferredDataLocation: null,
      preferredLanguage: null,
      proxyAddresses: mail ? [`SMTP:${mail}`] : [],
      renewedDateTime: iso(created),
      resourceBehaviorOptions: [],
      resourceProvisioningOptions: kind === 'unified' && gr.chance(0.4) ? ['Team'] : [],
      securityEnabled: kind !== 'distribution',
      securityIdentifier: `S-1-12-1-${hash32(id)}-${hash32(id, 3)}-${hash32(id, 5)}-${hash32(id, 9)}`,
      serviceProvisioningErrors: [],
      theme: null,
      visibility: kind === 'unified' ? gr.pick(['Private', 'Public', 'Public']) : null,
      uniqueName: null,
    };
    groupHandles.set(id, tenant.addObject('group', group, silent));
    const ref: GroupRef = { id, displayName: groupName, kind, mail, mailNickname: nick, dynamic: rule !== null };
    groupRefs.push(ref);
    return ref;
  };
  const addMembers = (groupId: string, ids: Iterable<string>): void => {
    const gh = groupHandles.get(groupId) as number;
    for (const m of ids) {
      if (membershipsLeft <= 0) return;
      const ui = userIndex.get(m);
      const mh = ui !== undefined ? (userHandles[ui] as number) : tenant.directory.handle(m);
      if (mh !== undefined && members.add(gh, mh)) membershipsLeft--;
    }
  };
  if (counts.groups > 0) {
    const all = addGroup('unified', 'All Company', `This is the default group for everyone in the network`, null);
    addMembers(all.id, nonGuestUsers.map((u) => u.id));
  }
  for (const dept of DEPARTMENTS) {
    if (groupRefs.length >= counts.groups) break;
    const g = addGroup('security', `${dept.name} (dynamic)`, `All members of ${dept.name}`, `(user.department -eq "${dept.name}")`);
    addMembers(g.id, usersByDept.get(dept.name) ?? []);
  }
  const kinds: GroupKind[] = ['security', 'unified', 'mailEnabledSecurity', 'distribution'];
  const kindWeights = [40, 35, 12, 13];
  const remainingGroups = Math.max(0, counts.groups - groupRefs.length);
  // Heavy-tailed sizes (Pareto-like) scaled so the total meets the membership budget.
  const rawSizes = Array.from({ length: remainingGroups }, () => 1 / Math.pow(1 - gr.next() * 0.999, 0.8));
  const rawTotal = rawSizes.reduce((a, b) => a + b, 0) || 1;
  const budget = membershipsLeft;
  for (let i = 0; i < remainingGroups; i++) {
    const kind = gr.weighted(kinds, kindWeights);
    const topic = gr.pick(GROUP_TOPICS);
    const dept = gr.pick(DEPARTMENTS).name;
    const label = kind === 'distribution' ? `${dept} ${topic} DL` : kind === 'mailEnabledSecurity' ? `${dept} ${topic} Mail Security` : kind === 'unified' ? `${dept} ${topic}` : `SG ${dept} ${topic}`;
    const g = addGroup(kind, `${label} ${i + 1}`, `${topic} for ${dept}`, null);
    const size = Math.min(userRefs.length, Math.max(1, Math.round(((rawSizes[i] as number) / rawTotal) * budget)));
    const pool = usersByDept.get(dept) ?? [];
    const extra: string[] = [];
    // A few security groups nest earlier groups (no cycles: only earlier indices) or hold devices.
    if (kind === 'security' && groupRefs.length > 3 && gr.chance(0.1)) extra.push((groupRefs[gr.int(groupRefs.length - 1)] as GroupRef).id);
    if (kind === 'security' && deviceRefs.length > 0 && gr.chance(0.05)) extra.push((deviceRefs[gr.int(deviceRefs.length)] as DeviceRef).id);
    addMembers(g.id, extra);
    let added = 0;
    const gh = groupHandles.get(g.id) as number;
    for (let attempt = 0; added < size && attempt < size * 3 && membershipsLeft > 0; attempt++) {
      const fromDept = pool.length > size && gr.chance(0.7);
      const ui = fromDept ? (userIndex.get(pool[gr.int(pool.length)] as string) as number) : gr.int(userRefs.length);
      if (members.add(gh, userHandles[ui] as number)) {
        added++;
        membershipsLeft--;
      }
    }
    if ((kind === 'unified' || kind === 'security') && userRefs.length > 0) {
      const owners = kind === 'unified' ? gr.between(1, 2) : gr.chance(0.6) ? 1 : 0;
      for (let k = 0; k < owners; k++) link(tenant, 'owners', g.id, (userRefs[gr.int(Math.min(userRefs.length, 200))] as UserRef).id, silent);
    }
  }

  // Duplicates drawn above leave some budget; spread it over the static groups.
  const staticGroups = groupRefs.filter((g) => !g.dynamic && g.displayName !== 'All Company');
  for (let attempt = 0; membershipsLeft > 0 && staticGroups.length > 0 && userRefs.length > 0 && attempt < counts.memberships; attempt++) {
    const g = staticGroups[gr.int(staticGroups.length)] as GroupRef;
    if (members.add(groupHandles.get(g.id) as number, userHandles[gr.int(userRefs.length)] as number)) membershipsLeft--;
  }

  // --- Applications and service principals -------------------------------------------------------
  const ar = root.fork('apps');
  const appRefs: ApplicationRef[] = [{ id: admin.application.id, appId: admin.clientId, displayName: ADMIN_APP_NAME }];
  const spRefs: ServicePrincipalRef[] = [];
  const graphSp = servicePrincipalByAppId(tenant, GRAPH_APP_ID) as Entity;
  const graphRoles = knownPermissions(GRAPH_APP_ID).filter((p) => p.type === 'Application');
  const graphScopes = ['User.Read', 'openid', 'profile', 'email', 'offline_access'];
  for (let i = 0; i < counts.applications; i++) {
    const appName = `${ar.pick(APP_PREFIXES)} ${ar.pick(APP_SUFFIXES)}${i >= APP_PREFIXES.length * APP_SUFFIXES.length ? ` ${i}` : ''}`;
    const appId = ar.uuid();
    const created = now - ar.between(5, 1_200) * day;
    const hasApi = ar.chance(0.4);
    const roles = ar.chance(0.3)
      ? [{ allowedMemberTypes: ['User'], description: `${appName} readers`, displayName: 'Reader', id: ar.uuid(), isEnabled: true, origin: 'Application', value: 'App.Reader' },
         { allowedMemberTypes: ['User', 'Application'], description: `${appName} administrators`, displayName: 'Administrator', id: ar.uuid(), isEnabled: true, origin: 'Application', value: 'App.Admin' }]
      : [];
    const appPermsPicked = ar.chance(0.5) ? Array.from({ length: ar.between(1, 3) }, () => ar.pick(graphRoles)) : [];
    const uniquePerms = [...new Map(appPermsPicked.map((p) => [p.id, p])).values()];
    const redirect = `https://${appName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.${name}.com/signin-oidc`;
    const application: Entity = {
      id: ar.uuid(),
      addIns: [],
      api: {
        acceptMappedClaims: null, knownClientApplications: [], preAuthorizedApplications: [], requestedAccessTokenVersion: hasApi ? 2 : null,
        oauth2PermissionScopes: hasApi ? [{ adminConsentDescription: `Access ${appName}`, adminConsentDisplayName: `Access ${appName}`, id: ar.uuid(), isEnabled: true, type: 'User', userConsentDescription: `Access ${appName} on your behalf`, userConsentDisplayName: `Access ${appName}`, value: 'user_impersonation' }] : [],
      },
      appId,
      appRoles: roles,
      applicationTemplateId: null,
      certification: null,
      createdDateTime: iso(created),
      defaultRedirectUri: null,
      deletedDateTime: null,
      description: ar.chance(0.3) ? `Line-of-business application ${appName}` : null,
      disabledByMicrosoftStatus: null,
      displayName: appName,
      groupMembershipClaims: ar.chance(0.2) ? 'SecurityGroup' : null,
      identifierUris: hasApi ? [`api://${appId}`] : [],
      info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
      isDeviceOnlyAuthSupported: null,
      isFallbackPublicClient: false,
      keyCredentials: [],
      notes: null,
      optionalClaims: null,
      parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
      passwordCredentials: [],
      publicClient: { redirectUris: [] },
      publisherDomain: domain,
      requiredResourceAccess: [{
        resourceAppId: GRAPH_APP_ID,
        resourceAccess: [
          { id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' },
          ...uniquePerms.map((p) => ({ id: p.id, type: 'Role' })),
        ],
      }],
      samlMetadataUrl: null,
      serviceManagementReference: null,
      signInAudience: ar.weighted(['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount'], [80, 15, 5]),
      spa: { redirectUris: [] },
      tags: [],
      tokenEncryptionKeyId: null,
      verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
      web: {
        homePageUrl: `https://${appName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.${name}.com`, logoutUrl: null, redirectUris: [redirect],
        implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: ar.chance(0.2) }, redirectUriSettings: [{ uri: redirect, index: null }],
      },
    };
    tenant.addObject('application', application, silent);
    if (ar.chance(0.7)) addSecret(tenant, application.id, { displayName: 'client secret', random: ar, silent: true });
    appRefs.push({ id: application.id, appId, displayName: appName });
    if (userRefs.length > 0) link(tenant, 'owners', application.id, (userRefs[ar.int(Math.min(userRefs.length, 50))] as UserRef).id, silent);
    if (i < counts.servicePrincipals) {
      const sp = servicePrincipalFor(tenant, application, ar.uuid());
      tenant.addObject('servicePrincipal', sp, silent);
      spRefs.push({ id: sp.id, appId, displayName: appName, firstParty: false });
      for (const p of uniquePerms) grantAppRole(tenant, { id: sp.id, displayName: appName, type: 'ServicePrincipal' }, graphSp, p.id, { silent: true, random: ar });
      grantDelegated(tenant, sp.id, graphSp.id, graphScopes.slice(0, ar.between(1, graphScopes.length)), { silent: true, random: ar });
      for (const role of roles) {
        if (userRefs.length === 0) break;
        const u = userRefs[ar.int(userRefs.length)] as UserRef;
        grantAppRole(tenant, { id: u.id, displayName: u.displayName, type: 'User' }, sp, role.id, { silent: true, random: ar });
        const g = groupRefs.length > 0 ? (groupRefs[ar.int(groupRefs.length)] as GroupRef) : undefined;
        if (g && ar.chance(0.3)) grantAppRole(tenant, { id: g.id, displayName: g.displayName, type: 'Group' }, sp, role.id, { silent: true, random: ar });
      }
      if (userRefs.length > 0 && ar.chance(0.5)) link(tenant, 'owners', sp.id, (userRefs[ar.int(Math.min(userRefs.length, 50))] as UserRef).id, silent);
    }
  }
  for (const sp of tenant.store('servicePrincipals').values()) {
    if (!spRefs.some((r) => r.id === sp.id)) {
      spRefs.push({ id: sp.id, appId: sp.appId as string, displayName: sp.displayName as string, firstParty: sp.appOwnerOrganizationId !== tenant.tenantId });
    }
  }

  // --- Directory roles, role definitions and assignments -----------------------------------------
  const rr = root.fork('roles');
  const roleDefs = tenant.store('roleDefinitions');
  for (const r of BUILT_IN_ROLES) {
    roleDefs.insert({
      id: r.id, description: r.description, displayName: r.displayName, isBuiltIn: true, isEnabled: true, resourceScopes: ['/'],
      rolePermissions: [{ allowedResourceActions: [...r.actions], condition: null, excludedResourceActions: [] }], templateId: r.id, version: '1',
    }, silent);
  }
  for (const [label, actions] of [['Helpdesk Tier 1', ['microsoft.directory/users/password/update']], ['App Registration Reviewer', ['microsoft.directory/applications/allProperties/read']]] as const) {
    const id = rr.uuid();
    roleDefs.insert({
      id, description: `Custom role: ${label}`, displayName: label, isBuiltIn: false, isEnabled: true, resourceScopes: ['/'],
      rolePermissions: [{ allowedResourceActions: [...actions], condition: null, excludedResourceActions: [] }], templateId: id, version: null,
    }, silent);
  }
  const activated = BUILT_IN_ROLES.slice(0, Math.min(BUILT_IN_ROLES.length, 4 + Math.ceil(Math.log10(counts.users + 10) * 3)));
  const roleByTemplate = new Map<string, string>();
  for (const r of activated) {
    const id = rr.uuid();
    tenant.addObject('directoryRole', { id, deletedDateTime: null, description: r.description, displayName: r.displayName, roleTemplateId: r.id }, silent);
    roleByTemplate.set(r.id, id);
  }
  const assign = (templateId: string, principalId: string, scope = '/'): void => {
    const roleId = roleByTemplate.get(templateId);
    if (roleId && scope === '/') link(tenant, 'roleMembers', roleId, principalId, silent);
    tenant.store('roleAssignments').insert({
      id: `${Buffer.from(rr.hex(64), 'hex').toString('base64url')}-1`,
      appScopeId: null, condition: null, directoryScopeId: scope, principalId, principalOrganizationId: tenant.tenantId, roleDefinitionId: templateId,
    }, silent);
  };
  if (userRefs.length > 0) assign(GLOBAL_ADMIN_TEMPLATE_ID, (userRefs[0] as UserRef).id);
  // Exchange app-only access needs an Exchange role on the service principal (facts §8.2).
  assign(EXCHANGE_ADMIN_TEMPLATE_ID, admin.servicePrincipal.id);
  for (const r of activated.slice(1)) {
    const n = Math.min(userRefs.length, rr.between(1, 3));
    for (let k = 0; k < n; k++) {
      const u = userRefs[rr.int(Math.min(userRefs.length, 300))] as UserRef;
      if (!tenant.relations.roleMembers.has(tenant.directory.handle(roleByTemplate.get(r.id) as string) as number, tenant.directory.handle(u.id) as number)) assign(r.id, u.id);
    }
  }

  // --- Administrative units ----------------------------------------------------------------------
  const aur = root.fork('admin-units');
  const cities = [...usersByCity.keys()];
  for (let i = 0; i < counts.administrativeUnits; i++) {
    const city = cities[i % Math.max(1, cities.length)] ?? 'Redmond';
    const dynamic = aur.chance(0.2);
    const id = aur.uuid();
    tenant.addObject('administrativeUnit', {
      id, deletedDateTime: null, description: `Users and devices in ${city}`, displayName: `${city} ${i >= cities.length ? i + 1 : ''}`.trim(),
      isMemberManagementRestricted: null, membershipRule: dynamic ? `(user.city -eq "${city}")` : null,
      membershipRuleProcessingState: dynamic ? 'On' : null, membershipType: dynamic ? 'Dynamic' : 'Assigned', visibility: aur.chance(0.2) ? 'HiddenMembership' : null,
    }, silent);
    const members = (usersByCity.get(city) ?? []).slice(0, 2_000);
    for (const m of members) link(tenant, 'auMembers', id, m, silent);
    if (groupRefs.length > 0) link(tenant, 'auMembers', id, (groupRefs[aur.int(groupRefs.length)] as GroupRef).id, silent);
    if (members.length > 0 && roleByTemplate.has('fe930be7-5e62-47db-91af-98c3a49a38b1')) {
      const admin0 = members[0] as string;
      tenant.store('scopedRoleMembers').insert({
        id: aur.hex(32), administrativeUnitId: id, roleId: roleByTemplate.get('fe930be7-5e62-47db-91af-98c3a49a38b1') as string,
        roleMemberInfo: { id: admin0, displayName: userRefs.find((u) => u.id === admin0)?.displayName ?? null, userPrincipalName: null },
      }, silent);
      tenant.store('roleAssignments').insert({
        id: `${Buffer.from(aur.hex(64), 'hex').toString('base64url')}-1`, appScopeId: null, condition: null, directoryScopeId: `/administrativeUnits/${id}`, principalId: admin0,
        principalOrganizationId: tenant.tenantId, roleDefinitionId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
      }, silent);
    }
  }

  // --- Domains and organization ------------------------------------------------------------------
  const domains = tenant.store('domains');
  const domainRow = (id: string, o: Partial<Entity>): Entity => ({
    id, authenticationType: 'Managed', availabilityStatus: null, isAdminManaged: true, isDefault: false, isInitial: false, isRoot: true,
    isVerified: true, manufacturer: null, model: null, passwordNotificationWindowInDays: 14, passwordValidityPeriodInDays: 2147483647,
    state: null, supportedServices: ['Email', 'OfficeCommunicationsOnline'], ...o,
  });
  domains.insert(domainRow(domain, { isInitial: true, isDefault: true }), silent);
  domains.insert(domainRow(`${name}.com`, { supportedServices: ['Email', 'OfficeCommunicationsOnline', 'Intune'] }), silent);
  domains.insert(domainRow(`mail.${name}.com`, { isVerified: false, supportedServices: [] }), silent);
  const or = root.fork('organization');
  const hq = OFFICES[hash32(name) % OFFICES.length] as (typeof OFFICES)[number];
  tenant.store('organization').insert({
    id: tenant.tenantId,
    assignedPlans: [],
    businessPhones: [`${hq.phonePrefix} 0100`],
    city: hq.city,
    country: hq.country,
    countryLetterCode: hq.usageLocation,
    createdDateTime: iso(now - 1_800 * day),
    defaultUsageLocation: hq.usageLocation,
    deletedDateTime: null,
    displayName,
    marketingNotificationEmails: [],
    mobileDeviceManagementAuthority: 'intune',
    partnerTenantType: null,
    onPremisesLastSyncDateTime: null,
    onPremisesLastPasswordSyncDateTime: null,
    certificateConnectorSetting: null,
    directorySizeQuota: { used: counts.users + counts.groups + counts.devices + counts.applications * 2, total: 300_000 + counts.users * 5 },
    isMultipleDataLocationsForServicesEnabled: null,
    onPremisesSyncEnabled: null,
    postalCode: hq.postalCode,
    preferredLanguage: hq.language.slice(0, 2),
    privacyProfile: { contactEmail: `privacy@${name}.com`, statementUrl: `https://${name}.com/privacy` },
    provisionedPlans: [],
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: hq.state,
    street: `${or.between(1, 999)} Main Street`,
    technicalNotificationMails: [`it@${name}.com`],
    tenantType: spec.kind === 'b2c' ? 'AAD B2C' : 'AAD',
    verifiedDomains: [...domains.values()].filter((d) => d.isVerified).map((d) => ({ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: d.isDefault, isInitial: d.isInitial, name: d.id, type: 'Managed' })),
  }, silent);
  tenant.store('organizationalBranding').insert({
    id: '0', backgroundColor: '#0078d4', backgroundImageRelativeUrl: null, bannerLogoRelativeUrl: null, cdnList: ['aadcdn.msftauthimages.net'],
    customAccountResetCredentialsUrl: null, customCannotAccessYourAccountText: null, customCannotAccessYourAccountUrl: null, customCSSRelativeUrl: null,
    customForgotMyPasswordText: null, customPrivacyAndCookiesText: null, customPrivacyAndCookiesUrl: null, customResetItNowText: null,
    customTermsOfUseText: null, customTermsOfUseUrl: null, faviconRelativeUrl: null, headerBackgroundColor: null, headerLogoRelativeUrl: null,
    loginPageLayoutConfiguration: null, loginPageTextVisibilitySettings: null, signInPageText: `Welcome to ${displayName}`,
    squareLogoRelativeUrl: null, squareLogoDarkRelativeUrl: null, usernameHintText: `someone@${name}.com`,
  }, silent);
  tenant.store('organizationalBrandingLocalizations').insert({
    id: 'fr-FR', backgroundColor: '#0078d4', signInPageText: `Bienvenue chez ${displayName}`, usernameHintText: `quelquun@${name}.com`,
    cdnList: ['aadcdn.msftauthimages.net'], backgroundImageRelativeUrl: null, bannerLogoRelativeUrl: null, squareLogoRelativeUrl: null,
  }, silent);

  // --- The family context ------------------------------------------------------------------------
  const familyRandom = root.fork('families');
  const pickFrom = <T>(list: readonly T[], random: Random | undefined, what: string): T => {
    if (list.length === 0) throw new Error(`the tenant has no ${what} to pick`);
    return (random ?? familyRandom).pick(list);
  };
  const spByAppId = new Map(spRefs.map((s) => [s.appId, s]));
  const context: FamilyContext = {
    seed: String(spec.seed ?? 1),
    random: familyRandom,
    tenantId: tenant.tenantId,
    tenantName: name,
    domain,
    organizationDisplayName: displayName,
    size: spec.counts ? 'custom' : (spec.size ?? 'small'),
    counts,
    nowMs: now,
    adminApp: { appId: admin.clientId, applicationId: admin.application.id, servicePrincipalId: admin.servicePrincipal.id },
    pickUser: (random) => pickFrom(userRefs, random, 'users'),
    pickGroup: (filter, random) => pickFrom(filter ? groupRefs.filter(filter) : groupRefs, random, 'groups'),
    pickApplication: (random) => pickFrom(appRefs, random, 'applications'),
    pickServicePrincipal: (filter, random) => pickFrom(filter ? spRefs.filter(filter) : spRefs, random, 'service principals'),
    pickDevice: (random) => pickFrom(deviceRefs, random, 'devices'),
    users: () => userRefs.values(),
    groups: () => groupRefs.values(),
    applications: () => appRefs.values(),
    servicePrincipals: () => spRefs.values(),
    devices: () => deviceRefs.values(),
    groupMembers: function* (groupId) {
      const h = tenant.directory.handle(groupId);
      if (h === undefined) return;
      for (const m of tenant.relations.members.targets(h)) yield tenant.directory.id(m);
    },
    servicePrincipalByAppId: (appId) => spByAppId.get(appId),
    roleTemplates: BUILT_IN_ROLES.map((r) => ({ id: r.id, displayName: r.displayName })),
  };
  // Exchange Online must know the admin app for app-only InvokeCommand.
  void EXCHANGE_APP_ID;
  return { state: tenant, admin, context, signInUserId };
}
