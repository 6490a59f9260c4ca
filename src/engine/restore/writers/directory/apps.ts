/**
 * Applications and service principals (facts §5.1, §6.1, §6.3, §7.1; application-addpassword,
 * serviceprincipal-post-approleassignedto):
 * - client secrets (`passwordCredentials`) are never readable: a recreated application gets new
 *   secrets only with `--new-secrets` (`addPassword`, same display name and end date), each shown
 *   once in the report; otherwise they are listed as not restored;
 * - certificates (`keyCredentials`): the public part is written back when the backup holds it
 *   (`key`); private keys were never in Graph;
 * - a recreated application has a new `appId`, which references by appId (service principals,
 *   `requiredResourceAccess`, conditional access) follow through the ID map;
 * - a service principal is created from its application's `appId` (a first-party one from
 *   Microsoft's); its owners are `$ref` links and its app role assignments (`appRoleAssignedTo`,
 *   to users, groups and other service principals) are POSTed and DELETEd one by one (no PATCH).
 */
import { getResource } from '../../../../connectors/index.js';
import { isObject } from '../../documents.js';
import { GraphWriter, failure, isOk, quoteOData } from '../generic.js';
import type { CreateOptions, CreateResult, JsonObject, Limitation, RestoreContext, SecretOutput, WriterContext } from '../types.js';

function credentials(document: JsonObject, name: string): JsonObject[] {
  const value = document[name];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export class ApplicationWriter extends GraphWriter {
  constructor() {
    super(getResource('application'), { relationships: { owners: { kind: 'list', key: (e) => String(e.id) } } });
  }

  override limitations(document: JsonObject, context: RestoreContext): Limitation[] {
    const out: Limitation[] = [];
    const secrets = credentials(document, 'passwordCredentials');
    if (context.recreate && secrets.length > 0) {
      out.push({
        property: 'passwordCredentials',
        reason: `${secrets.length} client secret(s): Graph never returns a secret's value.`,
        action: context.newSecrets ? 'new secrets with the same display names, listed once in the report' : 'not restored (use --new-secrets to create new ones)',
      });
    }
    const missingKeys = credentials(document, 'keyCredentials').filter((k) => typeof k.key !== 'string');
    if (context.recreate && missingKeys.length > 0) {
      out.push({ property: 'keyCredentials', reason: `${missingKeys.length} certificate(s) without their public key in the backup.`, action: 'not restored; upload the certificates again' });
    }
    if (context.recreate && credentials(document, 'keyCredentials').some((k) => typeof k.key === 'string')) {
      out.push({ property: 'keyCredentials', reason: 'Private keys are never in Graph.', action: 'public certificates uploaded again' });
    }
    return out;
  }

  protected override createBody(document: JsonObject): JsonObject {
    const body = super.createBody(document);
    const keys = credentials(document, 'keyCredentials').filter((k) => typeof k.key === 'string');
    if (keys.length > 0) body.keyCredentials = keys;
    else delete body.keyCredentials;
    return body;
  }

  override isWritable(property: string): boolean {
    // Certificates are compared and written only through create (their `key` is not read back by lists).
    return property !== 'keyCredentials' && super.isWritable(property);
  }

  override async create(ctx: WriterContext, document: JsonObject, options: CreateOptions): Promise<CreateResult> {
    const created = await super.create(ctx, document, options);
    if (!options.newSecrets) return created;
    const outputs: SecretOutput[] = [];
    for (const secret of credentials(document, 'passwordCredentials')) {
      const result = await this.call(ctx, {
        method: 'POST', url: `/applications/${encodeURIComponent(created.id)}/addPassword`,
        body: { passwordCredential: { displayName: secret.displayName ?? null, ...(typeof secret.endDateTime === 'string' ? { endDateTime: secret.endDateTime } : {}) } },
      });
      if (!isOk(result)) throw failure(result, `Adding a client secret to application ${created.id}`);
      const body = isObject(result.body) ? result.body : {};
      outputs.push({
        kind: 'clientSecret', label: `${String(document.displayName ?? created.id)} (${String(secret.displayName ?? 'secret')})`, value: String(body.secretText ?? ''),
        detail: { applicationId: created.id, keyId: String(body.keyId ?? ''), ...(typeof body.endDateTime === 'string' ? { endDateTime: body.endDateTime } : {}) },
      });
    }
    return { ...created, outputs };
  }
}

export class ServicePrincipalWriter extends GraphWriter {
  constructor() {
    super(getResource('servicePrincipal'), {
      // The appId names the application on create; it never changes afterwards (facts §6.3).
      createOnly: ['appId'],
      naturalKey: 'appId',
      uniqueKey: true,
      relationships: {
        owners: { kind: 'list', key: (e) => String(e.id) },
        appRoleAssignedTo: { kind: 'list', key: (e) => `${String(e.principalId)}|${String(e.appRoleId)}` },
      },
    });
  }

  override async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    const appId = document.appId;
    if (typeof appId !== 'string') return [];
    const result = await this.call(ctx, { method: 'GET', url: `/servicePrincipals(appId=${encodeURIComponent(quoteOData(appId))})?$select=id,appId` });
    if (result.status === 404) return [];
    if (!isOk(result)) throw failure(result, `Looking for the service principal of ${appId}`);
    return isObject(result.body) && typeof result.body.id === 'string' ? [{ id: result.body.id, keys: { appId } }] : [];
  }

  protected override entryBody(relationship: string, entry: JsonObject, id: string): JsonObject {
    if (relationship !== 'appRoleAssignedTo') return super.entryBody(relationship, entry, id);
    return { principalId: entry.principalId, resourceId: id, appRoleId: entry.appRoleId };
  }
}
