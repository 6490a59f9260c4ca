/**
 * The Exchange view of a tenant: distribution groups and mail-enabled security groups as
 * `Get-DistributionGroup` shows them, and recipients (members) as `Get-DistributionGroupMember`
 * shows them — built over the same directory the Graph routes serve, so both views agree.
 *
 * Guarantees:
 * - a distribution group exists exactly when the directory has a mail-enabled, non-Microsoft-365
 *   group (what Graph lists as a DL or mail-enabled security group, facts §8.1); its Exchange-only
 *   attributes (ManagedBy, join restrictions, WhenCreated, …) live in the `exchangeDistributionGroups`
 *   store keyed by the group's object ID (= ExternalDirectoryObjectId), seeded from the generator;
 * - members are the group's directory members; users appear as mailbox recipients and mail-enabled
 *   groups as group recipients; plain security groups are left out (Exchange cannot hold them);
 * - identities resolve as Exchange resolves them: alias/name, display name, any SMTP address, the
 *   object ID (ExternalDirectoryObjectId), the Exchange GUID or the distinguished name; an
 *   ambiguous identity is an error, as in Exchange;
 * - GUIDs are stable: the generator's where it made one, else derived from the object ID.
 * Not here: cmdlet parameters and errors (cmdlets.ts), HTTP (service.ts).
 */
import { createHash } from 'node:crypto';
import { isUnifiedGroup, linkedObjects } from '../directory/objects.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';

export const EXCHANGE_STORE = 'exchangeDistributionGroups';

type Json = Record<string, unknown>;

interface GeneratedExchange {
  readonly exchange?: { distributionGroups?: readonly Json[]; members?: ReadonlyMap<string, readonly Json[]> };
}

/** Per tenant: Exchange GUIDs of recipients by object ID (from the generator, then derived). */
const guids = new WeakMap<TenantState, Map<string, string>>();

/** Loads the generated Exchange attributes once per tenant (reset builds a new tenant). */
export function exchangeStore(tenant: TenantState): ReturnType<TenantState['store']> {
  const store = tenant.store(EXCHANGE_STORE);
  if (!guids.has(tenant)) {
    const map = new Map<string, string>();
    guids.set(tenant, map);
    const data = (tenant.familyData as GeneratedExchange | undefined)?.exchange;
    for (const dl of data?.distributionGroups ?? []) {
      const id = String(dl.ExternalDirectoryObjectId);
      if (!store.has(id)) store.insert({ ...dl, id }, { silent: true });
      map.set(id, String(dl.Guid));
    }
    for (const members of data?.members?.values() ?? []) for (const m of members) map.set(String(m.ExternalDirectoryObjectId), String(m.Guid));
  }
  return store;
}

export function guidOf(tenant: TenantState, objectId: string): string {
  exchangeStore(tenant);
  const map = guids.get(tenant) as Map<string, string>;
  let guid = map.get(objectId);
  if (!guid) {
    const h = createHash('sha256').update(`exchange-guid/${objectId}`).digest('hex');
    guid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
    map.set(objectId, guid);
  }
  return guid;
}

/** Groups Exchange manages: mail-enabled and not Microsoft 365 (Graph cannot write them, facts §8.1). */
export function isDistributionGroup(group: Entity): boolean {
  return group.mailEnabled === true && !isUnifiedGroup(group);
}

export const alias = (address: string): string => address.split('@')[0] ?? address;

function domainOf(tenant: TenantState): string {
  return tenant.domain;
}

/** `Get-DistributionGroup`'s object for a directory group: stored attributes over what the directory says. */
export function distributionGroupOf(tenant: TenantState, group: Entity): Json {
  const stored = exchangeStore(tenant).get(group.id) ?? {};
  const nick = String(group.mailNickname ?? alias(String(group.mail ?? group.id)));
  const primary = String(group.mail ?? `${nick}@${domainOf(tenant)}`);
  const security = group.securityEnabled === true;
  const { id: _id, ...attributes } = stored as Json;
  return {
    Identity: nick,
    Name: nick,
    DisplayName: group.displayName ?? nick,
    Alias: nick,
    PrimarySmtpAddress: primary,
    WindowsEmailAddress: primary,
    EmailAddresses: [`SMTP:${primary}`],
    GroupType: security ? 'Universal, SecurityEnabled' : 'Universal',
    RecipientType: security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
    RecipientTypeDetails: security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
    ManagedBy: [],
    MemberJoinRestriction: 'Closed',
    MemberDepartRestriction: 'Closed',
    RequireSenderAuthenticationEnabled: true,
    HiddenFromAddressListsEnabled: false,
    IsDirSynced: false,
    ...attributes,
    ExternalDirectoryObjectId: group.id,
    Guid: guidOf(tenant, group.id),
  };
}

/** A member as `Get-DistributionGroupMember` lists it, or undefined for what Exchange cannot hold. */
export function recipientOf(tenant: TenantState, kind: string, entity: Entity): Json | undefined {
  if (kind === 'user') {
    const upn = String(entity.userPrincipalName ?? entity.id);
    const name = alias(upn);
    return {
      Identity: name,
      Name: name,
      DisplayName: entity.displayName ?? name,
      Alias: name,
      PrimarySmtpAddress: String(entity.mail ?? upn),
      RecipientType: 'UserMailbox',
      RecipientTypeDetails: 'UserMailbox',
      ExternalDirectoryObjectId: entity.id,
      Guid: guidOf(tenant, entity.id),
    };
  }
  if (kind === 'group' && entity.mailEnabled === true) {
    const nick = String(entity.mailNickname ?? entity.id);
    const security = entity.securityEnabled === true && !isUnifiedGroup(entity);
    return {
      Identity: nick,
      Name: nick,
      DisplayName: entity.displayName ?? nick,
      Alias: nick,
      PrimarySmtpAddress: String(entity.mail ?? `${nick}@${domainOf(tenant)}`),
      RecipientType: security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
      RecipientTypeDetails: isUnifiedGroup(entity) ? 'GroupMailbox' : security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
      ExternalDirectoryObjectId: entity.id,
      Guid: guidOf(tenant, entity.id),
    };
  }
  return undefined;
}

export function* distributionGroups(tenant: TenantState): Generator<Entity> {
  for (const g of tenant.store('groups').values()) if (isDistributionGroup(g)) yield g;
}

export function* membersOf(tenant: TenantState, groupId: string): Generator<Json> {
  for (const m of linkedObjects(tenant, 'members', groupId)) {
    const kind = tenant.directory.kindOf(m.id);
    const recipient = kind ? recipientOf(tenant, kind, m) : undefined;
    if (recipient) yield recipient;
  }
}

/** Names an object answers to in Exchange (lower case). */
function namesOf(tenant: TenantState, kind: string, entity: Entity): string[] {
  const out = [entity.id, guidOf(tenant, entity.id), String(entity.displayName ?? '')];
  if (kind === 'user') {
    const upn = String(entity.userPrincipalName ?? '');
    out.push(upn, alias(upn), String(entity.mail ?? ''));
  } else {
    const stored = exchangeStore(tenant).get(entity.id);
    out.push(String(entity.mailNickname ?? ''), String(entity.mail ?? ''), String(stored?.DistinguishedName ?? ''), String(stored?.PrimarySmtpAddress ?? ''));
    for (const a of (stored?.EmailAddresses as string[] | undefined) ?? []) out.push(a.replace(/^smtp:/i, ''));
    for (const a of (entity.proxyAddresses as string[] | undefined) ?? []) out.push(a.replace(/^smtp:/i, ''));
  }
  return out.filter((s) => s !== '').map((s) => s.toLowerCase());
}

export type Resolution = { kind: 'user' | 'group'; entity: Entity } | { error: 'notFound' | 'ambiguous' };

/** Finds a recipient by an Exchange identity among the given kinds. */
export function resolveIdentity(tenant: TenantState, identity: string, kinds: ReadonlyArray<'user' | 'group'>, filter: (e: Entity) => boolean = () => true): Resolution {
  const wanted = identity.trim().toLowerCase();
  const direct = tenant.liveObject(identity.trim());
  if (direct && (kinds as readonly string[]).includes(direct.kind) && filter(direct.entity)) return { kind: direct.kind as 'user' | 'group', entity: direct.entity };
  const found: Array<{ kind: 'user' | 'group'; entity: Entity }> = [];
  for (const kind of kinds) {
    for (const e of tenant.store(kind === 'user' ? 'users' : 'groups').values()) {
      if (filter(e) && namesOf(tenant, kind, e).includes(wanted)) found.push({ kind, entity: e });
      if (found.length > 1) return { error: 'ambiguous' };
    }
  }
  return found[0] ?? { error: 'notFound' };
}
