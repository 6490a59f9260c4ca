/**
 * The values of a snapshot document that belong to the source tenant, adapted to the target of a
 * restore into another tenant — the target refuses a UPN or an address in a domain it does not
 * own (user-post-users: "The domain portion of the userPrincipalName property is invalid";
 * New-DistributionGroup: the address's domain must be an accepted domain).
 *
 * | type | adapted (domains.ts rule) |
 * |---|---|
 * | user | `userPrincipalName`, `mail`, `proxyAddresses` (SMTP/SIP), the `userPrincipalName` identity (`issuerAssignedId`, `issuer`) |
 * | distributionGroup | `PrimarySmtpAddress`, `WindowsEmailAddress`, `EmailAddresses` (SMTP/SIP; one entry per address) |
 *
 * Not adapted: object ids and other references (the id map does those), relationship entries
 * (links written by id; the names beside the id are the service's copies of the linked object's),
 * addresses outside the tenant (`otherMails`, a guest's home address inside its UPN's local part).
 *
 * Guarantees: pure; the input is never modified (a copy is returned; other types' documents as they are).
 */
import { isObject } from '../documents.js';
import type { JsonObject } from '../writers/types.js';
import { mapAddress, mapProxyAddress, mapUserPrincipalName, type TargetDomains } from './domains.js';

interface AddressFields {
  /** Properties holding one address. */
  readonly addresses: readonly string[];
  /** Properties holding a list of proxy addresses (`SMTP:…`). */
  readonly proxies: readonly string[];
}

const FIELDS: Readonly<Record<string, AddressFields>> = {
  user: { addresses: ['mail'], proxies: ['proxyAddresses'] },
  distributionGroup: { addresses: ['PrimarySmtpAddress', 'WindowsEmailAddress'], proxies: ['EmailAddresses'] },
};

/** A list of proxy addresses mapped, the first of several that become one address kept (the primary `SMTP:` comes first). */
function mapProxies(list: readonly unknown[], domains: TargetDomains): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const entry of list) {
    const mapped = typeof entry === 'string' ? mapProxyAddress(entry, domains) : entry;
    const key = typeof mapped === 'string' ? mapped.toLowerCase() : undefined;
    if (key !== undefined && seen.has(key)) continue;
    if (key !== undefined) seen.add(key);
    out.push(mapped);
  }
  return out;
}

/** The `userPrincipalName` sign-in identity names the UPN and the tenant's domain: both follow the UPN. */
function mapIdentities(list: readonly unknown[], upn: string | undefined, domains: TargetDomains): unknown[] {
  return list.map((identity) => {
    if (!isObject(identity) || identity.signInType !== 'userPrincipalName') return identity;
    const issuer = typeof identity.issuer === 'string' ? mapAddress(`_@${identity.issuer}`, domains).slice(2) : identity.issuer;
    return { ...identity, issuer, ...(upn !== undefined ? { issuerAssignedId: upn } : {}) };
  });
}

export function adaptDocument(type: string, document: JsonObject, domains: TargetDomains): JsonObject {
  const fields = FIELDS[type];
  if (!fields) return document;
  const out: JsonObject = { ...document };
  if (type === 'user' && typeof document.userPrincipalName === 'string') out.userPrincipalName = mapUserPrincipalName(document.userPrincipalName, domains);
  for (const name of fields.addresses) if (typeof document[name] === 'string') out[name] = mapAddress(document[name] as string, domains);
  for (const name of fields.proxies) if (Array.isArray(document[name])) out[name] = mapProxies(document[name] as unknown[], domains);
  if (type === 'user' && Array.isArray(document.identities)) {
    out.identities = mapIdentities(document.identities, typeof out.userPrincipalName === 'string' ? out.userPrincipalName : undefined, domains);
  }
  return out;
}
