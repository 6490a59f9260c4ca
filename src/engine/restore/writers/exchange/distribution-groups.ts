/**
 * Distribution groups (and mail-enabled security groups) through the Exchange Online admin API's
 * InvokeCommand — Graph can read them but never write them, and a deleted one is hard-deleted, so
 * the backup is the only way back (facts §8.1, §8.2; the endpoint is unsupported by Microsoft and
 * may change).
 *
 * - read: `Get-DistributionGroup -Identity {id}` and `Get-DistributionGroupMember -Identity {id}
 *   -ResultSize Unlimited`, shaped as the backup stores them (the group's object, its members
 *   under `members`); the id is `ExternalDirectoryObjectId`, the group's Entra object id;
 * - create: `New-DistributionGroup` with the snapshot's name, alias, primary address, type
 *   (`Security` for a mail-enabled security group), display name and settings (owners, sender
 *   restrictions, moderation, join/depart restrictions …), then `Set-DistributionGroup
 *   -EmailAddresses` when the snapshot had more addresses than New- gives; members are added
 *   after every object exists, one `Add-DistributionGroupMember` per member, by object id
 *   already mapped to the target;
 * - update: `Set-DistributionGroup` with the properties that differ;
 * - members: `Add-`/`Remove-DistributionGroupMember`. A call whose answer was lost and that is
 *   sent again fails ("already a member", "isn't a member"); the error does not carry Exchange's
 *   exception type through the client, so the writer reads the membership again and counts the
 *   change as done when the member is (or is no longer) there;
 * - remove (undo of a create): `Remove-DistributionGroup`; no recycle bin.
 * Settings Exchange derives (`Identity`, `WindowsEmailAddress`, `GroupType`, `RecipientType*`,
 * GUIDs, timestamps, distinguished name) are never compared or written; `Description` is set on
 * create only (`Set-DistributionGroup` has no such parameter in the emulated set).
 * Calls go through the connection's Exchange client, which uses the connection's scheduler (the
 * `exchange` bucket, Retry-After) and its timeout; app-only calls are routed by the tenant's
 * initial domain (`X-AnchorMailbox`), read once per connection from Graph through `ctx.call`.
 * Not handled: dynamic distribution groups; groups synchronised from on-premises (restored there).
 */
import { getResource, type ExchangeClient, type ExchangeCommand } from '../../../../connectors/index.js';
import { TenantVaultError, isTenantVaultError } from '../../../../errors/index.js';
import { cleanDocument } from '../../../backup/documents.js';
import type { Connection } from '../../../profiles/index.js';
import { isObject } from '../../documents.js';
import { GraphWriter, isOk } from '../generic.js';
import type { CreateOptions, CreateResult, JsonObject, LiveItem, ReadOptions, RelationshipChange, RestoreContext, WriterContext } from '../types.js';

/** Parameters `Set-DistributionGroup` takes for a property of the same name (facts §8.2 "properties worth capturing"). */
const SETTABLE = [
  'DisplayName', 'Alias', 'PrimarySmtpAddress', 'Name', 'Notes', 'MailTip', 'SendModerationNotifications',
  'RequireSenderAuthenticationEnabled', 'HiddenFromAddressListsEnabled', 'ModerationEnabled', 'BypassNestedModerationEnabled',
  'ReportToManagerEnabled', 'ReportToOriginatorEnabled', 'SendOofMessageToOriginatorEnabled',
  'ManagedBy', 'ModeratedBy', 'AcceptMessagesOnlyFrom', 'AcceptMessagesOnlyFromDLMembers', 'AcceptMessagesOnlyFromSendersOrMembers',
  'RejectMessagesFrom', 'RejectMessagesFromDLMembers', 'RejectMessagesFromSendersOrMembers', 'GrantSendOnBehalfTo',
  'MemberJoinRestriction', 'MemberDepartRestriction', 'EmailAddresses',
] as const;
const SETTABLE_SET: ReadonlySet<string> = new Set(SETTABLE);
/** What `New-DistributionGroup` takes besides its own parameters (Name, Alias, PrimarySmtpAddress, Type, Description). */
const NOT_ON_NEW: ReadonlySet<string> = new Set(['EmailAddresses', 'Name', 'Alias', 'PrimarySmtpAddress']);

const ID = 'ExternalDirectoryObjectId';
/** Groups read per window (each read is one or two cmdlet calls). */
const READ_WINDOW = 20;

function memberId(entry: JsonObject): string {
  return String(entry[ID] ?? '');
}

/** Values that mean "not set" (an empty list is set: it is what Get- shows for an empty multivalued property). */
function isUnset(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

function isNotFound(err: unknown): boolean {
  return isTenantVaultError(err, 'ITEM_NOT_FOUND') || (isTenantVaultError(err, 'SERVICE_ERROR') && /couldn't be found|not found/i.test(err.message));
}

/** The Exchange client of a connection, routed through the tenant's initial domain (read once). */
const clients = new WeakMap<Connection, Promise<ExchangeClient>>();

function exchangeOf(ctx: WriterContext): Promise<ExchangeClient> {
  let client = clients.get(ctx.connection);
  if (!client) {
    client = (async () => {
      const result = await ctx.call({ method: 'GET', url: '/domains?$select=id,isInitial', type: 'domain' });
      const domains = isOk(result) && isObject(result.body) && Array.isArray(result.body.value) ? result.body.value.filter(isObject) : [];
      const initial = domains.find((d) => d.isInitial === true && typeof d.id === 'string');
      return ctx.connection.exchange(initial ? String(initial.id) : undefined);
    })();
    client.catch(() => clients.delete(ctx.connection));
    clients.set(ctx.connection, client);
  }
  return client;
}

export class DistributionGroupWriter extends GraphWriter {
  constructor() {
    super(getResource('distributionGroup'), {
      // An alias is unique in an Exchange organization: the one group found by it is this one.
      naturalKey: 'Alias', uniqueKey: true,
      relationships: { members: { kind: 'list', key: memberId } },
    });
  }

  async #run(ctx: WriterContext, cmdlet: string, parameters: Record<string, unknown>): Promise<JsonObject[]> {
    const client = await exchangeOf(ctx);
    const out: JsonObject[] = [];
    // Parameters may be lists (ManagedBy, EmailAddresses, Members); the client sends them as JSON
    // as they are, while its type names the scalar parameters reads use.
    const command = { cmdlet, parameters } as unknown as ExchangeCommand;
    for await (const value of client.invoke<unknown>(command, { type: this.type, ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
      if (isObject(value)) out.push(cleanDocument(value));
    }
    return out;
  }

  // ---- what can be written ----------------------------------------------------------------

  override isWritable(property: string): boolean {
    return SETTABLE_SET.has(property);
  }

  override cannotRestore(document: JsonObject, _context: RestoreContext): string | undefined {
    if (document.IsDirSynced === true) return 'The group is synchronised from on-premises Active Directory; restore it there.';
    return undefined;
  }

  // ---- reads --------------------------------------------------------------------------------

  async #readOne(ctx: WriterContext, id: string, options: ReadOptions | undefined): Promise<JsonObject | undefined> {
    let group: JsonObject | undefined;
    try {
      [group] = await this.#run(ctx, 'Get-DistributionGroup', { Identity: id });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (!group || options?.existenceOnly) return group;
    const wanted = options?.relationships;
    if (wanted && !wanted.includes('members')) return group;
    try {
      return { ...group, members: await this.#run(ctx, 'Get-DistributionGroupMember', { Identity: id, ResultSize: 'Unlimited' }) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  override async *read(ctx: WriterContext, ids: readonly string[], options?: ReadOptions): AsyncGenerator<LiveItem> {
    for (let start = 0; start < ids.length; start += READ_WINDOW) {
      const window = ids.slice(start, start + READ_WINDOW);
      const documents = await Promise.all(window.map((id) => this.#readOne(ctx, id, options)));
      for (let i = 0; i < window.length; i++) yield { id: window[i]!, document: documents[i] };
    }
  }

  override async *readDeleted(_ctx: WriterContext, ids: readonly string[]): AsyncGenerator<LiveItem> {
    // Distribution groups are hard-deleted (facts §5.1): there is never a deleted copy.
    for (const id of ids) yield { id, document: undefined };
  }

  override async restoreDeleted(): Promise<void> {
    throw new TenantVaultError('USAGE', 'Distribution groups have no recycle bin; they are recreated');
  }

  override async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    const alias = document.Alias;
    if (typeof alias !== 'string' || alias.length === 0) return [];
    try {
      const found = await this.#run(ctx, 'Get-DistributionGroup', { Identity: alias });
      return found.filter((g) => typeof g[ID] === 'string').map((g) => ({ id: String(g[ID]), keys: {} }));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  // ---- writes -------------------------------------------------------------------------------

  /** `New-DistributionGroup`'s parameters from a snapshot document. */
  protected newParameters(document: JsonObject): Record<string, unknown> {
    const parameters: Record<string, unknown> = {
      Name: document.Name ?? document.Alias ?? document.DisplayName,
      ...(typeof document.Alias === 'string' ? { Alias: document.Alias } : {}),
      ...(typeof document.PrimarySmtpAddress === 'string' ? { PrimarySmtpAddress: document.PrimarySmtpAddress } : {}),
      Type: document.RecipientTypeDetails === 'MailUniversalSecurityGroup' || /SecurityEnabled/.test(String(document.GroupType ?? '')) ? 'Security' : 'Distribution',
    };
    const description = Array.isArray(document.Description) ? document.Description.filter((d) => typeof d === 'string').join('\n') : document.Description;
    if (typeof description === 'string' && description.length > 0) parameters.Description = description;
    for (const name of SETTABLE) {
      if (NOT_ON_NEW.has(name) || isUnset(document[name])) continue;
      parameters[name] = document[name];
    }
    return parameters;
  }

  override async create(ctx: WriterContext, document: JsonObject, _options: CreateOptions): Promise<CreateResult> {
    const [created] = await this.#run(ctx, 'New-DistributionGroup', this.newParameters(document));
    const id = created?.[ID];
    if (typeof id !== 'string') throw new TenantVaultError('SERVICE_ERROR', `New-DistributionGroup created ${String(document.Alias)} but returned no ${ID}`);
    // New- sets the primary address only; the snapshot's other addresses follow.
    const addresses = document.EmailAddresses;
    if (Array.isArray(addresses) && addresses.length > 0 && JSON.stringify([...addresses].sort()) !== JSON.stringify([...(Array.isArray(created?.EmailAddresses) ? created.EmailAddresses : [])].sort())) {
      await this.#run(ctx, 'Set-DistributionGroup', { Identity: id, EmailAddresses: addresses });
    }
    return { id, keys: {} };
  }

  override async update(ctx: WriterContext, id: string, patch: JsonObject, _live: JsonObject | undefined): Promise<void> {
    const parameters = Object.fromEntries(Object.entries(patch).filter(([name]) => SETTABLE_SET.has(name)));
    if (Object.keys(parameters).length === 0) return;
    await this.#run(ctx, 'Set-DistributionGroup', { Identity: id, ...parameters });
  }

  override async relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, _live: JsonObject | undefined): Promise<void> {
    if (relationship !== 'members') throw new TenantVaultError('INTERNAL', `${this.type} has no relationship ${relationship}`);
    // One cmdlet per member, in turn: Exchange has no bulk add and refuses concurrent edits of one group [I].
    for (const entry of change.remove) await this.#member(ctx, id, 'Remove-DistributionGroupMember', memberId(entry), false);
    for (const entry of change.add) await this.#member(ctx, id, 'Add-DistributionGroupMember', memberId(entry), true);
  }

  async #member(ctx: WriterContext, id: string, cmdlet: string, member: string, wanted: boolean): Promise<void> {
    if (member.length === 0) return;
    try {
      await this.#run(ctx, cmdlet, { Identity: id, Member: member });
    } catch (err) {
      if (!isTenantVaultError(err, 'SERVICE_ERROR') && !isNotFound(err)) throw err;
      // Already as wanted (an earlier attempt whose answer was lost)?
      const live = await this.#readOne(ctx, id, { relationships: ['members'] });
      const present = (Array.isArray(live?.members) ? live.members.filter(isObject) : []).some((m) => memberId(m) === member);
      if (live && present === wanted) return;
      throw err;
    }
  }

  override cannotRemove(): string | undefined {
    return undefined;
  }

  override async remove(ctx: WriterContext, id: string): Promise<'recycleBin' | 'deleted'> {
    try {
      await this.#run(ctx, 'Remove-DistributionGroup', { Identity: id, Confirm: false });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return 'deleted';
  }
}

export function exchangeWriters(): GraphWriter[] {
  return [new DistributionGroupWriter()];
}
