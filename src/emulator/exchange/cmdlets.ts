/**
 * The Exchange Online cmdlets the emulated admin API runs for distribution groups:
 * `Get-DistributionGroup`, `Get-DistributionGroupMember`, `New-DistributionGroup`,
 * `Set-DistributionGroup`, `Add-DistributionGroupMember`, `Remove-DistributionGroupMember`,
 * `Update-DistributionGroupMember` (replaces the member list) and `Remove-DistributionGroup`
 * (facts §8.2).
 *
 * Guarantees:
 * - every write goes to the directory too — a new group is a mail-enabled Graph group (security
 *   or not per `-Type`), members are directory memberships (visible in `/groups/{id}/members`
 *   and `members@delta`), a removed group is hard-deleted as Entra deletes DLs — and appends the
 *   directoryAudit record Entra writes for that change;
 * - parameters are checked as PowerShell binds them: an unknown one, a missing mandatory one or a
 *   value of the wrong shape is a ParameterBindingException; switches such as `-Confirm` are accepted;
 * - failures carry Exchange's error IDs and exception types (`Ex6F9304|…ManagementObjectNotFoundException|…`,
 *   seen in public error reports); IDs of the errors not seen in reports are marked [I].
 * - `Get-*` cmdlets return at most `-ResultSize` objects (default 1000, `Unlimited` for all), with
 *   Exchange's warning when more exist.
 * Not modelled: OPATH `-Filter`, dynamic distribution groups, moderation and delivery behaviour.
 */
import { randomUUID } from 'node:crypto';
import { deleteDirectoryObject, link, unlink } from '../directory/objects.js';
import { hash32 } from '../random.js';
import { appendAudit, type AuditEntry, type AuditInitiator } from '../state/audit.js';
import type { Entity } from '../state/store.js';
import type { TenantState } from '../state/tenant.js';
import { alias, distributionGroupOf, distributionGroups, exchangeStore, isDistributionGroup, membersOf, resolveIdentity } from './recipients.js';

type Json = Record<string, unknown>;

/** A cmdlet failure: HTTP status, the error's code, and Exchange's `id|exceptionType|message` detail. */
export class ExchangeCmdletError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly errorId: string,
    readonly exceptionType: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeCmdletError';
  }

  get detail(): string {
    return `${this.errorId}|${this.exceptionType}|${this.message}`;
  }
}

const SERVER = 'EMULATOR01A001.PROD.OUTLOOK.COM';

const notFound = (identity: string): ExchangeCmdletError =>
  new ExchangeCmdletError(404, 'NotFound', 'Ex6F9304', 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', `The operation couldn't be performed because object '${identity}' couldn't be found on '${SERVER}'.`);
const ambiguous = (identity: string): ExchangeCmdletError =>
  new ExchangeCmdletError(400, 'BadRequest', 'Ex0F6D8F', 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException', `The operation couldn't be performed because '${identity}' matches multiple entries.`);
const binding = (message: string): ExchangeCmdletError =>
  new ExchangeCmdletError(400, 'BadRequest', 'Ex2C1F6B', 'System.Management.Automation.ParameterBindingException', message);
const invalid = (message: string): ExchangeCmdletError =>
  new ExchangeCmdletError(400, 'BadRequest', 'Ex7D2E52', 'Microsoft.Exchange.Configuration.Tasks.TaskArgumentException', message);

export interface CmdletResult {
  readonly value: Json[];
  readonly warnings: string[];
}

export interface CmdletContext {
  readonly tenant: TenantState;
  readonly initiator: AuditInitiator;
  readonly requestId: string;
}

/** Parameters any cmdlet accepts (common parameters and confirmations). */
const COMMON = new Set(['Confirm', 'Force', 'ErrorAction', 'WarningAction', 'Verbose', 'Debug', 'WhatIf', 'DomainController', 'BypassSecurityGroupManagerCheck', 'IgnoreDefaultScope']);

interface CmdletSpec {
  readonly parameters: readonly string[];
  readonly mandatory?: readonly string[];
  readonly run: (ctx: CmdletContext, p: Params) => CmdletResult;
}

/** Bound parameters with PowerShell's coercions (a single value where a list is expected, `Unlimited`). */
class Params {
  constructor(private readonly values: Json) {}

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw binding(`Cannot convert the value of parameter '${name}' to the type 'System.String'.`);
  }

  list(name: string): string[] | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map(String);
    if (typeof v === 'string') return [v];
    throw binding(`Cannot convert the value of parameter '${name}' to the type 'Microsoft.Exchange.Configuration.Tasks.RecipientWithAdUserGroupIdParameter[]'.`);
  }

  /** A multivalued property's change: a full list, or `@{Add=…; Remove=…}`. */
  change(name: string, current: readonly string[]): string[] | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) || typeof v === 'string') return this.list(name);
    if (typeof v === 'object') {
      const { Add, Remove } = v as { Add?: unknown; Remove?: unknown };
      const toList = (x: unknown): string[] => (x === undefined || x === null ? [] : Array.isArray(x) ? x.map(String) : [String(x)]);
      const removed = new Set(toList(Remove).map((s) => s.toLowerCase()));
      const out = current.filter((c) => !removed.has(c.toLowerCase()));
      for (const a of toList(Add)) if (!out.some((c) => c.toLowerCase() === a.toLowerCase())) out.push(a);
      return out;
    }
    throw binding(`Cannot convert the value of parameter '${name}'.`);
  }

  bool(name: string): boolean | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'True' || v === '$true') return true;
    if (v === 'false' || v === 'False' || v === '$false') return false;
    throw binding(`Cannot convert value "${String(v)}" to type "System.Boolean" for parameter '${name}'.`);
  }

  resultSize(): number {
    const v = this.values['ResultSize'];
    if (v === undefined || v === null) return 1000;
    if (String(v).toLowerCase() === 'unlimited') return Number.POSITIVE_INFINITY;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw binding(`Cannot process argument transformation on parameter 'ResultSize'. Cannot convert value "${String(v)}" to type "Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]".`);
    return n;
  }
}

const RESTRICTIONS = ['Open', 'Closed', 'ApprovalRequired'];
/** Settable on New- and Set-DistributionGroup, with how each is checked. */
const SETTABLE_STRINGS = ['DisplayName', 'Notes', 'MailTip', 'SendModerationNotifications'];
const SETTABLE_BOOLS = ['RequireSenderAuthenticationEnabled', 'HiddenFromAddressListsEnabled', 'ModerationEnabled', 'BypassNestedModerationEnabled', 'ReportToManagerEnabled', 'ReportToOriginatorEnabled', 'SendOofMessageToOriginatorEnabled'];
const SETTABLE_LISTS = ['ManagedBy', 'ModeratedBy', 'AcceptMessagesOnlyFrom', 'AcceptMessagesOnlyFromDLMembers', 'AcceptMessagesOnlyFromSendersOrMembers', 'RejectMessagesFrom', 'RejectMessagesFromDLMembers', 'RejectMessagesFromSendersOrMembers', 'GrantSendOnBehalfTo'];

function restriction(p: Params, name: string): string | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const match = RESTRICTIONS.find((r) => r.toLowerCase() === v.toLowerCase());
  if (!match) throw binding(`Cannot bind parameter '${name}'. Cannot convert value "${v}" to type "Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType". The possible enumeration values are "${RESTRICTIONS.join(', ')}".`);
  return match;
}

/** The Exchange attributes a New-/Set-DistributionGroup call sets. */
function attributes(ctx: CmdletContext, p: Params, current: Json): Json {
  const out: Json = {};
  for (const name of SETTABLE_STRINGS) if (p.has(name)) out[name] = p.string(name);
  for (const name of SETTABLE_BOOLS) if (p.has(name)) out[name] = p.bool(name);
  for (const name of SETTABLE_LISTS) {
    const next = p.change(name, (current[name] as string[] | undefined) ?? []);
    if (next === undefined) continue;
    // Owners and senders must be recipients of the organization; Exchange stores their names.
    out[name] = next.map((identity) => {
      const r = resolveIdentity(ctx.tenant, identity, ['user', 'group']);
      if ('error' in r) throw r.error === 'ambiguous' ? ambiguous(identity) : notFound(identity);
      return r.kind === 'user' ? alias(String(r.entity.userPrincipalName)) : String(r.entity.mailNickname ?? r.entity.id);
    });
  }
  for (const name of ['MemberJoinRestriction', 'MemberDepartRestriction']) {
    const v = restriction(p, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function audit(ctx: CmdletContext, entry: AuditEntry): void {
  appendAudit(ctx.tenant, ctx.initiator, entry, ctx.requestId);
}

function groupTarget(group: Entity): AuditEntry['targetResources'][number] {
  return { id: group.id, type: 'Group', displayName: (group.displayName as string | undefined) ?? null, groupType: group.securityEnabled === true ? 'mailEnabledSecurity' : 'distributionList' };
}

/** The distribution group an `-Identity` names. */
function findGroup(ctx: CmdletContext, identity: string | undefined): Entity {
  if (identity === undefined) throw binding("Cannot bind argument to parameter 'Identity' because it is null.");
  const r = resolveIdentity(ctx.tenant, identity, ['group'], isDistributionGroup);
  if ('error' in r) throw r.error === 'ambiguous' ? ambiguous(identity) : notFound(identity);
  return r.entity;
}

/** A user or mail-enabled group a `-Member` names. */
function findMember(ctx: CmdletContext, identity: string): { kind: 'user' | 'group'; entity: Entity } {
  const r = resolveIdentity(ctx.tenant, identity, ['user', 'group'], (e) => e.mailEnabled !== false || e.userPrincipalName !== undefined);
  if ('error' in r) {
    if (r.error === 'ambiguous') throw ambiguous(identity);
    throw new ExchangeCmdletError(404, 'NotFound', 'Ex6F9304', 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', `Couldn't find object "${identity}". Please make sure that it was spelled correctly or specify a different object.`);
  }
  if (r.kind === 'group' && r.entity.mailEnabled !== true) {
    throw invalid(`The group "${String(r.entity.displayName)}" isn't mail-enabled; only mail-enabled recipients can be members of a distribution group. [I]`);
  }
  return r;
}

function limited(items: Iterable<Json>, p: Params): CmdletResult {
  const size = p.resultSize();
  const value: Json[] = [];
  let more = false;
  for (const item of items) {
    if (value.length >= size) {
      more = true;
      break;
    }
    value.push(item);
  }
  const warnings = more ? ['There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.'] : [];
  return { value, warnings };
}

/** The directory group behind a new distribution group, shaped as the directory generator shapes groups. */
function newGroupEntity(tenant: TenantState, displayName: string, nick: string, primary: string, security: boolean): Entity {
  const id = randomUUID();
  const now = tenant.nowIso();
  return {
    id, deletedDateTime: null, classification: null, createdDateTime: now, creationOptions: [], description: null, displayName,
    expirationDateTime: null, groupTypes: [], isAssignableToRole: null, mail: primary, mailEnabled: true, mailNickname: nick,
    membershipRule: null, membershipRuleProcessingState: null, onPremisesDomainName: null, onPremisesLastSyncDateTime: null,
    onPremisesNetBiosName: null, onPremisesProvisioningErrors: [], onPremisesSamAccountName: null, onPremisesSecurityIdentifier: null,
    onPremisesSyncEnabled: null, preferredDataLocation: null, preferredLanguage: null, proxyAddresses: [`SMTP:${primary}`],
    renewedDateTime: now, resourceBehaviorOptions: [], resourceProvisioningOptions: [], securityEnabled: security,
    securityIdentifier: `S-1-12-1-${hash32(id)}-${hash32(id, 3)}-${hash32(id, 5)}-${hash32(id, 9)}`, serviceProvisioningErrors: [],
    theme: null, visibility: null, uniqueName: null,
  };
}

function addMembers(ctx: CmdletContext, group: Entity, identities: readonly string[], failIfPresent: boolean): void {
  for (const identity of identities) {
    const m = findMember(ctx, identity);
    if (m.entity.id === group.id) throw invalid(`The group "${String(group.displayName)}" can't be a member of itself. [I]`);
    const added = link(ctx.tenant, 'members', group.id, m.entity.id);
    if (!added && failIfPresent) {
      throw new ExchangeCmdletError(400, 'BadRequest', 'Ex94914C', 'Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException', `The recipient "${identity}" is already a member of the group "${String(group.displayName)}".`);
    }
    if (added) audit(ctx, { activityDisplayName: 'Add member to group', category: 'GroupManagement', operationType: 'Assign', targetResources: [{ id: m.entity.id, type: m.kind === 'user' ? 'User' : 'Group', userPrincipalName: (m.entity.userPrincipalName as string | undefined) ?? null }, groupTarget(group)] });
  }
}

function removeMember(ctx: CmdletContext, group: Entity, identity: string): void {
  const m = findMember(ctx, identity);
  if (!unlink(ctx.tenant, 'members', group.id, m.entity.id)) {
    throw new ExchangeCmdletError(400, 'BadRequest', 'ExB7D40B', 'Microsoft.Exchange.Management.Tasks.MemberNotFoundException', `The recipient "${identity}" isn't a member of the group "${String(group.displayName)}". [I]`);
  }
  audit(ctx, { activityDisplayName: 'Remove member from group', category: 'GroupManagement', operationType: 'Unassign', targetResources: [{ id: m.entity.id, type: m.kind === 'user' ? 'User' : 'Group', userPrincipalName: (m.entity.userPrincipalName as string | undefined) ?? null }, groupTarget(group)] });
}

const CMDLETS: Record<string, CmdletSpec> = {
  'Get-DistributionGroup': {
    parameters: ['Identity', 'ResultSize', 'RecipientTypeDetails', 'Anr'],
    run: (ctx, p) => {
      if (p.has('Identity')) return { value: [distributionGroupOf(ctx.tenant, findGroup(ctx, p.string('Identity')))], warnings: [] };
      const types = p.list('RecipientTypeDetails')?.map((t) => t.toLowerCase());
      const anr = p.string('Anr')?.toLowerCase();
      function* all(): Generator<Json> {
        for (const g of distributionGroups(ctx.tenant)) {
          const dl = distributionGroupOf(ctx.tenant, g);
          if (types && !types.includes(String(dl.RecipientTypeDetails).toLowerCase())) continue;
          if (anr && ![dl.Name, dl.DisplayName, dl.Alias, dl.PrimarySmtpAddress].some((v) => String(v).toLowerCase().startsWith(anr))) continue;
          yield dl;
        }
      }
      return limited(all(), p);
    },
  },
  'Get-DistributionGroupMember': {
    parameters: ['Identity', 'ResultSize'],
    mandatory: ['Identity'],
    run: (ctx, p) => limited(membersOf(ctx.tenant, findGroup(ctx, p.string('Identity')).id), p),
  },
  'New-DistributionGroup': {
    parameters: ['Name', 'Alias', 'PrimarySmtpAddress', 'Type', 'Members', 'CopyOwnerToMember', 'Description', ...SETTABLE_STRINGS, ...SETTABLE_BOOLS, ...SETTABLE_LISTS, 'MemberJoinRestriction', 'MemberDepartRestriction'],
    mandatory: ['Name'],
    run: (ctx, p) => {
      const name = p.string('Name') as string;
      const nick = (p.string('Alias') ?? name).replace(/[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]/g, '');
      const primary = p.string('PrimarySmtpAddress') ?? `${nick}@${ctx.tenant.domain}`;
      const type = (p.string('Type') ?? 'Distribution').toLowerCase();
      if (type !== 'distribution' && type !== 'security') throw binding(`Cannot bind parameter 'Type'. Cannot convert value "${p.string('Type')}" to type "Microsoft.Exchange.Management.RecipientTasks.GroupType". The possible enumeration values are "Distribution, Security".`);
      for (const existing of ctx.tenant.store('groups').values()) {
        if (String(existing.mailNickname ?? '').toLowerCase() === nick.toLowerCase() || String(existing.mail ?? '').toLowerCase() === primary.toLowerCase()) {
          throw new ExchangeCmdletError(400, 'BadRequest', 'Ex1D3B7F', 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException', `The name "${name}" is already being used. Please try another name. [I]`);
        }
      }
      for (const u of ctx.tenant.store('users').values()) {
        if (String(u.mail ?? '').toLowerCase() === primary.toLowerCase()) throw invalid(`The proxy address "SMTP:${primary}" is already being used by the proxy addresses or LegacyExchangeDN. Please choose another proxy address.`);
      }
      const security = type === 'security';
      const displayName = p.string('DisplayName') ?? name;
      const attrs = attributes(ctx, p, {});
      // Validate members before anything is created.
      const members = p.list('Members') ?? [];
      for (const m of members) findMember(ctx, m);
      const group = newGroupEntity(ctx.tenant, displayName, nick, primary, security);
      ctx.tenant.addObject('group', group);
      const now = ctx.tenant.nowIso();
      exchangeStore(ctx.tenant).insert({
        id: group.id, Identity: nick, Name: name, DisplayName: displayName, Alias: nick, PrimarySmtpAddress: primary, WindowsEmailAddress: primary,
        EmailAddresses: [`SMTP:${primary}`, ...(primary.toLowerCase().endsWith(`@${ctx.tenant.domain}`) ? [] : [`smtp:${nick}@${ctx.tenant.domain}`])],
        DistinguishedName: `CN=${nick},OU=${ctx.tenant.domain},OU=Microsoft Exchange Hosted Organizations,DC=EMULATOR01A001,DC=PROD,DC=OUTLOOK,DC=COM`,
        MemberJoinRestriction: security ? 'Closed' : 'Open', MemberDepartRestriction: security ? 'Closed' : 'Open',
        ManagedBy: [], ModeratedBy: [], RequireSenderAuthenticationEnabled: true, HiddenFromAddressListsEnabled: false, ModerationEnabled: false,
        Description: p.has('Description') ? [p.string('Description')] : [], Notes: '', MailTip: null,
        WhenCreated: now, WhenChanged: now, WhenCreatedUTC: now, WhenChangedUTC: now, IsDirSynced: false,
        ...attrs,
      });
      audit(ctx, { activityDisplayName: 'Add group', category: 'GroupManagement', operationType: 'Add', targetResources: [{ ...groupTarget(group), modifiedProperties: [{ displayName: 'DisplayName', oldValue: null, newValue: [displayName] }, { displayName: 'MailNickname', oldValue: null, newValue: [nick] }] }] });
      addMembers(ctx, group, members, false);
      return { value: [distributionGroupOf(ctx.tenant, group)], warnings: [] };
    },
  },
  'Set-DistributionGroup': {
    parameters: ['Identity', 'Alias', 'PrimarySmtpAddress', 'EmailAddresses', 'Name', ...SETTABLE_STRINGS, ...SETTABLE_BOOLS, ...SETTABLE_LISTS, 'MemberJoinRestriction', 'MemberDepartRestriction'],
    mandatory: ['Identity'],
    run: (ctx, p) => {
      const group = findGroup(ctx, p.string('Identity'));
      const store = exchangeStore(ctx.tenant);
      const current = distributionGroupOf(ctx.tenant, group);
      const patch = attributes(ctx, p, current);
      if (p.has('Name')) patch.Name = p.string('Name');
      const graphPatch: Json = {};
      if (patch.DisplayName !== undefined) graphPatch.displayName = patch.DisplayName;
      if (p.has('Alias')) {
        const nick = p.string('Alias') as string;
        patch.Alias = nick;
        patch.Identity = nick;
        graphPatch.mailNickname = nick;
      }
      if (p.has('PrimarySmtpAddress')) {
        const primary = p.string('PrimarySmtpAddress') as string;
        const others = ((current.EmailAddresses as string[] | undefined) ?? []).filter((a) => !a.startsWith('SMTP:') && a.toLowerCase() !== `smtp:${primary.toLowerCase()}`);
        patch.PrimarySmtpAddress = primary;
        patch.WindowsEmailAddress = primary;
        patch.EmailAddresses = [`SMTP:${primary}`, ...others, ...((current.PrimarySmtpAddress as string | undefined) ? [`smtp:${String(current.PrimarySmtpAddress)}`] : [])];
        graphPatch.mail = primary;
      }
      if (p.has('EmailAddresses')) {
        const addresses = p.change('EmailAddresses', (patch.EmailAddresses as string[] | undefined) ?? (current.EmailAddresses as string[] | undefined) ?? []) as string[];
        if (!addresses.some((a) => a.startsWith('SMTP:'))) throw invalid('The e-mail address list must contain exactly one primary SMTP address (SMTP:). [I]');
        patch.EmailAddresses = addresses;
      }
      if (patch.EmailAddresses) graphPatch.proxyAddresses = patch.EmailAddresses;
      const now = ctx.tenant.nowIso();
      const stored = store.get(group.id);
      if (stored) store.update(group.id, { ...patch, WhenChanged: now, WhenChangedUTC: now });
      else store.insert({ ...current, ...patch, id: group.id, WhenChanged: now, WhenChangedUTC: now });
      if (Object.keys(graphPatch).length > 0) ctx.tenant.store('groups').update(group.id, graphPatch);
      const changed = Object.keys(patch);
      audit(ctx, { activityDisplayName: 'Update group', category: 'GroupManagement', operationType: 'Update', targetResources: [{ ...groupTarget(group), modifiedProperties: changed.map((k) => ({ displayName: k, oldValue: current[k] ?? null, newValue: patch[k] ?? null })) }] });
      return { value: [], warnings: [] };
    },
  },
  'Add-DistributionGroupMember': {
    parameters: ['Identity', 'Member'],
    mandatory: ['Identity', 'Member'],
    run: (ctx, p) => {
      addMembers(ctx, findGroup(ctx, p.string('Identity')), [p.string('Member') as string], true);
      return { value: [], warnings: [] };
    },
  },
  'Remove-DistributionGroupMember': {
    parameters: ['Identity', 'Member'],
    mandatory: ['Identity', 'Member'],
    run: (ctx, p) => {
      removeMember(ctx, findGroup(ctx, p.string('Identity')), p.string('Member') as string);
      return { value: [], warnings: [] };
    },
  },
  'Update-DistributionGroupMember': {
    parameters: ['Identity', 'Members'],
    mandatory: ['Identity'],
    run: (ctx, p) => {
      const group = findGroup(ctx, p.string('Identity'));
      const wanted = (p.list('Members') ?? []).map((m) => findMember(ctx, m));
      const keep = new Set(wanted.map((m) => m.entity.id));
      for (const current of [...membersOf(ctx.tenant, group.id)]) {
        if (!keep.has(String(current.ExternalDirectoryObjectId))) removeMember(ctx, group, String(current.ExternalDirectoryObjectId));
      }
      addMembers(ctx, group, wanted.map((m) => m.entity.id), false);
      return { value: [], warnings: [] };
    },
  },
  'Remove-DistributionGroup': {
    parameters: ['Identity'],
    mandatory: ['Identity'],
    run: (ctx, p) => {
      const group = findGroup(ctx, p.string('Identity'));
      // Distribution lists and mail-enabled security groups are hard-deleted (facts §5.1).
      deleteDirectoryObject(ctx.tenant, group.id);
      exchangeStore(ctx.tenant).remove(group.id);
      audit(ctx, { activityDisplayName: 'Delete group', category: 'GroupManagement', operationType: 'Delete', targetResources: [groupTarget(group)] });
      return { value: [], warnings: [] };
    },
  },
};

export const SUPPORTED_CMDLETS: readonly string[] = Object.keys(CMDLETS);

/** Runs one cmdlet with its parameters as the request body carried them. */
export function runCmdlet(ctx: CmdletContext, name: string, parameters: Json): CmdletResult {
  const spec = Object.entries(CMDLETS).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
  if (!spec) {
    throw new ExchangeCmdletError(400, 'BadRequest', 'ExC3A2F1', 'System.Management.Automation.CommandNotFoundException', `The term '${name}' is not recognized as a name of a cmdlet, function, script file, or executable program. [I: the emulator runs ${SUPPORTED_CMDLETS.join(', ')}]`);
  }
  const bound: Json = {};
  for (const [key, value] of Object.entries(parameters)) {
    const known = spec.parameters.find((p) => p.toLowerCase() === key.toLowerCase());
    if (known) bound[known] = value;
    else if (![...COMMON].some((c) => c.toLowerCase() === key.toLowerCase())) throw binding(`A parameter cannot be found that matches parameter name '${key}'.`);
  }
  for (const m of spec.mandatory ?? []) {
    if (bound[m] === undefined || bound[m] === null || bound[m] === '') throw binding(`Cannot bind argument to parameter '${m}' because it is null.`);
  }
  return spec.run(ctx, new Params(bound));
}

export type { Json as ExchangeObject };
