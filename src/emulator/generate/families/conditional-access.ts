/**
 * Conditional access: named locations (`ipNamedLocation`, `countryNamedLocation`) and policies
 * as a real tenant has them — MFA for admin roles, legacy authentication blocked, compliant
 * devices required, country blocks, MFA outside trusted locations, risk-based and report-only
 * policies, app protection for mobile, session controls — plus per-application and per-group
 * policies that grow with the tenant. The CA deleted-items container starts empty.
 *
 * Guarantees: every user, group, role template, application (appId) and named-location ID a
 * policy references comes from the context or from the locations generated here; shapes follow
 * `conditionalAccessPolicy` in the v1.0 CSDL and the docs example `conditionalaccessroot-post-
 * namedlocations` (the corpus has no CA-policy create page; the shape is the v1.0 schema's).
 * Properties are limited to those both v1.0 and beta define, so one object serves both.
 */
import type { Random } from '../../random.js';
import type { FamilyContext } from '../context.js';
import type { FamilyPart } from './output.js';
import { bySize, daysAgo, distinct, odataType, pickGroupIds, pickUserIds, type GraphEntity, type JsonObject, type JsonValue } from './util.js';

/** Azure Service Management, the first-party app admins target with "MFA for Azure management". */
const AZURE_MANAGEMENT_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';

const ADMIN_ROLE_NAMES = [
  'Global Administrator', 'Privileged Role Administrator', 'Security Administrator', 'Exchange Administrator', 'SharePoint Administrator',
  'User Administrator', 'Conditional Access Administrator', 'Application Administrator', 'Cloud Application Administrator', 'Helpdesk Administrator',
  'Billing Administrator', 'Authentication Administrator', 'Intune Administrator',
];

const BLOCKED_COUNTRIES = ['KP', 'IR', 'SY', 'CU', 'RU', 'BY'];
const TRAVEL_COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'IE', 'ES', 'IT', 'SE', 'JP', 'AU', 'SG', 'IN'];
const CITIES = ['London', 'Berlin', 'Paris', 'Amsterdam', 'Seattle', 'Chicago', 'Toronto', 'Sydney', 'Singapore', 'Tokyo', 'Madrid', 'Dublin', 'Stockholm', 'Zurich'];

function users(include: string[], opts: Partial<Record<'excludeUsers' | 'includeGroups' | 'excludeGroups' | 'includeRoles' | 'excludeRoles', string[]>> = {}): JsonObject {
  return {
    includeUsers: include,
    excludeUsers: opts.excludeUsers ?? [],
    includeGroups: opts.includeGroups ?? [],
    excludeGroups: opts.excludeGroups ?? [],
    includeRoles: opts.includeRoles ?? [],
    excludeRoles: opts.excludeRoles ?? [],
    includeGuestsOrExternalUsers: null,
    excludeGuestsOrExternalUsers: null,
  };
}

function applications(include: string[], exclude: string[] = []): JsonObject {
  return { includeApplications: include, excludeApplications: exclude, includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null };
}

function conditions(u: JsonObject, apps: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    userRiskLevels: [],
    signInRiskLevels: [],
    clientAppTypes: ['all'],
    servicePrincipalRiskLevels: [],
    platforms: null,
    locations: null,
    devices: null,
    clientApplications: null,
    applications: apps,
    users: u,
    ...extra,
  };
}

function grant(operator: 'OR' | 'AND', controls: string[]): JsonObject {
  return { operator, builtInControls: controls, customAuthenticationFactors: [], termsOfUse: [] };
}

function session(overrides: JsonObject): JsonObject {
  return {
    disableResilienceDefaults: null,
    applicationEnforcedRestrictions: null,
    cloudAppSecurity: null,
    persistentBrowser: null,
    signInFrequency: null,
    ...overrides,
  };
}

function ipRange(cidr: string): JsonObject {
  return { '@odata.type': odataType(cidr.includes(':') ? 'iPv6CidrRange' : 'iPv4CidrRange'), cidrAddress: cidr };
}

function namedLocations(ctx: FamilyContext, random: Random): { all: GraphEntity[]; trusted: string[]; blockedCountries: string[] } {
  const all: GraphEntity[] = [];
  const trusted: string[] = [];
  const stamp = (created: number): { createdDateTime: string; modifiedDateTime: string } => ({
    createdDateTime: daysAgo(ctx, created),
    modifiedDateTime: daysAgo(ctx, created * random.next()),
  });
  const offices = bySize(ctx, [2, 6, 18]);
  const cities = distinct(Math.min(offices, CITIES.length), () => random.pick(CITIES));
  for (let i = 0; i < offices; i++) {
    const city = cities[i % cities.length] as string;
    // Documentation ranges (RFC 5737 / 3849) so the data can never collide with real networks.
    const v4 = `${random.pick(['203.0.113', '198.51.100', '192.0.2'])}.${random.int(16) * 16}/${random.pick([28, 29, 30])}`;
    const ranges = [ipRange(v4)];
    if (random.chance(0.4)) ranges.push(ipRange(`2001:db8:${random.hex(4)}::/48`));
    const entity: GraphEntity = {
      '@odata.type': odataType('ipNamedLocation'),
      id: random.uuid(),
      displayName: i < cities.length ? `${city} office` : `${city} office ${Math.floor(i / cities.length) + 1}`,
      ...stamp(random.between(60, 900)),
      isTrusted: random.chance(0.85),
      ipRanges: ranges,
    };
    all.push(entity);
    if (entity['isTrusted']) trusted.push(entity.id);
  }
  all.push({
    '@odata.type': odataType('ipNamedLocation'),
    id: random.uuid(),
    displayName: 'VPN egress',
    ...stamp(random.between(100, 700)),
    isTrusted: true,
    ipRanges: [ipRange(`198.51.100.${random.int(8) * 32}/27`)],
  });
  trusted.push(all[all.length - 1]!.id);
  const blocked: GraphEntity = {
    '@odata.type': odataType('countryNamedLocation'),
    id: random.uuid(),
    displayName: 'Blocked countries',
    ...stamp(random.between(100, 900)),
    countriesAndRegions: distinct(random.between(3, BLOCKED_COUNTRIES.length), () => random.pick(BLOCKED_COUNTRIES)).sort(),
    includeUnknownCountriesAndRegions: random.chance(0.5),
    countryLookupMethod: 'clientIpAddress',
  };
  all.push(blocked);
  if (ctx.size !== 'small') {
    all.push({
      '@odata.type': odataType('countryNamedLocation'),
      id: random.uuid(),
      displayName: 'Allowed travel destinations',
      ...stamp(random.between(30, 400)),
      countriesAndRegions: distinct(random.between(5, 10), () => random.pick(TRAVEL_COUNTRIES)).sort(),
      includeUnknownCountriesAndRegions: false,
      countryLookupMethod: 'clientIpAddress',
    });
  }
  return { all, trusted, blockedCountries: [blocked.id] };
}

export function generateConditionalAccess(ctx: FamilyContext): FamilyPart {
  const random = ctx.random.fork('conditionalAccess');
  const locations = namedLocations(ctx, random);
  const adminRoles = ctx.roleTemplates.filter((r) => ADMIN_ROLE_NAMES.includes(r.displayName)).map((r) => r.id);
  const breakGlass = pickUserIds(ctx, random, 2);
  const apps: string[] = [];
  for (const sp of ctx.servicePrincipals()) {
    if (!sp.firstParty) apps.push(sp.appId);
    if (apps.length >= 500) break;
  }

  const policies: GraphEntity[] = [];
  const add = (displayName: string, state: string, cond: JsonObject, grantControls: JsonValue, sessionControls: JsonValue = null): void => {
    const created = random.between(20, 900);
    policies.push({
      id: random.uuid(),
      displayName,
      createdDateTime: daysAgo(ctx, created),
      modifiedDateTime: random.chance(0.7) ? daysAgo(ctx, created * random.next()) : null,
      state,
      conditions: cond,
      grantControls,
      sessionControls,
    });
  };

  add('CA001: Require multifactor authentication for admins', 'enabled', conditions(users([], { includeRoles: adminRoles, excludeUsers: breakGlass }), applications(['All'])), grant('OR', ['mfa']));
  add('CA002: Block legacy authentication', 'enabled', conditions(users(['All'], { excludeUsers: breakGlass }), applications(['All']), { clientAppTypes: ['exchangeActiveSync', 'other'] }), grant('OR', ['block']));
  add(
    'CA003: Require compliant or hybrid joined device',
    random.pick(['enabled', 'enabledForReportingButNotEnforced']),
    conditions(users([], { includeGroups: pickGroupIds(ctx, random, random.between(1, 3)), excludeUsers: breakGlass }), applications(['Office365']), {
      platforms: { includePlatforms: ['windows', 'macOS'], excludePlatforms: [] },
    }),
    grant('OR', ['compliantDevice', 'domainJoinedDevice']),
  );
  add(
    'CA004: Block access from blocked countries',
    'enabled',
    conditions(users(['All'], { excludeUsers: breakGlass }), applications(['All']), { locations: { includeLocations: locations.blockedCountries, excludeLocations: [] } }),
    grant('OR', ['block']),
  );
  add(
    'CA005: Require MFA outside trusted locations',
    'enabled',
    conditions(users(['All'], { excludeUsers: breakGlass, excludeGroups: pickGroupIds(ctx, random, 1) }), applications(['All']), {
      locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted', ...locations.trusted.slice(0, 2)] },
    }),
    grant('OR', ['mfa']),
  );
  add('CA006: Require MFA for Azure management', 'enabled', conditions(users(['All'], { excludeUsers: breakGlass }), applications([AZURE_MANAGEMENT_APP_ID])), grant('OR', ['mfa']));
  add(
    'CA007: Sign-in risk requires MFA',
    'enabledForReportingButNotEnforced',
    conditions(users(['All'], { excludeUsers: breakGlass }), applications(['All']), { signInRiskLevels: ['high', 'medium'] }),
    grant('OR', ['mfa']),
    session({ signInFrequency: { value: null, type: null, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'everyTime', isEnabled: true } }),
  );
  add(
    'CA008: High user risk requires password change',
    'enabledForReportingButNotEnforced',
    conditions(users(['All'], { excludeUsers: breakGlass }), applications(['All']), { userRiskLevels: ['high'] }),
    grant('AND', ['mfa', 'passwordChange']),
  );
  add(
    'CA009: Approved client apps on mobile',
    'enabled',
    conditions(users([], { includeGroups: pickGroupIds(ctx, random, random.between(1, 2)) }), applications(['Office365']), {
      platforms: { includePlatforms: ['iOS', 'android'], excludePlatforms: [] },
      clientAppTypes: ['mobileAppsAndDesktopClients', 'browser'],
    }),
    grant('OR', ['approvedApplication', 'compliantApplication']),
  );
  add(
    'CA010: Sign-in frequency on unmanaged devices',
    random.pick(['enabled', 'disabled']),
    conditions(users(['All'], { excludeUsers: breakGlass }), applications(['All']), {
      devices: { deviceFilter: { mode: 'exclude', rule: 'device.isCompliant -eq True -or device.trustType -eq "ServerAD"' } },
    }),
    null,
    session({
      signInFrequency: { value: random.pick([4, 8, 12]), type: 'hours', authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased', isEnabled: true },
      persistentBrowser: { mode: 'never', isEnabled: true },
    }),
  );
  add('CA011: Guests require MFA', 'enabled', conditions(users(['GuestsOrExternalUsers']), applications(['All'])), grant('OR', ['mfa']));
  add(
    'CA012: Limited session in Exchange and SharePoint on personal devices',
    'disabled',
    conditions(users(['All'], { excludeUsers: breakGlass }), applications(['Office365']), { clientAppTypes: ['browser'] }),
    null,
    session({ applicationEnforcedRestrictions: { isEnabled: true } }),
  );

  // Per-application and per-department policies, the long tail of a growing tenant.
  const extra = bySize(ctx, [0, 14, 48]);
  for (let i = 0; i < extra; i++) {
    const n = String(13 + i).padStart(3, '0');
    const targetApps = apps.length > 0 ? distinct(random.between(1, 3), () => random.pick(apps)) : ['Office365'];
    const kind = random.int(4);
    const u = users([], { includeGroups: pickGroupIds(ctx, random, random.between(1, 4)), excludeUsers: breakGlass.slice(0, 1), excludeGroups: random.chance(0.3) ? pickGroupIds(ctx, random, 1) : [] });
    const state = random.weighted(['enabled', 'enabledForReportingButNotEnforced', 'disabled'], [6, 3, 1]);
    if (kind === 0) add(`CA${n}: Require MFA for line-of-business apps`, state, conditions(u, applications(targetApps)), grant('OR', ['mfa']));
    else if (kind === 1) add(`CA${n}: Require compliant device for sensitive apps`, state, conditions(u, applications(targetApps)), grant('AND', ['mfa', 'compliantDevice']));
    else if (kind === 2) {
      add(
        `CA${n}: Block app access outside trusted locations`,
        state,
        conditions(u, applications(targetApps), { locations: { includeLocations: ['All'], excludeLocations: distinct(random.between(1, Math.max(1, locations.trusted.length)), () => random.pick(locations.trusted)) } }),
        grant('OR', ['block']),
      );
    } else {
      add(
        `CA${n}: Session limits for contractors`,
        state,
        conditions(u, applications(['All'])),
        grant('OR', ['mfa']),
        session({ signInFrequency: { value: random.pick([1, 7, 14]), type: 'days', authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased', isEnabled: true } }),
      );
    }
  }
  return { stores: { conditionalAccessPolicies: policies, namedLocations: locations.all } };
}
