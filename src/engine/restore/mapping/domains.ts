/**
 * The user-principal-name rule of a restore into another tenant: a UPN keeps its local part and
 * gets a domain the target has.
 *
 * Rule (in order):
 * 1. the UPN's domain is a verified domain of the target → unchanged (`alice@contoso.com` stays
 *    when the target also verified `contoso.com`);
 * 2. the domain is a Microsoft initial domain (`*.onmicrosoft.com`, every tenant has exactly one)
 *    → the target's initial domain (`alice@contoso.onmicrosoft.com` → `alice@fabrikam.onmicrosoft.com`);
 * 3. any other domain → the target's default domain (`alice@contoso.com` → `alice@fabrikam.com`
 *    when that is the target's default).
 * A guest's UPN (`bob_partner.com#EXT#@contoso.onmicrosoft.com`) follows the same rule: its local
 * part already names the guest's home address.
 * Comparisons ignore case, as Entra does for UPNs.
 * Mail addresses follow the same rule (`mapAddress`): Exchange Online refuses an address whose
 * domain is not an accepted domain of the organization ("You can't use the domain because it's
 * not an accepted domain for your organization", NotAcceptedDomainException —
 * MicrosoftDocs/OfficeDocs-Support, Exchange/ExchangeOnline/…/issue-with-add-recipientpermission-cmdlet.md).
 * The verified domains are what Graph tells; a verified domain not yet set up for Exchange
 * (domain-verify: "doesn't configure the domain for use with … Exchange") makes that create fail,
 * and the report says so. Proxy addresses (`SMTP:alice@contoso.com`, `smtp:…`, `sip:…`) keep
 * their prefix and its case (upper case marks the primary address).
 *
 * Guarantees: `readTargetDomains` reads `/domains` once (one paged list); the mapping functions
 * are pure. Not guaranteed: that a user with the mapped UPN exists — the lookup says so.
 */
import { isObject } from '../documents.js';
import type { WriterContext } from '../writers/types.js';

export interface TargetDomains {
  /** The `*.onmicrosoft.com` domain every tenant has. */
  readonly initial: string;
  /** The domain new users get by default. */
  readonly default: string;
  /** Verified domain names, lower case. */
  readonly verified: ReadonlySet<string>;
}

const INITIAL_SUFFIX = '.onmicrosoft.com';

export async function readTargetDomains(ctx: WriterContext): Promise<TargetDomains> {
  const verified = new Set<string>();
  let initial: string | undefined;
  let fallback: string | undefined;
  for await (const domain of ctx.graph.items<unknown>('/domains', { type: 'domain', ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
    if (!isObject(domain) || typeof domain.id !== 'string') continue;
    const name = domain.id.toLowerCase();
    if (domain.isVerified === true) verified.add(name);
    if (domain.isInitial === true) initial = name;
    if (domain.isDefault === true) fallback = name;
  }
  const init = initial ?? [...verified].find((d) => d.endsWith(INITIAL_SUFFIX)) ?? [...verified][0] ?? '';
  return { initial: init, default: fallback ?? init, verified };
}

export function mapUserPrincipalName(upn: string, domains: TargetDomains): string {
  const at = upn.lastIndexOf('@');
  if (at < 0) return upn;
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1).toLowerCase();
  if (domains.verified.has(domain)) return `${local}@${domain}`;
  if (domain.endsWith(INITIAL_SUFFIX)) return `${local}@${domains.initial}`;
  return `${local}@${domains.default}`;
}

/** A mail address by the UPN rule (the same rule: local part kept, domain one the target has). */
export const mapAddress = mapUserPrincipalName;

/** Proxy address prefixes whose value is `local@domain`. */
const ADDRESS_PREFIX = /^(smtp|sip):/i;

/** A proxy address (`SMTP:alice@contoso.com`) with its address mapped; other kinds (`X500:…`) unchanged. */
export function mapProxyAddress(proxy: string, domains: TargetDomains): string {
  const prefix = ADDRESS_PREFIX.exec(proxy)?.[0];
  return prefix ? `${prefix}${mapAddress(proxy.slice(prefix.length), domains)}` : proxy;
}
