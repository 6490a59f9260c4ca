/**
 * Exchange Online distribution groups as the admin API's `InvokeCommand` returns them
 * (`Get-DistributionGroup`, `Get-DistributionGroupMember`; facts §8.2): one Exchange object per
 * distribution list and mail-enabled security group of the directory, with PowerShell-style
 * property names (Identity, Name, DisplayName, Alias, PrimarySmtpAddress, EmailAddresses,
 * ManagedBy, MemberJoinRestriction, …) and its members as recipient objects.
 *
 * Guarantees: `ExternalDirectoryObjectId` is the Entra group's ID and every member is a user or
 * group of the context (from `groupMembers`), so Graph `/groups/{id}/members` and
 * `Get-DistributionGroupMember` agree. Members are resolved with one pass over users and groups,
 * holding only the IDs that DLs need. Property values follow what Exchange Online prints; the
 * shape is community-documented (the API is unsupported), so treat it as best effort. Plain
 * security groups in a DL's directory membership are left out: Exchange cannot hold them.
 */
import type { FamilyContext, GroupRef, UserRef } from '../context.js';
import { bySize, daysAgo, type JsonObject } from './util.js';

export interface ExchangeData {
  /** `Get-DistributionGroup` objects. */
  distributionGroups: JsonObject[];
  /** `Get-DistributionGroupMember` objects by the group's ExternalDirectoryObjectId. */
  members: Map<string, JsonObject[]>;
}

const EXCHANGE_DN_SUFFIX = 'OU=Microsoft Exchange Hosted Organizations,DC=EURPR01A001,DC=PROD,DC=OUTLOOK,DC=COM';

function alias(address: string): string {
  return address.split('@')[0] ?? address;
}

function userRecipient(u: UserRef, guid: string): JsonObject {
  const name = alias(u.userPrincipalName);
  const smtp = u.mail ?? u.userPrincipalName;
  return {
    Identity: name,
    Name: name,
    DisplayName: u.displayName,
    Alias: name,
    PrimarySmtpAddress: smtp,
    RecipientType: 'UserMailbox',
    RecipientTypeDetails: 'UserMailbox',
    ExternalDirectoryObjectId: u.id,
    Guid: guid,
  };
}

function groupRecipient(g: GroupRef, domain: string, guid: string): JsonObject {
  const security = g.kind === 'mailEnabledSecurity';
  const details = g.kind === 'unified' ? 'GroupMailbox' : security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup';
  return {
    Identity: g.mailNickname,
    Name: g.mailNickname,
    DisplayName: g.displayName,
    Alias: g.mailNickname,
    PrimarySmtpAddress: g.mail ?? `${g.mailNickname}@${domain}`,
    RecipientType: security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
    RecipientTypeDetails: details,
    ExternalDirectoryObjectId: g.id,
    Guid: guid,
  };
}

export function generateExchange(ctx: FamilyContext): ExchangeData {
  const random = ctx.random.fork('exchange');
  const dls: GroupRef[] = [];
  for (const g of ctx.groups()) if (g.kind === 'distribution' || g.kind === 'mailEnabledSecurity') dls.push(g);

  // Collect the member IDs first, then resolve them in one pass over the directory.
  const memberIds = new Map<string, string[]>();
  const wanted = new Set<string>();
  for (const dl of dls) {
    const ids = [...ctx.groupMembers(dl.id)];
    memberIds.set(dl.id, ids);
    for (const id of ids) wanted.add(id);
  }
  const owners = new Map<string, UserRef[]>();
  const ownerCap = bySize(ctx, [2, 3, 3]);
  for (const dl of dls) owners.set(dl.id, Array.from({ length: random.between(1, ownerCap) }, () => ctx.pickUser(random)));
  const users = new Map<string, UserRef>();
  const groups = new Map<string, GroupRef>();
  if (wanted.size > 0) {
    for (const u of ctx.users()) if (wanted.has(u.id)) users.set(u.id, u);
    for (const g of ctx.groups()) if (wanted.has(g.id)) groups.set(g.id, g);
  }
  const guids = new Map<string, string>();
  const guidOf = (id: string): string => {
    let guid = guids.get(id);
    if (!guid) {
      guid = random.uuid();
      guids.set(id, guid);
    }
    return guid;
  };

  // One recipient object per member, shared by every DL it belongs to (a large tenant has ~190,000
  // DL memberships): the objects are plain JSON that nobody mutates.
  const recipients = new Map<string, JsonObject | null>();
  const recipientOf = (id: string): JsonObject | null => {
    let recipient = recipients.get(id);
    if (recipient === undefined) {
      const u = users.get(id);
      const g = u ? undefined : groups.get(id);
      // Exchange lists only mail-enabled recipients; a plain security group cannot be a DL member.
      recipient = u ? userRecipient(u, guidOf(id)) : g && g.kind !== 'security' ? groupRecipient(g, ctx.domain, guidOf(id)) : null;
      recipients.set(id, recipient);
    }
    return recipient;
  };

  const distributionGroups: JsonObject[] = [];
  const members = new Map<string, JsonObject[]>();
  const org = ctx.domain.replace(/\.onmicrosoft\.com$/, '');
  for (const dl of dls) {
    const security = dl.kind === 'mailEnabledSecurity';
    const primary = dl.mail ?? `${dl.mailNickname}@${ctx.domain}`;
    const created = daysAgo(ctx, random.between(30, 1_500));
    const changed = daysAgo(ctx, random.between(0, 29));
    const managers = owners.get(dl.id) ?? [];
    distributionGroups.push({
      Identity: dl.mailNickname,
      Name: dl.mailNickname,
      DisplayName: dl.displayName,
      Alias: dl.mailNickname,
      PrimarySmtpAddress: primary,
      WindowsEmailAddress: primary,
      EmailAddresses: [`SMTP:${primary}`, `smtp:${dl.mailNickname}@${org}.onmicrosoft.com`].filter((a, i, all) => all.findIndex((b) => b.toLowerCase() === a.toLowerCase()) === i),
      ExternalDirectoryObjectId: dl.id,
      Guid: guidOf(dl.id),
      DistinguishedName: `CN=${dl.mailNickname},OU=${ctx.domain},${EXCHANGE_DN_SUFFIX}`,
      GroupType: security ? 'Universal, SecurityEnabled' : 'Universal',
      RecipientType: security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
      RecipientTypeDetails: security ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
      ManagedBy: managers.map((m) => alias(m.userPrincipalName)),
      MemberJoinRestriction: security ? 'Closed' : random.weighted(['Closed', 'Open', 'ApprovalRequired'], [6, 3, 1]),
      MemberDepartRestriction: security ? 'Closed' : random.pick(['Open', 'Closed']),
      RequireSenderAuthenticationEnabled: random.chance(0.8),
      HiddenFromAddressListsEnabled: random.chance(0.1),
      ModerationEnabled: random.chance(0.1),
      ModeratedBy: [],
      SendModerationNotifications: 'Always',
      BypassNestedModerationEnabled: false,
      AcceptMessagesOnlyFrom: [],
      AcceptMessagesOnlyFromDLMembers: [],
      AcceptMessagesOnlyFromSendersOrMembers: [],
      RejectMessagesFrom: [],
      RejectMessagesFromDLMembers: [],
      RejectMessagesFromSendersOrMembers: [],
      GrantSendOnBehalfTo: [],
      ReportToManagerEnabled: false,
      ReportToOriginatorEnabled: true,
      SendOofMessageToOriginatorEnabled: false,
      Description: [],
      Notes: '',
      MailTip: null,
      MaxSendSize: 'Unlimited',
      MaxReceiveSize: 'Unlimited',
      IsDirSynced: false,
      OrganizationalUnit: `EURPR01A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${ctx.domain}`,
      WhenCreated: created,
      WhenChanged: changed,
      WhenCreatedUTC: created,
      WhenChangedUTC: changed,
    });
    const list: JsonObject[] = [];
    for (const id of memberIds.get(dl.id) ?? []) {
      const recipient = recipientOf(id);
      if (recipient) list.push(recipient);
    }
    members.set(dl.id, list);
  }
  return { distributionGroups, members };
}
