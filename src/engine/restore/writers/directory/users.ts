/**
 * Users (facts §6.1, §6.2, §6.3; user-post-users, user-update, authentication-post-phonemethods):
 * - a recreated user gets a temporary password, generated and stored (encrypted) by the applier
 *   before the create, with `forceChangePasswordNextSignIn` — the old password cannot be read;
 * - `manager` is one link, set with `PUT /users/{id}/manager/$ref`;
 * - authentication methods: phone (mobile, alternateMobile, office) and email methods are
 *   written back; FIDO2, Microsoft Authenticator, Windows Hello, software OATH, Temporary Access
 *   Pass and password methods cannot be created through Graph and are listed, not restored;
 * - guests invited from another tenant cannot be recreated with `POST /users` (they must be
 *   invited again); users synced from on-premises AD are written there, not in Entra.
 * The natural key is the userPrincipalName, which Graph keeps unique and accepts in `/users/{upn}`.
 */
import { getResource } from '../../../../connectors/index.js';
import { TenantVaultError } from '../../../../errors/index.js';
import { isObject, odataTypeName } from '../../documents.js';
import { GraphWriter, alreadyLinked, failure, isOk } from '../generic.js';
import type { CreateOptions, CreateResult, JsonObject, Limitation, RelationshipChange, RestoreContext, WriterContext } from '../types.js';

/** Method types Graph can create (authenticationmethods-overview, facts §6.2), by `@odata.type` name → collection. */
const WRITABLE_METHODS: Readonly<Record<string, string>> = {
  phoneAuthenticationMethod: 'phoneMethods',
  emailAuthenticationMethod: 'emailMethods',
};

function methodType(entry: JsonObject): string {
  return odataTypeName(entry['@odata.type']) ?? 'authenticationMethod';
}

function methodKey(entry: JsonObject): string {
  const type = methodType(entry);
  if (type === 'phoneAuthenticationMethod') return `phone:${String(entry.phoneType)}:${String(entry.phoneNumber)}`;
  if (type === 'emailAuthenticationMethod') return `email:${String(entry.emailAddress)}`;
  return `${type}:${String(entry.id)}`;
}

function methodUnsupported(entry: JsonObject): string | undefined {
  const type = methodType(entry);
  if (WRITABLE_METHODS[type]) return undefined;
  if (type === 'passwordAuthenticationMethod') return 'The password method is the password itself, which cannot be read or set back.';
  if (type === 'temporaryAccessPassAuthenticationMethod') return 'A Temporary Access Pass is shown only when created; issue a new one if needed.';
  return `${type} cannot be created through Graph; the user registers it again.`;
}

function isGuest(document: JsonObject): boolean {
  return document.userType === 'Guest' || document.creationType === 'Invitation' || String(document.userPrincipalName ?? '').includes('#EXT#');
}

export class UserWriter extends GraphWriter {
  constructor() {
    super(getResource('user'), {
      naturalKey: 'userPrincipalName',
      uniqueKey: true,
      relationships: {
        manager: { kind: 'single', key: (entry) => String(entry.id) },
        authenticationMethods: { kind: 'list', key: methodKey, unsupported: methodUnsupported },
      },
    });
  }

  override cannotRestore(document: JsonObject, context: RestoreContext): string | undefined {
    const base = super.cannotRestore(document, context);
    if (base) return base;
    if (document.onPremisesSyncEnabled === true) return 'The user is synchronised from on-premises Active Directory; restore it there.';
    if (context.recreate && isGuest(document)) return 'A guest invited from another tenant cannot be created with POST /users; invite the user again (POST /invitations).';
    return undefined;
  }

  override limitations(document: JsonObject, context: RestoreContext): Limitation[] {
    const out: Limitation[] = [];
    if (context.recreate) {
      out.push({ property: 'passwordProfile', reason: 'Passwords can never be read from Graph.', action: 'a random temporary password, change forced at next sign-in (listed once in the report)' });
    }
    for (const entry of Array.isArray(document.authenticationMethods) ? document.authenticationMethods.filter(isObject) : []) {
      const why = methodUnsupported(entry);
      if (why && methodType(entry) !== 'passwordAuthenticationMethod') out.push({ property: `authenticationMethods/${methodType(entry)}`, reason: why, action: 'not restored' });
    }
    return out;
  }

  override secretsFor(_document: JsonObject): readonly string[] {
    return ['password'];
  }

  protected override createBody(document: JsonObject): JsonObject {
    const body = super.createBody(document);
    // The userPrincipalName identity is the service's own copy of the UPN.
    if (Array.isArray(body.identities)) {
      const own = body.identities.filter((i) => isObject(i) && i.signInType !== 'userPrincipalName');
      if (own.length > 0) body.identities = own;
      else delete body.identities;
    }
    return body;
  }

  override async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    const upn = document.userPrincipalName;
    if (typeof upn !== 'string') return [];
    const result = await this.call(ctx, { method: 'GET', url: `/users/${encodeURIComponent(upn)}?$select=id` });
    if (result.status === 404) return [];
    if (!isOk(result)) throw failure(result, `Looking for user ${upn}`);
    return isObject(result.body) && typeof result.body.id === 'string' ? [{ id: result.body.id, keys: {} }] : [];
  }

  override async create(ctx: WriterContext, document: JsonObject, options: CreateOptions): Promise<CreateResult> {
    const password = options.secrets.password;
    if (!password) throw new TenantVaultError('INTERNAL', 'A user is created without a temporary password');
    const body = { ...this.createBody(document), passwordProfile: { password, forceChangePasswordNextSignIn: true } };
    const result = await this.call(ctx, { method: 'POST', url: '/users', body });
    if (!isOk(result)) throw failure(result, `Creating user ${String(document.userPrincipalName)}`);
    return { id: this.idOf(isObject(result.body) ? result.body : {}), keys: {} };
  }

  override async relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    if (relationship === 'manager') return this.#relinkManager(ctx, id, change);
    if (relationship === 'authenticationMethods') return this.#relinkMethods(ctx, id, change, live);
    return super.relink(ctx, id, relationship, change, live);
  }

  async #relinkManager(ctx: WriterContext, id: string, change: RelationshipChange): Promise<void> {
    const manager = change.add[0];
    if (manager && typeof manager.id === 'string') {
      const result = await this.call(ctx, {
        method: 'PUT', url: `/users/${encodeURIComponent(id)}/manager/$ref`, idempotent: true,
        body: { '@odata.id': `${ctx.connection.cloud.graph}/v1.0/users/${manager.id}` },
      });
      if (!isOk(result)) throw failure(result, `Setting the manager of user ${id}`);
      return;
    }
    if (change.remove.length > 0) {
      const result = await this.call(ctx, { method: 'DELETE', url: `/users/${encodeURIComponent(id)}/manager/$ref`, idempotent: true });
      if (!isOk(result) && result.status !== 404) throw failure(result, `Removing the manager of user ${id}`);
    }
  }

  async #relinkMethods(ctx: WriterContext, id: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    const base = `/users/${encodeURIComponent(id)}/authentication`;
    const liveMethods = Array.isArray(live?.authenticationMethods) ? live.authenticationMethods.filter(isObject) : [];
    for (const entry of change.remove) {
      const collection = WRITABLE_METHODS[methodType(entry)];
      if (!collection || typeof entry.id !== 'string') continue;
      const result = await this.call(ctx, { method: 'DELETE', url: `${base}/${collection}/${encodeURIComponent(entry.id)}`, idempotent: true });
      if (!isOk(result) && result.status !== 404) throw failure(result, `Removing an authentication method of user ${id}`);
    }
    for (const entry of change.add) {
      const type = methodType(entry);
      const collection = WRITABLE_METHODS[type];
      if (!collection) continue;
      const body = type === 'phoneAuthenticationMethod' ? { phoneNumber: entry.phoneNumber, phoneType: entry.phoneType } : { emailAddress: entry.emailAddress };
      // One method per phone type and one email method: a different value is an update of it.
      const existing = liveMethods.find((m) => methodType(m) === type && (type !== 'phoneAuthenticationMethod' || m.phoneType === entry.phoneType));
      if (existing && typeof existing.id === 'string') {
        const patch = type === 'phoneAuthenticationMethod' ? { phoneNumber: entry.phoneNumber } : { emailAddress: entry.emailAddress };
        const result = await this.call(ctx, { method: 'PATCH', url: `${base}/${collection}/${encodeURIComponent(existing.id)}`, body: patch, idempotent: true });
        if (!isOk(result)) throw failure(result, `Updating an authentication method of user ${id}`);
        continue;
      }
      const result = await this.call(ctx, { method: 'POST', url: `${base}/${collection}`, body, idempotent: true });
      if (isOk(result) || alreadyLinked(result)) continue;
      throw failure(result, `Adding an authentication method to user ${id}`);
    }
  }
}
